internal import CPangoCairo
import JifenStatements

/// Fixed-width text (a passbook update, a notice sheet) set on A4 pages in Noto Sans Mono CJK, embedded: a form feed
/// starts a new page, and a page that fills continues on the next. Columns line up as they do on a terminal,
/// because the mono face gives a Chinese character exactly two Latin widths.
public struct TextPDF {
    public let text: String
    public let title: String

    public init(_ text: String, title: String) {
        self.text = text
        self.title = title
    }

    static let size = 9.0, leading = 13.5

    public func write(to path: String) throws {
        try A4Document.write(to: path, title: title) { cr, page in draw(cr, page) }
    }

    func draw(_ cr: OpaquePointer, _ page: Page) {
        let top = PDFStatement.margin, bottom = PDFStatement.pageHeight - PDFStatement.margin
        let linesPerPage = Int((bottom - top) / Self.leading)
        var pages: [[Substring]] = []
        for sheet in text.split(separator: "\u{0C}", omittingEmptySubsequences: false) {
            var lines = sheet.split(separator: "\n", omittingEmptySubsequences: false)
            while lines.first?.isEmpty == true { lines.removeFirst() }
            while lines.last?.isEmpty == true { lines.removeLast() }
            guard !lines.isEmpty else { continue }
            var start = 0
            while start < lines.count {
                pages.append(Array(lines[start..<min(start + linesPerPage, lines.count)]))
                start += linesPerPage
            }
        }
        for lines in pages {
            var y = top
            for line in lines {
                page.text(String(line), x: PDFStatement.margin, y: y, width: PDFStatement.pageWidth - 2 * PDFStatement.margin,
                          size: Self.size, mono: true)
                y += Self.leading
            }
            cairo_show_page(cr)
        }
    }
}

/// An A4 PDF at `path` with its title, drawn by `draw` page by page (it calls `cairo_show_page` after each), Chinese
/// fonts embedded; a file that cannot be made or written is a `PDFStatement.Failure`.
enum A4Document {
    static func write(to path: String, title: String, draw: (OpaquePointer, Page) throws -> Void) throws {
        guard let surface = cairo_pdf_surface_create(path, PDFStatement.pageWidth, PDFStatement.pageHeight) else {
            throw PDFStatement.Failure(description: "Cannot create \(path)")
        }
        defer { cairo_surface_destroy(surface) }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "jifen")
        guard let cr = cairo_create(surface) else { throw PDFStatement.Failure(description: "Cannot draw into \(path)") }
        defer { cairo_destroy(cr) }
        let page = Page(cr: cr)
        defer { page.release() }
        try draw(cr, page)
        cairo_surface_finish(surface)
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw PDFStatement.Failure(description: "Cannot write \(path)")
        }
    }
}
