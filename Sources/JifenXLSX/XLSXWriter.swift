import Foundation
import JifenSheets
import ZIPFoundation

/// Writes one sheet as an .xlsx workbook: a bold header row that stays in view (frozen), columns as wide as their
/// text (a Chinese character counted as two), numbers as numbers, YYYY-MM-DD dates as dates with a date style, and
/// all other text as inline strings — never a formula, whatever the text starts with (`=`, `+`, `-`, `@`): a
/// workbook has no way to read a string cell as one.
///
/// The parts are a handful of fixed XML documents and the sheet, written here as text (each value escaped) rather than
/// through an XML encoder: the sheet is the only part that varies, and its rows are written as they come. The zip is
/// ZIPFoundation's, deflated, with every part dated 1 January 2000 so that the same table always gives the same bytes.
public struct XLSXWriter {
    public let layout: SheetLayout
    var sheet: [UInt8] = []
    var widths: [Int]
    public private(set) var rows = 0

    /// Excel's last row, less the header.
    public static let maxRows = 1_048_575

    public init(layout: SheetLayout) {
        self.layout = layout
        widths = layout.columns.map { XLSXWriter.width($0.key) }
        var header = "<row r=\"1\">"
        for (index, column) in layout.columns.enumerated() {
            header += "<c r=\"\(XLSXWriter.columnName(index + 1))1\" s=\"1\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(XLSXWriter.escaped(column.key))</t></is></c>"
        }
        header += "</row>"
        sheet.append(contentsOf: header.utf8)
    }

    /// Adds a row: each column's value from `record` (missing keys are empty cells).
    public mutating func add(_ record: SheetRecord) throws(SheetFailure) {
        guard rows < XLSXWriter.maxRows else {
            throw SheetFailure(zh: "超过 \(XLSXWriter.maxRows) 行，一张 Excel 工作表放不下；请分段导出（例如用 --from 和 --to）。",
                               en: "More than \(XLSXWriter.maxRows) rows do not fit in one Excel sheet; export it in parts (e.g. with --from and --to).")
        }
        rows += 1
        let number = rows + 1
        var text = "<row r=\"\(number)\">"
        for (index, column) in layout.columns.enumerated() {
            let reference = "\(XLSXWriter.columnName(index + 1))\(number)"
            switch record[column.key] ?? .null {
            case .null: continue
            case .bool(let value):
                text += "<c r=\"\(reference)\" t=\"b\"><v>\(value ? 1 : 0)</v></c>"
                widths[index] = max(widths[index], 5)
            case .integer(let value):
                text += "<c r=\"\(reference)\"><v>\(value)</v></c>"
                widths[index] = max(widths[index], String(value).count)
            case .number(let value) where value.isFinite:
                text += "<c r=\"\(reference)\"><v>\(value)</v></c>"
                widths[index] = max(widths[index], "\(value)".count)
            case .number(let value):
                text += XLSXWriter.inline(reference, "\(value)")
            case .text(let value):
                if column.kind == .date, let serial = XLSXWriter.serial(value) {
                    text += "<c r=\"\(reference)\" s=\"2\"><v>\(serial)</v></c>"
                    widths[index] = max(widths[index], 10)
                } else {
                    text += XLSXWriter.inline(reference, value)
                    widths[index] = max(widths[index], XLSXWriter.width(value))
                }
            case .json(let value):
                text += XLSXWriter.inline(reference, value)
                widths[index] = max(widths[index], XLSXWriter.width(value))
            }
        }
        text += "</row>"
        sheet.append(contentsOf: text.utf8)
    }

    static func inline(_ reference: String, _ value: String) -> String {
        "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escaped(value))</t></is></c>"
    }

    /// The workbook's bytes.
    public func data() throws -> Data {
        let last = "\(XLSXWriter.columnName(max(layout.columns.count, 1)))\(rows + 1)"
        var head = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <dimension ref="A1:\(last)"/>\
            <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
            <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/>
            """
        if !layout.columns.isEmpty {
            head += "<cols>"
            for (index, width) in widths.enumerated() {
                // Characters plus room for the filter arrow and padding, within what is readable on a screen.
                head += "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(min(max(width, 4), 60) + 2)\" customWidth=\"1\"/>"
            }
            head += "</cols>"
        }
        head += "<sheetData>"
        var sheetXML = Data(head.utf8)
        sheetXML.append(contentsOf: sheet)
        sheetXML.append(contentsOf: "</sheetData></worksheet>".utf8)

        let archive = try Archive(accessMode: .create)
        let parts: [(String, Data)] = [
            ("[Content_Types].xml", Data(XLSXWriter.contentTypes.utf8)),
            ("_rels/.rels", Data(XLSXWriter.packageRelationships.utf8)),
            ("xl/workbook.xml", Data(XLSXWriter.workbook(sheetName: XLSXWriter.sheetName(layout.name)).utf8)),
            ("xl/_rels/workbook.xml.rels", Data(XLSXWriter.workbookRelationships.utf8)),
            ("xl/styles.xml", Data(XLSXWriter.styles.utf8)),
            ("xl/worksheets/sheet1.xml", sheetXML),
        ]
        for (path, bytes) in parts {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: XLSXWriter.partDate,
                                 compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw SheetFailure(zh: "工作簿没能生成。", en: "The workbook could not be made.") }
        return data
    }

    /// Every part's date in the zip: fixed, so the same table gives the same file.
    static let partDate = Date(timeIntervalSince1970: 946_684_800)

    /// Text for XML, with what XML 1.0 cannot hold (control characters but tab and line breaks, U+FFFE and U+FFFF)
    /// written as OOXML's _xHHHH_, and a literal _xHHHH_ kept literal by escaping its underscore. Works on the UTF-8
    /// bytes: the audit export's payloads, JSON full of quotes, are most of what a workbook escapes.
    static func escaped(_ text: String) -> String {
        let bytes = Array(text.utf8)
        func plain(_ byte: UInt8) -> Bool {
            !(byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<")
                && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "_") && byte != 0xEF
        }
        if bytes.allSatisfy(plain) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        func hex(_ value: UInt32) {
            out.append(contentsOf: "_x".utf8)
            out.append(contentsOf: String(format: "%04X", value).utf8)
            out.append(UInt8(ascii: "_"))
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "_") where looksEscaped(bytes, at: index): out.append(contentsOf: "_x005F_".utf8)
            case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBF && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF):
                hex(bytes[index + 2] == 0xBE ? 0xFFFE : 0xFFFF)
                index += 2
            case 0x00..<0x20 where byte != 0x09 && byte != 0x0A && byte != 0x0D: hex(UInt32(byte))
            default: out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `_xHHHH_` starts at `index`.
    static func looksEscaped(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"), bytes[index + 6] == UInt8(ascii: "_") else { return false }
        return bytes[(index + 2)...(index + 5)].allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
    }

    /// How many columns text takes on screen: East Asian wide and full-width characters count two.
    static func width(_ text: String) -> Int {
        var width = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
                 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
                width += 2
            default:
                width += 1
            }
            if width > 200 { break }
        }
        return width
    }

    /// A column's letters: 1 is A, 27 is AA.
    static func columnName(_ number: Int) -> String {
        var number = number
        var letters: [Character] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + remainder))), at: 0)
            number = (number - 1) / 26
        }
        return String(letters)
    }

    /// The 1900 system's serial of a YYYY-MM-DD date from 1 March 1900 on (before it, Excel's own count differs).
    static func serial(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month), day >= 1 else { return nil }
        let days = SheetReader.daysFromEpoch(year, month, day)
        // The day must exist: it comes back the same.
        guard SheetReader.civil(days) == text else { return nil }
        let serial = days - SheetReader.daysFromEpoch(1899, 12, 30)
        return serial >= 61 ? serial : nil
    }

    /// A sheet name Excel accepts: at most 31 characters, none of : \ / ? * [ ].
    static func sheetName(_ name: String) -> String {
        let cleaned = String(name.map { ":\\/?*[]".contains($0) ? "_" : $0 }.prefix(31))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }

    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        </Types>
        """

    static let packageRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """

    static func workbook(sheetName: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <bookViews><workbookView/></bookViews>\
        <sheets><sheet name="\(escaped(sheetName))" sheetId="1" r:id="rId1"/></sheets>\
        </workbook>
        """
    }

    static let workbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """

    /// Three cell formats: 0 plain, 1 the header (bold), 2 a date (yyyy-mm-dd, format 164).
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>\
        <fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>\
        <font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
}
