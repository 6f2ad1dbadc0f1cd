import Tagged

/// The rule as it stood when a score was recorded, kept in the event so that a later
/// change of the scheme never rewrites what a household was given and why.
public struct RuleSnapshot: Hashable, Sendable, Codable {
    public let code: RuleCode
    public let indicator: String
    public let category: String
    public let zh: String
    public let en: String
    /// The rule's points as published (`+2`, `-5..20`).
    public let points: RulePoints

    public init(rule: Rule, category: String) {
        self.code = rule.code
        self.indicator = rule.indicator
        self.category = category
        self.zh = rule.zh
        self.en = rule.en
        self.points = rule.points
    }
}

/// Where a score came from when it was loaded from a tally sheet.
public struct SheetLine: Hashable, Sendable, Codable {
    /// SHA-256 of the file's bytes, hex.
    public let sheet: String
    public let line: Int

    public init(sheet: String, line: Int) {
        self.sheet = sheet
        self.line = line
    }
}

public struct LedgerOpened: Hashable, Sendable, Codable {
    public let ledgerId: String
    public let village: String
    /// A ledger made by `jifen demo`, which `jifen demo` may replace.
    public let demo: Bool

    public init(ledgerId: String, village: String, demo: Bool) {
        self.ledgerId = ledgerId
        self.village = village
        self.demo = demo
    }
}

public struct SchemeAdopted: Hashable, Sendable, Codable {
    public let version: Int
    public let effective: LocalDate
    public let scheme: Scheme

    public init(version: Int, effective: LocalDate, scheme: Scheme) {
        self.version = version
        self.effective = effective
        self.scheme = scheme
    }
}

public struct UnitAdded: Hashable, Sendable, Codable {
    public let unit: UnitCode
    public let name: String
    public let leader: HouseholdCode?

    public init(unit: UnitCode, name: String, leader: HouseholdCode?) {
        self.unit = unit
        self.name = name
        self.leader = leader
    }
}

public struct UnitLeaderChanged: Hashable, Sendable, Codable {
    public let unit: UnitCode
    public let leader: HouseholdCode

    public init(unit: UnitCode, leader: HouseholdCode) {
        self.unit = unit
        self.leader = leader
    }
}

public struct HouseholdRegistered: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let head: String
    public let unit: UnitCode
    public let members: Int

    public init(household: HouseholdCode, head: String, unit: UnitCode, members: Int) {
        self.household = household
        self.head = head
        self.unit = unit
        self.members = members
    }
}

public struct HouseholdMoved: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let from: UnitCode
    public let to: UnitCode

    public init(household: HouseholdCode, from: UnitCode, to: UnitCode) {
        self.household = household
        self.from = from
        self.to = to
    }
}

public struct HouseholdClosed: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let reason: String

    public init(household: HouseholdCode, reason: String) {
        self.household = household
        self.reason = reason
    }
}

public struct ScoreRecorded: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let rule: RuleSnapshot
    /// Signed: positive for an award, negative for a deduction.
    public let points: Int
    public let note: String
    public let source: SheetLine?

    public init(household: HouseholdCode, rule: RuleSnapshot, points: Int, note: String, source: SheetLine?) {
        self.household = household
        self.rule = rule
        self.points = points
        self.note = note
        self.source = source
    }
}

public struct ItemListed: Hashable, Sendable, Codable {
    public let item: ItemCode
    public let name: String
    /// The package the price is for (`5 L`, `10 kg`), as printed on the shelf.
    public let unit: String
    public let price: Int

    public init(item: ItemCode, name: String, unit: String, price: Int) {
        self.item = item
        self.name = name
        self.unit = unit
        self.price = price
    }
}

public struct StockReceived: Hashable, Sendable, Codable {
    public let item: ItemCode
    public let quantity: Int
    /// Where the goods came from: a donor, a purchase with public funds.
    public let source: String

    public init(item: ItemCode, quantity: Int, source: String) {
        self.item = item
        self.quantity = quantity
        self.source = source
    }
}

public struct Redeemed: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let item: ItemCode
    public let name: String
    public let quantity: Int
    public let price: Int
    /// quantity × price, as a positive number.
    public let points: Int

    public init(household: HouseholdCode, item: ItemCode, name: String, quantity: Int, price: Int) {
        self.household = household
        self.item = item
        self.name = name
        self.quantity = quantity
        self.price = price
        self.points = quantity * price
    }
}

/// A correction: the named event's effect is undone. The reversed event itself stays as it was.
public struct EntryReversed: Hashable, Sendable, Codable {
    public let target: Int64
    public let targetId: String
    public let targetType: String
    public let reason: String
    /// Once roles are in force, a reversal is asked for and approved by a second person: the request it carries out.
    public let request: Int64?

    public init(target: Int64, targetId: String, targetType: String, reason: String, request: Int64? = nil) {
        self.target = target
        self.targetId = targetId
        self.targetType = targetType
        self.reason = reason
        self.request = request
    }
}

public struct ActorRegistered: Hashable, Sendable, Codable {
    public let actor: ActorName
    public let roles: [Role]
    public let unit: UnitCode?

    public init(actor: ActorName, roles: [Role], unit: UnitCode?) {
        self.actor = actor
        self.roles = roles
        self.unit = unit
    }
}

public struct ActorRetired: Hashable, Sendable, Codable {
    public let actor: ActorName
    public let reason: String

    public init(actor: ActorName, reason: String) {
        self.actor = actor
        self.reason = reason
    }
}

/// A proposed score (or a large deduction) was approved by a second person: it now waits for the notice.
public struct ScoreApproved: Hashable, Sendable, Codable {
    public let target: Int64
    public let targetId: String

    public init(target: Int64, targetId: String) {
        self.target = target
        self.targetId = targetId
    }
}

/// A proposed score was rejected, or an objection to a posted score was upheld: its points are taken back out.
public struct ScoreWithdrawn: Hashable, Sendable, Codable {
    public let target: Int64
    public let targetId: String
    public let reason: String
    /// The objection that was upheld, if that is why.
    public let objection: Int64?

    public init(target: Int64, targetId: String, reason: String, objection: Int64? = nil) {
        self.target = target
        self.targetId = targetId
        self.reason = reason
        self.objection = objection
    }
}

/// A posted score's points were changed after an objection: this takes the old score out, and a new score with
/// the amended points follows it in the same transaction.
public struct ScoreAmended: Hashable, Sendable, Codable {
    public let target: Int64
    public let targetId: String
    public let objection: Int64
    public let points: Int
    public let reason: String
    /// The business date of the score it replaces, which the new score keeps: it stays in the same notice.
    public let scoreDate: LocalDate

    public init(target: Int64, targetId: String, objection: Int64, points: Int, reason: String, scoreDate: LocalDate) {
        self.target = target
        self.targetId = targetId
        self.objection = objection
        self.points = points
        self.reason = reason
        self.scoreDate = scoreDate
    }
}

public struct ReversalRequested: Hashable, Sendable, Codable {
    public let target: Int64
    public let targetId: String
    public let targetType: String
    public let reason: String

    public init(target: Int64, targetId: String, targetType: String, reason: String) {
        self.target = target
        self.targetId = targetId
        self.targetType = targetType
        self.reason = reason
    }
}

public struct ReversalDeclined: Hashable, Sendable, Codable {
    public let request: Int64
    public let target: Int64
    public let reason: String

    public init(request: Int64, target: Int64, reason: String) {
        self.request = request
        self.target = target
        self.reason = reason
    }
}

public struct NoticeOpened: Hashable, Sendable, Codable {
    public let period: String
    public let from: LocalDate
    public let to: LocalDate
    /// The first day the notice may be closed.
    public let closesOn: LocalDate
    /// How many scores it posts, and their points (awards and deductions, both positive).
    public let scores: Int
    public let awarded: Int
    public let deducted: Int

    public init(period: String, from: LocalDate, to: LocalDate, closesOn: LocalDate, scores: Int, awarded: Int, deducted: Int) {
        self.period = period
        self.from = from
        self.to = to
        self.closesOn = closesOn
        self.scores = scores
        self.awarded = awarded
        self.deducted = deducted
    }
}

public struct NoticeClosed: Hashable, Sendable, Codable {
    public let period: String
    /// How many scores became final, and their points.
    public let scores: Int
    public let awarded: Int
    public let deducted: Int

    public init(period: String, scores: Int, awarded: Int, deducted: Int) {
        self.period = period
        self.scores = scores
        self.awarded = awarded
        self.deducted = deducted
    }
}

public struct ObjectionRaised: Hashable, Sendable, Codable {
    public let target: Int64
    public let targetId: String
    public let reason: String

    public init(target: Int64, targetId: String, reason: String) {
        self.target = target
        self.targetId = targetId
        self.reason = reason
    }
}

/// Redeemable points cleared at a year-end settlement, itemised: the balance carried into the year, what the year
/// added and spent, and what expired. Cumulative points are not touched.
public struct PointsExpired: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let year: Int
    public let carried: Int
    public let earned: Int
    public let deducted: Int
    public let spent: Int
    public let points: Int

    public init(household: HouseholdCode, year: Int, carried: Int, earned: Int, deducted: Int, spent: Int, points: Int) {
        self.household = household
        self.year = year
        self.carried = carried
        self.earned = earned
        self.deducted = deducted
        self.spent = spent
        self.points = points
    }
}

public struct YearSettled: Hashable, Sendable, Codable {
    public let year: Int
    public let schemeVersion: Int
    public let ratings: [HouseholdRating]
    /// Redeemable points cleared in all, by the expiry events that follow (0 when the scheme carries them over).
    public let expired: Int

    public init(year: Int, schemeVersion: Int, ratings: [HouseholdRating], expired: Int) {
        self.year = year
        self.schemeVersion = schemeVersion
        self.ratings = ratings
        self.expired = expired
    }
}

/// Points moved between households when one splits off (分户) or two merge (合户): the sending side.
public struct PointsSent: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let to: HouseholdCode
    public let points: Int
    public let reason: String

    public init(household: HouseholdCode, to: HouseholdCode, points: Int, reason: String) {
        self.household = household
        self.to = to
        self.points = points
        self.reason = reason
    }
}

/// The receiving side of a move of points.
public struct PointsReceived: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    public let from: HouseholdCode
    public let points: Int
    public let reason: String

    public init(household: HouseholdCode, from: HouseholdCode, points: Int, reason: String) {
        self.household = household
        self.from = from
        self.points = points
        self.reason = reason
    }
}

/// A signed checkpoint (签名存证) was filed in the ledger it signs: where the log stood (the event and its hash),
/// when, and the signatures over it — the village committee's, and the township's when it countersigned. Statements
/// print the latest; `audit verify` checks each against the chain and its signatures.
public struct CheckpointRecorded: Hashable, Sendable, Codable {
    /// The event the checkpoint signs and its hash (lower-case hex).
    public let seq: Int64
    public let head: String
    /// When it was signed: UTC, ISO 8601.
    public let time: String
    public let signatures: [Signature]

    public struct Signature: Hashable, Sendable, Codable {
        /// The signer's Ed25519 public key and the signature, base64.
        public let publicKey: String
        public let signature: String

        public init(publicKey: String, signature: String) {
            self.publicKey = publicKey
            self.signature = signature
        }
    }

    public init(seq: Int64, head: String, time: String, signatures: [Signature]) {
        self.seq = seq
        self.head = head
        self.time = time
        self.signatures = signatures
    }
}

/// A passbook (积分存折) was brought up to date (补登): these entries were printed, from this page and line on.
public struct PassbookPrinted: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    /// The entries printed, in the order printed.
    public let entries: [Int64]
    /// Where the first of them was printed (1-based), and the balance after the last.
    public let page: Int
    public let line: Int
    public let balance: Int

    public init(household: HouseholdCode, entries: [Int64], page: Int, line: Int, balance: Int) {
        self.household = household
        self.entries = entries
        self.page = page
        self.line = line
        self.balance = balance
    }
}

public struct ObjectionDismissed: Hashable, Sendable, Codable {
    public let target: Int64
    public let objection: Int64
    public let reason: String

    public init(target: Int64, objection: Int64, reason: String) {
        self.target = target
        self.objection = objection
        self.reason = reason
    }
}

/// A tally sheet was loaded; its scores follow it in the same transaction.
public struct SheetImported: Hashable, Sendable, Codable {
    public let sheet: String
    public let fileName: String
    public let rows: Int

    public init(sheet: String, fileName: String, rows: Int) {
        self.sheet = sheet
        self.fileName = fileName
        self.rows = rows
    }
}

/// Everything that can happen in a village ledger. Each case has a stored type (`EventType`) whose name is fixed
/// by hand and versioned: renaming a Swift type must never change what old files say.
public enum LedgerEvent: Hashable, Sendable {
    case ledgerOpened(LedgerOpened)
    case schemeAdopted(SchemeAdopted)
    case unitAdded(UnitAdded)
    case unitLeaderChanged(UnitLeaderChanged)
    case householdRegistered(HouseholdRegistered)
    case householdMoved(HouseholdMoved)
    case householdClosed(HouseholdClosed)
    case scoreRecorded(ScoreRecorded)
    case itemListed(ItemListed)
    case stockReceived(StockReceived)
    case redeemed(Redeemed)
    case entryReversed(EntryReversed)
    case sheetImported(SheetImported)
    case actorRegistered(ActorRegistered)
    case actorRetired(ActorRetired)
    /// A score that waits for a second person's approval: a unit leader's proposal, or a large deduction.
    case scoreProposed(ScoreRecorded)
    case scoreApproved(ScoreApproved)
    case scoreRejected(ScoreWithdrawn)
    case reversalRequested(ReversalRequested)
    case reversalDeclined(ReversalDeclined)
    case noticeOpened(NoticeOpened)
    case noticeClosed(NoticeClosed)
    case objectionRaised(ObjectionRaised)
    case objectionDismissed(ObjectionDismissed)
    case objectionUpheld(ScoreWithdrawn)
    case scoreAmended(ScoreAmended)
    case yearSettled(YearSettled)
    case pointsExpired(PointsExpired)
    case pointsSent(PointsSent)
    case pointsReceived(PointsReceived)
    case passbookPrinted(PassbookPrinted)
    case checkpointRecorded(CheckpointRecorded)

    /// Its stored type, which says what the event means (`EventType`).
    public var type: EventType {
        switch self {
        case .ledgerOpened: return .ledgerOpened
        case .schemeAdopted: return .schemeAdopted
        case .unitAdded: return .unitAdded
        case .unitLeaderChanged: return .unitLeaderChanged
        case .householdRegistered: return .householdRegistered
        case .householdMoved: return .householdMoved
        case .householdClosed: return .householdClosed
        case .scoreRecorded: return .scoreRecorded
        case .itemListed: return .itemListed
        case .stockReceived: return .stockReceived
        case .redeemed: return .redeemed
        case .entryReversed: return .entryReversed
        case .sheetImported: return .sheetImported
        case .actorRegistered: return .actorRegistered
        case .actorRetired: return .actorRetired
        case .scoreProposed: return .scoreProposed
        case .scoreApproved: return .scoreApproved
        case .scoreRejected: return .scoreRejected
        case .reversalRequested: return .reversalRequested
        case .reversalDeclined: return .reversalDeclined
        case .noticeOpened: return .noticeOpened
        case .noticeClosed: return .noticeClosed
        case .objectionRaised: return .objectionRaised
        case .objectionDismissed: return .objectionDismissed
        case .objectionUpheld: return .objectionUpheld
        case .scoreAmended: return .scoreAmended
        case .yearSettled: return .yearSettled
        case .pointsExpired: return .pointsExpired
        case .pointsSent: return .pointsSent
        case .pointsReceived: return .pointsReceived
        case .passbookPrinted: return .passbookPrinted
        case .checkpointRecorded: return .checkpointRecorded
        }
    }

    /// The stored type name: `type.rawValue`.
    public var typeName: String { type.rawValue }

    /// The entry an undoing event takes back out (a reversal, a rejected proposal, an upheld objection, an
    /// amendment's first half). Each lives in the stream `reversal:N`, which SQLite lets hold one event.
    public var undoes: Int64? {
        switch self {
        case .entryReversed(let e): return e.target
        case .scoreRejected(let e): return e.target
        case .objectionUpheld(let e): return e.target
        case .scoreAmended(let e): return e.target
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .scoreRecorded, .itemListed, .stockReceived, .redeemed, .sheetImported, .actorRegistered,
             .actorRetired, .scoreProposed, .scoreApproved, .reversalRequested, .reversalDeclined, .noticeOpened,
             .noticeClosed, .objectionRaised, .objectionDismissed, .yearSettled, .pointsExpired, .pointsSent,
             .pointsReceived, .passbookPrinted, .checkpointRecorded:
            return nil
        }
    }

    /// The stream the event belongs to: the household, unit or item it is about, or the ledger itself.
    public var stream: String {
        switch self {
        case .ledgerOpened, .schemeAdopted, .sheetImported: return "ledger"
        case .unitAdded(let e): return "unit:\(e.unit)"
        case .unitLeaderChanged(let e): return "unit:\(e.unit)"
        case .householdRegistered(let e): return "household:\(e.household)"
        case .householdMoved(let e): return "household:\(e.household)"
        case .householdClosed(let e): return "household:\(e.household)"
        case .scoreRecorded(let e): return "household:\(e.household)"
        case .redeemed(let e): return "household:\(e.household)"
        case .itemListed(let e): return "item:\(e.item)"
        case .stockReceived(let e): return "item:\(e.item)"
        case .entryReversed(let e): return "reversal:\(e.target)"
        case .actorRegistered(let e): return "actor:\(e.actor)"
        case .actorRetired(let e): return "actor:\(e.actor)"
        case .scoreProposed(let e): return "household:\(e.household)"
        case .scoreApproved(let e): return "review:\(e.target)"
        case .scoreRejected(let e): return "reversal:\(e.target)"
        case .objectionUpheld(let e): return "reversal:\(e.target)"
        case .scoreAmended(let e): return "reversal:\(e.target)"
        case .reversalRequested(let e): return "request:\(e.target)"
        case .reversalDeclined(let e): return "request:\(e.target)"
        case .noticeOpened(let e): return "notice:\(e.period)"
        case .noticeClosed(let e): return "notice:\(e.period)"
        case .objectionRaised(let e): return "objection:\(e.target)"
        case .objectionDismissed(let e): return "objection:\(e.target)"
        case .yearSettled(let e): return "settlement:\(e.year)"
        case .pointsExpired(let e): return "household:\(e.household)"
        case .pointsSent(let e): return "household:\(e.household)"
        case .pointsReceived(let e): return "household:\(e.household)"
        case .passbookPrinted(let e): return "passbook:\(e.household)"
        case .checkpointRecorded: return "checkpoint"
        }
    }

    /// The kind of entry the event is, if it moves points or stock.
    public var entryKind: EntryKind? { type.entryKind }

    /// The score it files, recorded or proposed; nil for every other event.
    public var score: ScoreRecorded? {
        switch self {
        case .scoreRecorded(let e), .scoreProposed(let e): return e
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .householdRegistered, .householdMoved,
             .householdClosed, .itemListed, .stockReceived, .redeemed, .entryReversed, .sheetImported, .actorRegistered,
             .actorRetired, .scoreApproved, .scoreRejected, .reversalRequested, .reversalDeclined, .noticeOpened,
             .noticeClosed, .objectionRaised, .objectionDismissed, .objectionUpheld, .scoreAmended, .yearSettled,
             .pointsExpired, .pointsSent, .pointsReceived, .passbookPrinted, .checkpointRecorded:
            return nil
        }
    }

    /// The household the event is about, if any.
    public var household: HouseholdCode? {
        switch self {
        case .householdRegistered(let e): return e.household
        case .householdMoved(let e): return e.household
        case .householdClosed(let e): return e.household
        case .scoreRecorded(let e): return e.household
        case .scoreProposed(let e): return e.household
        case .redeemed(let e): return e.household
        case .pointsExpired(let e): return e.household
        case .pointsSent(let e): return e.household
        case .pointsReceived(let e): return e.household
        case .passbookPrinted(let e): return e.household
        case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .itemListed, .stockReceived,
             .entryReversed, .sheetImported, .actorRegistered, .actorRetired, .scoreApproved, .scoreRejected,
             .reversalRequested, .reversalDeclined, .noticeOpened, .noticeClosed, .objectionRaised, .objectionDismissed,
             .objectionUpheld, .scoreAmended, .yearSettled, .checkpointRecorded:
            return nil
        }
    }
}

/// What an event moves, stored beside it in the log (and hashed with it), so that balances, stock, caps and
/// histories are summed from columns instead of being decoded from JSON. `facts(of:state:)` computes them when
/// the event is decided; a reversal carries the negated figures of the entry it undoes.
public struct EventFacts: Hashable, Sendable {
    /// The household the event is about (its points, or its place in the register).
    public var household: HouseholdCode?
    /// The item whose stock it moves (or which it lists).
    public var item: ItemCode?
    /// The rule of a score, and of its reversal.
    public var rule: RuleCode?
    /// Changes of the household's figures: awards, deductions (positive), redemptions (positive).
    public var earned: Int
    public var deducted: Int
    public var redeemed: Int
    /// Change of the item's stock.
    public var stock: Int
    /// For a reversal: the sequence number of the entry it undoes.
    public var reverses: Int64?

    public init(household: HouseholdCode? = nil, item: ItemCode? = nil, rule: RuleCode? = nil, earned: Int = 0,
                deducted: Int = 0, redeemed: Int = 0, stock: Int = 0, reverses: Int64? = nil) {
        self.household = household
        self.item = item
        self.rule = rule
        self.earned = earned
        self.deducted = deducted
        self.redeemed = redeemed
        self.stock = stock
        self.reverses = reverses
    }

    public static let none = EventFacts()

    /// The change of the household's available points.
    public var available: Int { earned - deducted - redeemed }
}

/// An event as stored: its place in the log, its envelope and its hash.
public struct RecordedEvent: Hashable, Sendable {
    public let seq: Int64
    public let id: String
    public let stream: String
    public let streamVersion: Int64
    public let occurredOn: LocalDate
    /// UTC, ISO 8601 with milliseconds: `2025-03-14T02:03:04.123Z`.
    public let recordedAt: String
    public let actor: ActorName
    public let schemeVersion: Int
    public let key: String?
    public let event: LedgerEvent
    public let facts: EventFacts

    public init(seq: Int64, id: String, stream: String, streamVersion: Int64, occurredOn: LocalDate, recordedAt: String,
                actor: ActorName, schemeVersion: Int, key: String?, event: LedgerEvent, facts: EventFacts) {
        self.seq = seq
        self.id = id
        self.stream = stream
        self.streamVersion = streamVersion
        self.occurredOn = occurredOn
        self.recordedAt = recordedAt
        self.actor = actor
        self.schemeVersion = schemeVersion
        self.key = key
        self.event = event
        self.facts = facts
    }
}
