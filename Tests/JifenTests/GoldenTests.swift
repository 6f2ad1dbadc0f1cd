import ArgumentParser
@testable import jifen
import Foundation
import Testing

/// Printed output compared with files in Tests/JifenTests/Golden. After a deliberate change, run the tests
/// with JIFEN_UPDATE_GOLDEN=1 to rewrite the files that differ: each one rewritten fails its test, so that a run in
/// record mode never passes by accident. Read the diff, then run the tests again without it.
@Suite struct Golden {
    static let folder = packageRoot.appendingPathComponent("Tests/JifenTests/Golden")
    static let recording = ProcessInfo.processInfo.environment["JIFEN_UPDATE_GOLDEN"] == "1"

    func check(_ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = Self.folder.appendingPathComponent(name)
        if Self.recording {
            if try Self.record(text, to: file) {
                Issue.record("\(name) was rewritten (JIFEN_UPDATE_GOLDEN=1): read its diff, then run the tests again without it",
                             sourceLocation: sourceLocation)
            }
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "\(name) differs from its golden file", sourceLocation: sourceLocation)
    }

    /// Writes `text` to a golden file unless it holds exactly that already; whether it wrote.
    static func record(_ text: String, to file: URL) throws -> Bool {
        if let data = FileManager.default.contents(atPath: file.path), data == Data(text.utf8) { return false }
        try text.write(to: file, atomically: true, encoding: .utf8)
        return true
    }

    /// Record mode writes only what differs, and says so, so that `check` can fail the run.
    @Test func recordModeSaysWhenItRewroteAFile() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("report.txt")
        #expect(try Golden.record("first\n", to: file), "a missing file is written")
        #expect(try String(contentsOf: file, encoding: .utf8) == "first\n")
        #expect(try !Golden.record("first\n", to: file), "the same text is not a rewrite")
        #expect(try Golden.record("second\n", to: file), "other text is a rewrite")
        #expect(try String(contentsOf: file, encoding: .utf8) == "second\n")
    }

    /// A village whose every entry carries its date, so its reports are the same on any day: March is scored,
    /// corrected, posted and made final; salt is redeemed in April; an April score is still pending.
    func village() throws -> Office {
        let office = try Office()
        try office.smallVillage()
        for (arguments, by) in [
            (["record", "H001", "A1.2", "--date", "2025-03-05", "--note", "3月院坝会"], "王会计"),
            (["record", "H001", "C2.3", "--date", "2025-03-22", "--note", "县中心血站献血 400 ml"], "王会计"),
            (["record", "H002", "C1.2", "--points", "8", "--date", "2025-03-28", "--note", "调解两户宅基地纠纷"], "王会计"),
            (["record", "H003", "A2.3", "--points", "10", "--date", "2025-03-26", "--note", "占用村道晾晒玉米"], "王会计"),
            (["reverse", "12", "--reason", "记错，应为 A1.1", "--date", "2025-03-31"], "王会计"),
            (["approve", "16", "--date", "2025-03-31"], "赵主任"),
            (["notice", "open", "--period", "2025-03", "--date", "2025-04-01"], "赵主任"),
            (["notice", "close", "--period", "2025-03", "--date", "2025-04-08"], "赵主任"),
            (["shop", "add", "salt", "--name", "食盐", "--unit", "500 g", "--price", "3"], "李店长"),
            (["shop", "restock", "salt", "--qty", "50", "--source", "县慈善总会捐赠", "--date", "2025-03-01"], "李店长"),
            (["shop", "redeem", "H001", "salt", "--qty", "2", "--date", "2025-04-10"], "李店长"),
            (["record", "H002", "A1.1", "--date", "2025-04-12"], "王会计"),
        ] {
            expectOK(try office.jifen(arguments: arguments + ["--by", by]))
        }
        return office
    }

    @Test func balanceAndHistoryInChineseAndEnglish() throws {
        let office = try village()
        try check("balance.zh.txt", try office.jifen("balance").out)
        try check("balance.en.txt", try office.jifen("balance", "--lang", "en").out)
        try check("balance-as-of.zh.txt", try office.jifen("balance", "--as-of", "2025-03-25").out)
        try check("history.zh.txt", try office.jifen("history", "H001").out)
        try check("history.en.txt", try office.jifen("history", "H001", "--lang", "en").out)
        try check("balance-H001.json", try office.jifen("balance", "H001", "--json").out)
        try check("history-H002.zh.txt", try office.jifen("history", "H002").out)
        try check("notice-list.zh.txt", try office.jifen("notice", "list").out)
        try check("standings.zh.txt", try office.jifen("standings", "--period", "2025-03").out)
    }

    /// Statements at the three widths in both languages, and one with a score still pending.
    @Test func statements() throws {
        let office = try village()
        // The log's hash depends on the clock and random ids of this run: the golden files hold a placeholder.
        let head = try #require((try office.json("verify") as? [String: Any])?["head"] as? String)
        func stable(_ text: String) -> String {
            head.chunked(8).reduce(text) { $0.replacingOccurrences(of: $1, with: "########") }
        }
        for language in ["zh", "en"] {
            for width in ["80", "48", "32"] {
                let run = try office.jifen("statement", "H001", "--period", "2025", "--width", width, "--lang", language, "--date", "2025-04-30")
                expectOK(run)
                try check("statement-H001-2025.\(language).\(width).txt", stable(run.out))
                for line in run.out.split(separator: "\n") {
                    #expect(DisplayColumns.of(line) <= Int(width)!, "a line wider than \(width): \(line)")
                }
            }
        }
        try check("notice-sheet-2025-03.zh.txt", try office.jifen("notice", "sheet", "--period", "2025-03", "--date", "2025-04-02").out)
        try check("notice-sheet-2025-03.masked.zh.txt",
                  try office.jifen("notice", "sheet", "--period", "2025-03", "--mask", "--date", "2025-04-02").out)
        try check("notice-sheet-2025-04.masked.en.txt",
                  try office.jifen("notice", "sheet", "--period", "2025-04", "--mask", "--lang", "en", "--date", "2025-04-30").out)
        try check("statement-H002-2025-04.zh.80.txt", stable(try office.jifen("statement", "H002", "--period", "2025-04", "--date", "2025-04-30").out))
    }

    /// A passbook brought up to date across a page break, then continued on the next line, then a page reprinted.
    @Test func passbook() throws {
        let office = try Office()
        try office.smallVillage()
        for day in 1...25 {
            expectOK(try office.jifen("record", "H001", "D2.3", "--date", String(format: "2025-03-%02d", day), "--note", "第\(day)个", "--by", "王会计"))
        }
        try office.finalize("2025-03")
        try check("passbook-H001.zh.txt", try office.jifen("passbook", "H001", "--date", "2025-04-10", "--by", "王会计").out)
        expectRefused(try office.jifen("passbook", "H001", "--date", "2025-04-11", "--by", "王会计", "--lang", "en"), mentioning: "up to date")
        for day in 1...3 {
            expectOK(try office.jifen("record", "H001", "C2.1", "--date", String(format: "2025-04-%02d", day), "--by", "王会计"))
        }
        // Not yet final: not printed.
        expectRefused(try office.jifen("passbook", "H001", "--date", "2025-04-20", "--by", "王会计", "--lang", "en"), mentioning: "up to date")
        try office.finalize("2025-04")
        try check("passbook-H001-update.zh.txt", try office.jifen("passbook", "H001", "--date", "2025-05-10", "--by", "王会计").out)
        try check("passbook-H001-reprint-1.en.txt", try office.jifen("passbook", "H001", "--reprint", "1", "--lang", "en", "--date", "2025-05-11").out)
        expectRefused(try office.jifen("passbook", "H001", "--reprint", "3"), mentioning: "只打印了第 1 到 2 页")
        expectRefused(try office.jifen("passbook", "H001", "--reprint", "3", "--lang", "en"), mentioning: "pages 1 to 2 printed")
        // Each update is an event, and the ledger verifies and rebuilds with them.
        let log = try #require(try office.json("log") as? [[String: Any]])
        #expect(log.filter { $0["type"] as? String == "v1.passbookPrinted" }.count == 2)
        expectOK(try office.jifen("rebuild"))
        expectOK(try office.jifen("verify"))
    }

    @Test func help() throws {
        let office = try Office()
        try check("help.txt", try office.jifen("--help").out)
        try check("help-record-add.txt", try office.jifen("record", "add", "--help").out)
    }
}

/// Every command's help, as `--help` prints it: no escape of the source left in it (a `\` where a line of the source
/// went on, an interpolation left as text).
@Suite struct HelpTexts {
    static func commands(_ command: any ParsableCommand.Type, path: [String] = []) -> [(path: [String], type: any ParsableCommand.Type)] {
        [(path, command)] + command.configuration.subcommands.flatMap { sub in
            commands(sub, path: path + [sub.configuration.commandName ?? String(describing: sub).lowercased()])
        }
    }

    @Test func noCommandsHelpShowsTheSourcesEscapes() throws {
        let all = Self.commands(Jifen.self)
        #expect(all.count > 30, "the commands are walked: \(all.count)")
        for (path, type) in all {
            let help = type.helpMessage(columns: 200)
            #expect(!help.contains("\\\n") && !help.contains("\\(") && !help.contains(" \\ "), "jifen \(path.joined(separator: " ")) --help:\n\(help)")
        }
    }
}
