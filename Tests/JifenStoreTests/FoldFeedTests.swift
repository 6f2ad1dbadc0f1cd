import Foundation
import GRDB
import JifenCore
import JifenDemo
@testable import JifenStore
import Testing

/// `verify`'s replay folds what the chain's two halves read (`ChainFeed`) rather than reading the log again: the same
/// fold as one that reads the log itself, and none at all (the replay then reads the log) when the feed is not for the
/// replay's snapshot or a half gave up.
@Suite struct FoldFeed {
    /// The halves' walks over `db` through `last`, split after `middle`, handing their rows to `feed`.
    static func walk(_ db: Database, middle: Int64, last: Int64, into feed: ChainFeed, second: Bool = true) throws {
        feed.publish(last: last)
        var digests: IndexDigests?
        _ = try EventStore.walkChain(db, through: middle, digests: &digests, feed: feed.first)
        if second {
            _ = try EventStore.walkChain(db, from: middle + 1, through: last, previous: nil, triggers: false, digests: &digests,
                                         feed: feed.second)
        }
    }

    static func same(_ a: MemoryLedger, _ b: MemoryLedger) -> Bool {
        a.households == b.households && a.items == b.items && a.reviewRecords == b.reviewRecords && a.requestRecords == b.requestRecords
            && a.noticeRecords == b.noticeRecords && a.actorRecords == b.actorRecords && a.units == b.units && a.lastSeq() == b.lastSeq()
            && a.sheetSeqs == b.sheetSeqs && a.settlementRecords == b.settlementRecords && a.ratingRecords == b.ratingRecords
    }

    /// Split anywhere (at a batch's end, within one, near either end), the fed fold is the fold that reads the log.
    @Test(arguments: LogFormat.allCases)
    func theFedFoldIsTheFoldThatReads(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let store = try FoldReader.village(scratch, format: format)
        try store.read { session in
            let db = session.db
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
            let batch = Int64(FoldPacker.batchRows)
            #expect(last > 2 * batch + 1, "more than two batches")
            let read = try EventStore.fold(db)
            #expect(!read.households.isEmpty && !read.reviewRecords.isEmpty && read.lastSeq() == last)
            for middle in [1, batch, batch + 1, last / 2, last - 1, last] {
                let feed = ChainFeed()
                if middle == last { feed.second.close(.end) }
                try Self.walk(db, middle: middle, last: last, into: feed, second: middle < last)
                let fed = try #require(try EventStore.fold(db, feed: feed), "split after #\(middle)")
                #expect(Self.same(fed, read), "split after #\(middle)")
            }
        }
    }

    /// The balance identities checked at every step (audit verify's `observe`) see the same entries, in order.
    @Test func theFedFoldObservesEveryEntryInOrder() throws {
        let scratch = try Scratch()
        let store = try FoldReader.village(scratch)
        try store.read { session in
            let db = session.db
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
            var read: [(Int64, EventFacts)] = []
            _ = try EventStore.fold(db, observe: { seq, facts, _, _ in read.append((seq, facts)) })
            let feed = ChainFeed()
            try Self.walk(db, middle: last / 2, last: last, into: feed)
            var fed: [(Int64, EventFacts)] = []
            #expect(try EventStore.fold(db, feed: feed, observe: { seq, facts, _, _ in fed.append((seq, facts)) }) != nil)
            #expect(read.count > 2 * FoldPacker.batchRows, "more than two batches")
            #expect(fed.map(\.0) == read.map(\.0) && fed.map(\.1) == read.map(\.1))
        }
    }

    /// A feed through another head than the replay's snapshot's, or one whose second half never came, is not folded.
    @Test func aFeedNotForThisSnapshotOrGivenUpIsNotFolded() throws {
        let scratch = try Scratch()
        let store = try FoldReader.village(scratch)
        try store.read { session in
            let db = session.db
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0

            let shorter = ChainFeed()
            try Self.walk(db, middle: last / 2, last: last - 1, into: shorter)
            #expect(try EventStore.fold(db, feed: shorter) == nil)

            let halfOnly = ChainFeed()
            try Self.walk(db, middle: last / 2, last: last, into: halfOnly, second: false)
            halfOnly.abandon()
            #expect(try EventStore.fold(db, feed: halfOnly) == nil)

            let none = ChainFeed()
            none.abandon()
            #expect(try EventStore.fold(db, feed: none) == nil)
        }
    }

    /// `verifyAll`'s replay folds the feed (nothing differs from a replay that reads the log), and a log that cannot
    /// be folded is reported at the event at fault, as by the replay alone.
    @Test func verifyFoldsTheFeedAndFindsWhatTheReplayFinds() throws {
        let scratch = try Scratch()
        let store = try FoldReader.village(scratch)
        let before = EventStore.fedReplays.load(ordering: .relaxed)
        let report = try store.verifyAll(audit: true, chainHalvesFrom: 2)
        #expect(report.isValid, "\(report.problems)")
        #expect(EventStore.fedReplays.load(ordering: .relaxed) > before)

        let seq = try store.read { session in
            try Int64.fetchOne(session.db, sql: "SELECT min(seq) FROM events WHERE type = 'v1.scoreRecorded' AND seq >= 6000") ?? 0
        }
        try store.withDatabase { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated")
            try db.execute(sql: "UPDATE event_log SET household = 'H999' WHERE seq = ?", arguments: [seq])
        }
        let alone = try store.verifyProjections(balances: true)
        #expect(alone.map(\.seq) == [seq])
        let damaged = try store.verifyAll(audit: true, chainHalvesFrom: 2)
        #expect(damaged.problems.filter { $0.what.contains("household H999 is not in the ledger") }.map(\.seq) == [seq])
    }
}
