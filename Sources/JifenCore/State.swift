import Tagged

/// The ledger's own facts: which village, under which scheme.
public struct LedgerInfo: Hashable, Sendable {
    public var ledgerId: String
    public var village: String
    public var demo: Bool
    public var openedOn: LocalDate
    public var schemeVersion: Int
    public var scheme: Scheme

    public init(ledgerId: String, village: String, demo: Bool, openedOn: LocalDate, schemeVersion: Int, scheme: Scheme) {
        self.ledgerId = ledgerId
        self.village = village
        self.demo = demo
        self.openedOn = openedOn
        self.schemeVersion = schemeVersion
        self.scheme = scheme
    }
}

/// A joint unit (联户) of 10–20 households with a leader household (联户长).
public struct UnitRecord: Hashable, Sendable, Codable {
    public var code: UnitCode
    public var name: String
    public var leader: HouseholdCode?

    public init(code: UnitCode, name: String, leader: HouseholdCode?) {
        self.code = code
        self.name = name
        self.leader = leader
    }
}

public enum HouseholdStatus: String, Hashable, Sendable, Codable {
    case open, closed
}

/// A household's account: its place in the register and its points.
///
/// `earned` and `deducted` are the sums of awards and deductions (both positive), `redeemed` what was spent
/// at the shop; reversals take their effect back out of the same figure.
public struct HouseholdAccount: Hashable, Sendable, Codable {
    public var code: HouseholdCode
    public var head: String
    public var unit: UnitCode
    public var members: Int
    public var status: HouseholdStatus
    public var registeredOn: LocalDate
    public var closedOn: LocalDate?
    public var earned: Int
    public var deducted: Int
    public var redeemed: Int
    /// Of the points in `earned` and `deducted`, those not yet final (signed): recorded or approved and waiting
    /// for the public notice, or on it; and those proposed and waiting for a reviewer.
    public var pending: Int
    public var proposed: Int
    /// Redeemable points cleared at year-end settlements.
    public var expired: Int
    /// Points moved to other households (net: sent less received) when households split or merge.
    public var moved: Int

    public init(code: HouseholdCode, head: String, unit: UnitCode, members: Int, status: HouseholdStatus,
                registeredOn: LocalDate, closedOn: LocalDate?, earned: Int, deducted: Int, redeemed: Int,
                pending: Int = 0, proposed: Int = 0, expired: Int = 0, moved: Int = 0) {
        self.code = code
        self.head = head
        self.unit = unit
        self.members = members
        self.status = status
        self.registeredOn = registeredOn
        self.closedOn = closedOn
        self.earned = earned
        self.deducted = deducted
        self.redeemed = redeemed
        self.pending = pending
        self.proposed = proposed
        self.expired = expired
        self.moved = moved
    }

    /// Final points: awards less deductions that have passed review and public notice (累计积分).
    public var final: Int { earned - deducted - pending - proposed }

    /// What the household may spend at the shop now: final points less what it spent, what expired and what it
    /// passed to other households.
    public var available: Int { final - redeemed - expired - moved }
}

/// An item of the points shop and what is on its shelf.
public struct ItemStock: Hashable, Sendable, Codable {
    public var code: ItemCode
    public var name: String
    public var unit: String
    public var price: Int
    public var stock: Int

    public init(code: ItemCode, name: String, unit: String, price: Int, stock: Int) {
        self.code = code
        self.name = name
        self.unit = unit
        self.price = price
        self.stock = stock
    }
}

/// What kind of entry moved points or stock.
public enum EntryKind: String, Hashable, Sendable, Codable {
    case score, redemption, stock, reversal
    /// Redeemable points cleared at year end.
    case expiry
    /// Points moved to or from another household when households split or merge.
    case transfer
}

/// One movement of points or stock, with its effect as signed deltas so that any set of entries
/// sums to balances (a reversal carries the negated deltas of the entry it reverses).
public struct Entry: Hashable, Sendable, Codable {
    public var seq: Int64
    public var id: String
    /// The type of its event (stored as its name, `v1.scoreRecorded`).
    public var type: EventType
    public var kind: EntryKind
    public var household: HouseholdCode?
    public var rule: RuleCode?
    public var item: ItemCode?
    /// Change of the item's stock.
    public var quantity: Int
    public var earned: Int
    public var deducted: Int
    public var redeemed: Int
    public var occurredOn: LocalDate
    public var reverses: Int64?
    public var reversedBy: Int64?

    public init(seq: Int64, id: String, type: EventType, kind: EntryKind, household: HouseholdCode?, rule: RuleCode?, item: ItemCode?,
                quantity: Int, earned: Int, deducted: Int, redeemed: Int, occurredOn: LocalDate,
                reverses: Int64?, reversedBy: Int64?) {
        self.seq = seq
        self.id = id
        self.type = type
        self.kind = kind
        self.household = household
        self.rule = rule
        self.item = item
        self.quantity = quantity
        self.earned = earned
        self.deducted = deducted
        self.redeemed = redeemed
        self.occurredOn = occurredOn
        self.reverses = reverses
        self.reversedBy = reversedBy
    }
}

/// What `decide` may read of the ledger. The SQLite store answers from its projection tables inside the
/// write transaction; `MemoryLedger` answers from a fold in memory. Both are fed by the same `project`.
public protocol LedgerState {
    func ledger() throws -> LedgerInfo?
    func unit(_ code: UnitCode) throws -> UnitRecord?
    func household(_ code: HouseholdCode) throws -> HouseholdAccount?
    func item(_ code: ItemCode) throws -> ItemStock?
    func entry(_ ref: EventRef) throws -> Entry?
    /// How many scores of `rule` the household has in the dates given, not counting reversed ones.
    func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) throws -> Int
    /// The sequence number of the import of a tally sheet with this SHA-256, if it was imported.
    func sheet(_ sha256: String) throws -> Int64?
    /// All codes of a kind, for suggesting the nearest one to a mistyped code.
    func codes(of kind: CodeKind) throws -> [String]
    /// The sequence number of the last event in the log (0 for an empty log).
    func lastSeq() throws -> Int64
    /// The lowest `available` the household has at the end of any day from `date` on (so at most today's):
    /// what a redemption dated `date` may spend without overdrawing any later day.
    func lowestAvailable(household: HouseholdCode, from date: LocalDate) throws -> Int
    /// The lowest stock of the item at the end of any day from `date` on.
    func lowestStock(item: ItemCode, from date: LocalDate) throws -> Int
    /// Whether roles are in force: someone has been registered.
    func hasActors() throws -> Bool
    func actor(_ name: ActorName) throws -> ActorRecord?
    func actors() throws -> [ActorRecord]
    /// Every public notice, oldest period first.
    func notices() throws -> [NoticeRecord]
    /// The notice whose period holds `date`, if any.
    func notice(covering date: LocalDate) throws -> NoticeRecord?
    /// The review of a score that is not yet final.
    func review(_ seq: Int64) throws -> ScoreReview?
    /// The reviews of scores dated within `dates`, by sequence number.
    func reviews(in dates: ClosedRange<LocalDate>) throws -> [ScoreReview]
    /// An open request to reverse an entry: by the request's number, or by the entry's.
    func request(_ seq: Int64) throws -> ReversalRequest?
    func request(target: Int64) throws -> ReversalRequest?
    /// A recorded or proposed score as it was written.
    func score(_ seq: Int64) throws -> ScoreRecorded?
    /// Every version of the scheme, in order.
    func schemes() throws -> [SchemeVersion]
    func settlement(year: Int) throws -> SettlementRecord?
    /// The day a household's ban on redemption ends, if it is on a black list on `date`.
    func blacklisted(_ household: HouseholdCode, on date: LocalDate) throws -> LocalDate?
    /// Each household's final awards, deductions and largest deduction over the scores dated in `dates`, and
    /// what it spent at the shop in them.
    func yearFigures(in dates: ClosedRange<LocalDate>) throws -> [HouseholdCode: YearFigures]
    /// Every household of the register, by code.
    func allHouseholds() throws -> [HouseholdAccount]
    /// A household's scores not yet final.
    func reviews(of household: HouseholdCode) throws -> [ScoreReview]
    /// The business date of the latest score in the ledger, if any.
    func latestScoreDate() throws -> LocalDate?
    /// Every household's figures counting only entries dated on or before `date` (not-yet-final scores as they are now).
    func balances(asOf date: LocalDate) throws -> [HouseholdCode: HouseholdAccount]
    /// Whether any person of the ledger, active or retired, has ever had a password set (by default, from `actors()`).
    func passwordsInForce() throws -> Bool
    /// The reviews of scores dated within `dates` counted by state, with their points and the first of each (by
    /// default, from `reviews(in:)`): what opening and closing a notice ask of a month of reviews.
    func reviewTally(in dates: ClosedRange<LocalDate>) throws -> ReviewTally
}

/// Reviews counted by state (`LedgerState.reviewTally`).
public struct ReviewTally: Sendable, Equatable {
    /// The reviews in one state: how many, the points they award and deduct (both positive), the first by sequence number.
    public struct Part: Sendable, Equatable {
        public var count = 0, awarded = 0, deducted = 0
        public var first: Int64?

        public init(count: Int = 0, awarded: Int = 0, deducted: Int = 0, first: Int64? = nil) {
            (self.count, self.awarded, self.deducted, self.first) = (count, awarded, deducted, first)
        }
    }

    public var parts: [ReviewState: Part]

    public init(_ parts: [ReviewState: Part] = [:]) { self.parts = parts }

    /// The same counted from the reviews themselves.
    public init(_ reviews: [ScoreReview]) {
        var parts: [ReviewState: Part] = [:]
        for review in reviews {
            var part = parts[review.state, default: Part()]
            part.count += 1
            part.awarded += max(review.points, 0)
            part.deducted += max(-review.points, 0)
            part.first = min(part.first ?? review.seq, review.seq)
            parts[review.state] = part
        }
        self.parts = parts
    }

    public subscript(state: ReviewState) -> Part { parts[state] ?? Part() }
}

extension LedgerState {
    /// Whether any person of the ledger, active or retired, has ever had a password set: from then on every write
    /// needs the acting person's password.
    public func passwordsInForce() throws -> Bool {
        try actors().contains { $0.passwordSince != nil }
    }

    public func notice(covering date: LocalDate) throws -> NoticeRecord? {
        try notices().first { $0.dates.contains(date) }
    }

    public func reviewTally(in dates: ClosedRange<LocalDate>) throws -> ReviewTally {
        ReviewTally(try reviews(in: dates))
    }
}

/// The lowest a running total stood at the end of the day `date` or of any later day, given its value now and
/// the changes dated after `date` (in any order; changes of one day count together).
public func lowestTotal(now: Int, changesAfter changes: [(date: LocalDate, amount: Int)]) -> Int {
    var byDay: [LocalDate: Int] = [:]
    for change in changes { byDay[change.date, default: 0] += change.amount }
    var total = now - byDay.values.reduce(0, +)
    var lowest = total
    for day in byDay.keys.sorted() {
        total += byDay[day]!
        lowest = min(lowest, total)
    }
    return lowest
}

/// One of a household's entries as the day-by-day availability of its points sees it.
public struct AvailabilityEntry: Sendable {
    public let seq: Int64
    public let type: EventType
    public let date: LocalDate
    /// Its change of the household's redeemable points (earned − deducted − redeemed).
    public let delta: Int
    public let reverses: Int64?

    public init(seq: Int64, type: EventType, date: LocalDate, delta: Int, reverses: Int64?) {
        self.seq = seq
        self.type = type
        self.date = date
        self.delta = delta
        self.reverses = reverses
    }
}

/// A closed public notice as availability sees it: its dates, the day it closed and the event that closed it.
public struct ClosedNotice: Sendable {
    public let dates: ClosedRange<LocalDate>
    public let closedOn: LocalDate
    public let closedSeq: Int64

    public init(dates: ClosedRange<LocalDate>, closedOn: LocalDate, closedSeq: Int64) {
        self.dates = dates
        self.closedOn = closedOn
        self.closedSeq = closedSeq
    }
}

/// The day from which each entry of a household counts towards what it may spend, as (day, change) pairs — the one
/// rule of the core's fold and the SQLite reads, for back-dated redemptions:
/// - a score written while roles are in force counts from the day its notice closed (not its own date), once final;
///   one still waiting (`notFinal`) counts on no day, nor does one taken back before it was final, nor its takeback;
/// - a score from before roles counts from its own date;
/// - what takes a final score back counts from its own date, or from the score's if that is later;
/// - every other entry (the shop, year end, splits and merges) counts from its own date.
public func availabilityChanges(_ entries: [AvailabilityEntry], notFinal: Set<Int64>, notices: [ClosedNotice],
                                rolesSince: Int64?) -> [(date: LocalDate, amount: Int)] {
    let bySeq = Dictionary(entries.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
    let takebacks = Dictionary(entries.compactMap { entry in entry.reverses.map { ($0, entry) } }, uniquingKeysWith: { first, _ in first })
    /// When a score became final, or nil if it never did (or has not yet).
    func finalOn(_ score: AvailabilityEntry) -> LocalDate? {
        if notFinal.contains(score.seq) { return nil }
        guard let rolesSince, score.seq > rolesSince else { return score.date }
        let notice = notices.first { $0.dates.contains(score.date) && $0.closedSeq > score.seq }
        if let takeback = takebacks[score.seq] {
            // Taken back before its notice closed (rejected, objected to, amended, reversed while waiting): never final.
            guard let notice, notice.closedSeq < takeback.seq,
                  !takeback.type.withdrawsScore else { return nil }
        }
        return notice.map { max(score.date, $0.closedOn) } ?? score.date
    }
    var changes: [(date: LocalDate, amount: Int)] = []
    for entry in entries {
        if entry.type.isScore {
            if let day = finalOn(entry) { changes.append((day, entry.delta)) }
        } else if let target = entry.reverses.flatMap({ bySeq[$0] }), target.type.isScore {
            if let day = finalOn(target) { changes.append((max(entry.date, day), entry.delta)) }
        } else {
            changes.append((entry.date, entry.delta))
        }
    }
    return changes
}

public enum CodeKind: Sendable {
    case unit, household, item
}

/// A change to the projections that one event causes.
public enum ProjectionChange: Hashable, Sendable {
    case ledger(LedgerInfo)
    case unit(UnitRecord)
    case household(HouseholdAccount)
    case item(ItemStock)
    /// A new entry of points or stock (the SQLite store keeps these as the event rows themselves).
    case entry(Entry)
    /// An entry was reversed by a later one (the SQLite store derives this from the reversal's stream).
    case reversed(Int64, by: Int64)
    case sheet(sha256: String, seq: Int64)
    case actor(ActorRecord)
    case notice(NoticeRecord)
    case review(ScoreReview)
    /// A score became final, or was taken out: it leaves the reviews.
    case reviewEnded(Int64)
    /// A notice was opened: every review of a score dated within these dates that is `pending` becomes `posted`.
    case noticePosted(ClosedRange<LocalDate>)
    /// The notice of `period` was closed by event `seq`: every review of a score dated within `dates` that is
    /// `posted` ends (the score is final) and leaves its household's `pending`.
    case noticeClosed(period: String, dates: ClosedRange<LocalDate>, seq: Int64)
    case request(ReversalRequest)
    case requestEnded(Int64)
    /// A recorded score's payload, for `MemoryLedger` (the SQLite store reads it from the event row).
    case score(Int64, ScoreRecorded)
    case scheme(SchemeVersion)
    case settlement(SettlementRecord)
    case rating(YearRating)
}

/// A household's rating in a settled year.
public struct YearRating: Hashable, Sendable {
    public let year: Int
    public let rating: HouseholdRating

    public init(year: Int, rating: HouseholdRating) {
        self.year = year
        self.rating = rating
    }

    public var household: HouseholdCode { rating.household }
}

/// A fold's entries by sequence number. Sequence numbers are dense (1, 2, 3, … with the events that are not entries
/// between), so the entries lie in slots from the first one kept on, in order, rather than in a dictionary: a
/// dictionary of 10^6 entries took twice their size in buckets and hashed every key (a county's load of a 10^6-event
/// file: docs/PERFORMANCE.md). The slots grow only through `keep(_:within:)`, and only as far as the events folded
/// reach; an entry numbered beyond them (a damaged log's, or one set through the subscript past the slots) is kept
/// aside in a dictionary, so that no sequence number makes the slots grow past what was folded.
public struct EntryTable: Sendable, Equatable {
    /// The sequence number of the first slot.
    private var base: Int64 = 1
    private var slots: [Entry?] = []
    private var aside: [Int64: Entry] = [:]

    public init() {}

    /// How many entries are kept.
    public private(set) var count = 0

    public var isEmpty: Bool { count == 0 }

    /// How many entries are kept aside (for the tests).
    var asideCount: Int { aside.count }

    /// Every entry: those in slots in sequence order, then any kept aside.
    public var values: Values { Values(slots: slots, aside: aside) }

    public struct Values: Sequence {
        let slots: [Entry?]
        let aside: [Int64: Entry]

        public struct Iterator: IteratorProtocol {
            var slots: IndexingIterator<[Entry?]>
            var aside: Dictionary<Int64, Entry>.Values.Iterator

            public mutating func next() -> Entry? {
                while let slot = slots.next() {
                    if let entry = slot { return entry }
                }
                return aside.next()
            }
        }

        public func makeIterator() -> Iterator { Iterator(slots: slots.makeIterator(), aside: aside.values.makeIterator()) }
    }

    /// Where `seq` lies in the slots, if it does. (`seq >= base` first: `base` is at least 1, so nothing overflows.)
    private func slot(_ seq: Int64) -> Int? {
        guard seq >= base, seq - base < Int64(slots.count) else { return nil }
        return Int(seq - base)
    }

    /// An entry by its sequence number; set, it replaces one in the slots, or is kept aside.
    public subscript(seq: Int64) -> Entry? {
        get {
            if let index = slot(seq) { return slots[index] }
            return aside.isEmpty ? nil : aside[seq]
        }
        set {
            if let index = slot(seq) {
                count += (newValue == nil ? 0 : 1) - (slots[index] == nil ? 0 : 1)
                slots[index] = newValue
            } else {
                count += (newValue == nil ? 0 : 1) - (aside[seq] == nil ? 0 : 1)
                aside[seq] = newValue
            }
        }
    }

    /// Keeps `entry` under its sequence number in a fold of `folded` events: the slots grow to it while it lies within
    /// `folded` numbers of the first slot (always, in a log numbered 1, 2, 3, … as the chain makes it); otherwise aside.
    public mutating func keep(_ entry: Entry, within folded: Int64) {
        let seq = entry.seq
        if slots.isEmpty && aside.isEmpty && seq >= 1 {
            base = seq
            slots.append(entry)
            count = 1
        } else if slot(seq) == nil, seq >= base, seq - base < folded, seq - base < Int64(Int32.max) {
            let end = Int64(slots.count)
            slots.append(contentsOf: repeatElement(nil, count: Int(seq - base - end)))
            slots.append(entry)
            count += 1
            // Those kept aside that the slots now reach move into them (a replaced one leaves the count as it was).
            if !aside.isEmpty {
                for (kept, other) in aside where kept >= base && kept - base >= end && kept <= seq {
                    aside[kept] = nil
                    if kept == seq { count -= 1 } else { slots[Int(kept - base)] = other }
                }
            }
        } else {
            self[seq] = entry
        }
    }

    public mutating func reserveCapacity(_ more: Int) {
        slots.reserveCapacity(slots.count + min(max(more, 0), 1 << 24))
    }

    /// The same entries under the same sequence numbers, however they lie.
    public static func == (a: EntryTable, b: EntryTable) -> Bool {
        a.count == b.count && a.values.allSatisfy { b[$0.seq] == $0 }
    }
}

/// The projections folded in memory: the reference the SQLite projections must agree with,
/// and what the core's tests run against.
public struct MemoryLedger: LedgerState, Sendable {
    public private(set) var info: LedgerInfo?
    public private(set) var units: [UnitCode: UnitRecord] = [:]
    /// The register and each household's figures (`household(_:)` finds one).
    public var households: [HouseholdCode: HouseholdAccount] { householdTable.dictionary }
    private var householdTable = HouseholdTable()
    public private(set) var items: [ItemCode: ItemStock] = [:]
    public private(set) var entries = EntryTable()
    private var entryIds: [String: Int64] = [:]
    private var sheets: [String: Int64] = [:]
    public private(set) var actorRecords: [ActorName: ActorRecord] = [:]
    public private(set) var noticeRecords: [String: NoticeRecord] = [:]
    /// The same notices in period order, kept as they change: every score asks which notice covers its date.
    private var noticeList: [NoticeRecord] = []
    /// The last day any notice covers: a score dated after it (most are, the month's notice not yet open) has none.
    private var noticesEnd: LocalDate?
    /// The reviews of scores not yet final, by sequence number (`review(_:)` finds one).
    public var reviewRecords: [Int64: ScoreReview] { reviewBook.all }
    private var reviewBook = ReviewBook()
    public private(set) var requestRecords: [Int64: ReversalRequest] = [:]
    private var scores: [Int64: ScoreRecorded] = [:]
    public private(set) var schemeVersions: [SchemeVersion] = []
    public private(set) var settlementRecords: [Int: SettlementRecord] = [:]
    /// Keyed by "year household".
    public private(set) var ratingRecords: [String: YearRating] = [:]
    private var last: Int64 = 0
    /// How many events were folded: the most sequence numbers the entries can span (`EntryTable.keep`).
    private var folded: Int64 = 0
    /// The event that registered the first person: scores after it go through review and notice.
    private var rolesSince: Int64?
    /// The event that closed each notice.
    private var noticeClosedSeqs: [String: Int64] = [:]
    /// The place in `householdTable` of the account the entry rule changed last.
    private var lastChanged = -1
    /// Whether entries are kept: `rebuild` and `verify` fold a county's log without holding its entries.
    public let keepsEntries: Bool
    /// Whether each score's payload is kept for `score(_:)` (with the entries): a county's fold answers it from its
    /// database instead, a third of what a village's fold held in memory.
    public let keepsScores: Bool

    public init(keepsEntries: Bool = true, keepsScores: Bool = true) {
        self.keepsEntries = keepsEntries
        self.keepsScores = keepsEntries && keepsScores
    }

    public var sheetSeqs: [String: Int64] { sheets }

    /// Whether scores need their date, rule and recorder to be folded: roles are in force, or reviews are open.
    public var tracksReviews: Bool { !actorRecords.isEmpty || !reviewBook.isEmpty || !requestRecords.isEmpty }

    public func lastSeq() -> Int64 { last }

    public func ledger() -> LedgerInfo? { info }
    public func unit(_ code: UnitCode) -> UnitRecord? { units[code] }
    public func household(_ code: HouseholdCode) -> HouseholdAccount? { householdTable[code] }
    public func item(_ code: ItemCode) -> ItemStock? { items[code] }
    public func sheet(_ sha256: String) -> Int64? { sheets[sha256] }

    public func entry(_ ref: EventRef) -> Entry? {
        switch ref {
        case .seq(let seq): return entries[seq]
        case .id(let id): return entryIds[id].flatMap { entries[$0] }
        }
    }

    public func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) -> Int {
        entries.values.count {
            $0.kind == .score && $0.household == household && $0.rule == rule && $0.reversedBy == nil && dates.contains($0.occurredOn)
        }
    }

    public func lowestAvailable(household: HouseholdCode, from date: LocalDate) -> Int {
        let mine = entries.values.filter { $0.household == household }.sorted { $0.seq < $1.seq }.map {
            AvailabilityEntry(seq: $0.seq, type: $0.type, date: $0.occurredOn, delta: $0.earned - $0.deducted - $0.redeemed, reverses: $0.reverses)
        }
        let closed = noticeList.compactMap { notice -> ClosedNotice? in
            guard let closedOn = notice.closedOn, let seq = noticeClosedSeqs[notice.period] else { return nil }
            return ClosedNotice(dates: notice.dates, closedOn: closedOn, closedSeq: seq)
        }
        let changes = availabilityChanges(mine, notFinal: reviewBook.seqs, notices: closed, rolesSince: rolesSince)
        return lowestTotal(now: householdTable[household]?.available ?? 0, changesAfter: changes.filter { $0.date > date })
    }

    public func lowestStock(item: ItemCode, from date: LocalDate) -> Int {
        lowestTotal(now: items[item]?.stock ?? 0,
                    changesAfter: entries.values.filter { $0.item == item && $0.occurredOn > date }.map { ($0.occurredOn, $0.quantity) })
    }

    public func hasActors() -> Bool { !actorRecords.isEmpty }
    public func actor(_ name: ActorName) -> ActorRecord? { actorRecords[name] }
    public func actors() -> [ActorRecord] { actorRecords.values.sorted { $0.name.rawValue < $1.name.rawValue } }
    public func notices() -> [NoticeRecord] { noticeList }
    public func notice(covering date: LocalDate) -> NoticeRecord? {
        // Scores mostly fall in the latest periods: look from the end.
        noticeList.last { $0.dates.contains(date) }
    }
    public func review(_ seq: Int64) -> ScoreReview? { reviewBook.review(seq) }
    /// Every review of a score not yet final, by sequence number.
    public func sortedReviews() -> [ScoreReview] { reviewBook.sorted }
    public func reviews(in dates: ClosedRange<LocalDate>) -> [ScoreReview] { reviewBook.reviews(in: dates) }
    public func request(_ seq: Int64) -> ReversalRequest? { requestRecords[seq] }
    public func request(target: Int64) -> ReversalRequest? { requestRecords.values.first { $0.target == target } }
    /// The score at `seq` as recorded; nil where scores are not kept (`keepsScores`).
    public func score(_ seq: Int64) -> ScoreRecorded? { scores[seq] }
    public func schemes() -> [SchemeVersion] { schemeVersions }
    public func settlement(year: Int) -> SettlementRecord? { settlementRecords[year] }
    public func blacklisted(_ household: HouseholdCode, on date: LocalDate) -> LocalDate? {
        ratingRecords.values.compactMap { rating -> LocalDate? in
            guard rating.household == household, let until = rating.rating.blackUntil,
                  let settled = settlementRecords[rating.year]?.settledOn, settled <= date, date < until else { return nil }
            return until
        }.max()
    }

    /// Needs the entries (a `MemoryLedger` that keeps them): final scores are those not reversed and not under review.
    public func yearFigures(in dates: ClosedRange<LocalDate>) -> [HouseholdCode: YearFigures] {
        var earned: [HouseholdCode: Int] = [:], deducted: [HouseholdCode: Int] = [:], largest: [HouseholdCode: Int] = [:]
        var redeemed: [HouseholdCode: Int] = [:]
        // Every household with an entry dated in the year, with zeros when all of it was taken back (as SQLite answers).
        var listed: Set<HouseholdCode> = []
        let notFinal = reviewBook.all
        for entry in entries.values where dates.contains(entry.occurredOn) {
            guard let household = entry.household else { continue }
            listed.insert(household)
            if entry.kind == .score && entry.reversedBy == nil && notFinal[entry.seq] == nil {
                earned[household, default: 0] += entry.earned
                deducted[household, default: 0] += entry.deducted
                largest[household] = max(largest[household] ?? 0, entry.deducted)
            }
            if entry.type == .redeemed || (entry.type == .entryReversed && entry.redeemed != 0) {
                redeemed[household, default: 0] += entry.redeemed
            }
        }
        return Dictionary(firstOf: listed.map {
            ($0, YearFigures(household: $0, earned: earned[$0] ?? 0, deducted: deducted[$0] ?? 0, largestDeduction: largest[$0] ?? 0,
                             redeemed: redeemed[$0] ?? 0))
        })
    }

    public func allHouseholds() -> [HouseholdAccount] { householdTable.accounts.sorted { $0.code.rawValue < $1.code.rawValue } }

    public func latestScoreDate() -> LocalDate? {
        entries.values.filter { $0.kind == .score }.map(\.occurredOn).max()
    }

    public func reviews(of household: HouseholdCode) -> [ScoreReview] {
        reviewBook.sorted.filter { $0.household == household }
    }

    /// Needs the entries (a `MemoryLedger` that keeps them).
    public func balances(asOf date: LocalDate) -> [HouseholdCode: HouseholdAccount] {
        var accounts = households.mapValues { account -> HouseholdAccount in
            var zero = account
            (zero.earned, zero.deducted, zero.redeemed, zero.pending, zero.proposed, zero.expired, zero.moved) = (0, 0, 0, 0, 0, 0, 0)
            return zero
        }
        var counted: Set<HouseholdCode> = []
        let notFinal = reviewBook.all
        for entry in entries.values where entry.occurredOn <= date {
            guard let code = entry.household, accounts[code] != nil else { continue }
            counted.insert(code)
            accounts[code]!.add(EventFacts(household: code, earned: entry.earned, deducted: entry.deducted, redeemed: entry.redeemed),
                                route: entry.type.route)
            if let review = notFinal[entry.seq] { accounts[code]!.hold(review, +1) }
        }
        // The register as it stood that day (as SQLite answers): households registered by then or with entries by
        // then, and open if they closed later.
        return accounts.filter { $0.value.registeredOn <= date || counted.contains($0.key) }.mapValues { account in
            guard let closed = account.closedOn, closed > date else { return account }
            var then = account
            then.status = .open
            then.closedOn = nil
            return then
        }
    }

    public func codes(of kind: CodeKind) -> [String] {
        switch kind {
        case .unit: return units.keys.map(\.rawValue).sorted()
        case .household: return householdTable.accounts.map(\.code.rawValue).sorted()
        case .item: return items.keys.map(\.rawValue).sorted()
        }
    }

    public mutating func apply(_ changes: [ProjectionChange]) {
        for change in changes { apply(change) }
    }

    /// Applies one change, in place.
    public mutating func apply(_ change: ProjectionChange) {
        switch change {
        case .ledger(let info): self.info = info
        case .unit(let unit): units[unit.code] = unit
        case .household(let account): householdTable.set(account)
        case .item(let item): items[item.code] = item
        case .entry(let entry):
            guard keepsEntries else { return }
            entries.keep(entry, within: folded)
            entryIds[entry.id] = entry.seq
        case .reversed(let target, let by):
            entries[target]?.reversedBy = by
        case .sheet(let sha, let seq): sheets[sha] = seq
        case .actor(let actor): actorRecords[actor.name] = actor
        case .notice(let notice): setNotice(notice)
        case .review(let review): reviewBook.set(review)
        case .reviewEnded(let seq): reviewBook.remove(seq)
        case .noticePosted(let dates):
            // Only the months of the period are looked at, their reviews changed where they lie.
            reviewBook.post(dates)
        case .noticeClosed(let period, let dates, let seq):
            noticeClosedSeqs[period] = seq
            // The period's posted scores are final: their reviews go, and their points leave their households' pending.
            // (A review's household is in the register: `projectEntry` refused the score otherwise. The table is held
            // aside while the book closes, so that what it is told may change the table.)
            var table = householdTable
            householdTable = HouseholdTable()
            reviewBook.close(dates) { review, place in
                if place >= 0 { table.change(at: Int(place)) { $0.hold(review, -1) } } else { table.hold(review, -1) }
            }
            householdTable = table
        case .request(let request): requestRecords[request.seq] = request
        case .requestEnded(let seq): requestRecords[seq] = nil
        case .score(let seq, let score): if keepsScores { scores[seq] = score }
        case .scheme(let version):
            schemeVersions.removeAll { $0.version == version.version }
            schemeVersions.append(version)
            schemeVersions.sort { $0.version < $1.version }
        case .settlement(let record): settlementRecords[record.year] = record
        case .rating(let rating): ratingRecords["\(rating.year) \(rating.household)"] = rating
        }
    }

    /// Makes room for `count` more entries at once, where a caller knows how many are coming (a county's load of a
    /// village's file): grown step by step, the tables of entries, their ids and scores were rehashed about twenty times
    /// over a 10^6-event file, 3% of the load's client.
    public mutating func reserveEntries(_ count: Int) {
        guard keepsEntries, count > 0 else { return }
        // A count from a file's header is only a hint: a damaged one must not reserve more than a county's village holds.
        let count = min(count, 1 << 24)
        entries.reserveCapacity(count)
        entryIds.reserveCapacity(entryIds.count + count)
        if keepsScores { scores.reserveCapacity(scores.count + count) }
    }

    /// Folds one recorded event in: `project`'s changes, applied in place.
    public mutating func apply(_ event: RecordedEvent) throws {
        folded += 1
        // The first person registered turns the rules on; availability reads count scores after it through review.
        if case .actorRegistered = event.event, rolesSince == nil { rolesSince = event.seq }
        if event.event.type.entryKind != nil {
            // An entry: the changes `project` lists for it, made in place as the fold of `rebuild` makes them — the
            // entry rule, then the entry kept, the entry it takes back marked, the score kept. Gathered as
            // `ProjectionChange`s first, each account and review was copied twice over (8.5% of the instructions of a
            // county's load of a village file; docs/PERFORMANCE.md).
            let seq = event.seq
            try foldEntry(event.facts, seq: seq, filing: event.event.type.scoreFiling, route: event.event.type.route,
                          occurredOn: event.occurredOn, actor: event.actor, into: &self)
            if keepsEntries, let entry = Entry(event) {
                entries.keep(entry, within: folded)
                entryIds[entry.id] = seq
            }
            if let target = event.facts.reverses { entries[target]?.reversedBy = seq }
            if keepsScores, let score = event.event.score { scores[seq] = score }
        } else {
            apply(try project(event, state: self))
        }
        last = event.seq
    }

    private mutating func setNotice(_ notice: NoticeRecord) {
        noticeRecords[notice.period] = notice
        noticeList = noticeRecords.values.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        noticesEnd = noticeList.lazy.map(\.to).max()
    }

    /// Folds an entry from its stored columns alone (no payload): the fold of `rebuild` and `verify`. The same rule as
    /// the live path (`foldEntry`, which `projectEntry` runs), its changes made in place.
    public mutating func applyEntry(_ facts: EventFacts, seq: Int64, filing: ScoreFiling? = nil, route: EntryRoute = .shop,
                                    occurredOn: LocalDate, actor: ActorName) throws {
        try foldEntry(facts, seq: seq, filing: filing, route: route, occurredOn: occurredOn, actor: actor, into: &self)
        last = seq
    }
}

/// The entry rule's changes made in place: an account is found once and changed where it lies.
extension MemoryLedger: EntryFolding {
    public func noticeOpen(covering date: LocalDate) -> Bool? {
        // Scores mostly fall after every notice, or else in the latest periods: look from the end. (Not from the last
        // period's end: a log that is not as `decide` writes them may hold notices that overlap.)
        guard let noticesEnd, date <= noticesEnd else { return nil }
        for index in noticeList.indices.reversed() where noticeList[index].from <= date && date <= noticeList[index].to {
            return noticeList[index].closedOn == nil
        }
        return nil
    }
    public func householdPlace(_ code: HouseholdCode) -> Int? { householdTable.index(of: code) }
    public func itemPlace(_ code: ItemCode) -> ItemCode? { items[code] == nil ? nil : code }
    public mutating func changeHousehold(at place: Int, _ change: (inout HouseholdAccount) -> Void) {
        householdTable.change(at: place, change)
        lastChanged = place
    }
    public mutating func changeItem(at place: ItemCode, _ change: (inout ItemStock) -> Void) {
        guard var item = items[place] else { return }
        change(&item)
        items[place] = item
    }
    public mutating func endReview(_ seq: Int64) { reviewBook.remove(seq) }
    public mutating func endRequest(_ seq: Int64) { requestRecords[seq] = nil }
    public mutating func startReview(_ review: ScoreReview) {
        // The rule changed the score's household just before: its place is at hand.
        let known = lastChanged >= 0 && lastChanged < householdTable.count && householdTable.accounts[lastChanged].code == review.household
        reviewBook.set(review, place: Int32(known ? lastChanged : householdTable.index(of: review.household) ?? -1))
    }
}
