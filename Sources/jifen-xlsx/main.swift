// jifen-xlsx: reads and writes the .xlsx workbooks `jifen` asks for, so that only it loads the zip and XML libraries.
//
//   jifen-xlsx read FILE    prints the first sheet's cells as JSON (SheetCells); a file that is not a readable
//                           workbook prints a SheetFailure instead and exits 2
//   jifen-xlsx write FILE   reads a SheetLayout as the first line of standard input, then a JSON object a line, a row
//                           each, and writes the workbook to FILE (exit 1, with a SheetFailure, when it cannot)
//
// `jifen` runs it from beside itself; people need not run it by hand.
import Foundation
import JifenSheets
import JifenXLSX

func finish(_ value: some Encodable, status: Int32) -> Never {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("{\"zh\":\"jifen-xlsx 出错。\",\"en\":\"jifen-xlsx failed.\"}".utf8)
    FileHandle.standardOutput.write(data + [0x0A])
    exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2, ["read", "write"].contains(arguments[0]) else {
    FileHandle.standardError.write(Data("usage: jifen-xlsx read FILE | jifen-xlsx write FILE (the rows on standard input)\n".utf8))
    exit(64)
}
let path = arguments[1]
if arguments[0] == "read" {
    guard FileManager.default.isReadableFile(atPath: path) else {
        finish(SheetFailure(zh: "读不到文件 \(path)；请核对文件名，确认文件存在。", en: "Cannot read \(path); check the file name and that it exists."), status: 1)
    }
    do {
        finish(try XLSXReader.firstSheet(at: URL(fileURLWithPath: path)), status: 0)
    } catch {
        finish(error, status: 2)
    }
}

let input = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
/// The non-empty lines of the input, a range each (`split` on Data took a fifth of writing an export).
var lines: [Range<Int>] = []
var start = 0
while start < input.count {
    let end = input[start...].firstIndex(of: 0x0A) ?? input.count
    if end > start { lines.append(start..<end) }
    start = end + 1
}
let decoder = JSONDecoder()
do {
    guard let first = lines.first else { throw SheetFailure(zh: "没有收到表格。", en: "No table was given.") }
    var writer = XLSXWriter(layout: try decoder.decode(SheetLayout.self, from: Data(input[first])))
    for line in lines.dropFirst() {
        try writer.add(try decoder.decode(SheetRecord.self, from: Data(input[line])))
    }
    try writer.data().write(to: URL(fileURLWithPath: path))
} catch let failure as SheetFailure {
    finish(failure, status: 1)
} catch {
    finish(SheetFailure(zh: "工作簿 \(path) 没能写成（\(error)）。", en: "The workbook \(path) could not be written (\(error))."), status: 1)
}
exit(0)
