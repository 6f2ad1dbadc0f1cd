import JifenCore
import Testing

/// A ledger folded in memory from commands, through the same `decide` and `project` as the store.
///
/// It keeps the commands it accepted (`steps`), so that the same village can be written into any store through the
/// write path: the conformance suite runs the core's rejection table that way against every store.
public struct Village {
    public var state = MemoryLedger()
    public var seq: Int64 = 0
    /// Every event written, by sequence number.
    public var events: [Int64: RecordedEvent] = [:]
    public var today: LocalDate = "2025-12-31"
    public let scheme: Scheme
    /// Every command accepted, in order, with its business date, who gave it and the day it was given.
    public private(set) var steps: [Step] = []

    /// One accepted command, as the write path would be given it.
    public struct Step: Sendable {
        public let command: Command
        public let occurredOn: LocalDate
        public let actor: String
        public let today: LocalDate
    }

    public init(scheme: Scheme = Village.reference) throws {
        self.scheme = scheme
        try run(.openLedger(ledgerId: "test", village: "牛角村", scheme: scheme, demo: false, admin: nil), on: "2025-01-01")
        try run(.addUnit("U01", name: "第一联户", leader: nil))
        try run(.addUnit("U02", name: "第二联户", leader: nil))
        try run(.registerHousehold("H001", head: "王德福", unit: "U01", members: 4))
        try run(.registerHousehold("H002", head: "李秀英", unit: "U01", members: 2))
        try run(.registerHousehold("H003", head: "张国华", unit: "U02", members: 5))
        try run(.listItem("oil", name: "食用油", unit: "5 L", price: 85))
        try run(.listItem("salt", name: "食盐", unit: "500 g", price: 3))
    }

    public static let reference: Scheme = try! SchemeFile.parse(ReferenceSeed.schemeYAML)
    /// The reference scheme, but redeemable points are cleared each 10 January.
    public static let clearing: Scheme = try! SchemeFile.parse(ReferenceSeed.schemeYAML.replacingOccurrences(
        of: "year_end: carry_over", with: "year_end: clear 01-10"))

    /// Decides and folds a command; returns the events it produced or throws its rejection.
    @discardableResult
    public mutating func run(_ command: Command, on date: LocalDate? = nil, by actor: String = "王会计") throws -> [RecordedEvent] {
        let context = CommandContext(actor: ActorName(rawValue: actor), today: today, occurredOn: date ?? "2025-01-01")
        var recorded: [RecordedEvent] = []
        for (event, date) in try decide(command, context: context, state: state).dated {
            seq += 1
            let item = RecordedEvent(seq: seq, id: "e\(seq)", stream: event.stream, streamVersion: 1, occurredOn: date,
                                     recordedAt: "2025-01-01T00:00:00.000Z", actor: context.actor, schemeVersion: 1, key: nil,
                                     event: event, facts: try facts(of: event, state: state))
            try state.apply(item)
            events[seq] = item
            recorded.append(item)
        }
        steps.append(Step(command: command, occurredOn: context.occurredOn, actor: actor, today: today))
        return recorded
    }

    /// The rejection a command gets, or nil when it is accepted (and then applied).
    public mutating func rejection(_ command: Command, on date: LocalDate? = nil, by actor: String = "王会计") -> Rejection? {
        do {
            try run(command, on: date, by: actor)
            return nil
        } catch let rejection as Rejection {
            return rejection
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    public func account(_ code: HouseholdCode) -> HouseholdAccount { state.household(code)! }

    /// Puts roles in force, as `jifen actor add` does on a ledger made before them: events #10–#16 register
    /// the administrator, a clerk, two reviewers (钱委员 also clerks), the shopkeeper, U01's leader and an
    /// auditor. The first entry after them is #17.
    /// 王会计 records A1.1 for H001 on 2025-03-05.
    public mutating func recordA11() throws {
        try run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-05")
    }

    /// 赵主任 posts March on 2025-04-01 (it may close from 2025-04-08).
    public mutating func postMarch() throws {
        try run(.openNotice(NoticePeriod("2025-03")!), on: "2025-04-01", by: "赵主任")
    }

    public mutating func govern() throws {
        try run(.registerActor("张书记", roles: [.admin], unit: nil), by: "张书记")
        try run(.registerActor("王会计", roles: [.clerk], unit: nil), by: "张书记")
        try run(.registerActor("赵主任", roles: [.reviewer], unit: nil), by: "张书记")
        try run(.registerActor("钱委员", roles: [.clerk, .reviewer], unit: nil), by: "张书记")
        try run(.registerActor("李店长", roles: [.shopkeeper], unit: nil), by: "张书记")
        try run(.registerActor("陈组长", roles: [.leader], unit: "U01"), by: "张书记")
        try run(.registerActor("刘审计", roles: [.auditor], unit: nil), by: "张书记")
    }
}

extension LocalDate: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = LocalDate(value)! }
}
