internal import CPangoCairo
import JifenStatements

/// Households' door cards on A4, one a page: the village, the household and its head in large type, the QR code of
/// the card's link (which opens the household's points, read only), the link spelled out beneath it, and a dashed
/// line to cut along.
public struct CardPDF {
    public let cards: [HouseholdCardSheet]
    public let language: StatementLanguage
    public let title: String

    public init(_ cards: [HouseholdCardSheet], language: StatementLanguage, title: String) {
        self.cards = cards
        self.language = language
        self.title = title
    }

    public func write(to path: String) throws {
        try A4Document.write(to: path, title: title) { cr, page in draw(cr, page) }
    }

    func draw(_ cr: OpaquePointer, _ page: Page) {
        // The card: 105 × 148 mm (A6), at the page's top left margin.
        let left = PDFStatement.margin, top = PDFStatement.margin, width = 297.6, height = 419.5
        let l = language
        for card in cards {
            cairo_set_source_rgb(cr, 0.4, 0.4, 0.4)
            cairo_set_line_width(cr, 0.6)
            var dash = [4.0, 3.0]
            cairo_set_dash(cr, &dash, 2, 0)
            cairo_rectangle(cr, left, top, width, height)
            cairo_stroke(cr)
            cairo_set_dash(cr, nil, 0, 0)
            let inner = width - 36
            var y = top + 20
            y += page.text(card.village, x: left + 18, y: y, width: inner, size: 18, bold: true, align: PANGO_ALIGN_CENTER) + 2
            y += page.text(l.text("积分卡 · 扫码查看本户积分", "Points card · scan to see the household's points"), x: left + 18, y: y,
                           width: inner, size: 10, align: PANGO_ALIGN_CENTER, gray: 0.3) + 12
            y += page.text("\(card.household)  \(card.head)", x: left + 18, y: y, width: inner, size: 22, bold: true,
                           align: PANGO_ALIGN_CENTER) + 10
            let side = 190.0
            page.qr(card.link, x: left + (width - side) / 2, y: y, size: side)
            y += side + 8
            y += page.text(card.link, x: left + 18, y: y, width: inner, size: 6.5, mono: true, align: PANGO_ALIGN_CENTER, gray: 0.25) + 8
            page.text(l.text("只能查看，不能修改。发卡日期 \(card.issuedOn)；补发新卡后本卡作废。",
                             "Read only. Issued \(card.issuedOn); a new card replaces this one, which then stops working."),
                      x: left + 18, y: y, width: inner, size: 8, align: PANGO_ALIGN_CENTER, gray: 0.3)
            cairo_show_page(cr)
        }
    }
}
