import Foundation
import Jifen
import JifenCore
import JifenPostgres
import JifenStore

/// The county's append figure (scripts/bench-county runs it beside pgbench): single-event decisions (a score, each with
/// its own idempotency key) from
/// `--writers` threads, each to a random village of `--villages`, through the same write path as `jifen` (LedgerWriter:
/// lock the village's head, decide on its fold, insert, commit), for `--seconds`. Prints one JSON object: committed
/// events/s and latency percentiles (ms). The villages are made first, each opened with `--households` households.
struct Options {
    var url = ""
    var villages = 3_000
    var writers = 32
    var seconds = 10.0
    var households = 20
    var prefix = "bench"
    /// With it, one more village of this many events: what a miss of the fold cache costs (a read by a county that
    /// has not folded it), what a hit costs, and a write's time there.
    var bigVillage = 0

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let name = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(name) needs a value") }
            switch name {
            case "--url": url = value
            case "--villages": villages = try Self.number(name, value)
            case "--writers": writers = try Self.number(name, value)
            case "--seconds": seconds = Double(try Self.number(name, value))
            case "--households": households = try Self.number(name, value)
            case "--prefix": prefix = value
            case "--big-village": bigVillage = try Self.number(name, value)
            default: throw BenchError("unknown option \(name)")
            }
        }
        guard !url.isEmpty else { throw BenchError("--url postgres://… is needed") }
    }

    static func number(_ name: String, _ value: String) throws -> Int {
        guard let number = Int(value), number > 0 else { throw BenchError("\(name) takes a positive number, not \(value)") }
        return number
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What the writers measured, gathered under a lock.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Double] = []
    private var failures: [String] = []

    func add(_ latency: Double) { lock.withLock { latencies.append(latency) } }
    func fail(_ what: String) { lock.withLock { failures.append(what) } }
    var all: (latencies: [Double], failures: [String]) { lock.withLock { (latencies, failures) } }
}

/// The next village to set up, handed to one writer each.
final class Cursor: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
}

/// Runs `body` on `count` threads of its own at once, and waits for them all. (Not `concurrentPerform`, which runs
/// only as many at once as there are cores: writers that wait on the database must each have a thread.)
func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    let group = DispatchGroup()
    for _ in 0..<count {
        group.enter()
        Thread.detachNewThread {
            body()
            group.leave()
        }
    }
    group.wait()
}

func household(_ index: Int) -> HouseholdCode { HouseholdCode(rawValue: String(format: "H%03d", index + 1)) }

func run() throws {
    let options = try Options(CommandLine.arguments)
    let county = try PostgresCounty(url: options.url, connections: options.writers + 2, cachedVillages: options.villages + 16)
    defer { county.close() }
    let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
    guard let opened = LocalDate("2025-01-01") else { throw BenchError("no date") }
    let codes = (1...options.villages).map { String(format: "\(options.prefix)-%05d", $0) }

    // The villages, made and opened from the writers' threads (setup, not measured).
    let setup = Tally()
    let cursor = Cursor()
    let made = Date()
    onThreads(options.writers) {
        while true {
            let index = cursor.next()
            guard index < codes.count else { return }
            do {
                let writer = LedgerWriter(store: try county.createVillage(codes[index]), environment: .live)
                try writer.execute(.openLedger(ledgerId: codes[index], village: codes[index], scheme: scheme, demo: false, admin: nil),
                                   by: "书记", on: opened)
                let commands: [Command] = [.addUnit("U01", name: "一组", leader: nil)] + (0..<options.households).map {
                    .registerHousehold(household($0), head: "户主\($0)", unit: "U01", members: 3)
                }
                try writer.executeAll(commands.enumerated().map { BatchItem(command: $1, occurredOn: opened, line: $0 + 2) }, by: "书记",
                                      fileName: "setup")
            } catch {
                setup.fail("\(codes[index]): \(error)")
            }
        }
    }
    if let failure = setup.all.failures.first { throw BenchError("setting up: \(failure)") }
    let setupSeconds = Date().timeIntervalSince(made)
    func events() throws -> Int64 {
        try county.villages().filter { $0.village.hasPrefix("\(options.prefix)-") }.reduce(0) { $0 + $1.seq }
    }
    let before = try events()

    // The load: each writer scores a random household of a random village, again and again, until time is up.
    let tally = Tally()
    let start = DispatchTime.now().uptimeNanoseconds
    let end = start + UInt64(options.seconds * 1e9)
    onThreads(options.writers) {
        var random = SystemRandomNumberGenerator()
        while DispatchTime.now().uptimeNanoseconds < end {
            let code = codes[Int.random(in: 0..<codes.count, using: &random)]
            let writer = LedgerWriter(store: county.village(code), environment: .live)
            let command = Command.recordScore(household(Int.random(in: 0..<options.households, using: &random)), "D1.2", points: nil,
                                              note: "", source: nil)
            let began = DispatchTime.now().uptimeNanoseconds
            do {
                // Each its own idempotency key, as a client of the server sends it (looked up before deciding).
                try writer.execute(command, by: "书记", key: UUID().uuidString)
                tally.add(Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6)
            } catch {
                tally.fail("\(code): \(error)")
            }
        }
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let (latencies, failures) = tally.all
    let sorted = latencies.sorted()
    func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    // Every acknowledged append is in the log, and nothing else was.
    let appended = try events() - before
    var result: [String: Any] = [
        "villages": options.villages, "writers": options.writers, "seconds": elapsed, "committed": latencies.count,
        "events_per_second": Double(latencies.count) / elapsed, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99),
        "max_ms": sorted.last ?? 0, "failures": failures.count, "first_failure": failures.first ?? "",
        "setup_seconds": setupSeconds, "appended": appended, "all_acknowledged_in_log": appended == Int64(latencies.count),
    ]
    if options.bigVillage > 0 {
        for (key, value) in try bigVillage(options, county: county, scheme: scheme, opened: opened) { result[key] = value }
    }
    let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

/// A village of `options.bigVillage` events (scores in batches of 1,000), then: a cold county's first read of it (the
/// whole log read and folded), a second read (a hit), and writes of one score each (the fold caught up, decided on,
/// copied where the write changes it).
func bigVillage(_ options: Options, county: PostgresCounty, scheme: Scheme, opened: LocalDate) throws -> [String: Any] {
    let code = "\(options.prefix)-big"
    let writer = LedgerWriter(store: try county.createVillage(code), environment: .live)
    try writer.execute(.openLedger(ledgerId: code, village: code, scheme: scheme, demo: false, admin: nil), by: "书记", on: opened)
    let setup: [Command] = [.addUnit("U01", name: "一组", leader: nil)] + (0..<options.households).map {
        .registerHousehold(household($0), head: "户主\($0)", unit: "U01", members: 3)
    }
    try writer.executeAll(setup.enumerated().map { BatchItem(command: $1, occurredOn: opened, line: $0 + 2) }, by: "书记", fileName: "setup")
    var head = try writer.store.read { $0.headOfLog().seq }
    while head < Int64(options.bigVillage) {
        let count = min(1_000, Int(Int64(options.bigVillage) - head))
        let items = (0..<count).map { index in
            BatchItem(command: .recordScore(household(index % options.households), "D1.2", points: nil, note: "", source: nil),
                      occurredOn: opened, line: index + 2)
        }
        try writer.executeAll(items, by: "书记", fileName: "scores")
        head = try writer.store.read { $0.headOfLog().seq }
    }
    func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
    let cold = try PostgresCounty(url: options.url, connections: 2)
    defer { cold.close() }
    let store = cold.village(code)
    let miss = try milliseconds { _ = try store.read { $0.headOfLog() } }
    let hit = try milliseconds { _ = try store.read { $0.headOfLog() } }
    let coldWriter = LedgerWriter(store: store, environment: .live)
    let writes = try (0..<20).map { index in
        try milliseconds {
            try coldWriter.execute(.recordScore(household(index % options.households), "D1.2", points: nil, note: "", source: nil),
                                   by: "书记", again: true)
        }
    }.sorted()
    return ["big_village_events": head, "big_miss_ms": miss, "big_hit_ms": hit, "big_write_median_ms": writes[writes.count / 2]]
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("jifen-bench-county: \(error)\n".utf8))
    exit(2)
}
