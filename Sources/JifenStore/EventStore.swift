import Foundation
import GRDB
import GRDBSQLite
import JifenCore
import Tagged

/// What went wrong in the store, in words a clerk can act on.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case noLedger(path: String)
    case notALedger(path: String, detail: NotALedger)
    case streamVersionConflict(stream: String, expected: Int64, actual: Int64)
    /// The file holds what jifen never writes: a column's value `found` where it must be something else.
    case damaged(column: String, found: String)
    /// The file failed the structural check made before a write (or SQLite's own check): `what` names the part.
    case failedCheck(what: String)
    /// The file (or its folder) may not be written here.
    case readOnly
    /// Another writer held the ledger longer than the busy timeout (30 seconds).
    case busy
    /// The disk is full: nothing was written.
    case diskFull
    /// SQLite found the file damaged (or not a database at all), in its own words.
    case corrupt(message: String)
    /// Any other failure of SQLite, in its own words.
    case unusable(message: String)

    /// What a failure met while reading or writing the file means, when it is the store's: a `StoreError` as it is,
    /// SQLite's error said as what the clerk can do about it, and stored JSON or a row that does not decode as damage
    /// (only what jifen stored is decoded). Nil for anything else (a refusal, a mistake of the caller's).
    public init?(reading error: any Error) {
        switch error {
        case let error as StoreError:
            self = error
        case let error as DatabaseError:
            let message = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_READONLY: self = .readOnly
            case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy
            case .SQLITE_FULL: self = .diskFull
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: self = .corrupt(message: error.message ?? "corrupt")
            default: self = .unusable(message: message)
            }
        case is DecodingError:
            self = .damaged(column: "JSON", found: "\(error)".prefix(60).description)
        case is RowDecodingError:
            self = .damaged(column: "a row", found: "\(error)".prefix(60).description)
        default:
            return nil
        }
    }

    /// Damage is exit 2, like a ledger that fails verification; every other store error is exit 1.
    public var isDamage: Bool {
        switch self {
        case .damaged, .failedCheck, .corrupt: return true
        case .noLedger, .notALedger, .streamVersionConflict, .readOnly, .busy, .diskFull, .unusable: return false
        }
    }

    public var description: String {
        switch self {
        case .failedCheck(let what):
            return "The ledger file is damaged (\(what)), so nothing was written; keep the file as it is, run `jifen verify` to see what is damaged, and restore the last backup."
        case .damaged(let column, let found):
            return "The ledger file is damaged: \(column) holds \(found), which jifen never writes; keep the file as it is, run `jifen verify` to see what else is damaged, and restore the last backup."
        case .noLedger(let path):
            return "There is no ledger at \(path); create one with `jifen init --village NAME`, or point --ledger (or JIFEN_LEDGER) at your ledger file."
        case .notALedger(let path, let detail):
            return "\(path) is not a Jifen ledger (\(detail.english)); point --ledger at a file made by `jifen init`."
        case .streamVersionConflict(let stream, let expected, let actual):
            return "Someone else wrote to \(stream) at the same time (expected version \(expected), found \(actual)); run the command again."
        case .readOnly:
            return "The ledger file (or its folder) cannot be written here; reading and `jifen verify` still work, and entries are made on the village office's own copy."
        case .busy:
            return "The ledger is busy: another jifen has been writing to it for 30 seconds; try again in a moment."
        case .diskFull:
            return "The disk is full, so nothing was written; free some space and run the command again."
        case .corrupt(let message):
            return "The ledger file is damaged (SQLite: \(message)); keep it as it is and restore the last backup."
        case .unusable(let message):
            return "The ledger file could not be used (SQLite: \(message)); check the file and run the command again."
        }
    }

    /// The same, in Chinese, for the clerks.
    public var chinese: String {
        switch self {
        case .failedCheck(let what):
            return "账本文件已损坏（\(what)），这次什么也没有写入；请原样保留这个文件，运行 `jifen verify` 查看损坏之处，并恢复最近的备份。"
        case .damaged(let column, let found):
            return "账本文件已损坏：\(column) 存的是 \(found)，这不是 jifen 会写入的内容；请原样保留这个文件，运行 `jifen verify` 查看还有哪些损坏，并恢复最近的备份。"
        case .noLedger(let path):
            return "\(path) 没有账本；请用 `jifen init --village 村名 --admin 姓名` 建账，或用 --ledger（或 JIFEN_LEDGER）指向已有的账本文件。"
        case .notALedger(let path, let detail):
            return "\(path) 不是积分账本（\(detail.chinese)）；请用 --ledger 指向 `jifen init` 建的文件。"
        case .streamVersionConflict(let stream, let expected, let actual):
            return "有人同时在写 \(stream)（应为第 \(expected) 版，实为第 \(actual) 版）；请再运行一次。"
        case .readOnly:
            return "这里不能写入账本文件（或它所在的文件夹）；查询和 `jifen verify` 照常可用，记账请在村委会自己的那份账本上进行。"
        case .busy:
            return "账本正忙：另一个 jifen 已经写了 30 秒；请稍后再试。"
        case .diskFull:
            return "磁盘已满，什么也没有写入；请腾出空间后再运行一次。"
        case .corrupt(let message):
            return "账本文件已损坏（SQLite：\(message)）；请原样保留这个文件，并恢复最近的备份。"
        case .unusable(let message):
            return "账本文件无法使用（SQLite：\(message)）；请检查文件后再运行一次。"
        }
    }
}

/// Why a file is not a ledger.
public enum NotALedger: Sendable, Equatable {
    case empty, otherTables, anotherApplication, notSQLite

    var english: String {
        switch self {
        case .empty: "it is empty"
        case .otherTables: "it holds other tables"
        case .anotherApplication: "it belongs to another application"
        case .notSQLite: "it is not an SQLite database"
        }
    }

    var chinese: String {
        switch self {
        case .empty: "这是一个空文件"
        case .otherTables: "里面是别的数据表"
        case .anotherApplication: "它属于别的程序"
        case .notSQLite: "它不是 SQLite 数据库"
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
public final class EventStore: LedgerStore {
    /// 'JFEN': marks the file as a Jifen ledger (`PRAGMA application_id`).
    public static let applicationId: Int32 = 0x4A46_454E
    public let path: String
    /// How the file stores its log (the chain is the same in both).
    public let format: LogFormat
    let queue: DatabaseQueue
    /// What the last write transaction held in memory, for the next (`write`).
    let memory = CarriedMemory()

    /// Opens a ledger file. With `create`, a missing file is made; without it, a missing file is an error,
    /// so that a mistyped path never leaves an empty ledger behind. With `readOnly`, nothing is written to the
    /// file at all (an auditor's copy, a write-protected file): reads and `verify` only.
    ///
    /// Opening for writing makes the structural check (`checkStructure`: the schema, the small projection tables and the
    /// log's head, so its cost does not grow with the ledger). `refolding` (`rebuild`, which folds the projections
    /// afresh from the log) leaves the projection tables out of it: damaged projections never stand in the way of their
    /// own repair.
    ///
    /// A new ledger is made in `format` (stored format 2, the compact one, unless told otherwise); an existing one keeps
    /// the format it was made in (`format` then says which it is).
    public init(path: String, create: Bool, readOnly: Bool = false, refolding: Bool = false, format: LogFormat = .compact) throws {
        _ = EventStore.sqliteConfigured
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) { throw StoreError.noLedger(path: path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.readonly = readOnly
        // The write-ahead log is switched on only once the file is known to be a ledger (or a new one): a file that is
        // not one is never written to, not even its header.
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
            let opened = try EventStore.openQueue(path: path, configuration: configuration)
            let (upToDate, marked, found) = try opened.read { db -> (Bool, Bool, LogFormat) in
                let applicationId = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                let found = tables == 0 ? format : try LogFormat.of(db)
                let hasEvents = try db.tableExists(found.table)
                if applicationId != 0 && applicationId != EventStore.applicationId {
                    throw StoreError.notALedger(path: path, detail: .anotherApplication)
                }
                if applicationId == EventStore.applicationId && !hasEvents {
                    // Marked as a ledger, yet its log is gone: damage, never a new ledger.
                    throw StoreError.damaged(column: "events", found: "no table")
                }
                if !hasEvents && tables > 0 { throw StoreError.notALedger(path: path, detail: .otherTables) }
                if !hasEvents && !create { throw StoreError.notALedger(path: path, detail: .empty) }
                return (try EventStore.migrator(found).hasCompletedMigrations(db), applicationId == EventStore.applicationId, found)
            }
            self.format = found
            let missing = readOnly && !upToDate ? try opened.read { db in
                try Set(EventStore.migrator(found).migrations).subtracting(EventStore.migrator(found).appliedIdentifiers(db))
            } : []
            if readOnly && !missing.isEmpty && missing.isSubset(of: EventStore.standIns.keys) {
                // A ledger written before passwords, cards or the reviews' spelled-out states: read as it is, with the
                // tables it lacks standing empty for this connection only (TEMP, never in the file) — a copy into memory
                // would take as much memory as the file.
                for migration in missing.sorted() {
                    guard let sql = EventStore.standIns[migration], !sql.isEmpty else { continue }
                    try opened.inDatabase { db in try db.execute(sql: sql) }
                }
                queue = opened
            } else if readOnly && !upToDate {
                // A ledger written by an earlier jifen lacks the newer projection tables. A read never writes to the
                // file: the ledger is copied into memory and brought up to date there (its events are not touched).
                let memory = try EventStore.inMemory(copyOf: opened, configuration: configuration)
                try EventStore.migrator(found).migrate(memory)
                queue = memory
            } else {
                queue = opened
            }
            if !readOnly {
                try queue.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
                // A ledger already up to date and marked is opened without a write: each of these is a transaction of
                // its own, synced to disk, a few milliseconds of every command.
                if !upToDate { try EventStore.migrator(found).migrate(queue) }
                if !marked {
                    try queue.writeWithoutTransaction { db in
                        try db.execute(sql: "PRAGMA application_id = \(EventStore.applicationId)")
                    }
                }
                if !create { try checkStructure(projections: !refolding) }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notALedger(path: path, detail: .notSQLite)
        }
    }

    /// Opens the connection. A read-only open of a file in a folder we may not write to (an auditor's copy on
    /// a USB stick, a file owned by someone else) cannot make SQLite's WAL index beside it; then, if no
    /// write-ahead log is pending, the file is opened as immutable, which needs no index.
    ///
    /// A reader who is not the file's owner (an auditor, or another account of the office PC, in a shared folder)
    /// would leave SQLite's `-wal` and `-shm` files beside the ledger owned by that reader, and the owner could not
    /// write until they were removed. Such a reader reads a snapshot instead: the file opened immutable (no lock, no
    /// file made) and copied into memory, the copy taken again if the file changed meanwhile. (Root needs none:
    /// SQLite gives the files it makes as root to the ledger's owner.) When a write-ahead log is pending, its
    /// committed events are read through SQLite as usual, with the files that are already there.
    static func openQueue(path: String, configuration: Configuration) throws -> DatabaseQueue {
        guard configuration.readonly else { return try DatabaseQueue(path: path, configuration: configuration) }
        var file = stat()
        if stat(path, &file) == 0, geteuid() != 0, file.st_uid != geteuid(), !walPending(path) {
            return try snapshot(path, configuration: configuration)
        }
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN {
            guard !walPending(path) else { throw error }
            return try DatabaseQueue(path: immutable(path), configuration: configuration)
        }
    }

    static func walPending(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0) > 0
    }

    /// The file's URI for SQLite, opened as a file nothing writes to while it is open.
    static func immutable(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute
        return "file:\(encoded)?immutable=1"
    }

    /// A copy in memory of an open ledger, which may be written (brought up to date) without touching the file.
    static func inMemory(copyOf source: DatabaseQueue, configuration: Configuration) throws -> DatabaseQueue {
        var memoryConfiguration = configuration
        memoryConfiguration.readonly = false
        let memory = try DatabaseQueue(configuration: memoryConfiguration)
        try source.backup(to: memory)
        return memory
    }

    /// The ledger copied into memory from the file opened immutable; copied again (up to three times) if the file's
    /// size or time of change moved while it was copied, so that a write by the owner meanwhile cannot tear it.
    static func snapshot(_ path: String, configuration: Configuration) throws -> DatabaseQueue {
        func stamp() -> [Int] {
            var file = stat()
            guard stat(path, &file) == 0 else { return [] }
            return [Int(file.st_size), Int(file.st_mtim.tv_sec), Int(file.st_mtim.tv_nsec), Int(file.st_ino)]
        }
        for _ in 0..<3 {
            let before = stamp()
            let source = try DatabaseQueue(path: immutable(path), configuration: configuration)
            let memory = try inMemory(copyOf: source, configuration: configuration)
            try source.close()
            if stamp() == before && !walPending(path) { return memory }
        }
        throw DatabaseError(resultCode: .SQLITE_BUSY, message: "the ledger kept changing while it was read")
    }

    /// SQLite set up for this process before its first connection: without its count of memory in use
    /// (`SQLITE_CONFIG_MEMSTATUS` off), which takes a global mutex around every allocation and free SQLite makes — and
    /// Debian's SQLite, built without lookaside memory, allocates for nearly every value of every statement: 13% of a
    /// batched import's instructions went to `sqlite3Malloc` and `sqlite3_free`. Nothing of jifen's reads the count.
    /// (`sqlite3_config` is variadic, which Swift does not call: it is called through its address with its one integer
    /// argument, as the C calling convention of Linux's platforms passes it. It only takes effect before SQLite is
    /// first used; otherwise it changes nothing.)
    static let sqliteConfigured: Bool = {
        #if os(Linux)
        typealias ConfigureInt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "sqlite3_config") else { return false }
        return unsafeBitCast(symbol, to: ConfigureInt.self)(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK
        #else
        return false
        #endif
    }()

    /// The migration that brought passwords (schema/0004_credentials.sql).
    static let credentialsMigration = "0004_credentials"

    /// What a read of a ledger from before passwords finds in their place, for one connection and never in the file:
    /// the two tables, empty, and the people's table with no one's password (`password_since` NULL).
    static let credentialsStandIn = """
        CREATE TEMP TABLE credentials (actor TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL, set_at TEXT NOT NULL, set_seq INTEGER NOT NULL);
        CREATE TEMP TABLE login_failures (actor TEXT NOT NULL, failed_at REAL NOT NULL);
        CREATE TEMP VIEW p_actors AS SELECT *, NULL AS password_since FROM main.p_actors;
        """

    /// The migration that brought households' cards (schema/0005_household_cards.sql).
    static let cardsMigration = "0005_household_cards"

    /// What a read of a ledger from before cards finds in their place: the table, empty, for one connection.
    static let cardsStandIn = """
        CREATE TEMP TABLE household_cards (household TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL, issued_at TEXT NOT NULL, issued_by TEXT NOT NULL);
        """

    /// The migration that spelled out the reviews' states (schema/0006_review_states.sql).
    static let reviewStatesMigration = "0006_review_states"

    /// The migrations a read may find missing and stand in for: they add tables beside the log, or change only how a
    /// projection's rows are checked as they are written (a read of the table as it is finds the same rows).
    static let standIns = [credentialsMigration: credentialsStandIn, cardsMigration: cardsStandIn, reviewStatesMigration: ""]

    /// The migrations of a ledger of `format`: its own first one (the log), then those every ledger has.
    static func migrator(_ format: LogFormat) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        switch format {
        case .wide: migrator.registerMigration("0001_event_log") { db in try db.execute(sql: SchemaSQL.m0001EventLog) }
        case .compact: migrator.registerMigration("0001_compact_log") { db in try db.execute(sql: SchemaSQL.m0001CompactLog) }
        }
        migrator.registerMigration("0002_projections") { db in try db.execute(sql: SchemaSQL.m0002Projections) }
        migrator.registerMigration("0003_governance") { db in try db.execute(sql: SchemaSQL.m0003Governance) }
        migrator.registerMigration(credentialsMigration) { db in try db.execute(sql: SchemaSQL.m0004Credentials) }
        migrator.registerMigration(cardsMigration) { db in try db.execute(sql: SchemaSQL.m0005HouseholdCards) }
        migrator.registerMigration(reviewStatesMigration) { db in try db.execute(sql: SchemaSQL.m0006ReviewStates) }
        return migrator
    }

    /// Runs `body` in one IMMEDIATE transaction: all its appends land together or not at all.
    /// Throwing from `body` rolls everything back.
    ///
    /// What the transaction read and wrote of the projections (`SessionMemory`) is kept for the next write of this
    /// store, and used by it only if no other connection wrote in between (`PRAGMA data_version`, which SQLite changes
    /// for every commit of another connection) and this one wrote the projections only by appending: a run of transactions
    /// (the generator's months, a county's imports) then reads each household, cap count and the scheme once.
    public func write<T>(_ body: (StoreSession) throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db in
            var result: T?
            let carried = memory.take()
            var kept: (version: Int64, memory: SessionMemory)?
            try db.inTransaction(.immediate) {
                let version = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? -1
                let session = StoreSession(db: db, memory: carried?.version == version ? carried?.memory : nil)
                result = try body(session)
                try session.flush()
                if !session.rewritten {
                    var memory = session.memory
                    memory.forgetPastYears()
                    kept = (version, memory)
                }
                return .commit
            }
            // Committed: our own commit leaves `data_version` as it was.
            memory.put(kept)
            guard let result else { throw StoreError.unusable(message: "the transaction returned nothing") }
            return result
        }
    }

    /// Runs `body` on a consistent snapshot of the ledger.
    ///
    /// On a connection that may write, the snapshot is a transaction that is always rolled back, so nothing a read does
    /// can reach the file, and its session refuses to append or write projections. (GRDB's `read` would switch `PRAGMA
    /// query_only` on and off around it, and SQLite expires every prepared statement of the connection when such a flag
    /// changes: the next write then compiled each of its statements again, the queries through the `events` view most
    /// of all — a quarter of a batched import's instructions, since the facade reads before each write.)
    public func read<T>(_ body: (StoreSession) throws -> T) throws -> T {
        guard !queue.configuration.readonly else { return try queue.read { db in try body(StoreSession(db: db)) } }
        return try queue.inDatabase { db in
            var result: T?
            try db.inTransaction(.deferred) {
                result = try body(StoreSession(db: db, reading: true))
                return .rollback
            }
            guard let result else { throw StoreError.unusable(message: "the read returned nothing") }
            return result
        }
    }

    /// Direct access for maintenance (tests, the tamper drill); never for the facade's callers.
    package func withDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        _ = memory.take()
        return try queue.writeWithoutTransaction(body)
    }
}

/// The memory of the last write transaction, handed from one to the next (`EventStore.write`).
final class CarriedMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: (version: Int64, memory: SessionMemory)?

    func take() -> (version: Int64, memory: SessionMemory)? {
        lock.lock()
        defer { lock.unlock() }
        let value = kept
        kept = nil
        return value
    }

    func put(_ value: (version: Int64, memory: SessionMemory)?) {
        lock.lock()
        defer { lock.unlock() }
        kept = value
    }
}

/// What a write transaction holds of the projections in memory: each value as this transaction last read or wrote it,
/// so that a batch reads each household, cap count, notice list and scheme once and keeps them up to date as it appends.
struct SessionMemory {
    var info: LedgerInfo??
    var head: (seq: Int64, hash: Data)?
    /// Stream versions, counted after their first look-up.
    var versions: [String: Int64] = [:]
    /// Households and items as last read or written (written to their tables at `flush`).
    var households: [HouseholdCode: HouseholdAccount] = [:]
    /// The household table has been checked whole (SQLite's integrity check) since this memory was first read.
    var householdTableChecked = false
    var items: [ItemCode: ItemStock] = [:]
    /// Scores not reversed, by household and year, rule and month: what caps count.
    var capCounts: [StoreSession.HouseholdYear: ScoreTally] = [:]
    var hasActors: Bool?
    /// Whether anyone has a password (`passwordsInForce`), once read.
    var passwordsInForce: Bool?
    var notices: [NoticeRecord]?
    /// The closed notices as availability sees them, and the first person's registration (`lowestAvailable`).
    var closedNotices: [ClosedNotice]?
    var rolesSince: Int64??
    var schemes: [SchemeVersion]?
    var actors: [ActorName: ActorRecord?] = [:]
    var settlements: [Int: SettlementRecord?] = [:]
    /// The rules' texts of `rule_texts` (a compact log) as read, by scheme version and rule; nil when absent or not one
    /// JSON object (which only damage leaves): a text a score's payload may be spelled out with.
    var ruleTexts: [RuleTextKey: String?] = [:]

    /// Drops the cap counts of years before last year, once there are many: a run of transactions over a county's
    /// years (the generator) would otherwise hold every household's every year (36 MB at 16,400 households × 5 years).
    mutating func forgetPastYears() {
        guard capCounts.count > 4096 else { return }
        var earliest = Int.max, latest = Int.min
        for key in capCounts.keys {
            earliest = min(earliest, key.year)
            latest = max(latest, key.year)
        }
        if earliest < latest - 1 { capCounts = capCounts.filter { $0.key.year >= latest - 1 } }
    }
}

/// A household's scores of one year by rule and month, in a few bytes a rule: a county's households all fit.
struct ScoreTally {
    private var rules: [(rule: RuleCode, months: [Int32])] = []

    func count(_ rule: RuleCode, months: ClosedRange<Int>) -> Int {
        guard let entry = rules.first(where: { $0.rule == rule }) else { return 0 }
        return months.reduce(0) { $0 + Int(entry.months[$1 - 1]) }
    }

    mutating func add(_ rule: RuleCode, month: Int, _ change: Int) {
        if let index = rules.firstIndex(where: { $0.rule == rule }) {
            rules[index].months[month - 1] += Int32(change)
        } else {
            var months = [Int32](repeating: 0, count: 12)
            months[month - 1] = Int32(change)
            rules.append((rule, months))
        }
    }
}

/// The ledger seen from inside one transaction: `decide` reads it as its `LedgerState`, and
/// `append` extends the log and folds the event into the projections in the same transaction.
public final class StoreSession: LedgerTransaction {
    let db: Database
    /// What this transaction holds in memory (or took over from the last one): a batch of thousands of entries then
    /// costs one INSERT each, and what every line asks for (who gives it, the scheme, the notices, whether the year is
    /// settled) is read once.
    private(set) var memory: SessionMemory
    // Households and items changed in this transaction, written once at its end (`flush`).
    private var changedHouseholds: Set<HouseholdCode> = []
    private var changedItems: Set<ItemCode> = []
    // The canonical bytes of each appended row are built here, in one buffer for the transaction.
    private var canonical = CanonicalBuffer()
    private var eventStatement: Binder?, reviewStatement: Binder?
    /// Whether the projections were written otherwise than by appending (`rebuild`): then the memory is not handed on.
    private(set) var rewritten = false
    /// How the file stores its log, looked up at the first append.
    private var storedFormat: LogFormat?

    /// A session of a read (`EventStore.read`): it appends nothing and writes no projection.
    private let reading: Bool

    init(db: Database, memory: SessionMemory? = nil, reading: Bool = false) {
        self.db = db
        self.memory = memory ?? SessionMemory()
        self.reading = reading
    }

    /// Refuses a write in a read's session.
    private func mayWrite() throws {
        if reading { throw StoreError.unusable(message: "a read of the ledger cannot write to it") }
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

    /// The prepared statements every append runs, held by the transaction (`Binder`).
    /// Keeps a rule's text of `rule_texts` for the rest of the transaction and the next.
    func remember(_ text: String?, for key: RuleTextKey) {
        memory.ruleTexts[key] = .some(text)
    }

    /// Lets the next look-up of a rule's text read `rule_texts` again.
    func forgetRuleText(_ key: RuleTextKey) {
        memory.ruleTexts[key] = nil
    }

    /// How the file stores its log.
    func format() throws -> LogFormat {
        if let storedFormat { return storedFormat }
        let found = try LogFormat.of(db)
        storedFormat = found
        return found
    }

    func eventBinder() throws -> Binder {
        if let eventStatement { return eventStatement }
        let made = Binder(statement: try db.cachedStatement(sql: try format() == .compact ? Self.compactInsertSQL : Self.insertSQL))
        eventStatement = made
        return made
    }

    func reviewBinder() throws -> Binder {
        if let reviewStatement { return reviewStatement }
        let made = Binder(statement: try db.cachedStatement(sql: Self.reviewSQL))
        reviewStatement = made
        return made
    }

    /// An upsert rather than `INSERT OR REPLACE`: REPLACE may delete a row before it inserts, so SQLite opens a statement
    /// journal for every row, copying pages aside; the upsert of a new row is a plain insert (a fifth fewer of this statement's
    /// instructions under callgrind, 331 M against 410 M for 20,000 rows). The effect on the table is the same: every column
    /// takes the new value.
    static let reviewSQL = """
        INSERT INTO p_reviews (seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (seq) DO UPDATE SET household = excluded.household, rule = excluded.rule, occurred_on = excluded.occurred_on,
            points = excluded.points, state = excluded.state, recorded_by = excluded.recorded_by, objection = excluded.objection,
            objected_by = excluded.objected_by
        """

    // MARK: LedgerState

    public func ledger() throws -> LedgerInfo? {
        if let known = memory.info { return known }
        // The latest version is also in p_schemes, decoded there once per transaction; decode it only once.
        let info = try ledgerRow(scheme: try schemes().last?.scheme)
        memory.info = .some(info)
        return info
    }

    /// The ledger's row as stored, its scheme decoded from the row unless one is given.
    func ledgerRow(scheme known: Scheme? = nil) throws -> LedgerInfo? {
        guard let row = try row("SELECT ledger_id, village, demo, opened_on, scheme_version, scheme FROM p_ledger WHERE one = 1") else {
            return nil
        }
        let scheme: Scheme
        if let known {
            scheme = known
        } else {
            do {
                scheme = try EventCodec.decoder.decode(Scheme.self, from: Data((try row.at(5) as String).utf8))
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.damaged(column: "p_ledger.scheme", found: "\(error)".prefix(40).description)
            }
        }
        return LedgerInfo(ledgerId: try row.at(0), village: try row.at(1), demo: try row.at(2), openedOn: try row.date(3),
                          schemeVersion: try row.at(4), scheme: scheme)
    }

    public func unit(_ code: UnitCode) throws -> UnitRecord? {
        try row("SELECT code, name, leader FROM p_units WHERE code = ?", arguments: [code.rawValue]).map(Self.unit)
    }

    public func household(_ code: HouseholdCode) throws -> HouseholdAccount? {
        if let known = memory.households[code] { return known }
        let account = try row("SELECT \(Self.householdColumns) FROM p_households WHERE code = ?", arguments: [code.rawValue]).map(Self.household)
        if let account { memory.households[code] = account }
        if account == nil && !memory.householdTableChecked {
            // "No such household" decides things (a registration goes ahead), and a missing row or index entry reads
            // just so: the first time in a run of writes, the table and its index are checked whole (18 ms at 16,400
            // households), never on the path of a score for a household that is there.
            try EventStore.checkTable(db, "p_households")
            memory.householdTableChecked = true
        }
        return account
    }

    public func item(_ code: ItemCode) throws -> ItemStock? {
        if let known = memory.items[code] { return known }
        let item = try row("SELECT \(Self.itemColumns) FROM p_items WHERE code = ?", arguments: [code.rawValue]).map(Self.item)
        if let item { memory.items[code] = item }
        return item
    }

    public func entry(_ ref: EventRef) throws -> Entry? {
        switch ref {
        case .seq(let seq):
            return try row("SELECT \(Self.entryColumns) FROM events e WHERE seq = ? AND \(Self.isEntry)", arguments: [seq]).map(Self.entry)
        case .id(let id):
            guard try format() == .compact else {
                return try row("SELECT \(Self.entryColumns) FROM events e WHERE id = ? AND \(Self.isEntry)", arguments: [id]).map(Self.entry)
            }
            // A compact log holds the UUID as its 16 bytes (no index: a look-up by id reads the log's ids, 0.1 s at 10^6).
            let stored: DatabaseValue = CompactFields.uuidBytes(id)?.databaseValue ?? id.databaseValue
            return try row("""
                SELECT \(Self.entryColumns) FROM events e WHERE seq = (SELECT seq FROM event_log WHERE id = ?) AND \(Self.isEntry)
                """, arguments: [stored]).map(Self.entry)
        }
    }

    public func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) throws -> Int {
        let from = dates.lowerBound, to = dates.upperBound
        guard from.year == to.year, from.day == 1, to.day == LocalDate.daysIn(month: to.month, year: to.year) else {
            // Not whole months of one year (caps are never that): counted as asked.
            return try value(Int.self, """
                SELECT count(*) FROM events e
                WHERE household = ? AND rule = ? AND occurred_on BETWEEN ? AND ? AND type IN \(EventType.scoreList)
                  AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq)
                """, arguments: [household.rawValue, rule.rawValue, from.description, to.description]) ?? 0
        }
        return try scoresByMonth(of: HouseholdYear(household: household, year: from.year)).count(rule, months: from.month...to.month)
    }

    /// A household's scores of one year, not reversed, counted by rule and month: one look-up answers the month,
    /// quarter and year caps of every rule, for the rest of the transaction (`countTowardsCaps` keeps it right).
    private func scoresByMonth(of key: HouseholdYear) throws -> ScoreTally {
        if let known = memory.capCounts[key] { return known }
        var counts = ScoreTally()
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT rule, substr(occurred_on, 6, 2), count(*) FROM events e
            WHERE household = ? AND occurred_on BETWEEN ? AND ? AND type IN \(EventType.scoreList)
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq)
            GROUP BY 1, 2
            """), arguments: [key.household.rawValue, "\(key.year)-01-01", "\(key.year)-12-31"])
        for row in rows {
            let text: String = try row.at(1)
            guard let month = Int(text), (1...12).contains(month) else {
                throw StoreError.damaged(column: "events.occurred_on", found: text)
            }
            counts.add(RuleCode(rawValue: try row.at(0)), month: month, try row.at(2))
        }
        memory.capCounts[key] = counts
        return counts
    }

    /// A household's year, whose score counts this transaction holds.
    struct HouseholdYear: Hashable {
        let household: HouseholdCode
        let year: Int
    }

    /// Keeps the cap counts of this transaction right after an append: a score counts in its month, a reversed score
    /// no longer does.
    private func countTowardsCaps(_ event: LedgerEvent, facts: EventFacts, on date: LocalDate) throws {
        guard !memory.capCounts.isEmpty, let household = facts.household, let rule = facts.rule else { return }
        let change: Int, day: LocalDate
        if event.type.isScore {
            change = 1
            day = date
        } else if let undone = event.undoes {
            guard let target = try entry(.seq(undone)), target.kind == .score else { return }
            change = -1
            day = target.occurredOn
        } else {
            return
        }
        let key = HouseholdYear(household: household, year: day.year)
        memory.capCounts[key]?.add(rule, month: day.month, change)
    }

    public func sheet(_ sha256: String) throws -> Int64? {
        try row("SELECT seq FROM p_sheets WHERE sha256 = ?", arguments: [sha256]).map { try $0.at(0) }
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
        let notices = try closedNotices()
        // Only changes dated after `date` count, and an entry's change is never dated before the entry itself; a score
        // dated earlier changes the balance after `date` only when its notice closed after it. So the household's
        // entries from the first day of those notices (or the day after `date`) on, each with what it needs to be judged
        // (a score's takeback, a takeback's score), give the same changes after `date` as its whole history, which is
        // years of rows on a county's ledger (the same rule as the core's fold, `availabilityChanges`).
        var since = LocalDate(daysSinceEpoch: date.daysSinceEpoch + 1)
        for notice in notices where notice.closedOn > date { since = min(since, notice.dates.lowerBound) }
        let arguments: StatementArguments = [household.rawValue, since.description]
        // Most often there are none (a redemption dated today, with no notice closing after it): one probe of the
        // household's index says so, where the query below, its unions built in temporary tables, took 92,000
        // instructions a redemption for nothing.
        guard try Bool.fetchOne(db.cachedStatement(sql: Self.anyEntrySince), arguments: arguments) == true else { return now }
        let notFinal = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT seq FROM p_reviews WHERE household = ?"),
                                              arguments: [household.rawValue]))
        let rolesSince = try firstActorRegistered()
        let mine = try Row.fetchAll(db.cachedStatement(sql: Self.entriesSince), arguments: arguments).map { row in
            AvailabilityEntry(seq: try row.at(0), type: try EventType.stored(try row.at(1)), date: try row.date(2), delta: try row.at(3), reverses: try row.at(4))
        }
        let changes = availabilityChanges(mine, notFinal: notFinal, notices: notices, rolesSince: rolesSince)
        return lowestTotal(now: now, changesAfter: changes.filter { $0.date > date })
    }

    /// Whether the household (?1) has an entry dated from ?2 on (`lowestAvailable`).
    private static let anyEntrySince = "SELECT EXISTS (SELECT 1 FROM events WHERE household = ?1 AND occurred_on >= ?2)"

    /// The household's (?1) entries dated from ?2 on, with the takebacks of those and the entries those take back, by
    /// seq (`lowestAvailable`).
    private static let entriesSince = """
        WITH recent AS (SELECT seq, reverses FROM events WHERE household = ?1 AND occurred_on >= ?2)
        SELECT seq, type, occurred_on, earned - deducted - redeemed, reverses FROM events WHERE seq IN (
            SELECT seq FROM recent
            UNION SELECT r.seq FROM recent JOIN events r ON r.stream = 'reversal:' || recent.seq
            UNION SELECT reverses FROM recent WHERE reverses IS NOT NULL)
        ORDER BY seq
        """

    /// The closed notices with the events that closed them (held with the notices, a county's years of them).
    private func closedNotices() throws -> [ClosedNotice] {
        if let known = memory.closedNotices { return known }
        let notices = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT n.date_from, n.date_to, n.closed_on, c.seq FROM p_notices n
            JOIN events c ON c.stream = 'notice:' || n.period AND c.type = \(EventType.noticeClosed.sql)
            WHERE n.closed_on IS NOT NULL
            """)).map { row in
            let from = try row.date(0), to = try row.date(1)
            guard from <= to else { throw StoreError.damaged(column: "p_notices.date_to", found: to.description) }
            return ClosedNotice(dates: from...to, closedOn: try row.date(2), closedSeq: try row.at(3))
        }
        memory.closedNotices = notices
        return notices
    }

    /// The first person's registration, from which scores wait for their notice (nil before roles).
    private func firstActorRegistered() throws -> Int64? {
        if let known = memory.rolesSince { return known }
        let seq = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT min(seq) FROM events WHERE stream >= 'actor:' AND stream < 'actor;' AND type = \(EventType.actorRegistered.sql)
            """))
        memory.rolesSince = .some(seq)
        return seq
    }

    public func lowestStock(item: ItemCode, from date: LocalDate) throws -> Int {
        let now = try self.item(item)?.stock ?? 0
        return lowestTotal(now: now, changesAfter: try changes(
            "SELECT occurred_on, sum(stock) FROM events WHERE item = ? AND occurred_on > ? GROUP BY occurred_on", item.rawValue, after: date))
    }

    private func changes(_ sql: String, _ code: String, after date: LocalDate) throws -> [(date: LocalDate, amount: Int)] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [code, date.description]).map { row in
            (date: try row.date(0), amount: (try row.at(1) as Int))
        }
    }

    public func lastSeq() throws -> Int64 {
        try headOfLog().seq
    }

    public func hasActors() throws -> Bool {
        if let known = memory.hasActors { return known }
        let has = try value(Int.self, "SELECT EXISTS (SELECT 1 FROM p_actors)") == 1
        memory.hasActors = has
        return has
    }

    public func actor(_ name: ActorName) throws -> ActorRecord? {
        if let known = memory.actors[name] { return known }
        let actor = try row("SELECT \(Self.actorColumns) FROM p_actors WHERE name = ?", arguments: [name.rawValue]).map(Self.actor)
        memory.actors[name] = .some(actor)
        return actor
    }

    public func passwordsInForce() throws -> Bool {
        if let known = memory.passwordsInForce { return known }
        // The hashes and the log count too: a projection or the passwords' table damaged or emptied never lifts the
        // need for passwords (the log's v1.passwordSet events are found through the actor streams' index).
        let has = try value(Int.self, """
            SELECT EXISTS (SELECT 1 FROM p_actors WHERE password_since IS NOT NULL) OR EXISTS (SELECT 1 FROM credentials)
                OR EXISTS (SELECT 1 FROM events WHERE stream >= 'actor:' AND stream < 'actor;' AND type = '\(EventType.passwordSet.rawValue)')
            """) == 1
        memory.passwordsInForce = has
        return has
    }

    public func actors() throws -> [ActorRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.actorColumns) FROM p_actors ORDER BY name")).map(Self.actor)
    }

    public func notices() throws -> [NoticeRecord] {
        if let known = memory.notices { return known }
        let notices = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT period, date_from, date_to, opened_on, closes_on, closed_on FROM p_notices ORDER BY date_from, date_to
            """)).map(Self.notice)
        memory.notices = notices
        return notices
    }

    public func notice(covering date: LocalDate) throws -> NoticeRecord? {
        try notices().last { $0.dates.contains(date) }
    }

    public func review(_ seq: Int64) throws -> ScoreReview? {
        try row("SELECT \(Self.reviewColumns) FROM p_reviews WHERE seq = ?", arguments: [seq]).map(Self.review)
    }

    public func reviews(in dates: ClosedRange<LocalDate>) throws -> [ScoreReview] {
        // A month's reviews, read when its notice opens and closes: a county's month is tens of thousands of rows, each
        // decoded in place (a cursor) rather than copied first.
        try Array(Row.fetchCursor(db.cachedStatement(sql: "SELECT \(Self.reviewColumns) FROM p_reviews WHERE occurred_on BETWEEN ? AND ? ORDER BY seq"),
                                  arguments: [dates.lowerBound.description, dates.upperBound.description]).map(Self.review))
    }

    /// Counted straight from SQLite's columns (opening and closing a notice): decoding each review into a `ScoreReview`
    /// took 350,000 instructions a notice per 1,000 scores of its month, 5% of the generator's (and an SQL aggregate,
    /// which must also check each row's kinds and date, took more). Each row is held to what `reviews(in:)` would decode:
    /// when one would not decode, the reviews are read one by one, which names the damage as `reviews(in:)` does.
    public func reviewTally(in dates: ClosedRange<LocalDate>) throws -> ReviewTally {
        let rows = try RawRows(db, sql: """
            SELECT seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by
            FROM p_reviews WHERE occurred_on BETWEEN ? AND ?
            """)
        try rows.statement.setArguments([dates.lowerBound.description, dates.upperBound.description])
        let states: [(ReviewState, [UInt8])] = [ReviewState.proposed, .pending, .posted, .objected].map { ($0, Array($0.rawValue.utf8)) }
        var parts = [ReviewTally.Part?](repeating: nil, count: states.count)
        func kind(_ column: Int32) -> Int32 { sqlite3_column_type(rows.handle, column) }
        while try rows.next() {
            let stateBytes = rows.bytes(5)
            guard kind(0) == SQLITE_INTEGER, kind(1) == SQLITE_TEXT, kind(2) == SQLITE_TEXT, kind(3) == SQLITE_TEXT,
                  kind(4) == SQLITE_INTEGER, kind(5) == SQLITE_TEXT, kind(6) == SQLITE_TEXT,
                  kind(7) == SQLITE_NULL || kind(7) == SQLITE_INTEGER, kind(8) == SQLITE_NULL || kind(8) == SQLITE_TEXT,
                  LocalDate.isDate(rows.bytes(3)),
                  let state = states.firstIndex(where: { $0.1.elementsEqual(stateBytes) }) else {
                return ReviewTally(try reviews(in: dates))
            }
            let seq = rows.int64(0), points = rows.int(4)
            // Within what any score holds, so that no sum overflows.
            guard Int64(points).magnitude <= EventStore.factsLimit.magnitude else {
                throw StoreError.damaged(column: "p_reviews.points", found: String(points))
            }
            var part = parts[state] ?? ReviewTally.Part()
            part.count += 1
            part.awarded += max(points, 0)
            part.deducted += max(-points, 0)
            part.first = min(part.first ?? seq, seq)
            parts[state] = part
        }
        var tally: [ReviewState: ReviewTally.Part] = [:]
        for (index, part) in parts.enumerated() { if let part { tally[states[index].0] = part } }
        return ReviewTally(tally)
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
        guard let row = try row("SELECT type, payload FROM events WHERE seq = ? AND type IN \(EventType.scoreList)",
                                arguments: [seq]) else { return nil }
        let event: LedgerEvent
        do {
            event = try EventCodec.event(type: try row.at(0), payload: try row.at(1))
        } catch {
            throw StoreError.damagedPayload(seq: seq, error)
        }
        return event.score
    }

    public func schemes() throws -> [SchemeVersion] {
        if let known = memory.schemes { return known }
        let versions = try Row.fetchAll(db.cachedStatement(sql: "SELECT version, effective, scheme FROM p_schemes ORDER BY version")).map { row in
            SchemeVersion(version: try row.at(0), effective: try row.date(1),
                          scheme: try EventCodec.decoder.decode(Scheme.self, from: Data(((try row.at(2) as String)).utf8)))
        }
        memory.schemes = versions
        return versions
    }

    public func settlement(year: Int) throws -> SettlementRecord? {
        if let known = memory.settlements[year] { return known }
        let settlement = try row("SELECT year, settled_on, scheme_version, expired FROM p_settlements WHERE year = ?", arguments: [year]).map {
            SettlementRecord(year: try $0.at(0), settledOn: try $0.date(1), schemeVersion: try $0.at(2), expired: try $0.at(3))
        }
        memory.settlements[year] = .some(settlement)
        return settlement
    }

    public func blacklisted(_ household: HouseholdCode, on date: LocalDate) throws -> LocalDate? {
        // The household's rating of each settled year, by its key (a few rows, however many households): a date that
        // is not one is damage.
        var until: LocalDate?
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT r.black_until, s.settled_on FROM p_settlements s CROSS JOIN p_ratings r
            WHERE r.year = s.year AND r.household = ? AND r.black_until IS NOT NULL
            """), arguments: [household.rawValue]) {
            let end = try row.date(0), settled = try row.date(1)
            if settled <= date && end > date { until = max(until ?? end, end) }
        }
        return until
    }

    public func yearFigures(in dates: ClosedRange<LocalDate>) throws -> [HouseholdCode: YearFigures] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT household,
                   sum(CASE WHEN s THEN earned ELSE 0 END), sum(CASE WHEN s THEN deducted ELSE 0 END),
                   max(CASE WHEN s THEN deducted ELSE 0 END), sum(CASE WHEN type IN \(EventType.sqlList([EventType.redeemed, .entryReversed])) THEN redeemed ELSE 0 END)
            FROM (SELECT e.household, e.type, e.earned, e.deducted, e.redeemed,
                         e.type IN \(EventType.scoreList)
                         AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq)
                         AND NOT EXISTS (SELECT 1 FROM p_reviews v WHERE v.seq = e.seq) AS s
                  FROM events e WHERE e.household IS NOT NULL AND e.occurred_on BETWEEN ? AND ? AND \(Self.entryTypes))
            GROUP BY household
            """, arguments: [dates.lowerBound.description, dates.upperBound.description])
        var figures: [HouseholdCode: YearFigures] = [:]
        for row in rows {
            let code = HouseholdCode(rawValue: try row.at(0))
            figures[code] = YearFigures(household: code, earned: try row.at(1), deducted: try row.at(2), largestDeduction: try row.at(3), redeemed: try row.at(4))
        }
        return figures
    }

    public func allHouseholds() throws -> [HouseholdAccount] { try households() }

    /// Every settled year, oldest first.
    public func settlements() throws -> [SettlementRecord] {
        try Row.fetchAll(db, sql: "SELECT year, settled_on, scheme_version, expired FROM p_settlements ORDER BY year").map {
            SettlementRecord(year: try $0.at(0), settledOn: try $0.date(1), schemeVersion: try $0.at(2), expired: try $0.at(3))
        }
    }

    /// The ratings of a settled year, by household.
    public func ratings(year: Int) throws -> [HouseholdRating] {
        try Row.fetchAll(db, sql: "SELECT household, points, stars, red, black_until FROM p_ratings WHERE year = ? ORDER BY household",
                         arguments: [year]).map {
            HouseholdRating(household: HouseholdCode(rawValue: try $0.at(0)), points: try $0.at(1), stars: try $0.at(2), red: try $0.at(3),
                            blackUntil: try $0.optionalDate(4))
        }
    }

    // MARK: Appending

    /// The last event's sequence number and hash (0 and the genesis hash for an empty log).
    public func headOfLog() throws -> (seq: Int64, hash: Data) {
        if let head = memory.head { return head }
        let row = try row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        let value = try row.map { (seq: (try $0.at(0) as Int64), hash: (try $0.at(1) as Data)) } ?? (seq: 0, hash: Chain.genesis)
        memory.head = value
        return value
    }

    /// The current version of a stream (0 when it has no events).
    public func version(of stream: String) throws -> Int64 {
        if let known = memory.versions[stream] { return known }
        let version = try value(Int64.self, "SELECT max(stream_version) FROM events WHERE stream = ?", arguments: [stream]) ?? 0
        memory.versions[stream] = version
        return version
    }

    /// The event recorded under an idempotency key, if any.
    public func recorded(key: String) throws -> RecordedEvent? {
        try row("SELECT * FROM events WHERE idempotency_key = ?", arguments: [key]).map(Self.recordedEvent)
    }

    /// Appends a decision's events at the head of the chain, each with its facts, and folds them into the projections.
    /// The only way in from outside JifenStore: what is appended is what `decide` produced, on the log as this
    /// transaction sees it.
    @discardableResult
    public func append(_ decision: Decision, recordedAt: String, key: String?, newId: () -> String) throws -> [RecordedEvent] {
        try mayWrite()
        let head = try headOfLog()
        guard head.seq == decision.lastSeq else { throw StoreError.outdated(decision, head: head.seq) }
        var written: [RecordedEvent] = []
        written.reserveCapacity(decision.events.count)
        for (index, (event, date)) in decision.dated.enumerated() {
            let meta = EventMeta(id: newId(), occurredOn: date, recordedAt: recordedAt, actor: decision.context.actor,
                                 key: index == 0 ? key : nil)
            written.append(try append(event, meta: meta))
        }
        // The hash goes beside the event that says it was set, in the same transaction, never into the log.
        if case .setPassword(let actor, let hash) = decision.command, let event = written.last {
            try setCredential(actor, hash: hash, at: recordedAt, seq: event.seq)
        }
        return written
    }

    /// Appends one event at the head of the chain, with its facts, and folds it into the projections.
    /// With `expectedVersion`, refuses when the stream has moved on since the caller read it. Not public: outside
    /// JifenStore events come from a `Decision` (the tests of the chain's triggers reach it with `@testable`).
    @discardableResult
    func append(_ event: LedgerEvent, meta: EventMeta, expectedVersion: Int64? = nil) throws -> RecordedEvent {
        try mayWrite()
        let head = try headOfLog()
        let stream = event.stream
        let version = try version(of: stream)
        if let expectedVersion, expectedVersion != version {
            throw StoreError.streamVersionConflict(stream: stream, expected: expectedVersion, actual: version)
        }
        let (link, recorded) = try Linking.link(event, id: meta.id, occurredOn: meta.occurredOn, recordedAt: meta.recordedAt,
                                                actor: meta.actor, key: meta.key, after: head, version: version, state: self,
                                                canonical: &canonical)
        try insert(link.fields, previous: head.hash, hash: link.hash)
        memory.head = (link.fields.seq, link.hash)
        memory.versions[stream] = link.fields.streamVersion
        try countTowardsCaps(event, facts: recorded.facts, on: meta.occurredOn)
        try applyProjection(of: recorded)
        return recorded
    }

    /// The events from `seq` on, as stored, at most `limit` of them (read in place, `LogRows.chainLink`).
    public func links(from seq: Int64, limit: Int) throws -> [ChainLink] {
        guard limit > 0 else { return [] }
        let rows = try LogRows(db, where: "seq >= \(seq)", order: "seq LIMIT \(limit)")
        var links: [ChainLink] = []
        links.reserveCapacity(min(limit, 10_000))
        while try rows.next() { links.append(try rows.chainLink()) }
        return links
    }

    /// Folds an event into the projection tables with the core's `project`: the same changes `MemoryLedger` applies.
    func applyProjection(of recorded: RecordedEvent) throws {
        try apply(try project(recorded, state: self))
    }

    /// Writes projection changes that come from no append (`rebuild`'s): the transaction's memory is then not handed
    /// on to the next.
    func write(_ changes: [ProjectionChange]) throws {
        try mayWrite()
        rewritten = true
        try apply(changes)
    }

    /// Writes projection changes to their tables: each change as one statement (a notice's posting and closing as
    /// one UPDATE and DELETE over its period), households and items held until `flush`.
    private func apply(_ changes: [ProjectionChange]) throws {
        for change in changes {
            switch change {
            case .ledger(let info):
                let scheme = String(decoding: try EventCodec.encoder.encode(info.scheme), as: UTF8.self)
                try run("""
                    INSERT OR REPLACE INTO p_ledger (one, ledger_id, village, demo, opened_on, scheme_version, scheme)
                    VALUES (1, ?, ?, ?, ?, ?, ?)
                    """, arguments: [info.ledgerId, info.village, info.demo, info.openedOn.description, info.schemeVersion, scheme])
                memory.info = .some(info)
            case .unit(let unit):
                try run("INSERT OR REPLACE INTO p_units (code, name, leader) VALUES (?, ?, ?)",
                        arguments: [unit.code.rawValue, unit.name, unit.leader?.rawValue])
            case .household(let account):
                memory.households[account.code] = account
                changedHouseholds.insert(account.code)
            case .item(let item):
                memory.items[item.code] = item
                changedItems.insert(item.code)
            case .entry, .reversed:
                // Entries are the event rows themselves; a reversal is found by its stream.
                break
            case .sheet(let sha256, let seq):
                try run("INSERT INTO p_sheets (sha256, seq) VALUES (?, ?)", arguments: [sha256, seq])
            case .actor(let a):
                try run("""
                    INSERT OR REPLACE INTO p_actors (name, roles, unit, status, registered_on, retired_on, password_since)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                        arguments: [a.name.rawValue, a.roles.map(\.rawValue).joined(separator: ","), a.unit?.rawValue, a.status.rawValue,
                                    a.registeredOn.description, a.retiredOn?.description, a.passwordSince?.description])
                if a.passwordSince != nil { memory.passwordsInForce = true }
                memory.hasActors = true
                memory.actors[a.name] = nil
                memory.rolesSince = nil
            case .notice(let n):
                try run("""
                    INSERT OR REPLACE INTO p_notices (period, date_from, date_to, opened_on, closes_on, closed_on) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [n.period, n.from.description, n.to.description, n.openedOn.description, n.closesOn.description,
                                     n.closedOn?.description])
                memory.notices = nil
                memory.closedNotices = nil
            case .review(let r):
                // Every score written while roles are in force: bound straight (`Binder`).
                let bind = try reviewBinder()
                bind.integer(1, r.seq)
                bind.text(2, r.household.rawValue)
                bind.text(3, r.rule.rawValue)
                bind.text(4, r.occurredOn.description)
                bind.integer(5, Int64(r.points))
                bind.text(6, r.state.rawValue)
                bind.text(7, r.recordedBy.rawValue)
                bind.integer(8, r.objection)
                bind.text(9, r.objectedBy?.rawValue)
                try bind.run(db, sql: Self.reviewSQL)
            case .reviewEnded(let seq):
                try run("DELETE FROM p_reviews WHERE seq = ?", arguments: [seq])
            case .noticePosted(let dates):
                try run("UPDATE p_reviews SET state = ? WHERE state = ? AND occurred_on BETWEEN ? AND ?",
                        arguments: [ReviewState.posted.rawValue, ReviewState.pending.rawValue,
                                    dates.lowerBound.description, dates.upperBound.description])
            case .noticeClosed(_, let dates, _):
                // The households this transaction changed are written first, so that should damage send the closing to
                // the UPDATE below, it takes its points out of their figures as they now stand. (The event that closed the
                // notice is found by its stream.)
                try flush()
                let arguments: StatementArguments = [ReviewState.posted.rawValue, dates.lowerBound.description, dates.upperBound.description]
                // Each household's closing points are summed once and taken out of its account in memory, rather than
                // its row being read again afterwards (a county's every household, each month: 4% of the generator's
                // instructions).
                var closing: [HouseholdCode: Int] = [:]
                var exact = true
                for row in try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT household, sum(points) FROM p_reviews WHERE state = ?1 AND occurred_on BETWEEN ?2 AND ?3 GROUP BY household
                    """), arguments: arguments) {
                    guard case .string(let code) = (row[0] as DatabaseValue).storage,
                          case .int64(let points) = (row[1] as DatabaseValue).storage else {
                        exact = false
                        break
                    }
                    closing[HouseholdCode(rawValue: code)] = Int(points)
                }
                // Their rows are then written by `flush`, one upsert each, as any changed household's is: the UPDATE below
                // walked the month's reviews again for each household (a month of 1,800 reviews and 330 households: 13 M
                // instructions, against about 2 M for the upserts).
                for (code, points) in closing.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where exact {
                    guard let account = try household(code) else { continue }
                    let (left, overflow) = account.pending.subtractingReportingOverflow(points)
                    if overflow {
                        exact = false
                    } else {
                        memory.households[code]?.pending = left
                        changedHouseholds.insert(code)
                    }
                }
                if !exact {
                    // (Only damage gets here: the rows take the change in SQL, and are read again as they stand after it. A
                    // household's code stored as bytes is matched as the text its bytes spell, as a review's reader takes it.)
                    memory.households = [:]
                    changedHouseholds = []
                    try run("""
                        UPDATE p_households SET pending = pending - (
                            SELECT sum(points) FROM p_reviews r
                            WHERE CAST(r.household AS TEXT) = p_households.code AND r.state = ?1 AND r.occurred_on BETWEEN ?2 AND ?3)
                        WHERE code IN (SELECT CAST(household AS TEXT) FROM p_reviews WHERE state = ?1 AND occurred_on BETWEEN ?2 AND ?3)
                        """, arguments: arguments)
                }
                try run("DELETE FROM p_reviews WHERE state = ?1 AND occurred_on BETWEEN ?2 AND ?3", arguments: arguments)
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
                memory.schemes = nil
            case .settlement(let r):
                try run("INSERT INTO p_settlements (year, settled_on, scheme_version, expired) VALUES (?, ?, ?, ?)",
                        arguments: [r.year, r.settledOn.description, r.schemeVersion, r.expired])
                memory.settlements[r.year] = nil
            case .rating(let r):
                try run("INSERT INTO p_ratings (year, household, points, stars, red, black_until) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [r.year, r.household.rawValue, r.rating.points, r.rating.stars, r.rating.red,
                                    r.rating.blackUntil?.description])
            }
        }
    }

    /// An upsert, as `reviewSQL` is, for the same reason.
    static let householdSQL = """
        INSERT INTO p_households
            (code, head, unit, members, status, registered_on, closed_on, earned, deducted, redeemed, pending, proposed,
             expired, moved)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (code) DO UPDATE SET head = excluded.head, unit = excluded.unit, members = excluded.members,
            status = excluded.status, registered_on = excluded.registered_on, closed_on = excluded.closed_on,
            earned = excluded.earned, deducted = excluded.deducted, redeemed = excluded.redeemed, pending = excluded.pending,
            proposed = excluded.proposed, expired = excluded.expired, moved = excluded.moved
        """

    /// Writes the households and items changed in this transaction to their tables.
    public func flush() throws {
        if !changedHouseholds.isEmpty {
            // Bound straight (`Binder`): a batch writes every household it touched, GRDB's arguments boxed each value.
            let bind = Binder(statement: try db.cachedStatement(sql: Self.householdSQL))
            for code in changedHouseholds.sorted(by: { $0.rawValue < $1.rawValue }) {
                guard let a = memory.households[code] else { continue }
                bind.text(1, a.code.rawValue)
                bind.text(2, a.head)
                bind.text(3, a.unit.rawValue)
                bind.integer(4, Int64(a.members))
                bind.text(5, a.status.rawValue)
                bind.text(6, a.registeredOn.description)
                bind.text(7, a.closedOn?.description)
                bind.integer(8, Int64(a.earned))
                bind.integer(9, Int64(a.deducted))
                bind.integer(10, Int64(a.redeemed))
                bind.integer(11, Int64(a.pending))
                bind.integer(12, Int64(a.proposed))
                bind.integer(13, Int64(a.expired))
                bind.integer(14, Int64(a.moved))
                try bind.run(db, sql: Self.householdSQL)
            }
        }
        for code in changedItems.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let item = memory.items[code] else { continue }
            try run("INSERT OR REPLACE INTO p_items (code, name, unit, price, stock) VALUES (?, ?, ?, ?, ?)",
                    arguments: [item.code.rawValue, item.name, item.unit, item.price, item.stock])
        }
        changedHouseholds = []
        changedItems = []
    }

    // MARK: Row mapping

    static func unit(_ row: Row) throws -> UnitRecord {
        UnitRecord(code: UnitCode(rawValue: try row.at(0)), name: try row.at(1), leader: (try row.at(2) as String?).map { HouseholdCode(rawValue: $0) })
    }

    // Rows are read by position (the column lists below), which is much faster than by name.
    static let householdColumns = """
        code, head, unit, members, status, registered_on, closed_on, earned, deducted, redeemed, pending, proposed, expired, moved
        """

    static func household(_ row: Row) throws -> HouseholdAccount {
        HouseholdAccount(code: HouseholdCode(rawValue: try row.at(0)), head: try row.at(1), unit: UnitCode(rawValue: try row.at(2)), members: try row.at(3),
                         status: try row.choice(4), registeredOn: try row.date(5),
                         closedOn: try row.optionalDate(6), earned: try row.at(7), deducted: try row.at(8), redeemed: try row.at(9),
                         pending: try row.at(10), proposed: try row.at(11), expired: try row.at(12), moved: try row.at(13))
    }

    static let actorColumns = "name, roles, unit, status, registered_on, retired_on, password_since"

    static func actor(_ row: Row) throws -> ActorRecord {
        ActorRecord(name: ActorName(rawValue: try row.at(0)), roles: try (try row.at(1) as String).split(separator: ",").map { try row.choice(1, String($0)) },
                    unit: (try row.at(2) as String?).map { UnitCode(rawValue: $0) }, status: try row.choice(3),
                    registeredOn: try row.date(4), retiredOn: try row.optionalDate(5), passwordSince: try row.optionalDate(6))
    }

    static func notice(_ row: Row) throws -> NoticeRecord {
        NoticeRecord(period: try row.at(0), from: try row.date(1), to: try row.date(2),
                     openedOn: try row.date(3), closesOn: try row.date(4),
                     closedOn: try row.optionalDate(5))
    }

    static let reviewColumns = "seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by"

    static func review(_ row: Row) throws -> ScoreReview {
        ScoreReview(seq: try row.at(0), household: HouseholdCode(rawValue: try row.at(1)), rule: RuleCode(rawValue: try row.at(2)),
                    occurredOn: try row.date(3), points: try row.at(4), state: try row.choice(5),
                    recordedBy: ActorName(rawValue: try row.at(6)), objection: try row.at(7), objectedBy: (try row.at(8) as String?).map { ActorName(rawValue: $0) })
    }

    static let requestColumns = "seq, target, requested_by, reason, requested_on"

    static func request(_ row: Row) throws -> ReversalRequest {
        ReversalRequest(seq: try row.at(0), target: try row.at(1), requestedBy: ActorName(rawValue: try row.at(2)), reason: try row.at(3),
                        requestedOn: try row.date(4))
    }

    static let itemColumns = "code, name, unit, price, stock"

    static func item(_ row: Row) throws -> ItemStock {
        ItemStock(code: ItemCode(rawValue: try row.at(0)), name: try row.at(1), unit: try row.at(2), price: try row.at(3), stock: try row.at(4))
    }

    /// An entry read from its event row (alias `e`), with the reversal that undid it, if any.
    static let entryColumns = """
        e.seq, e.id, e.type, e.household, e.rule, e.item, e.stock, e.earned, e.deducted, e.redeemed, e.occurred_on, e.reverses,
        (SELECT r.seq FROM events r WHERE r.stream = 'reversal:' || e.seq) AS reversed_by
        """

    /// The stored type names of entries of points and stock, as an SQL list: `type IN \(entryTypeList)`.
    static let entryTypeList = EventType.entryList
    static let isEntry = "e.type IN \(entryTypeList)"
    static let entryTypes = "type IN \(entryTypeList)"

    static func entry(_ row: Row) throws -> Entry {
        let type = try EventType.stored(try row.at(2))
        return Entry(seq: try row.at(0), id: try row.at(1), type: type, kind: type.entryKind ?? .score,
              household: (try row.at(3) as String?).map { HouseholdCode(rawValue: $0) }, rule: (try row.at(4) as String?).map { RuleCode(rawValue: $0) },
              item: (try row.at(5) as String?).map { ItemCode(rawValue: $0) }, quantity: try row.at(6), earned: try row.figure(7), deducted: try row.figure(8),
              redeemed: try row.figure(9), occurredOn: try row.date(10), reverses: try row.at(11), reversedBy: try row.at(12))
    }

    /// An event from a `SELECT * FROM events` row, read by position (the table's column order, migration 0001).
    static func recordedEvent(_ row: Row) throws -> RecordedEvent {
        let seq: Int64 = try row.at(0)
        guard let occurredOn = LocalDate((try row.at(5) as String)) else {
            throw ProjectionError(seq: seq, problem: "its date is not a date")
        }
        let event: LedgerEvent
        do {
            event = try EventCodec.event(type: try row.at(4), payload: try row.at(18))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.damagedPayload(seq: seq, error)
        }
        let facts = EventFacts(household: (try row.at(10) as String?).map { HouseholdCode(rawValue: $0) },
                               item: (try row.at(11) as String?).map { ItemCode(rawValue: $0) },
                               rule: (try row.at(12) as String?).map { RuleCode(rawValue: $0) },
                               earned: try row.figure(13), deducted: try row.figure(14), redeemed: try row.figure(15), stock: try row.figure(16),
                               reverses: try row.at(17))
        return RecordedEvent(seq: seq, id: try row.at(1), stream: try row.at(2), streamVersion: try row.at(3), occurredOn: occurredOn,
                             recordedAt: try row.at(6), actor: ActorName(rawValue: try row.at(7)), schemeVersion: try row.at(8), key: try row.at(9),
                             event: event, facts: facts)
    }
}

// MARK: Appending verbatim

extension StoreSession {
    /// Appends links as another store holds them (`links(from:limit:)` there), unchanged: what a county's copy of a
    /// village's ledger and a pulled copy are written with. Each must be the next (seq = head + 1, previous hash = the
    /// head's hash), hold (its hash is SHA-256 of the previous hash and its canonical bytes), be of a type whose payload
    /// this jifen decodes, and be what appending its event here gives (its stream and stream version, its facts and its
    /// scheme version); it is then written as `append` writes (`insert`: a compact log stores a score's payload as NULL
    /// when its facts and rule text spell it out) and folded as `append` folds. The first link that fails throws
    /// `LinkRefusal`, and since a write transaction is all or nothing, none of them is appended.
    public func append(links: [ChainLink]) throws {
        try mayWrite()
        var check = LinkCheck()
        for link in links { try appendVerbatim(link, check: &check) }
    }

    private func appendVerbatim(_ link: ChainLink, check: inout LinkCheck) throws {
        let head = try headOfLog()
        let fields = link.fields
        let recorded = try check.check(link, after: head, version: { try version(of: $0) }, state: self)
        try insert(fields, previous: head.hash, hash: link.hash)
        memory.head = (fields.seq, link.hash)
        memory.versions[fields.stream] = fields.streamVersion
        try countTowardsCaps(recorded.event, facts: recorded.facts, on: recorded.occurredOn)
        try applyProjection(of: recorded)
    }
}
