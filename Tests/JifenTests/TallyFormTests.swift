import Foundation
import Testing

/// The blank tally form (积分记录表): printed for the rounds, filled in, entered as it is.
@Suite struct TallyForms {
    @Test("a blank form as CSV, two lines filled in, imports those two scores and passes over the empty lines")
    func aFilledFormImportsAsItIs() throws {
        let office = try Office()
        try office.smallVillage()
        let run = try office.jifen("sheet", "blank", "--unit", "U01", "--period", "2025-03", "--format", "csv", "--out", "form.csv")
        expectOK(run)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: office.path("form.csv")))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "a byte-order mark, as Excel and WPS open UTF-8")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("户号,户主,日期,规则,分值,备注\r\n"))
        var lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        // The unit's two households, three lines each, their code and head filled in.
        #expect(lines.count == 1 + 2 * 3)
        #expect(lines.filter { $0 == "H001,王德福,,,," }.count == 3 && lines.filter { $0 == "H002,李秀英,,,," }.count == 3)
        #expect(!text.contains("H003"), "H003 is of another unit")
        let events = try office.eventCount()
        // The unfilled form is refused as one, and nothing is written.
        let unfilled = try office.jifen("record", "import", "form.csv", "--by", "王会计", "--lang", "en")
        #expect(unfilled.status == 1 && unfilled.err.contains("no line of the form is filled in"), "\(unfilled.err)")
        #expect(try office.eventCount() == events)
        lines[1] = "H001,王德福,2025-03-05,A1.2,,3月院坝会"
        lines[5] = "H002,李秀英,2025-03-08,A1.3,,无故缺席院坝会"
        try office.write("filled.csv", lines.joined(separator: "\r\n") + "\r\n", bom: true)
        expectOK(try office.jifen("record", "import", "filled.csv", "--by", "王会计"))
        #expect(try office.eventCount() == events + 3, "the sheet's own event and two scores")
        let log = try #require(try office.json("log") as? [[String: Any]]).suffix(2)
        #expect(log.map { $0["type"] as? String ?? "" } == ["v1.scoreRecorded", "v1.scoreRecorded"])
        #expect(log.map { $0["stream"] as? String ?? "" } == ["household:H001", "household:H002"])
        #expect(log.map { ($0["summary"] as? String ?? "").contains("A1.") } == [true, true], "\(log)")
    }

    @Test("the PDF form has every household of the unit and every rule of the scheme; --json says what is on it")
    func thePDFForm() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("sheet", "blank", "--unit", "U01", "--period", "2025-03", "--lines", "4", "--out", "form.pdf"))
        let text = try office.run("/usr/bin/pdftotext", ["form.pdf", "-"])
        expectOK(text)
        let squeezed = text.out.filter { !$0.isWhitespace }
        let form = try #require(try office.json("sheet", "blank", "--unit", "U01", "--period", "2025-03") as? [String: Any])
        let households = try #require(form["households"] as? [[String: Any]])
        #expect(households.map { $0["code"] as? String ?? "" } == ["H001", "H002"])
        for household in households {
            #expect(squeezed.contains((household["code"] as? String ?? "?") + (household["head"] as? String ?? "?")))
        }
        let rules = try #require(form["rules"] as? [[String: Any]])
        #expect(rules.count > 20)
        for rule in rules {
            #expect(squeezed.contains((rule["code"] as? String ?? "?") + ((rule["zh"] as? String ?? "?").filter { !$0.isWhitespace })))
        }
        #expect(squeezed.contains("牛角村第一联户（U01）积分记录表2025-03"))
        expectOK(try office.run("/usr/bin/pdftoppm", ["-r", "40", "-png", "form.pdf", "form"]))
        expectRefused(try office.jifen("sheet", "blank", "--unit", "U09", "--period", "2025-03", "--format", "csv", "--lang", "en"),
                      mentioning: "U09")
        #expect(try office.jifen("sheet", "blank", "--unit", "U01", "--period", "2025-03").status == 64, "a PDF needs --out")
    }
}

/// The blank form as a workbook, filled in as a clerk fills it in Excel (here by openpyxl, a date typed as a date).
@Suite(.enabled(if: Openpyxl.usable, Openpyxl.reason)) struct TallyFormWorkbooks {
    @Test("a blank .xlsx form, two lines filled in with openpyxl, imports those two scores")
    func aFilledWorkbookImports() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("sheet", "blank", "--unit", "U01", "--period", "2025-03", "--format", "xlsx", "--out", "form.xlsx"))
        // Every cell as --json says: each household's code and head on its lines, the rest empty.
        let form = try #require(try office.json("sheet", "blank", "--unit", "U01", "--period", "2025-03") as? [String: Any])
        let lines = try #require(form["lines"] as? Int)
        let expected = try #require(form["households"] as? [[String: Any]]).flatMap { household in
            Array(repeating: "\(household["code"] ?? "")|\(household["head"] ?? "")||||", count: lines)
        }
        let cells = try Openpyxl.run(office, """
            import openpyxl
            sheet = openpyxl.load_workbook("form.xlsx").worksheets[0]
            for row in sheet.iter_rows(min_row=2, values_only=True):
                print("|".join("" if value is None else str(value) for value in row))
            """).split(separator: "\n").map(String.init)
        #expect(cells == expected)
        let events = try office.eventCount()
        try Openpyxl.run(office, """
            import datetime, sys, openpyxl
            book = openpyxl.load_workbook("form.xlsx")
            sheet = book.worksheets[0]
            header = [cell.value for cell in sheet[1]]
            assert header == ["户号", "户主", "日期", "规则", "分值", "备注"], header
            assert [sheet.cell(row=r, column=1).value for r in range(2, 8)] == ["H001"] * 3 + ["H002"] * 3
            sheet.cell(row=2, column=3).value = datetime.date(2025, 3, 5)
            sheet.cell(row=2, column=3).number_format = "yyyy-mm-dd"
            sheet.cell(row=2, column=4).value = "A1.2"
            sheet.cell(row=2, column=6).value = "3月院坝会"
            sheet.cell(row=6, column=3).value = datetime.date(2025, 3, 8)
            sheet.cell(row=6, column=3).number_format = "yyyy-mm-dd"
            sheet.cell(row=6, column=4).value = "A1.3"
            sheet.cell(row=6, column=6).value = "无故缺席"
            book.save("filled.xlsx")
            """)
        expectOK(try office.jifen("record", "import", "filled.xlsx", "--by", "王会计"))
        #expect(try office.eventCount() == events + 3, "the sheet's own event and two scores")
        let log = try #require(try office.json("log") as? [[String: Any]]).suffix(2)
        #expect(log.map { $0["stream"] as? String ?? "" } == ["household:H001", "household:H002"])
        #expect(log.map { $0["occurredOn"] as? String ?? "" } == ["2025-03-05", "2025-03-08"])
    }
}
