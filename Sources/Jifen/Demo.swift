import Foundation
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
    public mutating func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Data(bytes).hex
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
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

/// What `jifen demo` built.
public struct DemoSummary: Sendable {
    public let village: String
    public let year: Int
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

/// Builds the demo village: 牛角村, 20 joint units of 15 households, a year of scores across the scheme's
/// rules at plausible frequencies (caps respected), stock from donations and purchases, redemptions and a few
/// corrections — through the same `decide` and append path as a clerk's commands. Deterministic.
public enum DemoLedger {
    public static let village = "牛角村"
    public static let year = 2025
    public static let clerk = "王会计"
    public static let shopkeeper = "李店长"
    public static let secretary = "张书记"

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    static let given = Array("德福明华国建兰英秀芳文军平安春梅桂珍永海志强红霞玉成光荣忠")
    static let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五",
                           "十六", "十七", "十八", "十九", "二十"]

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

    /// Builds the demo ledger at `path` (which must not exist) and returns what it holds.
    public static func build(at path: String, progress: ((Int, Int) -> Void)? = nil) throws -> DemoSummary {
        let script = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 2025)
        var random = SeededRandom(seed: 0x6A69_6665_6E)
        let opened = LocalDate(year: year, month: 1, day: 2)!
        script.setEvening(of: opened)
        let ledger = try Ledger(path: path, create: true, environment: script.environment)
        let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
        try ledger.execute(.openLedger(ledgerId: script.environment.newId(), village: village, scheme: scheme, demo: true),
                           by: secretary)

        // The register: 20 joint units of 15 households, each led by its first household.
        var register: [BatchItem] = []
        var households: [HouseholdCode] = []
        for unitIndex in 0..<20 {
            let unit = UnitCode(rawValue: String(format: "U%02d", unitIndex + 1))
            register.append(BatchItem(command: .addUnit(unit, name: "第\(numerals[unitIndex])联户", leader: nil), occurredOn: nil, line: 0))
            for member in 0..<15 {
                let code = HouseholdCode(rawValue: String(format: "H%03d", unitIndex * 15 + member + 1))
                let head = String(surnames[Int(random.next() % UInt64(surnames.count))])
                    + String(given[Int(random.next() % UInt64(given.count))])
                    + (random.next() % 3 == 0 ? "" : String(given[Int(random.next() % UInt64(given.count))]))
                register.append(BatchItem(command: .registerHousehold(code, head: head, unit: unit, members: 1 + Int(random.next() % 6)),
                                          occurredOn: nil, line: 0))
                if member == 0 {
                    register.append(BatchItem(command: .changeUnitLeader(unit, leader: code), occurredOn: nil, line: 0))
                }
                households.append(code)
            }
        }
        for line in ReferenceSeed.priceListCSV.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            register.append(BatchItem(command: .listItem(ItemCode(rawValue: fields[0]), name: fields[1], unit: fields[2], price: Int(fields[3])!),
                                      occurredOn: nil, line: 0))
        }
        try ledger.executeAll(register, by: secretary, fileName: "demo register")

        // What the generator knows, so that it never asks for what decide would refuse.
        var available: [HouseholdCode: Int] = [:]
        var stock: [ItemCode: Int] = [:]
        var capCounts: [String: Int] = [:]
        let prices = Dictionary(uniqueKeysWithValues: try ledger.read { try $0.items() }.map { ($0.code, $0.price) })
        let restock: [(ItemCode, Int)] = [("oil", 12), ("rice", 20), ("salt", 40), ("soy-sauce", 20), ("washing-powder", 12),
                                          ("soap", 20), ("toothpaste", 15), ("towel", 12), ("toilet-paper", 15),
                                          ("exercise-books", 10)].map { (ItemCode(rawValue: $0.0), $0.1) }

        for month in 1...12 {
            progress?(month - 1, 12)
            let days = LocalDate.daysIn(month: month, year: year)
            let monthEnd = LocalDate(year: year, month: month, day: days)!
            func day(_ d: Int) -> LocalDate { LocalDate(year: year, month: month, day: min(max(d, 1), days))! }

            // Stock arrives at the start of the month.
            var shop: [BatchItem] = []
            for (item, quantity) in restock {
                let source = sources[Int(random.next() % UInt64(sources.count))]
                shop.append(BatchItem(command: .receiveStock(item, quantity: quantity, source: source), occurredOn: day(3), line: 0))
                stock[item, default: 0] += quantity
            }
            script.setEvening(of: day(3))
            try ledger.executeAll(shop, by: shopkeeper, fileName: "demo stock \(month)")

            // The month's tally, entered after the monthly home visits.
            var tally: [BatchItem] = []
            for household in households {
                for rule in scheme.rules {
                    let odds = monthlyOdds[rule.code.rawValue] ?? 0
                    // A2.1 (no violation all year) is given in December to households with no deduction.
                    let isYearly = rule.code.rawValue == "A2.1"
                    if isYearly ? (month != 12 || random.next() % 10 < 2) : Int(random.next() % 1000) >= odds { continue }
                    let date = isYearly ? monthEnd : day(1 + Int(random.next() % UInt64(days)))
                    if let cap = rule.cap {
                        let key = "\(household)|\(rule.code)|\(cap.period.label(of: date))"
                        if capCounts[key, default: 0] >= cap.count { continue }
                        capCounts[key, default: 0] += 1
                    }
                    let size = rule.points.isFixed ? nil : rule.points.min + Int(random.next() % UInt64(rule.points.max - rule.points.min + 1))
                    let notes = rule.points.direction == .deduction ? deductionNotes[rule.code.rawValue] : awardNotes[rule.code.rawValue]
                    let note = notes.map { $0[Int(random.next() % UInt64($0.count))] } ?? ""
                    tally.append(BatchItem(command: .recordScore(household, rule.code, points: size, note: note, source: nil),
                                           occurredOn: date, line: 0))
                    available[household, default: 0] += (size ?? rule.points.min) * rule.points.direction.sign
                }
            }
            tally.sort { ($0.occurredOn!, $0.line) < ($1.occurredOn!, $1.line) }
            script.setEvening(of: monthEnd)
            try ledger.executeAll(tally, by: clerk, fileName: "demo tally \(month)")

            // A few entries of the month were put on the wrong household or rule: reversed.
            let wrong = try ledger.read { try $0.entries(kind: .score, in: CapPeriod.month.bounds(of: monthEnd)) }
                .filter { $0.reversedBy == nil && $0.seq % 97 == 0 }
            if month < 12 {
                let corrections = wrong.prefix(4).map { entry in
                    available[entry.household!, default: 0] -= entry.earned - entry.deducted
                    return BatchItem(command: .reverse(.seq(entry.seq), reason: "记错户，按登记表更正"), occurredOn: day(days), line: 0)
                }
                try ledger.executeAll(corrections, by: clerk, fileName: "demo corrections \(month)")
            }

            // The monthly exchange day (兑换日), on the last day of the month: some households take goods.
            var redemptions: [BatchItem] = []
            for household in households where random.next() % 100 < 18 {
                let item = restock[Int(random.next() % UInt64(restock.count))].0
                let price = prices[item]!
                let quantity = 1 + Int(random.next() % 2)
                guard available[household, default: 0] >= price * quantity, stock[item, default: 0] >= quantity else { continue }
                available[household, default: 0] -= price * quantity
                stock[item, default: 0] -= quantity
                redemptions.append(BatchItem(command: .redeem(household, item, quantity: quantity), occurredOn: monthEnd, line: 0))
            }
            script.setEvening(of: monthEnd)
            try ledger.executeAll(redemptions, by: shopkeeper, fileName: "demo shop \(month)")
        }

        // Life goes on: a family moves to another unit, one household leaves the village.
        script.setEvening(of: LocalDate(year: year, month: 12, day: 31)!)
        try ledger.execute(.moveHousehold("H017", to: "U03"), by: secretary)
        try ledger.execute(.closeHousehold("H299", reason: "全家迁往六盘水市区"), by: secretary)
        progress?(12, 12)
        return try summary(of: ledger)
    }

    static func summary(of ledger: Ledger) throws -> DemoSummary {
        try ledger.read { session in
            let info = try session.ledger()!
            let head = try session.headOfLog()
            let counts = try session.eventCounts()
            var awarded = 0, deducted = 0, redeemed = 0, redemptions = 0
            for account in try session.households() {
                awarded += account.earned
                deducted += account.deducted
                redeemed += account.redeemed
            }
            redemptions = counts["v1.redeemed"] ?? 0
            return DemoSummary(village: info.village, year: year, units: try session.units().count,
                               households: try session.households().count, rules: info.scheme.rules.count, events: head.seq,
                               scores: counts["v1.scoreRecorded"] ?? 0, awarded: awarded, deducted: deducted,
                               reversals: counts["v1.entryReversed"] ?? 0, redemptions: redemptions, redeemedPoints: redeemed,
                               receipts: counts["v1.stockReceived"] ?? 0, head: head.hash.hex)
        }
    }
}
