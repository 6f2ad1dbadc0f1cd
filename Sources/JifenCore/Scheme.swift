import Tagged

/// Whether a rule adds points (an award, 加分) or takes them away (a deduction, 扣分).
public enum Direction: String, Sendable, Codable {
    case award, deduction

    public var sign: Int { self == .award ? 1 : -1 }
}

/// The points a rule gives: a fixed number, or a range the recorder chooses within.
/// The recorder gives the size; the rule gives the sign.
public struct RulePoints: Hashable, Sendable, Codable, CustomStringConvertible {
    public let direction: Direction
    /// The smallest size (always positive).
    public let min: Int
    /// The largest size (equal to `min` for a fixed rule).
    public let max: Int

    public init(direction: Direction, min: Int, max: Int) {
        self.direction = direction
        self.min = min
        self.max = max
    }

    public var isFixed: Bool { min == max }

    /// `+2`, `-1`, `+15..50`, `-5..20`: the syntax of the scheme file.
    public var description: String {
        let sign = direction == .award ? "+" : "-"
        return isFixed ? "\(sign)\(min)" : "\(sign)\(min)..\(max)"
    }

    /// Parses the scheme file's syntax; returns a sentence on what is wrong otherwise.
    public static func parse(_ text: String) -> Result<RulePoints, SchemeProblem.Reason> {
        let trimmed = text.trimmingSpaces
        guard let first = trimmed.first, first == "+" || first == "-" || first == "−" else {
            return .failure(.init("'\(text)' must start with + (an award) or - (a deduction), like +2 or -5..20",
                                  zh: "「\(text)」要以 +（加分）或 -（扣分）开头，例如 +2 或 -5..20"))
        }
        let direction: Direction = first == "+" ? .award : .deduction
        let body = trimmed.dropFirst()
        let parts = body.split(separator: "..", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              let low = Int(parts[0]), let high = Int(parts.count == 2 ? parts[1] : parts[0]) else {
            return .failure(.init("'\(text)' is not a number or a range like +2 or -5..20", zh: "「\(text)」不是分值，也不是 +2 或 -5..20 这样的范围"))
        }
        guard low > 0 else { return .failure(.init("'\(text)' must be at least 1 point", zh: "「\(text)」至少要 1 分")) }
        guard low <= high else { return .failure(.init("'\(text)' is a range whose start is above its end", zh: "「\(text)」这个范围的起点比终点大")) }
        guard high <= Scheme.pointsMax else {
            return .failure(.init("'\(text)' is above the largest allowed \(Scheme.pointsMax) points", zh: "「\(text)」超过了允许的最大值 \(Scheme.pointsMax) 分"))
        }
        return .success(RulePoints(direction: direction, min: low, max: high))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        switch RulePoints.parse(text) {
        case .success(let points): self = points
        case .failure(let reason):
            throw DecodingError.dataCorruptedError(in: container, debugDescription: reason.text)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// How often a household may earn a rule: at most `count` times per calendar `period`.
public struct Cap: Hashable, Sendable, Codable, CustomStringConvertible {
    public let count: Int
    public let period: CapPeriod

    public init(count: Int, period: CapPeriod) {
        self.count = count
        self.period = period
    }

    /// `1/month`, `4/month`, `1/quarter`, `2/year`.
    public var description: String { "\(count)/\(period.rawValue)" }

    public static func parse(_ text: String) -> Result<Cap, SchemeProblem.Reason> {
        let parts = text.trimmingSpaces.split(separator: "/")
        guard parts.count == 2, let count = Int(parts[0].trimmingSpaces),
              let period = CapPeriod(rawValue: parts[1].trimmingSpaces.lowercased()) else {
            return .failure(.init("'\(text)' is not a cap like 1/month, 1/quarter or 2/year", zh: "「\(text)」不是 1/month、1/quarter、2/year 这样的次数上限"))
        }
        guard count >= 1 else { return .failure(.init("'\(text)' must allow at least once", zh: "「\(text)」至少要允许一次")) }
        return .success(Cap(count: count, period: period))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        switch Cap.parse(text) {
        case .success(let cap): self = cap
        case .failure(let reason):
            throw DecodingError.dataCorruptedError(in: container, debugDescription: reason.text)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public struct Category: Hashable, Sendable, Codable {
    public let code: String
    public let zh: String
    public let en: String

    public init(code: String, zh: String, en: String) {
        self.code = code
        self.zh = zh
        self.en = en
    }
}

public struct Indicator: Hashable, Sendable, Codable {
    public let code: String
    public let category: String
    public let zh: String
    public let en: String

    public init(code: String, category: String, zh: String, en: String) {
        self.code = code
        self.category = category
        self.zh = zh
        self.en = en
    }
}

public struct Rule: Hashable, Sendable, Codable {
    public let code: RuleCode
    public let indicator: String
    public let zh: String
    public let en: String
    public let points: RulePoints
    public let cap: Cap?

    public init(code: RuleCode, indicator: String, zh: String, en: String, points: RulePoints, cap: Cap?) {
        self.code = code
        self.indicator = indicator
        self.zh = zh
        self.en = en
        self.points = points
        self.cap = cap
    }
}

/// What happens to redeemable points at the end of a year.
public enum YearEnd: Hashable, Sendable, Codable, CustomStringConvertible {
    case carryOver
    /// Redeemable points are cleared on this month and day of the next year (cumulative points stay).
    case clear(month: Int, day: Int)

    public var description: String {
        switch self {
        case .carryOver: return "carry_over"
        case .clear(let month, let day): return "clear \(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        }
    }

    public static func parse(_ text: String) -> YearEnd? {
        let trimmed = text.trimmingSpaces
        if trimmed == "carry_over" { return .carryOver }
        guard trimmed.hasPrefix("clear ") else { return nil }
        let date = trimmed.dropFirst("clear ".count).trimmingSpaces
        guard let parsed = LocalDate("2000-" + date) else { return nil }
        return .clear(month: parsed.month, day: parsed.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = YearEnd.parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not carry_over or clear MM-DD: \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Settings of a scheme that differ from village to village (defaults from common practice).
public struct SchemeSettings: Hashable, Sendable, Codable {
    /// Points every household starts with; only points above it are redeemable.
    public var basePoints: Int = 0
    /// How long a tally stays posted (公示) before it becomes final.
    public var noticeDays: Int = 7
    public var yearEnd: YearEnd = .carryOver
    /// The year's cumulative points needed for one to five stars (星级文明户), ascending.
    public var stars: [Int] = [20, 40, 60, 80, 100]
    /// A single deduction of this size or more puts a household on the black list.
    public var blacklistDeduction: Int = 20
    /// How long a black-listed household may not redeem.
    public var blacklistMonths: Int = 3
    /// What one point is worth at the shop, in yuan.
    public var yuanPerPoint: Int = 1

    public init() {}
}

/// A points scheme: categories (大项), indicators (指标), rules (积分标准) and settings.
///
/// Nothing here assumes the reference scheme's 4/9/33 shape: a village may publish any number of each.
public struct Scheme: Hashable, Sendable, Codable {
    /// No rule may give or take more than this in one score.
    public static let pointsMax = 1_000

    public let name: String
    public let settings: SchemeSettings
    public let categories: [Category]
    public let indicators: [Indicator]
    public let rules: [Rule]

    public init(name: String, settings: SchemeSettings, categories: [Category], indicators: [Indicator], rules: [Rule]) {
        self.name = name
        self.settings = settings
        self.categories = categories
        self.indicators = indicators
        self.rules = rules
    }

    public func rule(_ code: RuleCode) -> Rule? {
        rules.first { $0.code == code }
    }

    public func indicator(of rule: Rule) -> Indicator? {
        indicators.first { $0.code == rule.indicator }
    }

    public func category(of rule: Rule) -> Category? {
        indicator(of: rule).flatMap { indicator in categories.first { $0.code == indicator.category } }
    }
}

/// A scheme file that cannot be used, naming the field at fault.
public struct SchemeProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Reason: Error, Equatable, Sendable {
        public let text: String
        public let chinese: String
        public init(_ text: String, zh chinese: String) {
            self.text = text
            self.chinese = chinese
        }
    }

    /// Where the fault is, e.g. `rules[4] (A2.1).cap`.
    public let field: String
    public let reason: String
    public let chinese: String
    /// The line of the file, where it is known.
    public let line: Int?

    public init(field: String, reason: String, zh chinese: String, line: Int? = nil) {
        self.field = field
        self.reason = reason
        self.chinese = chinese
        self.line = line
    }

    public var description: String { (field.isEmpty ? reason : "\(field): \(reason)") + (line.map { " (line \($0))" } ?? "") }
    public var chineseDescription: String { (field.isEmpty ? chinese : "\(field)：\(chinese)") + (line.map { "（第 \($0) 行）" } ?? "") }
}

extension StringProtocol {
    var trimmingSpaces: String {
        // Most text has no space at either end: then it is returned as it is, with no copy made (a copy of every
        // note and code was 1.6% of an import's instructions).
        if let first = unicodeScalars.first, let last = unicodeScalars.last,
           !first.properties.isWhitespace, !last.properties.isWhitespace { return String(self) }
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
