/// `recorded_at` as text (UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`, how every event has it hashed) and as milliseconds since
/// 1970-01-01T00:00:00Z (how a ledger of stored format 2 keeps it, in 6 bytes rather than 24). The two convert both ways
/// for every instant of the years 1970–9999; the text of any other instant is not in this form, and an event holding
/// it stays in stored format 1.
public enum RecordedInstant {
    /// The last millisecond of 9999-12-31.
    public static let latest: Int64 = 253_402_300_799_999

    /// The text of an instant given in milliseconds since the epoch; nil outside 1970–9999.
    public static func text(milliseconds total: Int64) -> String? {
        guard (0...latest).contains(total) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 24)
        write(milliseconds: total, into: &bytes, at: 0)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the 24 bytes of an instant's text (0...`latest`) into `bytes` from `start`, which must have room.
    public static func write(milliseconds total: Int64, into bytes: inout [UInt8], at start: Int) {
        let days = total / 86_400_000
        let ms = total - days * 86_400_000
        let day = LocalDate(daysSinceEpoch: Int(days))
        var index = start
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes[index] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                index += 1
                divisor /= 10
            }
        }
        func mark(_ character: Unicode.Scalar) {
            bytes[index] = UInt8(ascii: character)
            index += 1
        }
        let time = Int(ms)
        digits(day.year, 4); mark("-"); digits(day.month, 2); mark("-"); digits(day.day, 2); mark("T")
        digits(time / 3_600_000, 2); mark(":"); digits(time / 60_000 % 60, 2); mark(":"); digits(time / 1000 % 60, 2); mark(".")
        digits(time % 1000, 3); mark("Z")
    }

    /// The milliseconds of a text in exactly this form (and giving this text back), or nil.
    public static func milliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { milliseconds(UnsafeRawBufferPointer($0)) }
    }

    /// The milliseconds of the bytes of a text in exactly this form (and giving this text back), or nil.
    public static func milliseconds(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count == 24 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for index in from..<(from + count) {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let marks: [(Int, Unicode.Scalar)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")]
        guard marks.allSatisfy({ bytes[$0.0] == UInt8(ascii: $0.1) }),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2), let milli = number(20, 3),
              year >= 1970, hour < 24, minute < 60, second < 60,
              let date = LocalDate(year: year, month: month, day: day) else { return nil }
        return Int64(date.daysSinceEpoch) * 86_400_000 + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + milli)
    }
}
