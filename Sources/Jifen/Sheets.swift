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
    }

    public static func decode(_ data: Data, fileName: String) throws -> String {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard let text = gb18030(bytes) else { throw Undecodable(fileName: fileName) }
        return text
    }

    /// GB18030 to UTF-8 through the C library's iconv (glibc ships the converter).
    static func gb18030(_ input: [UInt8]) -> String? {
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
        return String(validating: output[..<converted], as: UTF8.self)
    }
}

/// A CSV table with each row's line number in the file, so that every error can name its line.
///
/// RFC 4180: fields separated by commas, optionally in double quotes (a quote doubled inside them),
/// rows ended by LF or CRLF. Hand-written because the libraries at hand do not report line numbers.
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        /// The line of the file the row starts on (the header is line 1).
        public let line: Int
        public let fields: [String]

        /// The trimmed text of a column, or "" when the row is shorter or the column absent.
        public func field(_ index: Int?) -> String {
            guard let index, index < fields.count else { return "" }
            return fields[index].trimmingCharacters(in: .whitespaces)
        }
    }

    public let header: [String]
    public let rows: [Row]

    public struct Malformed: Error, CustomStringConvertible {
        public let line: Int
        public let problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public init(parsing text: String) throws {
        var rows: [Row] = []
        var field = ""
        var fields: [String] = []
        var line = 1
        var rowLine = 1
        var quoted = false
        var atFieldStart = true
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRow() {
            fields.append(field)
            field = ""
            // Blank lines, and the rows of empty cells (",,,,") that spreadsheets leave at the end, are skipped.
            if fields.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                rows.append(Row(line: rowLine, fields: fields))
            }
            fields = []
        }
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case ",":
                fields.append(field)
                field = ""
                atFieldStart = true
            case "\r":
                continue
            case "\n":
                endRow()
                line += 1
                rowLine = line
                atFieldStart = true
            default:
                field.unicodeScalars.append(scalar)
                atFieldStart = false
            }
        }
        if quoted { throw Malformed(line: rowLine, problem: "a quoted field is not closed; check the quotes on this line") }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        guard let first = rows.first else { throw Malformed(line: 1, problem: "the file is empty") }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        self.rows = Array(rows.dropFirst())
    }

    /// The table's cells, independent of encoding, BOM, line endings and blank rows: how a sheet saved
    /// again (or in another encoding) is still recognised as the same sheet.
    public var canonicalText: String {
        ([header] + rows.map { $0.fields.map { $0.trimmingCharacters(in: .whitespaces) } })
            .map { $0.joined(separator: "\u{1F}") }.joined(separator: "\n")
    }

    /// The index of the first column whose header is one of `names` (English or Chinese).
    public func column(_ names: [String]) -> Int? {
        header.firstIndex { names.contains($0) }
    }
}
