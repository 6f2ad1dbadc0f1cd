/// What `jifen` asks of `jifen-pdf`, the program beside it that draws PDFs. PDF drawing needs pango, cairo and
/// their forty-odd shared libraries; loading them costs every command about 6 ms at start, so only `jifen-pdf`
/// links them, and `jifen` hands it the statements (or the text) as JSON on its standard input.
public struct PDFRequest: Codable, Sendable {
    public enum Content: Codable, Sendable {
        /// Statements laid out as tables, one household per page.
        case statements([Statement])
        /// Fixed-width text (a passbook update, a notice sheet) set in a mono face.
        case text(String)
        /// Households' door cards, one a page, each with its QR code.
        case cards([HouseholdCardSheet])
        /// A blank tally form for a joint unit.
        case tallyForm(TallyForm)
    }

    public var title: String
    public var language: StatementLanguage
    public var content: Content
    /// Statements in large type (nil: the usual size).
    public var large: Bool?

    public init(title: String, language: StatementLanguage, content: Content, large: Bool? = nil) {
        self.title = title
        self.language = language
        self.content = content
        self.large = large
    }
}
