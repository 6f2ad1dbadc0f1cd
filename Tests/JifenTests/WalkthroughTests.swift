import Foundation
import Testing

@Suite struct Walkthrough {
    /// The README's "clerk's month" runs as written.
    @Test func theReadmeWalkthroughRunsAsWritten() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- walkthrough"))
        let afterMarker = readme[marker.upperBound...]
        let start = try #require(afterMarker.range(of: "```sh\n"))
        let end = try #require(afterMarker[start.upperBound...].range(of: "```"))
        let block = String(afterMarker[start.upperBound..<end.lowerBound])
        // `swift build && export PATH=…` is already done: the test puts the built jifen on the path.
        let script = block.split(separator: "\n").filter { !$0.hasPrefix("swift build") }.joined(separator: "\n")
        #expect(script.contains("jifen verify"))

        let office = try Office()
        try FileManager.default.createDirectory(atPath: office.path("docs"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("docs/examples").path, toPath: office.path("docs/examples"))
        let run = try office.run("/bin/bash", ["-e", "-o", "pipefail", "-c", script])
        #expect(run.status == 0, "the walkthrough stopped: \(run.err)")
        #expect(run.out.contains("已导入 docs/examples/2025-03-tally.csv：12 条记分"))
        #expect(run.out.contains("已批准冲正 #24"))
        #expect(run.out.contains("公示 2025-03 结束：14 条记分生效"), "\(run.out)")
        #expect(run.out.contains("账本完整"))

        let h001 = try #require(try office.json("balance", "H001") as? [String: Any])
        #expect(h001["household"] as? String == "H001")
        #expect(h001["earned"] as? Int == 14)
        #expect(h001["deducted"] as? Int == 0)
        #expect(h001["redeemed"] as? Int == 6)
        #expect(h001["available"] as? Int == 8)
        let h004 = try #require(try office.json("balance", "H004") as? [String: Any])
        #expect(h004["available"] as? Int == 0, "H004's wrongly recorded score was reversed")
    }
}

@Suite struct FormatDocument {
    /// The Python verifier printed in docs/FORMAT.md agrees with `jifen verify` on a real ledger, in either stored
    /// format: it reads `SELECT * FROM events ORDER BY seq`, the table of format 1 or the view of format 2.
    @Test(arguments: StoredFormat.allCases)
    func thePythonVerifierInTheFormatDocumentAgreesWithVerify(_ stored: StoredFormat) throws {
        let format = try String(contentsOf: packageRoot.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
        let start = try #require(format.range(of: "```python\n"))
        let end = try #require(format[start.upperBound...].range(of: "```"))
        let script = String(format[start.upperBound..<end.lowerBound])
        let office = try Office()
        try stored.making { try office.smallVillage() }
        #expect(try office.logTable() == stored.table)
        expectOK(try office.jifen("record", "H001", "C1.2", "--points", "7", "--note", "调解", "--date", "2025-02-02", "--by", "王会计"))
        expectOK(try office.jifen("record", "H002", "C2.3", "--key", "k-1", "--date", "2025-02-03", "--by", "王会计"))
        expectOK(try office.jifen("reverse", "12", "--reason", "记错", "--by", "王会计"))
        expectOK(try office.jifen("approve", "14", "--by", "赵主任"))
        try office.write("verify.py", script)
        let python = try office.run("/usr/bin/env", ["python3", "verify.py"])
        #expect(python.status == 0, "\(python.err)")
        let report = try #require(try office.json("verify") as? [String: Any])
        let head = try #require(report["head"] as? String)
        #expect(python.out == "whole: 15 events, head \(head)\n")
        if stored == .compact {
            // It catches a rule's text altered in rule_texts, which the view writes into #13, a score stored without its
            // payload (the file put back as it was afterwards).
            #expect(try office.sqlite("SELECT seq FROM event_log WHERE payload IS NULL") == ["13"])
            let sound = try Data(contentsOf: office.url.appendingPathComponent("jifen.sqlite"))
            let edit = "DROP TRIGGER rule_texts_are_never_updated; UPDATE rule_texts SET text = replace(text, '\"zh\":\"', '\"zh\":\"不');"
            #expect(try office.run("/usr/bin/sqlite3", ["jifen.sqlite", edit]).status == 0)
            let altered = try office.run("/usr/bin/env", ["python3", "verify.py"])
            #expect(altered.status != 0 && altered.err.contains("#13: altered"), "\(altered.out)\(altered.err)")
            try sound.write(to: office.url.appendingPathComponent("jifen.sqlite"))
            expectOK(try office.run("/usr/bin/env", ["python3", "verify.py"]))
        }
        // And it catches an edit.
        #expect(try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "DROP TRIGGER events_are_never_updated; UPDATE \(stored.table) SET actor = '某人' WHERE seq = 13;"]).status == 0)
        let tampered = try office.run("/usr/bin/env", ["python3", "verify.py"])
        #expect(tampered.status != 0 && tampered.err.contains("#13: altered"))
    }
}
