import Foundation
import Testing

/// `verify` checks the log's indexes by digest and order (IndexDigests) instead of SQLite's row-by-row
/// `integrity_check`: each damage here is one `integrity_check` reports, and `verify` names it with its index.
@Suite struct IndexDamage {
    /// A damage made with SQLite's own hands: the index's definition is swapped for `definition`, the index rebuilt
    /// from it, and the definition put back, so that the index holds what `definition` gives and the schema reads as
    /// before. `finding` is what `verify --lang en` must say.
    struct Damage: CustomTestStringConvertible, Sendable {
        let label: String
        let index: String
        var formats: [StoredFormat] = StoredFormat.allCases
        let definition: String
        let finding: String
        var testDescription: String { label }
    }

    /// The damages, each over the stored formats whose log has its index (LOG in a definition is the log's table):
    /// format 1's log has a unique index on the id, format 2's holds none, its unique index being the stream's.
    static let damages: [Damage] = [
        Damage(label: "an entry altered", index: "events_household",
               definition: "CREATE INDEX events_household ON LOG (CASE WHEN seq = 13 THEN 'H999' ELSE household END, occurred_on) WHERE household IS NOT NULL",
               finding: "the index events_household does not hold exactly the rows of the events table"),
        Damage(label: "an entry dropped", index: "events_household",
               definition: "CREATE INDEX events_household ON LOG (household, occurred_on) WHERE household IS NOT NULL AND seq <> 13",
               finding: "the index events_household does not hold exactly the rows of the events table"),
        Damage(label: "an entry added that look-ups find", index: "events_household",
               definition: "CREATE INDEX events_household ON LOG (coalesce(household, 'H001'), occurred_on) WHERE household IS NOT NULL OR seq = 1",
               finding: "the index events_household does not hold exactly the rows of the events table"),
        Damage(label: "an entry added outside the partial index's condition", index: "events_household",
               definition: "CREATE INDEX events_household ON LOG (household, occurred_on) WHERE household IS NOT NULL OR seq = 1",
               finding: "the index events_household holds"),
        Damage(label: "the entries out of order", index: "events_household",
               definition: "CREATE INDEX events_household ON LOG (household DESC, occurred_on) WHERE household IS NOT NULL",
               finding: "the index events_household holds its entries out of order"),
        Damage(label: "a unique index's entry dropped", index: "events_id", formats: [.wide],
               definition: "CREATE UNIQUE INDEX events_id ON LOG (id) WHERE seq <> 2",
               finding: "the index events_id does not hold exactly the rows of the events table"),
        Damage(label: "a unique index's entry dropped", index: "events_stream", formats: [.compact],
               definition: "CREATE UNIQUE INDEX events_stream ON LOG (stream, stream_version) WHERE seq <> 2",
               finding: "the index events_stream does not hold exactly the rows of the events table"),
        Damage(label: "a unique index's entry altered", index: "events_stream",
               definition: "CREATE UNIQUE INDEX events_stream ON LOG (stream, CASE WHEN seq = 13 THEN 99 ELSE stream_version END)",
               finding: "the index events_stream does not hold exactly the rows of the events table"),
        Damage(label: "the entries of an item dropped from its index", index: "events_item",
               definition: "CREATE INDEX events_item ON LOG (item, occurred_on) WHERE item IS NOT NULL AND item <> 'salt'",
               finding: "the index events_item does not hold exactly the rows of the events table"),
    ]

    /// A damage in a ledger of one stored format.
    struct Case: CustomTestStringConvertible, Sendable {
        let format: StoredFormat
        let damage: Damage
        var testDescription: String { "\(damage.label) (\(damage.index), \(format.testDescription))" }
    }

    static let cases: [Case] = StoredFormat.allCases.flatMap { format in
        damages.filter { $0.formats.contains(format) }.map { Case(format: format, damage: $0) }
    }

    @Test(arguments: cases)
    func isFoundAndNamed(_ found: Case) throws {
        let damage = found.damage
        let office = try found.format.making { try Golden().village() }
        #expect(try office.logTable() == found.format.table)
        expectOK(try office.jifen("verify"))
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = '\(damage.index)'").first)
        let definition = damage.definition.replacingOccurrences(of: "LOG", with: found.format.table)
        try damageIndex(office, damage.index, definition: definition, original: original)
        #expect(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = '\(damage.index)'") == [original], "the schema reads as before")
        #expect(try office.sqlite("PRAGMA integrity_check") != ["ok"], "SQLite's own check sees the damage too")
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2 && verify.out.contains(damage.finding), "\(verify.out)\(verify.err)")
        // The chain and the balances are sound: the index is the one finding.
        #expect(!verify.out.contains("event #"), "\(verify.out)")
        let audit = try office.jifen("audit", "verify", "--lang", "en")
        #expect(audit.status == 2 && audit.out.contains(damage.finding), "\(audit.out)")
    }

    /// The log's unique index of each stored format that a damage below breaks: format 1's on the id, format 2's (which
    /// has none on the id) on the stream.
    static func uniqueIndex(_ format: StoredFormat) -> (name: String, columns: [String]) {
        format == .wide ? ("events_id", ["id"]) : ("events_stream", ["stream", "stream_version"])
    }

    @Test("a unique index holding one key twice", arguments: StoredFormat.allCases)
    func duplicateKey(_ format: StoredFormat) throws {
        let office = try format.making { try Golden().village() }
        #expect(try office.logTable() == format.table)
        let (index, columns) = Self.uniqueIndex(format)
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = '\(index)'").first)
        // Event #13's entry made to hold event #12's key (each value as an SQL literal: an index takes no subquery).
        let keys = try columns.map { column in
            let value = try #require(try office.sqlite("SELECT quote(\(column)) FROM \(format.table) WHERE seq = 12").first)
            return "CASE WHEN seq = 13 THEN \(value) ELSE \(column) END"
        }
        try damageIndex(office, index, definition: "CREATE INDEX \(index) ON \(format.table) (\(keys.joined(separator: ", ")))", original: original)
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2 && verify.out.contains("the unique index \(index) holds an entry twice"), "\(verify.out)")
    }

    /// An index entry left behind by a row taken out of the table while SQLite did not know the index held it: its
    /// rowid is past the log's last event, where the digest (read through the head) does not look.
    @Test("an index entry pointing past the last event", arguments: StoredFormat.allCases)
    func entryPastTheLastEvent(_ format: StoredFormat) throws {
        let office = try format.making { try Golden().village() }
        let table = try office.logTable()
        #expect(table == format.table)
        let (index, columns) = Self.uniqueIndex(format)
        let last = try office.eventCount()
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = '\(index)'").first)
        let trigger = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_are_never_deleted'").joined(separator: "\n") as String?)
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        func define(_ sql: String) throws {
            _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = '\(sql.replacingOccurrences(of: "'", with: "''"))' WHERE name = '\(index)'")
        }
        // The index read as one that leaves the last event out, so that deleting the event leaves its entry in place.
        try define("CREATE UNIQUE INDEX \(index) ON \(table) (\(columns.joined(separator: ", "))) WHERE seq <> \(last)")
        _ = try office.sqlite("DROP TRIGGER events_are_never_deleted; DELETE FROM \(table) WHERE seq = \(last); \(trigger);")
        try define(original)
        #expect(try office.sqlite("SELECT count(*) FROM \(table) NOT INDEXED") == ["\(last - 1)"])
        #expect(try office.sqlite("PRAGMA integrity_check") != ["ok"], "SQLite's own check sees the stray entry")
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2 && verify.out.contains("the index \(index) holds 1 entry for no row of the events table"), "\(verify.out)\(verify.err)")
    }

    func damageIndex(_ office: Office, _ index: String, definition: String, original: String) throws {
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        func define(_ sql: String) throws {
            _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = '\(sql.replacingOccurrences(of: "'", with: "''"))' WHERE name = '\(index)'")
        }
        try define(definition)
        _ = try office.sqlite("REINDEX \(index)")
        try define(original)
    }
}
