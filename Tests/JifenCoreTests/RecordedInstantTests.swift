import Foundation
import JifenCore
import Testing

/// `recorded_at` as text (how every event has it hashed) and as milliseconds since the epoch (how stored format 2 keeps
/// it): the two convert both ways, exactly, for every instant of 1970–9999, and agree with Foundation; any other text
/// is refused, never read as a nearby instant.
@Suite struct RecordedInstantTests {
    /// SplitMix64: the same sample on every run (and a generator for other suites' random cases).
    struct Sample: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The edges: the first and last millisecond of the years, of days, of leap days and the days around them (a
    /// century that is not a leap year, and one that is).
    static let edges: [Int64] = {
        var edges: [Int64] = [0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 86_399_999, 86_400_000, RecordedInstant.latest - 1, RecordedInstant.latest]
        let leapDays = ["1972-02-29", "2000-02-29", "2024-02-29", "2400-02-29", "9996-02-29"]
        let around = ["1970-12-31", "1971-01-01", "1999-12-31", "2000-01-01", "2100-02-28", "2100-03-01", "2400-03-01", "9999-01-01", "9999-12-31"]
        for day in leapDays + around {
            guard let date = LocalDate(day) else { continue }
            let start = Int64(date.daysSinceEpoch) * 86_400_000
            edges += [start, start + 1, start + 43_200_000, start + 86_399_999]
        }
        return edges
    }()

    /// The edges and a sample drawn over the whole range and over its first and last years.
    static func instants() -> [Int64] {
        var sample = Sample(state: 29)
        var instants = edges
        for index in 0..<12_000 {
            let draw = Int64(sample.next() % UInt64(RecordedInstant.latest + 1))
            switch index % 4 {
            case 0: instants.append(draw % 31_622_400_000)                              // 1970
            case 1: instants.append(RecordedInstant.latest - draw % 31_622_400_000)     // 9999
            case 2: instants.append(draw / 1000 * 1000)                                 // whole seconds
            default: instants.append(draw)
            }
        }
        return instants
    }

    @Test func knownInstants() {
        #expect(RecordedInstant.text(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RecordedInstant.text(milliseconds: RecordedInstant.latest) == "9999-12-31T23:59:59.999Z")
        #expect(RecordedInstant.milliseconds("2000-02-29T00:00:00.000Z") == 951_782_400_000)
        #expect(RecordedInstant.milliseconds("2024-02-29T23:59:59.999Z") == 1_709_251_199_999)
        #expect(RecordedInstant.milliseconds("2025-01-01T09:30:00.000Z") == 1_735_723_800_000)
        #expect(RecordedInstant.text(milliseconds: 68_169_600_000) == "1972-02-29T00:00:00.000Z")
    }

    @Test func textAndMillisecondsRoundTrip() {
        var differ: [String] = []
        for total in Self.instants() {
            guard let text = RecordedInstant.text(milliseconds: total) else {
                differ.append("\(total): no text")
                continue
            }
            if text.utf8.count != 24 { differ.append("\(total): \(text)") }
            if RecordedInstant.milliseconds(text) != total { differ.append("\(total) → \(text) → \(RecordedInstant.milliseconds(text).map(String.init) ?? "nil")") }
            // Written into a larger buffer, at an offset, it is the same text and nothing else is touched.
            var bytes = [UInt8](repeating: UInt8(ascii: "#"), count: 30)
            RecordedInstant.write(milliseconds: total, into: &bytes, at: 3)
            if bytes[3..<27].elementsEqual(text.utf8) == false || Array(bytes[..<3]) != [35, 35, 35] || Array(bytes[27...]) != [35, 35, 35] {
                differ.append("\(total): written as \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(differ.isEmpty, "\(differ.prefix(5))")
        // Later instants have later texts, in the byte order SQLite and the log sort them by.
        let sorted = Self.instants().sorted()
        let texts = sorted.compactMap { RecordedInstant.text(milliseconds: $0) }
        #expect(texts.count == sorted.count && texts == texts.sorted())
    }

    /// What `ISO8601DateFormatter` (UTC, fractional seconds) writes for an instant, and reads from a text.
    @Test func foundationAgrees() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var differ: [String] = []
        for total in Self.instants() {
            let text = RecordedInstant.text(milliseconds: total) ?? "nil"
            let date = Date(timeIntervalSince1970: Double(total) / 1000)
            let written = formatter.string(from: date)
            if written != text { differ.append("\(total): \(text) ≠ Foundation's \(written)") }
            if let read = formatter.date(from: text) {
                let back = Int64((read.timeIntervalSince1970 * 1000).rounded())
                if back != total { differ.append("\(text): \(total) ≠ Foundation's \(back)") }
            } else {
                differ.append("\(text): Foundation does not read it")
            }
        }
        #expect(differ.isEmpty, "\(differ.prefix(5))")
    }

    @Test func instantsOutsideTheYearsHaveNoText() {
        #expect(RecordedInstant.text(milliseconds: -1) == nil)
        #expect(RecordedInstant.text(milliseconds: RecordedInstant.latest + 1) == nil)
        #expect(RecordedInstant.text(milliseconds: .min) == nil && RecordedInstant.text(milliseconds: .max) == nil)
    }

    @Test(arguments: [
        "", "2025-03-05T10:00:00.000", "2025-03-05T10:00:00.0000Z", "2025-03-05T10:00:00Z", "2025-03-05T10:00:00.000Z ",
        " 2025-03-05T10:00:00.000Z", "+2025-03-05T10:00:00.000Z",
        "2025-13-05T10:00:00.000Z", "2025-00-05T10:00:00.000Z", "2025-03-00T10:00:00.000Z", "2025-03-32T10:00:00.000Z",
        "2025-02-29T10:00:00.000Z", "2100-02-29T10:00:00.000Z", "2025-04-31T10:00:00.000Z",
        "2025-03-05T24:00:00.000Z", "2025-03-05T10:60:00.000Z", "2025-03-05T10:00:60.000Z",
        "2025-03-05T10:00:00.000z", "2025-03-05t10:00:00.000Z", "2025-03-05 10:00:00.000Z", "2025-03-05T10:00:00,000Z",
        "2025/03/05T10:00:00.000Z", "2025-03-05T10-00-00.000Z", "2025-03-05T10:00:00.000+",
        "2025-03-0aT10:00:00.000Z", "2025-03-05T1O:00:00.000Z", "2025-03-05T10:00:00.00xZ", "-025-03-05T10:00:00.000Z",
        "2025-03-05T10:00:0 .000Z", "２025-03-05T10:00:00.000Z", "1969-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z",
    ])
    func malformedTextsAreRefused(_ text: String) {
        #expect(RecordedInstant.milliseconds(text) == nil, "\(text)")
    }
}
