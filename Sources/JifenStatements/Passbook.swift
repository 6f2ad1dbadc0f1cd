import JifenCore

/// Lines of a points passbook (积分存折), placed on its pages like a bank passbook: each page holds
/// `Passbook.linesPerPage` lines; an update continues on the line after the last one printed.
public struct Passbook: Hashable, Sendable, Encodable {
    public static let linesPerPage = 20

    public struct Line: Hashable, Sendable, Encodable {
        public var page: Int
        /// 1 to `linesPerPage`.
        public var line: Int
        public var seq: Int64
        public var date: LocalDate
        public var code: String
        public var zh: String
        public var en: String
        public var points: Int
        public var balance: Int
        public var by: String

        public init(page: Int, line: Int, seq: Int64, date: LocalDate, code: String, zh: String, en: String, points: Int, balance: Int, by: String) {
            self.page = page
            self.line = line
            self.seq = seq
            self.date = date
            self.code = code
            self.zh = zh
            self.en = en
            self.points = points
            self.balance = balance
            self.by = by
        }
    }

    public var village: String
    public var household: HouseholdCode
    public var head: String
    public var unit: UnitCode
    public var lines: [Line]
    /// The balance carried onto the first page shown (0 on page 1).
    public var carried: Int
    /// A page printed again: marked as a copy.
    public var copy: Bool
    public var printedOn: LocalDate

    public init(village: String, household: HouseholdCode, head: String, unit: UnitCode, lines: [Line], carried: Int, copy: Bool,
                printedOn: LocalDate) {
        self.village = village
        self.household = household
        self.head = head
        self.unit = unit
        self.lines = lines
        self.carried = carried
        self.copy = copy
        self.printedOn = printedOn
    }

    /// Where the line after (page, line) goes.
    public static func next(page: Int, line: Int) -> (page: Int, line: Int) {
        line >= linesPerPage ? (page + 1, 1) : (page, line + 1)
    }
}

/// A passbook update as text: a page header where a page starts (or is continued), its lines at their line
/// numbers, and "carried forward" at a full page's foot and the next page's head.
public struct TextPassbook {
    public let passbook: Passbook
    public let language: StatementLanguage

    public init(_ passbook: Passbook, language: StatementLanguage = .zh) {
        self.passbook = passbook
        self.language = language
    }

    static let width = 80

    public func render() -> String {
        let p = passbook, l = language, layout = TextLayout(width: Self.width)
        var out: [String] = []
        let widths = (line: 4, date: 10, entry: 32, income: 6, outgo: 6, balance: 7, by: 8)
        func row(_ cells: [String]) -> String {
            [DisplayWidth.fit(cells[0], widths.line, alignRight: true), DisplayWidth.fit(cells[1], widths.date),
             DisplayWidth.fit(cells[2], widths.entry), DisplayWidth.fit(cells[3], widths.income, alignRight: true),
             DisplayWidth.fit(cells[4], widths.outgo, alignRight: true), DisplayWidth.fit(cells[5], widths.balance, alignRight: true),
             DisplayWidth.fit(cells[6], widths.by)].joined(separator: " ")
        }
        var balance = p.carried
        var page = 0
        for line in p.lines {
            if line.page != page {
                if page != 0 {
                    out.append(row(["", "", l.say("—— 本页已满，转下页 ——", "-- page full, carried forward --"), "", "", "\(balance)", ""]))
                    out.append("\u{0C}")
                }
                page = line.page
                let title = l.say("\(p.village) 积分存折", "\(p.village) points passbook") + (p.copy ? l.say("（副本）", " (COPY)") : "")
                out.append(layout.pair(title, l.say("第 \(page) 页", "Page \(page)")))
                out.append(l.say("户号 \(p.household)   户主 \(p.head)   联户 \(p.unit)", "Household \(p.household)   Head \(p.head)   Unit \(p.unit)"))
                out.append(row([l.say("行", "Ln"), l.say("日期", "Date"), l.say("摘要", "Entry"), l.say("收入", "In"), l.say("支出", "Out"),
                                l.say("余额", "Balance"), l.say("经办", "By")]))
                out.append(String(repeating: "-", count: Self.width))
                if line.line == 1 && page > 1 {
                    out.append(row(["", "", l.say("承前页", "Brought forward"), "", "", "\(balance)", ""]))
                } else if line.line > 1 {
                    out.append(l.say("（接第 \(line.line) 行续印）", "(continuing at line \(line.line))"))
                }
            }
            balance = line.balance
            let entry = "\(line.code) \(l == .zh ? line.zh : line.en)"
            out.append(row(["\(line.line)", line.date.description, entry, line.points > 0 ? "\(line.points)" : "",
                            line.points < 0 ? "\(-line.points)" : "", "\(line.balance)", line.by]))
        }
        out.append(String(repeating: "-", count: Self.width))
        out.append(l.say("打印日期 \(p.printedOn)", "Printed \(p.printedOn)") + (p.copy ? l.say("　副本，非新记录", "   a copy, no new entries") : ""))
        return out.map(layout.trimmed).joined(separator: "\n") + "\n"
    }
}
