#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The text of a spreadsheet saved as CSV, as clerks' computers save it: UTF-8 with or without a BOM,
/// or GB18030 (what Excel and WPS write for "CSV" on a Chinese Windows).
public enum SheetText {
    public struct Undecodable: Error, CustomStringConvertible {
        public let fileName: String
        public var description: String {
            "\(fileName) is neither UTF-8 nor GB18030 text; save it again from Excel or WPS as CSV (UTF-8)."
        }
        public var chinese: String {
            "\(fileName) 既不是 UTF-8 也不是 GB18030 编码的文本；请在 Excel 或 WPS 里另存为 CSV（UTF-8）后再导入。"
        }
    }

    public static func decode(_ data: Data, fileName: String) throws -> String {
        String(decoding: try utf8(data, fileName: fileName), as: UTF8.self)
    }

    /// The sheet's text as UTF-8 bytes, without a BOM: the bytes themselves when they are UTF-8, else converted
    /// from GB18030.
    public static func utf8(_ data: Data, fileName: String) throws -> [UInt8] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if isUTF8(bytes) { return bytes }
        guard let converted = gb18030(bytes) else { throw Undecodable(fileName: fileName) }
        return converted
    }

    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        // Mostly ASCII: check that fast, and let the standard library judge the rest.
        if bytes.allSatisfy({ $0 < 0x80 }) { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// GB18030 to UTF-8 through the C library's iconv (glibc ships the converter).
    static func gb18030(_ input: [UInt8]) -> [UInt8]? {
        let converter = iconv_open("UTF-8", "GB18030")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var source = input
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let outputCount = output.count
        let converted: Int? = source.withUnsafeMutableBufferPointer { sourceBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(sourceBuffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = sourceBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBuffer.baseAddress)?
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outputCount
                if inLeft == 0 { return 0 }
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outputCount - outLeft
            }
        }
        guard let converted else { return nil }
        let bytes = Array(output[..<converted])
        return String(validating: bytes, as: UTF8.self) == nil ? nil : bytes
    }
}

/// A CSV table with each row's line number in the file, so that every error can name its line — or the cells of a
/// workbook's sheet (`init(cells:)`), each row with the number Excel shows beside it, which are read the same way from
/// there on: one import, whichever file the clerk saved.
///
/// RFC 4180: fields separated by commas, optionally in double quotes (a quote doubled inside them),
/// rows ended by LF, CRLF or CR alone (old Excel for the Mac). Hand-written because the libraries at hand do not
/// report line numbers. The rows are read one at a time from the text's UTF-8 bytes (`rows()`), so that a
/// sheet of any length is read in bounded memory.
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        /// The line of the file the row starts on (the header is line 1).
        public let line: Int
        public let fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }

        /// The trimmed text of a column, or "" when the row is shorter or the column absent.
        public func field(_ index: Int?) -> String {
            guard let index, index < fields.count else { return "" }
            return CSVTable.trimmed(fields[index])
        }
    }

    /// The first row's cells, trimmed and lower-cased.
    public let header: [String]
    /// The text, UTF-8.
    let bytes: [UInt8]
    /// Where the first row after the header starts, and its line.
    let bodyStart: Int, bodyLine: Int
    /// The header's line (1 in a CSV file; a sheet may begin lower).
    public let headerLine: Int
    /// A sheet's rows after the header, when the table was made from cells (else the rows are read from `bytes`).
    let cells: [Row]?

    public struct Malformed: Error, CustomStringConvertible {
        public enum Problem: Sendable {
            case unclosedQuote, empty
            case missingColumn(String, required: [String])
        }
        public let line: Int
        public let kind: Problem

        public var problem: String {
            switch kind {
            case .unclosedQuote: return "a quoted field is not closed; check the quotes on this line"
            case .empty: return "the file is empty"
            case .missingColumn(let name, let required):
                return "the header has no '\(name)' column; the first line must name the columns \(required.joined(separator: ", "))"
            }
        }
        public var description: String { "The sheet cannot be read at line \(line): \(problem); fix it and import it again." }
        public var chinese: String {
            switch kind {
            case .unclosedQuote: return "第 \(line) 行的引号没有配对，表格读不下去；请检查这一行的引号后重新导入。"
            case .empty: return "这个文件是空的；请选对文件，或在表里填上表头和数据行后重新导入。"
            case .missingColumn(let name, let required):
                return "表头（第 \(line) 行）没有「\(name)」列；第一行须写明各列：\(required.joined(separator: "、"))，改好后重新导入。"
            }
        }
    }

    public init(parsing text: String) throws {
        try self.init(utf8: Array(text.utf8))
    }

    /// Reads the header; the rows are read by `rows()`. Throws `Malformed` for a file with no cells at all,
    /// or with a quoted field that is never closed (anywhere in the file: checked before anything is imported).
    public init(utf8 bytes: [UInt8]) throws {
        self.bytes = bytes
        var reader = Reader(bytes: bytes, start: 0, line: 1)
        guard let first = try reader.nextRow() else { throw Malformed(line: 1, kind: .empty) }
        header = first.fields.map { CSVTable.trimmed($0).lowercased() }
        bodyStart = reader.position
        bodyLine = reader.line
        headerLine = first.line
        cells = nil
    }

    /// A sheet's rows, as read from a workbook: the first that holds any text is the header. Throws `Malformed` when
    /// none does.
    public init(cells rows: [Row]) throws {
        guard let first = rows.firstIndex(where: { $0.fields.contains { !CSVTable.trimmed($0).isEmpty } }) else {
            throw Malformed(line: 1, kind: .empty)
        }
        header = rows[first].fields.map { CSVTable.trimmed($0).lowercased() }
        headerLine = rows[first].line
        // Each row as wide as the header, as the same cells saved as CSV are: a workbook's row ends at its last filled
        // cell, and the sheet's identity must not depend on which file the clerk saved.
        let width = header.count
        cells = rows[(first + 1)...].map { row in
            row.fields.count >= width ? row : Row(line: row.line, fields: row.fields + Array(repeating: "", count: width - row.fields.count))
        }
        bytes = []
        bodyStart = 0
        bodyLine = headerLine + 1
    }

    /// The rows after the header, one at a time; blank rows (and rows of empty cells, which spreadsheets leave at
    /// the end) are skipped.
    public func rows() -> Reader { Reader(bytes: bytes, start: bodyStart, line: bodyLine, cells: cells) }

    public struct Reader {
        let bytes: [UInt8]
        var position: Int
        var line: Int
        let cells: [Row]?

        init(bytes: [UInt8], start: Int, line: Int, cells: [Row]? = nil) {
            self.bytes = bytes
            self.position = start
            self.line = line
            self.cells = cells
        }

        /// The next row that holds any text, or nil at the end; `Malformed` for an unclosed quote.
        public mutating func nextRow() throws -> Row? {
            if let cells {
                while position < cells.count {
                    let row = cells[position]
                    position += 1
                    if row.fields.contains(where: { !CSVTable.trimmed($0).isEmpty }) { return row }
                }
                return nil
            }
            while position < bytes.count {
                let row = try readRow()
                if row.fields.contains(where: { !CSVTable.trimmed($0).isEmpty }) { return row }
            }
            return nil
        }

        mutating func readRow() throws -> Row {
            let rowLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var atFieldStart = true
            var fieldStart = position
            var plain = true
            func finish(_ end: Int) {
                if plain {
                    fields.append(bytes.withUnsafeBufferPointer {
                        String(decoding: UnsafeBufferPointer(rebasing: $0[fieldStart..<end]), as: UTF8.self)
                    })
                } else {
                    fields.append(String(decoding: field, as: UTF8.self))
                }
            }
            while position < bytes.count {
                let byte = bytes[position]
                if quoted {
                    position += 1
                    if byte == UInt8(ascii: "\"") {
                        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                            field.append(byte)
                            position += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && (position >= bytes.count || bytes[position] != UInt8(ascii: "\n"))) {
                            line += 1
                        }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\"") where atFieldStart:
                    // A quoted field: its text is built byte by byte from here.
                    quoted = true
                    atFieldStart = false
                    plain = false
                    field.removeAll(keepingCapacity: true)
                    position += 1
                case UInt8(ascii: ","):
                    finish(position)
                    position += 1
                    atFieldStart = true
                    plain = true
                    fieldStart = position
                case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                    finish(position)
                    position += 1
                    if byte == UInt8(ascii: "\r"), position < bytes.count, bytes[position] == UInt8(ascii: "\n") { position += 1 }
                    line += 1
                    return Row(line: rowLine, fields: fields)
                default:
                    if !plain { field.append(byte) }
                    atFieldStart = false
                    position += 1
                }
            }
            if quoted { throw Malformed(line: rowLine, kind: .unclosedQuote) }
            finish(position)
            return Row(line: rowLine, fields: fields)
        }
    }

    /// Every row after the header (for small sheets and tests).
    public var allRows: [Row] {
        get throws {
            var reader = rows()
            var all: [Row] = []
            while let row = try reader.nextRow() { all.append(row) }
            return all
        }
    }

    /// A cell without the spaces around it (`CharacterSet.whitespaces`: the ideographic space of a Chinese
    /// keyboard too); fast for the usual cell, which begins and ends with neither.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return text }
        if first < 0x80, first != 0x20, first != 0x09, last < 0x80, last != 0x20, last != 0x09 { return text }
        let scalars = text.unicodeScalars
        guard let head = scalars.first, let tail = scalars.last,
              whitespaces.contains(head) || whitespaces.contains(tail) else { return text }
        return text.trimmingCharacters(in: whitespaces)
    }

    private static let whitespaces = CharacterSet.whitespaces

    /// The sheet's identity: the SHA-256 of its cells, independent of encoding, BOM, line endings, blank rows and
    /// the order of the rows — how a sheet saved again, in another encoding or sorted otherwise is still recognised
    /// as the same sheet. `legacy` is the digest earlier versions stored (the rows in the file's order), by which a
    /// sheet imported by them is recognised too. Each is the header's cells, then every row's, trimmed, joined by
    /// U+001F, one row a line; `sha256` puts the rows in the order of their UTF-8 bytes, so a sheet whose rows were
    /// already in that order has the same digest both ways. `rows` counts the rows after the header.
    public func digests(_ sha256: (Data) -> String) throws -> (sha256: String, legacy: String, rows: Int) {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count + 64)
        var ranges: [Range<Int>] = []
        func append(_ fields: [String]) {
            for (index, field) in fields.enumerated() {
                if index > 0 { text.append(0x1F) }
                text.append(contentsOf: field.utf8)
            }
        }
        append(header)
        let headerEnd = text.count
        var reader = rows()
        while let row = try reader.nextRow() {
            text.append(0x0A)
            let start = text.count
            append(row.fields.map(CSVTable.trimmed))
            ranges.append(start..<text.count)
        }
        let legacy = sha256(Data(text))
        // The same order as `lexicographicallyPrecedes` of the bytes, compared by `memcmp` (element by element, the
        // sort took 6% of importing a sheet of 20,000 rows into the demo ledger).
        text.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            ranges.sort { a, b in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(base + a.lowerBound, base + b.lowerBound, common)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
        var sorted: [UInt8] = Array(text[..<headerEnd])
        sorted.reserveCapacity(text.count)
        for range in ranges {
            sorted.append(0x0A)
            sorted.append(contentsOf: text[range])
        }
        return (sha256(Data(sorted)), legacy, ranges.count)
    }

    /// The index of the first column whose header is one of `names` (English or Chinese).
    public func column(_ names: [String]) -> Int? {
        header.firstIndex { names.contains($0) }
    }
}
