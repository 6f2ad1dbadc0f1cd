import Foundation
import JifenCore
import Tagged

/// A ledger held in memory: `MemoryLedger`'s fold and the recorded events, chained and hashed by the same `Linking`
/// and `Chain` as SQLite, so that the same commands in the same environment give the same chain in both, byte for
/// byte. For tests, replays and the conformance suite; nothing is kept when the process ends.
///
/// Writes are serialised by a lock: one transaction at a time, each working on a copy of the ledger that replaces
/// it only when the transaction ends without throwing (all or nothing). Reads see the last committed copy.
public final class MemoryStore: LedgerStore, @unchecked Sendable {
    // `committed` is read and replaced only under `lock` (hence `@unchecked Sendable`); `writing` is held for the
    // whole of a write transaction, so writers take turns while readers still see the last commit.
    private let lock = NSLock()
    private let writing = NSLock()
    private var committed = MemoryLog()

    public init() {}

    public func write<T>(_ body: (MemorySession) throws -> T) throws -> T {
        writing.lock()
        defer { writing.unlock() }
        let session = MemorySession(log: lock.withLock { committed }, writable: true)
        let result = try body(session)
        lock.withLock { committed = session.log }
        return result
    }

    public func read<T>(_ body: (MemorySession) throws -> T) throws -> T {
        try body(MemorySession(log: lock.withLock { committed }, writable: false))
    }
}

/// What a `MemoryStore` holds: the fold, the chain, and the indexes the appender needs.
struct MemoryLog: Sendable {
    var ledger = MemoryLedger()
    var links: [ChainLink] = []
    var recorded: [RecordedEvent] = []
    var versions: [String: Int64] = [:]
    var keys: [String: Int64] = [:]
}

/// One transaction of a `MemoryStore`, on its own copy of the ledger.
public final class MemorySession: LedgerTransaction {
    fileprivate(set) var log: MemoryLog
    private let writable: Bool

    fileprivate init(log: MemoryLog, writable: Bool) {
        self.log = log
        self.writable = writable
    }

    /// The fold as this transaction sees it.
    public var state: MemoryLedger { log.ledger }

    /// Every event of the log, in order.
    public var events: [RecordedEvent] { log.recorded }

    public func headOfLog() -> (seq: Int64, hash: Data) {
        log.links.last.map { ($0.fields.seq, $0.hash) } ?? (0, Chain.genesis)
    }

    public func links(from seq: Int64, limit: Int) -> [ChainLink] {
        let start = Int(max(seq, 1) - 1)
        guard start < log.links.count, limit > 0 else { return [] }
        return Array(log.links[start..<min(log.links.count, start + limit)])
    }

    public func recorded(key: String) -> RecordedEvent? {
        log.keys[key].map { log.recorded[Int($0 - 1)] }
    }

    public func events(of types: [String], household: HouseholdCode, on date: LocalDate, recordedSince instant: String)
        -> [RecordedEvent] {
        let wanted = Set(types)
        return log.recorded.reversed().filter {
            $0.facts.household == household && $0.occurredOn == date && wanted.contains($0.event.typeName) && $0.recordedAt >= instant
        }
    }

    @discardableResult
    public func append(_ decision: Decision, recordedAt: String, key: String?, newId: () -> String) throws -> [RecordedEvent] {
        // The reads of a snapshot are no transaction: appending there is refused as SQLite's read-only connection does.
        guard writable else { throw MemoryStoreError.readOnly }
        let head = headOfLog()
        guard head.seq == decision.lastSeq else { throw StoreError.outdated(decision, head: head.seq) }
        var written: [RecordedEvent] = []
        var canonical = CanonicalBuffer()
        // In place (a copy per decision would copy the whole fold for every line of a batch). An event that fails to
        // fold throws out of the transaction, which then commits nothing, as in SQLite.
        for (index, (event, date)) in decision.dated.enumerated() {
            let key = index == 0 ? key : nil
            // What SQLite's unique index refuses.
            if let key, log.keys[key] != nil { throw MemoryStoreError.keyTaken(key) }
            let version = log.versions[event.stream] ?? 0
            let head = log.links.last.map { ($0.fields.seq, $0.hash) } ?? (0, Chain.genesis)
            let (link, recorded) = try Linking.link(event, id: newId(), occurredOn: date, recordedAt: recordedAt,
                                                    actor: decision.context.actor, key: key, after: head, version: version,
                                                    state: log.ledger, canonical: &canonical)
            try log.ledger.apply(recorded)
            log.links.append(link)
            log.recorded.append(recorded)
            log.versions[event.stream] = link.fields.streamVersion
            if let key { log.keys[key] = link.fields.seq }
            written.append(recorded)
        }
        return written
    }

    // MARK: LedgerState, answered by the fold

    public func ledger() -> LedgerInfo? { log.ledger.ledger() }
    public func unit(_ code: UnitCode) -> UnitRecord? { log.ledger.unit(code) }
    public func household(_ code: HouseholdCode) -> HouseholdAccount? { log.ledger.household(code) }
    public func item(_ code: ItemCode) -> ItemStock? { log.ledger.item(code) }
    public func entry(_ ref: EventRef) -> Entry? { log.ledger.entry(ref) }
    public func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) -> Int {
        log.ledger.scoreCount(household: household, rule: rule, in: dates)
    }
    public func sheet(_ sha256: String) -> Int64? { log.ledger.sheet(sha256) }
    public func codes(of kind: CodeKind) -> [String] { log.ledger.codes(of: kind) }
    public func lastSeq() -> Int64 { headOfLog().seq }
    public func lowestAvailable(household: HouseholdCode, from date: LocalDate) -> Int {
        log.ledger.lowestAvailable(household: household, from: date)
    }
    public func lowestStock(item: ItemCode, from date: LocalDate) -> Int { log.ledger.lowestStock(item: item, from: date) }
    public func hasActors() -> Bool { log.ledger.hasActors() }
    public func actor(_ name: ActorName) -> ActorRecord? { log.ledger.actor(name) }
    public func actors() -> [ActorRecord] { log.ledger.actors() }
    public func notices() -> [NoticeRecord] { log.ledger.notices() }
    public func notice(covering date: LocalDate) -> NoticeRecord? { log.ledger.notice(covering: date) }
    public func review(_ seq: Int64) -> ScoreReview? { log.ledger.review(seq) }
    public func reviews(in dates: ClosedRange<LocalDate>) -> [ScoreReview] { log.ledger.reviews(in: dates) }
    public func request(_ seq: Int64) -> ReversalRequest? { log.ledger.request(seq) }
    public func request(target: Int64) -> ReversalRequest? { log.ledger.request(target: target) }
    public func score(_ seq: Int64) -> ScoreRecorded? { log.ledger.score(seq) }
    public func schemes() -> [SchemeVersion] { log.ledger.schemes() }
    public func settlement(year: Int) -> SettlementRecord? { log.ledger.settlement(year: year) }
    public func blacklisted(_ household: HouseholdCode, on date: LocalDate) -> LocalDate? { log.ledger.blacklisted(household, on: date) }
    public func yearFigures(in dates: ClosedRange<LocalDate>) -> [HouseholdCode: YearFigures] { log.ledger.yearFigures(in: dates) }
    public func allHouseholds() -> [HouseholdAccount] { log.ledger.allHouseholds() }
    public func reviews(of household: HouseholdCode) -> [ScoreReview] { log.ledger.reviews(of: household) }
    public func latestScoreDate() -> LocalDate? { log.ledger.latestScoreDate() }
    public func balances(asOf date: LocalDate) -> [HouseholdCode: HouseholdAccount] { log.ledger.balances(asOf: date) }
}

/// What a `MemoryStore` refuses that SQLite refuses by its schema or connection.
public enum MemoryStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An append on a read snapshot.
    case readOnly
    /// An idempotency key already recorded (SQLite: the unique index on `idempotency_key`).
    case keyTaken(String)

    public var description: String {
        switch self {
        case .readOnly: return "A read of the ledger cannot append events; write through a write transaction."
        case .keyTaken(let key): return "The key \(key) is already recorded; each key is used once."
        }
    }
}
