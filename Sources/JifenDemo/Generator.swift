import Foundation
import Jifen
import JifenCore
import JifenStore
import Synchronization

/// A small deterministic random source (SplitMix64): the same seed gives the same village.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A UUID-shaped id (version 4 layout) drawn from the sequence.
    /// (Written into one buffer: made by joining hex substrings it was 4% of the generator's instructions.)
    public mutating func uuid() -> String {
        String(unsafeUninitializedCapacity: 36) { text in
            var at = 0
            for index in 0..<16 {
                var byte = UInt8(truncatingIfNeeded: next())
                if index == 6 { byte = (byte & 0x0F) | 0x40 }
                if index == 8 { byte = (byte & 0x3F) | 0x80 }
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[at] = UInt8(ascii: "-")
                    at += 1
                }
                text[at] = Self.hexDigit(byte >> 4)
                text[at + 1] = Self.hexDigit(byte & 0x0F)
                at += 2
            }
            return at
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10 }
}

/// A clock and id source that the caller moves by hand, so a generated ledger is the same on every run.
public final class ScriptedEnvironment: Sendable {
    private let state: Mutex<(now: Date, random: SeededRandom)>

    public init(start: Date, seed: UInt64) {
        state = Mutex((now: start, random: SeededRandom(seed: seed)))
    }

    public func set(_ date: Date) { state.withLock { $0.now = date } }

    /// Evening (17:30 Beijing time) of a business date: when a clerk enters the day's work.
    public func setEvening(of day: LocalDate) {
        set(Date(timeIntervalSince1970: TimeInterval(day.daysSinceEpoch * 86_400 + 9 * 3600 + 30 * 60)))
    }

    public var environment: LedgerEnvironment {
        LedgerEnvironment(now: { self.state.withLock { $0.now } },
                          newId: { self.state.withLock { $0.random.uuid() } })
    }
}

/// What a generated ledger holds.
public struct DemoSummary: Sendable {
    public let village: String
    public let firstYear: Int
    public let years: Int
    public let units: Int
    public let households: Int
    public let rules: Int
    public let events: Int64
    public let scores: Int
    public let awarded: Int
    public let deducted: Int
    public let reversals: Int
    public let redemptions: Int
    public let redeemedPoints: Int
    public let receipts: Int
    public let head: String
}

/// What to generate: how many households, over which years, from which seed.
public struct GeneratorPlan: Sendable {
    public var households: Int
    public var years: Int
    public var firstYear: Int
    public var seed: UInt64
    /// Joint units take a size from this range (the last one takes what is left).
    public var unitSizes: ClosedRange<Int>
    public var village: String
    public var demo: Bool
    /// How the file stores its log.
    public var format: LogFormat

    public init(households: Int, years: Int, firstYear: Int, seed: UInt64, unitSizes: ClosedRange<Int> = 10...20,
                village: String = "牛角村", demo: Bool = false, format: LogFormat = .compact) {
        self.format = format
        self.households = households
        self.years = years
        self.firstYear = firstYear
        self.seed = seed
        self.unitSizes = unitSizes
        self.village = village
        self.demo = demo
    }

    /// `jifen demo`: 300 households in 20 joint units of 15, the year 2025.
    public static let demo = GeneratorPlan(households: 300, years: 1, firstYear: 2025, seed: 2025, unitSizes: 15...15, demo: true)
}

/// Generates a realistic village ledger through the same `decide` and append path as a clerk's commands: joint
/// units of 10–20, every rule of the scheme at plausible monthly frequencies with its cap respected, stock from
/// donations and purchases, a monthly exchange day, and a few corrections. The same plan gives the same events
/// and the same chain head on every run and machine.
public enum LedgerGenerator {
    public static let clerk = "王会计"
    public static let shopkeeper = "李店长"
    public static let secretary = "张书记"
    /// The village committee member who reviews, posts the notice and settles objections.
    public static let reviewer = "赵主任"
    /// The leader of the first joint unit, who proposes scores for its households.
    public static let unitLeader = "陈组长"
    public static let auditor = "乡审计站"

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    static let given = Array("德福明华国建兰英秀芳文军平安春梅桂珍永海志强红霞玉成光荣忠")
    static let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

    /// 第一联户 … 第九十九联户, then 第100联户.
    static func unitName(_ number: Int) -> String {
        if number <= 10 { return "第\(numerals[number - 1])联户" }
        if number < 100 {
            let tens = number / 10, ones = number % 10
            return "第" + (tens == 1 ? "" : numerals[tens - 1]) + "十" + (ones == 0 ? "" : numerals[ones - 1]) + "联户"
        }
        return "第\(number)联户"
    }

    /// How often a household earns each rule in a month, per thousand (the rest are rare events).
    static let monthlyOdds: [String: Int] = [
        "A1.1": 700, "A1.2": 600, "A1.3": 60, "A1.4": 1, "A2.2": 150, "A2.3": 6, "A2.4": 1,
        "B1.1": 550, "B1.2": 650, "B1.3": 25, "B1.4": 15, "B2.1": 550, "B2.2": 250, "B2.3": 300, "B2.4": 8,
        "C1.1": 200, "C1.2": 12, "C1.3": 5, "C1.4": 8, "C2.1": 250, "C2.2": 20, "C2.3": 6, "C2.4": 5,
        "C3.1": 80, "C3.2": 250, "C3.3": 3, "D1.1": 300, "D1.2": 4, "D1.3": 2, "D2.1": 10, "D2.2": 4, "D2.3": 3,
    ]

    static let deductionNotes: [String: [String]] = [
        "A1.3": ["3月院坝会无故缺席", "村民大会未请假缺席"],
        "A2.3": ["占用村道晾晒玉米", "违规燃放烟花"],
        "A2.4": ["酒后滋事被行政拘留"],
        "B1.3": ["路边倾倒生活污水", "垃圾扔进河沟"],
        "B1.4": ["生猪散养进入邻家菜地", "粪污排入水渠"],
        "B2.4": ["房后乱堆建筑材料", "未经批准搭建棚房"],
        "C1.4": ["因宅基地界线与邻居争吵", "因灌溉用水与邻居发生口角"],
        "C2.4": ["拒绝配合通组路硬化施工"],
        "C3.3": ["山林边烧荒"],
        "D1.3": ["不履行赡养义务，经调解仍不改正"],
    ]

    static let awardNotes: [String: [String]] = [
        "A1.4": ["获评县级文明家庭"], "C1.2": ["调解两户土地纠纷"], "C1.3": ["拾到钱包交还失主"],
        "C2.2": ["捐款修建文化广场", "捐赠桌椅给村小学"], "D1.2": ["婚事简办"], "D2.1": ["发展蔬菜大棚增收"],
        "D2.2": ["带动 5 名村民在合作社务工"], "D2.3": ["子女考入贵州大学"],
    ]

    static let sources = ["县慈善总会捐赠", "村集体经济采购", "爱心企业捐赠", "乡商会捐赠"]

    /// Households decided in one transaction: large enough to amortise the commit, small enough to keep a
    /// county's month out of memory.
    static let householdsPerBatch = 2_000

    /// Builds the ledger at `path` (which must not exist) and returns what it holds. `progress` gets
    /// (months done, months in all); `atMonthEnd` is called with the last day of each month once everything of that
    /// month is written (and the ledger committed), before anything of the next — so a caller can note what the books
    /// showed that evening.
    public static func build(at path: String, plan: GeneratorPlan, progress: ((Int, Int) -> Void)? = nil,
                             atMonthEnd: ((LocalDate) throws -> Void)? = nil) throws -> DemoSummary {
        let script = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: plan.seed)
        var random = SeededRandom(seed: plan.seed ^ 0x6A69_6665_6E)
        func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        let opened = LocalDate(year: plan.firstYear, month: 1, day: 2)!
        script.setEvening(of: opened)
        let ledger = try Ledger(path: path, create: true, environment: script.environment, format: plan.format)
        let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
        try ledger.execute(.openLedger(ledgerId: script.environment.newId(), village: plan.village, scheme: scheme, demo: plan.demo,
                                       admin: ActorName(rawValue: secretary)), by: secretary)

        // The register: joint units of 10–20 households, each led by its first household.
        let digits = max(3, String(plan.households).count)
        func code(_ index: Int) -> HouseholdCode { HouseholdCode(rawValue: "H" + pad(index + 1, digits)) }
        var households: [HouseholdCode] = []
        var register: [BatchItem] = []
        var unitNumber = 0
        while households.count < plan.households {
            unitNumber += 1
            let size = min(plan.unitSizes.lowerBound + pick(plan.unitSizes.count), plan.households - households.count)
            let unit = UnitCode(rawValue: "U" + pad(unitNumber, max(2, String(plan.households / plan.unitSizes.lowerBound + 1).count)))
            register.append(BatchItem(command: .addUnit(unit, name: unitName(unitNumber), leader: nil), occurredOn: nil, line: 0))
            for member in 0..<size {
                let household = code(households.count)
                let head = String(surnames[pick(surnames.count)]) + String(given[pick(given.count)])
                    + (pick(3) == 0 ? "" : String(given[pick(given.count)]))
                register.append(BatchItem(command: .registerHousehold(household, head: head, unit: unit, members: 1 + pick(6)),
                                          occurredOn: nil, line: 0))
                if member == 0 { register.append(BatchItem(command: .changeUnitLeader(unit, leader: household), occurredOn: nil, line: 0)) }
                households.append(household)
            }
            if register.count >= 10_000 {
                // A county's register goes in a few transactions, not one.
                try ledger.executeAll(register, by: secretary, fileName: "register")
                register = []
            }
        }
        for line in ReferenceSeed.priceListCSV.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            register.append(BatchItem(command: .listItem(ItemCode(rawValue: fields[0]), name: fields[1], unit: fields[2],
                                                         price: Int(fields[3])!), occurredOn: nil, line: 0))
        }
        // The people: the secretary administers, the clerk scores, the committee reviews, the shop has its keeper,
        // the first unit's leader proposes scores for it, and the township's audit office reads.
        register += [(clerk, [Role.clerk], nil), (reviewer, [.reviewer], nil), (shopkeeper, [.shopkeeper], nil),
                     (unitLeader, [.leader], "U" + pad(1, max(2, String(plan.households / plan.unitSizes.lowerBound + 1).count))),
                     (auditor, [.auditor], nil)].map { name, roles, unit in
            BatchItem(command: .registerActor(ActorName(rawValue: name), roles: roles, unit: unit.map { UnitCode(rawValue: $0) }),
                      occurredOn: nil, line: 0)
        }
        try ledger.executeAll(register, by: secretary, fileName: "register")

        // What the generator knows, so that it never asks for what decide would refuse.
        let rules = scheme.rules
        let odds = rules.map { monthlyOdds[$0.code.rawValue] ?? 0 }
        var available = [Int](repeating: 0, count: households.count)
        var counts: [CapPeriod: [UInt8]] = [:]
        for period in CapPeriod.allCases { counts[period] = [UInt8](repeating: 0, count: households.count * rules.count) }
        let items = try ledger.read { try $0.items() }
        var stock = [Int](repeating: 0, count: items.count)
        // A restock in proportion to the village's size: about one oil per 25 households a month.
        let perMonth = [12, 20, 40, 20, 12, 20, 15, 12, 15, 10].map { max(1, $0 * households.count / 300) }

        // Points move from `current` (this month's tally) to `waiting` (last month's, on the public notice) to
        // `available` when that notice closes: only final points are spent at the shop.
        var current = [Int](repeating: 0, count: households.count)
        var waiting = [Int](repeating: 0, count: households.count)
        // Last month's scores with a range, for the occasional objection: (seq, household index, points, rule).
        var objectable: [(seq: Int64, index: Int, points: Int, rule: Rule)] = []
        let ruleByCode = Dictionary(uniqueKeysWithValues: rules.map { ($0.code, $0) })
        let leaderUnit = try ledger.read { try $0.units().first?.code }
        let months = plan.years * 12
        for monthIndex in 0..<months {
            progress?(monthIndex, months)
            let year = plan.firstYear + monthIndex / 12, month = monthIndex % 12 + 1
            let days = LocalDate.daysIn(month: month, year: year)
            let monthEnd = LocalDate(year: year, month: month, day: days)!
            func day(_ d: Int) -> LocalDate { LocalDate(year: year, month: month, day: min(max(d, 1), days))! }
            // Caps count per calendar period: start each period's counts afresh.
            counts[.month] = [UInt8](repeating: 0, count: households.count * rules.count)
            if month % 3 == 1 { counts[.quarter] = [UInt8](repeating: 0, count: households.count * rules.count) }
            if month == 1 { counts[.year] = [UInt8](repeating: 0, count: households.count * rules.count) }

            // On the first of the month the reviewer posts last month's scores (公示).
            let lastPeriod: NoticePeriod? = monthIndex == 0 ? nil
                : NoticePeriod(CapPeriod.month.label(of: LocalDate(daysSinceEpoch: day(1).daysSinceEpoch - 1)))
            if let lastPeriod {
                script.setEvening(of: day(1))
                try ledger.execute(.openNotice(lastPeriod), by: reviewer, on: day(1))
            }

            // Stock arrives on the third.
            var shop: [BatchItem] = []
            for (index, item) in items.enumerated() {
                shop.append(BatchItem(command: .receiveStock(item.code, quantity: perMonth[index % perMonth.count],
                                                             source: sources[pick(sources.count)]), occurredOn: day(3), line: 0))
                stock[index] += perMonth[index % perMonth.count]
            }
            script.setEvening(of: day(3))
            try ledger.executeAll(shop, by: shopkeeper, fileName: "stock")

            // During the notice a resident objects through their unit leader now and then; the reviewer upholds,
            // amends or dismisses it. On the eighth the notice closes and last month's points become final.
            if let lastPeriod {
                script.setEvening(of: day(6))
                if monthIndex % 3 == 1, let (seq, index, points, rule) = objectable.isEmpty ? nil : objectable[pick(objectable.count)] {
                    try ledger.execute(.object(.seq(seq), reason: "户主称当日不在家，请核实"), by: unitLeader, on: day(5))
                    switch monthIndex % 9 {
                    case 1:
                        try ledger.execute(.resolveObjection(.seq(seq), .uphold, reason: "经核实记错"), by: reviewer, on: day(6))
                        waiting[index] -= points
                    case 4 where rule.points.min < rule.points.max:
                        let amended = (abs(points) == rule.points.min ? rule.points.max : rule.points.min) * rule.points.direction.sign
                        try ledger.execute(.resolveObjection(.seq(seq), .amend(points: amended), reason: "经议事会核实调整分值"),
                                           by: reviewer, on: day(6))
                        waiting[index] += amended - points
                    default:
                        try ledger.execute(.resolveObjection(.seq(seq), .dismiss, reason: "经核实属实"), by: reviewer, on: day(6))
                    }
                }
                script.setEvening(of: day(8))
                try ledger.execute(.closeNotice(lastPeriod), by: reviewer, on: day(8))
                for index in households.indices { available[index] += waiting[index] }
            }
            objectable = []

            // The month's tally, entered after the monthly home visits, a block of households at a time: large
            // deductions and the unit leader's proposals wait for the reviewer, who approves them the same evening;
            // a few entries put on the wrong household are reversed on request, approved by the reviewer.
            script.setEvening(of: monthEnd)
            for start in stride(from: 0, to: households.count, by: householdsPerBatch) {
                var tally: [BatchItem] = []
                for index in start..<min(start + householdsPerBatch, households.count) {
                    for (r, rule) in rules.enumerated() {
                        // A2.1 (no violation all year) is given in December.
                        let isYearly = rule.code.rawValue == "A2.1"
                        if isYearly ? (month != 12 || pick(10) < 2) : pick(1000) >= odds[r] { continue }
                        if let cap = rule.cap {
                            let slot = index * rules.count + r
                            if Int(counts[cap.period]![slot]) >= cap.count { continue }
                            counts[cap.period]![slot] += 1
                        }
                        let date = isYearly ? monthEnd : day(1 + pick(days))
                        let size = rule.points.isFixed ? nil : rule.points.min + pick(rule.points.max - rule.points.min + 1)
                        let notes = rule.points.direction == .deduction ? deductionNotes[rule.code.rawValue] : awardNotes[rule.code.rawValue]
                        let note = notes.map { $0[pick($0.count)] } ?? ""
                        tally.append(BatchItem(command: .recordScore(households[index], rule.code, points: size, note: note, source: nil),
                                               occurredOn: date, line: index))
                        current[index] += (size ?? rule.points.min) * rule.points.direction.sign
                    }
                }
                tally.sort { ($0.occurredOn!, $0.line) < ($1.occurredOn!, $1.line) }
                let written = try ledger.executeAll(tally, by: clerk, fileName: "tally")
                for event in written where event.event.entryKind == .score && event.seq % 97 == 0 {
                    if let rule = event.facts.rule.flatMap({ ruleByCode[$0] }), !rule.points.isFixed {
                        objectable.append((event.seq, Int(event.facts.household!.rawValue.dropFirst())! - 1, event.facts.available, rule))
                    }
                }
                var reviews = written.filter { $0.event.type == .scoreProposed }
                    .map { BatchItem(command: .approve(.seq($0.seq)), occurredOn: monthEnd, line: 0) }
                if start == 0, let leaderUnit {
                    // The unit leader proposes a neighbourly deed or two in their own unit.
                    let members = try ledger.read { try $0.households().filter { $0.unit == leaderUnit && $0.status == .open } }
                    var proposals: [BatchItem] = []
                    for member in members.prefix(3) where pick(3) == 0 {
                        let index = Int(member.code.rawValue.dropFirst())! - 1
                        let slot = index * rules.count + rules.firstIndex { $0.code.rawValue == "C1.1" }!
                        guard Int(counts[.month]![slot]) < 2 else { continue }
                        counts[.month]![slot] += 1
                        proposals.append(BatchItem(command: .recordScore(member.code, RuleCode(rawValue: "C1.1"), points: nil,
                                                                         note: "帮邻居抢收玉米", source: nil), occurredOn: day(20), line: 0))
                        current[index] += 5
                    }
                    reviews += try ledger.executeAll(proposals, by: unitLeader, fileName: "proposals")
                        .map { BatchItem(command: .approve(.seq($0.seq)), occurredOn: monthEnd, line: 0) }
                }
                try ledger.executeAll(reviews, by: reviewer, fileName: "reviews")
                if monthIndex < months - 1 {
                    let wrong = written.filter { $0.seq % 401 == 0 }.prefix(4)
                    let corrections = wrong.map { event in
                        let index = Int(event.facts.household!.rawValue.dropFirst())! - 1
                        current[index] -= event.facts.available
                        objectable.removeAll { $0.seq == event.seq }
                        return BatchItem(command: .reverse(.seq(event.seq), reason: "记错户，按登记表更正"), occurredOn: monthEnd, line: 0)
                    }
                    let requests = try ledger.executeAll(Array(corrections), by: clerk, fileName: "corrections")
                    try ledger.executeAll(requests.map { BatchItem(command: .approve(.seq($0.seq)), occurredOn: monthEnd, line: 0) },
                                          by: reviewer, fileName: "approvals")
                }
            }

            var redemptions: [BatchItem] = []
            for index in households.indices where pick(100) < 18 {
                let item = pick(items.count)
                let quantity = 1 + pick(2)
                let cost = items[item].price * quantity
                guard available[index] >= cost, stock[item] >= quantity else { continue }
                available[index] -= cost
                stock[item] -= quantity
                redemptions.append(BatchItem(command: .redeem(households[index], items[item].code, quantity: quantity),
                                             occurredOn: monthEnd, line: 0))
                if redemptions.count == householdsPerBatch {
                    try ledger.executeAll(redemptions, by: shopkeeper, fileName: "shop")
                    redemptions = []
                }
            }
            try ledger.executeAll(redemptions, by: shopkeeper, fileName: "shop")
            // This month's tally goes on next month's notice.
            waiting = current
            current = [Int](repeating: 0, count: households.count)
            if monthIndex < months - 1 { try atMonthEnd?(monthEnd) }
        }

        // Life goes on: a family moves to another unit, one household leaves the village.
        if households.count >= 20 {
            script.setEvening(of: LocalDate(year: plan.firstYear + plan.years - 1, month: 12, day: 31)!)
            let lastUnit = try ledger.read { try $0.units().last!.code }
            if let mover = try ledger.read({ try $0.household(households[16]) }), mover.unit != lastUnit {
                try ledger.execute(.moveHousehold(households[16], to: lastUnit), by: secretary)
            }
            try ledger.execute(.closeHousehold(households[households.count - 2], reason: "全家迁往六盘水市区"), by: secretary)
        }
        try atMonthEnd?(LocalDate(year: plan.firstYear + plan.years - 1, month: 12, day: 31)!)
        progress?(months, months)
        return try summary(of: ledger, plan: plan)
    }

    static func pad(_ number: Int, _ digits: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    static func summary(of ledger: Ledger, plan: GeneratorPlan) throws -> DemoSummary {
        try ledger.read { session in
            let info = try session.ledger()!
            let head = try session.headOfLog()
            let counts = try session.eventCounts()
            func count(_ type: EventType) -> Int { counts[type.rawValue] ?? 0 }
            var awarded = 0, deducted = 0, redeemed = 0
            let households = try session.households()
            for account in households {
                awarded += account.earned
                deducted += account.deducted
                redeemed += account.redeemed
            }
            return DemoSummary(village: info.village, firstYear: plan.firstYear, years: plan.years, units: try session.units().count,
                               households: households.count, rules: info.scheme.rules.count, events: head.seq,
                               scores: count(.scoreRecorded) + count(.scoreProposed),
                               awarded: awarded, deducted: deducted,
                               reversals: count(.entryReversed), redemptions: count(.redeemed),
                               redeemedPoints: redeemed, receipts: count(.stockReceived), head: head.hash.hex)
        }
    }
}
