import Crypto
import Foundation
import GRDB
import JifenCore

// A ledger file can be damaged behind SQLite's back (a bad disk, a copy cut short, a hand with a hex editor), and
// SQLite then hands back what no jifen wrote: a NULL where a value must be, a date that is not a date, a payload that
// is not JSON. Every read of a stored value goes through these, so that damage is an error naming the column and
// what it held (exit 2), never a trap.

extension Row {
    /// Column `index`: NULL (or what cannot be read as `T`) is damage.
    @inline(__always)
    func at<T: DatabaseValueConvertible & StatementColumnConvertible>(_ index: Int) throws -> T {
        do {
            return try decode(T.self, atIndex: index)
        } catch {
            throw StoreError.damaged(column: column(index), found: found(index))
        }
    }

    /// Column `index` as an event's figure (points or stock): an integer within what any ledger holds
    /// (`EventStore.factsLimit`), so that no sum of them overflows; anything else is damage.
    func figure(_ index: Int) throws -> Int {
        let value: Int = try at(index)
        guard Int64(value).magnitude <= EventStore.factsLimit.magnitude else {
            throw StoreError.damaged(column: column(index), found: found(index))
        }
        return value
    }

    /// Column `index` as a date (YYYY-MM-DD): anything else is damage.
    func date(_ index: Int) throws -> LocalDate {
        guard let text = self[index] as String?, let date = LocalDate(text) else {
            throw StoreError.damaged(column: column(index), found: found(index))
        }
        return date
    }

    /// Column `index` as a date, or nil when it is NULL; a value that is not a date is damage.
    func optionalDate(_ index: Int) throws -> LocalDate? {
        guard let text = self[index] as String? else { return nil }
        guard let date = LocalDate(text) else { throw StoreError.damaged(column: column(index), found: found(index)) }
        return date
    }

    /// Column `index` as one of an enumeration's stored names (a status, a role): any other text is damage.
    func choice<T: RawRepresentable<String>>(_ index: Int, _ text: String? = nil) throws -> T {
        guard let raw = text ?? (self[index] as String?), let value = T(rawValue: raw) else {
            throw StoreError.damaged(column: column(index), found: found(index))
        }
        return value
    }

    private func column(_ index: Int) -> String {
        let names = Array(columnNames)
        return index < names.count ? names[index] : "#\(index)"
    }

    private func found(_ index: Int) -> String {
        guard index < count else { return "nothing" }
        let value = Array(databaseValues)[index]
        return value.isNull ? "NULL" : String(value.description.prefix(40))
    }
}

extension StoreError {
    /// A stored event's payload that cannot be read back as its type: damage, naming the event.
    static func damagedPayload(seq: Int64, _ error: any Error) -> StoreError {
        .damaged(column: "events.payload (#\(seq))", found: String(describing: error).prefix(60).description)
    }
}

extension EventStore {
    /// The schema's objects (tables, indexes, triggers) and their SQL as the migrations make them, read once from a
    /// ledger made in memory.
    static let expectedWide = expectedSchema(.wide)
    static let expectedCompact = expectedSchema(.compact)
    /// As a ledger from before passwords has it (read as it is, `credentialsStandIn`).
    static let expectedWideBeforePasswords = expectedSchema(.wide, upTo: "0003_governance")
    static let expectedCompactBeforePasswords = expectedSchema(.compact, upTo: "0003_governance")
    /// As a ledger from before households' cards has it (read as it is, `cardsStandIn`).
    static let expectedWideBeforeCards = expectedSchema(.wide, upTo: credentialsMigration)
    static let expectedCompactBeforeCards = expectedSchema(.compact, upTo: credentialsMigration)
    /// As a ledger from before the reviews' states were spelled out has it (read as it is).
    static let expectedWideBeforeReviewStates = expectedSchema(.wide, upTo: cardsMigration)
    static let expectedCompactBeforeReviewStates = expectedSchema(.compact, upTo: cardsMigration)

    /// Made on first use, per format: a command reads only its own ledger's.
    static func expectedSchema(_ format: LogFormat, upTo last: String? = nil) -> Result<[String: String], any Error> {
        Result {
            let memory = try DatabaseQueue()
            if let last { try migrator(format).migrate(memory, upTo: last) } else { try migrator(format).migrate(memory) }
            return try memory.read { db in try schema(db) }
        }
    }

    static func schema(_ db: Database) throws -> [String: String] {
        var objects: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'grdb_migrations'
            """) {
            objects["\(try row.at(0) as String) \(try row.at(1) as String)"] = row[2] as String? ?? ""
        }
        return objects
    }

    /// The digest of a schema as `schema(_:)` reads it: each object's name and SQL, in order of name.
    static func digest(of schema: [String: String]) -> String {
        // Hashed as it goes, and written in hex by hand: `String(format:)` for each byte of the digest was most of the
        // 2.6 M instructions this took in every write's check.
        var hasher = SHA256()
        for name in schema.keys.sorted() {
            hasher.update(data: Array(name.utf8) + [0])
            hasher.update(data: Array((schema[name] ?? "").utf8) + [0])
        }
        return hasher.finalize().lowercaseHex
    }

    /// The digests of the whole schema of each stored format, as every migration makes it: a ledger whose schema has
    /// this digest has nothing missing or changed, known without making the expected schema in memory (which costs
    /// a quarter of a `record`'s work: every migration's SQL parsed and run). A test holds these to
    /// `expectedSchema`; a ledger at an earlier level, or one that differs, is compared object by object.
    static let wholeSchemaDigests: [LogFormat: String] = [
        .compact: "d6f1864a8cb9b96ad283a5545e14b07c3e7a73b58fe3a827eb278e95fd055e8f",
        .wide: "7b9114581765befdd4a5027c473897c68f6f4dbc65f89cd80077d46e04e5269c",
    ]

    /// What of the schema is missing or not as the migrations made it (a dropped table, a changed index), by name.
    static func schemaProblems(_ db: Database) throws -> [String] {
        let format = try LogFormat.of(db)
        if let known = wholeSchemaDigests[format], digest(of: try schema(db)) == known { return [] }
        let applied = try migrator(format).appliedIdentifiers(db)
        let expected = try (!applied.contains(credentialsMigration)
            ? (format == .compact ? expectedCompactBeforePasswords : expectedWideBeforePasswords)
            : !applied.contains(cardsMigration) ? (format == .compact ? expectedCompactBeforeCards : expectedWideBeforeCards)
            : !applied.contains(reviewStatesMigration) ? (format == .compact ? expectedCompactBeforeReviewStates : expectedWideBeforeReviewStates)
            : (format == .compact ? expectedCompact : expectedWide)).get()
        let found = try schema(db)
        let order = ["table": 0, "index": 1, "trigger": 2]
        let names = expected.keys.sorted { (order[String($0.prefix { $0 != " " })] ?? 3, $0) < (order[String($1.prefix { $0 != " " })] ?? 3, $1) }
        return names.compactMap { name in
            guard let sql = found[name] else { return "\(name): missing" }
            return sql == expected[name] ? nil : "\(name): changed"
        }
    }

    /// The tables other than the log: the village's register, its people, what waits for review.
    static let projectionTables = ["p_ledger", "p_units", "p_households", "p_items", "p_sheets", "p_actors", "p_notices", "p_reviews",
                                   "p_requests", "p_schemes", "p_settlements", "p_ratings"]

    /// The projection tables that stay small on a ledger of any size (a village's units, items, people, notices,
    /// sheets, requests, schemes and years): SQLite's integrity check of each, before every write, costs well under a
    /// millisecond on the governed 10^6 ledger. They are checked whole because a row or index entry that is missing
    /// reads as "not there", and "not there" decides things (a sheet not yet imported, a year not yet settled, a
    /// request not yet made), which reading a row cannot reveal. The large ones (households, reviews, ratings) are not.
    static let smallProjectionTables = ["p_ledger", "p_units", "p_items", "p_sheets", "p_actors", "p_notices", "p_requests",
                                        "p_schemes", "p_settlements"]

    /// The structural check a write makes before it writes: the schema whole, SQLite's integrity check of the small
    /// projection tables, and the head of the log read back and linked to the event before it. It costs the same on a
    /// ledger of any size. The rows a decision reads from the large tables are checked as they are read (every
    /// accessor of `StoreSession` refuses a row that is not what jifen writes, so damage there refuses the write and
    /// writes nothing), and a household looked up and not found is confirmed by the integrity check of the household
    /// table (`StoreSession.household`); damage in rows the write does not read, and deeper in the log, is `verify`'s
    /// to find (SQLite's page and index checks, the chain, the replay, every projection row read back). A write that
    /// reaches a damaged page fails there with SQLite's error and writes nothing.
    func checkStructure(projections: Bool = true) throws {
        try queue.read { db in
            if let problem = try EventStore.schemaProblems(db).first { throw StoreError.failedCheck(what: problem) }
            for table in EventStore.smallProjectionTables where projections {
                try EventStore.checkTable(db, table)
            }
            // The head of the log, which the next event will link to: its hash recomputed, its link to the event before.
            let head = try LogRows(db, where: "1", order: "seq DESC LIMIT 2")
            var canonical = CanonicalBuffer()
            if try head.next() {
                let seq = head.int64(0)
                let link = Data(head.bytes(19))
                if !head.chainDigest(&canonical).withUnsafeBytes({ head.equals(20, $0) }) {
                    throw StoreError.failedCheck(what: "events #\(seq): its contents do not match its hash")
                }
                if try head.next(), head.int64(0) != seq - 1 || Data(head.bytes(20)) != link {
                    throw StoreError.failedCheck(what: "events #\(seq): not linked to the event before it")
                }
            }
        }
    }

    /// SQLite's integrity check of one table and its indexes; the first findings thrown.
    static func checkTable(_ db: Database, _ table: String) throws {
        let result = try String.fetchAll(db, sql: "PRAGMA integrity_check(\(table.quotedDatabaseIdentifier))")
        if result != ["ok"] { throw StoreError.failedCheck(what: result.prefix(3).joined(separator: "; ")) }
    }

    /// Every projection row read back as what jifen writes (a date that is a date, a status it knows, JSON that
    /// decodes); the first that does not is thrown. `verify`'s, not a write's: a write checks only the rows it reads.
    static func readBack(_ db: Database) throws {
        let session = StoreSession(db: db)
        _ = try session.ledgerRow()
        _ = try (session.units(), session.households(), session.items(), session.actors(), session.notices(),
                 session.allReviews(), session.requests(), session.schemes())
        for settlement in try session.settlements() { _ = try session.ratings(year: settlement.year) }
    }
}

extension VerifyReport.Problem {
    /// What an error met while reading the ledger says about it, as a finding of `verify`.
    public init(reading error: any Error) {
        switch error {
        case let error as StoreError:
            self.init(seq: 0, zh: error.chinese, en: error.description)
        case let error as ProjectionError:
            self.init(seq: error.seq, zh: "它无法重放（\(error.problem)）", en: "it cannot be replayed (\(error.problem))")
        case let error as DatabaseError:
            let message = error.message ?? "\(error.resultCode)"
            self.init(seq: 0, zh: "SQLite 读不下去：\(message)（文件已损坏）", en: "SQLite cannot read on: \(message) (the file is damaged)")
        default:
            let text = String(describing: error).prefix(120)
            self.init(seq: 0, zh: "账本里有读不出来的内容：\(text)", en: "the ledger holds what cannot be read: \(text)")
        }
    }
}

extension EventStore {
    /// What of the schema is missing or changed (the append-only triggers are `verify`'s own to name), as findings.
    func schemaFindings() -> [VerifyReport.Problem] {
        do {
            return try queue.read { db in
                try EventStore.schemaProblems(db).filter { !$0.hasPrefix("trigger ") }.map {
                    VerifyReport.Problem(seq: 0, zh: "账本的结构不完整：\($0)", en: "the ledger's structure is not whole: \($0)")
                }
            }
        } catch {
            return [VerifyReport.Problem(reading: error)]
        }
    }

    /// What SQLite's own checks say of the file's pages and constraints: `quick_check` of the whole file (every page,
    /// NOT NULL, CHECK) and the full `integrity_check` of each table but the log (small: the projections, each with
    /// its indexes); the log's indexes are `IndexDigests`' to check. With `full`, SQLite's full check of the whole
    /// file instead (for indexes of a form `IndexDigests` does not read).
    func pageProblems(full: Bool, problemsMax: Int = 100) -> [VerifyReport.Problem] {
        func damaged(_ found: [String]) -> [VerifyReport.Problem] {
            found == ["ok"] ? [] : found.map {
                VerifyReport.Problem(seq: 0, zh: "SQLite 自检发现文件损坏：\($0)", en: "SQLite's own check finds the file damaged: \($0)")
            }
        }
        do {
            return try queue.read { db in
                if full { return damaged(try String.fetchAll(db, sql: "PRAGMA integrity_check(\(problemsMax))")) }
                var problems = damaged(try String.fetchAll(db, sql: "PRAGMA quick_check(\(problemsMax))"))
                let tables = try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('events', 'event_log') AND name NOT LIKE 'sqlite_%' ORDER BY name
                    """)
                for table in tables where problems.count < problemsMax {
                    problems += damaged(try String.fetchAll(db, sql: "PRAGMA integrity_check(\(table.quotedDatabaseIdentifier))"))
                }
                return Array(problems.prefix(problemsMax))
            }
        } catch {
            return [VerifyReport.Problem(reading: error)]
        }
    }
}
