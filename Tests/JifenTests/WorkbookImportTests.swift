import Foundation
import Testing

/// Tally sheets and household registers saved as .xlsx (here by openpyxl, as Excel and WPS save them): read from the
/// first sheet, each refused row named by the row number Excel shows, all or nothing.
@Suite(.enabled(if: Openpyxl.usable, Openpyxl.reason)) struct WorkbookImport {
    /// A tally sheet: dates stored as Excel dates (with a date format), a Chinese note, points as numbers, a blank row
    /// in the middle, the rows after it numbered as Excel numbers them.
    static let tallySheet = """
        import datetime, sys, openpyxl
        wb = openpyxl.Workbook()
        if len(sys.argv) > 2 and sys.argv[2] == "1904":
            wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
        ws = wb.active
        ws.title = "三月"
        ws.append(["日期", "户号", "规则", "分值", "备注"])
        ws.append([datetime.date(2025, 3, 5), "H001", "A1.2", None, "3月院坝会"])
        ws.append([datetime.date(2025, 3, 20), "H002", "C1.3", 8, "拾到钱包，交还失主"])
        ws.append([])
        ws.append([datetime.datetime(2025, 3, 26), "H003", "A2.3", 10, "占用村道晾晒玉米"])
        for row in ws.iter_rows(min_row=2, max_col=1):
            for cell in row:
                cell.number_format = "yyyy/m/d"
        if len(sys.argv) > 3:
            ws.append([datetime.date(2025, 3, 27), sys.argv[3], "A1.2", None, "坏的一行"])
        wb.save(sys.argv[1])
        """

    @Test(arguments: ["1900", "1904"])
    func aSheetWithExcelDatesAndAChineseNoteImports(_ system: String) throws {
        let office = try Office()
        try office.smallVillage()
        try Openpyxl.run(office, WorkbookImport.tallySheet, ["march.xlsx", system])
        expectOK(try office.jifen("record", "import", "march.xlsx", "--by", "王会计"))
        let log = try #require(try office.json("log") as? [[String: Any]])
        let scores = log.filter { ($0["type"] as? String) == "v1.scoreRecorded" }
        #expect(scores.map { $0["occurredOn"] as? String } == ["2025-03-05", "2025-03-20", "2025-03-26"])
        let history = try #require(try office.json("history", "H002") as? [String: Any])
        let entries = try #require(history["entries"] as? [[String: Any]])
        #expect(entries.contains { ($0["note"] as? String) == "拾到钱包，交还失主" && ($0["points"] as? Int) == 8 }, "\(entries)")
        // The same sheet again, even saved as CSV with the same cells, is the same sheet.
        let again = try office.jifen("record", "import", "march.xlsx", "--by", "王会计")
        #expect(again.status == 1 && again.err.contains("已经作为记录"), "\(again.err)")
        try office.write("march.csv", "日期,户号,规则,分值,备注\n2025-03-05,H001,A1.2,,3月院坝会\n2025-03-20,H002,C1.3,8,拾到钱包，交还失主\n2025-03-26,H003,A2.3,10,占用村道晾晒玉米\n")
        let asCSV = try office.jifen("record", "import", "march.csv", "--by", "王会计")
        #expect(asCSV.status == 1 && asCSV.err.contains("已经作为记录"), "\(asCSV.err)")
    }

    @Test func aBadRowIsRefusedByItsExcelRowNumberAndNothingIsWritten() throws {
        let office = try Office()
        try office.smallVillage()
        // Rows 1–3, a blank row 4, row 5, and the bad row 6 (an unknown household).
        try Openpyxl.run(office, WorkbookImport.tallySheet, ["bad.xlsx", "1900", "H009"])
        let before = try office.eventCount()
        let run = try office.jifen("record", "import", "bad.xlsx", "--by", "王会计", "--lang", "en")
        #expect(run.status == 1)
        #expect(run.err.contains("line 6: ") && run.err.contains("H009"), "\(run.err)")
        for line in [2, 3, 4, 5] { #expect(!run.err.contains("line \(line): "), "row \(line) is fine: \(run.err)") }
        #expect(run.err.contains("1 line refused, nothing was written"), "\(run.err)")
        #expect(try office.eventCount() == before)
        let chinese = try office.jifen("record", "import", "bad.xlsx", "--by", "王会计")
        #expect(chinese.err.contains("第 6 行"), "\(chinese.err)")
    }

    @Test func aRegisterImportsFromAWorkbook() throws {
        let office = try Office()
        try expectOK(office.jifen("init", "--village", "牛角村", "--admin", "张书记"))
        try expectOK(office.jifen("unit", "add", "U01", "--name", "第一联户", "--by", "张书记"))
        try Openpyxl.run(office, """
            import sys, openpyxl
            wb = openpyxl.Workbook()
            ws = wb.active
            ws["A3"] = "户号"; ws["B3"] = "户主"; ws["C3"] = "联户"; ws["D3"] = "人口"
            ws.append(["H001", "王德福", "U01", 4])
            ws.append(["H002", "李秀英", "U01", "三"])
            wb.save(sys.argv[1])
            """, ["register.xlsx"])
        // The header is the first row with text (row 3); a member count that is not a number is refused on row 5.
        let bad = try office.jifen("household", "import", "register.xlsx", "--date", "2025-01-02", "--by", "张书记", "--lang", "en")
        #expect(bad.status == 1 && bad.err.contains("line 5: ") && !bad.err.contains("line 4: "), "\(bad.err)")
        #expect(try (office.json("balance") as? [Any])?.count == 0)
        try Openpyxl.run(office, """
            import sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            wb.active["D5"] = 3
            wb.save(sys.argv[1])
            """, ["register.xlsx"])
        expectOK(try office.jifen("household", "import", "register.xlsx", "--date", "2025-01-02", "--by", "张书记"))
        let rows = try #require(try office.json("balance") as? [[String: Any]])
        #expect(rows.map { $0["head"] as? String } == ["王德福", "李秀英"])
    }

    @Test func sharedStringsInlineStringsBooleansAndSkippedCellsAreRead() throws {
        let office = try Office()
        try office.smallVillage()
        // openpyxl writes text as shared strings; the second sheet is not read.
        try Openpyxl.run(office, """
            import datetime, sys, openpyxl
            wb = openpyxl.Workbook()
            ws = wb.active
            ws["A1"] = "date"; ws["B1"] = "household"; ws["C1"] = "rule"; ws["E1"] = "note"; ws["D1"] = "points"
            ws["A2"] = datetime.date(2025, 3, 5); ws["B2"] = "H001"; ws["C2"] = "A1.2"
            ws["A7"] = "2025-03-06"; ws["B7"] = "H002"; ws["C7"] = "C1.3"; ws["D7"] = 6.0; ws["E7"] = True
            other = wb.create_sheet("其他")
            other["A1"] = "not read"
            wb.save(sys.argv[1])
            """, ["cells.xlsx"])
        expectOK(try office.jifen("record", "import", "cells.xlsx", "--by", "王会计"))
        let history = try #require(try office.json("history", "H002") as? [String: Any])
        let entries = try #require(history["entries"] as? [[String: Any]])
        #expect(entries.contains { ($0["note"] as? String) == "TRUE" && ($0["points"] as? Int) == 6 && ($0["date"] as? String) == "2025-03-06" },
                "\(entries)")
    }
}
