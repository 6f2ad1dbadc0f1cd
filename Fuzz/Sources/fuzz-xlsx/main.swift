import Foundation
import FuzzDriver
import Jifen
import JifenSheets
import JifenXLSX

/// Small limits, so that each input is quick and memory stays low: the limits themselves are what is tested.
let limits: XLSXReader.Limits = {
    var limits = XLSXReader.Limits()
    limits.part = 4 << 20
    limits.total = 8 << 20
    limits.strings = 10_000
    limits.cells = 100_000
    return limits
}()

/// One input: read as a workbook, then its first sheet as a tally sheet, every line to the end. Whatever the bytes,
/// the reader returns cells or a `SheetFailure`; it never traps, and the sheet gives every row it counts.
func fuzz(_ data: Data) -> CInt {
    let cells: SheetCells
    do {
        cells = try XLSXReader.firstSheet(data, limits: limits)
    } catch {
        precondition(!error.en.isEmpty && !error.zh.isEmpty, "a failure with nothing to say")
        return 0
    }
    precondition(zip(cells.rows, cells.rows.dropFirst()).allSatisfy { $0.row < $1.row }, "rows out of order")
    do {
        var sheet = try TallySheet(.cells(cells.rows.map { CSVTable.Row(line: $0.row, fields: $0.cells) }), fileName: "fuzz.xlsx")
        var rows = 0
        while let line = try sheet.next() {
            if case .item(let item) = line, item.line > 1 { rows += 1 }
            if case .problem(let problem) = line, problem.line > 1 { rows += 1 }
        }
        // Every counted row is given, but the lines of a blank form left empty, which are passed over.
        precondition(rows + sheet.passedOver == sheet.rows,
                     "the sheet counts \(sheet.rows) rows but gives \(rows) and passes over \(sheet.passedOver)")
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
