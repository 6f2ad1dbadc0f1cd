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
    case .householdReopened(let e): return EventFacts(household: e.household)
    case .scoreRecorded(let e):
        return EventFacts(household: e.household, rule: e.rule.code, earned: max(e.points, 0), deducted: max(-e.points, 0))
    case .itemListed(let e): return EventFacts(item: e.item)
    case .stockReceived(let e): return EventFacts(item: e.item, stock: e.quantity)
    case .redeemed(let e): return EventFacts(household: e.household, item: e.item, redeemed: e.points, stock: -e.quantity)
    case .entryReversed, .scoreRejected, .objectionUpheld, .scoreAmended:
        guard let targetSeq = event.undoes, let target = try state.entry(.seq(targetSeq)) else {
            throw ProjectionError(seq: event.undoes ?? 0, problem: "the entry to take back is not in the ledger")
        }
        return EventFacts(household: target.household, item: target.item, rule: target.rule, earned: -target.earned,
                          deducted: -target.deducted, redeemed: -target.redeemed, stock: -target.quantity, reverses: target.seq)
    case .scoreProposed(let e):
        return EventFacts(household: e.household, rule: e.rule.code, earned: max(e.points, 0), deducted: max(-e.points, 0))
    case .pointsExpired(let e): return EventFacts(household: e.household, redeemed: e.points)
    case .pointsSent(let e): return EventFacts(household: e.household, redeemed: e.points)
    case .pointsReceived(let e): return EventFacts(household: e.household, redeemed: -e.points)
    case .yearSettled, .checkpointRecorded, .passwordSet: return .none
    case .passbookPrinted(let e): return EventFacts(household: e.household)
    case .actorRegistered, .actorRetired, .scoreApproved, .reversalRequested, .reversalDeclined, .noticeOpened, .noticeClosed,
         .objectionRaised, .objectionDismissed:
        return .none
    }
}

extension HouseholdAccount {
    /// Adds an event's figures: the one rule by which points are summed, live, in `rebuild` and in `verify`.
    /// `redeemed` in the facts is what left the redeemable balance; the route says whether it was spent at the
    /// shop, cleared at year end, or moved to another household.
    public mutating func add(_ facts: EventFacts, route: EntryRoute = .shop) {
        earned += facts.earned
        deducted += facts.deducted
        switch route {
        case .shop: redeemed += facts.redeemed
        case .expiry: expired += facts.redeemed
        case .transfer: moved += facts.redeemed
        }
    }
}

extension HouseholdAccount {
    /// Counts a score that is not yet final in `pending` or `proposed` (sign +1), or takes it out again (-1).
    public mutating func hold(_ review: ScoreReview, _ sign: Int) {
        if review.state == .proposed { proposed += sign * review.points } else { pending += sign * review.points }
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
        self.init(seq: recorded.seq, id: recorded.id, type: recorded.event.type, kind: kind, household: f.household, rule: f.rule, item: f.item,
                  quantity: f.stock, earned: f.earned, deducted: f.deducted, redeemed: f.redeemed,
                  occurredOn: recorded.occurredOn, reverses: f.reverses, reversedBy: nil)
    }
}

/// How a score is filed when it is written: recorded (pending once roles are in force, final before), or
/// proposed (waiting for a reviewer).
public enum ScoreFiling: Sendable {
    case recorded, proposed

    /// From the event's type (`EventType.scoreFiling`); nil for entries that are not scores.
    public init?(type: EventType) {
        guard let filing = type.scoreFiling else { return nil }
        self = filing
    }
}

/// What an entry of points or stock changes besides itself: its household's and item's figures, the review of a score
/// not yet final that it ends or starts, and the request to reverse that it makes moot. Fixed fields rather than a
/// list, so that the fold of `rebuild` and `verify` applies an entry without building one.
public struct EntryChanges: Hashable, Sendable {
    public var household: HouseholdAccount?
    public var item: ItemStock?
    /// The review it ends: it takes back a score that was not final.
    public var reviewEnded: Int64?
    /// The open request to reverse the entry it takes back, which it makes moot.
    public var requestEnded: Int64?
    /// The review it starts: a score written while roles are in force, or proposed.
    public var review: ScoreReview?

    public init(household: HouseholdAccount? = nil, item: ItemStock? = nil, reviewEnded: Int64? = nil, requestEnded: Int64? = nil,
                review: ScoreReview? = nil) {
        self.household = household
        self.item = item
        self.reviewEnded = reviewEnded
        self.requestEnded = requestEnded
        self.review = review
    }

    /// The same changes as `ProjectionChange`s, in the order `project` lists them: what every store applies.
    public func forEach(_ body: (ProjectionChange) throws -> Void) rethrows {
        if let household { try body(.household(household)) }
        if let item { try body(.item(item)) }
        if let reviewEnded { try body(.reviewEnded(reviewEnded)) }
        if let requestEnded { try body(.requestEnded(requestEnded)) }
        if let review { try body(.review(review)) }
    }
}

/// What the entry rule (`foldEntry`) reads and changes. The live append path's state answers through `projectEntry`,
/// which gathers the changes as `EntryChanges` for its store to apply; `MemoryLedger` answers for the fold of `rebuild`
/// and `verify` and for its own `apply`, and makes them in place.
///
/// A household or item is first found (`householdPlace`, `itemPlace`: nil when it is not in the ledger), and only once
/// every look-up has succeeded is anything changed, so an entry the rule refuses changes nothing.
public protocol EntryFolding {
    /// Where a household's account is, for `changeHousehold`.
    associatedtype HouseholdPlace
    associatedtype ItemPlace
    func review(_ seq: Int64) throws -> ScoreReview?
    func request(target: Int64) throws -> ReversalRequest?
    func hasActors() throws -> Bool
    /// Whether the notice whose period holds `date` is open (nil if there is none).
    func noticeOpen(covering date: LocalDate) throws -> Bool?
    func householdPlace(_ code: HouseholdCode) throws -> HouseholdPlace?
    func itemPlace(_ code: ItemCode) throws -> ItemPlace?
    mutating func changeHousehold(at place: HouseholdPlace, _ change: (inout HouseholdAccount) -> Void)
    mutating func changeItem(at place: ItemPlace, _ change: (inout ItemStock) -> Void)
    /// The review of a score that was not final ends: it was taken back.
    mutating func endReview(_ seq: Int64)
    mutating func endRequest(_ seq: Int64)
    mutating func startReview(_ review: ScoreReview)
}

/// The entry rule: what an entry of points or stock changes, from its stored columns alone — the one rule of the live
/// append path (through `projectEntry` and `project`) and of the fold of `rebuild` and `verify`, which calls it straight
/// from the columns without decoding the payload.
///
/// Points and stock move by `HouseholdAccount.add` and `ItemStock.add`. Then the reviews: the entry ends the review of
/// the score it takes back (if that was not final) and any open request to reverse that score; a score proposed, or
/// recorded while roles are in force, starts a review — posted at once if the notice of its period is open.
public func foldEntry<State: EntryFolding>(_ facts: EventFacts, seq: Int64, filing: ScoreFiling?, route: EntryRoute = .shop,
                                           occurredOn: LocalDate, actor: ActorName, into state: inout State) throws {
    var ended: ScoreReview?
    var requestEnded: Int64?
    if let target = facts.reverses {
        ended = try state.review(target)
        requestEnded = try state.request(target: target)?.seq
    }
    var started: ScoreReview?
    if let filing, let household = facts.household, let rule = facts.rule {
        var reviewState: ReviewState?
        switch filing {
        case .proposed: reviewState = .proposed
        case .recorded:
            if try state.hasActors() { reviewState = try state.noticeOpen(covering: occurredOn) == true ? .posted : .pending }
        }
        if let reviewState {
            started = ScoreReview(seq: seq, household: household, rule: rule, occurredOn: occurredOn,
                                  points: facts.earned - facts.deducted, state: reviewState, recordedBy: actor, objection: nil)
        }
    }
    var household: State.HouseholdPlace?
    if let code = facts.household {
        guard let place = try state.householdPlace(code) else { throw ProjectionError(seq: seq, problem: "household \(code) is not in the ledger") }
        household = place
    }
    var item: State.ItemPlace?
    if let code = facts.item {
        guard let place = try state.itemPlace(code) else { throw ProjectionError(seq: seq, problem: "item \(code) is not in the ledger") }
        item = place
    }
    if let household {
        state.changeHousehold(at: household) { account in
            account.add(facts, route: route)
            if let ended { account.hold(ended, -1) }
            if let started { account.hold(started, +1) }
        }
    }
    if let item { state.changeItem(at: item) { $0.add(facts) } }
    if let ended { state.endReview(ended.seq) }
    if let requestEnded { state.endRequest(requestEnded) }
    if let started { state.startReview(started) }
}

/// The entry rule (`foldEntry`) on a `LedgerState`, its changes gathered rather than made: what the live append path
/// applies to its store.
public func projectEntry(_ facts: EventFacts, seq: Int64, filing: ScoreFiling?, route: EntryRoute = .shop, occurredOn: LocalDate,
                         actor: ActorName, state: some LedgerState) throws -> EntryChanges {
    var gathering = GatheredEntry(state: state)
    try foldEntry(facts, seq: seq, filing: filing, route: route, occurredOn: occurredOn, actor: actor, into: &gathering)
    return gathering.changes
}

/// A `LedgerState` read by the entry rule, and the changes it makes gathered in `EntryChanges`.
private struct GatheredEntry<State: LedgerState>: EntryFolding {
    let state: State
    var changes = EntryChanges()

    func review(_ seq: Int64) throws -> ScoreReview? { try state.review(seq) }
    func request(target: Int64) throws -> ReversalRequest? { try state.request(target: target) }
    func hasActors() throws -> Bool { try state.hasActors() }
    func noticeOpen(covering date: LocalDate) throws -> Bool? { try state.notice(covering: date)?.isOpen }
    func householdPlace(_ code: HouseholdCode) throws -> HouseholdAccount? { try state.household(code) }
    func itemPlace(_ code: ItemCode) throws -> ItemStock? { try state.item(code) }
    mutating func changeHousehold(at place: HouseholdAccount, _ change: (inout HouseholdAccount) -> Void) {
        var account = place
        change(&account)
        changes.household = account
    }
    mutating func changeItem(at place: ItemStock, _ change: (inout ItemStock) -> Void) {
        var item = place
        change(&item)
        changes.item = item
    }
    mutating func endReview(_ seq: Int64) { changes.reviewEnded = seq }
    mutating func endRequest(_ seq: Int64) { changes.requestEnded = seq }
    mutating func startReview(_ review: ScoreReview) { changes.review = review }
}

/// The projections as a fold: what one recorded event changes, given the state before it.
///
/// Points and stock move by the event's stored facts (`projectEntry`); the register, units, items, the scheme,
/// reviews and notices by its payload. The live append path folds every event through it; `rebuild` and `verify`
/// fold the events that are not entries through it and the entries through `projectEntry` itself, straight from the
/// columns. The SQLite store applies these changes; `MemoryLedger.apply` applies them for every event but an entry, whose
/// changes it makes in place through the same entry rule.
public func project(_ recorded: RecordedEvent, state: some LedgerState) throws -> [ProjectionChange] {
    let seq = recorded.seq
    func need<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw ProjectionError(seq: seq, problem: "\(what) is not in the ledger") }
        return value
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
        return [.ledger(info), .scheme(SchemeVersion(version: e.version, effective: e.effective, scheme: e.scheme))]
    case .yearSettled(let e):
        return [.settlement(SettlementRecord(year: e.year, settledOn: recorded.occurredOn, schemeVersion: e.schemeVersion,
                                             expired: e.expired))]
            + e.ratings.map { .rating(YearRating(year: e.year, rating: $0)) }
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
    case .householdReopened(let e):
        var account = try need(try state.household(e.household), "household \(e.household)")
        account.status = .open
        account.closedOn = nil
        return [.household(account)]
    case .itemListed(let e):
        return [.item(ItemStock(code: e.item, name: e.name, unit: e.unit, price: e.price, stock: 0))]
    case .sheetImported(let e):
        return [.sheet(sha256: e.sheet, seq: seq)]
    case .actorRegistered(let e):
        return [.actor(ActorRecord(name: e.actor, roles: e.roles, unit: e.unit, status: .active, registeredOn: recorded.occurredOn,
                                   retiredOn: nil))]
    case .actorRetired(let e):
        var actor = try need(try state.actor(e.actor), "actor \(e.actor)")
        actor.status = .retired
        actor.retiredOn = recorded.occurredOn
        return [.actor(actor)]
    case .passwordSet(let e):
        var actor = try need(try state.actor(e.actor), "actor \(e.actor)")
        actor.passwordSince = recorded.occurredOn
        return [.actor(actor)]
    case .scoreApproved(let e):
        var review = try need(try state.review(e.target), "the review of #\(e.target)")
        var account = try need(try state.household(review.household), "household \(review.household)")
        account.hold(review, -1)
        review.state = .pending
        account.hold(review, +1)
        return [.review(review), .household(account)]
    case .reversalRequested(let e):
        return [.request(ReversalRequest(seq: seq, target: e.target, requestedBy: recorded.actor, reason: e.reason,
                                         requestedOn: recorded.occurredOn))]
    case .reversalDeclined(let e):
        return [.requestEnded(e.request)]
    case .noticeOpened(let e):
        // Every score of the period still pending goes on the notice: one change for all of them (a county's month is
        // hundreds of thousands), which each store makes in place.
        return [.notice(NoticeRecord(period: e.period, from: e.from, to: e.to, openedOn: recorded.occurredOn, closesOn: e.closesOn,
                                     closedOn: nil)),
                .noticePosted(e.from...e.to)]
    case .noticeClosed(let e):
        var notice = try need(try state.notices().first { $0.period == e.period }, "the notice of \(e.period)")
        notice.closedOn = recorded.occurredOn
        return [.notice(notice), .noticeClosed(period: e.period, dates: notice.dates, seq: seq)]
    case .passbookPrinted, .checkpointRecorded:
        // What was printed, and the checkpoints, are read back from these events themselves; no table keeps them.
        return []
    case .objectionRaised(let e):
        var review = try need(try state.review(e.target), "the review of #\(e.target)")
        review.state = .objected
        review.objection = seq
        review.objectedBy = recorded.actor
        return [.review(review)]
    case .objectionDismissed(let e):
        var review = try need(try state.review(e.target), "the review of #\(e.target)")
        review.state = .posted
        review.objection = nil
        review.objectedBy = nil
        return [.review(review)]
    case .scoreRecorded, .scoreProposed, .stockReceived, .redeemed, .entryReversed, .scoreRejected, .objectionUpheld, .scoreAmended,
         .pointsExpired, .pointsSent, .pointsReceived:
        // An entry: by its stored facts, the same rule the fold of `rebuild` and `verify` calls from the columns.
        var changes: [ProjectionChange] = []
        try projectEntry(recorded.facts, seq: seq, filing: recorded.event.type.scoreFiling, route: recorded.event.type.route,
                         occurredOn: recorded.occurredOn, actor: recorded.actor, state: state).forEach { changes.append($0) }
        if let entry = Entry(recorded) { changes.append(.entry(entry)) }
        if let target = recorded.facts.reverses { changes.append(.reversed(target, by: seq)) }
        if let e = recorded.event.score { changes.append(.score(seq, e)) }
        return changes
    }
}
