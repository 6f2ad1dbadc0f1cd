import Foundation
import JifenCore
import JifenStore
import PostgresNIO
import Tagged

/// One village of a county's PostgreSQL database, behind the same store protocol as a village's SQLite file, with
/// the same chain byte for byte (the same `Linking` and `Chain`; hashes are computed here, never in SQL).
///
/// The log is in PostgreSQL; what `decide` reads (`LedgerState`) is the village's fold in memory (`MemoryLedger`, as
/// `MemoryStore` keeps it), cached by the county with the head it was folded to, instead of SQLite's projection tables.
/// A write locks the village's head row (`SELECT … FOR UPDATE`: appends to one village take turns, appends to two never
/// wait on each other), catches the cached fold up with the events after its head (another process may have appended),
/// runs its body on that fold, inserts the new events in one statement per decision, commits, and only then publishes
/// the fold; a throw rolls back and the fold it changed is dropped. A read runs in a REPEATABLE READ snapshot, on the
/// fold caught up to that snapshot's head. The log's reads (`links`, `recorded(key:)`, `events(of:…)`) are queries.
public final class PostgresStore: LedgerStore, Sendable {
    public let village: String
    let county: PostgresCounty

    init(county: PostgresCounty, village: String) {
        self.county = county
        self.village = village
    }

    public func write<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        // Taken before the transaction: a fold is published only after its commit, so the head read under the lock is
        // never behind it.
        let cached = county.folds.fold(of: village)
        return try county.pool.withConnection { connection in
            try transaction(connection, begin: "BEGIN") {
                let head = try self.head(connection, lock: true)
                let session = PostgresSession(connection: connection, village: village, fold: try catchUp(cached, to: head, on: connection),
                                              writable: true)
                let result: T
                do {
                    result = try body(session)
                } catch {
                    // The fold as committed is still good when nothing was appended to it.
                    if !session.appended { county.folds.publish(session.fold, of: village) }
                    throw error
                }
                guard !session.failed else { throw PostgresStoreError.failedTransaction }
                return (result, session.fold)
            }
        }
    }

    public func read<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let cached = county.folds.fold(of: village)
        return try county.pool.withConnection { connection in
            try transaction(connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                let head = try self.head(connection, lock: false)
                let fold = try catchUp(cached, to: head, on: connection)
                let result = try body(PostgresSession(connection: connection, village: village, fold: fold, writable: false))
                return (result, fold)
            }
        }
    }

    /// Runs `body` between `begin` and COMMIT, and publishes the fold it returns once committed; any throw rolls back
    /// (a connection that cannot roll back is closed, and the pool drops it).
    private func transaction<T>(_ connection: Connection, begin: PostgresQuery, _ body: () throws -> (T, Fold)) throws -> T {
        try connection.run(begin)
        let result: T, fold: Fold
        do {
            (result, fold) = try body()
            try connection.run("COMMIT")
        } catch {
            connection.rollback(after: error)
            throw error
        }
        county.folds.publish(fold, of: village)
        return result
    }

    /// The village's head as committed (under the row's lock for a write).
    private func head(_ connection: Connection, lock: Bool) throws -> (seq: Int64, hash: Data) {
        let query: PostgresQuery = lock
            ? "SELECT head_seq, head_hash FROM villages WHERE village = \(village) FOR UPDATE"
            : "SELECT head_seq, head_hash FROM villages WHERE village = \(village)"
        guard let row = try connection.rows(query).first else { throw PostgresStoreError.unknownVillage(village) }
        let (seq, hash) = try row.decode((Int64, Data).self)
        return (seq, hash)
    }

    /// The fold at `head`: the cached one caught up with the events after it, or, on a miss (or a cache that is not
    /// behind the head on the same chain), the whole log folded again. Every event read is checked on the way: its
    /// link to the one before and its hash.
    private func catchUp(_ cached: Fold?, to head: (seq: Int64, hash: Data), on connection: Connection) throws -> Fold {
        var fold = cached.flatMap { $0.seq <= head.seq ? $0 : nil } ?? Fold()
        if fold.seq == head.seq && fold.hash != head.hash { fold = Fold() }
        while fold.seq < head.seq {
            let rows = try connection.rows("""
                SELECT \(unescaped: EventRows.columns) FROM events WHERE village = \(village) AND seq > \(fold.seq) AND seq <= \(head.seq)
                ORDER BY seq LIMIT \(Fold.page)
                """)
            guard !rows.isEmpty else {
                throw PostgresStoreError.damaged(village: village, seq: fold.seq + 1, problem: "it is missing below the head #\(head.seq)")
            }
            for row in rows {
                let link = try EventRows.link(row, village: village)
                guard link.fields.seq == fold.seq + 1, link.previousHash == fold.hash, link.holds else {
                    throw PostgresStoreError.damaged(village: village, seq: link.fields.seq,
                                                     problem: "it does not extend the chain after #\(fold.seq), or its hash is not over its fields")
                }
                try fold.apply(link, recorded: try EventRows.recorded(link, village: village))
            }
        }
        guard fold.hash == head.hash else {
            throw PostgresStoreError.damaged(village: village, seq: head.seq, problem: "the village's head hash is not its last event's")
        }
        return fold
    }
}

/// A village's fold at a head: what `decide` reads, and each stream's last version (what the next event's takes).
struct Fold: Sendable {
    /// Without the scores' payloads, which `PostgresSession.score(_:)` reads from the log: a third of a village's fold in
    /// memory (a load of the 10^6-event file peaked at 994 MB with them; docs/PERFORMANCE.md).
    var ledger = MemoryLedger(keepsScores: false)
    var versions: [String: Int64] = [:]
    var seq: Int64 = 0
    var hash = Chain.genesis

    /// How many events a catch-up reads per query.
    static let page = 5_000

    mutating func apply(_ link: ChainLink, recorded: RecordedEvent) throws {
        try ledger.apply(recorded)
        versions[link.fields.stream] = link.fields.streamVersion
        seq = link.fields.seq
        hash = link.hash
    }
}

/// One transaction of a `PostgresStore`: the village's fold at the transaction's head, and its connection.
public final class PostgresSession: LedgerTransaction {
    let connection: Connection
    let village: String
    var fold: Fold
    let writable: Bool
    /// Whether an append changed the fold (which is then published only if the transaction commits).
    var appended = false
    /// Whether an append failed part-way: the fold and the transaction are then of no use, and the write is refused.
    var failed = false

    init(connection: Connection, village: String, fold: Fold, writable: Bool) {
        self.connection = connection
        self.village = village
        self.fold = fold
        self.writable = writable
    }

    /// The fold as this transaction sees it. It keeps no scores' payloads: ask the session (`score(_:)`), not this.
    public var state: MemoryLedger { fold.ledger }

    public func headOfLog() -> (seq: Int64, hash: Data) { (fold.seq, fold.hash) }

    public func links(from seq: Int64, limit: Int) throws -> [ChainLink] {
        guard limit > 0 else { return [] }
        try usable()
        return try connection.rows("""
            SELECT \(unescaped: EventRows.columns) FROM events WHERE village = \(village) AND seq >= \(seq) AND seq <= \(fold.seq)
            ORDER BY seq LIMIT \(Int64(limit))
            """).map { try EventRows.link($0, village: village) }
    }

    public func recorded(key: String) throws -> RecordedEvent? {
        try usable()
        return try connection.rows("""
            SELECT \(unescaped: EventRows.columns) FROM events WHERE village = \(village) AND idempotency_key = \(key)
            """).first.map { try EventRows.recorded(try EventRows.link($0, village: village), village: village) }
    }

    public func events(of types: [String], household: HouseholdCode, on date: LocalDate, recordedSince instant: String) throws
        -> [RecordedEvent] {
        try usable()
        return try connection.rows("""
            SELECT \(unescaped: EventRows.columns) FROM events
            WHERE village = \(village) AND household = \(household.rawValue) AND occurred_on = \(date.description)
              AND type = ANY(\(types)) AND recorded_at >= \(instant)
            ORDER BY seq DESC
            """).map { try EventRows.recorded(try EventRows.link($0, village: village), village: village) }
    }

    @discardableResult
    public func append(_ decision: Decision, recordedAt: String, key: String?, newId: () -> String) throws -> [RecordedEvent] {
        guard writable else { throw PostgresStoreError.readOnly }
        try usable()
        guard fold.seq == decision.lastSeq else { throw StoreError.outdated(decision, head: fold.seq) }
        // Folded in place (a copy per decision would copy the whole fold for each line of a batch); if anything below
        // throws, the session is marked failed, its fold is never published and its transaction never commits.
        appended = true
        failed = true
        var links: [ChainLink] = []
        var written: [RecordedEvent] = []
        links.reserveCapacity(decision.events.count)
        written.reserveCapacity(decision.events.count)
        for (index, (event, date)) in decision.dated.enumerated() {
            let (link, recorded) = try Linking.link(event, id: newId(), occurredOn: date, recordedAt: recordedAt,
                                                    actor: decision.context.actor, key: index == 0 ? key : nil,
                                                    after: (fold.seq, fold.hash), version: fold.versions[event.stream] ?? 0,
                                                    state: fold.ledger)
            try fold.apply(link, recorded: recorded)
            links.append(link)
            written.append(recorded)
        }
        var start = links.startIndex
        while start < links.endIndex {
            let end = min(links.endIndex, start + EventRows.rowsPerInsert)
            try connection.run(try EventRows.insert(links[start..<end], village: village))
            start = end
        }
        // The hash goes beside the event that says it was set, in the same transaction, never into the log.
        if case .setPassword(let actor, let hash) = decision.command, let event = written.last {
            try keepCredential(actor, hash: hash, at: recordedAt, seq: event.seq)
        }
        failed = false
        return written
    }

    func usable() throws {
        if failed { throw PostgresStoreError.failedTransaction }
    }

    // MARK: LedgerState, answered by the fold

    public func ledger() -> LedgerInfo? { fold.ledger.ledger() }
    public func unit(_ code: UnitCode) -> UnitRecord? { fold.ledger.unit(code) }
    public func household(_ code: HouseholdCode) -> HouseholdAccount? { fold.ledger.household(code) }
    public func item(_ code: ItemCode) -> ItemStock? { fold.ledger.item(code) }
    public func entry(_ ref: EventRef) -> Entry? { fold.ledger.entry(ref) }
    public func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) -> Int {
        fold.ledger.scoreCount(household: household, rule: rule, in: dates)
    }
    public func sheet(_ sha256: String) -> Int64? { fold.ledger.sheet(sha256) }
    public func codes(of kind: CodeKind) -> [String] { fold.ledger.codes(of: kind) }
    public func lastSeq() -> Int64 { fold.seq }
    public func lowestAvailable(household: HouseholdCode, from date: LocalDate) -> Int {
        fold.ledger.lowestAvailable(household: household, from: date)
    }
    public func lowestStock(item: ItemCode, from date: LocalDate) -> Int { fold.ledger.lowestStock(item: item, from: date) }
    public func hasActors() -> Bool { fold.ledger.hasActors() }
    public func actor(_ name: ActorName) -> ActorRecord? { fold.ledger.actor(name) }
    public func actors() -> [ActorRecord] { fold.ledger.actors() }
    public func notices() -> [NoticeRecord] { fold.ledger.notices() }
    public func notice(covering date: LocalDate) -> NoticeRecord? { fold.ledger.notice(covering: date) }
    public func review(_ seq: Int64) -> ScoreReview? { fold.ledger.review(seq) }
    public func reviews(in dates: ClosedRange<LocalDate>) -> [ScoreReview] { fold.ledger.reviews(in: dates) }
    public func request(_ seq: Int64) -> ReversalRequest? { fold.ledger.request(seq) }
    public func request(target: Int64) -> ReversalRequest? { fold.ledger.request(target: target) }
    /// Read from the log (the fold keeps no payloads): what amending an objected score asks, once.
    public func score(_ seq: Int64) throws -> ScoreRecorded? {
        guard seq >= 1, seq <= fold.seq else { return nil }
        try usable()
        return try connection.rows("""
            SELECT \(unescaped: EventRows.columns) FROM events WHERE village = \(village) AND seq = \(seq)
            """).first.map { try EventRows.recorded(try EventRows.link($0, village: village), village: village) }?.event.score
    }
    public func schemes() -> [SchemeVersion] { fold.ledger.schemes() }
    public func settlement(year: Int) -> SettlementRecord? { fold.ledger.settlement(year: year) }
    public func blacklisted(_ household: HouseholdCode, on date: LocalDate) -> LocalDate? { fold.ledger.blacklisted(household, on: date) }
    public func yearFigures(in dates: ClosedRange<LocalDate>) -> [HouseholdCode: YearFigures] { fold.ledger.yearFigures(in: dates) }
    public func allHouseholds() -> [HouseholdAccount] { fold.ledger.allHouseholds() }
    public func reviews(of household: HouseholdCode) -> [ScoreReview] { fold.ledger.reviews(of: household) }
    public func latestScoreDate() -> LocalDate? { fold.ledger.latestScoreDate() }
    public func balances(asOf date: LocalDate) -> [HouseholdCode: HouseholdAccount] { fold.ledger.balances(asOf: date) }
}
