import JifenCore

/// A ledger folded in memory from commands, through the same `decide` and `project` as the store.
struct Village {
    var state = MemoryLedger()
    var seq: Int64 = 0
    /// Every event written, by sequence number.
    var events: [Int64: RecordedEvent] = [:]
    var today: LocalDate = "2025-12-31"
    let scheme: Scheme

    init(scheme: Scheme = Village.reference) throws {
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

    static let reference: Scheme = try! SchemeFile.parse(ReferenceSeed.schemeYAML)
    /// The reference scheme, but redeemable points are cleared each 10 January.
    static let clearing: Scheme = try! SchemeFile.parse(ReferenceSeed.schemeYAML.replacingOccurrences(
        of: "year_end: carry_over", with: "year_end: clear 01-10"))

    /// Decides and folds a command; returns the events it produced or throws its rejection.
    @discardableResult
    mutating func run(_ command: Command, on date: LocalDate? = nil, by actor: String = "王会计") throws -> [RecordedEvent] {
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
        return recorded
    }

    /// The rejection a command gets, or nil when it is accepted (and then applied).
    mutating func rejection(_ command: Command, on date: LocalDate? = nil, by actor: String = "王会计") -> Rejection? {
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

    func account(_ code: HouseholdCode) -> HouseholdAccount { state.household(code)! }

    /// Puts roles in force, as `jifen actor add` does on a ledger made before them: events #10–#16 register
    /// the administrator, a clerk, two reviewers (钱委员 also clerks), the shopkeeper, U01's leader and an
    /// auditor. The first entry after them is #17.
    /// 王会计 records A1.1 for H001 on 2025-03-05.
    mutating func recordA11() throws {
        try run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-05")
    }

    /// 赵主任 posts March on 2025-04-01 (it may close from 2025-04-08).
    mutating func postMarch() throws {
        try run(.openNotice(NoticePeriod("2025-03")!), on: "2025-04-01", by: "赵主任")
    }

    mutating func govern() throws {
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

import Testing
