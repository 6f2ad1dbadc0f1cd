import Foundation
import GRDB
import Jifen
import JifenCore
import JifenStore
import JifenTestSupport
import Tagged
import Testing

/// A small village for the write tests: two units, three households, salt in the shop (events #1–#8).
func smallVillage(_ kind: StoreKind) throws -> Harness {
    let store = try Harness(kind)
    try store.execute(.openLedger(ledgerId: "small", village: "牛角村", scheme: referenceScheme, demo: false, admin: nil),
                      by: "张书记", on: "2025-01-01")
    try store.executeAll([.addUnit("U01", name: "第一联户", leader: nil),
                          .registerHousehold("H001", head: "王德福", unit: "U01", members: 4),
                          .registerHousehold("H002", head: "李秀英", unit: "U01", members: 2),
                          .registerHousehold("H003", head: "张国华", unit: "U01", members: 5),
                          .listItem("salt", name: "食盐", unit: "500 g", price: 3)]
                            .enumerated().map { BatchItem(command: $1, occurredOn: "2025-01-01", line: $0 + 2) }, by: "张书记")
    try store.execute(.receiveStock("salt", quantity: 20, source: "捐赠"), by: "李店长", on: "2025-01-02")
    return store
}

/// Idempotency keys (Formance, TigerBeetle): the same key with the same command returns the first result and writes
/// nothing; with another command it is refused. Keys never expire.
@Suite struct IdempotencyKeys {
    @Test(arguments: StoreKind.allCases)
    func theSameKeyAndCommandGiveTheFirstResult(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let first = try store.execute(score("H001", "C2.3"), by: "王会计", on: "2025-03-01", key: "tablet-7/41")
        #expect(!first.alreadyRecorded && first.events.count == 1 && first.events[0].key == "tablet-7/41")
        let head = try store.headText()
        // A day later, after other writes: still the first result.
        store.clock.setEvening(of: "2026-01-01")
        try store.execute(score("H002", "C2.3"), by: "王会计", on: "2025-03-01")
        let headAfter = try store.headText()
        let again = try store.execute(score("H001", "C2.3"), by: "王会计", on: "2025-03-01", key: "tablet-7/41")
        #expect(again.alreadyRecorded)
        #expect(again.events == first.events)
        #expect(try store.headText() == headAfter && headAfter != head)
    }

    @Test(arguments: StoreKind.allCases)
    func theSameKeyWithAnotherCommandIsRefused(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let first = try store.execute(score("H001", "C2.3"), by: "王会计", on: "2025-03-01", key: "k1")
        let head = try store.headText()
        let seq = first.events[0].seq
        for (command, date) in [(score("H002", "C2.3"), LocalDate("2025-03-01")), (score("H001", "C2.3"), LocalDate("2025-03-02")),
                                (Command.redeem("H001", "salt", quantity: 1), LocalDate("2025-03-01"))] {
            #expect(throws: Rejection.keyUsedForAnotherEntry(key: "k1", seq: seq)) {
                try store.execute(command, by: "王会计", on: date, key: "k1")
            }
        }
        #expect(try store.headText() == head, "a refused key writes nothing")
    }

    /// A command with a key that the domain refuses leaves the key unused: the fixed command may take it.
    @Test(arguments: StoreKind.allCases)
    func aRefusedCommandDoesNotTakeItsKey(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        #expect(throws: Rejection.self) { try store.execute(score("H009", "C2.3"), by: "王会计", on: "2025-03-01", key: "k2") }
        let written = try store.execute(score("H001", "C2.3"), by: "王会计", on: "2025-03-01", key: "k2")
        #expect(!written.alreadyRecorded && written.events[0].key == "k2")
    }
}

/// The retry guard: the same score or redemption within the hour, with no key, is refused as a likely retry, naming
/// the earlier entry, unless `again` says it is meant; an hour later, or once the earlier one is reversed, it is new.
@Suite struct RetryGuard {
    @Test(arguments: StoreKind.allCases)
    func aRepeatWithinTheHourIsRefusedUntilAgainOrAnHourLater(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let evening = Date(timeIntervalSince1970: TimeInterval(LocalDate("2025-12-31").daysSinceEpoch * 86_400 + 9 * 3600 + 30 * 60))
        store.clock.set(evening)
        let mediation = score("H001", "C1.2", points: 8, note: "调解纠纷")
        let first = try store.execute(mediation, by: "王会计", on: "2025-03-28")
        let seq = first.events[0].seq
        store.clock.set(evening.addingTimeInterval(59 * 60))
        let head = try store.headText()
        #expect(throws: Rejection.repeatedEntry(seq: seq, minutesAgo: 59, redemption: false)) {
            try store.execute(mediation, by: "王会计", on: "2025-03-28")
        }
        #expect(try store.headText() == head, "a refused retry writes nothing")
        let meant = try store.execute(mediation, by: "王会计", on: "2025-03-28", again: true)
        #expect(meant.events[0].seq == seq + 1)
        // The newest is now the one named; once it is reversed, the one before is.
        store.clock.set(evening.addingTimeInterval(61 * 60))
        #expect(throws: Rejection.repeatedEntry(seq: seq + 1, minutesAgo: 2, redemption: false)) {
            try store.execute(mediation, by: "王会计", on: "2025-03-28")
        }
        try store.execute(.reverse(.seq(seq + 1), reason: "重复"), by: "王会计", on: "2025-03-28")
        let last = try store.execute(mediation, by: "王会计", on: "2025-03-28")
        #expect(!last.alreadyRecorded && last.events[0].seq == seq + 3)
    }

    @Test(arguments: StoreKind.allCases)
    func aRedemptionIsGuardedToo(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        try store.execute(score("H001", "C2.3"), by: "王会计", on: "2025-03-22")
        let first = try store.execute(.redeem("H001", "salt", quantity: 1), by: "李店长", on: "2025-04-10")
        #expect(throws: Rejection.repeatedEntry(seq: first.events[0].seq, minutesAgo: 0, redemption: true)) {
            try store.execute(.redeem("H001", "salt", quantity: 1), by: "李店长", on: "2025-04-10")
        }
        // Another quantity is another redemption.
        try store.execute(.redeem("H001", "salt", quantity: 2), by: "李店长", on: "2025-04-10")
    }
}

/// A batch is all or nothing: one refused line, and none of it is written, with every refused line reported by its
/// line number; lines are decided in order, each seeing the ones before it.
@Suite struct Batches {
    @Test(arguments: StoreKind.allCases)
    func oneRefusedLineWritesNothingAndEveryRefusedLineIsReported(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        let head = try store.headText(), before = try store.projections()
        let items = [BatchItem(command: score("H001", "C2.3"), occurredOn: "2025-03-01", line: 2),
                     BatchItem(command: score("H009", "C2.3"), occurredOn: "2025-03-01", line: 3),
                     BatchItem(command: score("H002", "C2.3"), occurredOn: "2025-03-01", line: 4),
                     BatchItem(command: .redeem("H003", "salt", quantity: 1), occurredOn: "2025-03-01", line: 5)]
        do {
            try store.executeAll(items, by: "王会计", fileName: "三月.csv")
            Issue.record("the batch was written")
        } catch let refused as BatchRejected {
            #expect(refused.problems.map(\.line) == [3, 5])
            #expect(refused.fileName == "三月.csv")
        }
        #expect(try store.headText() == head)
        #expect(try store.projections() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func eachLineSeesTheLinesBeforeIt(_ kind: StoreKind) throws {
        let store = try smallVillage(kind)
        // The redemption is paid by the score two lines up; the household registered first is scored next.
        let written = try store.executeAll([
            BatchItem(command: score("H001", "C2.3"), occurredOn: "2025-03-01", line: 2),
            BatchItem(command: .registerHousehold("H004", head: "刘明", unit: "U01", members: 3), occurredOn: "2025-03-01", line: 3),
            BatchItem(command: .redeem("H001", "salt", quantity: 1), occurredOn: "2025-03-01", line: 4),
            BatchItem(command: score("H004", "C2.3"), occurredOn: "2025-03-01", line: 5),
        ], by: "王会计")
        #expect(written.map(\.seq) == Array(9...12))
        #expect(try store.projections().households.first { $0.code == "H004" }?.earned == 10)
    }
}
