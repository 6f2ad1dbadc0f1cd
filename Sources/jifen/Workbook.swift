import Foundation
import Jifen
import JifenSheets

// .xlsx in and out through `jifen-xlsx`, beside this program: only it loads the zip and XML libraries (libxml2 and its
// ICU), which would otherwise cost every start of `jifen` (docs/PERFORMANCE.md).

/// A workbook that could not be read: damaged, hostile or not a workbook at all (exit 2, as damage is).
struct UnreadableWorkbook: Error, CustomStringConvertible {
    let chinese: String
    let description: String
}

/// Whether a file is a workbook rather than CSV: its name ends in .xlsx, or it starts as a zip does.
func isWorkbook(_ path: String, _ data: Data?) -> Bool {
    if path.lowercased().hasSuffix(".xlsx") { return true }
    return data.map { $0.starts(with: [0x50, 0x4B, 0x03, 0x04]) } ?? false
}

/// A sheet to import: a CSV file's bytes, or a workbook's first sheet read by `jifen-xlsx`.
func readSheet(_ path: String) throws -> SheetInput {
    let data = path.lowercased().hasSuffix(".xlsx") ? nil : try readFile(path)
    guard isWorkbook(path, data) else { return .csv(data ?? Data()) }
    let file = Console.current.resolved(path)
    guard FileManager.default.isReadableFile(atPath: file) else {
        throw CLIError(zh: "读不到文件 \(path)；请核对文件名，确认文件存在。", en: "Cannot read \(path); check the file name and that it exists.")
    }
    let (status, output) = try runXLSX(["read", file], feeding: false) { _ in }
    if status == 0, let cells = try? JSONDecoder().decode(SheetCells.self, from: output) {
        return .cells(cells.rows.map { CSVTable.Row(line: $0.row, fields: $0.cells) })
    }
    if let failure = try? JSONDecoder().decode(SheetFailure.self, from: output) {
        if status == 2 { throw UnreadableWorkbook(chinese: "\(path)：\(failure.zh)", description: "\(path): \(failure.en)") }
        throw CLIError(zh: failure.zh, en: failure.en)
    }
    throw UnreadableWorkbook(chinese: "\(path) 没能读出来（jifen-xlsx 出错，状态 \(status)）；请在 Excel 或 WPS 里另存为 .xlsx 或 CSV 后再导入。",
                             description: "\(path) could not be read (jifen-xlsx failed with status \(status)); save it again from Excel or WPS as .xlsx or CSV and import that.")
}

/// Writes rows — the objects a command prints with --json, in the same order — as a workbook's one sheet: columns
/// `first` first, then any other key; keys in `dates` hold dates.
func writeWorkbook(_ rows: some Encodable, to file: OutputFile, name: String, first: [String], dates: Set<String> = []) throws {
    let encoder = JSONEncoder()
    let records = try JSONDecoder().decode([SheetRecord].self, from: try encoder.encode(rows))
    let layout = SheetLayout(name: name, first: first, rows: records, dates: dates)
    try writeWorkbook(layout, to: file) { line in
        for record in records { try line(try encoder.encode(record)) }
    }
}

/// Writes a workbook from a layout and rows handed to `line` one JSON object at a time (streamed to `jifen-xlsx`).
func writeWorkbook(_ layout: SheetLayout, to file: OutputFile, rows: (_ line: (Data) throws -> Void) throws -> Void) throws {
    try file.write { draft in
        let (status, output) = try runXLSX(["write", draft], feeding: true) { pipe in
            try send(pipe, try JSONEncoder().encode(layout) + [0x0A])
            try rows { data in try send(pipe, data + [0x0A]) }
        }
        guard status == 0 else {
            let failure = try? JSONDecoder().decode(SheetFailure.self, from: output)
            throw CLIError(zh: failure?.zh ?? "工作簿 \(file.path) 没能写成（jifen-xlsx 出错）。",
                           en: failure?.en ?? "The workbook \(file.path) could not be written (jifen-xlsx failed).")
        }
    }
    Output.error(say(Console.current.isEnglish ? .en : .zh, "已写入 \(file.path)。\n", "Wrote \(file.path).\n"))
}

/// Runs `jifen-xlsx` with `arguments`, feeding its standard input from `input` when `feeding`; its exit status and
/// standard output.
private func runXLSX(_ arguments: [String], feeding: Bool, input: (FileHandle) throws -> Void) throws -> (Int32, Data) {
    guard let helper = siblingProgram("jifen-xlsx") else {
        throw CLIError(zh: ".xlsx 文件要由 jifen 旁边的 jifen-xlsx 来读写（swift build 会同时生成）；请把它复制过去，或改用 CSV。",
                       en: ".xlsx files are read and written by jifen-xlsx beside jifen (swift build makes both); copy it there, or use CSV.")
    }
    // A helper that stops early makes a write to its input fail with EPIPE (said as an error) rather than end jifen by
    // SIGPIPE; only the binary may change how the process takes a signal.
    if feeding && Console.current.isProcess { signal(SIGPIPE, SIG_IGN) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: helper)
    process.arguments = arguments
    let output = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardInput = feeding ? stdin : FileHandle.nullDevice
    try process.run()
    // Standard output is read while the rows are written, so neither side waits on a full pipe.
    let collected = CollectedOutput()
    let reader = Thread { collected.data = output.fileHandleForReading.readDataToEndOfFile(); collected.done.signal() }
    reader.start()
    var failure: (any Error)?
    if feeding {
        do {
            try input(stdin.fileHandleForWriting)
        } catch {
            failure = error
        }
        try? stdin.fileHandleForWriting.close()
    }
    collected.done.wait()
    process.waitUntilExit()
    // A helper that stopped reading says why in its output; the closed pipe is only the sign of it.
    if let failure, !(failure is PipeClosed) || process.terminationStatus == 0 {
        throw failure is PipeClosed ? CLIError(zh: "jifen-xlsx 没有读完表格。", en: "jifen-xlsx did not read the whole table.") : failure
    }
    return (process.terminationStatus, collected.data)
}

/// The helper's input closed under a write.
private struct PipeClosed: Error {}

/// Writes bytes to the helper's input.
private func send(_ pipe: FileHandle, _ data: Data) throws {
    do {
        try pipe.write(contentsOf: data)
    } catch {
        throw PipeClosed()
    }
}

/// What a helper printed, filled by the thread that reads it.
private final class CollectedOutput: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}

/// A workbook goes to a file (`--out`), never to the screen, and is not JSON.
func checkWorkbookOptions(format: String, out: String?, json: Bool) throws {
    if format == "xlsx" {
        guard out != nil else { throw usage(zh: ".xlsx 要写进文件：请加上 --out 文件名.xlsx。", en: "A workbook goes to a file: give --out FILE.xlsx.") }
        guard !json else { throw usage(zh: "--json 和 --format xlsx 只能选一个。", en: "Give --json or --format xlsx, not both.") }
    } else if out != nil {
        throw usage(zh: "--out 只和 --format xlsx 一起用。", en: "--out goes with --format xlsx.")
    }
}

/// The --out file of a command that writes a workbook with --format xlsx, checked before anything is read.
func workbookFile(format: String, out: String?, force: Bool, options: LedgerOptions) throws -> OutputFile? {
    guard format == "xlsx", let out else { return nil }
    return try OutputFile(out, force: force, ledger: options.path)
}
