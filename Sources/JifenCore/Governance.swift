import Tagged

/// What a registered person may do in the ledger. One person may hold several roles (in a small village the
/// clerk often keeps the shop too), but never approves what they asked for themselves.
public enum Role: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// 管理员: registers people, joint units and households, publishes the scheme, settles the year.
    case admin
    /// 记分员: records scores and tally sheets, registers households, asks for corrections.
    case clerk
    /// 联户长: proposes scores for the households of their own joint unit; a reviewer approves them.
    case leader
    /// 审核员 (村委, 村民议事会): approves and rejects, posts and closes the public notice, settles objections.
    case reviewer
    /// 积分超市管理员: lists goods, records stock received and redemptions.
    case shopkeeper
    /// 审计员 (township, county): reads and verifies; writes nothing.
    case auditor

    public var zh: String {
        switch self {
        case .admin: return "管理员"
        case .clerk: return "记分员"
        case .leader: return "联户长"
        case .reviewer: return "审核员"
        case .shopkeeper: return "超市管理员"
        case .auditor: return "审计员"
        }
    }

    /// A role as a clerk types it: `clerk`, `unit-leader`, `leader`, or its Chinese name.
    public init?(word: String) {
        let text = word.trimmingSpaces.lowercased()
        if let role = Role(rawValue: text) { self = role; return }
        if ["unit-leader", "unit_leader", "unitleader"].contains(text) { self = .leader; return }
        guard let role = Role.allCases.first(where: { $0.zh == text }) else { return nil }
        self = role
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

public enum ActorStatus: String, Hashable, Sendable, Codable {
    case active, retired
}

/// A person registered in the ledger, with their roles.
public struct ActorRecord: Hashable, Sendable, Codable {
    public var name: ActorName
    /// Sorted, without repeats.
    public var roles: [Role]
    /// For a unit leader: the joint unit whose households they may propose scores for.
    public var unit: UnitCode?
    public var status: ActorStatus
    public var registeredOn: LocalDate
    public var retiredOn: LocalDate?
    /// The business date of the latest `v1.passwordSet` for this person; nil while they have none.
    public var passwordSince: LocalDate?

    public init(name: ActorName, roles: [Role], unit: UnitCode?, status: ActorStatus, registeredOn: LocalDate, retiredOn: LocalDate?,
                passwordSince: LocalDate? = nil) {
        self.name = name
        self.roles = roles
        self.unit = unit
        self.status = status
        self.registeredOn = registeredOn
        self.retiredOn = retiredOn
        self.passwordSince = passwordSince
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// `clerk, shopkeeper`.
    public var roleList: String { roles.map(\.rawValue).joined(separator: ", ") }
}

/// A period whose scores are posted together on the notice board: a month (`2025-03`) or a quarter (`2025-Q1`).
public struct NoticePeriod: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let label: String
    public let dates: ClosedRange<LocalDate>

    public init?(_ text: String) {
        let text = text.trimmingSpaces.uppercased()
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), (2000...2999).contains(year) else { return nil }
        let first: LocalDate, period: CapPeriod
        if parts[1].hasPrefix("Q"), parts[1].count == 2, let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) {
            first = LocalDate(year: year, month: (quarter - 1) * 3 + 1, day: 1)!
            period = .quarter
        } else if parts[1].count == 2, let month = Int(parts[1]), (1...12).contains(month) {
            first = LocalDate(year: year, month: month, day: 1)!
            period = .month
        } else {
            return nil
        }
        self.label = period.label(of: first)
        self.dates = period.bounds(of: first)
    }

    public var description: String { label }

    public static func < (lhs: NoticePeriod, rhs: NoticePeriod) -> Bool {
        (lhs.dates.lowerBound, lhs.dates.upperBound) < (rhs.dates.lowerBound, rhs.dates.upperBound)
    }
}

/// A public notice (公示) of a period's scores: posted, then closed, after which they are final.
public struct NoticeRecord: Hashable, Sendable, Codable {
    public var period: String
    public var from: LocalDate
    public var to: LocalDate
    public var openedOn: LocalDate
    /// The first day it may be closed: the opening day plus the scheme's notice days.
    public var closesOn: LocalDate
    public var closedOn: LocalDate?

    public init(period: String, from: LocalDate, to: LocalDate, openedOn: LocalDate, closesOn: LocalDate, closedOn: LocalDate?) {
        self.period = period
        self.from = from
        self.to = to
        self.openedOn = openedOn
        self.closesOn = closesOn
        self.closedOn = closedOn
    }

    public var isOpen: Bool { closedOn == nil }
    public var dates: ClosedRange<LocalDate> { from...to }
}

/// Where a score that is not yet final stands.
///
/// proposed (by a unit leader, or a large deduction) → approved: pending, or rejected: gone;
/// pending → posted when the notice of its period opens; posted → objected → upheld: gone, amended: a new
/// posted score, dismissed: posted again; posted → final when the notice closes.
public enum ReviewState: String, Hashable, Sendable, Codable {
    case proposed, pending, posted, objected

    public var zh: String {
        switch self {
        case .proposed: return "待审核"
        case .pending: return "待公示"
        case .posted: return "公示中"
        case .objected: return "有异议"
        }
    }
}

/// A score on its way to becoming final. Final scores have none.
public struct ScoreReview: Hashable, Sendable, Codable {
    public var seq: Int64
    public var household: HouseholdCode
    public var rule: RuleCode
    public var occurredOn: LocalDate
    /// Signed: what the score adds to the household's points when it becomes final.
    public var points: Int
    public var state: ReviewState
    /// Who recorded or proposed it: never the one who approves it.
    public var recordedBy: ActorName
    /// The objection raised against it, while open, and who raised it: never the one who settles it.
    public var objection: Int64?
    public var objectedBy: ActorName?

    public init(seq: Int64, household: HouseholdCode, rule: RuleCode, occurredOn: LocalDate, points: Int, state: ReviewState,
                recordedBy: ActorName, objection: Int64?, objectedBy: ActorName? = nil) {
        self.seq = seq
        self.household = household
        self.rule = rule
        self.occurredOn = occurredOn
        self.points = points
        self.state = state
        self.recordedBy = recordedBy
        self.objection = objection
        self.objectedBy = objectedBy
    }
}

/// A correction asked for and not yet approved or declined.
public struct ReversalRequest: Hashable, Sendable, Codable {
    public var seq: Int64
    public var target: Int64
    public var requestedBy: ActorName
    public var reason: String
    public var requestedOn: LocalDate

    public init(seq: Int64, target: Int64, requestedBy: ActorName, reason: String, requestedOn: LocalDate) {
        self.seq = seq
        self.target = target
        self.requestedBy = requestedBy
        self.reason = reason
        self.requestedOn = requestedOn
    }
}

/// The rules of who may do what, and when a second person must agree.
public enum Governance {
    /// A deduction this large (or larger) takes effect only when a second person approves it.
    public static let secondApprovalDeduction = 20
}

extension Command {
    /// The roles that may ask for this command once roles are in force.
    public var allowedRoles: Set<Role> {
        switch self {
        case .openLedger, .registerActor, .retireActor: return [.admin]
        case .addUnit, .changeUnitLeader: return [.admin]
        case .registerHousehold, .moveHousehold, .closeHousehold, .reopenHousehold: return [.admin, .clerk]
        case .recordScore, .importSheet: return [.clerk, .leader]
        case .reverse: return [.clerk, .shopkeeper]
        case .approve, .reject, .openNotice, .closeNotice, .resolveObjection: return [.reviewer]
        case .object: return [.admin, .clerk, .leader, .reviewer, .shopkeeper]
        case .listItem: return [.admin, .shopkeeper]
        case .receiveStock, .redeem: return [.shopkeeper]
        case .publishScheme, .settleYear: return [.admin]
        case .splitHousehold, .mergeHousehold: return [.admin, .clerk]
        case .printPassbook: return [.admin, .clerk, .shopkeeper]
        case .recordCheckpoint: return [.admin]
        // Everyone their own; an administrator anyone's (`decideEvents`).
        case .setPassword: return Set(Role.allCases)
        }
    }

    /// What the command does, for a refusal: "may not \(action)".
    public var action: String { kind.action }

    /// What the command does, in Chinese, for a refusal said in Chinese: "不能\(chineseAction)".
    public var chineseAction: String { kind.chineseAction }

    /// Commands that only make sense once roles are in force.
    var needsRoles: Bool {
        switch kind {
        case .approve, .reject, .openNotice, .closeNotice, .object, .resolveObjection, .retireActor, .settleYear, .setPassword: return true
        case .openLedger, .registerActor, .addUnit, .changeUnitLeader, .registerHousehold, .moveHousehold, .closeHousehold,
             .reopenHousehold,
             .recordScore, .reverse, .listItem, .receiveStock, .redeem, .importSheet, .publishScheme, .splitHousehold,
             .mergeHousehold, .printPassbook, .recordCheckpoint:
            return false
        }
    }
}

extension Command.Kind {
    /// What the command does, for a refusal: "may not \(action)".
    public var action: String {
        switch self {
        case .openLedger: return "create a ledger"
        case .registerActor: return "register people"
        case .retireActor: return "retire people"
        case .addUnit: return "add joint units"
        case .changeUnitLeader: return "appoint unit leaders"
        case .registerHousehold: return "register households"
        case .moveHousehold: return "move households"
        case .closeHousehold: return "close households"
        case .reopenHousehold: return "reopen households"
        case .recordScore: return "record scores"
        case .importSheet: return "import tally sheets"
        case .reverse: return "ask for corrections"
        case .approve: return "approve"
        case .reject: return "reject"
        case .openNotice: return "open a public notice"
        case .closeNotice: return "close a public notice"
        case .object: return "object to a score"
        case .resolveObjection: return "settle objections"
        case .listItem: return "change the shop's price list"
        case .receiveStock: return "record stock received"
        case .redeem: return "record redemptions"
        case .publishScheme: return "publish the scheme"
        case .settleYear: return "settle the year"
        case .splitHousehold: return "split households"
        case .mergeHousehold: return "merge households"
        case .printPassbook: return "update passbooks"
        case .recordCheckpoint: return "file checkpoints"
        case .setPassword: return "set other people's passwords"
        }
    }

    /// What the command does, in Chinese: "不能\(chineseAction)".
    public var chineseAction: String {
        switch self {
        case .openLedger: return "建账"
        case .registerActor: return "登记人员"
        case .retireActor: return "停用人员"
        case .addUnit: return "新增联户"
        case .changeUnitLeader: return "指定联户长"
        case .registerHousehold: return "登记农户"
        case .moveHousehold: return "调动农户"
        case .closeHousehold: return "为农户销户"
        case .reopenHousehold: return "为农户恢复在册"
        case .recordScore: return "记分"
        case .importSheet: return "导入登记表"
        case .reverse: return "申请冲正"
        case .approve: return "审核通过"
        case .reject: return "驳回"
        case .openNotice: return "开始公示"
        case .closeNotice: return "结束公示"
        case .object: return "对记分提出异议"
        case .resolveObjection: return "处理异议"
        case .listItem: return "修改积分超市的价目表"
        case .receiveStock: return "登记入库"
        case .redeem: return "登记兑换"
        case .publishScheme: return "发布积分方案"
        case .settleYear: return "进行年终结算"
        case .splitHousehold: return "分户"
        case .mergeHousehold: return "合户"
        case .printPassbook: return "补登存折"
        case .recordCheckpoint: return "登记签名存证"
        case .setPassword: return "设置别人的密码"
        }
    }
}

/// A published version of the scheme and the day it takes effect.
public struct SchemeVersion: Hashable, Sendable {
    public let version: Int
    public let effective: LocalDate
    public let scheme: Scheme

    public init(version: Int, effective: LocalDate, scheme: Scheme) {
        self.version = version
        self.effective = effective
        self.scheme = scheme
    }
}

extension Array where Element == SchemeVersion {
    /// The version in force on `date`: the latest that took effect on or before it (the first version for a
    /// date before any took effect: a ledger's history may be entered from before it was opened).
    public func inForce(on date: LocalDate) -> SchemeVersion? {
        last { $0.effective <= date } ?? first
    }
}

/// One household's figures in a year-end settlement.
public struct HouseholdRating: Hashable, Sendable, Codable {
    public let household: HouseholdCode
    /// The year's cumulative final points: awards less deductions of the scores dated in it.
    public let points: Int
    /// 0 to 5 (星级文明户), from the scheme's thresholds.
    public let stars: Int
    /// On the red list (红榜): reached the highest star.
    public let red: Bool
    /// On the black list (黑榜): a deduction of the scheme's size or more in the year; no redemption before this day.
    public let blackUntil: LocalDate?

    public init(household: HouseholdCode, points: Int, stars: Int, red: Bool, blackUntil: LocalDate?) {
        self.household = household
        self.points = points
        self.stars = stars
        self.red = red
        self.blackUntil = blackUntil
    }
}

public struct SettlementRecord: Hashable, Sendable {
    public let year: Int
    public let settledOn: LocalDate
    public let schemeVersion: Int
    public let expired: Int

    public init(year: Int, settledOn: LocalDate, schemeVersion: Int, expired: Int) {
        self.year = year
        self.settledOn = settledOn
        self.schemeVersion = schemeVersion
        self.expired = expired
    }
}

/// What a settlement needs to know of one household's year, read from the ledger.
public struct YearFigures: Hashable, Sendable {
    public let household: HouseholdCode
    /// Final awards and deductions (positive) of the scores dated in the year.
    public let earned: Int
    public let deducted: Int
    /// The largest single final deduction dated in the year (positive), 0 if none.
    public let largestDeduction: Int
    /// Spent at the shop in the year.
    public let redeemed: Int

    public init(household: HouseholdCode, earned: Int, deducted: Int, largestDeduction: Int, redeemed: Int) {
        self.household = household
        self.earned = earned
        self.deducted = deducted
        self.largestDeduction = largestDeduction
        self.redeemed = redeemed
    }

    /// The year's cumulative final points.
    public var points: Int { earned - deducted }
}

extension LocalDate {
    /// The same day `months` months later (the month's last day when it has fewer days).
    public func adding(months: Int) -> LocalDate {
        let index = year * 12 + (month - 1) + months
        let year = index / 12, month = index % 12 + 1
        return LocalDate(year: year, month: month, day: min(day, LocalDate.daysIn(month: month, year: year)))!
    }
}

/// How an entry's `redeemed` figure is booked on the household: spent at the shop, cleared at year end, or moved
/// to or from another household. All three lower (or, received, raise) the redeemable balance alike. Each entry's
/// type says which (`EventType.route`).
public enum EntryRoute: Sendable {
    case shop, expiry, transfer
}

/// A period a report is drawn for: a month (`2025-03`), a quarter (`2025-Q1`) or a year (`2025`).
public struct ReportPeriod: Hashable, Sendable, CustomStringConvertible {
    public let label: String
    public let dates: ClosedRange<LocalDate>

    public init?(_ text: String) {
        if let period = NoticePeriod(text) {
            label = period.label
            dates = period.dates
            return
        }
        let trimmed = text.trimmingSpaces
        guard trimmed.count == 4, let year = Int(trimmed), (2000...2999).contains(year) else { return nil }
        label = trimmed
        dates = CapPeriod.year.bounds(of: LocalDate(year: year, month: 1, day: 1)!)
    }

    public var description: String { label }
}

/// The reviews of scores not yet final, filed by the month of the score's date, each month's in the order of their
/// sequence numbers. A notice posts and closes the months of its period without looking at any other review, and a
/// month none of whose reviews is left is dropped: a county's log holds a million scores, of which only the months
/// still open keep theirs. (A score's review always carries the score's own date, so it never changes month.)
///
/// The fold of `rebuild` and `verify` files every score of a governed ledger here; before, one dictionary held them
/// all and every notice's close walked all of it (on the governed 10^6 ledger, a third of rebuild's time).
struct ReviewBook: Sendable {
    /// A review and where its household's account is in the `HouseholdTable` (-1 when not known): a notice's close
    /// takes each final score's points out of its household's pending without looking the household up.
    struct Filed: Sendable {
        var review: ScoreReview
        var place: Int32
    }

    private var months: [Int: [Filed]] = [:]
    private(set) var count = 0
    /// The most reviews a month has held: a new month is given room for as many (a county's months are alike), so that
    /// its array is not copied again and again as it grows.
    private var largestMonth = 0

    var isEmpty: Bool { count == 0 }

    private static func month(_ date: LocalDate) -> Int { date.year * 12 + date.month - 1 }

    /// Where `seq` is, or would go, in a month's reviews.
    private static func position(of seq: Int64, in reviews: [Filed]) -> Int {
        var low = 0, high = reviews.count
        while low < high {
            let middle = (low + high) / 2
            if reviews[middle].review.seq < seq { low = middle + 1 } else { high = middle }
        }
        return low
    }

    func review(_ seq: Int64) -> ScoreReview? {
        for reviews in months.values {
            let at = Self.position(of: seq, in: reviews)
            if at < reviews.count && reviews[at].review.seq == seq { return reviews[at].review }
        }
        return nil
    }

    /// Files a review, or replaces the one of the same score (keeping its household's place if `place` is not known).
    /// A new score's comes last in its month.
    mutating func set(_ review: ScoreReview, place: Int32 = -1) {
        let month = Self.month(review.occurredOn)
        if months[month] == nil {
            var fresh: [Filed] = []
            fresh.reserveCapacity(largestMonth)
            months[month] = fresh
        }
        let added = { (reviews: inout [Filed]) -> Bool in
            if reviews.last.map({ $0.review.seq < review.seq }) ?? true {
                reviews.append(Filed(review: review, place: place))
                return true
            }
            let at = Self.position(of: review.seq, in: reviews)
            if at < reviews.count && reviews[at].review.seq == review.seq {
                reviews[at].review = review
                if place >= 0 { reviews[at].place = place }
                return false
            }
            reviews.insert(Filed(review: review, place: place), at: at)
            return true
        }(&months[month, default: []])
        if added { count += 1 }
    }

    @discardableResult
    mutating func remove(_ seq: Int64) -> ScoreReview? {
        // Found first, then removed where it lies: a month's reviews still held by the search would be copied.
        var found: (month: Int, at: Int)?
        for (month, reviews) in months {
            let at = Self.position(of: seq, in: reviews)
            if at < reviews.count && reviews[at].review.seq == seq {
                found = (month, at)
                break
            }
        }
        guard let found, let removed = months[found.month]?.remove(at: found.at) else { return nil }
        if months[found.month]?.isEmpty == true { months[found.month] = nil }
        count -= 1
        return removed.review
    }

    /// The keys of the months `dates` touches that hold reviews.
    private func monthsHolding(_ dates: ClosedRange<LocalDate>) -> [Int] {
        let first = Self.month(dates.lowerBound), last = Self.month(dates.upperBound)
        if last - first < months.count { return (first...last).filter { months[$0] != nil } }
        return months.keys.filter { (first...last).contains($0) }.sorted()
    }

    /// A notice opens: every review dated in `dates` that is `pending` becomes `posted`.
    mutating func post(_ dates: ClosedRange<LocalDate>) {
        for month in monthsHolding(dates) {
            ({ (reviews: inout [Filed]) in
                for at in reviews.indices where reviews[at].review.state == .pending && dates.contains(reviews[at].review.occurredOn) {
                    reviews[at].review.state = .posted
                }
            })(&months[month, default: []])
        }
    }

    /// A notice closes: every review dated in `dates` that is `posted` ends (its score is final), and `ended` is told of
    /// each with its household's place, in the order of their sequence numbers within each month.
    mutating func close(_ dates: ClosedRange<LocalDate>, ended: (ScoreReview, Int32) -> Void) {
        for month in monthsHolding(dates) {
            var removed = 0
            ({ (reviews: inout [Filed]) in
                largestMonth = max(largestMonth, reviews.count)
                reviews.removeAll { filed in
                    guard filed.review.state == .posted && dates.contains(filed.review.occurredOn) else { return false }
                    ended(filed.review, filed.place)
                    removed += 1
                    return true
                }
                // The few left (objected to, proposed) move to an array of their own size: the month's room for tens
                // of thousands would otherwise stay in memory with them.
                if !reviews.isEmpty && reviews.capacity > 4 * reviews.count {
                    var left: [Filed] = []
                    left.reserveCapacity(reviews.count)
                    left.append(contentsOf: reviews)
                    reviews = left
                }
            })(&months[month, default: []])
            count -= removed
            if months[month]?.isEmpty == true { months[month] = nil }
        }
    }

    /// Every review, by sequence number.
    var sorted: [ScoreReview] {
        months.keys.sorted().flatMap { months[$0]?.map(\.review) ?? [] }.sorted { $0.seq < $1.seq }
    }

    /// The reviews of scores dated within `dates`, by sequence number.
    func reviews(in dates: ClosedRange<LocalDate>) -> [ScoreReview] {
        monthsHolding(dates).flatMap { (months[$0] ?? []).map(\.review).filter { dates.contains($0.occurredOn) } }.sorted { $0.seq < $1.seq }
    }

    var all: [Int64: ScoreReview] {
        var all: [Int64: ScoreReview] = [:]
        all.reserveCapacity(count)
        for reviews in months.values { for filed in reviews { all[filed.review.seq] = filed.review } }
        return all
    }

    var seqs: Set<Int64> {
        var seqs: Set<Int64> = []
        seqs.reserveCapacity(count)
        for reviews in months.values { for filed in reviews { seqs.insert(filed.review.seq) } }
        return seqs
    }
}

/// The register's accounts, in the order they were first written, found by code through a table of their places keyed
/// by a hash of the code's bytes (FNV-1a), each slot holding the place and the hash's high half so that a look-up reads
/// one slot and one account. The fold looks a household up for every entry of a county's log; a `Dictionary` keyed by
/// the code (SipHash over the string, the key and value in separate arrays) took a tenth of rebuild's time on the
/// governed 10^6 ledger.
struct HouseholdTable: Sendable {
    private(set) var accounts: [HouseholdAccount] = []
    /// 0 for a free slot, else the hash's high 32 bits and the place + 1; a power of two in size, at most half full.
    private var slots: [UInt64] = Array(repeating: 0, count: 64)

    private static func hash(_ code: HouseholdCode) -> UInt64 {
        var text = code.rawValue
        return text.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return hash ^ (hash >> 29)
        }
    }

    /// The slot of `code`: its account's, or the free one it would take.
    private func slot(_ code: HouseholdCode, _ hash: UInt64) -> Int {
        let mask = slots.count - 1, tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 || (entry >> 32 == tag && accounts[Int(entry & 0xffff_ffff) - 1].code == code) { return slot }
            slot = (slot + 1) & mask
        }
    }

    func index(of code: HouseholdCode) -> Int? {
        let entry = slots[slot(code, Self.hash(code))]
        return entry == 0 ? nil : Int(entry & 0xffff_ffff) - 1
    }

    subscript(code: HouseholdCode) -> HouseholdAccount? {
        index(of: code).map { accounts[$0] }
    }

    mutating func set(_ account: HouseholdAccount) {
        let hash = Self.hash(account.code)
        let at = slot(account.code, hash)
        if slots[at] != 0 {
            accounts[Int(slots[at] & 0xffff_ffff) - 1] = account
            return
        }
        accounts.append(account)
        slots[at] = (hash >> 32) << 32 | UInt64(accounts.count)
        if accounts.count * 2 > slots.count { grow() }
    }

    mutating func change(at place: Int, _ change: (inout HouseholdAccount) -> Void) {
        change(&accounts[place])
    }

    mutating func hold(_ review: ScoreReview, _ sign: Int) {
        guard let at = index(of: review.household) else { return }
        accounts[at].hold(review, sign)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (place, account) in accounts.enumerated() {
            let hash = Self.hash(account.code)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash >> 32) << 32 | UInt64(place + 1)
        }
    }

    var count: Int { accounts.count }

    var dictionary: [HouseholdCode: HouseholdAccount] {
        Dictionary(accounts.map { ($0.code, $0) }, uniquingKeysWith: { _, last in last })
    }
}
