import Foundation
import GRDB
import Jifen
import JifenCore
import JifenStore
import JifenTestSupport
import Tagged
import Synchronization
import Testing

/// Two writers at once: every write lands exactly once, the chain stays one chain, no transaction's events
/// interleave with another's, and a reader meanwhile sees only whole transactions. SQLite: two connections to the file, as two clerks' processes (the IMMEDIATE
/// transaction's write lock serialises them). PostgreSQL: the village opened by two counties, as two processes with
/// their own connections and folds (the village's head row, locked FOR UPDATE, serialises them). Memory: two threads on
/// one store (its lock serialises them).
@Suite struct Concurrency {
    @Test(arguments: StoreKind.allCases)
    func twoWritersEachLandEveryWriteOnceWithoutInterleaving(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let writers = [store, try store.secondWriter()]
        let households: [HouseholdCode] = ["H001", "H002"]
        let rounds = 12
        let before = try store.head().seq
        let failures = Mutex<[String]>([])
        // Beside the writers, a reader: it only ever sees whole transactions (an even number of new events).
        let seen = Mutex<[Int64]>([])
        DispatchQueue.concurrentPerform(iterations: writers.count + 1) { index in
            guard index < writers.count else {
                for _ in 0..<(rounds * 4) {
                    do {
                        let head = try store.head().seq
                        seen.withLock { $0.append(head - before) }
                    } catch {
                        failures.withLock { $0.append("reader: \(error)") }
                    }
                }
                return
            }
            let writer = writers[index], household = households[index]
            for round in 0..<rounds {
                do {
                    // A batch of two: its events must stand side by side in the log.
                    let day = LocalDate(year: 2025, month: 2, day: round + 1)
                    guard let day else { throw Rejection.ledgerNotOpened }
                    try writer.executeAll([BatchItem(command: score(household.rawValue, "D1.2"), occurredOn: day, line: 2),
                                           BatchItem(command: score(household.rawValue, "D2.3"), occurredOn: day, line: 3)],
                                          by: "王会计")
                } catch {
                    failures.withLock { $0.append("\(household) round \(round): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(seen.withLock { $0 }.allSatisfy { $0 % 2 == 0 }, "a read saw half a transaction: \(seen.withLock { $0 })")
        let links = try store.links().filter { $0.fields.seq > before }
        #expect(links.count == writers.count * rounds * 2)
        for household in households {
            #expect(links.count { $0.fields.household == household.rawValue } == rounds * 2, "\(household)'s writes landed once each")
        }
        for pair in stride(from: 0, to: links.count, by: 2) {
            #expect(links[pair].fields.household == links[pair + 1].fields.household, "event #\(links[pair].fields.seq) interleaves")
            #expect(links[pair].fields.rule == "D1.2" && links[pair + 1].fields.rule == "D2.3")
        }
        var previous = try #require(try store.links().first { $0.fields.seq == before }).hash
        for link in links {
            #expect(link.previousHash == previous && link.holds)
            previous = link.hash
        }
    }
}

/// What a store refuses to append: only a `Decision` goes in, and only on the head it was decided on.
@Suite struct Appending {
    /// Decides a command on one transaction and tries to append the decision in a later one, after the log moved.
    struct Outdated: StoreVisit {
        func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> (refused: Bool, head: Int64) {
            let context = CommandContext(actor: "王会计", today: "2025-12-31", occurredOn: "2025-03-01")
            let decision = try writer.store.read { try decide(score("H001", "C2.3"), context: context, state: $0) }
            try writer.execute(score("H002", "C2.3"), by: "王会计", on: "2025-03-01")
            do {
                _ = try writer.store.write { session in
                    try session.append(decision, recordedAt: "2025-12-31T09:30:00.000Z", key: nil, newId: { "stale" })
                }
                return (false, try writer.store.read { try $0.headOfLog().seq })
            } catch StoreError.streamVersionConflict(let stream, let expected, let actual) {
                #expect(stream == "log" && expected == decision.lastSeq && actual == decision.lastSeq + 1)
                return (true, try writer.store.read { try $0.headOfLog().seq })
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDecisionIsNotAppendedOnceTheLogHasMovedOn(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let head = try store.head().seq
        let outcome = try store.visit(Outdated())
        #expect(outcome.refused)
        #expect(outcome.head == head + 1, "only the other write landed")
    }

    struct InARead: StoreVisit {
        func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> Bool {
            let context = CommandContext(actor: "王会计", today: "2025-12-31", occurredOn: "2025-03-01")
            do {
                try writer.store.read { session in
                    let decision = try decide(score("H001", "C2.3"), context: context, state: session)
                    try session.append(decision, recordedAt: "2025-12-31T09:30:00.000Z", key: nil, newId: { "in-a-read" })
                }
                return false
            } catch is Rejection {
                return false
            } catch {
                return true
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReadCannotAppend(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let head = try store.headText()
        #expect(try store.visit(InARead()))
        #expect(try store.headText() == head)
    }
}

/// Tampering: SQLite refuses, in the file itself, to change or remove an event or to append one that does not extend
/// the chain. (A memory store has no way in but `append`; PostgreSQL's refusals are tested in `PostgresOnly`.)
@Suite struct Tampering {
    /// What SQLite says to `sql`, or nil when it ran.
    static func refusal(_ store: EventStore, _ sql: String) -> String? {
        do {
            try store.withDatabase { try $0.execute(sql: sql) }
            return nil
        } catch let error as DatabaseError {
            return error.message ?? "\(error)"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: StoreKind.sqliteKinds)
    func sqliteRefusesToRewriteTheLog(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        guard case .sqlite(let sqlite) = store.backing, let format = kind.format else { Issue.record("not SQLite"); return }
        let head = try store.headText()
        let log = format.table
        #expect(Self.refusal(sqlite, "UPDATE \(log) SET earned = 100 WHERE seq = 3")?.contains("append-only") == true)
        #expect(Self.refusal(sqlite, "DELETE FROM \(log) WHERE seq = 8")?.contains("append-only") == true)
        // A copy of #8 after a gap, and (stored format 1) right after it, its previous hash #7's and not #8's.
        let columns = format == .wide ? "prev_hash, hash" : "hash"
        let copy = { (seq: String) in
            "INSERT INTO \(log) SELECT \(seq), id || 'x', stream, stream_version + 1, type, occurred_on, recorded_at, actor, scheme_version, idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, \(columns) FROM \(log) WHERE seq = 8"
        }
        #expect(Self.refusal(sqlite, copy("seq + 2"))?.contains("next sequence number") == true)
        if format == .wide { #expect(Self.refusal(sqlite, copy("seq + 1"))?.contains("previous hash") == true) }
        if format == .compact {
            #expect(Self.refusal(sqlite, "UPDATE events SET earned = 100 WHERE seq = 3")?.contains("it is a view") == true)
            #expect(Self.refusal(sqlite, "DELETE FROM events WHERE seq = 8")?.contains("it is a view") == true)
        }
        #expect(try store.headText() == head)
        #expect(try sqlite.verify().isValid)
        // Stored format 2 keeps no previous hash for SQLite to hold a new row to: the copy right after #8 goes in, and
        // verify finds it, its hash made over #7's.
        if format == .compact {
            #expect(Self.refusal(sqlite, copy("seq + 1")) == nil)
            let report = try sqlite.verify()
            #expect(report.problems.map(\.seq) == [9] && report.problems.first?.what.contains("do not match its hash") == true, "\(report.problems)")
        }
    }
}
