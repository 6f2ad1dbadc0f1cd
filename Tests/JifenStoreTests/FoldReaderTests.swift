import Foundation
import GRDB
import JifenCore
import JifenDemo
@testable import JifenStore
import Testing

/// The fold reads the log on a thread of its own and hands it over in batches of a few thousand events: what it folds
/// must not depend on where a batch ends, and a log it cannot fold must stop both threads with the event at fault.
@Suite struct FoldReader {
    /// A governed village of more than two batches (about 9,200 events), on disk, in stored format 2 unless told.
    static func village(_ scratch: Scratch, format: LogFormat = .compact) throws -> EventStore {
        let path = scratch.path("village.sqlite")
        _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 144, years: 1, firstYear: 2025, seed: 3, format: format))
        let store = try EventStore(path: path, create: false)
        #expect(store.format == format)
        return store
    }

    /// The fold through any event equals the live fold (`project` and `MemoryLedger.apply`) of the events up to it:
    /// just before, at and after the ends of the first two batches, and at the end of the log.
    @Test func throughAnyEventTheFoldIsTheLiveOne() throws {
        let scratch = try Scratch()
        let store = try Self.village(scratch)
        try store.read { session in
            let events = try session.events()
            #expect(events.count > 8192 + 1, "more than two batches")
            var live = MemoryLedger(keepsEntries: false)
            let stops = Set([1, 4095, 4096, 4097, 8191, 8192, 8193, events.count].map(Int64.init))
            var checked = 0
            for event in events {
                try live.apply(event)
                guard stops.contains(event.seq) else { continue }
                let fast = try EventStore.fold(session.db, through: event.seq)
                #expect(fast.households == live.households && fast.items == live.items, "figures through #\(event.seq)")
                #expect(fast.reviewRecords == live.reviewRecords && fast.requestRecords == live.requestRecords, "reviews through #\(event.seq)")
                #expect(fast.noticeRecords == live.noticeRecords && fast.actorRecords == live.actorRecords, "notices through #\(event.seq)")
                #expect(fast.lastSeq() == event.seq)
                checked += 1
            }
            #expect(checked == stops.count)
        }
    }

    /// A register event whose payload no longer reads, and an entry naming a household that is not in the register:
    /// each stops the fold with that event, early in the log (the reader still had batches to hand) and late.
    /// (The log's rows are changed in its table: in stored format 2 a score's household also changes its payload as the
    /// view spells it out.)
    @Test(arguments: LogFormat.allCases)
    func aLogThatCannotBeFoldedStopsAtTheEventAtFault(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let store = try Self.village(scratch, format: format)
        let (registration, entries) = try store.read { session -> (Int64, [Int64]) in
            let registration = try Int64.fetchOne(session.db, sql: "SELECT min(seq) FROM events WHERE type = 'v1.householdRegistered'") ?? 0
            let entries = try Int64.fetchAll(session.db, sql: "SELECT seq FROM events WHERE type = 'v1.scoreRecorded' ORDER BY seq")
            return (registration, entries)
        }
        let early = try #require(entries.first), late = try #require(entries.last)
        #expect(registration > 0 && late > 8192)
        try store.withDatabase { db in try db.execute(sql: "DROP TRIGGER events_are_never_updated") }
        func change(_ column: String, of seq: Int64, to value: String?) throws -> String? {
            try store.withDatabase { db in
                let before = try String.fetchOne(db, sql: "SELECT \(column) FROM \(format.table) WHERE seq = ?", arguments: [seq])
                try db.execute(sql: "UPDATE \(format.table) SET \(column) = ? WHERE seq = ?", arguments: [value, seq])
                return before
            }
        }
        #expect(try store.verifyProjections().isEmpty)

        let payload = try change("payload", of: registration, to: "{\"household\":")
        let unreadable = try store.verifyProjections()
        #expect(unreadable.map(\.seq) == [registration])
        #expect(unreadable.first?.what.contains("its payload cannot be read") == true)
        #expect(throws: ProjectionError.self) { try store.rebuild() }
        _ = try change("payload", of: registration, to: payload)

        for seq in [early, late] {
            let household = try change("household", of: seq, to: "H999")
            let problems = try store.verifyProjections()
            #expect(problems.map(\.seq) == [seq], "#\(seq)")
            #expect(problems.first?.what.contains("household H999 is not in the ledger") == true, "#\(seq)")
            _ = try change("household", of: seq, to: household)
        }
        #expect(try store.verifyProjections().isEmpty)
    }

    /// A log of about 40,000 events (ten batches) that cannot be folded at an entry in its second batch, after the
    /// reader has run ahead: batches are still handed over and not taken when the fold stops. The fold, the replay and
    /// rebuild stop with the event at fault, and nothing crashes (the reader's semaphores, left below their start
    /// values, once made libdispatch stop the process as they went away: "Semaphore object deallocated while in use").
    @Test func aFoldStoppedWithBatchesWaitingEndsCleanly() throws {
        let scratch = try Scratch()
        let path = scratch.path("county.sqlite")
        _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 600, years: 1, firstYear: 2025, seed: 3))
        let store = try EventStore(path: path, create: false)
        #expect(store.format == .compact)
        let (count, seq) = try store.read { session -> (Int64, Int64) in
            (try Int64.fetchOne(session.db, sql: "SELECT count(*) FROM events") ?? 0,
             try Int64.fetchOne(session.db, sql: "SELECT min(seq) FROM events WHERE type = 'v1.scoreRecorded' AND seq >= 5000") ?? 0)
        }
        #expect(count > 8 * 4096, "more batches than the reader may hold beyond the one at fault")
        #expect(seq > 4096 && seq < 8192, "an entry in the second batch")
        try store.withDatabase { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated")
            try db.execute(sql: "UPDATE event_log SET household = 'H999' WHERE seq = ?", arguments: [seq])
        }
        // The fold waits at its first entry, so that the reader fills all the room it has and waits for more.
        final class Once: @unchecked Sendable { var waited = false }
        let once = Once()
        try store.read { session -> Void in
            #expect(throws: (any Error).self) {
                try EventStore.fold(session.db, observe: { _, _, _, _ in
                    if !once.waited {
                        once.waited = true
                        Thread.sleep(forTimeInterval: 0.5)
                    }
                })
            }
        }
        #expect(once.waited)
        let problems = try store.verifyProjections()
        #expect(problems.map(\.seq) == [seq])
        #expect(problems.first?.what.contains("household H999 is not in the ledger") == true)
        #expect(throws: (any Error).self) { try store.rebuild() }
    }

    /// rebuild drops the review table's indexes while it writes the rows and makes them again after, by the names
    /// SQLite keeps: a name that needs quoting (one added beside the migrations' own) is dropped and made again too.
    @Test func rebuildMakesAgainAReviewIndexWhoseNameNeedsQuoting() throws {
        let scratch = try Scratch()
        let store = try Self.village(scratch)
        let sql = "CREATE INDEX \"p_reviews by state\" ON p_reviews(state, seq)"
        try store.withDatabase { db in try db.execute(sql: sql) }
        #expect(try store.rebuild() > 8192)
        let after = try store.withDatabase { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'p_reviews by state'")
        }
        #expect(after == sql)
        #expect(try store.verifyProjections().isEmpty)
    }
}
