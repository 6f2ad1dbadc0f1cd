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

/// The projections as a fold: what one recorded event changes, given the state before it.
///
/// This is the only place where events turn into balances and stock. The live append path and
/// `rebuild` both call it, so a rebuild gives exactly what the live projections hold.
public func project(_ recorded: RecordedEvent, state: some LedgerState) throws -> [ProjectionChange] {
    let seq = recorded.seq
    func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw ProjectionError(seq: seq, problem: "\(what) is not in the ledger") }
        return value
    }
    func entry(kind: EntryKind, household: HouseholdCode? = nil, rule: RuleCode? = nil, item: ItemCode? = nil,
               quantity: Int = 0, earned: Int = 0, deducted: Int = 0, redeemed: Int = 0, reverses: Int64? = nil) -> Entry {
        Entry(seq: seq, id: recorded.id, kind: kind, household: household, rule: rule, item: item, quantity: quantity,
              earned: earned, deducted: deducted, redeemed: redeemed, occurredOn: recorded.occurredOn,
              reverses: reverses, reversedBy: nil)
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
    case .scoreRecorded(let e):
        var account = try need(try state.household(e.household), "household \(e.household)")
        let earned = max(e.points, 0), deducted = max(-e.points, 0)
        account.earned += earned
        account.deducted += deducted
        return [.household(account),
                .entry(entry(kind: .score, household: e.household, rule: e.rule.code, earned: earned, deducted: deducted))]
    case .itemListed(let e):
        return [.item(ItemStock(code: e.item, name: e.name, unit: e.unit, price: e.price, stock: 0))]
    case .stockReceived(let e):
        var item = try need(try state.item(e.item), "item \(e.item)")
        item.stock += e.quantity
        return [.item(item), .entry(entry(kind: .stock, item: e.item, quantity: e.quantity))]
    case .redeemed(let e):
        var account = try need(try state.household(e.household), "household \(e.household)")
        var item = try need(try state.item(e.item), "item \(e.item)")
        account.redeemed += e.points
        item.stock -= e.quantity
        return [.household(account), .item(item),
                .entry(entry(kind: .redemption, household: e.household, item: e.item, quantity: -e.quantity, redeemed: e.points))]
    case .entryReversed(let e):
        var target = try need(try state.entry(.seq(e.target)), "entry #\(e.target)")
        guard target.reversedBy == nil else {
            throw ProjectionError(seq: seq, problem: "entry #\(e.target) was already reversed by #\(target.reversedBy!)")
        }
        target.reversedBy = seq
        var changes: [ProjectionChange] = [.entry(target)]
        if let code = target.household {
            var account = try need(try state.household(code), "household \(code)")
            account.earned -= target.earned
            account.deducted -= target.deducted
            account.redeemed -= target.redeemed
            changes.append(.household(account))
        }
        if let code = target.item {
            var item = try need(try state.item(code), "item \(code)")
            item.stock -= target.quantity
            changes.append(.item(item))
        }
        changes.append(.entry(entry(kind: .reversal, household: target.household, rule: target.rule, item: target.item,
                                    quantity: -target.quantity, earned: -target.earned, deducted: -target.deducted,
                                    redeemed: -target.redeemed, reverses: e.target)))
        return changes
    case .sheetImported(let e):
        return [.sheet(sha256: e.sheet, seq: seq)]
    }
}
