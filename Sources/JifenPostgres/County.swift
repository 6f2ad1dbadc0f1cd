import Foundation
import JifenCore
import JifenStore
import PostgresNIO

/// A county's PostgreSQL database: every village's chain in one database, each village a `PostgresStore`
/// (`county.village("V001")`). Opening it connects, and brings the schema up to date (schema/postgres/).
///
/// It holds a pool of connections (at most `connections`), shared by its villages, and the folds of the villages it
/// used last (at most `cachedVillages`, holding at most `cachedEvents` events together; least recently used dropped
/// first; see `FoldCache`).
public final class PostgresCounty: Sendable {
    let pool: ConnectionPool
    let folds: FoldCache

    /// The events the cached folds may hold together unless told: ten million, about 4 GB (docs/SCALE.md).
    public static let defaultCachedEvents: Int64 = 10_000_000
    /// The connections to the database a county holds open, and the villages' folds it keeps, unless told otherwise.
    public static let defaultConnections = 16
    public static let defaultCachedVillages = 4_096

    /// `url`: `postgres://user[:password]@host[:port]/database`; `?host=/folder` connects through the Unix socket in
    /// that folder instead (as libpq's URLs say it). TLS is not spoken: a county server is reached on its own network.
    public convenience init(url: String, connections: Int = PostgresCounty.defaultConnections, cachedVillages: Int = PostgresCounty.defaultCachedVillages,
                            cachedEvents: Int64 = PostgresCounty.defaultCachedEvents) throws {
        try self.init(configuration: try Self.configuration(url: url), connections: connections, cachedVillages: cachedVillages,
                      cachedEvents: cachedEvents)
    }

    public init(configuration: PostgresConnection.Configuration, connections: Int = PostgresCounty.defaultConnections, cachedVillages: Int = PostgresCounty.defaultCachedVillages,
                cachedEvents: Int64 = PostgresCounty.defaultCachedEvents) throws {
        pool = ConnectionPool(configuration: configuration, limit: connections)
        folds = FoldCache(capacity: cachedVillages, events: cachedEvents)
        try migrate()
    }

    /// Closes the county's connections; its villages can no longer be read or written.
    public func close() { pool.close() }

    /// A village of the county, to read and write through the store protocol. Whether it exists is known at its first
    /// transaction (`PostgresStoreError.unknownVillage`).
    public func village(_ code: String) -> PostgresStore { PostgresStore(county: self, village: code) }

    /// Adds a village with an empty chain, in `township` if given (a name of at most 64 characters).
    @discardableResult
    public func createVillage(_ code: String, township: String? = nil) throws -> PostgresStore {
        // Composed (`Composed`): reports and auditors' reach find a township by its name's bytes.
        let township = township.map(Composed.text)
        try Self.check(village: code, township: township)
        do {
            _ = try pool.withConnection { try $0.run("INSERT INTO villages (village, township) VALUES (\(code), \(township))") }
        } catch PostgresStoreError.refused(_, let state) where state == PostgresStoreError.uniqueViolation {
            throw PostgresStoreError.villageExists(code)
        }
        return village(code)
    }

    /// Refuses a village code or township name the database does not take (its CHECKs, said before they refuse).
    static func check(village code: String, township: String?) throws {
        guard code.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}/) != nil else { throw PostgresStoreError.badVillageCode(code) }
        if let township, township.isEmpty || township.count > 64 { throw PostgresStoreError.badTownship(township) }
    }

    /// A village's code, head (as its chain stands) and township (nil: none).
    public struct VillageHead: Sendable, Equatable {
        public let village: String
        public let seq: Int64
        public let hash: Data
        public var township: String? = nil
    }

    /// Every village with its head, by code.
    public func villages() throws -> [VillageHead] {
        try pool.withConnection { connection in
            try connection.rows("SELECT village, head_seq, head_hash, township FROM villages ORDER BY village").map { row in
                let (village, seq, hash, township) = try row.decode((String, Int64, Data, String?).self)
                return VillageHead(village: village, seq: seq, hash: hash, township: township)
            }
        }
    }

    /// The schema's version: the newest migration applied.
    public func schemaVersion() throws -> Int {
        try pool.withConnection { connection in
            try connection.rows("SELECT coalesce(max(version), 0) FROM jifen_migrations").first.map { try $0.decode(Int.self) } ?? 0
        }
    }

    /// Applies the migrations the database lacks, all in one transaction, each with its record in `jifen_migrations`:
    /// the tables a migration alters stay locked until the last has run. Two programs opening a new database at once
    /// take turns on an advisory lock; the second finds it done.
    private func migrate() throws {
        try pool.withConnection { connection in
            try connection.run("BEGIN")
            do {
                try connection.run("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
                try connection.run(PostgresQuery(unsafeSQL: CountySchema.versionTable))
                let applied = Set(try connection.rows("SELECT version FROM jifen_migrations").map { try $0.decode(Int.self) })
                if let newest = applied.max(), newest > CountySchema.latest {
                    throw PostgresStoreError.newerSchema(found: newest, known: CountySchema.latest)
                }
                for migration in CountySchema.migrations where !applied.contains(migration.version) {
                    for statement in CountySchema.statements(migration.sql) {
                        try connection.run(PostgresQuery(unsafeSQL: statement))
                    }
                    try connection.run("INSERT INTO jifen_migrations (version, file) VALUES (\(migration.version), \(migration.file))")
                }
                try connection.run("COMMIT")
            } catch {
                connection.rollback(after: error)
                throw error
            }
        }
    }

    /// The advisory lock migrations take (any fixed number; "jifen" in ASCII).
    static let migrationLock: Int64 = 0x6A6966656E

    /// The connection `url` names.
    static func configuration(url: String) throws -> PostgresConnection.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let user = components.user, !user.isEmpty else { throw PostgresStoreError.badURL(url) }
        let database = components.path.hasPrefix("/") && components.path.count > 1 ? String(components.path.dropFirst()) : nil
        let port = components.port ?? 5432
        if let folder = components.queryItems?.first(where: { $0.name == "host" })?.value, folder.hasPrefix("/") {
            return .init(unixSocketPath: "\(folder)/.s.PGSQL.\(port)", username: user, password: components.password, database: database)
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresStoreError.badURL(url) }
        return .init(host: host, port: port, username: user, password: components.password, database: database, tls: .disable)
    }
}

/// The folds of the villages a county used last, each with the head it was folded to: what `decide` reads, without
/// SQLite's projection tables. At most `capacity` villages, holding at most `events` events together (a fold's memory
/// grows with its village's log, about 400 bytes an event: docs/SCALE.md); the least recently used is dropped first,
/// never the one just kept, so a village larger than the whole budget is still kept alone.
///
/// What a miss costs: the village's whole log read back (5,000 rows a query) and folded again, every link and hash
/// checked on the way; about the cost of `jifen rebuild` on the village's file (docs/SCALE.md). A hit costs the events
/// appended since the fold's head by other processes (none when this process is the village's only writer).
final class FoldCache: @unchecked Sendable {
    // `entries`, `clock` and `held` are read and changed only under `lock` (hence `@unchecked Sendable`).
    private let lock = NSLock()
    private var entries: [String: (fold: Fold, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    /// The events the kept folds hold together: each fold's head (it folded the village's log from 1 to there).
    private var held: Int64 = 0
    let capacity: Int
    let events: Int64

    init(capacity: Int, events: Int64 = PostgresCounty.defaultCachedEvents) {
        self.capacity = max(1, capacity)
        self.events = max(1, events)
    }

    func fold(of village: String) -> Fold? {
        lock.withLock {
            clock += 1
            entries[village]?.used = clock
            return entries[village]?.fold
        }
    }

    /// Keeps `fold` as the village's, unless the one kept is further along the chain already.
    func publish(_ fold: Fold, of village: String) {
        lock.withLock {
            clock += 1
            if let kept = entries[village], kept.fold.seq > fold.seq { return }
            held += fold.seq - (entries[village]?.fold.seq ?? 0)
            entries[village] = (fold, clock)
            // A scan of the entries for each one dropped: microseconds for thousands, against a fold's milliseconds.
            while entries.count > capacity || held > events,
                  let oldest = entries.filter({ $0.key != village }).min(by: { $0.value.used < $1.value.used })?.key {
                held -= entries[oldest]?.fold.seq ?? 0
                entries[oldest] = nil
            }
        }
    }

    /// How many villages' folds are kept.
    var count: Int { lock.withLock { entries.count } }

    /// How many events they hold together.
    var heldEvents: Int64 { lock.withLock { held } }
}
