import Foundation
import GRDB
import Jifen
import JifenCore
@testable import JifenStore
import Testing

/// `verify` holds the log's NOT NULL, CHECK, kind and bound rules in Swift (`LogRowRules`) and asks SQLite only about
/// the rows the Swift test does not clear: it must clear every sound row (else verify pays SQL's price for it) and no
/// row that breaks a rule (else the rule would go unchecked).
@Suite struct LogRulesInSwift {
    /// Damage to rows #1…#6 of a 7-event village, one rule broken in each, as SQL on each stored format's table.
    static func damage(_ format: LogFormat) -> [String] {
        let table = format.table
        return [
            // (SQLite holds NOT NULL even with CHECK off: stored format 1's payload is made a BLOB instead.)
            format == .compact ? "UPDATE event_log SET payload = NULL WHERE seq = 1" : "UPDATE events SET payload = CAST(payload AS BLOB) WHERE seq = 1",
            "UPDATE \(table) SET stream_version = 0 WHERE seq = 2",
            "UPDATE \(table) SET actor = CAST(actor AS BLOB) WHERE seq = 3",
            "UPDATE \(table) SET occurred_on = '2025-1-01' WHERE seq = 4",
            "UPDATE \(table) SET stock = 2000000000 WHERE seq = 5",
            "UPDATE \(table) SET hash = zeroblob(31) WHERE seq = 6",
        ]
    }

    @Test(arguments: LogFormat.allCases)
    func soundRowsAreClearedAndBrokenOnesAreLeftToSQLite(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"), format: format)
        #expect(try eventCount(ledger) == 7)
        // Before any damage: every row is cleared in Swift, and SQLite agrees that none breaks a rule.
        let sound = try verdicts(ledger)
        #expect(sound.count == 7 && sound.allSatisfy { $0.cleared && !$0.broken }, "\(sound)")
        try ledger.store.withDatabase { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON; DROP TRIGGER events_are_never_updated")
            for sql in LogRulesInSwift.damage(format) { try db.execute(sql: sql) }
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let damaged = try verdicts(ledger)
        #expect(damaged.map(\.seq) == Array(1...7))
        // SQLite's terms find each damaged row broken (#7 is untouched); Swift clears exactly the others.
        #expect(damaged.map(\.broken) == [true, true, true, true, true, true, false], "\(damaged)")
        #expect(damaged.map(\.cleared) == damaged.map { !$0.broken }, "\(damaged)")
        // And verify names each of them.
        let report = try ledger.store.verifyAll(audit: false)
        for seq in Int64(1)...6 {
            #expect(report.problems.contains { $0.seq == seq && $0.what.contains("breaks the schema's rule") }, "#\(seq): \(report.problems)")
        }
    }

    /// Each row's seq, whether `LogRowRules` clears it, and whether SQLite's terms find it broken.
    func verdicts(_ ledger: Ledger) throws -> [(seq: Int64, cleared: Bool, broken: Bool)] {
        try ledger.store.withDatabase { db in
            let rules = try #require(try LogRowRules.make(db, terms: try EventStore.constraintTerms(db)))
            let rows = try LogRows(db, where: "1")
            var found: [(seq: Int64, cleared: Bool, broken: Bool)] = []
            while try rows.next() {
                let seq = rows.int64(0)
                found.append((seq, rules.clears(rows.columns), try rules.breaks(seq: seq)))
            }
            return found
        }
    }
}
