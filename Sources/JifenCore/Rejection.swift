import Tagged

/// Every reason a command can be refused, as data: codes, numbers, dates, roles and states, never prose. Each
/// language words it from the data (`description` in English, `chinese`) as one sentence saying what rule was
/// broken and what to do instead, in the domain's words; a caller adds its own way to do it (`english(how:)`,
/// `chinese(how:)`): the core does not know which commands or options a program offers.
public enum Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    case ledgerNotOpened
    case ledgerAlreadyOpened(village: String)
    case codeInvalid(what: CodeKind, code: String, problem: CodeProblem)
    case textRequired(what: FreeText)
    case textTooLong(what: FreeText, lengthMax: Int)
    case actorRequired
    case dateInFuture(date: LocalDate, today: LocalDate)
    case unitExists(UnitCode)
    case unitUnknown(UnitCode, suggestion: String?)
    case householdExists(HouseholdCode)
    case householdUnknown(HouseholdCode, suggestion: String?)
    case householdClosed(HouseholdCode, on: LocalDate)
    case householdAlreadyInUnit(HouseholdCode, UnitCode)
    case householdNotClosed(HouseholdCode)
    case leaderNotInUnit(HouseholdCode, unit: UnitCode)
    case membersOutOfRange(Int)
    case ruleUnknown(RuleCode, suggestion: String?)
    case pointsRequired(RuleCode, RulePoints)
    case pointsOutsideRange(RuleCode, given: Int, RulePoints)
    case pointsDifferFromFixed(RuleCode, given: Int, RulePoints)
    case noteRequiredForDeduction(RuleCode)
    case capReached(RuleCode, Cap, period: String, count: Int)
    case eventUnknown(EventRef)
    case eventNotAnEntry(seq: Int64)
    case reversalCannotBeReversed(seq: Int64)
    case eventAlreadyReversed(seq: Int64, by: Int64)
    case reversalBeforeEntry(seq: Int64, entryDate: LocalDate, date: LocalDate)
    case keyUsedForAnotherEntry(key: String, seq: Int64)
    case reversalWouldEmptyStock(ItemCode, stock: Int, quantity: Int)
    case itemExists(ItemCode)
    case itemUnknown(ItemCode, suggestion: String?)
    case priceOutOfRange(Int)
    case quantityOutOfRange(Int)
    case pointsShort(HouseholdCode, available: Int, needed: Int)
    case pointsShortLater(HouseholdCode, date: LocalDate, lowest: Int, needed: Int)
    case stockShort(ItemCode, stock: Int, needed: Int)
    case stockShortLater(ItemCode, date: LocalDate, lowest: Int, needed: Int)
    case sheetAlreadyImported(fileName: String, seq: Int64)
    // Roles
    case rolesNotSetUp
    case actorUnknown(ActorName, suggestion: String?)
    case actorRetired(ActorName, on: LocalDate)
    case actorExists(ActorName, roles: [Role])
    case rolesRequired
    case firstActorMustBeAdmin
    case auditorOnlyReads
    case leaderNeedsUnit(ActorName)
    case unitOnlyForLeaders(ActorName, UnitCode)
    case lastAdmin(ActorName)
    case roleNotAllowed(ActorName, roles: [Role], action: Deed, allowed: [Role])
    case leaderOutsideUnit(ActorName, unit: UnitCode?, household: HouseholdCode, householdUnit: UnitCode)
    // Review and four eyes
    case ownRequest(seq: Int64, actor: ActorName)
    case nothingToApprove(seq: Int64)
    case notAwaitingReview(seq: Int64, state: ReviewState)
    case proposalNotReversed(seq: Int64)
    case reversalAlreadyRequested(seq: Int64, request: Int64)
    case scoreOnNotice(seq: Int64)
    // Public notice and objections
    case periodPosted(date: LocalDate, period: String, closed: Bool)
    case noticeExists(period: String, closed: Bool)
    case noticeOverlaps(period: String, other: String)
    case periodNotOver(period: String, lastDay: LocalDate)
    case proposalsWaiting(period: String, count: Int, first: Int64)
    case noticeNotOpen(period: String)
    case noticeTooEarly(period: String, closesOn: LocalDate, days: Int)
    case objectionsOpen(period: String, count: Int, first: Int64)
    case notAScore(seq: Int64)
    case scoreNotOnNotice(seq: Int64, state: ScoreStanding)
    case alreadyObjected(seq: Int64, objection: Int64)
    case noObjection(seq: Int64)
    case fixedRuleNotAmended(RuleCode, RulePoints)
    case amendmentChangesNothing(seq: Int64, points: Int)
    // Scheme versions
    case schemeNotAfterLast(effective: LocalDate, version: Int, lastEffective: LocalDate)
    case schemeInNoticedPeriod(effective: LocalDate, period: String)
    // Year-end settlement
    case settleTooEarly(year: Int, firstDay: LocalDate)
    case alreadySettled(year: Int, on: LocalDate)
    case settleWithOpenNotice(year: Int, period: String)
    case yearNotFinal(year: Int, count: Int, first: Int64)
    case settleBeforeClearing(year: Int, clearingDay: LocalDate)
    case blacklisted(HouseholdCode, until: LocalDate)
    // Households that split or merge
    case splitMoreThanAvailable(HouseholdCode, available: Int, points: Int)
    case mergeIntoItself(HouseholdCode)
    case passbookUpToDate(HouseholdCode)
    case ownObjection(seq: Int64, actor: ActorName)
    case yearOutOfRange(Int)
    case yearClosed(year: Int, on: LocalDate)
    case actionBeforeEntry(seq: Int64, entryDate: LocalDate, date: LocalDate)
    case openScoresOnMerge(HouseholdCode, count: Int)
    case dateTooEarly(LocalDate)
    case schemeBehindScores(effective: LocalDate, latest: LocalDate)
    // Hostile or mistyped input, and a retry that would count twice
    case nameInvalid(name: String, problem: CodeProblem)
    case keyInvalid(key: String, problem: CodeProblem)
    case controlCharacter(what: FreeText, character: String)
    /// The same score (household, rule, date, points, note) or redemption (household, item, quantity, date) was
    /// recorded `minutesAgo` minutes ago as `seq`.
    case repeatedEntry(seq: Int64, minutesAgo: Int, redemption: Bool)
    // Passwords: once any is set, a write needs the acting person's own
    /// The ledger has passwords and this write came without the acting person's.
    case passwordRequired(ActorName)
    /// The ledger has passwords and the acting person has none: an administrator must set theirs first.
    case passwordNotSet(ActorName)
    /// The ledger has no password yet and this one is not an administrator setting their own, which must come first.
    case firstPasswordNotAdmins(ActorName)

    public static let textLengthMax = 500
    public static let quantityMax = 10_000
    public static let priceMax = 100_000
    public static let membersMax = 99

    static func times(_ n: Int) -> String {
        switch n {
        case 1: return "once"
        case 2: return "twice"
        default: return "\(n) times"
        }
    }

    private func signedPoints(_ points: Int) -> String { points > 0 ? "+\(points)" : "\(points)" }

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean \($0)?)" } ?? ""
    }

    /// Who may do it, as a refusal says it: "a reviewer", "an admin, a clerk or a shopkeeper".
    static func either(_ roles: [Role]) -> String {
        let words = roles.sorted().map { role in ("aeiou".contains(role.rawValue.prefix(1)) ? "an " : "a ") + role.rawValue }
        guard let last = words.last else { return "no one" }
        return words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " or " + last
    }

    /// A person's roles as a refusal lists them: "clerk, shopkeeper".
    static func list(_ roles: [Role]) -> String { roles.map(\.rawValue).joined(separator: ", ") }

    public var description: String { english(how: nil) }

    /// The refusal in English. `how` is the caller's own way to do what the sentence asks (a command to type, an
    /// option to give); it is put where the sentence says what to do, and nil leaves the domain's words alone.
    public func english(how: String?) -> String {
        let hint = how.map { " (\($0))" } ?? ""
        switch self {
        case .ledgerNotOpened:
            return "This ledger has no village yet; create it first, naming its village\(hint)."
        case .ledgerAlreadyOpened(let village):
            return "This ledger already belongs to \(village); keep another village in a ledger of its own\(hint)."
        case .codeInvalid(let what, let code, let problem):
            return "The \(what) code '\(code)' \(problem); use a short code without spaces, like H001."
        case .textRequired(let what):
            return "\(what.capitalized) is required; give it and try again."
        case .textTooLong(let what, let lengthMax):
            return "\(what.capitalized) is longer than \(lengthMax) characters; shorten it."
        case .actorRequired:
            return "Every entry names who made it; give the name of the person making it\(hint)."
        case .dateInFuture(let date, let today):
            return "The date \(date) is after today (\(today)); nothing can be recorded before the day it happens."
        case .unitExists(let unit):
            return "Joint unit \(unit) already exists; pick another code."
        case .unitUnknown(let unit, let suggestion):
            return "There is no joint unit \(unit)\(Rejection.didYouMean(suggestion)); check the code or add the unit first\(hint)."
        case .householdExists(let household):
            return "Household \(household) is already in the register; pick another code."
        case .householdUnknown(let household, let suggestion):
            return "There is no household \(household) in the register\(Rejection.didYouMean(suggestion)); check the code or add it \(how.map { "with \($0)" } ?? "to the register")."
        case .householdClosed(let household, let on):
            return "Household \(household) was closed on \(on); nothing more can be recorded for it."
        case .householdAlreadyInUnit(let household, let unit):
            return "Household \(household) is already in joint unit \(unit); nothing to move."
        case .householdNotClosed(let household):
            return "Household \(household) is on the register, not closed; only a closed household can be reopened."
        case .leaderNotInUnit(let household, let unit):
            return "Household \(household) is not in joint unit \(unit); a unit's leader must be one of its households."
        case .membersOutOfRange(let members):
            return "A household of \(members) members is not possible; give a number of members from 1 to \(Rejection.membersMax)\(hint)."
        case .ruleUnknown(let rule, let suggestion):
            return "There is no rule \(rule) in the scheme\(Rejection.didYouMean(suggestion)); check the code against the scheme's rules\(hint)."
        case .pointsRequired(let rule, let points):
            return "Rule \(rule) gives \(points) points; choose a size from \(points.min) to \(points.max)\(hint)."
        case .pointsOutsideRange(let rule, let given, let points):
            return "Rule \(rule) gives \(points) points, so \(given) is outside it; choose a size from \(points.min) to \(points.max)."
        case .pointsDifferFromFixed(let rule, let given, let points):
            return "Rule \(rule) always gives \(points) points, not \(given); leave the points out\(hint)."
        case .noteRequiredForDeduction(let rule):
            return "Rule \(rule) is a deduction and every deduction needs a written reason; say what happened\(hint)."
        case .capReached(let rule, let cap, let period, let count):
            return "Rule \(rule) may be given at most \(Rejection.times(cap.count)) per \(cap.period.rawValue) and this household already has it \(Rejection.times(count)) in \(period); record it in another period or reverse an earlier one."
        case .eventUnknown(let ref):
            return "There is no entry \(ref) in this ledger; find its number in the log or in the household's history\(hint)."
        case .eventNotAnEntry(let seq):
            return "Event #\(seq) is not a score, a redemption or a stock receipt, so it cannot be reversed; correct the register by moving or closing the household instead\(hint)."
        case .reversalCannotBeReversed(let seq):
            return "Entry #\(seq) is itself a reversal and cannot be reversed; record the original entry again instead."
        case .eventAlreadyReversed(let seq, let by):
            return "Entry #\(seq) was already reversed by #\(by); nothing is reversed twice."
        case .reversalBeforeEntry(let seq, let entryDate, let date):
            return "Entry #\(seq) is dated \(entryDate), after the reversal's date \(date); date the reversal on or after the entry."
        case .keyUsedForAnotherEntry(let key, let seq):
            return "The key \(key) was already used for entry #\(seq), which is a different entry; give this entry a key of its own\(hint)."
        case .reversalWouldEmptyStock(let item, let stock, let quantity):
            return "Only \(stock) of \(item) are on the shelf, fewer than the \(quantity) this receipt brought; reverse the redemptions first."
        case .itemExists(let item):
            return "The shop already has an item \(item); pick another code."
        case .itemUnknown(let item, let suggestion):
            return "The shop has no item \(item)\(Rejection.didYouMean(suggestion)); add it to the shop first\(hint)."
        case .priceOutOfRange(let price):
            return "A price of \(price) points is not allowed; give a price from 1 to \(Rejection.priceMax)\(hint)."
        case .quantityOutOfRange(let quantity):
            return "A quantity of \(quantity) is not allowed; give a quantity from 1 to \(Rejection.quantityMax)\(hint)."
        case .pointsShort(let household, let available, let needed):
            return "Household \(household) has \(available) points available, fewer than the \(needed) needed; choose fewer or cheaper items."
        case .pointsShortLater(let household, let date, let lowest, let needed):
            return "Household \(household) has enough points today, but on a day after \(date) it had only \(lowest), fewer than the \(needed) needed, so a redemption dated \(date) would overdraw it; date it later or choose less."
        case .stockShortLater(let item, let date, let lowest, let needed):
            return "On a day after \(date) only \(lowest) of \(item) were on the shelf, fewer than the \(needed) asked for, so an entry dated \(date) would make the stock negative; date it later or take fewer."
        case .stockShort(let item, let stock, let needed):
            return "Only \(stock) of \(item) are on the shelf, fewer than the \(needed) asked for; record the stock received first\(hint)."
        case .sheetAlreadyImported(let fileName, let seq):
            return "This tally sheet (\(fileName)) was already imported as entry #\(seq); a sheet is imported once."
        case .rolesNotSetUp:
            return "No one is registered in this ledger yet, so there is no one to review; register an administrator first\(hint)."
        case .actorUnknown(let actor, let suggestion):
            return "\(actor) is not registered in this ledger\(Rejection.didYouMean(suggestion)); ask an administrator to register them\(hint)."
        case .actorRetired(let actor, let on):
            return "\(actor) was retired on \(on) and can no longer make entries; ask an administrator to register whoever does the work now."
        case .actorExists(let actor, let roles):
            return "\(actor) is already registered (\(Rejection.list(roles))); retire them first to register the name again with other roles."
        case .rolesRequired:
            return "A person needs at least one role; give one or more of \(Role.allCases.map(\.rawValue).joined(separator: ", "))\(hint)."
        case .firstActorMustBeAdmin:
            return "The first person registered in a ledger must be an administrator; register one with the admin role first\(hint)."
        case .auditorOnlyReads:
            return "An auditor only reads and verifies, so the role cannot be combined with another; register the auditor on their own."
        case .leaderNeedsUnit(let actor):
            return "\(actor) is registered as a unit leader, so their joint unit is needed; give the unit's code\(hint)."
        case .unitOnlyForLeaders(let actor, let unit):
            return "Only a unit leader belongs to a joint unit, and \(actor) is not one; leave out the unit \(unit) or give the leader role too\(hint)."
        case .lastAdmin(let actor):
            return "\(actor) is the last active administrator; register another administrator before retiring them."
        case .roleNotAllowed(let actor, let roles, let action, let allowed):
            return "\(actor) (\(Rejection.list(roles))) may not \(action); that is for \(Rejection.either(allowed))."
        case .leaderOutsideUnit(let actor, let unit, let household, let householdUnit):
            return "\(actor) leads joint unit \(unit.map(\.rawValue) ?? "none"), but household \(household) is in \(householdUnit); a unit leader proposes scores for their own unit's households only."
        case .ownRequest(let seq, let actor):
            return "\(actor) asked for #\(seq) and so cannot approve or reject it; a second person, a reviewer, must decide."
        case .nothingToApprove(let seq):
            return "Event #\(seq) is neither a proposed score nor a requested reversal, so there is nothing to decide; see what waits for review\(hint)."
        case .notAwaitingReview(let seq, let state):
            return "Score #\(seq) is \(state.rawValue), not waiting for review; see what waits for review\(hint)."
        case .proposalNotReversed(let seq):
            return "Score #\(seq) is a proposal not yet reviewed; a reviewer rejects it, with a reason, instead\(hint)."
        case .reversalAlreadyRequested(let seq, let request):
            return "A reversal of #\(seq) was already asked for as #\(request); a reviewer approves or rejects that request."
        case .scoreOnNotice(let seq):
            return "Score #\(seq) is on the public notice; object to it, with a reason, instead of reversing it\(hint)."
        case .periodPosted(let date, let period, let closed):
            return closed
                ? "The scores of \(period) were posted and made final, so nothing more can be dated \(date); record it in the current period and say why in the note."
                : "The scores of \(period) are on the public notice now, so nothing more can be dated \(date); record it in the current period, or object to a posted score."
        case .noticeExists(let period, let closed):
            return closed ? "The notice of \(period) was already closed; its scores are final." : "The notice of \(period) is already open; close it when its days are over\(hint)."
        case .noticeOverlaps(let period, let other):
            return "The period \(period) overlaps the notice of \(other); post each score once, by month or by quarter, not both."
        case .periodNotOver(let period, let lastDay):
            return "The period \(period) is not over until \(lastDay); open its notice on or after that day, dated the day it was posted\(hint)."
        case .proposalsWaiting(let period, let count, let first):
            return "\(count) proposed score\(count == 1 ? "" : "s") of \(period) still wait\(count == 1 ? "s" : "") for review (the first is #\(first)); approve or reject them before posting the period."
        case .noticeNotOpen(let period):
            return "There is no open notice of \(period); open it first\(hint)."
        case .noticeTooEarly(let period, let closesOn, let days):
            return "The notice of \(period) must stay posted \(days) days, until \(closesOn); close it on or after that day."
        case .objectionsOpen(let period, let count, let first):
            return "\(count) objection\(count == 1 ? "" : "s") to scores of \(period) \(count == 1 ? "is" : "are") not settled (the first on #\(first)); a reviewer settles each before closing\(hint)."
        case .notAScore(let seq):
            return "Event #\(seq) is not a score, and objections and amendments are about scores; find the score's number in the household's history\(hint)."
        case .scoreNotOnNotice(let seq, let state):
            return "Score #\(seq) is \(state), not on a public notice; objections are raised while a period is posted."
        case .alreadyObjected(let seq, let objection):
            return "Score #\(seq) already has an objection (#\(objection)) waiting for a reviewer; add to that one in person."
        case .noObjection(let seq):
            return "Score #\(seq) has no objection waiting to be settled; see the objections waiting for review\(hint)."
        case .fixedRuleNotAmended(let rule, let points):
            return "Rule \(rule) always gives \(points) points, so its score cannot be amended; uphold or dismiss the objection."
        case .amendmentChangesNothing(let seq, let points):
            return "Score #\(seq) already gives \(signedPoints(points)) points; dismiss the objection to keep it as it is."
        case .schemeNotAfterLast(let effective, let version, let lastEffective):
            return "Version \(version) of the scheme takes effect on \(lastEffective), so a new version cannot take effect on \(effective); make it take effect after that day\(hint)."
        case .schemeInNoticedPeriod(let effective, let period):
            return "The scores of \(period) were already posted under the scheme in force, so a new version cannot take effect on \(effective); make it take effect after that period\(hint)."
        case .settleTooEarly(let year, let firstDay):
            return "The year \(year) is not over; settle it on or after \(firstDay)."
        case .alreadySettled(let year, let on):
            return "The year \(year) was already settled on \(on); a year is settled once."
        case .settleWithOpenNotice(let year, let period):
            return "The notice of \(period) is still open; close it before settling \(year)."
        case .yearNotFinal(let year, let count, let first):
            return "\(count) score\(count == 1 ? "" : "s") dated in \(year) \(count == 1 ? "is" : "are") not final yet (the first is #\(first)); review, post and close their notices before settling the year."
        case .settleBeforeClearing(let year, let clearingDay):
            return "The scheme clears redeemable points on \(clearingDay), so \(year) is settled on or after that day; date the settlement \(clearingDay) or later\(hint)."
        case .blacklisted(let household, let until):
            return "Household \(household) is on the black list (黑榜) until \(until) and may not redeem before then; wait until that day."
        case .splitMoreThanAvailable(let household, let available, let points):
            return "Household \(household) has \(available) points available, fewer than the \(points) to move; move from 0 to \(max(available, 0))."
        case .mergeIntoItself(let household):
            return "Household \(household) cannot merge into itself; name the household it joins\(hint)."
        case .ownObjection(let seq, let actor):
            return "\(actor) raised the objection to #\(seq) and so cannot settle it; another reviewer must decide."
        case .yearOutOfRange(let year):
            return "\(year) is not a year this ledger can hold; give a year from 2000 to 2999."
        case .yearClosed(let year, let on):
            return "The year \(year) was settled on \(on), so nothing more can be dated in it; date the entry in the current year and say why in the note."
        case .actionBeforeEntry(let seq, let entryDate, let date):
            return "Entry #\(seq) is dated \(entryDate), after \(date); date this on or after the entry\(hint)."
        case .openScoresOnMerge(let household, let count):
            return "Household \(household) has \(count) score\(count == 1 ? "" : "s") not yet final; let their notice close (or have them rejected) before merging it."
        case .dateTooEarly(let date):
            return "The date \(date) is before 2000, earlier than any scheme this ledger keeps; check the year."
        case .schemeBehindScores(let effective, let latest):
            return "Scores are already recorded up to \(latest) under the version in force, so a new version cannot take effect on \(effective); make it take effect after \(latest)\(hint)."
        case .nameInvalid(let name, let problem):
            return "The name '\(name)' \(problem); write the person's name as it is written on paper."
        case .keyInvalid(let key, let problem):
            return "The key '\(key)' \(problem); give a key of letters, digits and dashes, like 2025-03-H001-1."
        case .controlCharacter(let what, let character):
            return "\(what.capitalized) holds a control character (\(character)); remove it and give the text again."
        case .repeatedEntry(let seq, let minutesAgo, let redemption):
            let ago = minutesAgo < 1 ? "less than a minute ago" : "\(minutesAgo) minute\(minutesAgo == 1 ? "" : "s") ago"
            return "The same \(redemption ? "redemption" : "score") was recorded \(ago) as #\(seq), so this looks like a retry; nothing was written, and if a second one is really meant, ask for it again as a second entry\(hint)."
        case .passbookUpToDate(let household):
            return "Household \(household)'s passbook is up to date: every final entry is printed; reprint a page if one is needed\(hint)."
        case .passwordRequired(let actor):
            return "This ledger has passwords, so every write needs the password of the one acting; give \(actor)'s password\(hint)."
        case .passwordNotSet(let actor):
            return "This ledger has passwords and \(actor) has none yet; an administrator must set \(actor)'s password first\(hint)."
        case .firstPasswordNotAdmins:
            return "This ledger has no password yet, so the first must be an administrator's own; an administrator sets theirs first\(hint)."
        }
    }
}

/// What a code names, in a refusal of the code.
extension CodeKind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .household: return "household"
        case .unit: return "joint unit"
        case .item: return "item"
        }
    }

    /// The word for the code in Chinese: "户号".
    public var chinese: String {
        switch self {
        case .household: return "户号"
        case .unit: return "联户编号"
        case .item: return "物品编号"
        }
    }
}

/// What is wrong with a code, a name or a key (`CodeSyntax.problem(with:)`, `KeySyntax.problem(with:)`).
public enum CodeProblem: Hashable, Sendable, CustomStringConvertible {
    case empty
    case longerThan(Int)
    /// Starts with `= + - @`: a spreadsheet would run it as a formula.
    case startsLikeAFormula
    case spaceOrControlCharacter
    case controlCharacter
    case controlCharacterOrLineBreak

    /// Said after the code: "The household code 'H 1' contains a space or a control character".
    public var description: String {
        switch self {
        case .empty: return "is empty"
        case .longerThan(let count): return "is longer than \(count) characters"
        case .startsLikeAFormula: return "starts with =, +, - or @"
        case .spaceOrControlCharacter: return "contains a space or a control character"
        case .controlCharacter: return "contains a control character"
        case .controlCharacterOrLineBreak: return "contains a control character or a line break"
        }
    }

    /// Said after the code in Chinese: "户号「H 1」含有空格或控制字符".
    public var chinese: String {
        switch self {
        case .empty: return "是空的"
        case .longerThan(let count): return "超过了 \(count) 个字符"
        case .startsLikeAFormula: return "以 =、+、- 或 @ 开头，电子表格会把它当成公式"
        case .spaceOrControlCharacter: return "含有空格或控制字符"
        case .controlCharacter: return "含有控制字符"
        case .controlCharacterOrLineBreak: return "含有控制字符或换行"
        }
    }
}

/// A text a command must carry or may carry, as a refusal names it.
public enum FreeText: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case villageName = "the village name"
    case reason = "a reason"
    case unitName = "the unit's name"
    case headName = "the head's name"
    case itemName = "the item's name"
    case personName = "a person's name"
    case note = "the note"
    case source = "the source"
    case itemUnit = "the item's unit"
    case fileName = "the file's name"

    public var description: String { rawValue }

    /// At the start of a sentence: "The note".
    public var capitalized: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    public var chinese: String {
        switch self {
        case .villageName: return "村名"
        case .reason: return "原因"
        case .unitName: return "联户名称"
        case .headName: return "户主姓名"
        case .itemName: return "物品名称"
        case .personName: return "姓名"
        case .note: return "备注"
        case .source: return "来源"
        case .itemUnit: return "规格"
        case .fileName: return "文件名"
        }
    }
}

/// Where a score stands when an objection to it is refused.
public enum ScoreStanding: Hashable, Sendable, CustomStringConvertible {
    /// Still under review or waiting for its notice.
    case review(ReviewState)
    case final
    case takenBack
    /// Its notice was posted after the objection's date.
    case notYetPosted(on: LocalDate, posted: LocalDate)

    public var description: String {
        switch self {
        case .review(let state): return state.rawValue
        case .final: return "final"
        case .takenBack: return "taken back"
        case .notYetPosted(let on, let posted): return "not yet posted on \(on) (posted \(posted))"
        }
    }

    /// Said after "记分 #17": "目前为「待公示」", "已经生效", "在 2025-04-01 还没有公示（2025-04-02 才公示）".
    public var chinese: String {
        switch self {
        case .review(let state): return "目前为「\(state.zh)」"
        case .final: return "已经生效"
        case .takenBack: return "已经撤销"
        case .notYetPosted(let on, let posted): return "在 \(on) 还没有公示（\(posted) 才公示）"
        }
    }
}

/// What a person was refused for want of a role: a command, or the correction of another role's entries.
public enum Deed: Hashable, Sendable, CustomStringConvertible {
    case command(Command.Kind)
    /// Reversing a score: the clerk's.
    case correctScores
    /// Reversing a redemption or a stock receipt: the shopkeeper's.
    case correctShopEntries
    /// Issuing a household's card (扫码积分): an administrator's or a clerk's.
    case issueCards

    /// Said after "may not".
    public var description: String {
        switch self {
        case .command(let kind): return kind.action
        case .correctScores: return "correct scores"
        case .correctShopEntries: return "correct the shop's entries"
        case .issueCards: return "issue households' cards"
        }
    }

    /// Said after "不能".
    public var chinese: String {
        switch self {
        case .command(let kind): return kind.chineseAction
        case .correctScores: return "冲正记分"
        case .correctShopEntries: return "冲正积分超市的记录"
        case .issueCards: return "发放农户积分卡"
        }
    }
}
