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
    case .entryReversed, .scoreRejected, .objectionUpheld, .scoreAmended:
        let targetSeq = event.undoes!
        guard let target = try state.entry(.seq(targetSeq)) else {
            throw ProjectionError(seq: targetSeq, problem: "the entry to take back is not in the ledger")
        }
        return EventFacts(household: target.household, item: target.item, rule: target.rule, earned: -target.earned,
                          deducted: -target.deducted, redeemed: -target.redeemed, stock: -target.quantity, reverses: target.seq)
    case .scoreProposed(let e):
        return EventFacts(household: e.household, rule: e.rule.code, earned: max(e.points, 0), deducted: max(-e.points, 0))
    case .pointsExpired(let e): return EventFacts(household: e.household, redeemed: e.points)
    case .pointsSent(let e): return EventFacts(household: e.household, redeemed: e.points)
    case .pointsReceived(let e): return EventFacts(household: e.household, redeemed: -e.points)
    case .yearSettled, .checkpointRecorded: return .none
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

/// What an entry does to the reviews of scores not yet final: the review it ends (it takes back a score that
/// was not final), the request it makes moot (any open request to reverse the entry it takes back), and the
/// review it starts (a score written while roles are in force). The live append path and the fold of
/// `rebuild` and `verify` both ask this, so they cannot disagree.
public func reviewChanges(seq: Int64, filing: ScoreFiling?, occurredOn: LocalDate, actor: ActorName, facts: EventFacts,
                          state: some LedgerState) throws -> (ended: ScoreReview?, request: ReversalRequest?, started: ScoreReview?) {
    let target = facts.reverses
    let governed = filing == .recorded ? try state.hasActors() : false
    return reviewChanges(seq: seq, filing: filing, occurredOn: occurredOn, actor: actor, facts: facts,
                         ended: try target.flatMap { try state.review($0) }, request: try target.flatMap { try state.request(target: $0) },
                         governed: governed, posted: governed ? try state.notice(covering: occurredOn)?.isOpen == true : false)
}

/// The rule itself, given what the ledger says: the review of the entry taken back (if any), the open request to
/// reverse it, whether roles are in force, and whether the notice of the entry's period is open.
public func reviewChanges(seq: Int64, filing: ScoreFiling?, occurredOn: LocalDate, actor: ActorName, facts: EventFacts,
                          ended: ScoreReview?, request: ReversalRequest?, governed: Bool, posted: Bool)
    -> (ended: ScoreReview?, request: ReversalRequest?, started: ScoreReview?) {
    var started: ScoreReview?
    if let filing, let household = facts.household, let rule = facts.rule {
        var reviewState: ReviewState?
        switch filing {
        case .proposed: reviewState = .proposed
        case .recorded: if governed { reviewState = posted ? .posted : .pending }
        }
        if let reviewState {
            started = ScoreReview(seq: seq, household: household, rule: rule, occurredOn: occurredOn,
                                  points: facts.earned - facts.deducted, state: reviewState, recordedBy: actor, objection: nil)
        }
    }
    return (ended, request, started)
}

/// What an entry of points or stock changes, from its stored columns alone: `project` uses it for every entry,
/// and `rebuild` calls it straight from the columns without decoding the payload.
public func projectEntry(_ facts: EventFacts, seq: Int64, filing: ScoreFiling?, route: EntryRoute = .shop, occurredOn: LocalDate,
                         actor: ActorName, state: some LedgerState) throws -> [ProjectionChange] {
    var changes: [ProjectionChange] = []
    let reviews = try reviewChanges(seq: seq, filing: filing, occurredOn: occurredOn, actor: actor, facts: facts, state: state)
    if let code = facts.household {
        guard var account = try state.household(code) else { throw ProjectionError(seq: seq, problem: "household \(code) is not in the ledger") }
        account.add(facts, route: route)
        if let ended = reviews.ended { account.hold(ended, -1) }
        if let started = reviews.started { account.hold(started, +1) }
        changes.append(.household(account))
    }
    if let code = facts.item {
        guard var item = try state.item(code) else { throw ProjectionError(seq: seq, problem: "item \(code) is not in the ledger") }
        item.add(facts)
        changes.append(.item(item))
    }
    if let ended = reviews.ended { changes.append(.reviewEnded(ended.seq)) }
    if let request = reviews.request { changes.append(.requestEnded(request.seq)) }
    if let started = reviews.started { changes.append(.review(started)) }
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
        var changes = try projectEntry(recorded.facts, seq: seq, filing: recorded.event.type.scoreFiling,
                                       route: recorded.event.type.route, occurredOn: recorded.occurredOn,
                                       actor: recorded.actor, state: state)
        changes.append(.entry(Entry(recorded)!))
        if let target = recorded.facts.reverses { changes.append(.reversed(target, by: seq)) }
        if let e = recorded.event.score { changes.append(.score(seq, e)) }
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
        var changes: [ProjectionChange] = [.notice(NoticeRecord(period: e.period, from: e.from, to: e.to, openedOn: recorded.occurredOn,
                                                                closesOn: e.closesOn, closedOn: nil))]
        for var review in try state.reviews(in: e.from...e.to) where review.state == .pending {
            review.state = .posted
            changes.append(.review(review))
        }
        return changes
    case .noticeClosed(let e):
        var notice = try need(try state.notices().first { $0.period == e.period }, "the notice of \(e.period)")
        notice.closedOn = recorded.occurredOn
        var changes: [ProjectionChange] = [.notice(notice)]
        var accounts: [HouseholdCode: HouseholdAccount] = [:]
        for review in try state.reviews(in: notice.dates) where review.state == .posted {
            if accounts[review.household] == nil {
                accounts[review.household] = try need(try state.household(review.household), "household \(review.household)")
            }
            accounts[review.household]!.hold(review, -1)
            changes.append(.reviewEnded(review.seq))
        }
        changes += accounts.keys.sorted { $0.rawValue < $1.rawValue }.map { .household(accounts[$0]!) }
        return changes
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
        preconditionFailure("entries are folded by their facts above")
    }
}
