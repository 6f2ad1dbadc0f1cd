import Tagged

/// An event that cannot be folded into the projections: the log contradicts itself.
public struct ProjectionError: Error, CustomStringConvertible, Sendable {
    public let seq: Int64
    public let problem: String

    public init(seq: Int64, problem: String) {
        self.seq = seq
        self.problem = problem
    }

    public var description: String { "event #\(seq) cannot be replayed: \(problem)" }
}

/// What an event moves, decided once when it is appended and stored beside it.
public func facts(of event: LedgerEvent, state: some LedgerState) throws -> EventFacts {
    switch event {
    case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .sheetImported:
        return .none
    case .householdRegistered(let e): return EventFacts(household: e.household)
    case .householdMoved(let e): return EventFacts(household: e.household)
    case .householdClosed(let e): return EventFacts(household: e.household)
    case .scoreRecorded(let e):
        return EventFacts(household: e.household, rule: e.rule.code, earned: max(e.points, 0), deducted: max(-e.points, 0))
    case .itemListed(let e): return EventFacts(item: e.item)
    case .stockReceived(let e): return EventFacts(item: e.item, stock: e.quantity)
    case .redeemed(let e): return EventFacts(household: e.household, item: e.item, redeemed: e.points, stock: -e.quantity)
    case .entryReversed(let e):
        guard let target = try state.entry(.seq(e.target)) else {
            throw ProjectionError(seq: e.target, problem: "the entry to reverse is not in the ledger")
        }
        return EventFacts(household: target.household, item: target.item, rule: target.rule, earned: -target.earned,
                          deducted: -target.deducted, redeemed: -target.redeemed, stock: -target.quantity, reverses: target.seq)
    }
}

extension HouseholdAccount {
    /// Adds an event's figures: the one rule by which points are summed, live, in `rebuild` and in `verify`.
    public mutating func add(_ facts: EventFacts) {
        earned += facts.earned
        deducted += facts.deducted
        redeemed += facts.redeemed
    }
}

extension ItemStock {
    public mutating func add(_ facts: EventFacts) {
        stock += facts.stock
    }
}

extension Entry {
    /// The entry an event of points or stock is, from its stored facts.
    public init?(_ recorded: RecordedEvent) {
        guard let kind = recorded.event.entryKind else { return nil }
        let f = recorded.facts
        self.init(seq: recorded.seq, id: recorded.id, kind: kind, household: f.household, rule: f.rule, item: f.item,
                  quantity: f.stock, earned: f.earned, deducted: f.deducted, redeemed: f.redeemed,
                  occurredOn: recorded.occurredOn, reverses: f.reverses, reversedBy: nil)
    }
}

/// What an entry of points or stock changes, from its facts alone: `project` uses it for every entry, and
/// `rebuild` calls it straight from the stored columns without decoding the payload.
public func projectEntry(_ facts: EventFacts, seq: Int64, state: some LedgerState) throws -> [ProjectionChange] {
    var changes: [ProjectionChange] = []
    if let code = facts.household {
        guard var account = try state.household(code) else { throw ProjectionError(seq: seq, problem: "household \(code) is not in the ledger") }
        account.add(facts)
        changes.append(.household(account))
    }
    if let code = facts.item {
        guard var item = try state.item(code) else { throw ProjectionError(seq: seq, problem: "item \(code) is not in the ledger") }
        item.add(facts)
        changes.append(.item(item))
    }
    return changes
}

/// The projections as a fold: what one recorded event changes, given the state before it.
///
/// Points and stock move by the event's stored facts (`HouseholdAccount.add`, `ItemStock.add`); the register,
/// units, items and the scheme by its payload. The live append path, `rebuild` and `verify` all fold through it.
public func project(_ recorded: RecordedEvent, state: some LedgerState) throws -> [ProjectionChange] {
    let seq = recorded.seq
    func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw ProjectionError(seq: seq, problem: "\(what) is not in the ledger") }
        return value
    }
    if recorded.event.entryKind != nil {
        var changes = try projectEntry(recorded.facts, seq: seq, state: state)
        changes.append(.entry(Entry(recorded)!))
        if let target = recorded.facts.reverses { changes.append(.reversed(target, by: seq)) }
        return changes
    }

    switch recorded.event {
    case .ledgerOpened(let e):
        // The scheme follows in the next event; until then the ledger has an empty one.
        let empty = Scheme(name: "", settings: SchemeSettings(), categories: [], indicators: [], rules: [])
        return [.ledger(LedgerInfo(ledgerId: e.ledgerId, village: e.village, demo: e.demo, openedOn: recorded.occurredOn,
                                   schemeVersion: 0, scheme: empty))]
    case .schemeAdopted(let e):
        var info = try need(try state.ledger(), "the ledger's opening")
        info.scheme = e.scheme
        info.schemeVersion = e.version
        return [.ledger(info)]
    case .unitAdded(let e):
        return [.unit(UnitRecord(code: e.unit, name: e.name, leader: e.leader))]
    case .unitLeaderChanged(let e):
        var unit = try need(try state.unit(e.unit), "unit \(e.unit)")
        unit.leader = e.leader
        return [.unit(unit)]
    case .householdRegistered(let e):
        return [.household(HouseholdAccount(code: e.household, head: e.head, unit: e.unit, members: e.members, status: .open,
                                            registeredOn: recorded.occurredOn, closedOn: nil,
                                            earned: 0, deducted: 0, redeemed: 0))]
    case .householdMoved(let e):
        var account = try need(try state.household(e.household), "household \(e.household)")
        account.unit = e.to
        return [.household(account)]
    case .householdClosed(let e):
        var account = try need(try state.household(e.household), "household \(e.household)")
        account.status = .closed
        account.closedOn = recorded.occurredOn
        return [.household(account)]
    case .itemListed(let e):
        return [.item(ItemStock(code: e.item, name: e.name, unit: e.unit, price: e.price, stock: 0))]
    case .sheetImported(let e):
        return [.sheet(sha256: e.sheet, seq: seq)]
    case .scoreRecorded, .stockReceived, .redeemed, .entryReversed:
        preconditionFailure("entries are folded by their facts above")
    }
}
