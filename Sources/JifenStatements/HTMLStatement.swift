import JifenCore

/// Statements as one HTML page with print CSS, for villages that print from a browser: A4, one household per page,
/// table headers repeated when a table breaks across pages.
public struct HTMLStatement {
    public let statements: [Statement]
    public let language: StatementLanguage
    /// Large type for elderly residents: bigger letters, and the table without its code and clerk columns.
    public let large: Bool

    public init(_ statements: [Statement], language: StatementLanguage = .zh, large: Bool = false) {
        self.statements = statements
        self.language = language
        self.large = large
    }

    static let style = """
        @page { size: A4; margin: 15mm 15mm 18mm 15mm; }
        body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei", sans-serif; font-size: 11pt;
               color: #111; margin: 0; }
        section.statement { page-break-after: always; break-after: page; padding: 0 2mm; }
        section.statement:last-child { page-break-after: auto; break-after: auto; }
        h1 { font-size: 17pt; text-align: center; margin: 0 0 4mm; letter-spacing: 0.1em; }
        dl.who { display: grid; grid-template-columns: auto 1fr auto 1fr; gap: 1mm 4mm; margin: 0 0 4mm; }
        dl.who dt { color: #555; } dl.who dd { margin: 0; font-weight: 600; }
        table { width: 100%; border-collapse: collapse; font-size: 10pt; }
        thead { display: table-header-group; }
        tr { page-break-inside: avoid; break-inside: avoid; }
        th, td { border-bottom: 0.3mm solid #bbb; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
        th { background: #eee; border-bottom: 0.5mm solid #555; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.date { white-space: nowrap; }
        tr.open td { color: #666; }
        .note { color: #444; font-size: 9pt; }
        .totals { margin: 4mm 0; width: 100%; }
        .totals td { border: none; padding: 0.8mm 1.5mm; }
        .totals td.n { font-weight: 700; }
        .year { margin: 3mm 0; }
        .verify { margin-top: 5mm; font-size: 8.5pt; color: #333; border-top: 0.3mm solid #999; padding-top: 2mm;
                  word-break: break-all; }
        .verify code { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; }
        footer { margin-top: 2mm; font-size: 8.5pt; color: #666; text-align: right; }
        figure.charts { display: flex; gap: 6mm; margin: 3mm 0; page-break-inside: avoid; break-inside: avoid; }
        figure.charts div { flex: 1; }
        figure.charts div.months { flex: 3; }
        figure.charts div.categories { flex: 2; }
        figure.charts h2 { font-size: 10pt; margin: 0 0 1mm; }
        figure.charts svg { width: 100%; height: auto; }
        p.key { font-size: 8.5pt; color: #333; margin: 1mm 0 3mm; }
        body.large { font-size: 15pt; }
        body.large h1 { font-size: 22pt; }
        body.large table { font-size: 14pt; }
        body.large .note { font-size: 12pt; }
        body.large td.code, body.large th.code, body.large td.by, body.large th.by { display: none; }
        body.large figure.charts { flex-direction: column; }
        body.large figure.charts h2 { font-size: 14pt; }
        body.large p.key { font-size: 12pt; }
        """

    public func render() -> String {
        let l = language
        var out = """
            <!DOCTYPE html>
            <html lang="\(l == .zh ? "zh-CN" : "en")">
            <head>
            <meta charset="utf-8">
            <title>\(escape(statements.first.map { l.say("\($0.village) 积分对账单 \($0.period)", "\($0.village) statements \($0.period)") } ?? ""))</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body\(large ? " class=\"large\"" : "")>

            """
        if statements.contains(where: { $0.chart != nil }) { out += Self.hatch }
        for (index, statement) in statements.enumerated() {
            out += section(statement, page: index + 1, of: statements.count)
        }
        out += "</body>\n</html>\n"
        return out
    }

    func section(_ s: Statement, page: Int, of pages: Int) -> String {
        let l = language
        var out = "<section class=\"statement\">\n"
        out += "<h1>\(escape(l.say("\(s.village) 积分对账单", "\(s.village) points statement")))</h1>\n"
        out += "<dl class=\"who\">\n"
        for (term, value) in [(l.say("户号", "Household"), s.household.rawValue),
                              (l.say("户主", "Head"), s.head + (s.closed ? l.say("（已销户）", " (closed)") : "")),
                              (l.say("联户", "Unit"), "\(s.unit) \(s.unitName)"),
                              (l.say("期间", "Period"), l.say("\(s.period)（\(s.from) 至 \(s.to)）", "\(s.period) (\(s.from) to \(s.to))")),
                              (l.say("打印日期", "Printed"), s.printedOn.description),
                              (l.say("期初可用积分", "Opening available"), "\(s.opening)")] {
            out += "<dt>\(escape(term))</dt><dd>\(escape(value))</dd>\n"
        }
        out += "</dl>\n<table>\n<thead><tr>"
        out += "<th>\(escape(l.say("日期", "Date")))</th><th class=\"code\">\(escape(l.say("编号", "Code")))</th>"
        out += "<th>\(escape(l.say("事项", "Entry")))</th>"
        out += [l.say("分值", "Points"), l.say("余额", "Balance")].map { "<th class=\"n\">\(escape($0))</th>" }.joined()
        out += "<th>\(escape(l.say("状态", "Status")))</th><th class=\"by\">\(escape(l.say("记录人", "By")))</th>"
        out += "</tr></thead>\n<tbody>\n"
        if s.lines.isEmpty {
            out += "<tr><td colspan=\"7\">\(escape(l.say("本期无记录。", "No entries in this period.")))</td></tr>\n"
        }
        let text = TextStatement(s, language: l)
        for line in s.lines {
            let name = l == .zh ? line.zh : line.en
            let note = line.note.isEmpty ? "" : "<div class=\"note\">\(escape(l.say("备注：", "Note: ") + line.note))</div>"
            out += "<tr\(line.counts ? "" : " class=\"open\"")><td class=\"date\">\(line.date)</td><td class=\"code\">\(escape(line.code))</td>"
            out += "<td>\(escape(name))\(note)</td><td class=\"n\">\(signed(line.points))</td><td class=\"n\">\(line.balance)</td>"
            out += "<td>\(escape(text.status(line)))</td><td class=\"by\">\(escape(line.by))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n<table class=\"totals\">\n"
        out += "<tr><td>\(escape(l.say("期末可用积分", "Closing available")))</td><td class=\"n\">\(s.closing)</td></tr>\n"
        out += "<tr><td>\(escape(l.say("今日可用", "Available today")))</td><td class=\"n\">\(s.available)</td></tr>\n"
        out += "<tr><td>\(escape(l.say("待生效 / 待审核", "Pending / proposed")))</td><td class=\"n\">\(signed(s.pending)) / \(signed(s.proposed))</td></tr>\n"
        out += "</table>\n"
        let stars = String(repeating: "★", count: s.stars) + String(repeating: "☆", count: max(0, s.starsMax - s.stars))
        out += "<p class=\"year\">\(escape(l.say("\(s.year) 年累计积分 \(s.yearPoints) 分，星级 \(stars)；联户内第 \(s.unitRank) 名（共 \(s.unitHouseholds) 户），全村第 \(s.villageRank) 名（共 \(s.villageHouseholds) 户）。", "\(s.year) cumulative points \(s.yearPoints), stars \(stars); rank \(s.unitRank) of \(s.unitHouseholds) in the unit, \(s.villageRank) of \(s.villageHouseholds) in the village.")))</p>\n"
        if let chart = s.chart { out += charts(chart) }
        out += "<p class=\"verify\">\(escape(l.say("核验：账本第 \(s.headSeq) 条事件，哈希 ", "Verification: ledger event \(s.headSeq), hash ")))<code>\(s.headHash)</code><br>"
        out += "\(escape(l.say("核对命令：", "Check with: ")))<code>jifen verify --head \(s.verification)</code>"
        if let c = s.checkpoint {
            out += "<br>\(escape(l.say("签名存证：第 \(c.seq) 条事件，\(c.signedOn) 签，\(c.signatures) 个签名，链头 ", "Signed checkpoint: event \(c.seq), signed \(c.signedOn), \(c.signatures) signature\(c.signatures == 1 ? "" : "s"), head ")))<code>\(c.shortHead)</code>"
        }
        out += "</p>\n"
        out += "<footer>\(escape(l.say("第 \(page) 页 共 \(pages) 页", "Page \(page) of \(pages)")))</footer>\n"
        out += "</section>\n"
        return out
    }

    /// The year's final scores as two small SVG charts: awards (filled) and deductions (outlined, hatched) by month,
    /// and by category. Black and grey only, each bar with its figure written beside it, so a black-and-white printout
    /// reads the same.
    func charts(_ chart: YearChart) -> String {
        let l = language
        var out = "<figure class=\"charts\">\n"
        out += "<div class=\"months\"><h2>\(escape(l.say("\(chart.year) 年各月记分（已生效，至 \(chart.through)）", "\(chart.year) final scores by month (to \(chart.through))")))</h2>\n"
        out += monthChart(chart) + "</div>\n"
        out += "<div class=\"categories\"><h2>\(escape(l.say("\(chart.year) 年各类记分", "\(chart.year) by category")))</h2>\n"
        out += categoryChart(chart) + "</div>\n"
        out += "</figure>\n<p class=\"key\">\(escape(l.say("实心为加分，斜线框为扣分；柱旁数字为分值。", "Filled: awards; hatched outline: deductions; the figures are points.")))</p>\n"
        return out
    }

    /// The pattern deductions are drawn with, defined once at the top of the page.
    static let hatch = "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
        + "<pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#000\" stroke-width=\"1\"/></pattern></defs></svg>\n"

    func monthChart(_ chart: YearChart) -> String {
        // 12 months of two bars each: awards up from the middle line, deductions down from it.
        let width = 360, height = 150, top = 14, middle = 82, bottom = 136, slot = 28, left = 12
        let peak = max(chart.monthPeak, 1)
        func length(_ points: Int, _ room: Int) -> Int { points == 0 ? 0 : max(1, points * room / peak) }
        var svg = "<svg viewBox=\"0 0 \(width) \(height)\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" font-size=\"9\" font-family=\"sans-serif\">"
        svg += "<line x1=\"\(left)\" y1=\"\(middle)\" x2=\"\(left + 12 * slot)\" y2=\"\(middle)\" stroke=\"#000\" stroke-width=\"1\"/>"
        for month in chart.months {
            let x = left + (month.month - 1) * slot + 5
            let up = length(month.awards, middle - top - 10), down = length(month.deductions, bottom - middle - 14)
            if up > 0 {
                svg += "<rect x=\"\(x)\" y=\"\(middle - up)\" width=\"18\" height=\"\(up)\" fill=\"#333\"/>"
                svg += "<text x=\"\(x + 9)\" y=\"\(middle - up - 2)\" text-anchor=\"middle\">\(month.awards)</text>"
            }
            if down > 0 {
                svg += "<rect x=\"\(x)\" y=\"\(middle)\" width=\"18\" height=\"\(down)\" fill=\"url(#hatch)\" stroke=\"#000\" stroke-width=\"1\"/>"
                svg += "<text x=\"\(x + 9)\" y=\"\(middle + down + 9)\" text-anchor=\"middle\">-\(month.deductions)</text>"
            }
            svg += "<text x=\"\(x + 9)\" y=\"\(bottom + 10)\" text-anchor=\"middle\">\(escape(language.say("\(month.month)月", "\(month.month)")))</text>"
        }
        return svg + "</svg>\n"
    }

    func categoryChart(_ chart: YearChart) -> String {
        // One row a category: its name, then the awards bar and the deductions bar below it.
        let row = 34, width = 240, label = 78, room = 130
        let height = max(row * chart.categories.count + 4, 40)
        let peak = max(chart.categoryPeak, 1)
        func length(_ points: Int) -> Int { points == 0 ? 0 : max(1, points * room / peak) }
        var svg = "<svg viewBox=\"0 0 \(width) \(height)\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" font-size=\"9\" font-family=\"sans-serif\">"
        for (index, category) in chart.categories.enumerated() {
            let y = index * row + 4
            let name = language == .zh ? category.zh : category.en
            svg += "<text x=\"0\" y=\"\(y + 16)\">\(escape(String(name.prefix(language == .zh ? 7 : 14))))</text>"
            let award = length(category.awards), deduction = length(category.deductions)
            svg += "<rect x=\"\(label)\" y=\"\(y + 3)\" width=\"\(award)\" height=\"12\" fill=\"#333\"/>"
            svg += "<text x=\"\(label + award + 3)\" y=\"\(y + 13)\">\(category.awards)</text>"
            if deduction > 0 {
                svg += "<rect x=\"\(label)\" y=\"\(y + 17)\" width=\"\(deduction)\" height=\"10\" fill=\"url(#hatch)\" stroke=\"#000\" stroke-width=\"1\"/>"
                svg += "<text x=\"\(label + deduction + 3)\" y=\"\(y + 26)\">-\(category.deductions)</text>"
            }
        }
        return svg + "</svg>\n"
    }

    func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
