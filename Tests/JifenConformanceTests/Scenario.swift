import Foundation
import Jifen
import JifenCore
import JifenStore
import JifenTestSupport
import Tagged

/// A village's first year, written through the write path: the register, the shop, scores before and after roles,
/// a tally sheet, review, a public notice with objections, a reversal asked for and approved, a new scheme and the
/// year's settlement. Nearly every kind of event, each step on its own business date with the clock at that day's
/// evening, as a clerk would enter it.
enum Scenario {
    enum Step: Sendable {
        case one(Command, by: String, on: LocalDate)
        case batch([Command], by: String, on: LocalDate)
        /// A command that takes the sequence number of the step's first event `back` steps earlier.
        case referring(back: Int, by: String, on: LocalDate, @Sendable (Int64) -> Command)
    }

    static let steps: [Step] = [
        .one(.openLedger(ledgerId: "conformance", village: "牛角村", scheme: referenceScheme, demo: false, admin: nil),
             by: "张书记", on: "2025-01-01"),
        .batch([.addUnit("U01", name: "第一联户", leader: nil), .addUnit("U02", name: "第二联户", leader: nil),
                .registerHousehold("H001", head: "王德福", unit: "U01", members: 4),
                .registerHousehold("H002", head: "李秀英", unit: "U01", members: 2),
                .registerHousehold("H003", head: "张国华", unit: "U02", members: 5),
                .registerHousehold("H004", head: "刘明", unit: "U02", members: 3),
                .listItem("oil", name: "食用油", unit: "5 L", price: 85), .listItem("salt", name: "食盐", unit: "500 g", price: 3)],
               by: "张书记", on: "2025-01-02"),
        .one(.receiveStock("salt", quantity: 50, source: "乡里调拨"), by: "李店长", on: "2025-01-03"),
        .one(score("H001", "C2.3"), by: "王会计", on: "2025-01-10"),
        .one(score("H002", "C1.2", points: 8, note: "调解两户宅基地纠纷"), by: "王会计", on: "2025-01-11"),
        .one(score("H003", "A1.1"), by: "王会计", on: "2025-01-12"),
        .one(.redeem("H001", "salt", quantity: 2), by: "李店长", on: "2025-01-20"),
        .referring(back: 3, by: "王会计", on: "2025-01-21") { .reverse(.seq($0), reason: "记错户") },
        .one(.changeUnitLeader("U01", leader: "H001"), by: "张书记", on: "2025-02-01"),
        .one(.moveHousehold("H004", to: "U01"), by: "张书记", on: "2025-02-02"),
        .batch([.registerActor("张书记", roles: [.admin], unit: nil), .registerActor("王会计", roles: [.clerk], unit: nil),
                .registerActor("赵主任", roles: [.reviewer], unit: nil), .registerActor("钱委员", roles: [.clerk, .reviewer], unit: nil),
                .registerActor("李店长", roles: [.shopkeeper], unit: nil), .registerActor("陈组长", roles: [.leader], unit: "U01")],
               by: "张书记", on: "2025-03-01"),
        .one(score("H001", "A1.1"), by: "王会计", on: "2025-03-05"),
        .one(score("H002", "B2.1"), by: "王会计", on: "2025-03-10"),
        .one(score("H003", "A1.3", note: "三月院坝会无故缺席"), by: "王会计", on: "2025-03-12"),
        .batch([.importSheet(sha256: String(repeating: "ab", count: 32), fileName: "三月.csv", rows: 2),
                score("H004", "A1.2"), score("H001", "B2.2")], by: "王会计", on: "2025-03-15"),
        .one(score("H001", "C1.1", note: "帮邻居抢收"), by: "陈组长", on: "2025-03-20"),
        .referring(back: 1, by: "赵主任", on: "2025-03-21") { .approve(.seq($0)) },
        .one(.openNotice(NoticePeriod("2025-03")!), by: "赵主任", on: "2025-04-01"),
        .referring(back: 6, by: "陈组长", on: "2025-04-02") { .object(.seq($0), reason: "户主称当日不在家") },
        .referring(back: 7, by: "赵主任", on: "2025-04-03") { .resolveObjection(.seq($0), .uphold, reason: "经核实记错") },
        .referring(back: 7, by: "陈组长", on: "2025-04-04") { .object(.seq($0), reason: "请核实") },
        .referring(back: 8, by: "赵主任", on: "2025-04-05") { .resolveObjection(.seq($0), .dismiss, reason: "经核实属实") },
        .one(.closeNotice(NoticePeriod("2025-03")!), by: "赵主任", on: "2025-04-08"),
        .one(.redeem("H001", "salt", quantity: 1), by: "李店长", on: "2025-04-10"),
        .one(score("H002", "A1.2"), by: "王会计", on: "2025-04-12"),
        .referring(back: 1, by: "王会计", on: "2025-04-13") { .reverse(.seq($0), reason: "重复记分") },
        .referring(back: 1, by: "赵主任", on: "2025-04-14") { .approve(.seq($0)) },
        .one(.closeHousehold("H004", reason: "全家迁往市区"), by: "王会计", on: "2025-04-30"),
        .one(.reopenHousehold("H004", note: "销错户，尚未迁走"), by: "王会计", on: "2025-04-30"),
        .one(.closeHousehold("H004", reason: "全家迁往市区"), by: "张书记", on: "2025-05-01"),
        .one(.publishScheme(referenceScheme, effective: "2025-06-01"), by: "张书记", on: "2025-05-20"),
        .one(score("H003", "C2.3"), by: "钱委员", on: "2025-06-05"),
        .one(.retireActor("钱委员", reason: "调任乡里"), by: "张书记", on: "2025-07-01"),
        .one(.openNotice(NoticePeriod("2025-06")!), by: "赵主任", on: "2025-07-02"),
        .one(.closeNotice(NoticePeriod("2025-06")!), by: "赵主任", on: "2025-07-09"),
        .one(.settleYear(2025), by: "张书记", on: "2026-01-05"),
    ]

    /// Writes every step; fails at the first refusal.
    static func write(to harness: Harness) throws {
        var firstSeqs: [Int64] = []
        for step in steps {
            let written: [RecordedEvent]
            switch step {
            case .one(let command, let actor, let date):
                harness.clock.setEvening(of: date)
                written = try harness.execute(command, by: actor, on: date).events
            case .batch(let commands, let actor, let date):
                harness.clock.setEvening(of: date)
                written = try harness.executeAll(commands.enumerated().map { BatchItem(command: $1, occurredOn: date, line: $0 + 2) },
                                                 by: actor)
            case .referring(let back, let actor, let date, let command):
                harness.clock.setEvening(of: date)
                written = try harness.execute(command(firstSeqs[firstSeqs.count - back]), by: actor, on: date).events
            }
            firstSeqs.append(written.first?.seq ?? 0)
        }
    }
}
