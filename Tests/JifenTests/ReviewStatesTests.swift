import Foundation
import Jifen
import JifenCore
import Testing

/// Migration 0006: the reviews' states checked by comparisons rather than a list. A ledger from before it is read as
/// it is; its first write brings it, the rows unchanged.
@Suite("The reviews' states (migration 0006)") struct ReviewStatesTests {
    static let listed = "CHECK (state IN ('proposed', 'pending', 'posted', 'objected'))"
    static let spelled = "CHECK (state = 'proposed' OR state = 'pending' OR state = 'posted' OR state = 'objected')"

    /// Takes the office's ledger back to before migration 0006, as such a ledger has it: `p_reviews` as migration 0003
    /// made it (its rows kept), and 0006 not applied.
    static func takeBack(_ office: Office) throws {
        expectOK(try office.run("/usr/bin/sqlite3", [office.path("jifen.sqlite"), """
            PRAGMA writable_schema = ON;
            UPDATE sqlite_master SET sql = replace(replace(sql, 'CREATE TABLE "p_reviews"', 'CREATE TABLE p_reviews'), \
            '\(spelled.replacingOccurrences(of: "'", with: "''"))', '\(listed.replacingOccurrences(of: "'", with: "''"))') \
            WHERE name = 'p_reviews';
            PRAGMA writable_schema = OFF;
            DELETE FROM grdb_migrations WHERE identifier = '0006_review_states';
            """]))
    }

    /// A ledger from before a migration verifies and is read (a balance) as it is: the file is left byte for byte.
    static func readsVerifyAndLeaveTheFile(_ office: Office) throws {
        let file = office.path("jifen.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let verified = try office.jifen("verify", "--json")
        expectOK(verified)
        #expect(verified.out.contains("\"valid\" : true"))
        expectOK(try office.jifen("balance", "H001"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before, "a read leaves the file as it was")
    }

    @Test func aLedgerFromBeforeReadsVerifiesAndGainsTheMigrationOnItsFirstWrite() throws {
        let office = try Golden().village()
        let file = office.path("jifen.sqlite")
        let rows = try office.sqlite("SELECT * FROM p_reviews ORDER BY seq")
        #expect(!rows.isEmpty, "the village has scores waiting for review")
        try Self.takeBack(office)
        #expect(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'p_reviews'").joined().contains(Self.listed))
        try Self.readsVerifyAndLeaveTheFile(office)

        expectOK(try office.jifen("record", "H001", "A1.2", "--date", "2026-01-14", "--by", "王会计"))
        let table = try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'p_reviews'").joined()
        #expect(table.contains(Self.spelled) && !table.contains(Self.listed))
        #expect(try office.sqlite("SELECT identifier FROM grdb_migrations WHERE identifier = '0006_review_states'").count == 1)
        let after = try office.sqlite("SELECT * FROM p_reviews ORDER BY seq")
        #expect(Array(after.prefix(rows.count)) == rows, "the rows from before are as they were")
        #expect(after.count == rows.count + 1, "and the new score waits beside them")
        let again = try office.jifen("verify", "--json")
        expectOK(again)
        #expect(again.out.contains("\"valid\" : true"))
        // The comparisons admit what the list admitted, and nothing else.
        let refused = try office.run("/usr/bin/sqlite3", [file, "UPDATE p_reviews SET state = 'final' WHERE seq = (SELECT min(seq) FROM p_reviews)"])
        #expect(refused.status != 0 && refused.err.contains("CHECK constraint failed"))
    }
}
