/// The stored type of an event, and what each type means: the one place that says so.
///
/// The raw values are the names written in every ledger's log and hashed into its chain. They are fixed and
/// versioned: renaming a case must never change its raw value, and a stored name never changes meaning. Each
/// property below switches over every case (no `default:`), so a new type does not build until it says what it is.
public enum EventType: String, CaseIterable, Hashable, Sendable, Codable {
    case ledgerOpened = "v1.ledgerOpened"
    case schemeAdopted = "v1.schemeAdopted"
    case unitAdded = "v1.unitAdded"
    case unitLeaderChanged = "v1.unitLeaderChanged"
    case householdRegistered = "v1.householdRegistered"
    case householdMoved = "v1.householdMoved"
    case householdClosed = "v1.householdClosed"
    case scoreRecorded = "v1.scoreRecorded"
    case itemListed = "v1.itemListed"
    case stockReceived = "v1.stockReceived"
    case redeemed = "v1.redeemed"
    case entryReversed = "v1.entryReversed"
    case sheetImported = "v1.sheetImported"
    case actorRegistered = "v1.actorRegistered"
    case actorRetired = "v1.actorRetired"
    case scoreProposed = "v1.scoreProposed"
    case scoreApproved = "v1.scoreApproved"
    case scoreRejected = "v1.scoreRejected"
    case reversalRequested = "v1.reversalRequested"
    case reversalDeclined = "v1.reversalDeclined"
    case noticeOpened = "v1.noticeOpened"
    case noticeClosed = "v1.noticeClosed"
    case objectionRaised = "v1.objectionRaised"
    case objectionDismissed = "v1.objectionDismissed"
    case objectionUpheld = "v1.objectionUpheld"
    case scoreAmended = "v1.scoreAmended"
    case yearSettled = "v1.yearSettled"
    case pointsExpired = "v1.pointsExpired"
    case pointsSent = "v1.pointsSent"
    case pointsReceived = "v1.pointsReceived"
    case passbookPrinted = "v1.passbookPrinted"
    case checkpointRecorded = "v1.checkpointRecorded"
    case householdReopened = "v1.householdReopened"
    /// A person's password was set (or replaced): for whom is in the payload, by whom is the event's actor. The hash is
    /// never in the log; it lives in the ledger's `credentials` table, outside the chain.
    case passwordSet = "v1.passwordSet"

    /// The kind of entry an event of this type is, if it moves points or stock (its facts are then all that
    /// `rebuild` needs of it); nil for the register, the scheme, reviews, notices and the rest.
    public var entryKind: EntryKind? {
        switch self {
        case .scoreRecorded, .scoreProposed: return .score
        case .redeemed: return .redemption
        case .stockReceived: return .stock
        case .entryReversed, .scoreRejected, .objectionUpheld, .scoreAmended: return .reversal
        case .pointsExpired: return .expiry
        case .pointsSent, .pointsReceived: return .transfer
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .itemListed, .sheetImported, .actorRegistered, .actorRetired, .scoreApproved,
             .reversalRequested, .reversalDeclined, .noticeOpened, .noticeClosed, .objectionRaised, .objectionDismissed,
             .yearSettled, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return nil
        }
    }

    /// How a score of this type is filed: recorded or proposed; nil for events that are not scores.
    public var scoreFiling: ScoreFiling? {
        switch self {
        case .scoreRecorded: return .recorded
        case .scoreProposed: return .proposed
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .itemListed, .stockReceived, .redeemed, .entryReversed, .sheetImported, .actorRegistered,
             .actorRetired, .scoreApproved, .scoreRejected, .reversalRequested, .reversalDeclined, .noticeOpened,
             .noticeClosed, .objectionRaised, .objectionDismissed, .objectionUpheld, .scoreAmended, .yearSettled,
             .pointsExpired, .pointsSent, .pointsReceived, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return nil
        }
    }

    /// Whether it is a score (recorded or proposed).
    public var isScore: Bool { scoreFiling != nil }

    /// How an entry of this type books its `redeemed` figure on the household: year end clears, splits and merges
    /// move; everything else (the shop, and what takes a redemption back) spends.
    public var route: EntryRoute {
        switch self {
        case .pointsExpired: return .expiry
        case .pointsSent, .pointsReceived: return .transfer
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .scoreRecorded, .itemListed, .stockReceived, .redeemed, .entryReversed, .sheetImported,
             .actorRegistered, .actorRetired, .scoreProposed, .scoreApproved, .scoreRejected, .reversalRequested,
             .reversalDeclined, .noticeOpened, .noticeClosed, .objectionRaised, .objectionDismissed, .objectionUpheld,
             .scoreAmended, .yearSettled, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return .shop
        }
    }

    /// The types of entry an event of this type may take back (the entry its facts' `reverses` names); empty when
    /// it takes nothing back. A correction takes back a score or the shop's entries; a rejected proposal, an upheld
    /// objection and an amendment take back a score.
    public var takesBack: Set<EventType> {
        switch self {
        case .entryReversed: return EventType.scores.union([.redeemed, .stockReceived])
        case .scoreRejected, .objectionUpheld, .scoreAmended: return EventType.scores
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .scoreRecorded, .itemListed, .stockReceived, .redeemed, .sheetImported, .actorRegistered,
             .actorRetired, .scoreProposed, .scoreApproved, .reversalRequested, .reversalDeclined, .noticeOpened,
             .noticeClosed, .objectionRaised, .objectionDismissed, .yearSettled, .pointsExpired, .pointsSent,
             .pointsReceived, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return []
        }
    }

    /// Whether what it takes back is a score that never became final: a rejected proposal, an upheld objection, an
    /// amendment. (A correction may take back a final score.)
    public var withdrawsScore: Bool {
        switch self {
        case .scoreRejected, .objectionUpheld, .scoreAmended: return true
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .scoreRecorded, .itemListed, .stockReceived, .redeemed, .entryReversed, .sheetImported,
             .actorRegistered, .actorRetired, .scoreProposed, .scoreApproved, .reversalRequested, .reversalDeclined,
             .noticeOpened, .noticeClosed, .objectionRaised, .objectionDismissed, .yearSettled, .pointsExpired,
             .pointsSent, .pointsReceived, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return false
        }
    }

    /// The types of event an event of this type names by its payload's `target` without taking it back: an
    /// approval or an objection names a score, a request for a reversal names an entry. Empty when it names none.
    public var names: Set<EventType> {
        switch self {
        case .scoreApproved, .objectionRaised, .objectionDismissed: return EventType.scores
        case .reversalRequested: return Set(EventType.allCases.filter { $0.entryKind != nil && $0.takesBack.isEmpty })
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .scoreRecorded, .itemListed, .stockReceived, .redeemed, .entryReversed, .sheetImported,
             .actorRegistered, .actorRetired, .scoreProposed, .scoreRejected, .reversalDeclined, .noticeOpened,
             .noticeClosed, .objectionUpheld, .scoreAmended, .yearSettled, .pointsExpired, .pointsSent,
             .pointsReceived, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return []
        }
    }

    /// The types of the earlier entries a retry of an event of this type would repeat, or nil when it is not an
    /// entry that a retry could count twice (a score, a proposed score, a redemption).
    public var repeats: [EventType]? {
        switch self {
        case .scoreRecorded, .scoreProposed: return [.scoreRecorded, .scoreProposed]
        case .redeemed: return [.redeemed]
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .itemListed, .stockReceived, .entryReversed, .sheetImported, .actorRegistered,
             .actorRetired, .scoreApproved, .scoreRejected, .reversalRequested, .reversalDeclined, .noticeOpened,
             .noticeClosed, .objectionRaised, .objectionDismissed, .objectionUpheld, .scoreAmended, .yearSettled,
             .pointsExpired, .pointsSent, .pointsReceived, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return nil
        }
    }

    /// Whether stored facts have the signs and subjects an event of this type moves, by the rule of
    /// `facts(of:state:)`: a score awards or deducts (never both) for a household; the shop's redemption spends
    /// points and takes goods; stock arrives; year end clears and a split or merge sends or receives points (a debt
    /// too); what takes an entry back is checked against the entry itself; the rest move nothing.
    public func factsHaveTheirShape(household: Bool, item: Bool, earned: Int, deducted: Int, redeemed: Int, stock: Int) -> Bool {
        switch self {
        case .scoreRecorded, .scoreProposed:
            return household && !item && earned >= 0 && deducted >= 0 && (earned == 0 || deducted == 0) && redeemed == 0 && stock == 0
        case .redeemed:
            return household && item && earned == 0 && deducted == 0 && redeemed > 0 && stock < 0
        case .stockReceived:
            return !household && item && earned == 0 && deducted == 0 && redeemed == 0 && stock > 0
        case .pointsExpired:
            return household && !item && earned == 0 && deducted == 0 && redeemed > 0 && stock == 0
        case .pointsSent, .pointsReceived:
            // A merge moves a debt too.
            return household && !item && earned == 0 && deducted == 0 && stock == 0
        case .entryReversed, .scoreRejected, .objectionUpheld, .scoreAmended:
            return true
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .householdReopened, .itemListed, .sheetImported, .actorRegistered, .actorRetired, .scoreApproved,
             .reversalRequested, .reversalDeclined, .noticeOpened, .noticeClosed, .objectionRaised, .objectionDismissed,
             .yearSettled, .passbookPrinted, .checkpointRecorded, .passwordSet:
            return Self.movesNothing(earned: earned, deducted: deducted, redeemed: redeemed, stock: stock)
        }
    }

    /// The shape of what moves nothing: also what an event of a type this version does not know must show.
    public static func movesNothing(earned: Int, deducted: Int, redeemed: Int, stock: Int) -> Bool {
        earned == 0 && deducted == 0 && redeemed == 0 && stock == 0
    }

    /// The types of scores (recorded and proposed).
    public static let scores: Set<EventType> = Set(allCases.filter(\.isScore))
    /// The types of entries of points and stock, in declaration order.
    public static let entries: [EventType] = allCases.filter { $0.entryKind != nil }
}
