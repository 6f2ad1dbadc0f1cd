import Tagged

/// The domain rules: what a command becomes, given the ledger as it stands.
///
/// Pure: no clock, no ids, no I/O of its own. It reads the ledger only through `state`, and either
/// returns the events to append or throws a `Rejection` that says what rule was broken.
func decideEvents(_ command: Command, context: CommandContext, state: some LedgerState) throws -> [LedgerEvent] {
    guard !context.actor.rawValue.trimmingSpaces.isEmpty else { throw Rejection.actorRequired }
    guard context.occurredOn <= context.today else {
        throw Rejection.dateInFuture(date: context.occurredOn, today: context.today)
    }
    guard context.occurredOn.year >= 2000 else { throw Rejection.dateTooEarly(context.occurredOn) }
    if case .openLedger(let ledgerId, let village, let scheme, let demo, let admin) = command {
        if let info = try state.ledger() { throw Rejection.ledgerAlreadyOpened(village: info.village) }
        let village = try text(village, .villageName)
        _ = try name(context.actor)
        var events: [LedgerEvent] = [.ledgerOpened(LedgerOpened(ledgerId: ledgerId, village: village, demo: demo)),
                                     .schemeAdopted(SchemeAdopted(version: 1, effective: context.occurredOn, scheme: scheme))]
        if let admin {
            events.append(.actorRegistered(ActorRegistered(actor: try name(admin), roles: [.admin], unit: nil)))
        }
        return events
    }
    guard let info = try state.ledger() else { throw Rejection.ledgerNotOpened }
    let rules = Rules(state: state, scheme: info.scheme)
    // Who asks, and whether their role allows it (nil while no one is registered: the ledger predates roles).
    let asker = try authorize(command, context: context, state: state)
    // Before roles, any name may write, and it goes into the log as typed: it is held to a registered name's rules.
    if asker == nil { _ = try name(context.actor) }
    // Once any password is set, a write needs the acting person's own, checked by the caller.
    if let asker, try state.passwordsInForce() {
        guard asker.passwordSince != nil else { throw Rejection.passwordNotSet(asker.name) }
        guard context.passwordChecked else { throw Rejection.passwordRequired(asker.name) }
    }

    switch command {
    case .openLedger:
        preconditionFailure("handled above")

    case .registerActor(let actor, let roles, let unit):
        let actor = try name(actor)
        if let existing = try state.actor(actor) { throw Rejection.actorExists(actor, roles: existing.roles) }
        let roles = Array(Set(roles)).sorted()
        guard !roles.isEmpty else { throw Rejection.rolesRequired }
        if asker == nil && !roles.contains(.admin) { throw Rejection.firstActorMustBeAdmin }
        if roles.contains(.auditor) && roles.count > 1 { throw Rejection.auditorOnlyReads }
        switch (roles.contains(.leader), unit) {
        case (true, nil): throw Rejection.leaderNeedsUnit(actor)
        case (true, let unit?): _ = try rules.unit(unit)
        case (false, let unit?): throw Rejection.unitOnlyForLeaders(actor, unit)
        case (false, nil): break
        }
        return [.actorRegistered(ActorRegistered(actor: actor, roles: roles, unit: unit))]

    case .retireActor(let actor, let reason):
        guard let record = try state.actor(actor) else {
            throw Rejection.actorUnknown(actor, suggestion: Nearest.code(to: actor.rawValue, among: try state.actors().map(\.name.rawValue)))
        }
        guard record.status == .active else { throw Rejection.actorRetired(actor, on: record.retiredOn ?? record.registeredOn) }
        if record.has(.admin), try state.actors().filter({ $0.status == .active && $0.has(.admin) }).count == 1 {
            throw Rejection.lastAdmin(actor)
        }
        return [.actorRetired(ActorRetired(actor: actor, reason: try text(reason, .reason)))]

    case .addUnit(let unit, let name, let leader):
        try code(unit.rawValue, .unit)
        guard try state.unit(unit) == nil else { throw Rejection.unitExists(unit) }
        if let leader { _ = try rules.openHousehold(leader) }
        return [.unitAdded(UnitAdded(unit: unit, name: try text(name, .unitName), leader: leader))]

    case .changeUnitLeader(let unit, let leader):
        _ = try rules.unit(unit)
        let account = try rules.openHousehold(leader)
        guard account.unit == unit else { throw Rejection.leaderNotInUnit(leader, unit: unit) }
        return [.unitLeaderChanged(UnitLeaderChanged(unit: unit, leader: leader))]

    case .registerHousehold(let household, let head, let unit, let members):
        try code(household.rawValue, .household)
        guard try state.household(household) == nil else { throw Rejection.householdExists(household) }
        _ = try rules.unit(unit)
        guard (1...Rejection.membersMax).contains(members) else { throw Rejection.membersOutOfRange(members) }
        return [.householdRegistered(HouseholdRegistered(household: household, head: try text(head, .headName),
                                                         unit: unit, members: members))]

    case .moveHousehold(let household, let unit):
        let account = try rules.openHousehold(household)
        _ = try rules.unit(unit)
        guard account.unit != unit else { throw Rejection.householdAlreadyInUnit(household, unit) }
        return [.householdMoved(HouseholdMoved(household: household, from: account.unit, to: unit))]

    case .closeHousehold(let household, let reason):
        _ = try rules.openHousehold(household)
        return [.householdClosed(HouseholdClosed(household: household, reason: try text(reason, .reason))) ]

    case .reopenHousehold(let household, let note):
        guard let account = try state.household(household) else {
            throw Rejection.householdUnknown(household, suggestion: Nearest.code(to: household.rawValue, among: try state.codes(of: .household)))
        }
        guard account.status == .closed else { throw Rejection.householdNotClosed(household) }
        return [.householdReopened(HouseholdReopened(household: household, note: try optionalText(note, .note)))]

    case .recordScore(let household, let ruleCode, let chosen, let note, let source):
        _ = try rules.openHousehold(household)
        // A score is judged by the version of the scheme in force on its business date.
        let scheme = try state.schemes().inForce(on: context.occurredOn)?.scheme ?? info.scheme
        guard let rule = scheme.rule(ruleCode) else {
            throw Rejection.ruleUnknown(ruleCode, suggestion: Nearest.code(to: ruleCode.rawValue, among: scheme.rules.map(\.code.rawValue)))
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
        let note = try optionalText(note, .note)
        if rule.points.direction == .deduction && note.isEmpty { throw Rejection.noteRequiredForDeduction(rule.code) }
        if let cap = rule.cap {
            let period = cap.period.bounds(of: context.occurredOn)
            let count = try state.scoreCount(household: household, rule: rule.code, in: period)
            guard count < cap.count else {
                throw Rejection.capReached(rule.code, cap, period: cap.period.label(of: context.occurredOn), count: count)
            }
        }
        let category = scheme.category(of: rule)?.code ?? ""
        let score = ScoreRecorded(household: household, rule: RuleSnapshot(rule: rule, category: category),
                                  points: size * rule.points.direction.sign, note: note, source: source)
        try rules.yearOpen(on: context.occurredOn)
        guard let asker else { return [.scoreRecorded(score)] }
        try rules.notPosted(on: context.occurredOn)
        if asker.has(.clerk) {
            // Four eyes: a large deduction waits for a second person.
            return [score.points <= -Governance.secondApprovalDeduction ? .scoreProposed(score) : .scoreRecorded(score)]
        }
        // A unit leader proposes, for the households of their own unit only.
        let account = try rules.openHousehold(household)
        guard let unit = asker.unit, account.unit == unit else {
            throw Rejection.leaderOutsideUnit(asker.name, unit: asker.unit, household: household, householdUnit: account.unit)
        }
        return [.scoreProposed(score)]

    case .reverse(let ref, let reason):
        guard let target = try state.entry(ref) else {
            if case .seq(let seq) = ref, seq <= (try state.lastSeq()) { throw Rejection.eventNotAnEntry(seq: seq) }
            throw Rejection.eventUnknown(ref)
        }
        guard target.kind != .reversal else { throw Rejection.reversalCannotBeReversed(seq: target.seq) }
        // Expiry and moves between households are parts of a settlement or a split: not corrected one by one.
        guard target.kind != .expiry && target.kind != .transfer else { throw Rejection.eventNotAnEntry(seq: target.seq) }
        try rules.reversible(target, on: context.occurredOn)
        let type = target.type
        let reason = try text(reason, .reason)
        if let review = try state.review(target.seq), review.state == .proposed { throw Rejection.proposalNotReversed(seq: target.seq) }
        try rules.stillOpen(target, on: context.occurredOn)
        guard let asker else {
            return [.entryReversed(EntryReversed(target: target.seq, targetId: target.id, targetType: type.rawValue, reason: reason))]
        }
        // The clerk corrects scores, the shopkeeper the shop's entries; a second person approves either.
        let mine = target.kind == .score ? asker.has(.clerk) : asker.has(.shopkeeper)
        guard mine else {
            throw Rejection.roleNotAllowed(asker.name, roles: asker.roles, action: target.kind == .score ? .correctScores : .correctShopEntries,
                                           allowed: target.kind == .score ? [.clerk] : [.shopkeeper])
        }
        try rules.notOnNotice(target)
        if let open = try state.request(target: target.seq) { throw Rejection.reversalAlreadyRequested(seq: target.seq, request: open.seq) }
        // A correction is dated after the posted periods it would change.
        try rules.notPosted(on: context.occurredOn)
        return [.reversalRequested(ReversalRequested(target: target.seq, targetId: target.id, targetType: type.rawValue, reason: reason))]

    case .listItem(let item, let name, let unit, let price):
        try code(item.rawValue, .item)
        guard try state.item(item) == nil else { throw Rejection.itemExists(item) }
        guard (1...Rejection.priceMax).contains(price) else { throw Rejection.priceOutOfRange(price) }
        return [.itemListed(ItemListed(item: item, name: try text(name, .itemName), unit: try optionalText(unit, .itemUnit),
                                       price: price))]

    case .receiveStock(let item, let quantity, let source):
        _ = try rules.item(item)
        guard (1...Rejection.quantityMax).contains(quantity) else { throw Rejection.quantityOutOfRange(quantity) }
        return [.stockReceived(StockReceived(item: item, quantity: quantity, source: try optionalText(source, .source)))]

    case .redeem(let household, let itemCode, let quantity):
        let account = try rules.openHousehold(household)
        if let until = try state.blacklisted(household, on: context.occurredOn) { throw Rejection.blacklisted(household, until: until) }
        try rules.yearOpen(on: context.occurredOn)
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
        return [.sheetImported(SheetImported(sheet: sha256, fileName: try optionalText(fileName, .fileName), rows: rows))]

    case .approve(let ref), .reject(let ref, _):
        guard let asker else { throw Rejection.rolesNotSetUp }
        let seq = try resolveSeq(ref, state: state)
        var reason = ""
        if case .reject(_, let given) = command { reason = try text(given, .reason) }
        let isApproval: Bool
        if case .approve = command { isApproval = true } else { isApproval = false }
        if let review = try state.review(seq) {
            guard review.state == .proposed else { throw Rejection.notAwaitingReview(seq: seq, state: review.state) }
            guard review.recordedBy != asker.name else { throw Rejection.ownRequest(seq: seq, actor: asker.name) }
            _ = try rules.openHousehold(review.household)
            guard context.occurredOn >= review.occurredOn else {
                throw Rejection.actionBeforeEntry(seq: seq, entryDate: review.occurredOn, date: context.occurredOn)
            }
            let id = try state.entry(.seq(seq))?.id ?? ""
            if isApproval { return [.scoreApproved(ScoreApproved(target: seq, targetId: id))] }
            return [.scoreRejected(ScoreWithdrawn(target: seq, targetId: id, reason: reason))]
        }
        if let request = try state.request(seq) {
            guard request.requestedBy != asker.name else { throw Rejection.ownRequest(seq: seq, actor: asker.name) }
            guard isApproval else {
                return [.reversalDeclined(ReversalDeclined(request: seq, target: request.target, reason: reason))]
            }
            guard let target = try state.entry(.seq(request.target)) else { throw Rejection.eventUnknown(.seq(request.target)) }
            // The checks of `reverse`, in its order: the entry may still have changed since the request.
            try rules.reversible(target, on: context.occurredOn)
            try rules.stillOpen(target, on: context.occurredOn)
            try rules.notOnNotice(target)
            try rules.notPosted(on: context.occurredOn)
            return [.entryReversed(EntryReversed(target: target.seq, targetId: target.id, targetType: target.type.rawValue,
                                                 reason: request.reason, request: seq))]
        }
        throw Rejection.nothingToApprove(seq: seq)

    case .openNotice(let period):
        let notices = try state.notices()
        if let same = notices.first(where: { $0.period == period.label }) {
            throw Rejection.noticeExists(period: period.label, closed: !same.isOpen)
        }
        if let other = notices.first(where: { $0.dates.overlaps(period.dates) }) {
            throw Rejection.noticeOverlaps(period: period.label, other: other.period)
        }
        guard context.occurredOn >= period.dates.upperBound else {
            throw Rejection.periodNotOver(period: period.label, lastDay: period.dates.upperBound)
        }
        // Counted by state, not read one by one: a county's month is tens of thousands of reviews.
        let reviews = try state.reviewTally(in: period.dates)
        let proposed = reviews[.proposed]
        if let first = proposed.first { throw Rejection.proposalsWaiting(period: period.label, count: proposed.count, first: first) }
        let posted = reviews[.pending]
        let noticeDays = (try state.schemes().inForce(on: context.occurredOn)?.scheme ?? info.scheme).settings.noticeDays
        let closesOn = LocalDate(daysSinceEpoch: context.occurredOn.daysSinceEpoch + noticeDays)
        return [.noticeOpened(NoticeOpened(period: period.label, from: period.dates.lowerBound, to: period.dates.upperBound,
                                           closesOn: closesOn, scores: posted.count, awarded: posted.awarded, deducted: posted.deducted))]

    case .closeNotice(let period):
        guard let notice = try state.notices().first(where: { $0.period == period.label }) else {
            throw Rejection.noticeNotOpen(period: period.label)
        }
        guard notice.isOpen else { throw Rejection.noticeExists(period: period.label, closed: true) }
        guard context.occurredOn >= notice.closesOn else {
            throw Rejection.noticeTooEarly(period: period.label, closesOn: notice.closesOn,
                                           days: notice.closesOn.daysSinceEpoch - notice.openedOn.daysSinceEpoch)
        }
        let reviews = try state.reviewTally(in: notice.dates)
        let objected = reviews[.objected]
        if let first = objected.first { throw Rejection.objectionsOpen(period: period.label, count: objected.count, first: first) }
        let final = reviews[.posted]
        return [.noticeClosed(NoticeClosed(period: period.label, scores: final.count, awarded: final.awarded, deducted: final.deducted))]

    case .object(let ref, let reason):
        let seq = try resolveSeq(ref, state: state)
        let reason = try text(reason, .reason)
        guard let review = try state.review(seq) else {
            guard let entry = try state.entry(.seq(seq)), entry.kind == .score else { throw Rejection.notAScore(seq: seq) }
            throw Rejection.scoreNotOnNotice(seq: seq, state: entry.reversedBy == nil ? .final : .takenBack)
        }
        switch review.state {
        case .posted: break
        case .objected: throw Rejection.alreadyObjected(seq: seq, objection: review.objection ?? 0)
        case .proposed, .pending: throw Rejection.scoreNotOnNotice(seq: seq, state: .review(review.state))
        }
        _ = try rules.openHousehold(review.household)
        if let notice = try state.notice(covering: review.occurredOn), context.occurredOn < notice.openedOn {
            throw Rejection.scoreNotOnNotice(seq: seq, state: .notYetPosted(on: context.occurredOn, posted: notice.openedOn))
        }
        return [.objectionRaised(ObjectionRaised(target: seq, targetId: try state.entry(.seq(seq))?.id ?? "", reason: reason))]

    case .resolveObjection(let ref, let resolution, let reason):
        let seq = try resolveSeq(ref, state: state)
        guard let entry = try state.entry(.seq(seq)), entry.kind == .score else { throw Rejection.notAScore(seq: seq) }
        guard let review = try state.review(seq), review.state == .objected, let objection = review.objection else {
            throw Rejection.noObjection(seq: seq)
        }
        if let objector = review.objectedBy, objector == asker?.name { throw Rejection.ownObjection(seq: seq, actor: objector) }
        _ = try rules.openHousehold(review.household)
        guard context.occurredOn >= review.occurredOn else {
            throw Rejection.actionBeforeEntry(seq: seq, entryDate: review.occurredOn, date: context.occurredOn)
        }
        let id = try state.entry(.seq(seq))?.id ?? ""
        let reason = try optionalText(reason, .reason)
        switch resolution {
        case .dismiss:
            return [.objectionDismissed(ObjectionDismissed(target: seq, objection: objection, reason: reason))]
        case .uphold:
            return [.objectionUpheld(ScoreWithdrawn(target: seq, targetId: id, reason: reason, objection: objection))]
        case .amend(let given):
            guard let original = try state.score(seq) else { throw Rejection.notAScore(seq: seq) }
            let rule = original.rule
            guard !rule.points.isFixed else { throw Rejection.fixedRuleNotAmended(rule.code, rule.points) }
            let magnitude = abs(given)
            guard (rule.points.min...rule.points.max).contains(magnitude) else {
                throw Rejection.pointsOutsideRange(rule.code, given: given, rule.points)
            }
            let points = magnitude * rule.points.direction.sign
            guard points != original.points else { throw Rejection.amendmentChangesNothing(seq: seq, points: points) }
            let amended = ScoreRecorded(household: original.household, rule: original.rule, points: points, note: original.note,
                                        source: original.source)
            return [.scoreAmended(ScoreAmended(target: seq, targetId: id, objection: objection, points: points, reason: reason,
                                               scoreDate: review.occurredOn)),
                    .scoreRecorded(amended)]
        }

    case .publishScheme(let scheme, let effective):
        let versions = try state.schemes()
        if let last = versions.last, effective <= last.effective {
            throw Rejection.schemeNotAfterLast(effective: effective, version: last.version, lastEffective: last.effective)
        }
        // Scores already posted were judged by the version in force; a new one never reaches back over them,
        // nor over scores already recorded.
        if let posted = try state.notices().last(where: { $0.to >= effective }) {
            throw Rejection.schemeInNoticedPeriod(effective: effective, period: posted.period)
        }
        if let latest = try state.latestScoreDate(), latest >= effective {
            throw Rejection.schemeBehindScores(effective: effective, latest: latest)
        }
        return [.schemeAdopted(SchemeAdopted(version: (versions.last?.version ?? 0) + 1, effective: effective, scheme: scheme))]

    case .settleYear(let year):
        guard (2000...2999).contains(year), let january = LocalDate(year: year, month: 1, day: 1) else { throw Rejection.yearOutOfRange(year) }
        let dates = CapPeriod.year.bounds(of: january)
        guard context.occurredOn > dates.upperBound else { throw Rejection.settleTooEarly(year: year, firstDay: dates.upperBound.next) }
        if let done = try state.settlement(year: year) { throw Rejection.alreadySettled(year: year, on: done.settledOn) }
        if let open = try state.notices().first(where: { $0.isOpen }) { throw Rejection.settleWithOpenNotice(year: year, period: open.period) }
        let waiting = try state.reviews(in: dates)
        if !waiting.isEmpty { throw Rejection.yearNotFinal(year: year, count: waiting.count, first: waiting[0].seq) }
        let version = try state.schemes().inForce(on: dates.upperBound)
        let settings = (version?.scheme ?? info.scheme).settings
        var clearing: LocalDate?
        if case .clear(let month, let day) = settings.yearEnd {
            let clearingDay = LocalDate(year: year + 1, month: month, day: min(day, LocalDate.daysIn(month: month, year: year + 1)))!
            guard context.occurredOn >= clearingDay else { throw Rejection.settleBeforeClearing(year: year, clearingDay: clearingDay) }
            clearing = clearingDay
        }
        let figures = try state.yearFigures(in: dates)
        let yearEnd = try state.balances(asOf: dates.upperBound)
        var ratings: [HouseholdRating] = [], expiries: [LedgerEvent] = []
        for account in try state.allHouseholds() where account.registeredOn <= dates.upperBound
            && (account.closedOn.map { $0 >= dates.lowerBound } ?? true) {
            let year = figures[account.code]
            let points = year?.points ?? 0
            let stars = settings.stars.filter { points >= $0 }.count
            let black = (year?.largestDeduction ?? 0) >= settings.blacklistDeduction
            ratings.append(HouseholdRating(household: account.code, points: points, stars: stars,
                                           red: !settings.stars.isEmpty && stars == settings.stars.count,
                                           blackUntil: black ? context.occurredOn.adding(months: settings.blacklistMonths) : nil))
            // What expires is what was left of the year's balance: points dated after 31 December are next
            // year's, and what was spent since came out of the old balance first. Only a positive balance expires:
            // a household that owes points still owes them.
            if clearing != nil, account.status == .open, let end = yearEnd[account.code] {
                let spentSince = (account.redeemed + account.expired + account.moved) - (end.redeemed + end.expired + end.moved)
                let points = max(0, min(end.available - spentSince, account.available))
                if points > 0 {
                    let earned = year?.earned ?? 0, deducted = year?.deducted ?? 0, spent = year?.redeemed ?? 0
                    expiries.append(.pointsExpired(PointsExpired(household: account.code, year: dates.lowerBound.year,
                                                                 carried: end.available - (earned - deducted - spent),
                                                                 earned: earned, deducted: deducted, spent: spent, points: points)))
                }
            }
        }
        let expired = expiries.reduce(0) { total, event in
            if case .pointsExpired(let e) = event { return total + e.points }
            return total
        }
        return [.yearSettled(YearSettled(year: year, schemeVersion: version?.version ?? info.schemeVersion,
                                         ratings: ratings.sorted { $0.household.rawValue < $1.household.rawValue },
                                         expired: expired))] + expiries

    case .splitHousehold(let household, let new, let head, let unit, let members, let points):
        let account = try rules.openHousehold(household)
        if points > 0, let until = try state.blacklisted(household, on: context.occurredOn) {
            throw Rejection.blacklisted(household, until: until)
        }
        try code(new.rawValue, .household)
        guard try state.household(new) == nil else { throw Rejection.householdExists(new) }
        let unit = unit ?? account.unit
        _ = try rules.unit(unit)
        guard (1...Rejection.membersMax).contains(members) else { throw Rejection.membersOutOfRange(members) }
        guard points >= 0, points <= max(account.available, 0) else {
            throw Rejection.splitMoreThanAvailable(household, available: account.available, points: points)
        }
        var events: [LedgerEvent] = [.householdRegistered(HouseholdRegistered(household: new, head: try text(head, .headName),
                                                                              unit: unit, members: members))]
        if points > 0 {
            let reason = "分户：\(household) → \(new)"
            events += [.pointsSent(PointsSent(household: household, to: new, points: points, reason: reason)),
                       .pointsReceived(PointsReceived(household: new, from: household, points: points, reason: reason))]
        }
        return events

    case .mergeHousehold(let household, let into):
        guard household != into else { throw Rejection.mergeIntoItself(household) }
        let account = try rules.openHousehold(household)
        _ = try rules.openHousehold(into)
        let open = try state.reviews(of: household)
        guard open.isEmpty else { throw Rejection.openScoresOnMerge(household, count: open.count) }
        if account.available > 0, let until = try state.blacklisted(household, on: context.occurredOn) {
            throw Rejection.blacklisted(household, until: until)
        }
        let reason = "合户：\(household) 并入 \(into)"
        // The whole redeemable balance moves, a debt too: merging never wipes out points owed.
        var events: [LedgerEvent] = []
        if account.available != 0 {
            events += [.pointsSent(PointsSent(household: household, to: into, points: account.available, reason: reason)),
                       .pointsReceived(PointsReceived(household: into, from: household, points: account.available, reason: reason))]
        }
        return events + [.householdClosed(HouseholdClosed(household: household, reason: reason))]

    case .printPassbook(let update):
        guard try state.household(update.household) != nil else {
            throw Rejection.householdUnknown(update.household, suggestion: Nearest.code(to: update.household.rawValue, among: try state.codes(of: .household)))
        }
        guard !update.entries.isEmpty else { throw Rejection.passbookUpToDate(update.household) }
        return [.passbookPrinted(update)]

    case .setPassword(let actor, _):
        guard let record = try state.actor(actor) else {
            throw Rejection.actorUnknown(actor, suggestion: Nearest.code(to: actor.rawValue, among: try state.actors().map(\.name.rawValue)))
        }
        guard record.status == .active else { throw Rejection.actorRetired(actor, on: record.retiredOn ?? record.registeredOn) }
        if let asker, asker.name != actor, !asker.has(.admin) {
            throw Rejection.roleNotAllowed(asker.name, roles: asker.roles, action: .command(.setPassword), allowed: [.admin])
        }
        // The first password is an administrator's own: any other would leave every administrator without one on a
        // ledger that asks for them, and no one could set theirs.
        if let asker, try !state.passwordsInForce(), !(asker.name == actor && asker.has(.admin)) {
            throw Rejection.firstPasswordNotAdmins(asker.name)
        }
        return [.passwordSet(PasswordSet(actor: actor))]

    case .recordCheckpoint(let checkpoint):
        return [.checkpointRecorded(checkpoint)]
    }
}

/// The business date of each event of a decision: the command's date, except that the new score of an amendment
/// keeps the date of the score it replaces, so that it stays in the same period and on the same notice.
public func businessDates(of events: [LedgerEvent], context: CommandContext) -> [LocalDate] {
    events.indices.map { index in
        if index > 0, case .scoreRecorded = events[index], case .scoreAmended(let amendment) = events[index - 1] {
            return amendment.scoreDate
        }
        return context.occurredOn
    }
}

/// Checks that the one who asks may: registered, active, and holding a role the command allows. Returns their
/// record, or nil while no one is registered (a ledger from before roles, where every name may write).
private func authorize(_ command: Command, context: CommandContext, state: some LedgerState) throws -> ActorRecord? {
    guard try state.hasActors() else {
        if command.needsRoles { throw Rejection.rolesNotSetUp }
        return nil
    }
    guard let actor = try state.actor(context.actor) else {
        throw Rejection.actorUnknown(context.actor, suggestion: Nearest.code(to: context.actor.rawValue, among: try state.actors().map(\.name.rawValue)))
    }
    guard actor.status == .active else { throw Rejection.actorRetired(actor.name, on: actor.retiredOn ?? actor.registeredOn) }
    guard !actor.roles.filter(command.allowedRoles.contains).isEmpty else {
        throw Rejection.roleNotAllowed(actor.name, roles: actor.roles, action: .command(command.kind), allowed: command.allowedRoles.sorted())
    }
    return actor
}

/// The sequence number an event reference names (an id is looked up among entries and other events).
private func resolveSeq(_ ref: EventRef, state: some LedgerState) throws -> Int64 {
    switch ref {
    case .seq(let seq):
        guard seq >= 1, seq <= (try state.lastSeq()) else { throw Rejection.eventUnknown(ref) }
        return seq
    case .id:
        guard let entry = try state.entry(ref) else { throw Rejection.eventUnknown(ref) }
        return entry.seq
    }
}

extension Command {
    /// Whether `recorded` is what this command (with its business date) records: how a repeated
    /// idempotency key tells a retry of the same entry from a mistake.
    public func isRecorded(by recorded: RecordedEvent, on date: LocalDate) -> Bool {
        guard recorded.occurredOn == date else { return false }
        switch self {
        case .recordScore(let household, let rule, let points, let note, _):
            guard let e = recorded.event.score else { return false }
            return e.household == household && e.rule.code == rule && e.note == note.trimmingSpaces
                && (points.map { abs($0) == abs(e.points) } ?? true)
        case .redeem(let household, let item, let quantity):
            guard case .redeemed(let e) = recorded.event else { return false }
            return e.household == household && e.item == item && e.quantity == quantity
        case .receiveStock(let item, let quantity, let source):
            guard case .stockReceived(let e) = recorded.event else { return false }
            return e.item == item && e.quantity == quantity && e.source == source.trimmingSpaces
        case .reverse(let ref, _):
            // A reversal, or (by a clerk or a shopkeeper where roles are in force) the request for one.
            let target: (seq: Int64, id: String)
            switch recorded.event {
            case .entryReversed(let e): target = (e.target, e.targetId)
            case .reversalRequested(let e): target = (e.target, e.targetId)
            default: return false
            }
            switch ref {
            case .seq(let seq): return target.seq == seq
            case .id(let id): return target.id == id
            }
        case .openLedger, .registerActor, .retireActor, .addUnit, .changeUnitLeader, .registerHousehold, .moveHousehold,
             .closeHousehold, .reopenHousehold, .listItem, .importSheet, .approve, .reject, .openNotice, .closeNotice, .object, .resolveObjection,
             .publishScheme, .settleYear, .splitHousehold, .mergeHousehold, .printPassbook, .recordCheckpoint, .setPassword:
            return false
        }
    }
}

extension LedgerEvent {
    /// The stored types of the events a retry of this one would repeat, or nil when it is not an entry that a retry
    /// could count twice (a score, a proposed score, a redemption).
    public var repeatableTypes: [String]? {
        type.repeats?.map(\.rawValue)
    }

    /// Whether this entry is the same as `earlier`, as a retry would write it again: a score for the same household
    /// and rule with the same points and note (recorded or proposed), or a redemption of the same quantity of the
    /// same item for the same household. The business date is compared by the caller.
    public func repeats(_ earlier: LedgerEvent) -> Bool {
        if let new = score, let old = earlier.score {
            return new.household == old.household && new.rule.code == old.rule.code && new.points == old.points && new.note == old.note
        }
        if case .redeemed(let new) = self, case .redeemed(let old) = earlier {
            return new.household == old.household && new.item == old.item && new.quantity == old.quantity
        }
        return false
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

    // The checks of a reversal, whether it is asked for (`reverse`) or a request for it approved.

    /// The entry can be taken back on `date`: not reversed yet, dated on or after the entry, not emptying the shelf
    /// on any later day.
    func reversible(_ target: Entry, on date: LocalDate) throws {
        if let by = target.reversedBy { throw Rejection.eventAlreadyReversed(seq: target.seq, by: by) }
        guard date >= target.occurredOn else {
            throw Rejection.reversalBeforeEntry(seq: target.seq, entryDate: target.occurredOn, date: date)
        }
        if target.kind == .stock, let code = target.item {
            let lowest = try state.lowestStock(item: code, from: date)
            if lowest < target.quantity { throw Rejection.reversalWouldEmptyStock(code, stock: lowest, quantity: target.quantity) }
        }
    }

    /// The entry's household is still open and the year of `date` not settled.
    func stillOpen(_ target: Entry, on date: LocalDate) throws {
        if let household = target.household { _ = try openHousehold(household) }
        try yearOpen(on: date)
    }

    /// Nothing more is dated in a settled year.
    func yearOpen(on date: LocalDate) throws {
        if let settled = try state.settlement(year: date.year) { throw Rejection.yearClosed(year: date.year, on: settled.settledOn) }
    }

    /// Once roles are in force, a reversal never takes a score off the public notice: an objection does that.
    func notOnNotice(_ target: Entry) throws {
        if let review = try state.review(target.seq), review.state == .posted || review.state == .objected {
            throw Rejection.scoreOnNotice(seq: target.seq)
        }
    }

    /// Nothing is dated in a period posted on a notice, open or closed.
    func notPosted(on date: LocalDate) throws {
        if let notice = try state.notice(covering: date) {
            throw Rejection.periodPosted(date: date, period: notice.period, closed: !notice.isOpen)
        }
    }
}

private func code(_ code: String, _ what: CodeKind) throws {
    if let problem = CodeSyntax.problem(with: code) { throw Rejection.codeInvalid(what: what, code: code, problem: problem) }
}

/// A person's name as it is registered: spaces inside are allowed (an ideographic one too), control and other invisible
/// characters (`CodeSyntax.isPrintable`) and a leading `= + - @` are not.
private func name(_ actor: ActorName) throws -> ActorName {
    let trimmed = actor.rawValue.trimmingSpaces
    guard !trimmed.isEmpty else { throw Rejection.actorRequired }
    guard trimmed.count <= CodeSyntax.lengthMax else { throw Rejection.textTooLong(what: .personName, lengthMax: CodeSyntax.lengthMax) }
    if trimmed.unicodeScalars.first.map(CodeSyntax.startsFormula) ?? false {
        throw Rejection.nameInvalid(name: trimmed, problem: .startsLikeAFormula)
    }
    if trimmed.unicodeScalars.contains(where: { !CodeSyntax.isPrintable($0) }) {
        throw Rejection.nameInvalid(name: trimmed, problem: .controlCharacter)
    }
    return ActorName(rawValue: trimmed)
}

/// Free text that must be given: trimmed, not empty, not too long, no control character (`TextSyntax`).
private func text(_ value: String, _ what: FreeText) throws -> String {
    let trimmed = try optionalText(value, what)
    guard !trimmed.isEmpty else { throw Rejection.textRequired(what: what) }
    return trimmed
}

/// Free text that may be left empty: trimmed, not too long, no control character (`TextSyntax`).
private func optionalText(_ value: String, _ what: FreeText) throws -> String {
    let trimmed = value.trimmingSpaces
    // (No more bytes than the limit is no more characters: the count of characters, which walks the text's graphemes,
    // is taken only for a long text.)
    guard trimmed.utf8.count <= Rejection.textLengthMax || trimmed.count <= Rejection.textLengthMax else { throw Rejection.textTooLong(what: what, lengthMax: Rejection.textLengthMax) }
    if let scalar = TextSyntax.forbidden(in: trimmed) {
        throw Rejection.controlCharacter(what: what, character: TextSyntax.name(of: scalar))
    }
    return trimmed
}
