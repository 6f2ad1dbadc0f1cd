import Foundation
import GRDB
import JifenCore
import JifenDemo
@testable import JifenStore
import Testing

/// The projections are one fold applied by two stores: the SQLite tables take `project`'s `ProjectionChange`s (a
/// notice's posting and closing as one change each), `MemoryLedger` the same for every event but an entry, whose
/// changes it makes in place through the same entry rule (`foldEntry`), and `rebuild` and `verify` fold the entries
/// through that rule straight from the columns. On a generated village with roles, reviews and
/// a notice a month, all three must agree at every month's end, and a rebuild must give the same tables byte for byte.
@Suite struct StoreFoldParity {
    /// Every projection table as text, each row with its columns in order, the rows sorted.
    static func dump(_ store: EventStore) throws -> String {
        try store.read { session in
            var out = ""
            for table in EventStore.projectionTables {
                let rows = try Row.fetchAll(session.db, sql: "SELECT * FROM \(table)").map { "\($0)" }.sorted()
                out += "== \(table) (\(rows.count))\n" + rows.joined(separator: "\n") + "\n"
            }
            return out
        }
    }

    /// What the tables hold, held against the fold in memory of the same log through `project` and
    /// `MemoryLedger.apply` (which makes an entry's changes in place, the rest through `project`); and the fast fold of `rebuild`/`verify` held against both.
    static func expectTablesEqualTheFolds(_ store: EventStore, at day: LocalDate) throws {
        try store.read { session in
            var live = MemoryLedger()
            let events = try session.events()
            for event in events { try live.apply(event) }
            // Each entry as the log's own reads give it (by seq and by id, taken back or not) and each score's event.
            var entries = 0
            for event in events where event.event.type.entryKind != nil {
                entries += 1
                #expect(try session.entry(.seq(event.seq)) == live.entry(.seq(event.seq)), "entry #\(event.seq) at \(day)")
                #expect(try session.entry(.id(event.id)) == live.entry(.id(event.id)), "entry \(event.id) at \(day)")
                #expect(try session.score(event.seq) == live.score(event.seq), "score #\(event.seq) at \(day)")
            }
            #expect(entries > 0 && live.entry(.seq(events.last { $0.event.type.entryKind != nil }?.seq ?? 0)) != nil)
            let fast = try EventStore.fold(session.db)
            #expect(try session.households() == live.allHouseholds(), "households at \(day)")
            #expect(try session.items() == live.items.values.sorted { $0.code.rawValue < $1.code.rawValue }, "items at \(day)")
            #expect(try session.units() == live.units.values.sorted { $0.code.rawValue < $1.code.rawValue }, "units at \(day)")
            #expect(try session.actors() == live.actors(), "actors at \(day)")
            #expect(try session.notices() == live.notices(), "notices at \(day)")
            #expect(try session.allReviews() == live.reviewRecords.values.sorted { $0.seq < $1.seq }, "reviews at \(day)")
            #expect(try session.requests() == live.requestRecords.values.sorted { $0.seq < $1.seq }, "requests at \(day)")
            #expect(try session.schemes() == live.schemes(), "schemes at \(day)")
            #expect(try session.settlements() == live.settlementRecords.values.sorted { $0.year < $1.year }, "settlements at \(day)")
            #expect(fast.households == live.households && fast.items == live.items, "the fast fold's figures at \(day)")
            #expect(fast.reviewRecords == live.reviewRecords && fast.requestRecords == live.requestRecords, "the fast fold's reviews at \(day)")
            #expect(fast.noticeRecords == live.noticeRecords && fast.lastSeq() == live.lastSeq(), "the fast fold's notices at \(day)")
        }
    }

    @Test func memorySQLiteAndRebuildAgreeThroughAYearOfNotices() throws {
        let scratch = try Scratch()
        let path = scratch.path("village.sqlite")
        var days: [LocalDate] = []
        var reviewsSeen = 0
        _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 48, years: 1, firstYear: 2025, seed: 5), atMonthEnd: { day in
            let store = try EventStore(path: path, create: false, readOnly: true)
            try Self.expectTablesEqualTheFolds(store, at: day)
            reviewsSeen += try store.read { try $0.allReviews().count }
            days.append(day)
        })
        #expect(days.map(\.month) == Array(1...12))
        let store = try EventStore(path: path, create: false)
        // The village went through the whole flow: notices opened and closed, scores waiting for them at month ends.
        let counts = try store.read { try $0.eventCounts() }
        for type in [EventType.noticeOpened, .noticeClosed, .scoreRecorded, .scoreProposed, .scoreApproved, .entryReversed] {
            #expect((counts[type.rawValue] ?? 0) > 0, "\(type)")
        }
        #expect(reviewsSeen > 0)
        #expect(try store.read { try $0.notices() }.contains { $0.closedOn != nil })

        let live = try Self.dump(store)
        #expect(try store.rebuild() == Int64(try store.read { try $0.lastSeq() }))
        #expect(try Self.dump(store) == live)
        #expect(try store.verifyProjections().isEmpty)
    }

    /// The fold reads each row's stored type name in Swift: every name this version knows, in runs and alone, and a
    /// name it does not know.
    @Test func theFoldReadsEveryStoredTypeName() throws {
        let queue = try DatabaseQueue()
        let names = EventType.allCases.flatMap { [$0.rawValue, $0.rawValue] } + ["v9.unheardOf", "", EventType.scoreRecorded.rawValue]
        let read = try queue.write { db -> [EventType?] in
            try db.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY, type TEXT NOT NULL)")
            for (n, name) in names.enumerated() { try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [n, name]) }
            let rows = try RawRows(db, sql: "SELECT type FROM t ORDER BY n")
            var column = TypeColumn()
            var read: [EventType?] = []
            while try rows.next() { read.append(column.read(rows, 0)) }
            return read
        }
        #expect(read == names.map { EventType(rawValue: $0) })
    }
}
