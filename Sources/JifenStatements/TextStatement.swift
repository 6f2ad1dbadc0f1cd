import JifenCore

/// The language a statement is printed in: Chinese by default, English on request.
public enum StatementLanguage: String, Sendable, CaseIterable, Codable {
    case zh, en

    func say(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
}

/// A statement as fixed-width text: 80 columns for an office printer, 48 and 32 for 80 mm and 58 mm receipt
/// printers. Chinese characters take two columns; every line fits the width exactly or less.
public struct TextStatement {
    public static let widths = [80, 48, 32]

    public let statement: Statement
    public let language: StatementLanguage
    public let width: Int

    var layout: TextLayout { TextLayout(width: width) }

    public init(_ statement: Statement, language: StatementLanguage = .zh, width: Int = 80) {
        self.statement = statement
        self.language = language
        self.width = width
    }

    public func render() -> String {
        let s = statement, l = language
        var out: [String] = []
        let rule = String(repeating: "=", count: width), thin = String(repeating: "-", count: width)
        out.append(layout.center(l.say("\(s.village) 积分对账单", "\(s.village) points statement")))
        out.append(rule)
        out += layout.flow([l.say("户号 \(s.household)", "Household \(s.household)"),
                     l.say("户主 \(s.head)", "Head \(s.head)") + (s.closed ? l.say("（已销户）", " (closed)") : ""),
                     l.say("联户 \(s.unit) \(s.unitName)", "Unit \(s.unit) \(s.unitName)")])
        out += layout.flow([l.say("期间 \(s.period)（\(s.from) 至 \(s.to)）", "Period \(s.period) (\(s.from) to \(s.to))"),
                     l.say("打印日期 \(s.printedOn)", "Printed \(s.printedOn)")])
        out.append(thin)
        out.append(layout.pair(l.say("期初可用积分", "Opening available"), "\(s.opening)"))
        if s.lines.isEmpty {
            out.append(l.say("本期无记录。", "No entries in this period."))
        } else if width >= 80 {
            out += wideLines()
        } else {
            out += narrowLines()
        }
        out.append(thin)
        out.append(layout.pair(l.say("期末可用积分", "Closing available"), "\(s.closing)"))
        out += layout.wrap(l.say("今日可用 \(s.available) 分；待生效 \(signed(s.pending)) 分，待审核 \(signed(s.proposed)) 分（生效后方可兑换）。",
                          "Available today \(s.available); pending \(signed(s.pending)), proposed \(signed(s.proposed)) (spendable once final)."))
        let stars = String(repeating: "★", count: s.stars) + String(repeating: "☆", count: max(0, s.starsMax - s.stars))
        out += layout.wrap(l.say("\(s.year) 年累计积分 \(s.yearPoints) 分，星级 \(stars)",
                          "\(s.year) cumulative points \(s.yearPoints), stars \(stars)"))
        out += layout.wrap(l.say("联户内第 \(s.unitRank) 名（共 \(s.unitHouseholds) 户），全村第 \(s.villageRank) 名（共 \(s.villageHouseholds) 户）。",
                          "Rank \(s.unitRank) of \(s.unitHouseholds) in the unit, \(s.villageRank) of \(s.villageHouseholds) in the village."))
        out.append(thin)
        out += verification()
        out.append(layout.right(l.say("第 1 页 共 1 页", "Page 1 of 1")))
        return out.map(layout.trimmed).joined(separator: "\n") + "\n"
    }

    // MARK: Lines

    /// 80 columns: one row per entry (date, entry, points, balance, status, by), the note on a row below it.
    func wideLines() -> [String] {
        let l = language
        let dateWidth = 10, pointsWidth = 6, balanceWidth = 7, statusWidth = 13, byWidth = 8
        let entryWidth = width - dateWidth - pointsWidth - balanceWidth - statusWidth - byWidth - 5
        func row(_ cells: [String]) -> String {
            [DisplayWidth.fit(cells[0], dateWidth), DisplayWidth.fit(cells[1], entryWidth),
             DisplayWidth.fit(cells[2], pointsWidth, alignRight: true), DisplayWidth.fit(cells[3], balanceWidth, alignRight: true),
             DisplayWidth.fit(cells[4], statusWidth), DisplayWidth.fit(cells[5], byWidth)].joined(separator: " ")
        }
        var out = [row([l.say("日期", "Date"), l.say("事项", "Entry"), l.say("分值", "Points"), l.say("余额", "Balance"),
                        l.say("状态", "Status"), l.say("记录人", "By")])]
        for line in statement.lines {
            let entry = "\(line.code) \(name(line))"
            out.append(row([line.date.description, DisplayWidth.of(entry) > entryWidth ? line.code : entry, signed(line.points),
                            "\(line.balance)", status(line), line.by]))
            if DisplayWidth.of(entry) > entryWidth { out += layout.wrap(name(line), indent: dateWidth + 1) }
            if !line.note.isEmpty { out += layout.wrap(l.say("备注：", "Note: ") + line.note, indent: dateWidth + 1) }
        }
        return out
    }

    /// 48 and 32 columns: the date, code, points and balance on one row; the name, the note, the status and who
    /// recorded it wrapped below, indented.
    func narrowLines() -> [String] {
        let l = language
        var out: [String] = []
        let pointsWidth = 5, balanceWidth = 6
        let left = width - pointsWidth - balanceWidth - 2
        out.append(DisplayWidth.fit(l.say("日期 事项", "Date  entry"), left) + " " + DisplayWidth.fit(l.say("分值", "Pts"), pointsWidth, alignRight: true)
                   + " " + DisplayWidth.fit(l.say("余额", "Bal."), balanceWidth, alignRight: true))
        for line in statement.lines {
            let day = String(line.date.description.dropFirst(5))
            out.append(DisplayWidth.fit("\(day) \(line.code)", left) + " " + DisplayWidth.fit(signed(line.points), pointsWidth, alignRight: true)
                       + " " + DisplayWidth.fit("\(line.balance)", balanceWidth, alignRight: true))
            out += layout.wrap(name(line), indent: 2)
            if !line.note.isEmpty { out += layout.wrap(l.say("备注：", "Note: ") + line.note, indent: 2) }
            let state = status(line)
            out += layout.wrap((state.isEmpty ? "" : state + " ") + l.say("记录人 ", "by ") + line.by, indent: 2)
        }
        return out
    }

    func name(_ line: StatementLine) -> String { language == .zh ? line.zh : line.en }

    /// How a line's status is printed: empty for a final entry.
    public func statusText(_ line: StatementLine) -> String { status(line) }

    func status(_ line: StatementLine) -> String {
        let l = language
        switch line.status {
        case .final: return ""
        case .pending: return l.say("待公示", "pending")
        case .posted: return l.say("公示中", "on notice")
        case .proposed: return l.say("待审核", "proposed")
        case .objected: return l.say("有异议", "objected")
        case .reversed: return line.other.map { l.say("已冲正#\($0)", "reversed #\($0)") } ?? l.say("已冲正", "reversed")
        }
    }

    /// The ledger's position and hash, in groups of eight hex digits, wrapped to the width.
    func verification() -> [String] {
        let l = language, s = statement
        var groups: [String] = []
        var hash = Substring(s.headHash)
        while !hash.isEmpty {
            groups.append(String(hash.prefix(8)))
            hash = hash.dropFirst(8)
        }
        var out = layout.wrap(l.say("核验：账本第 \(s.headSeq) 条事件", "Verification: ledger event \(s.headSeq)"))
        out += layout.wrap(groups.joined(separator: " "), indent: 2)
        out += layout.wrap(l.say("核对：jifen verify --head \(s.headSeq):前述哈希", "Check: jifen verify --head \(s.headSeq):<hash above>"))
        if let c = s.checkpoint {
            out += layout.wrap(l.say("签名存证：第 \(c.seq) 条事件，\(c.signedOn) 签，\(c.signatures) 个签名",
                                     "Signed checkpoint: event \(c.seq), signed \(c.signedOn), \(c.signatures) signature\(c.signatures == 1 ? "" : "s")"))
            out += layout.wrap(l.say("链头 \(c.shortHead)", "head \(c.shortHead)"), indent: 2)
        }
        return out
    }

}

/// Fixed-width layout: centring, right edges, wrapping by display width.
public struct TextLayout {
    public let width: Int

    public init(width: Int) { self.width = width }


    public func center(_ text: String) -> String {
        let padding = max(0, (width - DisplayWidth.of(text)) / 2)
        return String(repeating: " ", count: padding) + text
    }

    public func right(_ text: String) -> String {
        String(repeating: " ", count: max(0, width - DisplayWidth.of(text))) + text
    }

    /// A label on the left and a figure on the right edge.
    public func pair(_ label: String, _ value: String) -> String {
        let gap = width - DisplayWidth.of(label) - DisplayWidth.of(value)
        guard gap >= 1 else { return label + " " + value }
        return label + String(repeating: " ", count: gap) + value
    }

    /// Items side by side, three spaces apart, on as many lines as the width needs.
    public func flow(_ items: [String]) -> [String] {
        var lines: [String] = []
        var current = ""
        for item in items {
            let candidate = current.isEmpty ? item : current + "   " + item
            if DisplayWidth.of(candidate) <= width {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = item
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.flatMap { wrap($0) }
    }

    /// Breaks text to the width, every line after the first indented as given. A line breaks at a space before an
    /// English word, or between two Chinese characters (never before Chinese closing punctuation): numbers and
    /// words stay whole, and "4 分" never loses its unit.
    public func wrap(_ text: String, indent: Int = 0) -> [String] {
        let characters = Array(text)
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line: [Character] = [], used = indent
        var lastBreak: Int?      // index in `line` where a new line may start
        func isWide(_ c: Character) -> Bool { c.unicodeScalars.first.map { DisplayWidth.of($0) == 2 } ?? false }
        func opensNoLine(_ c: Character) -> Bool { "，。；：、）」』》！？".contains(c) }
        for (index, character) in characters.enumerated() {
            let w = DisplayWidth.of(String(character))
            if index > 0, !line.isEmpty {
                let previous = characters[index - 1]
                let breakable = (previous == " " && character != " " && !isWide(character))
                    || (isWide(previous) && isWide(character) && !opensNoLine(character))
                    || ("，。；：、！？".contains(previous) && character != " ")
                if breakable { lastBreak = line.count }
            }
            if used + w > width, !line.isEmpty {
                let cut = lastBreak ?? line.count
                var rest = Array(line[cut...])
                var head = Array(line[..<cut])
                while head.last == " " { head.removeLast() }
                while rest.first == " " { rest.removeFirst() }
                lines.append((lines.isEmpty ? "" : pad) + String(head))
                line = rest
                used = indent + DisplayWidth.of(String(rest))
                lastBreak = nil
                if character == " " && line.isEmpty { continue }
            }
            line.append(character)
            used += w
        }
        if !line.isEmpty || lines.isEmpty { lines.append((lines.isEmpty ? "" : pad) + String(line)) }
        // The first line carries the indent too when one was asked for.
        if indent > 0, !lines.isEmpty { lines[0] = pad + lines[0] }
        return lines
    }

    public func trimmed(_ line: String) -> String {
        var line = line
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }
}

/// Points with their sign: +5, -3, 0.
func signed(_ points: Int) -> String { points > 0 ? "+\(points)" : "\(points)" }
