#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JifenCore

/// The slip the points shop hands a resident (兑换小票): the village, the shop, the date, the household, what was
/// taken, the points spent and left, the entries' numbers and a short code an auditor finds in the log (the first
/// eight hex digits of the last entry's hash, which `jifen shop receipt` and the audit export print in full).
///
/// Printed on a thermal receipt printer: 32 columns on 58 mm paper, 48 on 80 mm, a Chinese character taking two.
public struct Receipt: Sendable, Encodable, Equatable {
    public struct Line: Sendable, Encodable, Equatable {
        public let seq: Int64
        public let item: String
        public let name: String
        public let unit: String
        public let quantity: Int
        public let points: Int

        public init(seq: Int64, item: String, name: String, unit: String, quantity: Int, points: Int) {
            self.seq = seq
            self.item = item
            self.name = name
            self.unit = unit
            self.quantity = quantity
            self.points = points
        }
    }

    public let village: String
    public let date: LocalDate
    public let household: String
    public let head: String
    public let lines: [Line]
    /// Points the household could still spend right after the last line (可用积分).
    public let left: Int
    /// Who handed the goods over.
    public let shopkeeper: String
    /// The last line's entry hash in lower-case hex (64 digits).
    public let hash: String

    public init(village: String, date: LocalDate, household: String, head: String, lines: [Line], left: Int, shopkeeper: String,
                hash: String) {
        self.village = village
        self.date = date
        self.household = household
        self.head = head
        self.lines = lines
        self.left = left
        self.shopkeeper = shopkeeper
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case village, date, household, head, lines, spent, left, shopkeeper, code, hash
    }

    /// As `--json` prints it: the slip's figures, the check code and the whole hash.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(village, forKey: .village)
        try c.encode(date.description, forKey: .date)
        try c.encode(household, forKey: .household)
        try c.encode(head, forKey: .head)
        try c.encode(lines, forKey: .lines)
        try c.encode(spent, forKey: .spent)
        try c.encode(left, forKey: .left)
        try c.encode(shopkeeper, forKey: .shopkeeper)
        try c.encode(code, forKey: .code)
        try c.encode(hash, forKey: .hash)
    }

    /// Points spent on the slip's lines.
    public var spent: Int { lines.reduce(0) { $0 + $1.points } }

    /// The check code printed on the slip: the hash's first eight hex digits, in two groups of four.
    public var code: String {
        let digits = Array(hash.prefix(8).uppercased())
        guard digits.count == 8 else { return String(digits) }
        return String(digits[0..<4]) + "-" + String(digits[4..<8])
    }

    /// The paper widths a receipt printer takes: 58 mm (32 columns) and 80 mm (48 columns).
    public enum Paper: Int, Sendable, CaseIterable {
        case mm58 = 58, mm80 = 80

        public var columns: Int { self == .mm58 ? 32 : 48 }
    }

    /// The slip as lines of text, each at most the paper's width in display columns: its title (the village's shop
    /// and "兑换小票", centred), then the rest.
    public func lines(language: StatementLanguage = .zh, paper: Paper = .mm58) -> (title: [String], body: [String]) {
        let l = language, layout = TextLayout(width: paper.columns)
        func centred(_ text: String) -> [String] { layout.wrap(text).map(layout.center) }
        // Long lines go on, indented, below their first.
        func hanging(_ text: String, in layout: TextLayout = layout, indent: Int = 2) -> [String] {
            var wrapped = layout.wrap(text, indent: indent)
            if !wrapped.isEmpty { wrapped[0] = String(wrapped[0].dropFirst(indent)) }
            return wrapped
        }
        let rule = String(repeating: "-", count: paper.columns)
        let title = centred(village + l.say("积分超市", " points shop")) + centred(l.say("兑换小票", "Redemption receipt"))
        var out: [String] = [rule]
        out.append(l.say("日期：", "Date: ") + date.description)
        out += hanging(l.say("户号：\(household)  户主：\(head)", "Household: \(household)  Head: \(head)"))
        out.append(rule)
        // The name on the left, quantity and points in columns of their own on the right.
        let numbers = (quantity: paper == .mm58 ? 6 : 8, points: paper == .mm58 ? 7 : 9)
        let nameWidth = paper.columns - numbers.quantity - numbers.points
        out.append(DisplayWidth.fit(l.say("品名", "Item"), nameWidth)
                   + DisplayWidth.fit(l.say("数量", "Qty"), numbers.quantity, alignRight: true)
                   + DisplayWidth.fit(l.say("积分", "Points"), numbers.points, alignRight: true))
        for line in lines {
            let name = line.unit.isEmpty ? line.name : "\(line.name)（\(line.unit)）"
            let wrapped = hanging(name, in: TextLayout(width: nameWidth), indent: 1)
            out.append(DisplayWidth.fit(wrapped.first ?? "", nameWidth)
                       + DisplayWidth.fit("\(line.quantity)", numbers.quantity, alignRight: true)
                       + DisplayWidth.fit("\(line.points)", numbers.points, alignRight: true))
            out += wrapped.dropFirst()
        }
        out.append(rule)
        out.append(layout.pair(l.say("本次用分", "Points spent"), "\(spent)"))
        out.append(layout.pair(l.say("剩余可用", "Points left"), "\(left)"))
        out.append(rule)
        out += hanging(l.say("记账号：", "Entry: ") + lines.map { "#\($0.seq)" }.joined(separator: " "))
        out.append(l.say("校验码：", "Check code: ") + code)
        out += hanging(l.say("经办人：", "Served by: ") + shopkeeper)
        out += centred(l.say("请妥善保管；核对积分请找村委会", "Keep this slip; the village office checks points"))
        return (title, out)
    }

    /// The slip as text: its lines, each ended by a line feed.
    public func text(language: StatementLanguage = .zh, paper: Paper = .mm58) -> String {
        let (title, body) = lines(language: language, paper: paper)
        return (title + body).map { $0 + "\n" }.joined()
    }

    /// The slip as ESC/POS bytes for a Chinese thermal printer: initialise (ESC @), the single-byte code page PC437
    /// (ESC t 0) and Chinese character mode (FS &), the title in bold, every line in GB18030 ended by a line feed
    /// (centred by spaces, as the text is), then four lines fed and a partial cut (GS V 66 0). Nil when the C
    /// library's converter fails (GB18030 encodes all of Unicode, so no character lacks a form).
    public func escpos(language: StatementLanguage = .zh, paper: Paper = .mm58) -> [UInt8]? {
        let (title, body) = lines(language: language, paper: paper)
        var bytes: [UInt8] = ESCPOS.initialise + ESCPOS.codePage437 + ESCPOS.chineseMode + ESCPOS.bold(true)
        for line in title {
            guard let encoded = GB18030.encode(line) else { return nil }
            bytes += encoded + [0x0A]
        }
        bytes += ESCPOS.bold(false)
        for line in body {
            guard let encoded = GB18030.encode(line) else { return nil }
            bytes += encoded + [0x0A]
        }
        return bytes + ESCPOS.feed(4) + ESCPOS.partialCut
    }
}

/// The few ESC/POS commands a receipt uses (Epson's ESC/POS command reference; Chinese printers take the same, with
/// FS & for two-byte Chinese characters).
public enum ESCPOS {
    public static let initialise: [UInt8] = [0x1B, 0x40]
    public static let codePage437: [UInt8] = [0x1B, 0x74, 0x00]
    public static let chineseMode: [UInt8] = [0x1C, 0x26]
    public static func bold(_ on: Bool) -> [UInt8] { [0x1B, 0x45, on ? 1 : 0] }
    public static func feed(_ lines: UInt8) -> [UInt8] { [0x1B, 0x64, lines] }
    public static let partialCut: [UInt8] = [0x1D, 0x56, 0x42, 0x00]
}

/// Text to GB18030 through the C library's iconv (glibc ships the converter), as Chinese receipt printers read it.
public enum GB18030 {
    public static func encode(_ text: String) -> [UInt8]? {
        let converter = iconv_open("GB18030", "UTF-8")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var source = Array(text.utf8)
        if source.isEmpty { return [] }
        // GB18030 takes at most four bytes a character, and UTF-8 at least one.
        var output = [UInt8](repeating: 0, count: source.count * 4 + 16)
        let capacity = output.count
        let written: Int? = source.withUnsafeMutableBufferPointer { sourceBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer = UnsafeMutableRawPointer(sourceBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var inLeft = sourceBuffer.count
                var outPointer = UnsafeMutableRawPointer(outputBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var outLeft = capacity
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return nil }
                return capacity - outLeft
            }
        }
        return written.map { Array(output[..<$0]) }
    }
}
