import Foundation
import GRDB
import Jifen
import JifenCore
@testable import JifenStore
import Testing

/// `verifyAll` walks a long chain in two halves side by side and joins them at the middle: what it finds is what one
/// walk from the start finds, in the same order, wherever the damage lies.
@Suite struct ChainInHalves {
    /// A village of 7 events, of which the halves are #1…#3 and #4…#7; `damage` runs on it with the update and delete
    /// triggers out of the way.
    func findings(_ damage: String?, problemsMax: Int = 100) throws -> (halves: VerifyReport, whole: VerifyReport) {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        #expect(try eventCount(ledger) == 7)
        if let damage {
            try ledger.store.withDatabase { db in
                let triggers = try String.fetchAll(db, sql: """
                    SELECT sql FROM sqlite_master WHERE name IN ('events_are_never_updated', 'events_are_never_deleted')
                    """)
                #expect(triggers.count == 2)
                try db.execute(sql: "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted")
                try db.execute(sql: damage)
                for trigger in triggers { try db.execute(sql: trigger) }
            }
        }
        return (try ledger.store.verifyAll(audit: false, chainHalvesFrom: 2, problemsMax: problemsMax),
                try ledger.store.verifyAll(audit: false, chainHalvesFrom: .max, problemsMax: problemsMax))
    }

    @Test func aSoundChainIsWholeWithItsHead() throws {
        let (halves, whole) = try findings(nil)
        #expect(halves.isValid && halves.events == 7, "\(halves.problems)")
        #expect(halves.head == whole.head && halves.events == whole.events && whole.isValid)
    }

    @Test(arguments: [
        // In the second half.
        ("UPDATE events SET recorded_at = '2025-01-01T00:00:00.000Z' WHERE seq = 7", [7]),
        // At the join: the second half's first event no longer links to the first half's last.
        ("UPDATE events SET prev_hash = zeroblob(32) WHERE seq = 4", [4, 4]),
        // In the first half, at its end.
        ("UPDATE events SET actor = '李会计' WHERE seq = 3", [3]),
        // Missing at the join: the last event of the first half, its last two, the first of the second half, and one on
        // each side. One walk finds the gap at the first event after it, and then that event's link.
        ("DELETE FROM events WHERE seq = 3", [4, 4]),
        ("DELETE FROM events WHERE seq IN (2, 3)", [4, 4]),
        ("DELETE FROM events WHERE seq = 4", [5, 5]),
        ("DELETE FROM events WHERE seq IN (3, 4)", [5, 5]),
    ])
    func damageIsFoundAsByOneWalk(_ damage: String, _ seqs: [Int64]) throws {
        let (halves, whole) = try findings(damage)
        #expect(halves.problems.map(\.seq).prefix(seqs.count) == seqs[...], "\(halves.problems)")
        #expect(halves.problems.map(\.seq) == whole.problems.map(\.seq))
        #expect(halves.problems.map(\.what) == whole.problems.map(\.what))
        #expect(halves.events == whole.events && halves.head == whole.head)
    }

    /// The halves joined keep the first `problemsMax` findings, as one walk does: here the broken link at the join, and
    /// not #4's hash after it.
    @Test func theJoinKeepsAsManyFindingsAsOneWalk() throws {
        let (halves, whole) = try findings("UPDATE events SET prev_hash = zeroblob(32) WHERE seq = 4", problemsMax: 1)
        #expect(halves.problems.map(\.what) == whole.problems.map(\.what))
        #expect(halves.problems.map(\.seq) == [4] && halves.problems.first?.what.contains("link") == true, "\(halves.problems)")
    }

    /// A writer may append while verify runs, and each connection reads its own snapshot: the chain and the indexes are
    /// held to the head read at the start, so rows appended since (which the index scan may see) are no finding.
    @Test func theIndexesAreHeldToTheHeadTheChainRead() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.store.withDatabase { db in
            var digests = try IndexDigests(db)
            #expect(digests != nil)
            _ = try EventStore.walkChain(db, through: 5, digests: &digests)
            var held: [String] = [], unbounded: [String] = []
            try digests?.checkIndexes(db, through: 5) { _, en in held.append(en) }
            try digests?.checkIndexes(db) { _, en in unbounded.append(en) }
            #expect(held.isEmpty, "\(held)")
            // (Without the bound, events #6 and #7's entries would be missing from the table's side.)
            #expect(!unbounded.isEmpty)
        }
    }
}
