import Tagged

/// Every reason a command can be refused. Each reads as one sentence saying what rule was broken
/// and what to do instead.
public enum Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    case ledgerNotOpened
    case ledgerAlreadyOpened(village: String)
    case codeInvalid(what: String, code: String, problem: String)
    case textRequired(what: String)
    case textTooLong(what: String, lengthMax: Int)
    case actorRequired
    case dateInFuture(date: LocalDate, today: LocalDate)
    case unitExists(UnitCode)
    case unitUnknown(UnitCode, suggestion: String?)
    case householdExists(HouseholdCode)
    case householdUnknown(HouseholdCode, suggestion: String?)
    case householdClosed(HouseholdCode, on: LocalDate)
    case householdAlreadyInUnit(HouseholdCode, UnitCode)
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

    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean \($0)?)" } ?? ""
    }

    public var description: String {
        switch self {
        case .ledgerNotOpened:
            return "This ledger has no village yet; create it with `jifen init --village NAME`."
        case .ledgerAlreadyOpened(let village):
            return "This ledger already belongs to \(village); use another --ledger file for another village."
        case .codeInvalid(let what, let code, let problem):
            return "The \(what) code '\(code)' \(problem); use a short code without spaces, like H001."
        case .textRequired(let what):
            return "\(what.prefix(1).uppercased() + what.dropFirst()) is required; give it and try again."
        case .textTooLong(let what, let lengthMax):
            return "\(what.prefix(1).uppercased() + what.dropFirst()) is longer than \(lengthMax) characters; shorten it."
        case .actorRequired:
            return "Every entry names who made it; give --by NAME (or set JIFEN_ACTOR)."
        case .dateInFuture(let date, let today):
            return "The date \(date) is after today (\(today)); nothing can be recorded before the day it happens."
        case .unitExists(let unit):
            return "Joint unit \(unit) already exists; pick another code."
        case .unitUnknown(let unit, let suggestion):
            return "There is no joint unit \(unit)\(Rejection.didYouMean(suggestion)); check the code or add it with `jifen unit add`."
        case .householdExists(let household):
            return "Household \(household) is already in the register; pick another code."
        case .householdUnknown(let household, let suggestion):
            return "There is no household \(household) in the register\(Rejection.didYouMean(suggestion)); check the code or add it with `jifen household add`."
        case .householdClosed(let household, let on):
            return "Household \(household) was closed on \(on); nothing more can be recorded for it."
        case .householdAlreadyInUnit(let household, let unit):
            return "Household \(household) is already in joint unit \(unit); nothing to move."
        case .leaderNotInUnit(let household, let unit):
            return "Household \(household) is not in joint unit \(unit); a unit's leader must be one of its households."
        case .membersOutOfRange(let members):
            return "A household of \(members) members is not possible; give --members from 1 to \(Rejection.membersMax)."
        case .ruleUnknown(let rule, let suggestion):
            return "There is no rule \(rule) in the scheme\(Rejection.didYouMean(suggestion)); see the rules with `jifen scheme`."
        case .pointsRequired(let rule, let points):
            return "Rule \(rule) gives \(points) points; choose a size from \(points.min) to \(points.max) (--points, or the points column of a sheet)."
        case .pointsOutsideRange(let rule, let given, let points):
            return "Rule \(rule) gives \(points) points, so \(given) is outside it; choose a size from \(points.min) to \(points.max)."
        case .pointsDifferFromFixed(let rule, let given, let points):
            return "Rule \(rule) always gives \(points) points, not \(given); leave the points out (no --points, or an empty points cell)."
        case .noteRequiredForDeduction(let rule):
            return "Rule \(rule) is a deduction and every deduction needs a written reason; say what happened (--note, or the note column of a sheet)."
        case .capReached(let rule, let cap, let period, let count):
            return "Rule \(rule) may be given at most \(Rejection.times(cap.count)) per \(cap.period.rawValue) and this household already has it \(Rejection.times(count)) in \(period); record it in another period or reverse an earlier one."
        case .eventUnknown(let ref):
            return "There is no entry \(ref) in this ledger; find its number with `jifen log` or `jifen history`."
        case .eventNotAnEntry(let seq):
            return "Event #\(seq) is not a score, a redemption or a stock receipt, so it cannot be reversed; correct the register with `jifen household move` or `jifen household close` instead."
        case .reversalCannotBeReversed(let seq):
            return "Entry #\(seq) is itself a reversal and cannot be reversed; record the original entry again instead."
        case .eventAlreadyReversed(let seq, let by):
            return "Entry #\(seq) was already reversed by #\(by); nothing is reversed twice."
        case .reversalBeforeEntry(let seq, let entryDate, let date):
            return "Entry #\(seq) is dated \(entryDate), after the reversal's date \(date); date the reversal on or after the entry."
        case .keyUsedForAnotherEntry(let key, let seq):
            return "The key \(key) was already used for entry #\(seq), which is a different entry; give this entry a key of its own."
        case .reversalWouldEmptyStock(let item, let stock, let quantity):
            return "Only \(stock) of \(item) are on the shelf, fewer than the \(quantity) this receipt brought; reverse the redemptions first."
        case .itemExists(let item):
            return "The shop already has an item \(item); pick another code."
        case .itemUnknown(let item, let suggestion):
            return "The shop has no item \(item)\(Rejection.didYouMean(suggestion)); add it with `jifen shop add`."
        case .priceOutOfRange(let price):
            return "A price of \(price) points is not allowed; give --price from 1 to \(Rejection.priceMax)."
        case .quantityOutOfRange(let quantity):
            return "A quantity of \(quantity) is not allowed; give --qty from 1 to \(Rejection.quantityMax)."
        case .pointsShort(let household, let available, let needed):
            return "Household \(household) has \(available) points available, fewer than the \(needed) needed; choose fewer or cheaper items."
        case .pointsShortLater(let household, let date, let lowest, let needed):
            return "Household \(household) has enough points today, but on a day after \(date) it had only \(lowest), fewer than the \(needed) needed, so a redemption dated \(date) would overdraw it; date it later or choose less."
        case .stockShortLater(let item, let date, let lowest, let needed):
            return "On a day after \(date) only \(lowest) of \(item) were on the shelf, fewer than the \(needed) asked for, so an entry dated \(date) would make the stock negative; date it later or take fewer."
        case .stockShort(let item, let stock, let needed):
            return "Only \(stock) of \(item) are on the shelf, fewer than the \(needed) asked for; restock it first with `jifen shop restock`."
        case .sheetAlreadyImported(let fileName, let seq):
            return "This tally sheet (\(fileName)) was already imported as entry #\(seq); a sheet is imported once."
        }
    }
}
