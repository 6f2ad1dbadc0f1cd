import Foundation
import Jifen
import JifenDemo
import JifenCore
import JifenStore
import Testing

/// Finding 7 of issue 11: a command retried after a crash (committed, but killed before it printed) must not count
/// twice. The same score or redemption within the hour is refused, naming the earlier entry; `again` records it anyway;
/// a key keeps working as before.
@Suite struct Retries {
    static let evening = Date(timeIntervalSince1970: TimeInterval(LocalDate("2025-12-31")!.daysSinceEpoch * 86_400 + 9 * 3600 + 30 * 60))
    static let march28 = LocalDate("2025-03-28")!

    /// (In both stored formats: the recent entries are found through the log's own table and index.)
    @Test(arguments: LogFormat.allCases)
    func theSameScoreWithinTheHourIsRefusedUntilAgainSaysItIsMeant(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let (ledger, script) = try makeVillage(at: scratch.path("v.sqlite"), format: format)
        let mediation = score("H001", "C1.2", points: 8, note: "调解两户宅基地纠纷")
        let first = try ledger.execute(mediation, by: "王会计", on: Self.march28)
        #expect(first.events[0].seq == 8)
        script.set(Self.evening.addingTimeInterval(59 * 60))
        #expect(throws: Rejection.repeatedEntry(seq: 8, minutesAgo: 59, redemption: false)) {
            try ledger.execute(mediation, by: "王会计", on: Self.march28)
        }
        // The same words with spaces around them, and a ranged rule's size given with the rule's sign, are the same.
        #expect(throws: Rejection.repeatedEntry(seq: 8, minutesAgo: 59, redemption: false)) {
            try ledger.execute(score("H001", "C1.2", points: 8, note: " 调解两户宅基地纠纷 "), by: "赵主任", on: Self.march28)
        }
        #expect(try eventCount(ledger) == 8, "a refused retry writes nothing")
        // Anything different is another score: the household, the rule, the points, the note, the date.
        for (command, date) in [(score("H002", "C1.2", points: 8, note: "调解两户宅基地纠纷"), Self.march28),
                                (score("H001", "C1.2", points: 9, note: "调解两户宅基地纠纷"), Self.march28),
                                (score("H001", "C1.2", points: 8, note: "调解邻里纠纷"), Self.march28),
                                (score("H001", "C1.2", points: 8, note: "调解两户宅基地纠纷"), LocalDate("2025-03-27")!),
                                (score("H001", "C1.1", points: nil, note: "调解两户宅基地纠纷"), Self.march28)] {
            #expect(!(try ledger.execute(command, by: "王会计", on: date)).alreadyRecorded)
        }
        #expect(try eventCount(ledger) == 13)
        let second = try ledger.execute(mediation, by: "王会计", on: Self.march28, again: true)
        #expect(second.events[0].seq == 14 && !second.alreadyRecorded)
        #expect(try ledger.read { try $0.household("H001")?.earned } == 8 + 9 + 8 + 8 + 5 + 8)
        // Now the newest is the one to name; an hour after it, the same score is new again.
        script.set(Self.evening.addingTimeInterval(59 * 60 + 30 * 60))
        #expect(throws: Rejection.repeatedEntry(seq: 14, minutesAgo: 30, redemption: false)) {
            try ledger.execute(mediation, by: "王会计", on: Self.march28)
        }
        script.set(Self.evening.addingTimeInterval(59 * 60 + 60 * 60 + 1))
        #expect(!(try ledger.execute(mediation, by: "王会计", on: Self.march28)).alreadyRecorded)
        // A score with no note (whose payload stored format 2 leaves out) is as much a retry.
        let plain = try ledger.execute(score("H002", "D1.2"), by: "王会计", on: Self.march28)
        #expect(throws: Rejection.repeatedEntry(seq: plain.events[0].seq, minutesAgo: 0, redemption: false)) {
            try ledger.execute(score("H002", "D1.2"), by: "王会计", on: Self.march28)
        }
    }

    @Test(arguments: LogFormat.allCases)
    func theSameRedemptionWithinTheHourIsRefusedUntilAgainSaysItIsMeant(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let (ledger, script) = try makeVillage(at: scratch.path("v.sqlite"), format: format)
        try ledger.execute(.receiveStock("salt", quantity: 20, source: "捐赠"), by: "李店长", on: LocalDate("2025-03-01")!)
        try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-22")!)
        try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-23")!)
        let salt = Command.redeem("H001", "salt", quantity: 2)
        let first = try ledger.execute(salt, by: "李店长", on: LocalDate("2025-04-10")!)
        script.set(Self.evening.addingTimeInterval(30))
        #expect(throws: Rejection.repeatedEntry(seq: first.events[0].seq, minutesAgo: 0, redemption: true)) {
            try ledger.execute(salt, by: "李店长", on: LocalDate("2025-04-10")!)
        }
        #expect(!(try ledger.execute(.redeem("H001", "salt", quantity: 1), by: "李店长", on: LocalDate("2025-04-10")!)).alreadyRecorded)
        #expect(!(try ledger.execute(salt, by: "李店长", on: LocalDate("2025-04-10")!, again: true)).alreadyRecorded)
        #expect(try ledger.read { try $0.item("salt")?.stock } == 20 - 2 - 1 - 2)
    }

    @Test func aReversedEntryIsNoRetryToRefuse() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let first = try ledger.execute(score("H001", "A1.1"), by: "王会计", on: Self.march28)
        try ledger.execute(.reverse(.seq(first.events[0].seq), reason: "日期记错"), by: "王会计", on: Self.march28)
        #expect(!(try ledger.execute(score("H001", "A1.1"), by: "王会计", on: Self.march28)).alreadyRecorded)
    }

    @Test func aKeyStillDecidesAndTalliesAreNotChecked() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let first = try ledger.execute(score("H001", "A1.2"), by: "王会计", on: Self.march28, key: "2025-03-H001-1")
        let retry = try ledger.execute(score("H001", "A1.2"), by: "王会计", on: Self.march28, key: "2025-03-H001-1")
        #expect(retry.alreadyRecorded && retry.events[0].seq == first.events[0].seq)
        // A script gives each entry it means its own key: two keys, two entries.
        #expect(!(try ledger.execute(score("H001", "A1.2"), by: "王会计", on: Self.march28, key: "2025-03-H001-2")).alreadyRecorded)
        // A sheet is one act: its identical rows are each meant (the sheet's own identity stops a second import).
        let rows = (2...3).map { BatchItem(command: score("H002", "A1.2"), occurredOn: Self.march28, line: $0) }
        #expect(try ledger.executeAll(rows, by: "王会计", fileName: "march.csv").count == 2)
        #expect(try eventCount(ledger) == 11)
    }

    /// A score that waits for a reviewer (a deduction of 20 or more by a clerk) is what its key recorded too: retried
    /// with the same key, it is reported, not refused as another entry.
    @Test func aKeyedRetryOfAProposedScoreReportsTheFirst() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(.registerActor("张书记", roles: [.admin], unit: nil), by: "张书记")
        try ledger.execute(.registerActor("王会计", roles: [.clerk], unit: nil), by: "张书记")
        let deduction = score("H001", "A2.3", points: 20, note: "占用村道晾晒玉米")
        let first = try ledger.execute(deduction, by: "王会计", on: Self.march28, key: "2025-03-H001-7")
        guard case .scoreProposed = first.events[0].event else {
            Issue.record("a deduction of 20 waits for a reviewer: \(first.events[0].event)")
            return
        }
        let retry = try ledger.execute(deduction, by: "王会计", on: Self.march28, key: "2025-03-H001-7")
        #expect(retry.alreadyRecorded && retry.events[0].seq == first.events[0].seq)
        #expect(try eventCount(ledger) == 10)
    }

    @Test func aKeyAFormulaCouldHideInIsRefused() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        for key in ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "k\u{1B}[2J", "k\n2"] {
            let problem = try #require(KeySyntax.problem(with: key), "\(key) is refused")
            #expect(throws: Rejection.keyInvalid(key: key, problem: problem)) {
                try ledger.execute(score("H001", "A1.2"), by: "王会计", on: Self.march28, key: key)
            }
        }
        #expect(try eventCount(ledger) == 7)
    }
}
