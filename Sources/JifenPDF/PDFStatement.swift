internal import CPangoCairo
internal import CQRencode
import JifenCore
import JifenStatements

/// Statements as an A4 PDF: one household per page (or more, with the table's header repeated), Chinese drawn
/// from Noto Sans CJK through pango and embedded by cairo (so the file prints the same on a computer without
/// Chinese fonts), text that `pdftotext` extracts, and a QR code holding the verification line.
public struct PDFStatement {
    public let statements: [Statement]
    public let language: StatementLanguage
    /// Large type for elderly residents: letters a third bigger, and the table without its code and clerk columns.
    public let large: Bool

    public init(_ statements: [Statement], language: StatementLanguage = .zh, large: Bool = false) {
        self.statements = statements
        self.language = language
        self.large = large
    }

    /// The PDF problems a clerk can act on.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    // A4 in points, and the page's margins.
    static let pageWidth = 595.28, pageHeight = 841.89, margin = 42.0
    static let font = "Noto Sans CJK SC"

    /// Writes the statements to `path`; `progress` gets (statements done, statements in all).
    public func write(to path: String, progress: ((Int, Int) -> Void)? = nil) throws {
        guard let surface = cairo_pdf_surface_create(path, Self.pageWidth, Self.pageHeight) else {
            throw Failure(description: "Cannot create \(path)")
        }
        defer { cairo_surface_destroy(surface) }
        if let first = statements.first {
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                           language.text("\(first.village) 积分对账单 \(first.period)", "\(first.village) statements \(first.period)"))
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "jifen")
        }
        guard let cr = cairo_create(surface) else { throw Failure(description: "Cannot draw into \(path)") }
        defer { cairo_destroy(cr) }
        let page = Page(cr: cr)
        defer { page.release() }
        for (index, statement) in statements.enumerated() {
            StatementPages(statement: statement, language: language, page: page, large: large).draw()
            progress?(index + 1, statements.count)
        }
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw Failure(description: "Cannot write \(path) (\(String(cString: cairo_status_to_string(status))))")
        }
    }
}

extension StatementLanguage {
    func text(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }
}

/// A cairo context with one reusable pango layout per font: setting text on a layout is far cheaper than making one.
final class Page {
    let cr: OpaquePointer
    private var layouts: [String: OpaquePointer] = [:]

    init(cr: OpaquePointer) { self.cr = cr }

    func layout(size: Double, bold: Bool = false, mono: Bool = false) -> OpaquePointer {
        let key = "\(size)\(bold)\(mono)"
        if let layout = layouts[key] { return layout }
        let layout = pango_cairo_create_layout(cr)!
        let name = mono ? "Noto Sans Mono CJK SC" : PDFStatement.font
        let description = pango_font_description_from_string("\(name) \(bold ? "Bold " : "")\(size)")
        pango_layout_set_font_description(layout, description)
        pango_font_description_free(description)
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
        layouts[key] = layout
        return layout
    }

    /// Lays out text in a box `width` wide; returns its height.
    @discardableResult
    func text(_ text: String, x: Double, y: Double, width: Double, size: Double = 9.5, bold: Bool = false, mono: Bool = false,
              align: PangoAlignment = PANGO_ALIGN_LEFT, draw: Bool = true, gray: Double = 0) -> Double {
        let layout = self.layout(size: size, bold: bold, mono: mono)
        pango_layout_set_width(layout, Int32(width * Double(PANGO_SCALE)))
        pango_layout_set_alignment(layout, align)
        pango_layout_set_text(layout, text, -1)
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(layout, &w, &h)
        if draw {
            cairo_set_source_rgb(cr, gray, gray, gray)
            cairo_move_to(cr, x, y)
            pango_cairo_show_layout(cr, layout)
        }
        return Double(h) / Double(PANGO_SCALE)
    }

    func rule(y: Double, from x0: Double, to x1: Double, width: Double = 0.5, gray: Double = 0.55) {
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_set_line_width(cr, width)
        cairo_move_to(cr, x0, y)
        cairo_line_to(cr, x1, y)
        cairo_stroke(cr)
    }

    func fill(x: Double, y: Double, width: Double, height: Double, gray: Double) {
        cairo_set_source_rgb(cr, gray, gray, gray)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    /// A QR code of `text` with its top left at (x, y), `size` points square (with its quiet zone).
    func qr(_ text: String, x: Double, y: Double, size: Double) {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return }
        defer { QRcode_free(code) }
        let modules = Int(code.pointee.width)
        let quiet = 4, cell = size / Double(modules + 2 * quiet)
        fill(x: x, y: y, width: size, height: size, gray: 1)
        cairo_set_source_rgb(cr, 0, 0, 0)
        // One rectangle per run of dark modules in a row: a smaller file than one per module.
        for row in 0..<modules {
            var column = 0
            while column < modules {
                guard code.pointee.data[row * modules + column] & 1 == 1 else { column += 1; continue }
                let start = column
                while column < modules && code.pointee.data[row * modules + column] & 1 == 1 { column += 1 }
                cairo_rectangle(cr, x + Double(start + quiet) * cell, y + Double(row + quiet) * cell, Double(column - start) * cell, cell)
            }
        }
        cairo_fill(cr)
    }

    func release() {
        for layout in layouts.values { g_object_unref(UnsafeMutableRawPointer(layout)) }
        layouts = [:]
    }
}

/// One household's statement laid out over as many pages as its table needs.
struct StatementPages {
    let statement: Statement
    let language: StatementLanguage
    let page: Page
    var large = false

    static let left = PDFStatement.margin, right = PDFStatement.pageWidth - PDFStatement.margin
    static let bottom = PDFStatement.pageHeight - PDFStatement.margin - 18
    // Columns of the table: date, code, entry, points, balance, status, by; in large type date, entry, points,
    // balance and status.
    static let columns: [(width: Double, right: Bool)] = [(70, false), (36, false), (181, false), (40, true), (42, true), (66, false), (76, false)]
    static let largeColumns: [(width: Double, right: Bool)] = [(92, false), (217, false), (60, true), (66, true), (76, false)]

    var l: StatementLanguage { language }
    /// How much larger than usual everything is drawn.
    var k: Double { large ? 1.35 : 1 }
    var columns: [(width: Double, right: Bool)] { large ? Self.largeColumns : Self.columns }
    /// The entry's column.
    var entryColumn: Int { large ? 1 : 2 }

    func draw() {
        let s = statement
        let rows = s.lines.map { line -> (cells: [String], height: Double) in
            let entry = (l == .zh ? line.zh : line.en) + (line.note.isEmpty ? "" : "\n" + l.text("备注：", "Note: ") + line.note)
            let status = TextStatement(s, language: l).statusText(line)
            let cells = large ? [line.date.description, entry, signedText(line.points), "\(line.balance)", status]
                : [line.date.description, line.code, entry, signedText(line.points), "\(line.balance)", status, line.by]
            let height = page.text(entry, x: 0, y: 0, width: columns[entryColumn].width - 6, size: 9.5 * k, draw: false) + 7
            return (cells, max(height, 18 * k))
        }
        // First the page breaks, then the pages: the footer says how many there are.
        var breaks: [Int] = []
        var y = tableTop(first: true)
        for (index, row) in rows.enumerated() {
            if y + row.height > Self.bottom {
                breaks.append(index)
                y = tableTop(first: false)
            }
            y += row.height
        }
        let closingHeight = (205.0 + (s.chart == nil ? 0 : Charts.height)) * k
        let needsLastPage = y + closingHeight > Self.bottom
        let pages = breaks.count + 1 + (needsLastPage ? 1 : 0)
        var pageNumber = 1
        header(first: true)
        y = tableHeader(at: tableTop(first: true) - 20 * k)
        for (index, row) in rows.enumerated() {
            if breaks.contains(index) {
                footer(pageNumber, of: pages)
                cairo_show_page(page.cr)
                pageNumber += 1
                header(first: false)
                y = tableHeader(at: tableTop(first: false) - 20 * k)
            }
            drawRow(row.cells, at: y, height: row.height, open: !s.lines[index].counts)
            y += row.height
        }
        if rows.isEmpty {
            page.text(l.text("本期无记录。", "No entries in this period."), x: Self.left + 4, y: y + 4, width: 400, size: 9.5 * k)
            y += 22 * k
        }
        if needsLastPage {
            footer(pageNumber, of: pages)
            cairo_show_page(page.cr)
            pageNumber += 1
            header(first: false)
            y = tableTop(first: false) - 20 * k
        }
        closing(at: y + 10)
        footer(pageNumber, of: pages)
        cairo_show_page(page.cr)
    }

    /// Where a page's table starts: below the header, which in large type has a line more (the unit on its own) and,
    /// on the first page, the period and the printing date on lines of their own.
    func tableTop(first: Bool) -> Double {
        guard large else { return first ? 190 : 130 }
        return PDFStatement.margin + (first ? 42 + 22 * 4 + 24 + 20 + 14 : 42 + 22 + 22 + 20 + 4) * k
    }

    func header(first: Bool) {
        let s = statement
        page.text(l.text("\(s.village) 积分对账单", "\(s.village) points statement") + (first ? "" : l.text("（续）", " (continued)")),
                  x: Self.left, y: PDFStatement.margin, width: Self.right - Self.left, size: 17 * k, bold: true, align: PANGO_ALIGN_CENTER)
        page.rule(y: PDFStatement.margin + 32 * k, from: Self.left, to: Self.right, width: 1.2, gray: 0.2)
        let y0 = PDFStatement.margin + 42 * k
        let half = (Self.right - Self.left) / 2
        // In large type the household and its unit take a line each.
        let unitAt = large ? (x: Self.left, y: y0 + 22 * k, width: Self.right - Self.left) : (x: Self.left + half + 60, y: y0, width: half - 60)
        let below = large ? y0 + 22 * k : y0
        page.text(l.text("户号  \(s.household)      户主  \(s.head)", "Household  \(s.household)      Head  \(s.head)")
                  + (s.closed ? l.text("（已销户）", " (closed)") : ""), x: Self.left, y: y0, width: large ? Self.right - Self.left : half + 60,
                  size: 11 * k, bold: true)
        page.text(l.text("联户  \(s.unit) \(s.unitName)", "Unit  \(s.unit) \(s.unitName)"), x: unitAt.x, y: unitAt.y,
                  width: unitAt.width, size: 11 * k)
        guard first else { return }
        let printedAt = large ? (x: Self.left, y: below + 44 * k, width: Self.right - Self.left)
            : (x: Self.left + half + 60, y: below + 22, width: half - 60)
        let box = large ? below + 66 * k : below + 44
        page.text(l.text("期间  \(s.period)（\(s.from) 至 \(s.to)）", "Period  \(s.period) (\(s.from) to \(s.to))"),
                  x: Self.left, y: below + 22 * k, width: large ? Self.right - Self.left : half + 60, size: 10 * k)
        page.text(l.text("打印日期  \(s.printedOn)", "Printed  \(s.printedOn)"), x: printedAt.x, y: printedAt.y, width: printedAt.width,
                  size: 10 * k)
        page.fill(x: Self.left, y: box, width: Self.right - Self.left, height: 24 * k, gray: 0.95)
        page.text(l.text("期初可用积分", "Opening available"), x: Self.left + 6, y: box + 5 * k, width: 300, size: 10.5 * k)
        page.text("\(s.opening)", x: Self.right - 206, y: box + 5 * k, width: 200, size: 10.5 * k, bold: true, align: PANGO_ALIGN_RIGHT)
    }

    /// The table's header row; returns where the first row goes.
    func tableHeader(at y: Double) -> Double {
        let titles = large
            ? [l.text("日期", "Date"), l.text("事项", "Entry"), l.text("分值", "Pts"), l.text("余额", "Bal."), l.text("状态", "Status")]
            : [l.text("日期", "Date"), l.text("编号", "Rule"), l.text("事项", "Entry"), l.text("分值", "Pts"),
               l.text("余额", "Bal."), l.text("状态", "Status"), l.text("记录人", "By")]
        page.fill(x: Self.left, y: y, width: Self.right - Self.left, height: 20 * k, gray: 0.88)
        var x = Self.left
        for (title, column) in zip(titles, columns) {
            page.text(title, x: x + 3, y: y + 4, width: column.width - 6, size: 9.5 * k, bold: true,
                      align: column.right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT)
            x += column.width
        }
        page.rule(y: y + 20 * k, from: Self.left, to: Self.right, width: 0.8, gray: 0.3)
        return y + 20 * k
    }

    func drawRow(_ cells: [String], at y: Double, height: Double, open: Bool) {
        var x = Self.left
        for (cell, column) in zip(cells, columns) {
            page.text(cell, x: x + 3, y: y + 4, width: column.width - 6, size: 9.5 * k,
                      align: column.right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT, gray: open ? 0.4 : 0)
            x += column.width
        }
        page.rule(y: y + height, from: Self.left, to: Self.right, width: 0.4, gray: 0.75)
    }

    func closing(at top: Double) {
        let s = statement
        var y = top
        let figures: [(String, String)] = [
            (l.text("期末可用积分", "Closing available"), "\(s.closing)"),
            (l.text("今日可用积分", "Available today"), "\(s.available)"),
            (l.text("待生效 / 待审核（生效后方可兑换）", "Pending / proposed (spendable once final)"), "\(signedText(s.pending)) / \(signedText(s.proposed))"),
        ]
        for (label, value) in figures {
            page.text(label, x: Self.left + 6, y: y, width: 320, size: 10.5 * k)
            page.text(value, x: Self.right - 206, y: y, width: 200, size: 10.5 * k, bold: true, align: PANGO_ALIGN_RIGHT)
            y += 18 * k
        }
        page.rule(y: y + 2, from: Self.left, to: Self.right)
        y += 10
        let stars = String(repeating: "★", count: s.stars) + String(repeating: "☆", count: max(0, s.starsMax - s.stars))
        y += page.text(l.text("\(s.year) 年累计积分 \(s.yearPoints) 分　星级 \(stars)", "\(s.year) cumulative points \(s.yearPoints)   stars \(stars)"),
                       x: Self.left + 6, y: y, width: Self.right - Self.left - 12, size: 10.5 * k) + 2
        y += page.text(l.text("联户内第 \(s.unitRank) 名（共 \(s.unitHouseholds) 户），全村第 \(s.villageRank) 名（共 \(s.villageHouseholds) 户）",
                              "Rank \(s.unitRank) of \(s.unitHouseholds) in the unit, \(s.villageRank) of \(s.villageHouseholds) in the village"),
                       x: Self.left + 6, y: y, width: Self.right - Self.left - 12, size: 10.5 * k) + 10
        if let chart = s.chart {
            Charts(page: page, language: l, k: k).draw(chart, at: y)
            y += Charts.height * k
        }
        // The verification block: the position and the whole hash, and the same in a QR code.
        let qrSize = 86.0
        page.rule(y: y, from: Self.left, to: Self.right, width: 0.8, gray: 0.3)
        page.qr(s.verificationCode, x: Self.right - qrSize, y: y + 6, size: qrSize)
        let textWidth = Self.right - Self.left - qrSize - 12
        var v = y + 8
        v += page.text(l.text("核验：账本第 \(s.headSeq) 条事件时的哈希", "Verification: the ledger's hash at event \(s.headSeq)"),
                       x: Self.left, y: v, width: textWidth, size: 9, bold: true) + 2
        v += page.text(s.verification, x: Self.left, y: v, width: textWidth, size: 8.5, mono: true) + 2
        v += page.text(l.text("审计员核对：jifen verify --head \(s.headSeq):哈希（或扫描右侧二维码）",
                              "Auditors check it with: jifen verify --head \(s.headSeq):HASH (or scan the code)"),
                       x: Self.left, y: v, width: textWidth, size: 8.5, gray: 0.3) + 2
        if let c = s.checkpoint {
            v += page.text(l.text("签名存证：第 \(c.seq) 条事件，\(c.signedOn) 签，\(c.signatures) 个签名",
                                  "Signed checkpoint: event \(c.seq), signed \(c.signedOn), \(c.signatures) signature\(c.signatures == 1 ? "" : "s")"),
                           x: Self.left, y: v, width: textWidth, size: 8.5, gray: 0.3)
            page.text(l.text("链头 ", "head ") + c.shortHead, x: Self.left, y: v, width: textWidth, size: 8.5, gray: 0.3)
        }
    }

    func footer(_ number: Int, of pages: Int) {
        let s = statement
        let y = PDFStatement.pageHeight - PDFStatement.margin - 8
        page.rule(y: y - 4, from: Self.left, to: Self.right, width: 0.4, gray: 0.7)
        page.text("\(s.village) · \(s.household) · \(s.period)", x: Self.left, y: y, width: 300, size: 8, gray: 0.35)
        page.text(l.text("第 \(number) 页 共 \(pages) 页", "Page \(number) of \(pages)"), x: Self.right - 200, y: y, width: 200, size: 8,
                  align: PANGO_ALIGN_RIGHT, gray: 0.35)
    }
}

func signedText(_ points: Int) -> String { points > 0 ? "+\(points)" : "\(points)" }

/// The year's final scores as two small charts, drawn in black and grey only so that a black-and-white printout reads
/// the same: awards as filled bars, deductions as hatched outlines, each bar with its figure beside it; by month on
/// the left, by category on the right.
struct Charts {
    let page: Page
    let language: StatementLanguage
    let k: Double
    var large: Bool { k > 1 }

    /// The height the charts take, at the usual size.
    static let height = 150.0

    func draw(_ chart: YearChart, at top: Double) {
        let l = language, left = StatementPages.left, right = StatementPages.right
        let monthsWidth = (right - left) * 0.58
        page.text(l.text("\(chart.year) 年各月记分", "\(chart.year) by month"), x: left, y: top, width: monthsWidth, size: 9 * k, bold: true)
        page.text(l.text("\(chart.year) 年各类记分", "\(chart.year) by category"), x: left + monthsWidth + 12, y: top,
                  width: right - left - monthsWidth - 12, size: 9 * k, bold: true)
        let chartTop = top + 16 * k, chartBottom = top + (Self.height - 24) * k
        months(chart, x: left, width: monthsWidth, top: chartTop, bottom: chartBottom)
        categories(chart, x: left + monthsWidth + 12, width: right - left - monthsWidth - 12, top: chartTop, bottom: chartBottom)
        page.text(l.text("已生效的记分，至 \(chart.through)。实心为加分，斜线框为扣分；柱旁数字为分值。",
                         "Final scores to \(chart.through). Filled: awards; hatched outline: deductions; the figures are points."),
                  x: left, y: chartBottom + 4 * k, width: right - left, size: 8 * k, gray: 0.3)
    }

    func months(_ chart: YearChart, x: Double, width: Double, top: Double, bottom: Double) {
        let label = 12 * k, figure = 9 * k
        let middle = top + (bottom - top - label) * 0.55
        let up = middle - top - figure, down = bottom - label - middle - figure
        let peak = Double(max(chart.monthPeak, 1))
        let slot = width / 12, bar = slot * 0.62
        page.rule(y: middle, from: x, to: x + width, width: 0.8, gray: 0)
        for month in chart.months {
            let bx = x + Double(month.month - 1) * slot + (slot - bar) / 2
            if month.awards > 0 {
                let h = max(1, Double(month.awards) / peak * up)
                page.fill(x: bx, y: middle - h, width: bar, height: h, gray: 0.2)
                page.text("\(month.awards)", x: bx - 6, y: middle - h - figure - 1, width: bar + 12, size: 7 * k, align: PANGO_ALIGN_CENTER)
            }
            if month.deductions > 0 {
                let h = max(1, Double(month.deductions) / peak * down)
                hatched(x: bx, y: middle, width: bar, height: h)
                page.text("-\(month.deductions)", x: bx - 6, y: middle + h + 1, width: bar + 12, size: 7 * k, align: PANGO_ALIGN_CENTER)
            }
            // "1月" at the usual size; the number alone in large type, where "10月" would not fit its slot.
            page.text(language == .zh && !large ? "\(month.month)月" : "\(month.month)", x: bx - 6, y: bottom - label, width: bar + 12,
                      size: 7.5 * k, align: PANGO_ALIGN_CENTER, gray: 0.2)
        }
    }

    func categories(_ chart: YearChart, x: Double, width: Double, top: Double, bottom: Double) {
        guard !chart.categories.isEmpty else { return }
        let row = (bottom - top) / Double(chart.categories.count)
        let label = min(72 * k, width * 0.4), room = width - label - 28 * k
        let peak = Double(max(chart.categoryPeak, 1))
        for (index, category) in chart.categories.enumerated() {
            let y = top + Double(index) * row
            page.text(language == .zh ? category.zh : category.en, x: x, y: y + 1, width: label - 4, size: 8 * k)
            let award = category.awards == 0 ? 0 : max(1, Double(category.awards) / peak * room)
            let barHeight = min(row * 0.36, 11 * k)
            page.fill(x: x + label, y: y + 2, width: award, height: barHeight, gray: 0.2)
            page.text("\(category.awards)", x: x + label + award + 3, y: y + 1, width: 40 * k, size: 7 * k)
            if category.deductions > 0 {
                let deduction = max(1, Double(category.deductions) / peak * room)
                hatched(x: x + label, y: y + 4 + barHeight, width: deduction, height: barHeight * 0.8)
                page.text("-\(category.deductions)", x: x + label + deduction + 3, y: y + 3 + barHeight, width: 40 * k, size: 7 * k)
            }
        }
    }

    /// A bar drawn as a black outline with diagonal lines inside.
    func hatched(x: Double, y: Double, width: Double, height: Double) {
        let cr = page.cr
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_set_line_width(cr, 0.6)
        var offset = -height
        while offset < width {
            cairo_move_to(cr, x + offset, y + height)
            cairo_line_to(cr, x + offset + height, y)
            offset += 3
        }
        cairo_stroke(cr)
        cairo_restore(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        cairo_set_line_width(cr, 0.8)
        cairo_rectangle(cr, x, y, width, height)
        cairo_stroke(cr)
    }
}
