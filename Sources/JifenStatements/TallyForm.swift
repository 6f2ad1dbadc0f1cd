import JifenCore

/// A blank tally form (积分记录表) for one joint unit and one period: the clerk takes it house to house, writes each
/// score on a household's lines, and enters the filled form (`jifen record import`). Every household of the unit with its
/// code and head, a few empty lines each for the date, rule, points and note, and the scheme's rules printed with it.
public struct TallyForm: Hashable, Sendable, Codable {
    public struct Household: Hashable, Sendable, Codable {
        public var code: String
        public var head: String

        public init(code: String, head: String) {
            self.code = code
            self.head = head
        }
    }

    /// A rule as the form's key prints it.
    public struct RuleLine: Hashable, Sendable, Codable {
        public var code: String
        public var zh: String
        public var en: String
        /// As the scheme writes it: +2, -3, +1..5.
        public var points: String
        /// How often it may be given, if limited: 每月 1 次 / 1/month.
        public var capZh: String?
        public var capEn: String?
        /// The category it belongs to, in each language.
        public var categoryZh: String
        public var categoryEn: String

        public init(code: String, zh: String, en: String, points: String, capZh: String?, capEn: String?, categoryZh: String,
                    categoryEn: String) {
            self.code = code
            self.zh = zh
            self.en = en
            self.points = points
            self.capZh = capZh
            self.capEn = capEn
            self.categoryZh = categoryZh
            self.categoryEn = categoryEn
        }
    }

    public var village: String
    public var unit: String
    public var unitName: String
    public var period: String
    public var from: LocalDate
    public var to: LocalDate
    public var households: [Household]
    /// Empty lines a household gets.
    public var lines: Int
    public var rules: [RuleLine]
    public var printedOn: LocalDate

    public init(village: String, unit: String, unitName: String, period: String, from: LocalDate, to: LocalDate,
                households: [Household], lines: Int, rules: [RuleLine], printedOn: LocalDate) {
        self.village = village
        self.unit = unit
        self.unitName = unitName
        self.period = period
        self.from = from
        self.to = to
        self.households = households
        self.lines = lines
        self.rules = rules
        self.printedOn = printedOn
    }

    /// The form's columns, named as `jifen record import` reads them (户主 is there for the clerk and is not read).
    public static func columns(_ language: StatementLanguage) -> [String] {
        language == .zh ? ["户号", "户主", "日期", "规则", "分值", "备注"] : ["household", "head", "date", "rule", "points", "note"]
    }

    /// The form's rows as `jifen record import` reads them: each household's lines, its code and head filled in and the
    /// rest empty. Lines left empty are not read as scores (an unused line of a form).
    public var rows: [[String]] {
        households.flatMap { household in
            Array(repeating: [household.code, household.head, "", "", "", ""], count: lines)
        }
    }

    /// The form as CSV (UTF-8 with a byte-order mark, as Excel and WPS open it): the header, then the rows. A cell that
    /// a spreadsheet would read as a formula (it starts with = + - @) gets a leading '.
    public func csv(language: StatementLanguage = .zh) -> String {
        func cell(_ text: String) -> String {
            var text = text
            if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let lines = [Self.columns(language)] + rows
        return "\u{FEFF}" + lines.map { $0.map(cell).joined(separator: ",") + "\r\n" }.joined()
    }
}
