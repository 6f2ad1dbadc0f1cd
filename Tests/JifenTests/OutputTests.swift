import Foundation
import Testing

/// Nothing a command writes may cost the user a file: --out never replaces what jifen did not make in this run
/// (unless told to with --force, and never a folder, a device or the ledger), a failed write leaves no partial file,
/// and output that cannot be written is said, not lost.
@Suite struct OutputFiles {
    /// Every command that writes a file with --out, with the arguments that make it write one.
    static let writers: [[String]] = [
        ["audit", "export"], ["audit", "export", "--format", "csv"], ["export", "--format", "ledger"],
        ["statement", "H001", "--period", "2025-03"], ["statement", "H001", "--period", "2025-03", "--format", "html"],
        ["notice", "sheet", "--period", "2025-03"],
    ]

    func village() throws -> Office {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
        return office
    }

    func digest(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    @Test("the ledger itself is never an output file, even with --force", arguments: writers)
    func neverTheLedger(_ writer: [String]) throws {
        let office = try village()
        let before = try digest(office.path("jifen.sqlite"))
        for force in [[], ["--force"]] {
            let run = try office.jifen(arguments: writer + ["--out", "jifen.sqlite"] + force)
            expectRefused(run, mentioning: "账本文件本身")
        }
        #expect(try digest(office.path("jifen.sqlite")) == before)
        expectOK(try office.jifen("verify"))
    }

    @Test("a folder, a pipe or an existing file is refused, and left as it was", arguments: writers)
    func neverWhatItDidNotMake(_ writer: [String]) throws {
        let office = try village()
        try FileManager.default.createDirectory(atPath: office.path("reports"), withIntermediateDirectories: false)
        try office.write("reports/keep.txt", "村委会的文件")
        expectRefused(try office.jifen(arguments: writer + ["--out", "reports", "--force"]), mentioning: "是一个文件夹")
        #expect(try String(contentsOfFile: office.path("reports/keep.txt"), encoding: .utf8) == "村委会的文件")

        expectOK(try office.run("/usr/bin/env", ["mkfifo", "pipe"]))
        expectRefused(try office.jifen(arguments: writer + ["--out", "pipe", "--force"]), mentioning: "不是普通文件")
        let kind = try FileManager.default.attributesOfItem(atPath: office.path("pipe"))[.type] as? FileAttributeType
        #expect(kind != nil && kind != .typeRegular)

        try office.write("earlier.txt", "上个月的报表")
        expectRefused(try office.jifen(arguments: writer + ["--out", "earlier.txt"]), mentioning: "--force")
        #expect(try String(contentsOfFile: office.path("earlier.txt"), encoding: .utf8) == "上个月的报表")
        expectOK(try office.jifen(arguments: writer + ["--out", "earlier.txt", "--force"]))
        #expect(try String(contentsOfFile: office.path("earlier.txt"), encoding: .utf8) != "上个月的报表")

        let names = try FileManager.default.contentsOfDirectory(atPath: office.url.path)
        #expect(!names.contains { $0.hasSuffix(".part") }, "\(names)")
    }

    @Test("the refusal is said in English with --lang en")
    func english() throws {
        let office = try village()
        expectRefused(try office.jifen("audit", "export", "--out", ".", "--lang", "en"), mentioning: "is a folder")
        expectRefused(try office.jifen("audit", "export", "--out", "no-such-folder/x.jsonl", "--lang", "en"), mentioning: "does not exist")
    }

    @Test("a write that fails part-way leaves no file at all")
    func failedWriteLeavesNothing() throws {
        let office = try Office()
        // A file-size limit of 1 KB (with the signal it sends ignored, so that the write fails with EFBIG).
        expectOK(try office.jifen("demo", "--ledger", "demo.sqlite"))
        // 1 MB (2048 blocks of 512 bytes): the demo's export is over ten.
        let run = try office.run("/bin/sh", ["-c", "trap '' XFSZ; ulimit -f 2048; exec jifen --ledger demo.sqlite audit export --out big.jsonl"])
        #expect(run.status == 1, "\(run.err)")
        #expect(run.err.contains("无法写入 big.jsonl"), "\(run.err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: office.url.path)
        #expect(!names.contains { $0.hasPrefix("big.jsonl") }, "\(names)")
    }

    @Test("a passbook update whose --out is refused records nothing")
    func passbookChecksFirst() throws {
        let office = try village()
        let events = try office.eventCount()
        expectRefused(try office.jifen("passbook", "H001", "--out", "jifen.sqlite", "--by", "王会计"), mentioning: "账本文件本身")
        #expect(try office.eventCount() == events)
    }
}

@Suite struct StandardOutput {
    /// Commands that print, each of which must say so when its output cannot be written.
    static let readers: [[String]] = [
        ["log"], ["log", "--json"], ["balance"], ["balance", "--json"], ["history", "H001"], ["verify"],
        ["statement", "H001", "--period", "2025-03"], ["export", "--format", "ledger"], ["audit", "export"],
    ]

    @Test("standard output on a full disk, or closed: exit 1 and a sentence, never a trap or a silent 0", arguments: readers)
    func fullOrClosed(_ reader: [String]) throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
        let command = (["jifen"] + reader).map { "'\($0)'" }.joined(separator: " ")
        for redirect in ["> /dev/full", ">&-"] {
            let run = try office.run("/bin/sh", ["-c", "exec \(command) \(redirect)"])
            #expect(run.status == 1, "\(reader) \(redirect): exit \(run.status) \(run.err)")
            #expect(run.err.hasPrefix("jifen: 输出没能写完"), "\(reader) \(redirect): \(run.err)")
        }
    }

    @Test("nothing read from a ledger reaches the terminal as a control sequence")
    func noEscapes() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-05", "--note", "扶老人过马路", "--by", "王会计"))
        // A note forged into the log (every hash recomputed) with sequences that would clear the screen and retitle it,
        // escaped in the payload's JSON as JSON allows.
        let log = try office.logTable()
        try office.forgeLog(#"UPDATE \#(log) SET payload = replace(\#(hashedPayload(log)), '扶老人过马路', '扶\\u001b[2J\\u001b]0;pwned\\u0007\\r老人') WHERE seq = 12"#)
        for command in [["history", "H001"], ["log"], ["statement", "H001", "--period", "2025-03"]] {
            let run = try office.jifen(arguments: command)
            expectOK(run)
            #expect(!run.out.unicodeScalars.contains { $0.value < 0x20 && !"\n\t\u{0C}".unicodeScalars.contains($0) || $0.value == 0x7F },
                    "\(command): \(run.out.debugDescription)")
            #expect(run.out.contains("扶\u{FFFD}[2J"), "\(command)")
        }
    }
}

@Suite struct UsageMessages {
    @Test("a usage mistake is said in Chinese by default, in English with --lang en, exit 64")
    func bothLanguages() throws {
        let office = try Office()
        let chinese = try office.jifen("audit", "export", "--format", "xml")
        #expect(chinese.status == 64 && chinese.err.contains("--format 只能是 jsonl 或 csv"), "\(chinese.err)")
        let english = try office.jifen("audit", "export", "--format", "xml", "--lang", "en")
        #expect(english.status == 64 && english.err.contains("--format must be jsonl or csv"), "\(english.err)")
    }
}

@Suite struct SchemeFileMessages {
    @Test("a scheme file's mistake is named by field and line, in Chinese by default and in English on request")
    func bothLanguages() throws {
        let office = try Office()
        let reference = try String(contentsOf: packageRoot.appendingPathComponent("seed/reference-scheme.yaml"), encoding: .utf8)
        try office.write("scheme.yaml", reference.replacingOccurrences(of: "points: \"+10\",     cap: 1/year", with: "points: \"+10\",     cap: 1/yer"))
        let chinese = try office.jifen("init", "--village", "牛角村", "--admin", "张书记", "--scheme", "scheme.yaml")
        expectRefused(chinese, mentioning: "rules[4] (A2.1).cap：「1/yer」不是 1/month、1/quarter、2/year 这样的次数上限（第 41 行）")
        let english = try office.jifen("init", "--village", "牛角村", "--admin", "张书记", "--scheme", "scheme.yaml", "--lang", "en")
        expectRefused(english, mentioning: "rules[4] (A2.1).cap: '1/yer' is not a cap like 1/month, 1/quarter or 2/year (line 41)")
        #expect(!FileManager.default.fileExists(atPath: office.path("jifen.sqlite")))
    }
}
