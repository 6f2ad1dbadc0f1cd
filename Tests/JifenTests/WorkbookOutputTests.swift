import Foundation
import Testing

/// Every .xlsx jifen writes, read back with openpyxl: each cell equals the command's --json output (a score or entry a
/// row where the JSON nests them), a frozen bold header, every column given a width, dates as dates, no formula.
@Suite(.enabled(if: Openpyxl.usable, Openpyxl.reason)) struct WorkbookOutput {
    /// Compares a workbook with the JSON it was written from. Arguments: the .xlsx, the JSON, how the JSON makes rows
    /// (rows, jsonl, notice, statement), and the keys that must be dates. Prints the problems found, as JSON.
    static let compare = """
        import datetime, json, sys, openpyxl
        from openpyxl.utils import get_column_letter
        xlsx, expected, mode, dates = sys.argv[1], sys.argv[2], sys.argv[3], set(filter(None, sys.argv[4].split(",")))
        text = open(expected, encoding="utf-8").read()
        if mode == "jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
            if mode == "notice":
                rows = [dict({"unit": u["code"], "unitName": u["name"], "household": h["code"], "head": h["head"]},
                             **({"leader": u["leader"]} if u.get("leader") is not None else {}), **s)
                        for u in data["units"] for h in u["households"] for s in h["scores"]]
            elif mode == "statement":
                rows = [dict({"household": s["household"], "head": s["head"], "unit": s["unit"]}, **line) for s in data for line in s["lines"]]
            else:
                rows = data
        ws = openpyxl.load_workbook(xlsx).worksheets[0]
        problems = []
        if ws.freeze_panes != "A2":
            problems.append(f"the header is not frozen: {ws.freeze_panes}")
        header = [cell.value for cell in ws[1]]
        if not all(cell.font.b for cell in ws[1]):
            problems.append("the header is not bold")
        keys = set(key for row in rows for key in row)
        if set(header) != keys or len(header) != len(keys):
            problems.append(f"the columns {header} are not the keys {sorted(keys)}")
        if ws.max_row != len(rows) + 1:
            problems.append(f"{ws.max_row - 1} rows for {len(rows)} objects")
        for index in range(1, len(header) + 1):
            width = ws.column_dimensions[get_column_letter(index)].width
            if not width or width < 4:
                problems.append(f"column {index} has no width")
        for number, row in enumerate(rows, start=2):
            cells = {header[i]: cell for i, cell in enumerate(ws[number]) if i < len(header)}
            for key in header:
                want, cell = row.get(key), cells.get(key)
                got = cell.value if cell is not None else None
                if cell is not None and cell.data_type == "f":
                    problems.append(f"{cell.coordinate} is a formula")
                if key in dates and want is not None:
                    ok = cell.is_date and got.date().isoformat() == want and got.time() == datetime.time(0)
                elif want is None:
                    ok = got is None
                elif isinstance(want, bool):
                    ok = got is want
                elif isinstance(want, (int, float)):
                    ok = not isinstance(got, bool) and isinstance(got, (int, float)) and got == want
                elif want == "":
                    ok = got in ("", None)
                else:
                    ok = got == want and cell.data_type == "s"
                if not ok:
                    problems.append(f"{cell.coordinate if cell is not None else key}: {got!r} for {want!r}")
            if len(problems) > 20:
                break
        print(json.dumps({"problems": problems, "rows": len(rows)}, ensure_ascii=False))
        """

    /// The demo village with one more score, whose note a spreadsheet would run as a formula were it one.
    static func demo() throws -> Office {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "jifen.sqlite"))
        expectOK(try office.jifen("record", "H001", "B1.2", "--note", "=1+2 @x", "--date", "2025-12-20", "--by", "王会计"))
        return office
    }

    /// Writes `arguments` as .xlsx and as JSON, and compares every cell; the rows compared.
    @discardableResult
    static func check(_ office: Office, _ arguments: [String], mode: String = "rows", dates: [String] = [], jsonl: [String]? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let json = try office.jifen(arguments: jsonl ?? (arguments + ["--json"]))
        #expect(json.status == 0, "\(json.err)", sourceLocation: sourceLocation)
        try office.write("expected.json", json.out)
        try? FileManager.default.removeItem(atPath: office.path("out.xlsx"))
        let written = try office.jifen(arguments: arguments + ["--format", "xlsx", "--out", "out.xlsx"])
        #expect(written.status == 0 && written.out.isEmpty, "\(written.err)", sourceLocation: sourceLocation)
        let said = try Openpyxl.run(office, compare, ["out.xlsx", "expected.json", mode, dates.joined(separator: ",")],
                                    sourceLocation: sourceLocation)
        let result = try JSONSerialization.jsonObject(with: Data(said.utf8)) as? [String: Any]
        let problems = result?["problems"] as? [String]
        #expect(problems == [], "\(arguments): \(problems ?? [said])", sourceLocation: sourceLocation)
        return result?["rows"] as? Int ?? 0
    }

    @Test func everyWorkbookHoldsTheJSONCellForCell() throws {
        let office = try WorkbookOutput.demo()
        #expect(try WorkbookOutput.check(office, ["balance"]) > 1)
        #expect(try WorkbookOutput.check(office, ["balance", "--as-of", "2025-06-30"], dates: ["asOf"]) > 1)
        #expect(try WorkbookOutput.check(office, ["standings", "--period", "2025"]) > 1)
        #expect(try WorkbookOutput.check(office, ["notice", "sheet", "--period", "2025-12"], mode: "notice", dates: ["date"]) > 1)
        #expect(try WorkbookOutput.check(office, ["statement", "--all", "--period", "2025-03"], mode: "statement", dates: ["date"]) > 1)
        #expect(try WorkbookOutput.check(office, ["audit", "export", "--from", "18000"], mode: "jsonl", dates: ["occurredOn"],
                                         jsonl: ["audit", "export", "--from", "18000"]) > 600)
    }

    @Test func aNoteThatLooksLikeAFormulaStaysText() throws {
        let office = try WorkbookOutput.demo()
        expectOK(try office.jifen("notice", "sheet", "--period", "2025-12", "--format", "xlsx", "--out", "notice.xlsx"))
        let said = try Openpyxl.run(office, """
            import sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
            print([(c.value, c.data_type) for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")])
            """, ["notice.xlsx"])
        #expect(said.trimmingCharacters(in: .whitespacesAndNewlines) == "[('=1+2 @x', 's')]")
    }

    @Test func aWorkbookGoesToAFileAndNeverReplacesOneUnasked() throws {
        let office = try Office()
        try office.smallVillage()
        let toScreen = try office.jifen("balance", "--format", "xlsx")
        #expect(toScreen.status == 64 && toScreen.err.contains("--out"), "\(toScreen.err)")
        let both = try office.jifen("standings", "--period", "2025", "--format", "xlsx", "--out", "s.xlsx", "--json")
        #expect(both.status == 64, "\(both.err)")
        expectOK(try office.jifen("balance", "--format", "xlsx", "--out", "b.xlsx"))
        let again = try office.jifen("balance", "--format", "xlsx", "--out", "b.xlsx")
        #expect(again.status == 1 && again.err.contains("--force"), "\(again.err)")
        expectOK(try office.jifen("balance", "--format", "xlsx", "--out", "b.xlsx", "--force"))
        let ledger = try office.jifen("balance", "--format", "xlsx", "--out", "jifen.sqlite", "--force")
        #expect(ledger.status == 1, "\(ledger.err)")
        // Nothing but the workbook is left beside it.
        let files = try FileManager.default.contentsOfDirectory(atPath: office.url.path).filter { $0.hasSuffix(".part") }
        #expect(files.isEmpty, "\(files)")
    }
}
