import Foundation
import FuzzDriver
import JifenAudit

/// One input: checked as a JSON Lines export by `audit check`'s reader, whole and partial, in one part and in
/// several (each part starts at a line boundary and the parts are joined: the report must be the same).
func fuzz(_ data: Data) -> CInt {
    let one = AuditExport.check(data: data, partial: false, parts: 1)
    let partial = AuditExport.check(data: data, partial: true, parts: 1)
    let several = AuditExport.check(data: data, partial: false, parts: 1 + data.count % 4)
    precondition(one.events == several.events && one.head == several.head && one.first == several.first && one.last == several.last,
                 "checked in parts, the export reads otherwise")
    precondition(one.problems.map(\.what) == several.problems.map(\.what), "checked in parts, the problems differ")
    precondition(one.events == partial.events && one.head == partial.head, "--partial reads the events otherwise")
    return 0
}

/// libFuzzer's entry point (its runtime wants the symbol even when this program runs the driver itself).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt { fuzz(input(start, count)) }

runLibFuzzer(testOneInput)
