import Foundation
import JifenStore

/// One input: checked as a JSON Lines export by `audit check`'s reader, whole and partial, in one part and in
/// several (each part starts at a line boundary and the parts are joined: the report must be the same).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    let one = AuditExport.check(data: data, partial: false, parts: 1)
    let partial = AuditExport.check(data: data, partial: true, parts: 1)
    let several = AuditExport.check(data: data, partial: false, parts: 1 + count % 4)
    precondition(one.events == several.events && one.head == several.head && one.first == several.first && one.last == several.last,
                 "checked in parts, the export reads otherwise")
    precondition(one.problems.map(\.what) == several.problems.map(\.what), "checked in parts, the problems differ")
    precondition(one.events == partial.events && one.head == partial.head, "--partial reads the events otherwise")
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
