import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import JifenSheets

/// Reads the first sheet of an .xlsx workbook (Office Open XML, as Excel, WPS, LibreOffice and openpyxl save it) as
/// text cells, each row with the number Excel shows: shared and inline strings, numbers, booleans, errors, and dates
/// — cells whose style has a date format, in the 1900 system (with Lotus 1-2-3's 29 February 1900) or the 1904 system
/// when the workbook says so — written as YYYY-MM-DD, which the importers read as they read a CSV sheet's dates.
///
/// A workbook is hostile input: everything is bounded before it is held. The file (`Limits.file`), the number of parts
/// in it, each part's size as it is inflated (a zip bomb stops at the limit, whatever its header claims), the shared
/// strings, the cells, and every cell reference (at most XFD1048576). A part with a document type declaration is
/// refused before it is parsed, so no entity is ever expanded, and no external entity is fetched.
public enum XLSXReader {
    public struct Limits: Sendable {
        /// The .xlsx file itself.
        public var file = 64 << 20
        /// Parts in the zip.
        public var parts = 4096
        /// One part, inflated (a sheet of 20,000 rows is about 2 MB).
        public var part = 128 << 20
        /// Every part read, inflated.
        public var total = 256 << 20
        /// Shared strings, and cells (counting the empty ones a row's later cell puts before it).
        public var strings = 2_000_000
        public var cells = 4_000_000
        /// The text of every cell read, in bytes: a short shared string named by many cells is held once for each (a
        /// sheet of 20,000 rows holds about 2 MB).
        public var text = 64 << 20

        public init() {}
    }

    /// Excel's last row and column (XFD).
    static let lastRow = 1_048_576, lastColumn = 16_384

    /// The first sheet of the workbook in `data`.
    public static func firstSheet(_ data: Data, limits: Limits = Limits()) throws(SheetFailure) -> SheetCells {
        do {
            return try read(data, limits: limits)
        } catch let failure as SheetFailure {
            throw failure
        } catch {
            throw SheetFailure(zh: "这个文件不是能读的 .xlsx 工作簿（\(error)）；请在 Excel 或 WPS 里打开它，另存为 .xlsx 后再导入。",
                               en: "This file is not a readable .xlsx workbook (\(error)); open it in Excel or WPS, save it as .xlsx again and import that.")
        }
    }

    /// The first sheet of the workbook in a file: a plain file of at most `limits.file` bytes.
    public static func firstSheet(at url: URL, limits: Limits = Limits()) throws(SheetFailure) -> SheetCells {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { throw damaged("它不是普通文件", "it is not a plain file") }
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            // One byte past the limit is enough to know it is too large.
            data = try handle.read(upToCount: limits.file + 1) ?? Data()
        } catch let failure as SheetFailure {
            throw failure
        } catch {
            throw SheetFailure(zh: "读不到文件 \(url.path)（\(error)）。", en: "Cannot read \(url.path) (\(error)).")
        }
        return try firstSheet(data, limits: limits)
    }

    static func damaged(_ zh: String, _ en: String) -> SheetFailure {
        SheetFailure(zh: "这个 .xlsx 文件读不了：\(zh)；请在 Excel 或 WPS 里打开它，另存为 .xlsx 后再导入。",
                     en: "This .xlsx file cannot be read: \(en); open it in Excel or WPS, save it as .xlsx again and import that.")
    }

    static func tooLarge(_ zh: String, _ en: String) -> SheetFailure {
        SheetFailure(zh: "这个 .xlsx 文件太大，不像一张积分表：\(zh)；请把表拆小，或另存为 CSV 后再导入。",
                     en: "This .xlsx file is too large for a tally sheet: \(en); split it, or save it as CSV, and import that.")
    }

    static func read(_ data: Data, limits: Limits) throws -> SheetCells {
        guard data.count <= limits.file else {
            throw tooLarge("文件超过 \(limits.file >> 20) MB", "the file is over \(limits.file >> 20) MB")
        }
        guard data.starts(with: [0x50, 0x4B]) else {
            throw damaged("它不是 zip 压缩包（.xlsx 都是）", "it is not a zip archive, as every .xlsx is")
        }
        let package = try Package(data, limits: limits)
        // The workbook: named by the package's relationships, usually xl/workbook.xml.
        var workbookPath = "xl/workbook.xml"
        if let rels = try package.part("_rels/.rels") {
            let relations = try Elements(rels, names: ["Relationship"])
            if let office = relations.found.first(where: { $0.attribute("Type")?.hasSuffix("/officeDocument") == true }),
               let target = office.attribute("Target") {
                workbookPath = Package.resolve(target, from: "")
            }
        }
        guard let workbookXML = try package.part(workbookPath) else {
            throw damaged("里面没有工作簿（\(workbookPath)）", "it holds no workbook (\(workbookPath))")
        }
        let workbook = try Elements(workbookXML, names: ["sheet", "workbookPr"])
        let date1904 = workbook.found.first { $0.name == "workbookPr" }?.attribute("date1904").map { $0 == "1" || $0 == "true" } ?? false
        guard let sheet = workbook.found.first(where: { $0.name == "sheet" }), let sheetID = sheet.attribute("id") else {
            throw damaged("工作簿里没有工作表", "the workbook has no sheet")
        }
        let folder = workbookPath.split(separator: "/").dropLast().joined(separator: "/")
        let relsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/" + (workbookPath.split(separator: "/").last.map(String.init) ?? "") + ".rels"
        guard let relsXML = try package.part(relsPath) else {
            throw damaged("缺少工作簿的关系表（\(relsPath)）", "the workbook's relationships (\(relsPath)) are missing")
        }
        let relations = try Elements(relsXML, names: ["Relationship"]).found
        func target(_ kind: String) -> String? {
            relations.first { $0.attribute("Type")?.hasSuffix("/" + kind) == true }?.attribute("Target").map { Package.resolve($0, from: folder) }
        }
        guard let sheetTarget = relations.first(where: { $0.attribute("Id") == sheetID })?.attribute("Target") else {
            throw damaged("第一张工作表在关系表里找不到", "the first sheet is not in the workbook's relationships")
        }
        let sheetPath = Package.resolve(sheetTarget, from: folder)
        guard let sheetXML = try package.part(sheetPath) else {
            throw damaged("缺少第一张工作表（\(sheetPath)）", "the first sheet (\(sheetPath)) is missing")
        }
        var strings: [String] = []
        if let path = target("sharedStrings"), let xml = try package.part(path) {
            strings = try SharedStrings.read(xml, limit: limits.strings)
        }
        var dateStyles: [Bool] = []
        if let path = target("styles"), let xml = try package.part(path) {
            dateStyles = try Styles.dateStyles(xml)
        }
        return try SheetReader.read(sheetXML, strings: strings, dateStyles: dateStyles, date1904: date1904, limits: limits)
    }
}

/// The zip's parts by path (`ZipParts`), each inflated only when asked for and only up to the limits, and checked to
/// be XML that can be parsed safely.
final class Package {
    let zip: ZipParts
    let limits: XLSXReader.Limits
    var inflated = 0

    init(_ data: Data, limits: XLSXReader.Limits) throws {
        self.limits = limits
        do {
            zip = try ZipParts(data, maxParts: limits.parts)
        } catch let damage as ZipParts.Damaged {
            throw XLSXReader.damaged(damage.zh, damage.en)
        } catch is ZipParts.TooMany {
            throw XLSXReader.tooLarge("里面的部件超过 \(limits.parts) 个", "it holds more than \(limits.parts) parts")
        }
    }

    /// A target of a relationship as a path in the zip: relative to `folder`, or from the root when it starts with /.
    static func resolve(_ target: String, from folder: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : folder.split(separator: "/")
        for piece in target.split(separator: "/") {
            if piece == ".." {
                _ = parts.popLast()
            } else if piece != "." {
                parts.append(piece)
            }
        }
        return parts.joined(separator: "/")
    }

    /// A part's bytes, or nil when the zip has no such part.
    func part(_ path: String) throws -> Data? {
        let limit = min(limits.part, limits.total - inflated)
        let data: Data
        do {
            guard let read = try zip.read(path, limit: limit) else { return nil }
            data = read
        } catch is ZipParts.TooLarge {
            throw XLSXReader.tooLarge("\(path) 解压后超过 \(limit >> 20) MB", "\(path) inflates to more than \(limit >> 20) MB")
        } catch let damage as ZipParts.Damaged {
            throw XLSXReader.damaged(damage.zh, damage.en)
        }
        inflated += data.count
        // UTF-8 only (what Excel, WPS and openpyxl write): FoundationXML's parser traps on a name that is not valid
        // UTF-8, which libxml2 may hand it from a damaged part (libFuzzer found one).
        guard String(validating: data, as: UTF8.self) != nil else {
            throw XLSXReader.damaged("\(path) 不是 UTF-8 编码的 XML", "\(path) is not XML in UTF-8")
        }
        // No document type declaration: no entity can be declared, so none is expanded (a "billion laughs").
        if Package.declaresType(data) {
            throw XLSXReader.damaged("\(path) 带有文档类型声明（DOCTYPE），Excel 从不写这个", "\(path) has a document type declaration (DOCTYPE), which Excel never writes")
        }
        return data
    }

    static func declaresType(_ data: Data) -> Bool {
        let marker = Array("<!DOCTYPE".utf8)
        return data.withUnsafeBytes { raw -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= marker.count else { return false }
            var index = 0
            while index <= bytes.count - marker.count {
                if bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "!") {
                    var same = true
                    for offset in 2..<marker.count where bytes[index + offset] & 0xDF != marker[offset] {
                        same = false
                        break
                    }
                    if same { return true }
                }
                index += 1
            }
            return false
        }
    }
}

/// Parses a part, and says in one sentence where it is not well-formed XML.
func parse(_ data: Data, with delegate: some XMLParserDelegate) throws {
    let parser = XMLParser(data: data)
    parser.shouldProcessNamespaces = true
    parser.shouldResolveExternalEntities = false
    parser.delegate = delegate
    // libxml2 may recover from an error and go on: any error it met fails the part.
    if !parser.parse() || parser.parserError != nil {
        if let failure = (delegate as? Failing)?.failure { throw failure }
        throw XLSXReader.damaged("XML 在第 \(parser.lineNumber) 行出错", "its XML breaks at line \(parser.lineNumber)")
    }
}

/// A delegate that may stop the parse with its own reason.
protocol Failing: AnyObject {
    var failure: SheetFailure? { get }
}

/// Elements of the given names with their attributes (relationships, the workbook's sheets, styles).
final class Elements: NSObject, XMLParserDelegate {
    struct Found {
        let name: String
        let parent: String?
        let attributes: [String: String]

        /// An attribute by its local name (r:id is "id").
        func attribute(_ name: String) -> String? {
            if let value = attributes[name] { return value }
            return attributes.first { $0.key.hasSuffix(":" + name) }?.value
        }
    }

    let names: Set<String>
    var found: [Found] = []
    var stack: [String] = []

    init(_ data: Data, names: Set<String>) throws {
        self.names = names
        super.init()
        try parse(data, with: self)
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let name = Elements.local(elementName)
        if names.contains(name) {
            found.append(Found(name: name, parent: stack.last, attributes: attributes))
            if found.count > 100_000 { parser.abortParsing() }
        }
        stack.append(name)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        _ = stack.popLast()
    }

    static func local(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }
}

/// The styles' cell formats (cellXfs), each whether its number format shows a date.
enum Styles {
    static func dateStyles(_ data: Data) throws -> [Bool] {
        let elements = try Elements(data, names: ["numFmt", "xf"]).found
        var custom: [Int: Bool] = [:]
        for format in elements where format.name == "numFmt" {
            if let id = format.attribute("numFmtId").flatMap({ Int($0) }), let code = format.attribute("formatCode") {
                custom[id] = isDateFormat(code)
            }
        }
        return elements.filter { $0.name == "xf" && $0.parent == "cellXfs" }.map { xf in
            let id = xf.attribute("numFmtId").flatMap { Int($0) } ?? 0
            return custom[id] ?? builtInDate(id)
        }
    }

    /// Excel's built-in date and time formats: 14–22 and 45–47, and 27–36 and 50–58 of the Chinese, Japanese and
    /// Korean editions (yyyy"年"m"月"d"日" and the like).
    static func builtInDate(_ id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    /// Whether a format code shows a date: it has d, m, y, h or s outside quoted text, escapes and [colour] or
    /// [condition] sections, or is elapsed time ([h], [mm], [ss]). The first section (for positive numbers) decides.
    static func isDateFormat(_ code: String) -> Bool {
        var quoted = false, escaped = false
        var bracket: String?
        for character in code.lowercased() {
            if escaped {
                escaped = false
                continue
            }
            if quoted {
                if character == "\"" { quoted = false }
                continue
            }
            if var inside = bracket {
                if character == "]" {
                    if !inside.isEmpty, let first = inside.first, "hms".contains(first), inside.allSatisfy({ $0 == first }) { return true }
                    bracket = nil
                } else {
                    inside.append(character)
                    bracket = inside
                }
                continue
            }
            switch character {
            case "\\": escaped = true
            case "\"": quoted = true
            case "[": bracket = ""
            case ";": return false
            case "d", "m", "y", "h", "s": return true
            default: continue
            }
        }
        return false
    }
}

/// The shared string table: each item's text (rich text runs joined, phonetic guides left out).
final class SharedStrings: NSObject, XMLParserDelegate, Failing {
    var strings: [String] = []
    var current = ""
    var inItem = false, inText = false, phonetic = 0
    let limit: Int
    var failure: SheetFailure?

    init(limit: Int) { self.limit = limit }

    static func read(_ data: Data, limit: Int) throws -> [String] {
        let reader = SharedStrings(limit: limit)
        try parse(data, with: reader)
        return reader.strings
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch Elements.local(elementName) {
        case "si":
            inItem = true
            current = ""
        case "t": inText = inItem && phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        switch Elements.local(elementName) {
        case "si":
            inItem = false
            strings.append(SheetReader.unescaped(current))
            if strings.count > limit {
                failure = XLSXReader.tooLarge("共享字符串超过 \(limit) 条", "it has more than \(limit) shared strings")
                parser.abortParsing()
            }
        case "t": inText = false
        case "rPh": phonetic -= 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}

/// The sheet's rows: each cell's text by its column, each row by its number.
final class SheetReader: NSObject, XMLParserDelegate, Failing {
    let strings: [String]
    let dateStyles: [Bool]
    let date1904: Bool
    let limits: XLSXReader.Limits
    var rows: [SheetCells.Row] = []
    var failure: SheetFailure?

    var inSheetData = false
    var row: Int = 0, lastRow = 0
    var cells: [String] = []
    var cellCount = 0, textBytes = 0
    // The cell being read.
    var column = 0, lastColumn = 0, type = "n", style = 0
    var value = "", inline = ""
    var inValue = false, inInlineText = false, inInline = false, phonetic = 0, hasValue = false, hasFormula = false

    init(strings: [String], dateStyles: [Bool], date1904: Bool, limits: XLSXReader.Limits) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.limits = limits
    }

    static func read(_ data: Data, strings: [String], dateStyles: [Bool], date1904: Bool, limits: XLSXReader.Limits) throws -> SheetCells {
        let reader = SheetReader(strings: strings, dateStyles: dateStyles, date1904: date1904, limits: limits)
        try parse(data, with: reader)
        return SheetCells(rows: reader.rows)
    }

    func stop(_ parser: XMLParser, _ failure: SheetFailure) {
        if self.failure == nil { self.failure = failure }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        guard failure == nil else { return }
        switch Elements.local(elementName) {
        case "sheetData": inSheetData = true
        case "row" where inSheetData:
            if let text = attributes["r"] {
                guard let number = Int(text), number >= 1, number <= XLSXReader.lastRow else {
                    return stop(parser, XLSXReader.damaged("行号「\(text)」不在 1 到 \(XLSXReader.lastRow) 之间", "the row number '\(text)' is not between 1 and \(XLSXReader.lastRow)"))
                }
                row = number
            } else {
                row = lastRow + 1
            }
            guard row > lastRow, row <= XLSXReader.lastRow else {
                return stop(parser, XLSXReader.damaged("第 \(row) 行出现在第 \(lastRow) 行之后", "row \(row) comes after row \(lastRow)"))
            }
            cells = []
            lastColumn = 0
        case "c" where inSheetData:
            if let reference = attributes["r"] {
                guard let (cellColumn, cellRow) = SheetReader.reference(reference), cellRow == row else {
                    return stop(parser, XLSXReader.damaged("单元格「\(reference.prefix(20))」不是第 \(row) 行里 A 到 XFD 之间的格",
                                                           "the cell '\(reference.prefix(20))' is not one of row \(row) between A and XFD"))
                }
                column = cellColumn
            } else {
                column = lastColumn + 1
            }
            guard column > lastColumn, column <= XLSXReader.lastColumn else {
                return stop(parser, XLSXReader.damaged("第 \(row) 行的单元格次序乱了", "the cells of row \(row) are out of order"))
            }
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap { Int($0) } ?? 0
            value = ""
            inline = ""
            hasValue = false
            hasFormula = false
        case "f" where inSheetData: hasFormula = true
        case "v" where inSheetData:
            inValue = true
            hasValue = true
        case "is" where inSheetData: inInline = true
        case "t" where inInline: inInlineText = phonetic == 0
        case "rPh" where inInline: phonetic += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        switch Elements.local(elementName) {
        case "sheetData": inSheetData = false
        case "row" where inSheetData:
            lastRow = row
            if !cells.isEmpty { rows.append(SheetCells.Row(row: row, cells: cells)) }
        case "c" where inSheetData:
            lastColumn = column
            let text: String
            do {
                text = try cellText()
            } catch let failure as SheetFailure {
                return stop(parser, failure)
            } catch {
                return stop(parser, XLSXReader.damaged("单元格读不出来", "a cell cannot be read"))
            }
            // Cells left out before this one are empty.
            cellCount += column - cells.count
            guard cellCount <= limits.cells else {
                return stop(parser, XLSXReader.tooLarge("单元格超过 \(limits.cells) 个", "it has more than \(limits.cells) cells"))
            }
            textBytes += text.utf8.count
            guard textBytes <= limits.text else {
                return stop(parser, XLSXReader.tooLarge("单元格里的文字超过 \(limits.text >> 20) MB", "its cells hold more than \(limits.text >> 20) MB of text"))
            }
            while cells.count < column - 1 { cells.append("") }
            cells.append(text)
        case "v": inValue = false
        case "is": inInline = false
        case "t": inInlineText = false
        case "rPh" where inInline: phonetic -= 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue {
            value += string
        } else if inInlineText {
            inline += string
        }
    }

    /// The cell's text as a CSV file saved from it would hold it (dates as YYYY-MM-DD).
    func cellText() throws -> String {
        // A formula whose result was never saved (openpyxl and other programs write the formula alone): its value is
        // unknown, and reading it as empty would drop what the clerk meant.
        if hasFormula, !hasValue || value.isEmpty, type != "inlineStr" {
            throw SheetFailure(zh: "第 \(row) 行 \(SheetReader.columnName(column)) 列是公式，文件里没有它的计算结果；请在 Excel 或 WPS 里打开后保存一次，再导入。",
                               en: "Cell \(SheetReader.columnName(column))\(row) is a formula whose result the file does not hold; open it in Excel or WPS, save it once, and import it again.")
        }
        switch type {
        case "inlineStr": return SheetReader.unescaped(inline)
        case "s":
            guard hasValue else { return "" }
            guard let index = Int(value.trimmingCharacters(in: .whitespaces)), index >= 0, index < strings.count else {
                throw XLSXReader.damaged("第 \(row) 行有一格指向不存在的共享字符串", "a cell of row \(row) names a shared string that is not there")
            }
            return strings[index]
        case "str": return value
        case "e":
            // An error value (#N/A, #DIV/0!, #REF!) is what a formula could not compute, never a score's text.
            throw SheetFailure(zh: "第 \(row) 行 \(SheetReader.columnName(column)) 列是错误值 \(value.prefix(12))；请在表里改正后再导入。",
                               en: "Cell \(SheetReader.columnName(column))\(row) holds the error \(value.prefix(12)); correct it in the sheet and import it again.")
        case "b": return value == "1" ? "TRUE" : value == "0" ? "FALSE" : value
        case "d":
            // An ISO 8601 date (openpyxl's iso_dates): the day, and the time only when there is one.
            if value.count >= 10, value.dropFirst(10).allSatisfy({ "T0:.Z".contains($0) }) { return String(value.prefix(10)) }
            return value
        default:
            let text = value.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return "" }
            guard let number = Double(text), number.isFinite else { return text }
            if style >= 0, style < dateStyles.count, dateStyles[style], let date = SheetReader.date(number, date1904: date1904) {
                return date
            }
            return SheetReader.numberText(number)
        }
    }

    /// A column's letters as Excel shows them: 1 is A, 27 is AA.
    static func columnName(_ number: Int) -> String {
        var number = number, letters: [Character] = []
        while number > 0 {
            let digit = (number - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + digit))), at: 0)
            number = (number - 1) / 26
        }
        return String(letters)
    }

    /// Text with OOXML's escapes undone: _xHHHH_ is the character HHHH (how a workbook holds a control character,
    /// and _x005F_ an underscore that would otherwise start one).
    static func unescaped(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "_")), text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
               let value = UInt32(String(String.UnicodeScalarView(scalars[(index + 2)...(index + 5)])), radix: 16),
               let scalar = Unicode.Scalar(value) {
                out.append(scalar)
                index += 7
            } else {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    /// A number as Excel's General format shows it: a whole number without a fraction.
    static func numberText(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }

    /// An Excel date serial as YYYY-MM-DD (with HH:MM:SS when it has a time of day). The 1900 system counts 1 for
    /// 1 January 1900 and, as Lotus 1-2-3 did, 60 for a 29 February 1900 that never was (given as 1900-02-29, which no
    /// importer takes as a date); the 1904 system counts 0 for 1 January 1904. Nil before its first day or after 9999.
    static func date(_ serial: Double, date1904: Bool) -> String? {
        guard serial >= 0, serial < 2_958_466 else { return nil }
        let day = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(day)) * 86_400).rounded())
        var days = day
        if seconds >= 86_400 {
            days += 1
            seconds -= 86_400
        }
        let text: String
        if date1904 {
            text = civil(days + daysFromEpoch(1904, 1, 1))
        } else if days == 60 {
            text = "1900-02-29"
        } else if days == 0 {
            text = "1900-01-00"
        } else {
            text = civil(days + daysFromEpoch(1899, 12, days < 60 ? 31 : 30))
        }
        guard seconds > 0 else { return text }
        return text + String(format: " %02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01, as YYYY-MM-DD.
    static func civil(_ days: Int) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// A cell reference such as B7: its column (A is 1) and row, or nil past XFD1048576 or when it is not one.
    static func reference(_ text: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0, digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0:
                letters += 1
                guard letters <= 3 else { return nil }
                column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
            case UInt8(ascii: "0")...UInt8(ascii: "9") where letters > 0:
                digits += 1
                guard digits <= 7 else { return nil }
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "$"): continue
            default: return nil
            }
        }
        guard letters > 0, digits > 0, column <= XLSXReader.lastColumn, row >= 1, row <= XLSXReader.lastRow else { return nil }
        return (column, row)
    }
}
