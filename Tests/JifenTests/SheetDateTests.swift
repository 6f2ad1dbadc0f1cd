import Foundation
@testable import Jifen
import JifenCore
import Testing

/// A sheet's dates: the common form read in place gives what splitting the text gives.
@Suite struct SheetDates {
    /// The rule as written before the short cut: three parts split on `-`, `/` or `.`, the first of four characters.
    static func bySplitting(_ text: String) -> LocalDate? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    @Test func theShortCutReadsAsSplittingDoes() {
        var texts = ["2025-03-05", "2025/03/05", "2025.03.05", "2025-03/05", "2025/3/5", "2025.3.5", "2025-02-29", "2024-02-29",
                     "2025-13-01", "2025-00-10", "0000-01-01", "9999-12-31", "2025--3-05", "2025-+3-05", "+025-03-05", "2025-03-0x",
                     "２０２５-03-05", "2025-03-05 ", " 2025-03-5", "2025_03_05", "20250305", "2025-3-005", "", "2025-03-05-"]
        var random = SeededRandomBytes(seed: 3)
        let alphabet = Array("0123456789-/.+ x")
        for _ in 0..<20_000 { texts.append(String((0..<10).map { _ in alphabet[random.next() % alphabet.count] })) }
        var dates = 0
        for text in texts {
            #expect(Ledger.sheetDate(text) == Self.bySplitting(text), "\(text)")
            if Ledger.sheetDate(text) != nil { dates += 1 }
        }
        #expect(dates > 0)
    }
}

/// A small deterministic source of indices for the test above.
struct SeededRandomBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }
}
