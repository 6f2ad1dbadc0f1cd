import Foundation
import FuzzDriver
import Jifen

/// One input: read as a tally sheet, every line to the end. Whatever the bytes, the reader returns or throws one of
/// its own errors; it never traps, and it gives every row it counts but the lines of a blank form left empty, which
/// it passes over and counts as such.
func fuzz(_ data: Data) -> CInt {
    do {
        var sheet = try TallySheet(data, fileName: "fuzz.csv")
        var rows = 0
        while let line = try sheet.next() {
            if case .item(let item) = line, item.line > 1 { rows += 1 }
            if case .problem(let problem) = line, problem.line > 1 { rows += 1 }
        }
        precondition(rows + sheet.passedOver == sheet.rows,
                     "the sheet counts \(sheet.rows) rows but gives \(rows) and passes over \(sheet.passedOver)")
    } catch is SheetText.Undecodable {
    } catch is CSVTable.Malformed {
    } catch {
        preconditionFailure("an error that is not the sheet reader's: \(error)")
    }
    return 0
}

/// libFuzzer's entry point (its runtime wants the symbol even when this program runs the driver itself).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt { fuzz(input(start, count)) }

runLibFuzzer(testOneInput)
