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
    public let actor: ActorName
    /// Today in Asia/Shanghai.
    public let today: LocalDate
    /// The business date of the act (defaults to today).
    public let occurredOn: LocalDate
    /// Whether the caller checked the acting person's password (the facade, against the `credentials` table). Once
    /// any password is set in a ledger, every write needs it.
    public let passwordChecked: Bool

    public init(actor: ActorName, today: LocalDate, occurredOn: LocalDate? = nil, passwordChecked: Bool = false) {
        self.actor = actor
        self.today = today
        self.occurredOn = occurredOn ?? today
        self.passwordChecked = passwordChecked
    }
}
