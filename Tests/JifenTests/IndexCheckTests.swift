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
        let definition: String
        let finding: String
        var testDescription: String { label }
    }

    static let damages: [Damage] = [
        Damage(label: "an entry altered", index: "events_household",
               definition: "CREATE INDEX events_household ON events (CASE WHEN seq = 13 THEN 'H999' ELSE household END, occurred_on) WHERE household IS NOT NULL",
               finding: "the index events_household does not hold exactly the rows of the events table"),
        Damage(label: "an entry dropped", index: "events_household",
               definition: "CREATE INDEX events_household ON events (household, occurred_on) WHERE household IS NOT NULL AND seq <> 13",
               finding: "the index events_household does not hold exactly the rows of the events table"),
        Damage(label: "an entry added that look-ups find", index: "events_household",
               definition: "CREATE INDEX events_household ON events (coalesce(household, 'H001'), occurred_on) WHERE household IS NOT NULL OR seq = 1",
               finding: "the index events_household does not hold exactly the rows of the events table"),
        Damage(label: "an entry added outside the partial index's condition", index: "events_household",
               definition: "CREATE INDEX events_household ON events (household, occurred_on) WHERE household IS NOT NULL OR seq = 1",
               finding: "the index events_household holds"),
        Damage(label: "the entries out of order", index: "events_household",
               definition: "CREATE INDEX events_household ON events (household DESC, occurred_on) WHERE household IS NOT NULL",
               finding: "the index events_household holds its entries out of order"),
        Damage(label: "a unique index's entry dropped", index: "events_id",
               definition: "CREATE UNIQUE INDEX events_id ON events (id) WHERE seq <> 2",
               finding: "the index events_id does not hold exactly the rows of the events table"),
        Damage(label: "a unique index's entry altered", index: "events_stream",
               definition: "CREATE UNIQUE INDEX events_stream ON events (stream, CASE WHEN seq = 13 THEN 99 ELSE stream_version END)",
               finding: "the index events_stream does not hold exactly the rows of the events table"),
    ]

    @Test(arguments: damages)
    func isFoundAndNamed(_ damage: Damage) throws {
        let office = try Golden().village()
        expectOK(try office.jifen("verify"))
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = '\(damage.index)'").first)
        try damageIndex(office, damage.index, definition: damage.definition, original: original)
        #expect(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = '\(damage.index)'") == [original], "the schema reads as before")
        #expect(try office.sqlite("PRAGMA integrity_check") != ["ok"], "SQLite's own check sees the damage too")
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2 && verify.out.contains(damage.finding), "\(verify.out)\(verify.err)")
        // The chain and the balances are sound: the index is the one finding.
        #expect(!verify.out.contains("event #"), "\(verify.out)")
        let audit = try office.jifen("audit", "verify", "--lang", "en")
        #expect(audit.status == 2 && audit.out.contains(damage.finding), "\(audit.out)")
    }

    @Test("a unique index holding one key twice")
    func duplicateKey() throws {
        let office = try Golden().village()
        let id = try #require(try office.sqlite("SELECT id FROM events WHERE seq = 12").first)
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_id'").first)
        try damageIndex(office, "events_id", definition: "CREATE INDEX events_id ON events (CASE WHEN seq = 13 THEN '\(id)' ELSE id END)",
                        original: original)
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2 && verify.out.contains("the unique index events_id holds an entry twice"), "\(verify.out)")
    }

    /// An index entry left behind by a row taken out of the table while SQLite did not know the index held it: its
    /// rowid is past the log's last event, where the digest (read through the head) does not look.
    @Test("an index entry pointing past the last event")
    func entryPastTheLastEvent() throws {
        let office = try Golden().village()
        let last = try office.eventCount()
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_id'").first)
        let trigger = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_are_never_deleted'").joined(separator: "\n") as String?)
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        func define(_ sql: String) throws {
            _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = '\(sql.replacingOccurrences(of: "'", with: "''"))' WHERE name = 'events_id'")
        }
        // The index read as one that leaves the last event out, so that deleting the event leaves its entry in place.
        try define("CREATE UNIQUE INDEX events_id ON events (id) WHERE seq <> \(last)")
        _ = try office.sqlite("DROP TRIGGER events_are_never_deleted; DELETE FROM events WHERE seq = \(last); \(trigger);")
        try define(original)
        #expect(try office.sqlite("SELECT count(*) FROM events NOT INDEXED") == ["\(last - 1)"])
        #expect(try office.sqlite("PRAGMA integrity_check") != ["ok"], "SQLite's own check sees the stray entry")
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2 && verify.out.contains("the index events_id holds 1 entry for no row of the events table"), "\(verify.out)\(verify.err)")
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
