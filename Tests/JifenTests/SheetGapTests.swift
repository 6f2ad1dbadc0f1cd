import Foundation
import Jifen
import JifenCore
import JifenStore
import Testing

/// Issue 11, finding 6 and the sheet part of finding 8: what a tally sheet could lose or let through, and the
/// sheet errors said only in English.
@Suite struct TallySheetGaps {
    /// An unquoted comma in a note splits it over two cells: the second was dropped without a word.
    @Test func aRowWithMoreCellsThanTheHeaderIsRefusedWithItsLine() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("march.csv", """
            date,household,rule,points,note
            2025-03-05,H001,A1.2,,院坝会
            2025-03-20,H002,C1.3,8,拾到钱包, 交还失主
            2025-03-21,H003,C1.3,8,"拾到钱包, 交还失主"
            2025-03-22,H003,A1.2,,,

            """)
        let before = try office.eventCount()
        let english = try office.jifen("record", "import", "march.csv", "--by", "王会计", "--lang", "en")
        #expect(english.status == 1)
        #expect(english.err.contains("  line 3: the row has 6 cells but the header names 5 columns; put a note that holds a comma in double quotes"),
                "\(english.err)")
        #expect(!english.err.contains("line 4:") && !english.err.contains("line 5:"), "a quoted comma and an empty cell past the header are fine: \(english.err)")
        #expect(english.err.contains("1 line refused, nothing was written"), "\(english.err)")
        let chinese = try office.jifen("record", "import", "march.csv", "--by", "王会计")
        #expect(chinese.err.contains("  第 3 行：这一行有 6 格，表头只有 5 列；备注里有逗号时，请把这一格用英文双引号括起来。"), "\(chinese.err)")
        #expect(try office.eventCount() == before)
        // The register, likewise.
        try office.write("register.csv", "户号,户主,联户,人口\nH004,赵大山,U01,3,多出来的一格\n")
        let register = try office.jifen("household", "import", "register.csv", "--by", "张书记", "--lang", "en")
        #expect(register.status == 1 && register.err.contains("line 2: the row has 5 cells but the header names 4 columns"), "\(register.err)")
    }

    @Test func aSheetWhoseRowsWereOnlyReorderedIsRecognised() throws {
        let office = try Office()
        try office.smallVillage()
        try office.write("march.csv", "date,household,rule,points,note\n2025-03-05,H001,A1.2,,\n2025-03-06,H002,A1.2,,\n2025-03-07,H003,C1.2,6,调解\n")
        expectOK(try office.jifen("record", "import", "march.csv", "--by", "王会计"))
        let count = try office.eventCount()
        try office.write("march-sorted.csv", "date,household,rule,points,note\n2025-03-07,H003,C1.2,6,调解\n2025-03-05,H001,A1.2,,\n\n2025-03-06,H002,A1.2,,\n")
        expectRefused(try office.jifen("record", "import", "march-sorted.csv", "--by", "王会计", "--lang", "en"), mentioning: "was already imported")
        #expect(try office.eventCount() == count)
        // Another sheet (a row differs, or a row is there twice) is another sheet.
        try office.write("march-twice.csv", "date,household,rule,points,note\n2025-03-07,H003,C1.2,6,调解\n2025-03-05,H001,A1.2,,\n2025-03-05,H001,A1.2,,\n2025-03-06,H002,A1.2,,\n")
        expectOK(try office.jifen("record", "import", "march-twice.csv", "--by", "王会计"))
    }

    /// A ledger written by an earlier version knows its sheets by their rows in the file's order: such a sheet is
    /// still refused. (Reordered, it is not recognised: its earlier digest is of the order it had then.)
    @Test func aSheetImportedByAnEarlierVersionIsStillRecognised() throws {
        let office = try Office()
        try office.smallVillage()
        let rows = ["2025-03-07\u{1F}H003\u{1F}C1.2\u{1F}6\u{1F}调解", "2025-03-05\u{1F}H001\u{1F}A1.2\u{1F}\u{1F}"]
        let earlier = Chain.sha256Hex(Data((["date\u{1F}household\u{1F}rule\u{1F}points\u{1F}note"] + rows).joined(separator: "\n").utf8))
        let ledger = try Ledger(path: office.path("jifen.sqlite"))
        try ledger.execute(.importSheet(sha256: earlier, fileName: "march.csv", rows: 2), by: "王会计")
        let count = try office.eventCount()
        try office.write("march.csv", "date,household,rule,points,note\n2025-03-07,H003,C1.2,6,调解\n2025-03-05,H001,A1.2,,\n")
        expectRefused(try office.jifen("record", "import", "march.csv", "--by", "王会计", "--lang", "en"), mentioning: "was already imported")
        // Saved again, with other line endings and the header's case changed, it is still the same sheet.
        try office.write("march-2.csv", "Date,Household,Rule,Points,Note\r\n2025-03-07,H003,C1.2,6,调解\r\n2025-03-05,H001,A1.2,,\r\n", bom: true)
        expectRefused(try office.jifen("record", "import", "march-2.csv", "--by", "王会计", "--lang", "en"), mentioning: "was already imported")
        #expect(try office.eventCount() == count)
    }

    /// Excel for the old Mac ends lines with CR alone.
    @Test func crOnlyLineEndingsAreRead() throws {
        let office = try Office()
        try office.smallVillage()
        let text = "日期,户号,规则,分值,备注\n2025-03-05,H001,A1.2,,3月院坝会\n2025-03-20,H002,C1.3,8,\"拾到钱包, 交还失主\"\n2025/3/26,H003,A2.3,10,占用村道晾晒玉米\n"
        try office.write("mac.csv", text.replacingOccurrences(of: "\n", with: "\r"))
        let run = try office.jifen("record", "import", "mac.csv", "--by", "王会计")
        expectOK(run)
        #expect(run.out.contains("3 条记分"), "\(run.out)")
        let h003 = try #require(try office.json("balance", "H003") as? [String: Any])
        #expect(h003["deducted"] as? Int == 10)
        // Its lines are counted as lines: a bad row is named by its own.
        try office.write("mac-bad.csv", "date,household,rule,points,note\r2025-03-06,H001,A1.2,,\"two\rlines\"\r2025-03-06,H009,A1.2,,\r")
        let bad = try office.jifen("record", "import", "mac-bad.csv", "--by", "王会计", "--lang", "en")
        #expect(bad.status == 1 && bad.err.contains("  line 4: There is no household H009"), "\(bad.err)")
        // The same sheet with LF line endings is the same sheet.
        try office.write("unix.csv", text)
        expectRefused(try office.jifen("record", "import", "unix.csv", "--by", "王会计", "--lang", "en"), mentioning: "was already imported")
    }

    @Test func theErrorListStopsAfterAHundredProblems() throws {
        let office = try Office()
        try office.smallVillage()
        var sheet = "date,household,rule,points,note\n"
        for row in 0..<250 { sheet += "2025-03-\(10 + row % 19),H\(100 + row),A1.2,,\n" }
        try office.write("bad.csv", sheet)
        let english = try office.jifen("record", "import", "bad.csv", "--by", "王会计", "--lang", "en")
        #expect(english.status == 1)
        let listed = english.err.split(separator: "\n").filter { $0.hasPrefix("  line ") }
        #expect(listed.count == 100 && listed.first?.hasPrefix("  line 2: ") == true && listed.last?.hasPrefix("  line 101: ") == true,
                "\(listed.count) listed")
        #expect(english.err.hasSuffix("jifen: bad.csv: 250 lines refused (the first 100 are listed, 150 more are not), nothing was written; fix them and import the file again.\n"),
                "\(english.err.suffix(300))")
        let chinese = try office.jifen("record", "import", "bad.csv", "--by", "王会计")
        #expect(chinese.err.split(separator: "\n").filter { $0.hasPrefix("  第 ") }.count == 100)
        #expect(chinese.err.hasSuffix("jifen: bad.csv：有 250 行未通过（上面列出前 100 行，另有 150 行未列出），整个文件都没有写入；请改正后重新导入。\n"),
                "\(chinese.err.suffix(300))")
    }

    /// The list is the first hundred by line, whatever found them: rows that cannot be read and rows the rules refuse.
    @Test func theHundredListedAreTheFirstByLine() throws {
        var problems = ProblemList()
        for line in stride(from: 300, to: 1, by: -1) {
            problems.append(LineProblem(line: line, problem: "x", chinese: "x"))
        }
        #expect(problems.problems.map(\.line) == Array(2...101) && problems.unlisted == 199)
    }
}

/// A sheet that cannot be read at all says so in the clerk's language.
@Suite struct SheetStructureErrors {
    @Test(arguments: [
        ("missing.csv", Data("日期,户号,分值\n2025-03-05,H001,1\n".utf8),
         "表头（第 1 行）没有「rule」列；第一行须写明各列：date、household、rule，改好后重新导入。",
         "The sheet cannot be read at line 1: the header has no 'rule' column; the first line must name the columns date, household, rule; fix it and import it again."),
        ("quote.csv", Data("date,household,rule,points,note\n2025-03-05,H001,A1.2,,\n2025-03-06,H001,A1.2,,\"没有结尾\n".utf8),
         "第 3 行的引号没有配对，表格读不下去；请检查这一行的引号后重新导入。",
         "The sheet cannot be read at line 3: a quoted field is not closed; check the quotes on this line; fix it and import it again."),
        ("empty.csv", Data([0xEF, 0xBB, 0xBF, 0x0D, 0x0A]),
         "这个文件是空的；请选对文件，或在表里填上表头和数据行后重新导入。",
         "The sheet cannot be read at line 1: the file is empty; fix it and import it again."),
        ("binary.csv", Data([0x64, 0x61, 0x74, 0x65, 0x0A, 0xFF, 0xFF, 0x00, 0x80]),
         "binary.csv 既不是 UTF-8 也不是 GB18030 编码的文本；请在 Excel 或 WPS 里另存为 CSV（UTF-8）后再导入。",
         "binary.csv is neither UTF-8 nor GB18030 text; save it again from Excel or WPS as CSV (UTF-8)."),
    ])
    func inChineseAndInEnglish(_ name: String, _ data: Data, _ chinese: String, _ english: String) throws {
        let office = try Office()
        try office.smallVillage()
        try data.write(to: office.url.appendingPathComponent(name))
        let zh = try office.jifen("record", "import", name, "--by", "王会计")
        #expect(zh.status == 1 && zh.err == "jifen: \(chinese)\n", "\(zh.err)")
        let en = try office.jifen("record", "import", name, "--by", "王会计", "--lang", "en")
        #expect(en.status == 1 && en.err == "jifen: \(english)\n", "\(en.err)")
        let register = try office.jifen("household", "import", name, "--by", "张书记")
        #expect(register.status == 1 && !register.err.contains("line"), "\(register.err)")
    }
}

@Suite struct LiveIds {
    /// Ids are made without Foundation's UUID now (it opened /dev/urandom for each): still random version-4 UUIDs in
    /// lower case, as before.
    @Test func liveIdsAreLowerCaseVersion4UUIDs() {
        var seen = Set<String>()
        for _ in 0..<2_000 {
            let id = LedgerEnvironment.live.newId()
            let parsed = UUID(uuidString: id)
            #expect(parsed?.uuidString.lowercased() == id, "\(id)")
            let characters = Array(id)
            #expect(id.count == 36 && characters[14] == "4" && "89ab".contains(characters[19]), "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 2_000)
    }
}
