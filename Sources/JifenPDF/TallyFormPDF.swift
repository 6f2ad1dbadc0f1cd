internal import CPangoCairo
import JifenCore
import JifenStatements

/// A blank tally form as an A4 PDF: the unit's households, each with its empty lines (never split across a page), the
/// columns the import reads, a column for the head of household to confirm, and the scheme's rules as a key.
public struct TallyFormPDF {
    public let form: TallyForm
    public let language: StatementLanguage

    public init(_ form: TallyForm, language: StatementLanguage = .zh) {
        self.form = form
        self.language = language
    }

    static let left = PDFStatement.margin, right = PDFStatement.pageWidth - PDFStatement.margin
    static let bottom = PDFStatement.pageHeight - PDFStatement.margin - 22
    /// 户号, 户主, 日期, 规则, 分值, 备注, 户主确认.
    static let widths: [Double] = [48, 62, 64, 48, 40, 169, 80]
    static let rowHeight = 21.0

    public func write(to path: String) throws {
        try A4Document.write(to: path, title: title) { _, page in draw(on: page) }
    }

    var l: StatementLanguage { language }
    var title: String {
        l.text("\(form.village) \(form.unitName)（\(form.unit)）积分记录表 \(form.period)",
               "\(form.village) \(form.unitName) (\(form.unit)) tally form \(form.period)")
    }

    func draw(on page: Page) {
        // The households' groups, page by page: a group is never split.
        let group = Double(form.lines) * Self.rowHeight
        let firstTop = PDFStatement.margin + 80, nextTop = PDFStatement.margin + 40
        var pages: [[TallyForm.Household]] = [[]]
        var y = firstTop + Self.rowHeight
        for household in form.households {
            if y + group > Self.bottom, !(pages.last ?? []).isEmpty {
                pages.append([])
                y = nextTop + Self.rowHeight
            }
            pages[pages.count - 1].append(household)
            y += group
        }
        // The key after the last group, on a page of its own when it does not fit below.
        let keyHeight = keyLayout(on: page).height + 30
        let keyOnNewPage = y + keyHeight > Self.bottom
        let count = pages.count + (keyOnNewPage ? 1 : 0)
        for (index, households) in pages.enumerated() {
            header(on: page, first: index == 0)
            var y = tableHeader(on: page, at: index == 0 ? firstTop : nextTop)
            for household in households {
                drawGroup(household, on: page, at: y)
                y += group
            }
            let last = index == pages.count - 1
            if last && !keyOnNewPage { key(on: page, at: y + 14) }
            footer(on: page, index + 1, of: count)
            cairo_show_page(page.cr)
        }
        if keyOnNewPage {
            header(on: page, first: false)
            key(on: page, at: nextTop)
            footer(on: page, count, of: count)
            cairo_show_page(page.cr)
        }
    }

    func header(on page: Page, first: Bool) {
        page.text(title + (first ? "" : l.text("（续）", " (continued)")), x: Self.left, y: PDFStatement.margin,
                  width: Self.right - Self.left, size: first ? 15 : 11, bold: true, align: PANGO_ALIGN_CENTER)
        guard first else { return }
        page.text(l.text("期间 \(form.from) 至 \(form.to)　　记分员：____________　　审核：____________",
                         "From \(form.from) to \(form.to)    Clerk: ____________    Reviewer: ____________"),
                  x: Self.left, y: PDFStatement.margin + 26, width: Self.right - Self.left, size: 9.5)
        page.text(l.text("每户一栏；填日期、规则编号（见表后积分标准）、分值（固定分值可不填）和备注，扣分须写明事由，并请户主签字确认。空行不录入。",
                         "One block a household: the date, the rule's code (see the key after the table), the points (blank for a fixed rule) and a note — a deduction needs its reason — and the head of household's signature. Empty lines are not entered."),
                  x: Self.left, y: PDFStatement.margin + 44, width: Self.right - Self.left, size: 8.5, gray: 0.3)
    }

    func tableHeader(on page: Page, at y: Double) -> Double {
        let titles = TallyForm.columns(l) + [l.text("户主确认", "Signed")]
        page.fill(x: Self.left, y: y, width: Self.right - Self.left, height: Self.rowHeight, gray: 0.88)
        var x = Self.left
        for (title, width) in zip(titles, Self.widths) {
            page.text(title, x: x + 3, y: y + 4, width: width - 6, size: 9.5, bold: true)
            x += width
        }
        page.rule(y: y + Self.rowHeight, from: Self.left, to: Self.right, width: 1, gray: 0.2)
        return y + Self.rowHeight
    }

    func drawGroup(_ household: TallyForm.Household, on page: Page, at top: Double) {
        page.text(household.code, x: Self.left + 3, y: top + 4, width: Self.widths[0] - 6, size: 10, bold: true)
        page.text(household.head, x: Self.left + Self.widths[0] + 3, y: top + 4, width: Self.widths[1] - 6, size: 10)
        for line in 1...max(form.lines, 1) {
            let y = top + Double(line) * Self.rowHeight
            let last = line == form.lines
            // The lines of a household's block are light; the block ends with a dark rule.
            page.rule(y: y, from: last ? Self.left : Self.left + Self.widths[0] + Self.widths[1], to: Self.right,
                      width: last ? 0.9 : 0.4, gray: last ? 0.2 : 0.6)
        }
        // The columns' dividers over the block.
        var x = Self.left
        for width in Self.widths.dropLast() {
            x += width
            page.rule(x: x, from: top, to: top + Double(form.lines) * Self.rowHeight)
        }
    }

    /// The key's entries: a category's name above its rules.
    func keyEntries() -> [(text: String, bold: Bool)] {
        var entries: [(text: String, bold: Bool)] = []
        var category = ""
        for rule in form.rules {
            let name = l == .zh ? rule.categoryZh : rule.categoryEn
            if name != category {
                entries.append((name, true))
                category = name
            }
            let cap = (l == .zh ? rule.capZh : rule.capEn).map { " · \($0)" } ?? ""
            entries.append(("\(rule.code)  \(l == .zh ? rule.zh : rule.en)  \(rule.points)\(cap)", false))
        }
        return entries
    }

    static var keyColumnWidth: Double { (right - left - 12) / 2 }

    /// The key laid out in two columns, each entry as tall as its text: where each goes, and the height in all.
    func keyLayout(on page: Page) -> (places: [(column: Int, y: Double, height: Double)], height: Double) {
        let entries = keyEntries()
        let heights = entries.map { page.text($0.text, x: 0, y: 0, width: Self.keyColumnWidth, size: $0.bold ? 8.5 : 8, bold: $0.bold, draw: false) + 1.5 }
        let total = heights.reduce(0, +)
        // The first column takes entries up to half the height; a category's name never ends a column.
        var split = 0, used = 0.0
        while split < entries.count, used + heights[split] <= total / 2 + 1 {
            used += heights[split]
            split += 1
        }
        if split > 0, entries[split - 1].bold { split -= 1 }
        var places: [(column: Int, y: Double, height: Double)] = []
        var y = [0.0, 0.0]
        for (index, height) in heights.enumerated() {
            let column = index < split ? 0 : 1
            places.append((column, y[column], height))
            y[column] += height
        }
        return (places, max(y[0], y[1]) + 18)
    }

    func key(on page: Page, at top: Double) {
        page.text(l.text("积分标准（规则编号 · 内容 · 分值 · 上限）", "The rules (code · rule · points · cap)"), x: Self.left, y: top,
                  width: Self.right - Self.left, size: 10, bold: true)
        let (places, _) = keyLayout(on: page)
        for (entry, place) in zip(keyEntries(), places) {
            page.text(entry.text, x: Self.left + Double(place.column) * (Self.keyColumnWidth + 12), y: top + 18 + place.y,
                      width: Self.keyColumnWidth, size: entry.bold ? 8.5 : 8, bold: entry.bold, gray: entry.bold ? 0 : 0.15)
        }
    }

    func footer(on page: Page, _ number: Int, of pages: Int) {
        let y = PDFStatement.pageHeight - PDFStatement.margin - 8
        page.rule(y: y - 4, from: Self.left, to: Self.right, width: 0.4, gray: 0.7)
        page.text(l.text("填好后录入：jifen record import 文件（Excel 表或 CSV）", "Enter it with: jifen record import FILE (Excel or CSV)"),
                  x: Self.left, y: y, width: 320, size: 8, gray: 0.35)
        page.text(l.text("第 \(number) 页 共 \(pages) 页", "Page \(number) of \(pages)"), x: Self.right - 200, y: y, width: 200, size: 8,
                  align: PANGO_ALIGN_RIGHT, gray: 0.35)
    }
}

extension Page {
    /// A vertical rule.
    func rule(x: Double, from y0: Double, to y1: Double, width: Double = 0.4, gray: Double = 0.6) {
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, x, y0)
        cairo_line_to(cr, x, y1)
        cairo_stroke(cr)
    }
}
