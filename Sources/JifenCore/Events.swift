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

public struct LedgerOpened: EventPayload {
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

public struct SchemeAdopted: EventPayload {
    public let version: Int
    public let effective: LocalDate
    public let scheme: Scheme

    public init(version: Int, effective: LocalDate, scheme: Scheme) {
        self.version = version
        self.effective = effective
        self.scheme = scheme
    }
}

public struct UnitAdded: EventPayload {
    public let unit: UnitCode
    public let name: String
    public let leader: HouseholdCode?

    public init(unit: UnitCode, name: String, leader: HouseholdCode?) {
        self.unit = unit
        self.name = name
        self.leader = leader
    }
}

public struct UnitLeaderChanged: EventPayload {
    public let unit: UnitCode
    public let leader: HouseholdCode

    public init(unit: UnitCode, leader: HouseholdCode) {
        self.unit = unit
        self.leader = leader
    }
}

public struct HouseholdRegistered: EventPayload {
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

public struct HouseholdMoved: EventPayload {
    public let household: HouseholdCode
    public let from: UnitCode
    public let to: UnitCode

    public init(household: HouseholdCode, from: UnitCode, to: UnitCode) {
        self.household = household
        self.from = from
        self.to = to
    }
}

public struct HouseholdClosed: EventPayload {
    public let household: HouseholdCode
    public let reason: String

    public init(household: HouseholdCode, reason: String) {
        self.household = household
        self.reason = reason
    }
}

/// A household closed by mistake is back on the register: open again, with the points it had.
public struct HouseholdReopened: EventPayload {
    public let household: HouseholdCode
    /// Why, as the clerk wrote it (may be empty).
    public let note: String

    public init(household: HouseholdCode, note: String) {
        self.household = household
        self.note = note
    }
}

public struct ScoreRecorded: EventPayload {
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

public struct ItemListed: EventPayload {
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

public struct StockReceived: EventPayload {
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

public struct Redeemed: EventPayload {
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
public struct EntryReversed: EventPayload {
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

public struct ActorRegistered: EventPayload {
    public let actor: ActorName
    public let roles: [Role]
    public let unit: UnitCode?

    public init(actor: ActorName, roles: [Role], unit: UnitCode?) {
        self.actor = actor
        self.roles = roles
        self.unit = unit
    }
}

public struct ActorRetired: EventPayload {
    public let actor: ActorName
    public let reason: String

    public init(actor: ActorName, reason: String) {
        self.actor = actor
        self.reason = reason
    }
}

/// A proposed score (or a large deduction) was approved by a second person: it now waits for the notice.
public struct ScoreApproved: EventPayload {
    public let target: Int64
    public let targetId: String

    public init(target: Int64, targetId: String) {
        self.target = target
        self.targetId = targetId
    }
}

/// A proposed score was rejected, or an objection to a posted score was upheld: its points are taken back out.
public struct ScoreWithdrawn: EventPayload {
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
public struct ScoreAmended: EventPayload {
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

public struct ReversalRequested: EventPayload {
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

public struct ReversalDeclined: EventPayload {
    public let request: Int64
    public let target: Int64
    public let reason: String

    public init(request: Int64, target: Int64, reason: String) {
        self.request = request
        self.target = target
        self.reason = reason
    }
}

public struct NoticeOpened: EventPayload {
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

public struct NoticeClosed: EventPayload {
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

public struct ObjectionRaised: EventPayload {
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
public struct PointsExpired: EventPayload {
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

public struct YearSettled: EventPayload {
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
public struct PointsSent: EventPayload {
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
public struct PointsReceived: EventPayload {
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
public struct CheckpointRecorded: EventPayload {
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
public struct PassbookPrinted: EventPayload {
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

public struct ObjectionDismissed: EventPayload {
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
public struct SheetImported: EventPayload {
    public let sheet: String
    public let fileName: String
    public let rows: Int

    public init(sheet: String, fileName: String, rows: Int) {
        self.sheet = sheet
        self.fileName = fileName
        self.rows = rows
    }
}

/// An event's payload: what is stored as JSON under its type's name (`EventType`), and what it says of itself.
///
/// Each payload answers for the stream it belongs to and its line in the log; the household it is about and the
/// entry it takes back default to none, which is what every payload that names neither means.
/// (`EventTypeTests` holds each type's example to `EventType.takesBack`, and what it names to its stream.)
public protocol EventPayload: Codable, Hashable, Sendable {
    /// The stream the event belongs to: the household, unit or item it is about, or the ledger itself.
    var stream: String { get }
    /// The household the event is about, if any.
    var householdNamed: HouseholdCode? { get }
    /// The entry the event takes back out (a reversal, a rejected proposal, an upheld objection, an amendment's
    /// first half). Each lives in the stream `reversal:N`, which SQLite lets hold one event.
    var undoes: Int64? { get }
    /// One line saying what the event was, for the log, in Chinese or English. `type` is the type it is stored
    /// under: a payload may serve two (a score recorded or proposed, a proposal rejected or an objection upheld).
    func summary(as type: EventType, chinese: Bool) -> String
    /// What the event was as a line of its household's history, and the note beside it: by default the log's line
    /// and no note.
    func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String)
    /// The note a household's history gives it for scripts (`history --json`): a score's note, the reason of what
    /// takes an entry back or closes a household; none by default.
    var historyNote: String? { get }
    /// What an entry of points says on a household's statement (`short`: on its passbook, where a line is narrow);
    /// nil for what is not such an entry, the default. (`EventTypeTests` holds every household entry to having one.)
    func entryText(as type: EventType, short: Bool) -> EntryText?
}

/// What an entry says on a statement or a passbook, in both languages, and its note.
public struct EntryText: Hashable, Sendable {
    public let zh: String
    public let en: String
    public let note: String

    public init(zh: String, en: String, note: String = "") {
        self.zh = zh
        self.en = en
        self.note = note
    }
}

extension EventPayload {
    public var householdNamed: HouseholdCode? { nil }
    public var undoes: Int64? { nil }
    public var historyNote: String? { nil }
    public func entryText(as type: EventType, short: Bool) -> EntryText? { nil }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (summary(as: type, chinese: chinese), "")
    }
}

/// Reads a stored payload as the type asked for (the codec's JSON decoder, say).
public protocol EventPayloadReader {
    func payload<Payload: EventPayload>() throws -> Payload
}

/// Everything that can happen in a village ledger. Each case has a stored type (`EventType`) whose name is fixed
/// by hand and versioned: renaming a Swift type must never change what old files say.
///
/// A new case is named in three switches, all here: `type`, `payload` and `init(type:reading:)`. What it means
/// lives in `EventType`, what it says and names in its payload.
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
    case householdReopened(HouseholdReopened)
    case passwordSet(PasswordSet)

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
        case .householdReopened: return .householdReopened
        case .passwordSet: return .passwordSet
        }
    }

    /// Its payload: what the codec stores under its type's name.
    public var payload: any EventPayload {
        switch self {
        case .ledgerOpened(let e): return e
        case .schemeAdopted(let e): return e
        case .unitAdded(let e): return e
        case .unitLeaderChanged(let e): return e
        case .householdRegistered(let e): return e
        case .householdMoved(let e): return e
        case .householdClosed(let e): return e
        case .scoreRecorded(let e): return e
        case .itemListed(let e): return e
        case .stockReceived(let e): return e
        case .redeemed(let e): return e
        case .entryReversed(let e): return e
        case .sheetImported(let e): return e
        case .actorRegistered(let e): return e
        case .actorRetired(let e): return e
        case .scoreProposed(let e): return e
        case .scoreApproved(let e): return e
        case .scoreRejected(let e): return e
        case .reversalRequested(let e): return e
        case .reversalDeclined(let e): return e
        case .noticeOpened(let e): return e
        case .noticeClosed(let e): return e
        case .objectionRaised(let e): return e
        case .objectionDismissed(let e): return e
        case .objectionUpheld(let e): return e
        case .scoreAmended(let e): return e
        case .yearSettled(let e): return e
        case .pointsExpired(let e): return e
        case .pointsSent(let e): return e
        case .pointsReceived(let e): return e
        case .passbookPrinted(let e): return e
        case .checkpointRecorded(let e): return e
        case .householdReopened(let e): return e
        case .passwordSet(let e): return e
        }
    }

    /// The event of this type whose payload `reader` reads: each type's payload is the one its case carries.
    public init(type: EventType, reading reader: some EventPayloadReader) throws {
        switch type {
        case .ledgerOpened: self = .ledgerOpened(try reader.payload())
        case .schemeAdopted: self = .schemeAdopted(try reader.payload())
        case .unitAdded: self = .unitAdded(try reader.payload())
        case .unitLeaderChanged: self = .unitLeaderChanged(try reader.payload())
        case .householdRegistered: self = .householdRegistered(try reader.payload())
        case .householdMoved: self = .householdMoved(try reader.payload())
        case .householdClosed: self = .householdClosed(try reader.payload())
        case .scoreRecorded: self = .scoreRecorded(try reader.payload())
        case .itemListed: self = .itemListed(try reader.payload())
        case .stockReceived: self = .stockReceived(try reader.payload())
        case .redeemed: self = .redeemed(try reader.payload())
        case .entryReversed: self = .entryReversed(try reader.payload())
        case .sheetImported: self = .sheetImported(try reader.payload())
        case .actorRegistered: self = .actorRegistered(try reader.payload())
        case .actorRetired: self = .actorRetired(try reader.payload())
        case .scoreProposed: self = .scoreProposed(try reader.payload())
        case .scoreApproved: self = .scoreApproved(try reader.payload())
        case .scoreRejected: self = .scoreRejected(try reader.payload())
        case .reversalRequested: self = .reversalRequested(try reader.payload())
        case .reversalDeclined: self = .reversalDeclined(try reader.payload())
        case .noticeOpened: self = .noticeOpened(try reader.payload())
        case .noticeClosed: self = .noticeClosed(try reader.payload())
        case .objectionRaised: self = .objectionRaised(try reader.payload())
        case .objectionDismissed: self = .objectionDismissed(try reader.payload())
        case .objectionUpheld: self = .objectionUpheld(try reader.payload())
        case .scoreAmended: self = .scoreAmended(try reader.payload())
        case .yearSettled: self = .yearSettled(try reader.payload())
        case .pointsExpired: self = .pointsExpired(try reader.payload())
        case .pointsSent: self = .pointsSent(try reader.payload())
        case .pointsReceived: self = .pointsReceived(try reader.payload())
        case .passbookPrinted: self = .passbookPrinted(try reader.payload())
        case .checkpointRecorded: self = .checkpointRecorded(try reader.payload())
        case .householdReopened: self = .householdReopened(try reader.payload())
        case .passwordSet: self = .passwordSet(try reader.payload())
        }
    }

    /// The stored type name: `type.rawValue`.
    public var typeName: String { type.rawValue }

    /// The entry an undoing event takes back out (`EventPayload.undoes`).
    public var undoes: Int64? { payload.undoes }

    /// The stream the event belongs to (`EventPayload.stream`).
    public var stream: String { payload.stream }

    /// The kind of entry the event is, if it moves points or stock.
    public var entryKind: EntryKind? { type.entryKind }

    /// The score it files, recorded or proposed; nil for every other event (only these two carry a score).
    public var score: ScoreRecorded? {
        if case .scoreRecorded(let e) = self { return e }
        if case .scoreProposed(let e) = self { return e }
        return nil
    }

    /// The household the event is about, if any (`EventPayload.householdNamed`).
    public var household: HouseholdCode? { payload.householdNamed }

    /// One line saying what the event was, for the log.
    public func summary(chinese: Bool) -> String { payload.summary(as: type, chinese: chinese) }

    /// What the event was as a line of its household's history, and the note beside it.
    public func historyLine(chinese: Bool) -> (what: String, note: String) { payload.historyLine(as: type, chinese: chinese) }

    /// The note a household's history gives it for scripts, if any.
    public var historyNote: String? { payload.historyNote }

    /// What an entry of points says on a statement or (`short`) a passbook; nil for what is not such an entry.
    public func entryText(short: Bool) -> EntryText? { payload.entryText(as: type, short: short) }
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

// MARK: - What each payload names and says

/// Points with a sign: +5, -3, 0.
private func signed(_ points: Int) -> String { points > 0 ? "+\(points)" : "\(points)" }

/// `zh` or `en`.
private func say(_ chinese: Bool, _ zh: String, _ en: String) -> String { chinese ? zh : en }

/// ` (note)` / `（note）`, or nothing for an empty note.
private func aside(_ chinese: Bool, _ note: String) -> String {
    note.isEmpty ? "" : chinese ? "（\(note)）" : " (\(note))"
}

/// `：reason` / `: reason`, or nothing for an empty reason.
private func because(_ chinese: Bool, _ reason: String) -> String {
    reason.isEmpty ? "" : chinese ? "：\(reason)" : ": \(reason)"
}

extension LedgerOpened {
    public var stream: String { "ledger" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "建账：\(village)", "ledger opened: \(village)") }
}

extension SchemeAdopted {
    public var stream: String { "ledger" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "采用积分方案 v\(version)「\(scheme.name)」（\(scheme.rules.count) 条）",
            "scheme v\(version) adopted: \(scheme.name) (\(scheme.rules.count) rules)")
    }
}

extension UnitAdded {
    public var stream: String { "unit:\(unit)" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "新增联户 \(unit) \(name)", "joint unit \(unit) added: \(name)") }
}

extension UnitLeaderChanged {
    public var stream: String { "unit:\(unit)" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "联户 \(unit) 联户长：\(leader)", "unit \(unit) leader: \(leader)") }
}

extension HouseholdRegistered {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "登记农户 \(household) 户主 \(head)，联户 \(unit)，\(members) 人",
            "household \(household) registered: head \(head), unit \(unit), \(members) members")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "登记入册（联户 \(unit)，\(members) 人）", "registered (unit \(unit), \(members) members)"), "")
    }
}

extension HouseholdMoved {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) 由联户 \(from) 调入 \(to)", "\(household) moved from \(from) to \(to)")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "由联户 \(from) 调入 \(to)", "moved from unit \(from) to \(to)"), "")
    }
}

extension HouseholdClosed {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "\(household) 销户：\(reason)", "\(household) closed: \(reason)") }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) { (say(chinese, "销户", "closed"), reason) }
    public var historyNote: String? { reason }
}


extension HouseholdReopened {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) 恢复在册\(because(true, note))", "\(household) reopened\(because(false, note))")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) { (say(chinese, "恢复在册", "reopened"), note) }
    public var historyNote: String? { note }
}

extension ScoreRecorded {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        let proposed = type == .scoreProposed
        return say(chinese, "\(proposed ? "提议 " : "")\(household) \(rule.code) \(rule.zh) \(signed(points))\(aside(true, note))",
                   "\(proposed ? "proposed: " : "")\(household) \(rule.code) \(rule.en) \(signed(points))\(aside(false, note))")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        ("\(rule.code) \(chinese ? rule.zh : rule.en)", note)
    }
    public var historyNote: String? { note }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        EntryText(zh: rule.zh, en: rule.en, note: short ? "" : note)
    }
}

extension ItemListed {
    public var stream: String { "item:\(item)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "上架 \(item) \(name) \(unit) \(price) 分", "item \(item) listed: \(name) \(unit) at \(price)")
    }
}

extension StockReceived {
    public var stream: String { "item:\(item)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "入库 \(item) \(quantity) 件\(aside(true, source))", "received \(quantity) of \(item)\(aside(false, source))")
    }
}

extension Redeemed {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) 兑换 \(name) \(quantity) 件 -\(points)", "\(household) redeemed \(quantity) of \(name) -\(points)")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "兑换 \(name) \(quantity) 件", "redeemed \(quantity) of \(name)"), "")
    }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        EntryText(zh: "兑换 \(name) ×\(quantity)", en: "redeemed \(name) ×\(quantity)")
    }
}

extension EntryReversed {
    public var stream: String { "reversal:\(target)" }
    public var undoes: Int64? { target }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "冲正 #\(target)：\(reason)", "reversal of #\(target): \(reason)") }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "冲正 #\(target)", "reversal of #\(target)"), reason)
    }
    public var historyNote: String? { reason }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        EntryText(zh: "冲正 #\(target)", en: "reversal of #\(target)", note: short ? "" : reason)
    }
}

extension SheetImported {
    public var stream: String { "ledger" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "导入登记表 \(fileName)（\(rows) 行）", "tally sheet \(fileName) imported (\(rows) rows)")
    }
}

extension ActorRegistered {
    public var stream: String { "actor:\(actor)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        let named = roles.map { chinese ? $0.zh : $0.rawValue }.joined(separator: chinese ? "、" : ", ")
        return say(chinese, "登记人员 \(actor)：\(named)\(unit.map { "（联户 \($0)）" } ?? "")",
                   "\(actor) registered: \(named)\(unit.map { " (unit \($0))" } ?? "")")
    }
}

extension ActorRetired {
    public var stream: String { "actor:\(actor)" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "人员 \(actor) 停用：\(reason)", "\(actor) retired: \(reason)") }
}

extension ScoreApproved {
    public var stream: String { "review:\(target)" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "审核通过 #\(target)", "#\(target) approved") }
}

extension ScoreWithdrawn {
    public var stream: String { "reversal:\(target)" }
    public var undoes: Int64? { target }
    public func summary(as type: EventType, chinese: Bool) -> String {
        if type == .objectionUpheld {
            return say(chinese, "异议成立，撤销 #\(target)\(because(true, reason))", "objection upheld, #\(target) taken out\(because(false, reason))")
        }
        return say(chinese, "审核驳回 #\(target)：\(reason)", "#\(target) rejected: \(reason)")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        if type == .objectionUpheld { return (say(chinese, "异议成立，撤销 #\(target)", "objection upheld: #\(target) out"), reason) }
        return (say(chinese, "驳回 #\(target)", "#\(target) rejected"), reason)
    }
    public var historyNote: String? { reason }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        if type == .objectionUpheld {
            return short ? EntryText(zh: "撤销 #\(target)", en: "#\(target) taken out")
                : EntryText(zh: "异议成立，撤销 #\(target)", en: "objection upheld: #\(target) out", note: reason)
        }
        return EntryText(zh: "驳回 #\(target)", en: "#\(target) rejected", note: short ? "" : reason)
    }
}

extension ReversalRequested {
    public var stream: String { "request:\(target)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "申请冲正 #\(target)：\(reason)", "reversal of #\(target) asked for: \(reason)")
    }
}

extension ReversalDeclined {
    public var stream: String { "request:\(target)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "不予冲正 #\(target)（申请 #\(request)）：\(reason)", "reversal of #\(target) declined (request #\(request)): \(reason)")
    }
}

extension NoticeOpened {
    public var stream: String { "notice:\(period)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "公示 \(period)：\(scores) 条记分（加 \(awarded)，扣 \(deducted)），\(closesOn) 起可结束",
            "notice of \(period) posted: \(scores) scores (+\(awarded), -\(deducted)), may close from \(closesOn)")
    }
}

extension NoticeClosed {
    public var stream: String { "notice:\(period)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "公示 \(period) 结束：\(scores) 条记分生效（加 \(awarded)，扣 \(deducted)）",
            "notice of \(period) closed: \(scores) scores final (+\(awarded), -\(deducted))")
    }
}

extension ObjectionRaised {
    public var stream: String { "objection:\(target)" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "对 #\(target) 提出异议：\(reason)", "objection to #\(target): \(reason)") }
}

extension ObjectionDismissed {
    public var stream: String { "objection:\(target)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "异议不成立，#\(target) 维持\(because(true, reason))", "objection to #\(target) dismissed\(because(false, reason))")
    }
}

extension ScoreAmended {
    public var stream: String { "reversal:\(target)" }
    public var undoes: Int64? { target }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "异议改分：#\(target) 改为 \(signed(points)) 分\(aside(true, reason))",
            "objection: #\(target) amended to \(signed(points))\(aside(false, reason))")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "异议改分 #\(target)", "#\(target) amended"), reason)
    }
    public var historyNote: String? { reason }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        short ? EntryText(zh: "改分 #\(target)", en: "#\(target) amended")
            : EntryText(zh: "异议改分 #\(target)", en: "#\(target) amended", note: reason)
    }
}

extension YearSettled {
    public var stream: String { "settlement:\(year)" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        let red = ratings.filter(\.red).count, black = ratings.filter { $0.blackUntil != nil }.count
        return say(chinese, "\(year) 年终结算：\(ratings.count) 户评星，红榜 \(red) 户，黑榜 \(black) 户，清零 \(expired) 分",
                   "\(year) settled: \(ratings.count) households rated, \(red) on the red list, \(black) on the black list, \(expired) points expired")
    }
}

extension PointsExpired {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) \(year) 年可用积分清零 -\(points)", "\(household) \(year) redeemable points expired -\(points)")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "\(year) 年终清零", "\(year) year-end expiry"),
         say(chinese, "结转 \(carried)，加 \(earned)，扣 \(deducted)，兑换 \(spent)", "carried \(carried), +\(earned), -\(deducted), spent \(spent)"))
    }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        EntryText(zh: "\(year) 年终清零", en: short ? "\(year) expiry" : "\(year) year-end expiry")
    }
}

extension PointsSent {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) 转出 \(points) 分给 \(to)（\(reason)）", "\(household) sent \(points) to \(to) (\(reason))")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "转出给 \(to)", "sent to \(to)"), reason)
    }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        short ? EntryText(zh: "转出给 \(to)", en: "sent to \(to)") : EntryText(zh: "分户/合户 转出给 \(to)", en: "sent to \(to)", note: reason)
    }
}

extension PointsReceived {
    public var stream: String { "household:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) 收到 \(from) 转入 \(points) 分（\(reason)）", "\(household) received \(points) from \(from) (\(reason))")
    }
    public func historyLine(as type: EventType, chinese: Bool) -> (what: String, note: String) {
        (say(chinese, "由 \(from) 转入", "received from \(from)"), reason)
    }
    public func entryText(as type: EventType, short: Bool) -> EntryText? {
        short ? EntryText(zh: "由 \(from) 转入", en: "from \(from)")
            : EntryText(zh: "分户/合户 由 \(from) 转入", en: "received from \(from)", note: reason)
    }
}

extension PassbookPrinted {
    public var stream: String { "passbook:\(household)" }
    public var householdNamed: HouseholdCode? { household }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "\(household) 存折补登 \(entries.count) 行（第 \(page) 页第 \(line) 行起）",
            "\(household) passbook updated: \(entries.count) lines from page \(page), line \(line)")
    }
}

extension CheckpointRecorded {
    public var stream: String { "checkpoint" }
    public func summary(as type: EventType, chinese: Bool) -> String {
        say(chinese, "签名存证：第 \(seq) 条事件，链头 \(head.prefix(16))…，\(signatures.count) 个签名",
            "checkpoint filed: event \(seq), head \(head.prefix(16))…, \(signatures.count) signature\(signatures.count == 1 ? "" : "s")")
    }
}

/// A person's password was set or replaced. The event says for whom (and, as every event does, by whom and when);
/// the secret itself is never in the log.
public struct PasswordSet: EventPayload {
    public let actor: ActorName

    public init(actor: ActorName) {
        self.actor = actor
    }
}

extension PasswordSet {
    public var stream: String { "actor:\(actor)" }
    public func summary(as type: EventType, chinese: Bool) -> String { say(chinese, "设置 \(actor) 的密码", "password of \(actor) set") }
}
