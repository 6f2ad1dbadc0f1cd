import Foundation
import Testing
@testable import jifen

/// Commands run in this process (`Main.run`) as they run in the binary: the same status and the same words on the
/// same stream, each run with its own output, environment, folder and standard input.
@Suite struct InProcess {
    /// Command lines whose every byte of output is the same however the tool is run (no path, time or key in it).
    static let lines: [[String]] = [
        ["--help"], ["record", "add", "--help"], ["--version"],
        ["balance", "--json"], ["balance", "--lang", "en"], ["household", "list"],
        ["record", "H009", "A1.1", "--by", "王会计"], ["--lang", "en", "record", "H001", "A1.9", "--by", "王会计"],
        ["record", "H001", "A1.1"], ["record"], ["no-such-command"], ["balance", "--as-of", "2025-02-30", "--lang", "en"],
        ["statement", "H001", "--period", "2025-03", "--width", "33"],
    ]

    @Test("a command line gives the binary's status, standard output and standard error", arguments: lines)
    func sameAsTheBinary(_ line: [String]) throws {
        let inProcess = try Office(), binary = try Office(.binary)
        for office in [inProcess, binary] {
            try office.smallVillage()
            expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
        }
        let here = try inProcess.jifen(arguments: line), there = try binary.jifen(arguments: line)
        #expect(here.status == there.status, "\(line): \(here.err) / \(there.err)")
        #expect(here.out == there.out, "\(line)")
        #expect(here.err == there.err, "\(line)")
        // The lines above fail in each of the ways that matter, and succeed.
        #expect(!here.out.isEmpty || !here.err.isEmpty, "\(line) says something")
    }

    @Test("the statuses the lines above exit with cover success, a refusal and a usage mistake")
    func theLinesCoverEveryStatus() throws {
        let office = try Office()
        try office.smallVillage()
        let statuses = Set(try Self.lines.map { try office.jifen(arguments: $0).status })
        #expect(statuses.isSuperset(of: [0, 1, 64]), "\(statuses)")
    }

    @Test("runs side by side keep their own output, language and environment")
    func sideBySide() async throws {
        let office = try Office()
        try office.smallVillage()
        let folder = office.url.path
        let environment = office.environment([:])
        // Half the runs ask for English through the environment, half are in Chinese; each says its own refusal.
        let runs = try await withThrowingTaskGroup(of: (Int, Int32, String, String).self) { group in
            for index in 0..<40 {
                group.addTask {
                    let english = index.isMultiple(of: 2)
                    var variables = environment
                    if english { variables["JIFEN_LANG"] = "en" }
                    let run = Main.run(["record", "H00\(index % 3 + 1)", "Z\(index)", "--by", "王会计"], in: folder, environment: variables)
                    return (index, run.status, run.out, run.err)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(runs.count == 40)
        for (index, status, out, err) in runs {
            #expect(status == 1 && out.isEmpty, "\(index): \(err)")
            let said = index.isMultiple(of: 2) ? "There is no rule Z\(index)" : "Z\(index)"
            #expect(err.contains(said) && err.contains(index.isMultiple(of: 2) ? "There is" : "没有"), "\(index): \(err)")
        }
    }

    @Test("only the environment given is read: JIFEN_ACTOR and JIFEN_LEDGER come from it")
    func theEnvironmentGiven() throws {
        let office = try Office()
        try office.smallVillage()
        let folder = office.url.path
        let refused = Main.run(["record", "H001", "A1.1", "--date", "2025-03-05"], in: folder, environment: [:])
        #expect(refused.status == 1 && refused.err.contains("--by"), "\(refused.err)")
        let recorded = Main.run(["record", "H001", "A1.1", "--date", "2025-03-05"], in: folder, environment: ["JIFEN_ACTOR": "王会计"])
        #expect(recorded.status == 0, "\(recorded.err)")
        #expect(recorded.out.contains("#12"), "\(recorded.out)")
        let elsewhere = Main.run(["balance"], in: folder, environment: ["JIFEN_LEDGER": "other.sqlite", "JIFEN_LANG": "en"])
        #expect(elsewhere.status == 1 && elsewhere.err.contains("There is no ledger at"), "\(elsewhere.err)")
    }

    @Test("standard output that cannot take more fails as a full disk does: exit 1 and one sentence, in either language")
    func fullOutput() throws {
        let office = try Office()
        try office.smallVillage()
        let whole = Main.run(["log", "--json"], in: office.url.path)
        #expect(whole.status == 0 && whole.out.utf8.count > 100, "\(whole.err)")
        let cut = Main.run(["log", "--json"], in: office.url.path, limit: 100)
        #expect(cut.status == 1)
        #expect(cut.err == "jifen: 输出没能写完（磁盘已满）；请腾出空间或换个地方输出，再运行一次。\n", "\(cut.err)")
        #expect(Array(cut.out.utf8) == Array(whole.out.utf8.prefix(100)))
        let english = Main.run(["log", "--json", "--lang", "en"], in: office.url.path, limit: 0)
        #expect(english.status == 1 && english.out.isEmpty)
        #expect(english.err.hasPrefix("jifen: The output could not be written (the disk is full)"), "\(english.err)")
        // Output that fits is not a failure.
        let fits = Main.run(["log", "--json"], in: office.url.path, limit: whole.out.utf8.count)
        #expect(fits.status == 0 && fits.out == whole.out, "\(fits.err)")
    }

    @Test("an in-process run's standard input is the bytes it was given, or nothing; never the process's")
    func standardInput() throws {
        let bytes = Data("户号,户主,联户,人口\nH004,刘桂兰,U02,3\n".utf8)
        #expect(Console(environment: [:], directory: "/", input: bytes).readInput() == bytes)
        #expect(Console(environment: [:], directory: "/").readInput().isEmpty)
    }

    @Test("files named relative to the run's folder are read and written there, never in the process's own")
    func relativePaths() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("audit", "export", "--out", "export.jsonl"))
        #expect(FileManager.default.fileExists(atPath: office.path("export.jsonl")))
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/export.jsonl"))
        expectOK(try office.jifen("audit", "check", "export.jsonl"))
    }
}
