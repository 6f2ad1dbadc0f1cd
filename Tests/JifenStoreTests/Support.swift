import Foundation
import GRDB
import Jifen
import JifenDemo
import JifenCore
import JifenStore
import Testing

/// How a ledger file stores its log (JifenStore's, as Jifen names it too).
typealias LogFormat = JifenStore.LogFormat

/// A fresh folder per test, removed afterwards.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A small village ledger on disk with a scripted clock (today is 2025-12-31 in Beijing), in stored format 2 unless told.
func makeVillage(at path: String, seed: UInt64 = 1, format: LogFormat = .compact) throws -> (Ledger, ScriptedEnvironment) {
    let script = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: seed)
    script.setEvening(of: LocalDate("2025-12-31")!)
    let ledger = try Ledger(path: path, create: true, environment: script.environment, format: format)
    #expect(ledger.format == format)
    let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
    try ledger.execute(.openLedger(ledgerId: "ledger-1", village: "牛角村", scheme: scheme, demo: false, admin: nil), by: "张书记",
                       on: LocalDate("2025-01-01")!)
    try ledger.execute(.addUnit(UnitCode(rawValue: "U01"), name: "第一联户", leader: nil), by: "张书记", on: LocalDate("2025-01-01")!)
    for (code, head) in [("H001", "王德福"), ("H002", "李秀英"), ("H003", "张国华")] {
        try ledger.execute(.registerHousehold(HouseholdCode(rawValue: code), head: head, unit: UnitCode(rawValue: "U01"), members: 3),
                           by: "张书记", on: LocalDate("2025-01-01")!)
    }
    try ledger.execute(.listItem(ItemCode(rawValue: "salt"), name: "食盐", unit: "500 g", price: 3), by: "李店长", on: LocalDate("2025-01-01")!)
    return (ledger, script)
}

func score(_ household: String, _ rule: String, points: Int? = nil, note: String = "") -> Command {
    .recordScore(HouseholdCode(rawValue: household), RuleCode(rawValue: rule), points: points, note: note, source: nil)
}

/// Every projection table as text, to compare projections byte for byte.
func dumpProjections(_ ledger: Ledger) throws -> String {
    try ledger.store.withDatabase { db in
        var out = ""
        for table in ["p_ledger", "p_units", "p_households", "p_items", "p_sheets"] {
            out += "== \(table)\n"
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1") { out += "\(row)\n" }
        }
        return out
    }
}

/// The error SQLite gives for `sql`, or nil when it ran.
func sqliteRefusal(_ db: Database, _ sql: String, arguments: StatementArguments = StatementArguments()) -> String? {
    do {
        try db.execute(sql: sql, arguments: arguments)
        return nil
    } catch let error as DatabaseError {
        return error.message ?? "\(error)"
    } catch {
        return "\(error)"
    }
}

func eventCount(_ ledger: Ledger) throws -> Int {
    try ledger.store.withDatabase { try Int.fetchOne($0, sql: "SELECT count(*) FROM events") ?? 0 }
}

/// The package's root folder, for reading schema/ and seed/.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a program, returning its exit status and output.
@discardableResult
func shell(_ program: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}
