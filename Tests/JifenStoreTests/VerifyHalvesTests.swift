import Foundation
import GRDB
import Jifen
import JifenCore
@testable import JifenStore
import Testing

/// `verifyAll` walks a long chain in two halves side by side and joins them at the middle: what it finds is what one
/// walk from the start finds, in the same order, wherever the damage lies.
@Suite struct ChainInHalves {
    /// A village of 7 events in `format`, of which the halves are #1…#3 and #4…#7; `damage` runs on it with the update
    /// and delete triggers out of the way.
    func findings(_ damage: String?, format: LogFormat = .compact, problemsMax: Int = 100) throws -> (halves: VerifyReport, whole: VerifyReport) {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"), format: format)
        #expect(try eventCount(ledger) == 7)
        if let damage {
            try ledger.store.withDatabase { db in
                let triggers = try String.fetchAll(db, sql: """
                    SELECT sql FROM sqlite_master WHERE name IN ('events_are_never_updated', 'events_are_never_deleted')
                    """)
                #expect(triggers.count == 2)
                try db.execute(sql: "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted")
                let before = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq")
                try db.execute(sql: damage)
                #expect(try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq") != before, "the damage changed the log")
                for trigger in triggers { try db.execute(sql: trigger) }
            }
        }
        return (try ledger.store.verifyAll(audit: false, chainHalvesFrom: 2, problemsMax: problemsMax),
                try ledger.store.verifyAll(audit: false, chainHalvesFrom: .max, problemsMax: problemsMax))
    }

    @Test(arguments: LogFormat.allCases)
    func aSoundChainIsWholeWithItsHead(_ format: LogFormat) throws {
        let (halves, whole) = try findings(nil, format: format)
        #expect(halves.isValid && halves.events == 7, "\(halves.problems)")
        #expect(halves.head == whole.head && halves.events == whole.events && whole.isValid)
    }

    /// One kind of damage as SQL on a file of each stored format, and the events the findings name first.
    struct Damage: Sendable, CustomTestStringConvertible {
        let wide: String
        let compact: String
        let seqs: [Int64]

        func sql(_ format: LogFormat) -> String { format == .wide ? wide : compact }
        var testDescription: String { wide }
    }

    static let damages: [Damage] = [
        // In the second half.
        Damage(wide: "UPDATE events SET recorded_at = '2025-01-01T00:00:00.000Z' WHERE seq = 7",
               compact: "UPDATE event_log SET recorded_at = 1735689600000 WHERE seq = 7", seqs: [7]),
        // In the first half, at its end.
        Damage(wide: "UPDATE events SET actor = '李会计' WHERE seq = 3", compact: "UPDATE event_log SET actor = '李会计' WHERE seq = 3", seqs: [3]),
        // The first half's last hash replaced: #3 no longer holds, and neither does the link to it at the join (stored
        // format 1 finds #4's previous hash no longer #3's; stored format 2, whose link is #3's hash, finds #4's hash
        // made over another link).
        Damage(wide: "UPDATE events SET hash = zeroblob(32) WHERE seq = 3", compact: "UPDATE event_log SET hash = zeroblob(32) WHERE seq = 3",
               seqs: [3, 4]),
        // Missing at the join: the last event of the first half, its last two, the first of the second half, and one on
        // each side. One walk finds the gap at the first event after it, and then that event's link.
        Damage(wide: "DELETE FROM events WHERE seq = 3", compact: "DELETE FROM event_log WHERE seq = 3", seqs: [4, 4]),
        Damage(wide: "DELETE FROM events WHERE seq IN (2, 3)", compact: "DELETE FROM event_log WHERE seq IN (2, 3)", seqs: [4, 4]),
        Damage(wide: "DELETE FROM events WHERE seq = 4", compact: "DELETE FROM event_log WHERE seq = 4", seqs: [5, 5]),
        Damage(wide: "DELETE FROM events WHERE seq IN (3, 4)", compact: "DELETE FROM event_log WHERE seq IN (3, 4)", seqs: [5, 5]),
        // Whole rows swapped across the join.
        Damage(wide: "UPDATE events SET seq = 1000 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = 1000",
               compact: "UPDATE event_log SET seq = 1000 WHERE seq = 3; UPDATE event_log SET seq = 3 WHERE seq = 4; UPDATE event_log SET seq = 4 WHERE seq = 1000",
               seqs: [3]),
    ]

    @Test(arguments: LogFormat.allCases, damages)
    func damageIsFoundAsByOneWalk(_ format: LogFormat, _ damage: Damage) throws {
        let (halves, whole) = try findings(damage.sql(format), format: format)
        // (The events' findings: with the scheme's event gone, rule_texts is named too, as no event's.)
        #expect(halves.problems.map(\.seq).filter { $0 > 0 }.prefix(damage.seqs.count) == damage.seqs[...], "\(halves.problems)")
        #expect(halves.problems.map(\.seq) == whole.problems.map(\.seq))
        #expect(halves.problems.map(\.what) == whole.problems.map(\.what))
        #expect(halves.events == whole.events && halves.head == whole.head)
    }

    /// At the join: the second half's first event no longer links to the first half's last. Only stored format 1 can
    /// hold such a link (its `prev_hash`); stored format 2 takes it from the row before.
    @Test func aBrokenLinkAtTheJoinIsFoundAsByOneWalk() throws {
        let (halves, whole) = try findings("UPDATE events SET prev_hash = zeroblob(32) WHERE seq = 4", format: .wide)
        #expect(halves.problems.map(\.seq) == [4, 4], "\(halves.problems)")
        #expect(halves.problems.map(\.what) == whole.problems.map(\.what))
        #expect(halves.events == whole.events && halves.head == whole.head)
    }

    /// The halves joined keep the first `problemsMax` findings, as one walk does: here the join's first finding, and not
    /// those after it at #4 (stored format 1: the broken link, not #4's hash; both formats: the gap where #3 was, not
    /// #4's link and hash).
    @Test(arguments: [(LogFormat.wide, "UPDATE events SET prev_hash = zeroblob(32) WHERE seq = 4", "link"),
                      (LogFormat.wide, "DELETE FROM events WHERE seq = 3", "missing"),
                      (LogFormat.compact, "DELETE FROM event_log WHERE seq = 3", "missing")])
    func theJoinKeepsAsManyFindingsAsOneWalk(_ format: LogFormat, _ damage: String, _ finding: String) throws {
        let (halves, whole) = try findings(damage, format: format, problemsMax: 1)
        #expect(halves.problems.map(\.what) == whole.problems.map(\.what))
        // (A missing event also leaves the tables holding what the log no longer does: the replay's findings, not the chain's.)
        #expect(halves.problems.filter { $0.seq > 0 }.map(\.seq) == [4] && halves.problems.first?.what.contains(finding) == true,
                "\(halves.problems)")
    }

    /// A writer may append while verify runs, and each connection reads its own snapshot: the chain and the indexes are
    /// held to the head read at the start, so rows appended since (which the index scan may see) are no finding.
    @Test(arguments: LogFormat.allCases)
    func theIndexesAreHeldToTheHeadTheChainRead(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"), format: format)
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
