import Tagged

/// What a person asks the ledger to do. `decide` turns it into events or a `Rejection`.
public enum Command: Hashable, Sendable {
    /// With `admin`, roles are in force from the start: the first administrator is registered with the ledger.
    case openLedger(ledgerId: String, village: String, scheme: Scheme, demo: Bool, admin: ActorName?)
    case registerActor(ActorName, roles: [Role], unit: UnitCode?)
    case retireActor(ActorName, reason: String)
    case addUnit(UnitCode, name: String, leader: HouseholdCode?)
    case changeUnitLeader(UnitCode, leader: HouseholdCode)
    case registerHousehold(HouseholdCode, head: String, unit: UnitCode, members: Int)
    case moveHousehold(HouseholdCode, to: UnitCode)
    case closeHousehold(HouseholdCode, reason: String)
    /// Puts a household closed by mistake back on the register.
    case reopenHousehold(HouseholdCode, note: String)
    /// `points` is the size the recorder chose for a ranged rule; nil takes a fixed rule's points.
    case recordScore(HouseholdCode, RuleCode, points: Int?, note: String, source: SheetLine?)
    case reverse(EventRef, reason: String)
    case listItem(ItemCode, name: String, unit: String, price: Int)
    case receiveStock(ItemCode, quantity: Int, source: String)
    case redeem(HouseholdCode, ItemCode, quantity: Int)
    /// Marks a tally sheet as imported; its scores are recorded after it in the same transaction.
    case importSheet(sha256: String, fileName: String, rows: Int)
    /// A proposed score, or a requested reversal, approved by a second person.
    case approve(EventRef)
    case reject(EventRef, reason: String)
    /// Posts every pending score of the period on the notice board (公示).
    case openNotice(NoticePeriod)
    /// Makes the posted scores of the period final.
    case closeNotice(NoticePeriod)
    case object(EventRef, reason: String)
    case resolveObjection(EventRef, Resolution, reason: String)
    /// A new version of the scheme, in force from `effective`.
    case publishScheme(Scheme, effective: LocalDate)
    /// Year-end settlement (年终结算): ratings, red and black lists, and expiry if the scheme clears points.
    case settleYear(Int)
    /// A household splits (分户): a new household, with an agreed share of the available points moved to it.
    case splitHousehold(HouseholdCode, new: HouseholdCode, head: String, unit: UnitCode?, members: Int, points: Int)
    /// Two households merge (合户): the first's available points move to the second, and the first is closed.
    case mergeHousehold(HouseholdCode, into: HouseholdCode)
    /// Records a passbook update (补登): which entries were printed, from which page and line.
    case printPassbook(PassbookPrinted)
    /// Files a signed checkpoint of this ledger (checked against the chain and its signatures before it comes here).
    case recordCheckpoint(CheckpointRecorded)
    /// Sets a person's password: an administrator's for anyone, anyone's for themselves. The hash goes to the
    /// ledger's `credentials` table in the same transaction as the event, which records only that it was set.
    case setPassword(ActorName, PasswordHash)
}

/// How a reviewer settles an objection to a posted score.
public enum Resolution: Hashable, Sendable {
    /// The objection is right: the score is taken out.
    case uphold
    /// The score stands.
    case dismiss
    /// The score stands with these points.
    case amend(points: Int)
}

/// Who asks, and on what day. The facade reads the clock; the core never does.
public struct CommandContext: Hashable, Sendable {
    /// Composed (`Composed`), as every name `decide` looks up.
    public let actor: ActorName
    /// Today in Asia/Shanghai.
    public let today: LocalDate
    /// The business date of the act (defaults to today).
    public let occurredOn: LocalDate
    /// Whether the caller checked the acting person's password (the facade, against the `credentials` table). Once
    /// any password is set in a ledger, every write needs it.
    public let passwordChecked: Bool

    public init(actor: ActorName, today: LocalDate, occurredOn: LocalDate? = nil, passwordChecked: Bool = false) {
        self.actor = actor.composed
        self.today = today
        self.occurredOn = occurredOn ?? today
        self.passwordChecked = passwordChecked
    }
}

extension Command {
    /// The command with every code and person's name in it composed (`Composed`): what `decide` decides on.
    public var composed: Command {
        switch self {
        case .openLedger(let ledgerId, let village, let scheme, let demo, let admin):
            return .openLedger(ledgerId: ledgerId, village: village, scheme: scheme, demo: demo, admin: admin?.composed)
        case .registerActor(let actor, let roles, let unit): return .registerActor(actor.composed, roles: roles, unit: unit?.composed)
        case .retireActor(let actor, let reason): return .retireActor(actor.composed, reason: reason)
        case .addUnit(let unit, let name, let leader): return .addUnit(unit.composed, name: name, leader: leader?.composed)
        case .changeUnitLeader(let unit, let leader): return .changeUnitLeader(unit.composed, leader: leader.composed)
        case .registerHousehold(let household, let head, let unit, let members):
            return .registerHousehold(household.composed, head: head, unit: unit.composed, members: members)
        case .moveHousehold(let household, let unit): return .moveHousehold(household.composed, to: unit.composed)
        case .closeHousehold(let household, let reason): return .closeHousehold(household.composed, reason: reason)
        case .reopenHousehold(let household, let note): return .reopenHousehold(household.composed, note: note)
        case .recordScore(let household, let rule, let points, let note, let source):
            return .recordScore(household.composed, rule.composed, points: points, note: note, source: source)
        case .listItem(let item, let name, let unit, let price): return .listItem(item.composed, name: name, unit: unit, price: price)
        case .receiveStock(let item, let quantity, let source): return .receiveStock(item.composed, quantity: quantity, source: source)
        case .redeem(let household, let item, let quantity): return .redeem(household.composed, item.composed, quantity: quantity)
        case .splitHousehold(let household, let new, let head, let unit, let members, let points):
            return .splitHousehold(household.composed, new: new.composed, head: head, unit: unit?.composed, members: members, points: points)
        case .mergeHousehold(let household, let into): return .mergeHousehold(household.composed, into: into.composed)
        case .printPassbook(let printed):
            return .printPassbook(PassbookPrinted(household: printed.household.composed, entries: printed.entries, page: printed.page,
                                                  line: printed.line, balance: printed.balance))
        case .setPassword(let actor, let hash): return .setPassword(actor.composed, hash)
        case .reverse, .importSheet, .approve, .reject, .openNotice, .closeNotice, .object, .resolveObjection, .publishScheme,
             .settleYear, .recordCheckpoint:
            // No code or name of a person in them (a scheme's codes are composed where its file is read).
            return self
        }
    }
}
