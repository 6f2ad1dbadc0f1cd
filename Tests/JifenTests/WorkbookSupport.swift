import Foundation
import Testing

/// Python with openpyxl, which writes the workbooks the import tests read and reads back the ones jifen writes. The
/// tests that need it are skipped, saying why, where it is not installed — unless JIFEN_REQUIRE_OPENPYXL=1 (as CI
/// sets), when they run and fail.
enum Openpyxl {
    static let required = ProcessInfo.processInfo.environment["JIFEN_REQUIRE_OPENPYXL"] == "1"
    static let installed: Bool = {
        guard let run = try? Office.runTool("/usr/bin/env", ["python3", "-c", "import openpyxl"]) else { return false }
        return run.status == 0
    }()
    static let usable = installed || required
    static let reason: Comment = "openpyxl is not installed (scripts/install-deps installs it; JIFEN_REQUIRE_OPENPYXL=1 makes this a failure)"

    /// Runs a Python script in the office's folder with `arguments`; its standard output, after expecting exit 0.
    @discardableResult
    static func run(_ office: Office, _ script: String, _ arguments: [String] = [],
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try office.write("script.py", script)
        let run = try office.run("/usr/bin/env", ["python3", "script.py"] + arguments)
        #expect(run.status == 0, "python3: \(run.err)", sourceLocation: sourceLocation)
        return run.out
    }
}

/// hledger and ledger-cli (Debian's), which read `jifen export --format ledger`: skipped where not installed unless
/// JIFEN_REQUIRE_HLEDGER=1 (as CI sets).
enum Hledger {
    static let required = ProcessInfo.processInfo.environment["JIFEN_REQUIRE_HLEDGER"] == "1"
    static func installed(_ tool: String) -> Bool {
        (try? Office.runTool("/usr/bin/env", ["sh", "-c", "command -v \(tool)"]).status) == 0
    }
    static let usable = installed("hledger") || required
    static let ledgerUsable = installed("ledger") || required
    static let reason: Comment = "hledger is not installed (scripts/install-bench-deps installs it; JIFEN_REQUIRE_HLEDGER=1 makes this a failure)"
    static let ledgerReason: Comment = "ledger is not installed (scripts/install-bench-deps installs it; JIFEN_REQUIRE_HLEDGER=1 makes this a failure)"
}

extension Office {
    /// Runs a program outside any office (to see whether a tool is there).
    static func runTool(_ program: String, _ arguments: [String]) throws -> Run {
        let office = try Office()
        return try office.run(program, arguments)
    }

    /// Writes bytes to a file of the office.
    func write(_ name: String, bytes: Data) throws {
        try bytes.write(to: url.appendingPathComponent(name))
    }
}
