import Foundation
import GRDB
import Jifen
import JifenCore
import JifenStore
import JifenTestSupport
import Tagged
import Testing

/// The same commands in the same environment give the same ledger in every store: the same chain, byte for byte,
/// and the same projections; and SQLite's rebuild folds the log into the same projections again.
@Suite struct Parity {
    @Test(arguments: StoreKind.allCases)
    func theScenarioGivesTheSameChainAndProjectionsAsInMemory(_ kind: StoreKind) throws {
        let reference = try Harness(.memory)
        try Scenario.write(to: reference)
        let store = try Harness(kind)
        try Scenario.write(to: store)

        let expected = try reference.links(), links = try store.links()
        #expect(links.count == expected.count && !links.isEmpty)
        for (link, other) in zip(links, expected) {
            #expect(link.canonicalBytes == other.canonicalBytes, "event #\(link.fields.seq) differs")
            #expect(link.hash == other.hash && link.previousHash == other.previousHash)
        }
        #expect(try store.headText() == reference.headText())
        let (mine, theirs) = (try store.projections(), try reference.projections())
        #expect(mine == theirs, "\(mine.differences(from: theirs))")
    }

    /// Every link holds: sequence numbers without gaps, each event's previous hash the hash of the one before (the
    /// genesis hash for the first), each hash over the stored fields; and the head is the last link.
    @Test(arguments: StoreKind.allCases)
    func theChainLinksEveryEventToTheOneBefore(_ kind: StoreKind) throws {
        let store = try Harness(kind)
        try Scenario.write(to: store)
        let links = try store.links()
        var previous = Chain.genesis
        for (index, link) in links.enumerated() {
            #expect(link.fields.seq == Int64(index) + 1)
            #expect(link.previousHash == previous, "event #\(link.fields.seq) is not linked to the one before")
            #expect(link.holds, "event #\(link.fields.seq)'s hash is not over its fields")
            previous = link.hash
        }
        let head = try store.head()
        #expect(head.seq == Int64(links.count) && head.hash == previous)
        // Each stream counts its own versions from 1.
        var versions: [String: Int64] = [:]
        for link in links {
            versions[link.fields.stream, default: 0] += 1
            #expect(link.fields.streamVersion == versions[link.fields.stream])
        }
    }

    /// The scenario touches nearly every event type: the suite compares the stores on what they actually store.
    @Test func theScenarioCoversTheEventTypesOfAVillagesYear() throws {
        let store = try Harness(.memory)
        try Scenario.write(to: store)
        let written = Set(try store.links().map(\.fields.type))
        // Not in the scenario: what needs a year's notices to close first or another process (a checkpoint, a
        // passbook, expiry under a clearing scheme, splits and merges, a declined request, a rejected proposal, an
        // amended score); the conformance of those is the same code path as the rest.
        let elsewhere: Set<EventType> = [.checkpointRecorded, .passbookPrinted, .pointsExpired, .pointsSent, .pointsReceived,
                                         .reversalDeclined, .scoreRejected, .scoreAmended, .passwordSet]
        let missing = EventType.allCases.filter { !written.contains($0.rawValue) && !elsewhere.contains($0) }
        #expect(missing.isEmpty, "event types the scenario does not write: \(missing)")
        #expect(elsewhere.filter { written.contains($0.rawValue) }.isEmpty, "the list of those left out is out of date")
    }

    /// SQLite's projections are caches: dropped and folded again from the log, they are what the live path wrote, and
    /// the ledger verifies.
    @Test(arguments: StoreKind.sqliteKinds)
    func sqliteRebuildGivesTheSameProjectionsAgain(_ kind: StoreKind) throws {
        let store = try Harness(kind)
        try Scenario.write(to: store)
        let live = try store.projections()
        guard case .sqlite(let sqlite) = store.backing else { Issue.record("not SQLite"); return }
        let replayed = try sqlite.rebuild()
        #expect(replayed == live.lastSeq)
        let rebuilt = try store.projections()
        #expect(rebuilt == live, "\(rebuilt.differences(from: live))")
        let report = try sqlite.verify()
        #expect(report.isValid, "\(report.problems)")
        #expect(report.head == (try store.head().hash))
    }

    /// What the pages, statements and passbooks read besides `decide`'s state: each household's entries, and a period's
    /// entries with and without a household, the same in every store that serves them (SQLite's from its log's index,
    /// PostgreSQL's from its log's index and the fold).
    @Test func thePagesEntriesAreTheSameInEveryStoreThatServesThem() throws {
        struct Read: StoreVisit {
            func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> [String] {
                try writer.store.read { session in
                    guard let reads = session as? any ProjectionReads else { return ["no ProjectionReads"] }
                    var seen: [String] = []
                    let households = try reads.households().map(\.code)
                    let periods: [ClosedRange<LocalDate>] = ["2025-01-01"..."2025-12-31", "2025-03-01"..."2025-03-31",
                                                             "2025-06-15"..."2025-07-14", "2026-01-01"..."2026-12-31"]
                    for household in households {
                        seen.append("\(household): \(try reads.entries(of: household))")
                        for period in periods { seen.append("\(household) \(period): \(try reads.entries(in: period, household: household))") }
                    }
                    for period in periods { seen.append("\(period): \(try reads.entries(in: period, household: nil))") }
                    seen.append("nobody: \(try reads.entries(of: "H999"))")
                    return seen
                }
            }
        }
        let kinds = StoreKind.allCases.filter { $0 != .memory }
        let reads = try kinds.map { kind in
            let store = try Harness(kind)
            try Scenario.write(to: store)
            return try store.visit(Read())
        }
        // Entries of more than one household, in more than one period, and some periods' without any.
        #expect(reads[0].count > 10 && reads[0].contains { $0.hasSuffix(": []") } && reads[0].contains { !$0.hasSuffix(": []") })
        for (kind, read) in zip(kinds, reads).dropFirst() {
            #expect(read == reads[0], "\(kind): \(zip(read, reads[0]).first { $0 != $1 }.map { "\($0)\n  ≠ \($1)" } ?? "a different count")")
        }
    }
}
