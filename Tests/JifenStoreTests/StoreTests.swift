import Foundation
import GRDB
import Jifen
import JifenDemo
import JifenCore
@testable import JifenStore
import Testing

@Suite struct AppendOnly {
    @Test func updateAndDeleteAreRefusedBySQLite() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.store.withDatabase { db in
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE events SET payload = '{}' WHERE seq = 1") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "DELETE FROM events WHERE seq = 7") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "DELETE FROM events") }
        }
        #expect(try eventCount(ledger) == 7)
        #expect(try ledger.store.verify().isValid)
    }

    @Test func theSqlite3ToolCannotEditTheLogEither() throws {
        let scratch = try Scratch()
        let path = scratch.path("v.sqlite")
        _ = try makeVillage(at: path)
        let update = try shell("/usr/bin/sqlite3", [path, "UPDATE events SET actor = 'x' WHERE seq = 3;"])
        #expect(update.status != 0 && update.err.contains("append-only"))
        let delete = try shell("/usr/bin/sqlite3", [path, "DELETE FROM events WHERE seq = 7;"])
        #expect(delete.status != 0 && delete.err.contains("append-only"))
        let count = try shell("/usr/bin/sqlite3", [path, "SELECT count(*) FROM events;"])
        #expect(count.out.trimmingCharacters(in: .whitespacesAndNewlines) == "7")
    }

    @Test func anInsertThatDoesNotExtendTheChainIsRefused() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.store.withDatabase { db in
            let insert = """
                INSERT INTO events (seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
                                    payload, prev_hash, hash)
                VALUES (?, 'x', 'household:H001', 99, 'v1.scoreRecorded', '2025-01-01', 't', 'a', 1, '{}', ?, zeroblob(32))
                """
            let head = try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = 7")!
            // A gap in the sequence, and a wrong previous hash, are both refused.
            #expect(throws: DatabaseError.self) { try db.execute(sql: insert, arguments: [9, head]) }
            #expect(throws: DatabaseError.self) { try db.execute(sql: insert, arguments: [8, Data(repeating: 1, count: 32)]) }
        }
        #expect(try eventCount(ledger) == 7)
    }
}

@Suite struct Tampering {
    /// Alters the file with the triggers dropped, as someone with the file and the sqlite3 tool could.
    func tamper(_ ledger: Ledger, _ sql: String) throws {
        try ledger.store.withDatabase { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted; DROP TRIGGER events_extend_the_chain")
            try db.execute(sql: sql)
        }
    }

    func village() throws -> (Scratch, Ledger) {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        for household in ["H001", "H002", "H003"] {
            try ledger.execute(score(household, "C2.3"), by: "王会计", on: LocalDate("2025-03-01")!)
        }
        #expect(try ledger.store.verify().isValid)
        return (scratch, ledger)
    }

    @Test(arguments: [
        ("a changed payload", "UPDATE events SET payload = replace(payload, '\"points\":10', '\"points\":50') WHERE seq = 9", Int64(9)),
        ("a changed actor", "UPDATE events SET actor = '李四' WHERE seq = 5", Int64(5)),
        ("a changed date", "UPDATE events SET occurred_on = '2025-02-01' WHERE seq = 8", Int64(8)),
        ("a deleted event", "DELETE FROM events WHERE seq = 6", Int64(7)),
        ("a truncated tail and a re-added event", "DELETE FROM events WHERE seq = 10; INSERT INTO events SELECT 10, 'new', stream, stream_version + 100, type, occurred_on, recorded_at, actor, scheme_version, NULL, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, prev_hash, zeroblob(32) FROM events WHERE seq = 9", Int64(10)),
        ("two swapped payloads", "UPDATE events SET payload = (SELECT payload FROM events WHERE seq = 9) WHERE seq = 8", Int64(8)),
        ("changed facts", "UPDATE events SET earned = 50 WHERE seq = 10", Int64(10)),
    ])
    func verifyNamesTheFirstAlteredEvent(_ name: String, _ sql: String, _ first: Int64) throws {
        let (scratch, ledger) = try village()
        try tamper(ledger, sql)
        let report = try ledger.store.verify()
        #expect(!report.isValid, "\(name) is caught")
        #expect(report.problems.first { $0.seq > 0 }?.seq == first, "\(name): \(report.problems)")
        #expect(report.problems.contains { $0.seq == 0 && $0.what.contains("missing") }, "the dropped triggers are reported")
        _ = scratch
    }

    @Test func aChangedTriggerIsReported() throws {
        let (scratch, ledger) = try village()
        try ledger.store.withDatabase { db in
            try db.execute(sql: """
                DROP TRIGGER events_are_never_deleted;
                CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events WHEN 0 BEGIN SELECT 1; END;
                """)
        }
        let report = try ledger.store.verify()
        #expect(report.problems.map(\.what).contains { $0.contains("events_are_never_deleted was changed") })
        _ = scratch
    }
}

@Suite struct Appending {
    @Test func theChainLinksEveryEventToTheOneBefore() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.store.withDatabase { db in
            var previous = Chain.genesis
            for row in try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq") {
                #expect(row["prev_hash"] as Data == previous)
                let fields = Chain.Fields(seq: row["seq"], id: row["id"], stream: row["stream"], streamVersion: row["stream_version"],
                                          type: row["type"], occurredOn: row["occurred_on"], recordedAt: row["recorded_at"],
                                          actor: row["actor"], schemeVersion: row["scheme_version"], key: row["idempotency_key"],
                                          household: row["household"], item: row["item"], rule: row["rule"], earned: row["earned"],
                                          deducted: row["deducted"], redeemed: row["redeemed"], stock: row["stock"],
                                          reverses: row["reverses"], payload: row["payload"])
                #expect(Chain.hash(previous: previous, fields: fields) == row["hash"] as Data)
                previous = row["hash"]
            }
        }
    }

    /// A known answer, computed independently with Python's hashlib (see docs/FORMAT.md).
    @Test func canonicalBytesAndHashMatchTheDocumentedExample() {
        let fields = Chain.Fields(seq: 1, id: "00000000-0000-4000-8000-000000000001", stream: "ledger", streamVersion: 1,
                                  type: "v1.ledgerOpened", occurredOn: "2025-01-01", recordedAt: "2025-01-01T09:30:00.000Z",
                                  actor: "张书记", schemeVersion: 0, key: nil, household: nil, item: nil, rule: nil,
                                  earned: 0, deducted: 0, redeemed: 0, stock: 0, reverses: nil,
                                  payload: #"{"demo":false,"ledgerId":"l1","village":"牛角村"}"#)
        let bytes = Chain.canonicalBytes(fields)
        #expect(String(decoding: bytes, as: UTF8.self) == #"1:1,36:00000000-0000-4000-8000-000000000001,6:ledger,1:1,15:v1.ledgerOpened,10:2025-01-01,24:2025-01-01T09:30:00.000Z,9:张书记,1:0,0:,0:,0:,0:,1:0,1:0,1:0,1:0,0:,52:{"demo":false,"ledgerId":"l1","village":"牛角村"},"#)
        #expect(Chain.hash(previous: Chain.genesis, fields: fields).hex == "b173140dd0ff32318f7f140ec51302ee8a33cdec7f72f350c34832ba7264a7cc")
    }

    @Test func anOutOfDateExpectedVersionIsRefused() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let meta = EventMeta(id: "x1", occurredOn: LocalDate("2025-02-01")!, recordedAt: "t", actor: ActorName(rawValue: "王会计"), key: nil)
        let event = LedgerEvent.householdMoved(HouseholdMoved(household: "H001", from: "U01", to: "U01"))
        #expect(throws: StoreError.streamVersionConflict(stream: "household:H001", expected: 0, actual: 1)) {
            try ledger.store.write { try $0.append(event, meta: meta, expectedVersion: 0) }
        }
        #expect(try eventCount(ledger) == 7)
    }

    @Test func theSameKeyIsRecordedOnce() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let first = try ledger.execute(score("H001", "D2.3"), by: "王会计", key: "sheet-3/line-4")
        let again = try ledger.execute(score("H001", "D2.3"), by: "王会计", key: "sheet-3/line-4")
        #expect(!first.alreadyRecorded && again.alreadyRecorded)
        #expect(again.events[0].seq == first.events[0].seq)
        #expect(try eventCount(ledger) == 8)
        #expect(try ledger.read { try $0.household("H001")!.earned } == 5)
    }

    @Test func aRefusedCommandWritesNothing() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let before = try dumpProjections(ledger)
        #expect(throws: Rejection.self) { try ledger.execute(score("H001", "B1.3"), by: "王会计") }
        #expect(throws: Rejection.self) { try ledger.execute(.redeem("H001", "salt", quantity: 1), by: "李店长") }
        #expect(try eventCount(ledger) == 7)
        #expect(try dumpProjections(ledger) == before)
    }
}

@Suite struct Projections {
    /// A ledger with scores, a move, redemptions, reversals and stock.
    func busyVillage() throws -> (Scratch, Ledger) {
        let scratch = try Scratch()
        let (ledger, script) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(.receiveStock("salt", quantity: 20, source: "县慈善总会捐赠"), by: "李店长", on: LocalDate("2025-02-01")!)
        for (month, household) in [(2, "H001"), (3, "H002"), (4, "H001"), (5, "H003"), (6, "H001")] {
            let date = LocalDate(year: 2025, month: month, day: 10)!
            script.setEvening(of: date)
            try ledger.execute(score(household, "C1.2", points: 10, note: "调解纠纷"), by: "王会计", on: date)
            try ledger.execute(score(household, "A2.3", points: 6, note: "占道晾晒"), by: "王会计", on: date)
            try ledger.execute(.redeem(HouseholdCode(rawValue: household), "salt", quantity: 1), by: "李店长", on: date)
        }
        script.setEvening(of: LocalDate("2025-12-31")!)
        try ledger.execute(.reverse(.seq(10), reason: "记错户"), by: "王会计", on: LocalDate("2025-07-01")!)
        try ledger.execute(.reverse(.seq(11), reason: "退货"), by: "李店长", on: LocalDate("2025-07-01")!)
        try ledger.execute(.addUnit("U02", name: "第二联户", leader: nil), by: "张书记")
        try ledger.execute(.moveHousehold("H003", to: "U02"), by: "张书记")
        return (scratch, ledger)
    }

    @Test func rebuildGivesExactlyTheSameProjections() throws {
        let (scratch, ledger) = try busyVillage()
        let before = try dumpProjections(ledger)
        #expect(try ledger.store.rebuild() == Int64(try eventCount(ledger)))
        #expect(try dumpProjections(ledger) == before)
        _ = scratch
    }

    @Test func theSQLiteProjectionsEqualTheFoldInMemory() throws {
        let (scratch, ledger) = try busyVillage()
        var memory = MemoryLedger()
        for event in try ledger.read({ try $0.events() }) { try memory.apply(event) }
        let stored = try ledger.read { try $0.households() }
        #expect(stored == memory.households.values.sorted { $0.code.rawValue < $1.code.rawValue })
        #expect(try ledger.read { try $0.items() } == memory.items.values.sorted { $0.code.rawValue < $1.code.rawValue })
        _ = scratch
    }

    @Test func balancesAsOfADateLeaveOutLaterEntries() throws {
        let (scratch, ledger) = try busyVillage()
        let march = try ledger.read { try $0.households(asOf: LocalDate("2025-03-31")!) }
        let h001 = march.first { $0.code == "H001" }!
        #expect((h001.earned, h001.deducted, h001.redeemed) == (10, 6, 3))
        // The reversals of #10 and #11 (H001's February deduction and redemption) are dated July.
        let july = try ledger.read { try $0.households(asOf: LocalDate("2025-07-01")!) }.first { $0.code == "H001" }!
        let now = try ledger.read { try $0.household("H001")! }
        #expect(july == now)
        #expect((now.earned, now.deducted, now.redeemed) == (30, 12, 6))
        let january = try ledger.read { try $0.households(asOf: LocalDate("2025-01-31")!) }
        #expect(january.allSatisfy { $0.earned == 0 && $0.redeemed == 0 })
        _ = scratch
    }
}

@Suite struct KeysAndReadOnly {
    @Test func aKeyUsedForAnotherEntryIsRefused() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(score("H001", "A1.1"), by: "王会计", on: LocalDate("2025-03-05")!, key: "k1")
        #expect(throws: Rejection.keyUsedForAnotherEntry(key: "k1", seq: 8)) {
            try ledger.execute(score("H001", "B2.1"), by: "王会计", on: LocalDate("2025-03-06")!, key: "k1")
        }
        #expect(throws: Rejection.keyUsedForAnotherEntry(key: "k1", seq: 8)) {
            try ledger.execute(score("H001", "A1.1"), by: "王会计", on: LocalDate("2025-03-07")!, key: "k1")
        }
        #expect(try ledger.execute(score("H001", "A1.1"), by: "王会计", on: LocalDate("2025-03-05")!, key: "k1").alreadyRecorded)
        #expect(try eventCount(ledger) == 8)
    }

    @Test func readingAndVerifyingLeaveTheFileUntouched() throws {
        let scratch = try Scratch()
        let path = scratch.path("v.sqlite")
        do {
            let (ledger, _) = try makeVillage(at: path)
            try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-05")!)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try Ledger(path: path, readOnly: true)
        #expect(try reader.store.verify().isValid)
        #expect(try reader.store.verifyProjections().isEmpty)
        #expect(try reader.read { try $0.household("H001")!.earned } == 10)
        #expect(throws: (any Error).self) { try reader.execute(score("H002", "C2.3"), by: "王会计") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func verifyProjectionsFindsABalanceChangedBehindTheLog() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-05")!)
        #expect(try ledger.store.verifyProjections().isEmpty)
        try ledger.store.withDatabase { try $0.execute(sql: "UPDATE p_households SET earned = 510 WHERE code = 'H001'") }
        let problems = try ledger.store.verifyProjections()
        #expect(problems.count == 1 && problems[0].what.contains("earned 510") && problems[0].what.contains("earned 10"))
        try ledger.store.rebuild()
        #expect(try ledger.store.verifyProjections().isEmpty)
    }

    @Test func aSecondReversalOfTheSameEntryIsRefusedBySQLite() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-05")!)
        try ledger.execute(.reverse(.seq(8), reason: "记错户"), by: "王会计")
        // Bypassing decide: appending a second reversal straight to the store.
        let event = LedgerEvent.entryReversed(EntryReversed(target: 8, targetId: "x", targetType: "v1.scoreRecorded", reason: "again"))
        let meta = EventMeta(id: "second", occurredOn: LocalDate("2025-03-06")!, recordedAt: "t", actor: ActorName(rawValue: "王会计"), key: nil)
        #expect(throws: DatabaseError.self) { try ledger.store.write { try $0.append(event, meta: meta) } }
        #expect(try eventCount(ledger) == 9)
    }
}

@Suite struct Payloads {
    /// The hand-written payloads are byte for byte what JSONEncoder writes, for awkward texts too.
    @Test func theFastPayloadsAreWhatJSONEncoderWrites() throws {
        var awkward = ["", "简单", "quote \" and \\ backslash / slash", "tab\tnew\nline\r\u{08}\u{0C}", "\u{01}\u{1F}\u{7F}",
                       "😀 emoji, é, \u{2028}", "{\"json\":1}"]
        var random = SeededRandom(seed: 7)
        for _ in 0..<200 {
            awkward.append(String((0..<Int(random.next() % 12)).map { _ in
                Character(Unicode.Scalar(UInt32(random.next() % 0x3000)) ?? "x")
            }))
        }
        let rule = RuleSnapshot(rule: Rule(code: "C1.2", indicator: "C1", zh: "成功调解邻里纠纷", en: "Settles a neighbours' dispute",
                                           points: RulePoints(direction: .award, min: 5, max: 10), cap: nil), category: "C")
        for text in awkward {
            let events: [LedgerEvent] = [
                .scoreRecorded(ScoreRecorded(household: HouseholdCode(rawValue: "H" + text), rule: rule, points: -7, note: text, source: nil)),
                .scoreRecorded(ScoreRecorded(household: "H001", rule: rule, points: 7, note: text, source: SheetLine(sheet: text, line: 12))),
                .redeemed(Redeemed(household: "H001", item: ItemCode(rawValue: text), name: text, quantity: 2, price: 85)),
                .stockReceived(StockReceived(item: "oil", quantity: 12, source: text)),
                .entryReversed(EntryReversed(target: 42, targetId: text, targetType: "v1.redeemed", reason: text)),
                .householdRegistered(HouseholdRegistered(household: "H001", head: text, unit: UnitCode(rawValue: text), members: 3)),
            ]
            for event in events {
                #expect(try EventCodec.payload(of: event) == EventCodec.encodedPayload(of: event), "\(event)")
                #expect(try EventCodec.event(type: event.typeName, payload: EventCodec.payload(of: event)) == event)
            }
        }
    }
}

@Suite struct Generator {
    /// The same plan gives the same chain head; another seed does not. Later features' tests build on it.
    @Test func theSameSeedGivesTheSameChainHead() throws {
        let scratch = try Scratch()
        let plan = GeneratorPlan(households: 40, years: 1, firstYear: 2024, seed: 11)
        let a = try LedgerGenerator.build(at: scratch.path("a.sqlite"), plan: plan)
        let b = try LedgerGenerator.build(at: scratch.path("b.sqlite"), plan: plan)
        var other = plan
        other.seed = 12
        let c = try LedgerGenerator.build(at: scratch.path("c.sqlite"), plan: other)
        #expect(a.head == b.head && a.events == b.events)
        #expect(a.head != c.head)
        #expect(a.households == 40 && (3...4).contains(a.units) && a.scores > 1_500 && a.redemptions > 0 && a.reversals > 0)
        // What it wrote is a valid ledger whose tables agree with its log.
        let ledger = try Ledger(path: scratch.path("a.sqlite"), readOnly: true)
        #expect(try ledger.store.verify().isValid)
        #expect(try ledger.store.verifyProjections().isEmpty)
        #expect(try ledger.read { try $0.households() }.allSatisfy { $0.available >= 0 })
    }

    /// A county's register (over 10,000 lines: households, units, leaders) goes in several transactions, and the
    /// people are registered once, after it.
    @Test func aCountysRegisterGoesInSeveralTransactions() throws {
        let scratch = try Scratch()
        let summary = try LedgerGenerator.build(at: scratch.path("county.sqlite"), plan: GeneratorPlan(households: 9_600, years: 0, firstYear: 2024, seed: 3))
        #expect(summary.households == 9_600)
        let ledger = try Ledger(path: scratch.path("county.sqlite"), readOnly: true)
        #expect(try ledger.read { try $0.actors() }.count == 6)
    }
}
