import Foundation
import Testing

@Suite struct TallySheets {
    @Test func everyBadRowIsReportedByLineAndNothingIsWritten() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("march.csv", """
            date,household,rule,points,note
            2025-03-01,H001,A1.1,,
            2025-03-02,H009,A1.1,,
            2025-03-03,H002,C1.2,12,调解
            2025-03-04,H002,B1.3,,
            2025-3-5,H003,A1.2,,excel date
            2025-03-32,H003,A1.2,,
            2025-03-06,H001,A1.1,,second in March
            2025-03-07,H003,A1.x,,
            2025-03-08,H003,A1.2,lots,

            """)
        let before = try office.eventCount()
        let run = try office.jifen("record", "import", "march.csv", "--by", "王会计", "--lang", "en")
        #expect(run.status == 1)
        for line in [3, 4, 5, 7, 8, 9, 10] { #expect(run.err.contains("line \(line): "), "line \(line) is reported: \(run.err)") }
        for line in [2, 6] { #expect(!run.err.contains("line \(line): "), "line \(line) is fine") }
        #expect(run.err.contains("7 lines refused, nothing was written"))
        #expect(try office.eventCount() == before)
    }

    @Test(arguments: ["utf8", "utf8-bom", "crlf"])
    func excelAndWPSEncodingsAreRead(_ encoding: String) throws {
        let office = try Office()
        try office.smallVillage()
        let text = "日期,户号,规则,分值,备注\n2025-03-05,H001,A1.2,,3月院坝会\n2025-03-20,H002,C1.3,8,\"拾到钱包, 交还失主\"\n2025/3/26,H003,A2.3,10,占用村道晾晒玉米\n"
        switch encoding {
        case "utf8": try office.write("sheet.csv", text)
        case "utf8-bom": try office.write("sheet.csv", text, bom: true)
        default: try office.write("sheet.csv", text.replacingOccurrences(of: "\n", with: "\r\n"), bom: true)
        }
        expectOK(try office.jifen("record", "import", "sheet.csv", "--by", "王会计"))
        let history = try office.jifen("history", "H002")
        #expect(history.out.contains("拾到钱包, 交还失主"), "a quoted field keeps its comma: \(history.out)")
        let h003 = try #require(try office.json("balance", "H003") as? [String: Any])
        #expect(h003["deducted"] as? Int == 10, "a 2025/3/26 date and a ranged deduction are read")
    }

    /// docs/examples/2025-03-tally.csv as WPS saves "CSV" on a Chinese Windows: GB18030, no BOM.
    @Test func aGB18030SheetIsRead() throws {
        let office = try Office()
        try office.importedVillage()
        let sheet = packageRoot.appendingPathComponent("Tests/JifenTests/Fixtures/tally-gb18030.csv").path
        #expect(String(data: try Data(contentsOf: URL(fileURLWithPath: sheet)), encoding: .utf8) == nil, "the fixture is not UTF-8")
        expectOK(try office.jifen("record", "import", sheet, "--by", "王会计"))
        let history = try office.jifen("history", "H001", "--json")
        #expect(history.out.contains("按时参加村民会议、院坝会") && history.out.contains("3月院坝会"), "\(history.out)")
    }

    /// The clerk reads a refused sheet's lines in Chinese: each line's problem, then what to do.
    @Test func aRefusedSheetIsReportedInChinese() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("march.csv", "日期,户号,规则,分值,备注\n2025-03-01,H001,A1.1,,\n2025-03-02,H009,A1.1,,\n2025-03-32,H003,A1.2,,\n2025-03-04,H002,C1.2,many,\n")
        let before = try office.eventCount()
        let run = try office.jifen("record", "import", "march.csv", "--by", "王会计")
        #expect(run.status == 1 && run.out.isEmpty)
        #expect(run.err == """
              第 3 行：登记册里没有农户 H009（是不是 H001？）；请核对户号，或用 `jifen household add` 登记。
              第 4 行：「2025-03-32」不是日期；请写成 2025-03-05 这样的格式。
              第 5 行：「many」不是整数分值；请填写整数，例如 5 或 -3。
            jifen: march.csv：有 3 行未通过，整个文件都没有写入；请改正后重新导入。

            """, "\(run.err)")
        #expect(try office.eventCount() == before)
        let english = try office.jifen("record", "import", "march.csv", "--by", "王会计", "--lang", "en")
        #expect(english.err.contains("  line 3: There is no household H009") && english.err.contains("  line 4: '2025-03-32' is not a date")
                && english.err.hasSuffix("jifen: march.csv: 3 lines refused, nothing was written; fix them and import the file again.\n"),
                "\(english.err)")
        // A register whose rows are refused, likewise.
        try office.write("register.csv", "户号,户主,联户,人口\nH009,赵大山,U09,3\nH010,钱小河,U01,x\n")
        let register = try office.jifen("household", "import", "register.csv", "--by", "张书记")
        #expect(register.status == 1 && register.err.contains("  第 2 行：没有联户 U09（是不是 U01？）")
                && register.err.contains("  第 3 行：「x」不是人数；") && register.err.hasSuffix("有 2 行未通过，整个文件都没有写入；请改正后重新导入。\n"),
                "\(register.err)")
        #expect(try office.eventCount() == before)
    }

    @Test func theSameSheetIsImportedOnce() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("march.csv", "date,household,rule,points,note\n2025-03-05,H001,A1.2,,\n", bom: true)
        expectOK(try office.jifen("record", "import", "march.csv", "--by", "王会计"))
        let count = try office.eventCount()
        try FileManager.default.copyItem(atPath: office.path("march.csv"), toPath: office.path("march-copy.csv"))
        expectRefused(try office.jifen("record", "import", "march-copy.csv", "--by", "王会计", "--lang", "en"), mentioning: "was already imported")
        #expect(try office.eventCount() == count)
    }

    @Test func householdRegisterImport() throws {
        let office = try Office()
        expectOK(try office.jifen("init", "--village", "牛角村", "--admin", "张书记"))
        expectOK(try office.jifen("unit", "add", "U01", "--name", "第一联户", "--by", "张书记"))
        try office.write("register.csv", "户号,户主,联户,人口\nH001,王德福,U01,4\nH002,李秀英,U09,2\nH003,,U01,x\n")
        let refused = try office.jifen("household", "import", "register.csv", "--by", "张书记", "--lang", "en")
        #expect(refused.status == 1)
        #expect(refused.err.contains("line 3: There is no joint unit U09"))
        #expect(refused.err.contains("line 4: "))
        #expect(try office.eventCount() == 4)
        try office.write("register.csv", "户号,户主,联户,人口\nH001,王德福,U01,4\nH002,李秀英,U01,2\n")
        expectOK(try office.jifen("household", "import", "register.csv", "--by", "张书记"))
        let list = try #require(try office.json("household", "list") as? [[String: Any]])
        #expect(list.map { $0["head"] as? String } == ["王德福", "李秀英"])
    }
}

@Suite(.serialized) struct Durability {
    /// Two clerks' computers append at once: no event is lost and the chain does not fork.
    @Test func twoProcessesAppendingAThousandEventsEach() throws {
        let office = try Office()
        try office.smallVillage()
        let before = try office.eventCount()
        let loop = { (household: String) in
            "for i in $(seq 1000); do jifen record \(household) D2.3 --date 2025-06-01 --note \"第$i次\" --by 王会计 >/dev/null || exit 1; done"
        }
        let first = office.start("/bin/bash", ["-c", loop("H001")])
        let second = office.start("/bin/bash", ["-c", loop("H002")])
        try first.run()
        try second.run()
        first.waitUntilExit()
        second.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.terminationStatus == 0)
        #expect(try office.eventCount() == before + 2000)
        expectOK(try office.jifen("verify"))
        let balances = try #require(try office.json("balance") as? [[String: Any]])
        #expect(balances.map { $0["earned"] as? Int } == [5000, 5000, 0])
    }

    /// A kill -9 in the middle of an import leaves the ledger exactly as it was before the import.
    @Test func killingAnImportHalfwayLeavesTheLedgerAsItWas() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H003", "C2.3", "--date", "2025-02-01", "--by", "王会计"))
        var sheet = "date,household,rule,points,note\n"
        for row in 0..<60_000 { sheet += "2025-05-\(10 + row % 19),H00\(1 + row % 2),D2.3,,第\(row)行\n" }
        try office.write("big.csv", sheet)
        let balanceBefore = try office.jifen("balance", "--json").out
        let logBefore = try office.jifen("log", "--json").out

        let importer = office.start(jifenBinary.path, ["record", "import", "big.csv", "--by", "王会计"])
        importer.standardOutput = FileHandle.nullDevice
        importer.standardError = FileHandle.nullDevice
        try importer.run()
        // Wait until the import is writing (its write-ahead log grows), then kill it.
        let wal = office.path("jifen.sqlite-wal")
        let deadline = Date().addingTimeInterval(60)
        var walSize = 0
        repeat {
            usleep(20_000)
            walSize = ((try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? Int) ?? 0
        } while walSize < 2_000_000 && importer.isRunning && Date() < deadline
        kill(importer.processIdentifier, SIGKILL)
        importer.waitUntilExit()
        #expect(importer.terminationReason == .uncaughtSignal, "the import was killed while it ran, not after it finished")

        expectOK(try office.jifen("verify"))
        #expect(try office.jifen("balance", "--json").out == balanceBefore)
        #expect(try office.jifen("log", "--json").out == logBefore)
        // The sheet was not marked as imported: it goes in whole now.
        expectOK(try office.jifen("record", "import", "big.csv", "--by", "王会计"))
        #expect(try office.eventCount() == 60_000 + 1 + (logBefore.components(separatedBy: "\"seq\"").count - 1))
    }
}

@Suite struct SheetsAsSpreadsheetsSaveThem {
    @Test func emptyRowsAtTheEndAreSkipped() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("march.csv", "date,household,rule,points,note\n2025-03-05,H001,A1.2,,\n,,,,\n,,,,\n\n", bom: true)
        let run = try office.jifen("record", "import", "march.csv", "--by", "王会计")
        expectOK(run)
        #expect(run.out.contains("1 条记分"), "\(run.out)")
    }

    @Test func theSameSheetSavedInAnotherEncodingIsStillRecognised() throws {
        let office = try Office()
        try office.importedVillage()
        expectOK(try office.jifen("record", "import", packageRoot.appendingPathComponent("docs/examples/2025-03-tally.csv").path, "--by", "王会计"))
        let again = try office.jifen("record", "import", packageRoot.appendingPathComponent("Tests/JifenTests/Fixtures/tally-gb18030.csv").path, "--by", "王会计", "--lang", "en")
        expectRefused(again, mentioning: "was already imported")
    }
}

@Suite struct CapsInABatch {
    /// Caps count the rows before them in the same sheet and the scores already in the ledger.
    @Test func theCapCountsRowsOfTheSameSheetAndEarlierScores() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-02", "--by", "王会计"))
        expectOK(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-03", "--by", "王会计"))
        try office.write("march.csv", """
            date,household,rule,points,note
            2025-03-10,H001,A1.2,,
            2025-03-11,H002,A1.2,,
            2025-03-12,H001,A1.2,,
            2025-03-20,H001,A1.2,,
            2025-04-01,H001,A1.2,,
            2025-03-21,H001,B2.2,,
            2025-02-21,H001,B2.2,,

            """)
        let run = try office.jifen("record", "import", "march.csv", "--by", "王会计", "--lang", "en")
        #expect(run.status == 1)
        // H001 had 2 A1.2 in March; lines 2 and 4 make 4; line 5 is the fifth. B2.2 is once a quarter: line 8 is the second in Q1.
        #expect(run.err.contains("line 5: Rule A1.2 may be given at most 4 times per month"), "\(run.err)")
        #expect(run.err.contains("line 8: Rule B2.2 may be given at most once per quarter"), "\(run.err)")
        #expect(run.err.contains("2 lines refused"), "\(run.err)")
        // Nothing of that sheet was written; reversing one of the two earlier scores leaves room for three more.
        expectOK(try office.jifen("reverse", "12", "--reason", "记错", "--by", "王会计"))
        expectOK(try office.jifen("approve", "14", "--by", "赵主任"))
        try office.write("march2.csv", "date,household,rule,points,note\n" + String(repeating: "2025-03-10,H001,A1.2,,\n", count: 4))
        let second = try office.jifen("record", "import", "march2.csv", "--by", "王会计", "--lang", "en")
        #expect(second.status == 1 && second.err.contains("line 5: ") && !second.err.contains("line 4: "), "\(second.err)")
    }
}
