import Tagged

/// The domain rules: what a command becomes, given the ledger as it stands.
///
/// Pure: no clock, no ids, no I/O of its own. It reads the ledger only through `state`, and either
/// returns the events to append or throws a `Rejection` that says what rule was broken.
public func decide(_ command: Command, context: CommandContext, state: some LedgerState) throws -> [LedgerEvent] {
    guard !context.actor.rawValue.trimmingSpaces.isEmpty else { throw Rejection.actorRequired }
    guard context.occurredOn <= context.today else {
        throw Rejection.dateInFuture(date: context.occurredOn, today: context.today)
    }
    if case .openLedger(let ledgerId, let village, let scheme, let demo) = command {
        if let info = try state.ledger() { throw Rejection.ledgerAlreadyOpened(village: info.village) }
        let village = try text(village, "the village name")
        return [.ledgerOpened(LedgerOpened(ledgerId: ledgerId, village: village, demo: demo)),
                .schemeAdopted(SchemeAdopted(version: 1, effective: context.occurredOn, scheme: scheme))]
    }
    guard let info = try state.ledger() else { throw Rejection.ledgerNotOpened }
    let rules = Rules(state: state, scheme: info.scheme)

    switch command {
    case .openLedger:
        preconditionFailure("handled above")

    case .addUnit(let unit, let name, let leader):
        try code(unit.rawValue, "joint unit")
        guard try state.unit(unit) == nil else { throw Rejection.unitExists(unit) }
        if let leader { _ = try rules.openHousehold(leader) }
        return [.unitAdded(UnitAdded(unit: unit, name: try text(name, "the unit's name"), leader: leader))]

    case .changeUnitLeader(let unit, let leader):
        _ = try rules.unit(unit)
        let account = try rules.openHousehold(leader)
        guard account.unit == unit else { throw Rejection.leaderNotInUnit(leader, unit: unit) }
        return [.unitLeaderChanged(UnitLeaderChanged(unit: unit, leader: leader))]

    case .registerHousehold(let household, let head, let unit, let members):
        try code(household.rawValue, "household")
        guard try state.household(household) == nil else { throw Rejection.householdExists(household) }
        _ = try rules.unit(unit)
        guard (1...Rejection.membersMax).contains(members) else { throw Rejection.membersOutOfRange(members) }
        return [.householdRegistered(HouseholdRegistered(household: household, head: try text(head, "the head's name"),
                                                         unit: unit, members: members))]

    case .moveHousehold(let household, let unit):
        let account = try rules.openHousehold(household)
        _ = try rules.unit(unit)
        guard account.unit != unit else { throw Rejection.householdAlreadyInUnit(household, unit) }
        return [.householdMoved(HouseholdMoved(household: household, from: account.unit, to: unit))]

    case .closeHousehold(let household, let reason):
        _ = try rules.openHousehold(household)
        return [.householdClosed(HouseholdClosed(household: household, reason: try text(reason, "a reason"))) ]

    case .recordScore(let household, let ruleCode, let chosen, let note, let source):
        _ = try rules.openHousehold(household)
        guard let rule = info.scheme.rule(ruleCode) else {
            throw Rejection.ruleUnknown(ruleCode, suggestion: Nearest.code(to: ruleCode.rawValue, among: info.scheme.rules.map(\.code.rawValue)))
        }
        let size: Int
        switch (rule.points.isFixed, chosen) {
        case (true, nil): size = rule.points.min
        case (true, let given?):
            guard given == rule.points.min || given == rule.points.min * rule.points.direction.sign else {
                throw Rejection.pointsDifferFromFixed(rule.code, given: given, rule.points)
            }
            size = rule.points.min
        case (false, nil): throw Rejection.pointsRequired(rule.code, rule.points)
        case (false, let given?):
            // The recorder gives the size; a sign that agrees with the rule is accepted too.
            let magnitude = given < 0 && rule.points.direction == .deduction ? -given : given
            guard (rule.points.min...rule.points.max).contains(magnitude) else {
                throw Rejection.pointsOutsideRange(rule.code, given: given, rule.points)
            }
            size = magnitude
        }
        let note = note.trimmingSpaces
        guard note.count <= Rejection.textLengthMax else { throw Rejection.textTooLong(what: "the note", lengthMax: Rejection.textLengthMax) }
        if rule.points.direction == .deduction && note.isEmpty { throw Rejection.noteRequiredForDeduction(rule.code) }
        if let cap = rule.cap {
            let period = cap.period.bounds(of: context.occurredOn)
            let count = try state.scoreCount(household: household, rule: rule.code, in: period)
            guard count < cap.count else {
                throw Rejection.capReached(rule.code, cap, period: cap.period.label(of: context.occurredOn), count: count)
            }
        }
        let category = info.scheme.category(of: rule)?.code ?? ""
        return [.scoreRecorded(ScoreRecorded(household: household, rule: RuleSnapshot(rule: rule, category: category),
                                             points: size * rule.points.direction.sign, note: note, source: source))]

    case .reverse(let ref, let reason):
        guard let target = try state.entry(ref) else {
            if case .seq(let seq) = ref, seq <= (try state.lastSeq()) { throw Rejection.eventNotAnEntry(seq: seq) }
            throw Rejection.eventUnknown(ref)
        }
        guard target.kind != .reversal else { throw Rejection.reversalCannotBeReversed(seq: target.seq) }
        if let by = target.reversedBy { throw Rejection.eventAlreadyReversed(seq: target.seq, by: by) }
        guard context.occurredOn >= target.occurredOn else {
            throw Rejection.reversalBeforeEntry(seq: target.seq, entryDate: target.occurredOn, date: context.occurredOn)
        }
        if target.kind == .stock, let code = target.item {
            let lowest = try state.lowestStock(item: code, from: context.occurredOn)
            if lowest < target.quantity { throw Rejection.reversalWouldEmptyStock(code, stock: lowest, quantity: target.quantity) }
        }
        let type: String
        switch target.kind {
        case .score: type = "v1.scoreRecorded"
        case .redemption: type = "v1.redeemed"
        case .stock: type = "v1.stockReceived"
        case .reversal: type = "v1.entryReversed"
        }
        return [.entryReversed(EntryReversed(target: target.seq, targetId: target.id, targetType: type,
                                             reason: try text(reason, "a reason")))]

    case .listItem(let item, let name, let unit, let price):
        try code(item.rawValue, "item")
        guard try state.item(item) == nil else { throw Rejection.itemExists(item) }
        guard (1...Rejection.priceMax).contains(price) else { throw Rejection.priceOutOfRange(price) }
        return [.itemListed(ItemListed(item: item, name: try text(name, "the item's name"), unit: unit.trimmingSpaces, price: price))]

    case .receiveStock(let item, let quantity, let source):
        _ = try rules.item(item)
        guard (1...Rejection.quantityMax).contains(quantity) else { throw Rejection.quantityOutOfRange(quantity) }
        guard source.count <= Rejection.textLengthMax else { throw Rejection.textTooLong(what: "the source", lengthMax: Rejection.textLengthMax) }
        return [.stockReceived(StockReceived(item: item, quantity: quantity, source: source.trimmingSpaces))]

    case .redeem(let household, let itemCode, let quantity):
        let account = try rules.openHousehold(household)
        let item = try rules.item(itemCode)
        guard (1...Rejection.quantityMax).contains(quantity) else { throw Rejection.quantityOutOfRange(quantity) }
        let needed = item.price * quantity
        guard account.available >= needed else { throw Rejection.pointsShort(household, available: account.available, needed: needed) }
        guard item.stock >= quantity else { throw Rejection.stockShort(itemCode, stock: item.stock, needed: quantity) }
        // A redemption dated in the past must not overdraw any day after it, nor empty the shelf then.
        let lowestPoints = try state.lowestAvailable(household: household, from: context.occurredOn)
        guard lowestPoints >= needed else {
            throw Rejection.pointsShortLater(household, date: context.occurredOn, lowest: lowestPoints, needed: needed)
        }
        let lowestStock = try state.lowestStock(item: itemCode, from: context.occurredOn)
        guard lowestStock >= quantity else {
            throw Rejection.stockShortLater(itemCode, date: context.occurredOn, lowest: lowestStock, needed: quantity)
        }
        return [.redeemed(Redeemed(household: household, item: itemCode, name: item.name, quantity: quantity, price: item.price))]

    case .importSheet(let sha256, let fileName, let rows):
        if let seq = try state.sheet(sha256) { throw Rejection.sheetAlreadyImported(fileName: fileName, seq: seq) }
        return [.sheetImported(SheetImported(sheet: sha256, fileName: fileName, rows: rows))]
    }
}

extension Command {
    /// Whether `recorded` is what this command (with its business date) records: how a repeated
    /// idempotency key tells a retry of the same entry from a mistake.
    public func isRecorded(by recorded: RecordedEvent, on date: LocalDate) -> Bool {
        guard recorded.occurredOn == date else { return false }
        switch (self, recorded.event) {
        case (.recordScore(let household, let rule, let points, let note, _), .scoreRecorded(let e)):
            return e.household == household && e.rule.code == rule && e.note == note.trimmingSpaces
                && (points == nil || abs(points!) == abs(e.points))
        case (.redeem(let household, let item, let quantity), .redeemed(let e)):
            return e.household == household && e.item == item && e.quantity == quantity
        case (.receiveStock(let item, let quantity, let source), .stockReceived(let e)):
            return e.item == item && e.quantity == quantity && e.source == source.trimmingSpaces
        case (.reverse(let ref, _), .entryReversed(let e)):
            switch ref {
            case .seq(let seq): return e.target == seq
            case .id(let id): return e.targetId == id
            }
        default:
            return false
        }
    }
}

/// Look-ups that refuse with the right reason, shared by the commands above.
private struct Rules<State: LedgerState> {
    let state: State
    let scheme: Scheme

    func openHousehold(_ code: HouseholdCode) throws -> HouseholdAccount {
        guard let account = try state.household(code) else {
            throw Rejection.householdUnknown(code, suggestion: Nearest.code(to: code.rawValue, among: try state.codes(of: .household)))
        }
        if account.status == .closed { throw Rejection.householdClosed(code, on: account.closedOn ?? account.registeredOn) }
        return account
    }

    func unit(_ code: UnitCode) throws -> UnitRecord {
        guard let unit = try state.unit(code) else {
            throw Rejection.unitUnknown(code, suggestion: Nearest.code(to: code.rawValue, among: try state.codes(of: .unit)))
        }
        return unit
    }

    func item(_ code: ItemCode) throws -> ItemStock {
        guard let item = try state.item(code) else {
            throw Rejection.itemUnknown(code, suggestion: Nearest.code(to: code.rawValue, among: try state.codes(of: .item)))
        }
        return item
    }
}

private func code(_ code: String, _ what: String) throws {
    if let problem = CodeSyntax.problem(with: code) { throw Rejection.codeInvalid(what: what, code: code, problem: problem) }
}

private func text(_ value: String, _ what: String) throws -> String {
    let trimmed = value.trimmingSpaces
    guard !trimmed.isEmpty else { throw Rejection.textRequired(what: what) }
    guard trimmed.count <= Rejection.textLengthMax else { throw Rejection.textTooLong(what: what, lengthMax: Rejection.textLengthMax) }
    return trimmed
}
