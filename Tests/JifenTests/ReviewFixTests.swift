import Foundation
import Testing

/// Workbooks whose cells are not plain values, and sheets that must not pass for others.
@Suite(.enabled(if: Openpyxl.usable, Openpyxl.reason)) struct WorkbookCellsThatAreNotValues {
    @Test("a formula whose result the file does not hold, or an error value, refuses the sheet naming the cell; nothing is written")
    func formulasAndErrorsAreRefused() throws {
        let office = try Office()
        try office.smallVillage()
        try Openpyxl.run(office, """
            import openpyxl
            for name, cell in (("formula.xlsx", "=20"), ("error.xlsx", None)):
                wb = openpyxl.Workbook()
                ws = wb.active
                ws.append(["日期", "户号", "规则", "分值", "备注"])
                ws.append(["2025-03-05", "H001", "A1.2", None, "院坝会"])
                ws.append(["2025-03-06", "H002", "C1.3", cell, "拾金不昧"])
                if cell is None:
                    ws["D3"] = "#N/A"
                    ws["D3"].data_type = "e"
                wb.save(name)
            """)
        let events = try office.eventCount()
        let formula = try office.jifen("record", "import", "formula.xlsx", "--by", "王会计", "--lang", "en")
        #expect(formula.status != 0 && formula.err.contains("D3 is a formula"), "\(formula.err)")
        let error = try office.jifen("record", "import", "error.xlsx", "--by", "王会计", "--lang", "en")
        #expect(error.status != 0 && error.err.contains("D3 holds the error #N/A"), "\(error.err)")
        #expect(try office.eventCount() == events)
    }

    @Test("the same cells saved as .xlsx and as CSV are one sheet: the second is refused as imported, whichever comes first")
    func aWorkbookAndItsCSVAreOneSheet() throws {
        let office = try Office()
        try office.smallVillage()
        try Openpyxl.run(office, """
            import openpyxl
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(["日期", "户号", "规则", "分值", "备注"])
            ws.append(["2025-03-05", "H001", "A1.2"])
            ws.append(["2025-03-06", "H002", "C1.3", 8, "拾金不昧"])
            wb.save("march.xlsx")
            """)
        try office.write("march.csv", "日期,户号,规则,分值,备注\n2025-03-05,H001,A1.2,,\n2025-03-06,H002,C1.3,8,拾金不昧\n")
        expectOK(try office.jifen("record", "import", "march.xlsx", "--by", "王会计"))
        let events = try office.eventCount()
        let again = try office.jifen("record", "import", "march.csv", "--by", "王会计", "--lang", "en")
        #expect(again.status == 1 && again.err.contains("already"), "\(again.err)")
        #expect(try office.eventCount() == events)
    }
}

@Suite struct FormLinesAndReceipts {
    @Test("a row with something in a column the import does not know is not passed over as an empty form line")
    func aRowWithUnknownContentIsNotPassedOver() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("odd.csv", "日期,户号,户主,规则,得分,备注\n2025-03-05,H001,王德福,A1.2,,院坝会\n,H002,李秀英,,5,\n")
        let events = try office.eventCount()
        let run = try office.jifen("record", "import", "odd.csv", "--by", "王会计", "--lang", "en")
        #expect(run.status == 1 && run.err.contains("line 3"), "\(run.err)")
        #expect(try office.eventCount() == events)
    }

    @Test("a receipt is for one day's redemptions, each given once")
    func receiptsOfOneDayEachOnce() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("shop", "add", "salt", "--name", "食盐", "--price", "3", "--by", "李店长"))
        expectOK(try office.jifen("shop", "restock", "salt", "--qty", "10", "--date", "2025-03-01", "--by", "李店长"))
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-03-05", "--note", "献血", "--by", "王会计"))
        try office.finalize("2025-03")
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-08", "--by", "李店长"))
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-09", "--by", "李店长"))
        let seqs = try #require(try office.json("log") as? [[String: Any]]).suffix(2).compactMap { $0["seq"] as? Int }
        expectRefused(try office.jifen("shop", "receipt", "\(seqs[0])", "\(seqs[0])", "--lang", "en"), mentioning: "given twice")
        expectRefused(try office.jifen("shop", "receipt", "\(seqs[0])", "\(seqs[1])", "--lang", "en"), mentioning: "one day's redemptions")
        #expect(try office.jifen("shop", "receipt", "\(seqs[0])", "--force").status == 64, "--force without --out")
        #expect(try office.jifen("shop", "receipt", "\(seqs[0])", "--json", "--escpos").status == 64)
    }
}
