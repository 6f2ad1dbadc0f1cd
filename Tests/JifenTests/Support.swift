import Foundation
import Testing
@testable import jifen

/// The package's root folder.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `jifen` executable built beside the test bundle.
let jifenBinary: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("jifen")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return packageRoot.appendingPathComponent(".build/debug/jifen")
}()

struct Run {
    let status: Int32
    let out: String
    let err: String
}

/// A scratch folder in which `jifen` runs as a clerk would run it.
final class Office {
    let url: URL

    /// How `jifen(...)` runs the tool.
    enum Mode {
        /// In this process (`Main.run`), in this folder, with the same environment a binary would get: the default,
        /// many times faster than starting a process for every command.
        case inProcess
        /// The built binary as a child process: for the tests about the process itself (help and exit statuses as
        /// a shell sees them, the environment it inherits, a full or closed standard output, signals, other
        /// processes at the same file).
        case binary
    }

    let mode: Mode

    /// With JIFEN_TEST_BINARY=1 every office runs the binary: the whole suite against the process, for comparison.
    static let everyRunIsBinary = ProcessInfo.processInfo.environment["JIFEN_TEST_BINARY"] == "1"

    init(_ mode: Mode = .inProcess) throws {
        self.mode = Office.everyRunIsBinary ? .binary : mode
        url = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String, bom: Bool = false) throws {
        var data = Data(text.utf8)
        if bom { data.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0) }
        try data.write(to: url.appendingPathComponent(name))
    }

    /// Runs `jifen` with the arguments in this folder, with no JIFEN_* variables from outside: in this process, or
    /// as the built binary when the office was made for it.
    @discardableResult
    func jifen(_ arguments: String..., environment: [String: String] = [:]) throws -> Run {
        try jifen(arguments: arguments, environment: environment)
    }

    /// With `input`, what the command reads from standard input (a password for `--password-stdin`).
    @discardableResult
    func jifen(arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Run {
        switch mode {
        case .binary:
            return try run(jifenBinary.path, arguments, environment: environment, input: input)
        case .inProcess:
            let run = Main.run(arguments, in: url.path, environment: self.environment(environment), input: input.map { Data($0.utf8) })
            return Run(status: run.status, out: run.out, err: run.err)
        }
    }

    /// With `input`, what the program reads from standard input (else nothing: /dev/null).
    func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Run {
        let process = start(program, arguments, environment: environment)
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Read both pipes while the process runs, so a large output cannot block it.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Run(status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                   err: String(decoding: errData, as: UTF8.self))
    }

    func start(_ program: String, _ arguments: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = url
        process.environment = self.environment(environment)
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// The environment a command gets: this process's without JIFEN_* variables, with the built tools first on the
    /// PATH, and `extra`.
    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("JIFEN_") }
        env["PATH"] = jifenBinary.deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// The stored format `smallVillage` and `importedVillage` make their ledger in (`jifen init --log-format`): nil
    /// for the default, stored format 2. A test runs over format 1 too with `StoredFormat.wide.making { … }`.
    @TaskLocal static var logFormat: Int?

    /// `jifen init`'s choice of stored format for `Office.logFormat`.
    var formatArguments: [String] { Office.logFormat.map { ["--log-format", "\($0)"] } ?? [] }

    /// The table that holds the office's log, as someone with the file and the sqlite3 tool finds it: `event_log` in
    /// stored format 2 (the view `events` reads it back in format 1's columns), `events` in stored format 1.
    func logTable(_ file: String = "jifen.sqlite") throws -> String {
        let found = try run("/usr/bin/env", ["sqlite3", file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('event_log', 'events')"])
        let names = found.out.split(separator: "\n").map(String.init)
        #expect(names.count == 1, "\(file) holds one log table: \(names) \(found.err)")
        return names.first ?? "events"
    }

    /// A village with its people (张书记 administers, 王会计 clerks, 赵主任 reviews, 李店长 keeps the shop), two
    /// units and three households registered on 2025-01-02: events #1–#11, so the first entry after is #12.
    func smallVillage() throws {
        try expectOK(jifen(arguments: ["init", "--village", "牛角村", "--admin", "张书记"] + formatArguments))
        for (name, role) in [("王会计", "clerk"), ("赵主任", "reviewer"), ("李店长", "shopkeeper")] {
            try expectOK(jifen("actor", "add", name, "--role", role, "--by", "张书记", "--date", "2025-01-02"))
        }
        try expectOK(jifen("unit", "add", "U01", "--name", "第一联户", "--by", "张书记"))
        try expectOK(jifen("unit", "add", "U02", "--name", "第二联户", "--by", "张书记"))
        for (code, head, unit) in [("H001", "王德福", "U01"), ("H002", "李秀英", "U01"), ("H003", "张国华", "U02")] {
            try expectOK(jifen("household", "add", code, "--head", head, "--unit", unit, "--date", "2025-01-02", "--by", "张书记"))
        }
    }

    /// docs/examples' register: 张书记 administers, 王会计 clerks; units U01 and U02; households from the CSV.
    func importedVillage() throws {
        try expectOK(jifen(arguments: ["init", "--village", "牛角村", "--admin", "张书记"] + formatArguments))
        try expectOK(jifen("actor", "add", "王会计", "--role", "clerk", "--by", "张书记"))
        try expectOK(jifen("unit", "add", "U01", "--name", "第一联户", "--by", "张书记"))
        try expectOK(jifen("unit", "add", "U02", "--name", "第二联户", "--by", "张书记"))
        try expectOK(jifen("household", "import", packageRoot.appendingPathComponent("docs/examples/households.csv").path,
                           "--date", "2025-01-02", "--by", "张书记"))
    }

    /// 赵主任 posts a month's scores on the first of the next month and closes the notice a week later: they are final.
    func finalize(_ month: String) throws {
        let parts = month.split(separator: "-").map { Int($0)! }
        let (year, next) = parts[1] == 12 ? (parts[0] + 1, 1) : (parts[0], parts[1] + 1)
        let first = String(format: "%04d-%02d-01", year, next), eighth = String(format: "%04d-%02d-08", year, next)
        try expectOK(jifen("notice", "open", "--period", month, "--date", first, "--by", "赵主任"))
        try expectOK(jifen("notice", "close", "--period", month, "--date", eighth, "--by", "赵主任"))
    }

    func json(_ arguments: String...) throws -> Any {
        let run = try jifen(arguments: arguments + ["--json"])
        #expect(run.status == 0, "\(arguments): \(run.err)")
        return try JSONSerialization.jsonObject(with: Data(run.out.utf8))
    }

    /// The lines the sqlite3 tool prints for a query on the office's ledger (as an auditor would look at the file).
    func sqlite(_ query: String) throws -> [String] {
        let run = try run("/usr/bin/env", ["sqlite3", "jifen.sqlite", query])
        #expect(run.status == 0, "\(query): \(run.err)")
        return run.out.split(separator: "\n").map(String.init)
    }

    func eventCount() throws -> Int {
        let log = try json("log") as? [Any]
        return log?.count ?? -1
    }
}

/// An event's payload exactly as hashed, in SQL, for an UPDATE of the log's table `table` (either stored format): in
/// stored format 2 a score's payload may be stored as NULL, its facts and its rule's text spelling it out, so an
/// edit of the payload a reader sees starts from the view `events`.
func hashedPayload(_ table: String) -> String {
    "(SELECT v.payload FROM events v WHERE v.seq = \(table).seq)"
}

/// A stored format of a ledger, for the tests that run over both: 2, what `jifen init` makes by default, and 1, what
/// jifen made before and still opens, reads, writes and verifies (`jifen init --log-format 1`).
enum StoredFormat: Int, CaseIterable, Sendable, CustomTestStringConvertible {
    case compact = 2
    case wide = 1

    var testDescription: String { "stored format \(rawValue)" }

    /// The table that holds the log in this format.
    var table: String { self == .compact ? "event_log" : "events" }

    /// Runs `body` with the villages of `Office` made in this format (the default for `compact`).
    func making<T>(_ body: () throws -> T) rethrows -> T {
        try Office.$logFormat.withValue(self == .compact ? nil : rawValue, operation: body)
    }
}

func expectOK(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == 0, "exit \(run.status): \(run.err)", sourceLocation: sourceLocation)
}

/// A refusal: exit 1, one line on standard error saying what to do (a sentence in English or in Chinese), nothing on
/// standard output.
func expectRefused(_ run: Run, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status == 1, "exit \(run.status): \(run.err)", sourceLocation: sourceLocation)
    #expect(run.err.contains(text), "\(run.err)", sourceLocation: sourceLocation)
    #expect(run.err.hasPrefix("jifen: ") && (run.err.hasSuffix(".\n") || run.err.hasSuffix("。\n")), "\(run.err)",
            sourceLocation: sourceLocation)
    #expect(run.out.isEmpty, sourceLocation: sourceLocation)
}

/// Terminal columns of a line, counted independently of the code under test: CJK ideographs, fullwidth forms and
/// CJK punctuation take two.
enum DisplayColumns {
    static func of(_ text: some StringProtocol) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            let wide = (0x4E00...0x9FFF).contains(v) || (0x3000...0x303F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x3400...0x4DBF).contains(v)
            return total + (wide ? 2 : 1)
        }
    }
}
