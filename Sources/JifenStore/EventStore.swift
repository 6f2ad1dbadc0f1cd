import Foundation
import GRDB
import JifenCore
import Tagged

/// What went wrong in the store, in words a clerk can act on.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case noLedger(path: String)
    case notALedger(path: String, detail: String)
    case streamVersionConflict(stream: String, expected: Int64, actual: Int64)

    public var description: String {
        switch self {
        case .noLedger(let path):
            return "There is no ledger at \(path); create one with `jifen init --village NAME`, or point --ledger (or JIFEN_LEDGER) at your ledger file."
        case .notALedger(let path, let detail):
            return "\(path) is not a Jifen ledger (\(detail)); point --ledger at a file made by `jifen init`."
        case .streamVersionConflict(let stream, let expected, let actual):
            return "Someone else wrote to \(stream) at the same time (expected version \(expected), found \(actual)); run the command again."
        }
    }

    /// The same, in Chinese, for the clerks.
    public var chinese: String {
        switch self {
        case .noLedger(let path):
            return "\(path) 没有账本；请用 `jifen init --village 村名 --admin 姓名` 建账，或用 --ledger（或 JIFEN_LEDGER）指向已有的账本文件。"
        case .notALedger(let path, let detail):
            return "\(path) 不是积分账本（\(detail)）；请用 --ledger 指向 `jifen init` 建的文件。"
        case .streamVersionConflict(let stream, let expected, let actual):
            return "有人同时在写 \(stream)（应为第 \(expected) 版，实为第 \(actual) 版）；请再运行一次。"
        }
    }
}

/// How an event is filed: everything of the envelope that the domain does not decide.
public struct EventMeta: Sendable {
    public var id: String
    public var occurredOn: LocalDate
    public var recordedAt: String
    public var actor: ActorName
    public var key: String?

    public init(id: String, occurredOn: LocalDate, recordedAt: String, actor: ActorName, key: String?) {
        self.id = id
        self.occurredOn = occurredOn
        self.recordedAt = recordedAt
        self.actor = actor
        self.key = key
    }
}

/// One village's ledger file: the event log and its projections, in SQLite (WAL mode).
///
/// Writes go through `write`, one IMMEDIATE transaction each: the SQLite write lock serialises
/// appends across processes, so two clerks appending at once never fork the chain.
public final class EventStore: Sendable {
    /// 'JFEN': marks the file as a Jifen ledger (`PRAGMA application_id`).
    public static let applicationId: Int32 = 0x4A46_454E
    public let path: String
    let queue: DatabaseQueue

    /// Opens a ledger file. With `create`, a missing file is made; without it, a missing file is an error,
    /// so that a mistyped path never leaves an empty ledger behind. With `readOnly`, nothing is written to the
    /// file at all (an auditor's copy, a write-protected file): reads and `verify` only.
    public init(path: String, create: Bool, readOnly: Bool = false) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) { throw StoreError.noLedger(path: path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.readonly = readOnly
        if !readOnly { configuration.journalMode = .wal }
        configuration.prepareDatabase { db in
            // 32 MB of page cache: a county's indexes stay in memory during a batch.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Statement journals in memory: every append may be undone alone (the chain's triggers can abort it), and
            // with a journal file that cost a dozen writes to a temporary file per event, most of a large import's time.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // FULL: a commit is on disk before the command says it is done.
            if !readOnly { try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        do {
            var opened = try EventStore.openQueue(path: path, configuration: configuration)
            let upToDate = try opened.read { db -> Bool in
                let applicationId = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                let hasEvents = try db.tableExists("events")
                if applicationId == 0 && tables > 0 && !hasEvents {
                    throw StoreError.notALedger(path: path, detail: "it holds other tables")
                }
                if applicationId != 0 && applicationId != EventStore.applicationId {
                    throw StoreError.notALedger(path: path, detail: "it belongs to another application")
                }
                return try EventStore.migrator.hasCompletedMigrations(db)
            }
            if readOnly && !upToDate {
                // A ledger written by an earlier jifen gains the newer projection tables the first time it is
                // opened where it can be written, even by a read; its events are not touched.
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
                guard FileManager.default.isWritableFile(atPath: path), FileManager.default.isWritableFile(atPath: folder) else {
                    throw StoreError.notALedger(path: path, detail: "it was made by an earlier version of jifen and cannot be brought up to date where it is; copy it to a folder you can write to and read it there")
                }
                _ = try EventStore(path: path, create: false, readOnly: false)
                opened = try EventStore.openQueue(path: path, configuration: configuration)
            }
            queue = opened
            if !readOnly {
                try EventStore.migrator.migrate(queue)
                try queue.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA application_id = \(EventStore.applicationId)")
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notALedger(path: path, detail: "it is not an SQLite database")
        }
    }

    /// Opens the connection. A read-only open of a file in a folder we may not write to (an auditor's copy on
    /// a USB stick, a file owned by someone else) cannot make SQLite's WAL index beside it; then, if no
    /// write-ahead log is pending, the file is opened as immutable, which needs no index.
    static func openQueue(path: String, configuration: Configuration) throws -> DatabaseQueue {
        guard configuration.readonly else { return try DatabaseQueue(path: path, configuration: configuration) }
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN {
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            guard wal == 0 else { throw error }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let encoded = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
            return try DatabaseQueue(path: "file:\(encoded)?immutable=1", configuration: configuration)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_event_log") { db in try db.execute(sql: SchemaSQL.m0001EventLog) }
        migrator.registerMigration("0002_projections") { db in try db.execute(sql: SchemaSQL.m0002Projections) }
        migrator.registerMigration("0003_governance") { db in try db.execute(sql: SchemaSQL.m0003Governance) }
        return migrator
    }

    /// Runs `body` in one IMMEDIATE transaction: all its appends land together or not at all.
    /// Throwing from `body` rolls everything back.
    public func write<T>(_ body: (StoreSession) throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                let session = StoreSession(db: db)
                result = try body(session)
                try session.flush()
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` on a consistent snapshot of the ledger.
    public func read<T>(_ body: (StoreSession) throws -> T) throws -> T {
        try queue.read { db in try body(StoreSession(db: db)) }
    }

    /// Direct access for maintenance (tests, the tamper drill).
    public func withDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.writeWithoutTransaction(body)
    }
}

/// The ledger seen from inside one transaction: `decide` reads it as its `LedgerState`, and
/// `append` extends the log and folds the event into the projections in the same transaction.
public final class StoreSession: LedgerState {
    let db: Database
    private var cachedInfo: LedgerInfo??
    private var head: (seq: Int64, hash: Data)?
    // Within one transaction, changed households and items are kept here and written once at its end (`flush`),
    // and stream versions are counted here after their first look-up: a batch of thousands of entries then
    // costs one INSERT each.
    private var pendingHouseholds: [HouseholdCode: HouseholdAccount] = [:]
    private var pendingItems: [ItemCode: ItemStock] = [:]
    private var versions: [String: Int64] = [:]
    private var capCounts: [CapKey: Int] = [:]
    private var capPeriodsLoaded: Set<HouseholdPeriod> = []
    // Looked up once per transaction: a batch asks for them on every score.
    private var cachedHasActors: Bool?
    private var cachedNotices: [NoticeRecord]?
    private var cachedSchemes: [SchemeVersion]?
    // Asked for by every command of a batch (who gives it, whether its year is settled); dropped when they change.
    private var cachedActors: [ActorName: ActorRecord?] = [:]
    private var cachedSettlements: [Int: SettlementRecord?] = [:]

    init(db: Database) {
        self.db = db
    }

    // Prepared statements are cached per connection: appends run the same few statements many times.
    func row(_ sql: String, arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    func value<T: DatabaseValueConvertible & StatementColumnConvertible>(_ type: T.Type, _ sql: String,
                                                                          arguments: StatementArguments = []) throws -> T? {
        try T.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    func strings(_ sql: String, arguments: StatementArguments = []) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    func run(_ sql: String, arguments: StatementArguments = []) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    // MARK: LedgerState

    public func ledger() throws -> LedgerInfo? {
        if let cachedInfo { return cachedInfo }
        var info: LedgerInfo?
        if let row = try row("SELECT ledger_id, village, demo, opened_on, scheme_version, scheme FROM p_ledger WHERE one = 1") {
            // The latest version is also in p_schemes, decoded there once per transaction; decode it only once.
            let scheme = try schemes().last?.scheme ?? JSONDecoder().decode(Scheme.self, from: Data((row["scheme"] as String).utf8))
            info = LedgerInfo(ledgerId: row["ledger_id"], village: row["village"], demo: row["demo"],
                              openedOn: LocalDate(row["opened_on"] as String)!, schemeVersion: row["scheme_version"],
                              scheme: scheme)
        }
        cachedInfo = .some(info)
        return info
    }

    public func unit(_ code: UnitCode) throws -> UnitRecord? {
        try row("SELECT * FROM p_units WHERE code = ?", arguments: [code.rawValue]).map(Self.unit)
    }

    public func household(_ code: HouseholdCode) throws -> HouseholdAccount? {
        if let pending = pendingHouseholds[code] { return pending }
        return try row("SELECT \(Self.householdColumns) FROM p_households WHERE code = ?", arguments: [code.rawValue]).map(Self.household)
    }

    public func item(_ code: ItemCode) throws -> ItemStock? {
        if let pending = pendingItems[code] { return pending }
        return try row("SELECT \(Self.itemColumns) FROM p_items WHERE code = ?", arguments: [code.rawValue]).map(Self.item)
    }

    public func entry(_ ref: EventRef) throws -> Entry? {
        switch ref {
        case .seq(let seq):
            return try row("SELECT \(Self.entryColumns) FROM events e WHERE seq = ? AND \(Self.isEntry)", arguments: [seq]).map(Self.entry)
        case .id(let id):
            return try row("SELECT \(Self.entryColumns) FROM events e WHERE id = ? AND \(Self.isEntry)", arguments: [id]).map(Self.entry)
        }
    }

    public func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) throws -> Int {
        let key = CapKey(household: household, rule: rule, dates: dates)
        if let known = capCounts[key] { return known }
        // One look-up counts every rule of the household in the period: a month's tally asks for most of them.
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT rule, count(*) FROM events e
            WHERE household = ? AND occurred_on BETWEEN ? AND ? AND type IN ('v1.scoreRecorded', 'v1.scoreProposed')
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq)
            GROUP BY rule
            """), arguments: [household.rawValue, dates.lowerBound.description, dates.upperBound.description])
        capCounts[key] = 0
        for row in rows {
            capCounts[CapKey(household: household, rule: RuleCode(rawValue: row[0]), dates: dates)] = row[1]
        }
        capPeriodsLoaded.insert(HouseholdPeriod(household: household, dates: dates))
        return capCounts[key]!
    }

    struct HouseholdPeriod: Hashable {
        let household: HouseholdCode
        let dates: ClosedRange<LocalDate>
    }

    /// A cap count looked up in this transaction, kept up to date as scores and reversals are appended.
    struct CapKey: Hashable {
        let household: HouseholdCode
        let rule: RuleCode
        let dates: ClosedRange<LocalDate>
    }

    /// Keeps the cap counts of this transaction right after an append: a score counts in every period that
    /// holds its date, a reversed score no longer does.
    private func countTowardsCaps(_ event: LedgerEvent, facts: EventFacts, on date: LocalDate) throws {
        guard !capCounts.isEmpty, let household = facts.household, let rule = facts.rule else { return }
        let change: Int, day: LocalDate
        switch event {
        case .scoreRecorded, .scoreProposed:
            change = 1
            day = date
        case .entryReversed, .scoreRejected, .objectionUpheld, .scoreAmended:
            guard let target = try entry(.seq(event.undoes!)), target.kind == .score else { return }
            change = -1
            day = target.occurredOn
        default:
            return
        }
        for period in CapPeriod.allCases {
            let dates = period.bounds(of: day)
            let key = CapKey(household: household, rule: rule, dates: dates)
            if let count = capCounts[key] {
                capCounts[key] = count + change
            } else if capPeriodsLoaded.contains(HouseholdPeriod(household: household, dates: dates)) {
                // The period was counted and this rule had no score in it yet.
                capCounts[key] = change
            }
        }
    }

    public func sheet(_ sha256: String) throws -> Int64? {
        try value(Int64.self, "SELECT seq FROM p_sheets WHERE sha256 = ?", arguments: [sha256])
    }

    public func codes(of kind: CodeKind) throws -> [String] {
        try flush()
        switch kind {
        case .unit: return try strings("SELECT code FROM p_units ORDER BY code")
        case .household: return try strings("SELECT code FROM p_households ORDER BY code")
        case .item: return try strings("SELECT code FROM p_items ORDER BY code")
        }
    }

    public func lowestAvailable(household: HouseholdCode, from date: LocalDate) throws -> Int {
        let now = try self.household(household)?.available ?? 0
        // The household's whole history (a few hundred rows a year, by its index), each entry from the day it counts:
        // the same rule as the core's fold (`availabilityChanges`).
        let mine = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT seq, type, occurred_on, earned - deducted - redeemed, reverses FROM events WHERE household = ? ORDER BY seq
            """), arguments: [household.rawValue]).map { row in
            AvailabilityEntry(seq: row[0], type: row[1], date: LocalDate(row[2] as String)!, delta: row[3], reverses: row[4])
        }
        let notFinal = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT seq FROM p_reviews WHERE household = ?"),
                                              arguments: [household.rawValue]))
        let notices = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT n.date_from, n.date_to, n.closed_on, c.seq FROM p_notices n
            JOIN events c ON c.stream = 'notice:' || n.period AND c.type = 'v1.noticeClosed'
            WHERE n.closed_on IS NOT NULL
            """)).map { row in
            ClosedNotice(dates: LocalDate(row[0] as String)!...LocalDate(row[1] as String)!, closedOn: LocalDate(row[2] as String)!,
                         closedSeq: row[3])
        }
        let rolesSince = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT min(seq) FROM events WHERE stream >= 'actor:' AND stream < 'actor;' AND type = 'v1.actorRegistered'
            """))
        let changes = availabilityChanges(mine, notFinal: notFinal, notices: notices, rolesSince: rolesSince)
        return lowestTotal(now: now, changesAfter: changes.filter { $0.date > date })
    }

    public func lowestStock(item: ItemCode, from date: LocalDate) throws -> Int {
        let now = try self.item(item)?.stock ?? 0
        return lowestTotal(now: now, changesAfter: try changes(
            "SELECT occurred_on, sum(stock) FROM events WHERE item = ? AND occurred_on > ? GROUP BY occurred_on", item.rawValue, after: date))
    }

    private func changes(_ sql: String, _ code: String, after date: LocalDate) throws -> [(date: LocalDate, amount: Int)] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [code, date.description]).map { row in
            (date: LocalDate(row[0] as String)!, amount: row[1] as Int)
        }
    }

    public func lastSeq() throws -> Int64 {
        try headOfLog().seq
    }

    public func hasActors() throws -> Bool {
        if let cachedHasActors { return cachedHasActors }
        let has = try value(Int.self, "SELECT EXISTS (SELECT 1 FROM p_actors)") == 1
        cachedHasActors = has
        return has
    }

    public func actor(_ name: ActorName) throws -> ActorRecord? {
        if let known = cachedActors[name] { return known }
        let actor = try row("SELECT \(Self.actorColumns) FROM p_actors WHERE name = ?", arguments: [name.rawValue]).map(Self.actor)
        cachedActors[name] = .some(actor)
        return actor
    }

    public func actors() throws -> [ActorRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.actorColumns) FROM p_actors ORDER BY name")).map(Self.actor)
    }

    public func notices() throws -> [NoticeRecord] {
        if let cachedNotices { return cachedNotices }
        let notices = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT period, date_from, date_to, opened_on, closes_on, closed_on FROM p_notices ORDER BY date_from, date_to
            """)).map(Self.notice)
        cachedNotices = notices
        return notices
    }

    public func notice(covering date: LocalDate) throws -> NoticeRecord? {
        try notices().last { $0.dates.contains(date) }
    }

    public func review(_ seq: Int64) throws -> ScoreReview? {
        try row("SELECT \(Self.reviewColumns) FROM p_reviews WHERE seq = ?", arguments: [seq]).map(Self.review)
    }

    public func reviews(in dates: ClosedRange<LocalDate>) throws -> [ScoreReview] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.reviewColumns) FROM p_reviews WHERE occurred_on BETWEEN ? AND ? ORDER BY seq"),
                         arguments: [dates.lowerBound.description, dates.upperBound.description]).map(Self.review)
    }

    /// Every score not yet final, oldest first.
    public func allReviews() throws -> [ScoreReview] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.reviewColumns) FROM p_reviews ORDER BY seq")).map(Self.review)
    }

    public func request(_ seq: Int64) throws -> ReversalRequest? {
        try row("SELECT \(Self.requestColumns) FROM p_requests WHERE seq = ?", arguments: [seq]).map(Self.request)
    }

    public func request(target: Int64) throws -> ReversalRequest? {
        try row("SELECT \(Self.requestColumns) FROM p_requests WHERE target = ?", arguments: [target]).map(Self.request)
    }

    /// Every reversal asked for and not yet decided, oldest first.
    public func requests() throws -> [ReversalRequest] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.requestColumns) FROM p_requests ORDER BY seq")).map(Self.request)
    }

    public func score(_ seq: Int64) throws -> ScoreRecorded? {
        guard let row = try row("SELECT type, payload FROM events WHERE seq = ? AND type IN ('v1.scoreRecorded', 'v1.scoreProposed')",
                                arguments: [seq]) else { return nil }
        switch try EventCodec.event(type: row[0], payload: row[1]) {
        case .scoreRecorded(let e), .scoreProposed(let e): return e
        default: return nil
        }
    }

    public func schemes() throws -> [SchemeVersion] {
        if let cachedSchemes { return cachedSchemes }
        let versions = try Row.fetchAll(db.cachedStatement(sql: "SELECT version, effective, scheme FROM p_schemes ORDER BY version")).map { row in
            SchemeVersion(version: row[0], effective: LocalDate(row[1] as String)!,
                          scheme: try EventCodec.decoder.decode(Scheme.self, from: Data((row[2] as String).utf8)))
        }
        cachedSchemes = versions
        return versions
    }

    public func settlement(year: Int) throws -> SettlementRecord? {
        if let known = cachedSettlements[year] { return known }
        let settlement = try row("SELECT year, settled_on, scheme_version, expired FROM p_settlements WHERE year = ?", arguments: [year]).map {
            SettlementRecord(year: $0[0], settledOn: LocalDate($0[1] as String)!, schemeVersion: $0[2], expired: $0[3])
        }
        cachedSettlements[year] = .some(settlement)
        return settlement
    }

    public func blacklisted(_ household: HouseholdCode, on date: LocalDate) throws -> LocalDate? {
        try value(String.self, """
            SELECT max(r.black_until) FROM p_ratings r JOIN p_settlements s ON s.year = r.year
            WHERE r.household = ? AND r.black_until IS NOT NULL AND s.settled_on <= ? AND r.black_until > ?
            """, arguments: [household.rawValue, date.description, date.description]).flatMap { LocalDate($0) }
    }

    public func yearFigures(in dates: ClosedRange<LocalDate>) throws -> [HouseholdCode: YearFigures] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT household,
                   sum(CASE WHEN s THEN earned ELSE 0 END), sum(CASE WHEN s THEN deducted ELSE 0 END),
                   max(CASE WHEN s THEN deducted ELSE 0 END), sum(CASE WHEN type IN ('v1.redeemed', 'v1.entryReversed') THEN redeemed ELSE 0 END)
            FROM (SELECT e.household, e.type, e.earned, e.deducted, e.redeemed,
                         e.type IN ('v1.scoreRecorded', 'v1.scoreProposed')
                         AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq)
                         AND NOT EXISTS (SELECT 1 FROM p_reviews v WHERE v.seq = e.seq) AS s
                  FROM events e WHERE e.household IS NOT NULL AND e.occurred_on BETWEEN ? AND ?)
            GROUP BY household
            """, arguments: [dates.lowerBound.description, dates.upperBound.description])
        var figures: [HouseholdCode: YearFigures] = [:]
        for row in rows {
            let code = HouseholdCode(rawValue: row[0])
            figures[code] = YearFigures(household: code, earned: row[1], deducted: row[2], largestDeduction: row[3], redeemed: row[4])
        }
        return figures
    }

    public func allHouseholds() throws -> [HouseholdAccount] { try households() }

    /// Every settled year, oldest first.
    public func settlements() throws -> [SettlementRecord] {
        try Row.fetchAll(db, sql: "SELECT year, settled_on, scheme_version, expired FROM p_settlements ORDER BY year").map {
            SettlementRecord(year: $0[0], settledOn: LocalDate($0[1] as String)!, schemeVersion: $0[2], expired: $0[3])
        }
    }

    /// The ratings of a settled year, by household.
    public func ratings(year: Int) throws -> [HouseholdRating] {
        try Row.fetchAll(db, sql: "SELECT household, points, stars, red, black_until FROM p_ratings WHERE year = ? ORDER BY household",
                         arguments: [year]).map {
            HouseholdRating(household: HouseholdCode(rawValue: $0[0]), points: $0[1], stars: $0[2], red: $0[3],
                            blackUntil: ($0[4] as String?).flatMap { LocalDate($0) })
        }
    }

    // MARK: Appending

    /// The last event's sequence number and hash (0 and the genesis hash for an empty log).
    public func headOfLog() throws -> (seq: Int64, hash: Data) {
        if let head { return head }
        let row = try row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        let value = row.map { (seq: $0[0] as Int64, hash: $0[1] as Data) } ?? (seq: 0, hash: Chain.genesis)
        head = value
        return value
    }

    /// The current version of a stream (0 when it has no events).
    public func version(of stream: String) throws -> Int64 {
        if let known = versions[stream] { return known }
        return try value(Int64.self, "SELECT max(stream_version) FROM events WHERE stream = ?", arguments: [stream]) ?? 0
    }

    /// The event recorded under an idempotency key, if any.
    public func recorded(key: String) throws -> RecordedEvent? {
        try row("SELECT * FROM events WHERE idempotency_key = ?", arguments: [key]).map(Self.recordedEvent)
    }

    /// Appends one event at the head of the chain, with its facts, and folds it into the projections.
    /// With `expectedVersion`, refuses when the stream has moved on since the caller read it.
    @discardableResult
    public func append(_ event: LedgerEvent, meta: EventMeta, expectedVersion: Int64? = nil) throws -> RecordedEvent {
        let (lastSeq, lastHash) = try headOfLog()
        let stream = event.stream
        let version = try version(of: stream)
        if let expectedVersion, expectedVersion != version {
            throw StoreError.streamVersionConflict(stream: stream, expected: expectedVersion, actual: version)
        }
        // The version of the scheme in force on the event's business date (0 before the first).
        let schemeVersion = try schemes().inForce(on: meta.occurredOn)?.version ?? 0
        let facts = try JifenCore.facts(of: event, state: self)
        let fields = Chain.Fields(seq: lastSeq + 1, id: meta.id, stream: stream, streamVersion: version + 1, type: event.typeName,
                                  occurredOn: meta.occurredOn.description, recordedAt: meta.recordedAt,
                                  actor: meta.actor.rawValue, schemeVersion: schemeVersion, key: meta.key,
                                  household: facts.household?.rawValue, item: facts.item?.rawValue, rule: facts.rule?.rawValue,
                                  earned: facts.earned, deducted: facts.deducted, redeemed: facts.redeemed, stock: facts.stock,
                                  reverses: facts.reverses, payload: try EventCodec.payload(of: event))
        let hash = Chain.hash(previous: lastHash, fields: fields)
        try insert(fields, previous: lastHash, hash: hash)
        head = (fields.seq, hash)
        versions[stream] = fields.streamVersion
        try countTowardsCaps(event, facts: facts, on: meta.occurredOn)
        let recorded = RecordedEvent(seq: fields.seq, id: fields.id, stream: stream, streamVersion: fields.streamVersion,
                                     occurredOn: meta.occurredOn, recordedAt: meta.recordedAt, actor: meta.actor,
                                     schemeVersion: schemeVersion, key: meta.key, event: event, facts: facts)
        try applyProjection(of: recorded)
        return recorded
    }

    /// Folds an event into the projection tables with the core's `project`.
    func applyProjection(of recorded: RecordedEvent) throws {
        try write(try project(recorded, state: self))
    }

    /// Writes projection changes to their tables.
    func write(_ changes: [ProjectionChange]) throws {
        for change in changes {
            switch change {
            case .ledger(let info):
                let scheme = String(decoding: try EventCodec.encoder.encode(info.scheme), as: UTF8.self)
                try run("""
                    INSERT OR REPLACE INTO p_ledger (one, ledger_id, village, demo, opened_on, scheme_version, scheme)
                    VALUES (1, ?, ?, ?, ?, ?, ?)
                    """, arguments: [info.ledgerId, info.village, info.demo, info.openedOn.description, info.schemeVersion, scheme])
                cachedInfo = .some(info)
            case .unit(let unit):
                try run("INSERT OR REPLACE INTO p_units (code, name, leader) VALUES (?, ?, ?)",
                        arguments: [unit.code.rawValue, unit.name, unit.leader?.rawValue])
            case .household(let account):
                pendingHouseholds[account.code] = account
            case .item(let item):
                pendingItems[item.code] = item
            case .entry, .reversed:
                // Entries are the event rows themselves; a reversal is found by its stream.
                break
            case .sheet(let sha256, let seq):
                try run("INSERT INTO p_sheets (sha256, seq) VALUES (?, ?)", arguments: [sha256, seq])
            case .actor(let a):
                try run("INSERT OR REPLACE INTO p_actors (name, roles, unit, status, registered_on, retired_on) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [a.name.rawValue, a.roles.map(\.rawValue).joined(separator: ","), a.unit?.rawValue, a.status.rawValue,
                                    a.registeredOn.description, a.retiredOn?.description])
                cachedHasActors = true
                cachedActors[a.name] = nil
            case .notice(let n):
                try run("""
                    INSERT OR REPLACE INTO p_notices (period, date_from, date_to, opened_on, closes_on, closed_on) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [n.period, n.from.description, n.to.description, n.openedOn.description, n.closesOn.description,
                                     n.closedOn?.description])
                cachedNotices = nil
            case .review(let r):
                try run("""
                    INSERT OR REPLACE INTO p_reviews (seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [r.seq, r.household.rawValue, r.rule.rawValue, r.occurredOn.description, r.points, r.state.rawValue,
                                     r.recordedBy.rawValue, r.objection, r.objectedBy?.rawValue])
            case .reviewEnded(let seq):
                try run("DELETE FROM p_reviews WHERE seq = ?", arguments: [seq])
            case .request(let r):
                try run("INSERT INTO p_requests (seq, target, requested_by, reason, requested_on) VALUES (?, ?, ?, ?, ?)",
                        arguments: [r.seq, r.target, r.requestedBy.rawValue, r.reason, r.requestedOn.description])
            case .requestEnded(let seq):
                try run("DELETE FROM p_requests WHERE seq = ?", arguments: [seq])
            case .score:
                // The score is its event row.
                break
            case .scheme(let v):
                let scheme = String(decoding: try EventCodec.encoder.encode(v.scheme), as: UTF8.self)
                try run("INSERT OR REPLACE INTO p_schemes (version, effective, scheme) VALUES (?, ?, ?)",
                        arguments: [v.version, v.effective.description, scheme])
                cachedSchemes = nil
            case .settlement(let r):
                try run("INSERT INTO p_settlements (year, settled_on, scheme_version, expired) VALUES (?, ?, ?, ?)",
                        arguments: [r.year, r.settledOn.description, r.schemeVersion, r.expired])
                cachedSettlements[r.year] = nil
            case .rating(let r):
                try run("INSERT INTO p_ratings (year, household, points, stars, red, black_until) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [r.year, r.household.rawValue, r.rating.points, r.rating.stars, r.rating.red,
                                    r.rating.blackUntil?.description])
            }
        }
    }

    /// Writes the households and items changed in this transaction to their tables.
    public func flush() throws {
        for a in pendingHouseholds.values.sorted(by: { $0.code.rawValue < $1.code.rawValue }) {
            try run("""
                INSERT OR REPLACE INTO p_households
                    (code, head, unit, members, status, registered_on, closed_on, earned, deducted, redeemed, pending, proposed,
                     expired, moved)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [a.code.rawValue, a.head, a.unit.rawValue, a.members, a.status.rawValue,
                                 a.registeredOn.description, a.closedOn?.description, a.earned, a.deducted, a.redeemed,
                                 a.pending, a.proposed, a.expired, a.moved])
        }
        for item in pendingItems.values.sorted(by: { $0.code.rawValue < $1.code.rawValue }) {
            try run("INSERT OR REPLACE INTO p_items (code, name, unit, price, stock) VALUES (?, ?, ?, ?, ?)",
                    arguments: [item.code.rawValue, item.name, item.unit, item.price, item.stock])
        }
        pendingHouseholds = [:]
        pendingItems = [:]
    }

    // MARK: Row mapping

    static func unit(_ row: Row) -> UnitRecord {
        UnitRecord(code: UnitCode(rawValue: row["code"]), name: row["name"], leader: (row["leader"] as String?).map { HouseholdCode(rawValue: $0) })
    }

    // Rows are read by position (the column lists below), which is much faster than by name.
    static let householdColumns = """
        code, head, unit, members, status, registered_on, closed_on, earned, deducted, redeemed, pending, proposed, expired, moved
        """

    static func household(_ row: Row) -> HouseholdAccount {
        HouseholdAccount(code: HouseholdCode(rawValue: row[0]), head: row[1], unit: UnitCode(rawValue: row[2]), members: row[3],
                         status: HouseholdStatus(rawValue: row[4]) ?? .open, registeredOn: LocalDate(row[5] as String)!,
                         closedOn: (row[6] as String?).flatMap { LocalDate($0) }, earned: row[7], deducted: row[8], redeemed: row[9],
                         pending: row[10], proposed: row[11], expired: row[12], moved: row[13])
    }

    static let actorColumns = "name, roles, unit, status, registered_on, retired_on"

    static func actor(_ row: Row) -> ActorRecord {
        ActorRecord(name: ActorName(rawValue: row[0]), roles: (row[1] as String).split(separator: ",").compactMap { Role(rawValue: String($0)) },
                    unit: (row[2] as String?).map { UnitCode(rawValue: $0) }, status: ActorStatus(rawValue: row[3]) ?? .active,
                    registeredOn: LocalDate(row[4] as String)!, retiredOn: (row[5] as String?).flatMap { LocalDate($0) })
    }

    static func notice(_ row: Row) -> NoticeRecord {
        NoticeRecord(period: row[0], from: LocalDate(row[1] as String)!, to: LocalDate(row[2] as String)!,
                     openedOn: LocalDate(row[3] as String)!, closesOn: LocalDate(row[4] as String)!,
                     closedOn: (row[5] as String?).flatMap { LocalDate($0) })
    }

    static let reviewColumns = "seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by"

    static func review(_ row: Row) -> ScoreReview {
        ScoreReview(seq: row[0], household: HouseholdCode(rawValue: row[1]), rule: RuleCode(rawValue: row[2]),
                    occurredOn: LocalDate(row[3] as String)!, points: row[4], state: ReviewState(rawValue: row[5]) ?? .pending,
                    recordedBy: ActorName(rawValue: row[6]), objection: row[7], objectedBy: (row[8] as String?).map { ActorName(rawValue: $0) })
    }

    static let requestColumns = "seq, target, requested_by, reason, requested_on"

    static func request(_ row: Row) -> ReversalRequest {
        ReversalRequest(seq: row[0], target: row[1], requestedBy: ActorName(rawValue: row[2]), reason: row[3],
                        requestedOn: LocalDate(row[4] as String)!)
    }

    static let itemColumns = "code, name, unit, price, stock"

    static func item(_ row: Row) -> ItemStock {
        ItemStock(code: ItemCode(rawValue: row[0]), name: row[1], unit: row[2], price: row[3], stock: row[4])
    }

    /// An entry read from its event row (alias `e`), with the reversal that undid it, if any.
    static let entryColumns = """
        e.seq, e.id, e.type, e.household, e.rule, e.item, e.stock, e.earned, e.deducted, e.redeemed, e.occurred_on, e.reverses,
        (SELECT r.seq FROM events r WHERE r.stream = 'reversal:' || e.seq) AS reversed_by
        """

    /// The stored type names of entries of points and stock, as an SQL list: `type IN \(entryTypeList)`.
    static let entryTypeList = "('" + entryKinds.keys.sorted().joined(separator: "', '") + "')"
    static let isEntry = "e.type IN \(entryTypeList)"
    static let entryTypes = "type IN \(entryTypeList)"

    static let entryKinds: [String: EntryKind] = [
        "v1.scoreRecorded": .score, "v1.scoreProposed": .score, "v1.redeemed": .redemption, "v1.stockReceived": .stock,
        "v1.entryReversed": .reversal, "v1.scoreRejected": .reversal, "v1.objectionUpheld": .reversal, "v1.scoreAmended": .reversal,
        "v1.pointsExpired": .expiry, "v1.pointsSent": .transfer, "v1.pointsReceived": .transfer,
    ]

    static func entry(_ row: Row) -> Entry {
        Entry(seq: row[0], id: row[1], type: row[2], kind: entryKinds[row[2] as String] ?? .score,
              household: (row[3] as String?).map { HouseholdCode(rawValue: $0) }, rule: (row[4] as String?).map { RuleCode(rawValue: $0) },
              item: (row[5] as String?).map { ItemCode(rawValue: $0) }, quantity: row[6], earned: row[7], deducted: row[8],
              redeemed: row[9], occurredOn: LocalDate(row[10] as String)!, reverses: row[11], reversedBy: row[12])
    }

    /// An event from a `SELECT * FROM events` row, read by position (the table's column order, migration 0001).
    static func recordedEvent(_ row: Row) throws -> RecordedEvent {
        let seq: Int64 = row[0]
        guard let occurredOn = LocalDate(row[5] as String) else {
            throw ProjectionError(seq: seq, problem: "its date is not a date")
        }
        let event = try EventCodec.event(type: row[4], payload: row[18])
        let facts = EventFacts(household: (row[10] as String?).map { HouseholdCode(rawValue: $0) },
                               item: (row[11] as String?).map { ItemCode(rawValue: $0) },
                               rule: (row[12] as String?).map { RuleCode(rawValue: $0) },
                               earned: row[13], deducted: row[14], redeemed: row[15], stock: row[16], reverses: row[17])
        return RecordedEvent(seq: seq, id: row[1], stream: row[2], streamVersion: row[3], occurredOn: occurredOn,
                             recordedAt: row[6], actor: ActorName(rawValue: row[7]), schemeVersion: row[8], key: row[9],
                             event: event, facts: facts)
    }
}
