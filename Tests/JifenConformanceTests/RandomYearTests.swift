import Foundation
import Jifen
import JifenCore
import JifenDemo
import JifenStore
import JifenTestSupport
import Tagged
import Testing

/// A year of a village of 40 households drawn from a seed: monthly tally sheets, leaders' proposals and their
/// approval, redemptions, corrections asked for and approved, monthly notices with objections, the year's settlement.
/// Many commands are refused on purpose (a redemption beyond the balance, a reversal of whatever event the dice name,
/// a sheet with an unknown household): every store must accept and refuse exactly the same ones, and end with the same
/// chain and projections.
enum RandomYear {
    static let households = (1...40).map { HouseholdCode(rawValue: String(format: "H%03d", $0)) }
    static let units: [UnitCode] = ["U01", "U02", "U03"]

    /// Writes the year; returns what happened to each command or batch, in order (the events written, or the refusal).
    static func write(to store: Harness, seed: UInt64, scheme: Scheme) throws -> [String] {
        var random = SeededRandom(seed: seed)
        func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        var transcript: [String] = []
        var proposals: [Int64] = []
        var requests: [Int64] = []
        var scores: [Int64] = []

        func note(_ what: String, _ outcome: () throws -> [RecordedEvent]) throws {
            do {
                let written = try outcome()
                for event in written {
                    switch event.event {
                    case .scoreProposed: proposals.append(event.seq)
                    case .reversalRequested: requests.append(event.seq)
                    case .scoreRecorded: scores.append(event.seq)
                    default: break
                    }
                }
                transcript.append("\(what): \(written.map { "#\($0.seq) \($0.event.typeName)" }.joined(separator: ", "))")
            } catch let refused as Rejection {
                transcript.append("\(what): refused: \(refused)")
            } catch let refused as BatchRejected {
                transcript.append("\(what): refused: \(refused.problems.map(\.description))")
            }
        }
        func one(_ command: Command, by actor: String, on day: LocalDate) throws {
            store.clock.setEvening(of: day)
            try note("\(day) \(actor)") { try store.execute(command, by: actor, on: day, again: true).events }
        }

        store.clock.setEvening(of: "2025-01-01")
        try note("opening") {
            try store.execute(.openLedger(ledgerId: "random-\(seed)", village: "牛角村", scheme: scheme, demo: false, admin: "张书记"),
                              by: "张书记", on: "2025-01-01").events
        }
        var register: [Command] = units.enumerated().map { .addUnit($1, name: "第\($0 + 1)联户", leader: nil) }
        register += households.enumerated().map { .registerHousehold($1, head: "户主\($0 + 1)", unit: units[$0 % units.count], members: 1 + $0 % 6) }
        register += [.listItem("salt", name: "食盐", unit: "500 g", price: 3), .listItem("oil", name: "食用油", unit: "5 L", price: 85),
                     .registerActor("王会计", roles: [.clerk], unit: nil), .registerActor("赵主任", roles: [.reviewer], unit: nil),
                     .registerActor("李店长", roles: [.shopkeeper], unit: nil), .registerActor("陈组长", roles: [.leader], unit: "U01")]
        store.clock.setEvening(of: "2025-01-02")
        try note("register") {
            try store.executeAll(register.enumerated().map { BatchItem(command: $1, occurredOn: "2025-01-02", line: $0 + 2) }, by: "张书记")
        }
        try one(.receiveStock("salt", quantity: 200, source: "乡里调拨"), by: "李店长", on: "2025-01-03")
        try one(.receiveStock("oil", quantity: 10, source: "捐赠"), by: "李店长", on: "2025-01-03")

        for month in 1...12 {
            func day(_ d: Int) -> LocalDate { LocalDate(year: 2025, month: month, day: d) ?? "2025-01-01" }
            // The tally sheet: one in ten months holds a household that is not registered, and is refused whole.
            var lines: [BatchItem] = []
            for line in 0..<25 {
                let household = pick(250) == 0 ? "H099" : households[pick(households.count)]
                let command: Command
                switch pick(6) {
                case 0: command = score(household.rawValue, "D1.2")
                case 1: command = score(household.rawValue, "D2.3")
                case 2: command = score(household.rawValue, "C1.2", points: 5 + pick(6), note: "调解")
                case 3: command = score(household.rawValue, "C2.2", points: 2 + pick(19), note: "捐款")
                case 4: command = score(household.rawValue, "B1.3", note: "乱扔垃圾")
                default: command = score(household.rawValue, "D1.3", note: "不赡养老人")   // -20: proposed, needs approval
                }
                lines.append(BatchItem(command: command, occurredOn: day(10 + pick(10)), line: line + 2))
            }
            store.clock.setEvening(of: day(25))
            try note("\(month) tally") { try store.executeAll(lines, by: "王会计", fileName: "\(month).csv") }
            try one(score(households[pick(12)].rawValue, "C1.3", points: 5 + pick(6), note: "拾金不昧"), by: "陈组长", on: day(26))
            for _ in 0..<3 {
                try one(.redeem(households[pick(households.count)], pick(4) == 0 ? "oil" : "salt", quantity: 1 + pick(3)), by: "李店长", on: day(27))
            }
            // A correction of whatever the dice name: most often refused, for many reasons.
            try one(.reverse(.seq(Int64(1 + pick(Int(try store.head().seq)))), reason: "更正"), by: "王会计", on: day(27))
            if let request = requests.popLast() { try one(.approve(.seq(request)), by: "赵主任", on: day(28)) }
            while let proposal = proposals.popLast() { try one(.approve(.seq(proposal)), by: "赵主任", on: day(28)) }
            // The notice, the next month.
            let period = try #require(NoticePeriod(String(format: "2025-%02d", month)))
            let next = month == 12 ? { (d: Int) in LocalDate(year: 2026, month: 1, day: d) ?? "2026-01-01" } : { (d: Int) in
                LocalDate(year: 2025, month: month + 1, day: d) ?? "2025-01-01"
            }
            try one(.openNotice(period), by: "赵主任", on: next(1))
            if let target = scores.randomElement(using: &random) {
                try one(.object(.seq(target), reason: "有异议"), by: "陈组长", on: next(2))
                try one(.resolveObjection(.seq(target), pick(2) == 0 ? .dismiss : .uphold, reason: "经核实"), by: "赵主任", on: next(3))
            }
            try one(.closeNotice(period), by: "赵主任", on: next(9))
        }
        try one(.settleYear(2025), by: "张书记", on: "2026-01-15")
        return transcript
    }
}

@Suite struct RandomYears {
    /// Three seeds; the third under a scheme that clears what is left of the year's points on 10 January, so that the
    /// settlement also expires points.
    static let years: [(seed: UInt64, clearing: Bool)] = [(1, false), (2, false), (3, true)]

    /// Every store accepts and refuses the same commands as memory, and ends with the same chain and projections.
    @Test(arguments: years)
    func everyStoreAcceptsAndRefusesTheSameAndEndsWithTheSameChain(_ seed: UInt64, _ clearing: Bool) throws {
        let scheme = clearing ? Village.clearing : referenceScheme
        let reference = try Harness(.memory, seed: seed)
        let expected = try RandomYear.write(to: reference, seed: seed, scheme: scheme)
        #expect(expected.contains { $0.contains("refused") } && expected.contains { $0.contains("v1.noticeClosed") },
                "the year refuses some commands and closes notices")
        #expect(expected.contains { $0.contains("v1.pointsExpired") } == clearing, "points expire where the scheme clears them")
        let chain = try reference.links()
        for kind in StoreKind.allCases where kind != .memory {
            let store = try Harness(kind, seed: seed)
            let transcript = try RandomYear.write(to: store, seed: seed, scheme: scheme)
            for (index, (line, other)) in zip(transcript, expected).enumerated() where line != other {
                Issue.record("\(kind), step \(index): \(line)\n  memory: \(other)")
            }
            #expect(transcript.count == expected.count)
            #expect(try store.headText() == reference.headText())
            // The same chain, byte for byte: what each event hashes, its link and its hash.
            let links = try store.links()
            #expect(links.count == chain.count)
            for (link, other) in zip(links, chain) where link.canonicalBytes != other.canonicalBytes || link.hash != other.hash
                || link.previousHash != other.previousHash {
                Issue.record("\(kind): event #\(link.fields.seq) differs from memory's")
            }
            let (mine, theirs) = (try store.projections(), try reference.projections())
            #expect(mine == theirs, "\(mine.differences(from: theirs))")
        }
    }
}
