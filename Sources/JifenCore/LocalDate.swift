/// A calendar date with no time and no zone: the business date (`occurredOn`) of an event.
///
/// Villages keep their books in Beijing time; the facade turns the clock into a `LocalDate` in
/// Asia/Shanghai, and nothing in the core ever reads a clock.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or returns nil when the day does not exist (2025-02-29, 2025-13-01).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` exactly (ten characters, zero padded).
    public init?(_ text: some StringProtocol) {
        guard let (year, month, day) = Array(text.utf8).withUnsafeBytes(Self.fields) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The year, month and day of `YYYY-MM-DD` (ten bytes, zero padded), not yet checked to be a day of the calendar.
    static func fields(_ bytes: UnsafeRawBufferPointer) -> (Int, Int, Int)? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return (year, month, day)
    }

    /// Whether `bytes` are a date as `init?(_:)` reads one, read in place.
    public static func isDate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let (year, month, day) = fields(bytes) else { return false }
        return (1...9999).contains(year) && (1...12).contains(month) && (1...daysIn(month: month, year: year)).contains(day)
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String {
        // Every date the ledger writes: ten bytes made in place (made by joining strings, it cost 6,000 instructions
        // an event of an import, which writes the date of each event, review and household several times).
        if (0...9999).contains(year), (1...12).contains(month), (1...31).contains(day) {
            let (year, month, day) = (year, UInt8(month), UInt8(day))
            return String(unsafeUninitializedCapacity: 10) { text in
                text[0] = 0x30 + UInt8(year / 1000); text[1] = 0x30 + UInt8(year / 100 % 10)
                text[2] = 0x30 + UInt8(year / 10 % 10); text[3] = 0x30 + UInt8(year % 10)
                text[4] = UInt8(ascii: "-")
                text[5] = 0x30 + month / 10; text[6] = 0x30 + month % 10
                text[7] = UInt8(ascii: "-")
                text[8] = 0x30 + day / 10; text[9] = 0x30 + day % 10
                return 10
            }
        }
        let y = String(year), m = String(month), d = String(day)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-"
            + (m.count < 2 ? "0" : "") + m + "-" + (d.count < 2 ? "0" : "") + d
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The quarter of the year, 1 to 4.
    public var quarter: Int { (month - 1) / 3 + 1 }

    /// The next day.
    public var next: LocalDate {
        if day < LocalDate.daysIn(month: month, year: year) { return LocalDate(year: year, month: month, day: day + 1)! }
        if month < 12 { return LocalDate(year: year, month: month + 1, day: 1)! }
        return LocalDate(year: year + 1, month: 1, day: 1)!
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for spacing dates without a calendar.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date a number of days after 1970-01-01.
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.year = y
        self.month = m
        self.day = d
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a date (YYYY-MM-DD): \(text)")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A calendar period that caps are counted in and reports are drawn for.
public enum CapPeriod: String, Sendable, Codable, CaseIterable {
    case month, quarter, year

    /// The first and last day of the period that holds `date`.
    public func bounds(of date: LocalDate) -> ClosedRange<LocalDate> {
        switch self {
        case .month:
            return LocalDate(year: date.year, month: date.month, day: 1)!
                ... LocalDate(year: date.year, month: date.month, day: LocalDate.daysIn(month: date.month, year: date.year))!
        case .quarter:
            let first = (date.quarter - 1) * 3 + 1
            return LocalDate(year: date.year, month: first, day: 1)!
                ... LocalDate(year: date.year, month: first + 2, day: LocalDate.daysIn(month: first + 2, year: date.year))!
        case .year:
            return LocalDate(year: date.year, month: 1, day: 1)! ... LocalDate(year: date.year, month: 12, day: 31)!
        }
    }

    /// How the period holding `date` is named in messages: 2025-03, 2025-Q1, 2025.
    public func label(of date: LocalDate) -> String {
        let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
        switch self {
        case .month: return "\(date.year)-\(month)"
        case .quarter: return "\(date.year)-Q\(date.quarter)"
        case .year: return "\(date.year)"
        }
    }
}
