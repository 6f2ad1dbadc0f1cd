import Foundation
import Jifen
import JifenCore
import JifenStore
import PostgresNIO
import Synchronization
import Tagged

/// One village of a county's PostgreSQL database as a service shows it: the same `VillageBooks` as a village's SQLite
/// `Ledger`, so that one service code serves both. Its reads are answered by the village's fold and its log's rows
/// (`PostgresSession`'s `ProjectionReads`), its writes go through the one write path (`LedgerWriter`) on the village's
/// `PostgresStore`, and its people's passwords are kept as bcrypt hashes beside the chain (schema/postgres/0004_people.sql).
public final class PostgresVillage: VillageBooks {
    public let store: PostgresStore
    public let environment: LedgerEnvironment
    /// The people whose password was checked (a login): their commands are decided as proven.
    private let proven = Mutex<Set<String>>([])

    public init(store: PostgresStore, environment: LedgerEnvironment = .live) {
        self.store = store
        self.environment = environment
    }

    /// The village's code in the county.
    public var code: String { store.village }

    var writer: LedgerWriter<PostgresStore> {
        var writer = LedgerWriter(store: store, environment: environment)
        writer.passwordChecked = proven.withLock { $0 }
        return writer
    }

    public func readBooks<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        try store.readAtHead(body)
    }

    /// Decides one command as `actor` and appends its events (`LedgerWriter.execute`).
    @discardableResult
    public func execute(_ command: Command, by actor: String, on date: LocalDate? = nil, key: String? = nil,
                        again: Bool = false) throws -> Written {
        try writer.execute(command, by: actor, on: date, key: key, again: again)
    }

    public func executeEach(_ requests: [WriteRequest]) throws -> [Result<Written, any Error>] {
        try writer.executeEach(requests)
    }

    public func importTallySheet(_ input: SheetInput, fileName: String, by actor: String,
                                 progress: ((Int, Int) -> Void)? = nil) throws -> Ledger.SheetImport {
        try writer.importTallySheet(try TallySheet(input, fileName: fileName), fileName: fileName, by: actor, progress: progress)
    }

    /// Sets `name`'s password as `actor`: a new bcrypt hash kept beside the chain and a `v1.passwordSet` in it, in one
    /// transaction (the village's first password is set by one of its administrators with nothing to prove; after
    /// that the one acting must be proven, as `decide` says).
    @discardableResult
    public func setPassword(of name: String, to password: String, by actor: String, on date: LocalDate? = nil) throws -> Written {
        if let problem = PasswordRule.problem(with: password) { throw problem }
        let hash = PasswordHash(encoded: try Bcrypt.hash(password, cost: PasswordRule.bcryptCost))
        return try writer.execute(.setPassword(ActorName(rawValue: name), hash), by: actor, on: date)
    }

    public func trustAuthenticated(_ name: String) {
        _ = proven.withLock { $0.insert(name) }
    }

    public func noteLoginFailure(_ actor: ActorName, at instant: Double, forgetBefore: Double) throws {
        try store.county.noteLoginFailure(actor.rawValue, village: code, at: instant, forgetBefore: forgetBefore)
    }

    public func clearLoginFailures(_ actor: ActorName) throws {
        try store.county.clearLoginFailures(actor.rawValue, village: code)
    }

    /// The last event recorded by the end of `date` in the village (Beijing time), 0 if none: the log read backwards
    /// from its head (events are recorded in order), so a day's question reads that day's events.
    public func lastSeq(recordedBy date: LocalDate) throws -> Int64 {
        try readBooks { session in
            try session.connection.rows("""
                SELECT seq FROM events WHERE village = \(code) AND seq <= \(session.fold.seq) AND recorded_at < \("\(date)T16:00:00.000Z")
                ORDER BY seq DESC LIMIT 1
                """).first.map { try $0.decode(Int64.self) } ?? 0
        }
    }

    /// The village's books as they stood after event `seq`: its log folded afresh to there, every link checked.
    public func replay(through seq: Int64) throws -> MemoryLedger {
        try store.read { session in
            var fold = Fold()
            while fold.seq < min(seq, session.fold.seq) {
                let links = try session.links(from: fold.seq + 1, limit: Int(min(Int64(Fold.page), seq - fold.seq)))
                guard !links.isEmpty else { break }
                for link in links {
                    guard link.fields.seq == fold.seq + 1, link.previousHash == fold.hash, link.holds else {
                        throw PostgresStoreError.damaged(village: code, seq: link.fields.seq,
                                                         problem: "it does not extend the chain after #\(fold.seq), or its hash is not over its fields")
                    }
                    try fold.apply(link, recorded: try EventRows.recorded(link, village: code))
                }
            }
            return fold.ledger
        }
    }
}

extension PostgresSession: ProjectionReads, CredentialReads {
    public func households() -> [HouseholdAccount] { fold.ledger.allHouseholds() }

    public func households(asOf date: LocalDate, only code: HouseholdCode?) -> [HouseholdAccount] {
        fold.ledger.balances(asOf: date).values.filter { code == nil || $0.code == code }.sorted { $0.code.rawValue < $1.code.rawValue }
    }

    public func items() -> [ItemStock] { fold.ledger.items.values.sorted { $0.code.rawValue < $1.code.rawValue } }

    public func units() -> [UnitRecord] { fold.ledger.units.values.sorted { $0.code.rawValue < $1.code.rawValue } }

    /// The household's events are found by the log's index on the household (`events_household`), as SQLite's store
    /// finds them, and each entry taken from the fold by its number, rather than the fold's every entry looked at: a
    /// resident's passbook costs the household's events, not the village's.
    public func entries(of household: HouseholdCode) throws -> [Entry] {
        try entries(numbered: connection.rows("""
            SELECT seq FROM events WHERE village = \(village) AND household = \(household.rawValue) AND seq <= \(fold.seq) ORDER BY seq
            """), of: household)
    }

    /// The fold's entries of `household` among the sequence numbers of `rows`, in their order.
    private func entries(numbered rows: [PostgresRow], of household: HouseholdCode) throws -> [Entry] {
        try rows.compactMap { row in fold.ledger.entries[try row.decode(Int64.self)] }.filter { $0.household == household }
    }

    public func events(from: Int64, household: HouseholdCode?, dates: ClosedRange<LocalDate>?, limit: Int?) throws -> [RecordedEvent] {
        // Never past the transaction's head: what the fold was caught up to.
        try connection.rows("""
            SELECT \(unescaped: EventRows.columns) FROM events
            WHERE village = \(village) AND seq >= \(from) AND seq <= \(fold.seq)
              AND (\(household?.rawValue)::text IS NULL OR household = \(household?.rawValue))
              AND (\(dates?.lowerBound.description)::text IS NULL OR occurred_on BETWEEN \(dates?.lowerBound.description) AND \(dates?.upperBound.description))
            ORDER BY seq LIMIT \(limit.map(Int64.init))
            """).map { try EventRows.recorded(try EventRows.link($0, village: village), village: village) }
    }

    public func allReviews() -> [ScoreReview] { fold.ledger.sortedReviews() }

    public func requests() -> [ReversalRequest] { fold.ledger.requestRecords.values.sorted { $0.seq < $1.seq } }

    /// One household's by the log's index, as `entries(of:)`; every household's from the fold's entries, which lie in
    /// order of their numbers (the log has no index by date alone, and the fold is at hand).
    public func entries(in dates: ClosedRange<LocalDate>, household: HouseholdCode?) throws -> [Entry] {
        if let household {
            return try entries(numbered: connection.rows("""
                SELECT seq FROM events
                WHERE village = \(village) AND household = \(household.rawValue)
                  AND occurred_on BETWEEN \(dates.lowerBound.description) AND \(dates.upperBound.description) AND seq <= \(fold.seq)
                ORDER BY seq
                """), of: household)
        }
        return fold.ledger.entries.values.filter { dates.contains($0.occurredOn) }.sorted { $0.seq < $1.seq }
    }

    public func settlements() -> [SettlementRecord] { fold.ledger.settlementRecords.values.sorted { $0.year < $1.year } }

    public func ratings(year: Int) -> [HouseholdRating] {
        fold.ledger.ratingRecords.values.filter { $0.year == year }.map(\.rating).sorted { $0.household.rawValue < $1.household.rawValue }
    }

    public func credential(_ actor: ActorName) throws -> PasswordHash? {
        try connection.rows("SELECT hash FROM credentials WHERE village = \(village) AND actor = \(actor.rawValue)")
            .first.map { PasswordHash(encoded: try $0.decode(String.self)) }
    }

    public func credentialSeq(_ actor: ActorName) throws -> Int64? {
        try connection.rows("SELECT set_seq FROM credentials WHERE village = \(village) AND actor = \(actor.rawValue)")
            .first.map { try $0.decode(Int64.self) }
    }

    public func loginFailures(_ actor: ActorName, since instant: Double, now: Double) throws -> [Double] {
        try connection.rows("""
            SELECT failed_at FROM login_failures WHERE village = \(village) AND actor = \(actor.rawValue) AND failed_at > \(instant)
            """).map { try $0.decode(Double.self) }
    }

    /// Keeps `actor`'s new hash beside the chain, replacing any earlier one: with the `v1.passwordSet` that says it was
    /// set, in the same transaction.
    func keepCredential(_ actor: ActorName, hash: PasswordHash, at recordedAt: String, seq: Int64) throws {
        _ = try connection.run("""
            INSERT INTO credentials (village, actor, hash, set_at, set_seq) VALUES (\(village), \(actor.rawValue), \(hash.encoded), \(recordedAt), \(seq))
            ON CONFLICT (village, actor) DO UPDATE SET hash = EXCLUDED.hash, set_at = EXCLUDED.set_at, set_seq = EXCLUDED.set_seq
            """)
    }
}

extension PostgresStore {
    /// `read` in one round trip when the county's cached fold of the village is at its committed head: the head is read
    /// in one statement (no transaction), and the body runs on that fold with no transaction open. That is still one
    /// consistent snapshot: a fold is published only after its commit and is never changed, and whatever the body reads
    /// of the log is bounded by the fold's head (`seq <= head`), where the rows never change (the database refuses
    /// UPDATE and DELETE). When the cached fold is behind, or there is none, it is `read`: a REPEATABLE READ
    /// transaction (three statements) that catches the fold up. GET balance through `serve --postgres` went from
    /// 3,554 and 3,805 to 5,566 and 5,297 requests/s with it (release build, loopback, 32 connections, taking turns).
    func readAtHead<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        if let cached = county.folds.fold(of: village) {
            let answer: T? = try county.pool.withConnection { connection in
                guard let row = try connection.rows("SELECT head_seq, head_hash FROM villages WHERE village = \(village)").first else {
                    throw PostgresStoreError.unknownVillage(village)
                }
                let (seq, hash) = try row.decode((Int64, Data).self)
                guard cached.seq == seq, cached.hash == hash else { return nil }
                return try body(PostgresSession(connection: connection, village: village, fold: cached, writable: false))
            }
            if let answer { return answer }
        }
        return try read(body)
    }
}
