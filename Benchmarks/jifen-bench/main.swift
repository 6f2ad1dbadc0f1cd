// The benchmark suite: builds ledgers of 10^5 and 10^6 events (10^7 with --large) with `jifen bench generate`
// and times whole `jifen` processes on them, side by side with the floor (the sqlite3 tool summing points
// straight from the events table) and with hledger and ledger reading the same history from
// `jifen export --format ledger`. Prints a Markdown table; docs/PERFORMANCE.md holds a real run.
//
//     swift run -c release --static-swift-stdlib jifen-bench [--large | --quick] [--keep DIR]
import Foundation
import JifenStore

let arguments = CommandLine.arguments.dropFirst()
let large = arguments.contains("--large")
let keepFolder = arguments.firstIndex(of: "--keep").map { arguments[arguments.index(after: $0)] }
let binFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
let jifen = binFolder.appendingPathComponent("jifen").path
guard FileManager.default.isExecutableFile(atPath: jifen) else {
    FileHandle.standardError.write(Data("jifen-bench: no jifen beside this program; run `swift run -c release jifen-bench`.\n".utf8))
    exit(1)
}

/// One run of a program: wall seconds, peak memory (MB) and its standard output.
struct Measured {
    let seconds: Double
    let megabytes: Double
    let output: String
}

func which(_ tool: String) -> String? {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(folder)/\(tool)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a program once through a shell, which takes the wall time around it (Foundation's Process adds tens
/// of milliseconds of its own per start, which are not the program's) and /usr/bin/time its peak memory.
@discardableResult
func measure(_ program: String, _ args: [String], in folder: URL, stdout: String? = nil) throws -> Measured {
    let outFile = stdout ?? "measure-out.txt"
    let quoted = ([program] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    let script = """
        s=$(date +%s%N)
        /usr/bin/time -f %M -o measure-mem.txt \(quoted) > '\(outFile)' 2> measure-err.txt || { cat measure-err.txt >&2; exit 1; }
        e=$(date +%s%N)
        echo $((e - s))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = folder
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "jifen-bench", code: Int(process.terminationStatus), userInfo: [
            NSLocalizedDescriptionKey: "\(program) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))"])
    }
    let nanoseconds = Double(String(decoding: outData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    let memory = (try? String(contentsOf: folder.appendingPathComponent("measure-mem.txt"), encoding: .utf8)) ?? "0"
    let kilobytes = Double(memory.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "0") ?? 0
    let output = stdout == nil ? ((try? String(contentsOf: folder.appendingPathComponent(outFile), encoding: .utf8)) ?? "") : ""
    return Measured(seconds: nanoseconds / 1e9, megabytes: kilobytes / 1024, output: output)
}

/// The median wall time (seconds) of whole `jifen` processes, one per argument list, started by a shell:
/// Foundation's Process adds tens of milliseconds of its own per start, which is not jifen's.
func medianProcessSeconds(_ runs: [[String]], in folder: URL) throws -> Double {
    let quoted = runs.map { args in ([jifen] + args).map { "'\($0)'" }.joined(separator: " ") }
    let script = quoted.map { "s=$(date +%s%N); \($0) >/dev/null || exit 1; e=$(date +%s%N); echo $((e - s))" }.joined(separator: "\n")
    let run = try measure("/bin/sh", ["-c", script], in: folder)
    let samples = run.output.split(separator: "\n").compactMap { Double($0) }.sorted()
    return samples[samples.count / 2] / 1e9
}

func rate(_ events: Int, _ seconds: Double) -> String {
    let perSecond = Double(events) / seconds
    return perSecond >= 1_000_000 ? String(format: "%.2f M/s", perSecond / 1_000_000) : String(format: "%.0f k/s", perSecond / 1_000)
}

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

// Sizes: about 62 events per household per year.
var sizes: [(name: String, households: Int, years: Int)] = [("10^5", 1_640, 1), ("10^6", 16_400, 1)]
if large { sizes.append(("10^7", 32_800, 5)) }
if arguments.contains("--quick") { sizes = [("10^4", 164, 1)] }  // a minute's check that the suite runs

let scratch = keepFolder.map { URL(fileURLWithPath: $0) }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("jifen-bench-\(ProcessInfo.processInfo.processIdentifier)")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { if keepFolder == nil { try? FileManager.default.removeItem(at: scratch) } }

let hledger = which("hledger"), ledgerTool = which("ledger"), sqlite3 = which("sqlite3")
var rows: [[String]] = []
var ratios: [String] = []

for size in sizes {
    let file = "bench-\(size.households)x\(size.years).sqlite"
    try? FileManager.default.removeItem(at: scratch.appendingPathComponent(file))
    log("\(size.name): generating \(size.households) households × \(size.years) year(s)…")
    let generated = try measure(jifen, ["bench", "generate", "--ledger", file, "--households", "\(size.households)",
                                        "--years", "\(size.years)", "--json"], in: scratch)
    let summary = try JSONSerialization.jsonObject(with: Data(generated.output.utf8)) as! [String: Any]
    let events = summary["events"] as! Int
    let bytes = (try FileManager.default.attributesOfItem(atPath: scratch.appendingPathComponent(file).path)[.size] as? Int) ?? 0
    rows.append([size.name, "batched import (generate)", String(format: "%.1f s", generated.seconds), rate(events, generated.seconds),
                 String(format: "%.0f MB", generated.megabytes)])

    log("\(size.name): rebuild, verify…")
    let rebuild = try measure(jifen, ["--ledger", file, "rebuild"], in: scratch)
    rows.append([size.name, "rebuild", String(format: "%.2f s", rebuild.seconds), rate(events, rebuild.seconds),
                 String(format: "%.0f MB", rebuild.megabytes)])
    let verify = try measure(jifen, ["--ledger", file, "verify"], in: scratch)
    rows.append([size.name, "verify (chain + balances)", String(format: "%.2f s", verify.seconds), rate(events, verify.seconds),
                 String(format: "%.0f MB", verify.megabytes)])
    // The chain pass on its own (links and hashes of every event), timed inside this process: `verify` runs it on
    // one core beside the replay on the other.
    let store = try EventStore(path: scratch.appendingPathComponent(file).path, create: false, readOnly: true)
    let started = DispatchTime.now().uptimeNanoseconds
    let chain = try store.verify()
    let chainSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    guard chain.isValid else { throw NSError(domain: "jifen-bench", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(file) fails verify"]) }
    rows.append([size.name, "chain pass alone (in-process)", String(format: "%.2f s", chainSeconds), rate(events, chainSeconds), ""])

    log("\(size.name): audit verify, export, check…")
    let audit = try measure(jifen, ["--ledger", file, "audit", "verify"], in: scratch)
    rows.append([size.name, "audit verify (chain, replay, identities at every step, references)", String(format: "%.2f s", audit.seconds),
                 rate(events, audit.seconds), String(format: "%.0f MB", audit.megabytes)])
    let exported = try measure(jifen, ["--ledger", file, "audit", "export", "--out", "export.jsonl"], in: scratch)
    rows.append([size.name, "audit export --format jsonl", String(format: "%.2f s", exported.seconds), rate(events, exported.seconds),
                 String(format: "%.0f MB", exported.megabytes)])
    let checked = try measure(jifen, ["audit", "check", "export.jsonl"], in: scratch)
    rows.append([size.name, "audit check (the export, no database)", String(format: "%.2f s", checked.seconds), rate(events, checked.seconds),
                 String(format: "%.0f MB", checked.megabytes)])
    try? FileManager.default.removeItem(at: scratch.appendingPathComponent("export.jsonl"))

    var floor: Measured?
    if let sqlite3 {
        floor = try measure(sqlite3, [file, "SELECT household, sum(earned - deducted - redeemed) FROM events WHERE household IS NOT NULL GROUP BY household"],
                            in: scratch, stdout: "floor.txt")
        rows.append([size.name, "floor: sqlite3 sums points per household", String(format: "%.2f s", floor!.seconds),
                     rate(events, floor!.seconds), String(format: "%.0f MB", floor!.megabytes)])
        ratios.append("\(size.name): rebuild takes \(String(format: "%.1f", rebuild.seconds / floor!.seconds))× the sqlite3 floor")
    }

    log("\(size.name): export, hledger, ledger…")
    let journal = "bench-\(size.households)x\(size.years).journal"
    let export = try measure(jifen, ["--ledger", file, "export", "--format", "ledger", "--out", journal], in: scratch)
    rows.append([size.name, "export --format ledger", String(format: "%.2f s", export.seconds), rate(events, export.seconds),
                 String(format: "%.0f MB", export.megabytes)])
    for (name, tool, args) in [("hledger bal points", hledger, ["-f", journal, "bal", "points", "-N"]),
                               ("ledger bal points", ledgerTool, ["-f", journal, "bal", "points"])] {
        guard let tool else {
            rows.append([size.name, name, "not installed", "", ""])
            continue
        }
        if events > 2_000_000 {
            // At 10^6 hledger took 6.7 GB and ledger 2.2 GB; ten times that does not fit this machine.
            rows.append([size.name, name, "skipped: about \(name.hasPrefix("hledger") ? 67 : 22) GB at this size", "", ""])
            continue
        }
        let run = try measure(tool, args, in: scratch, stdout: "tool.txt")
        rows.append([size.name, name, String(format: "%.2f s", run.seconds), rate(events, run.seconds), String(format: "%.0f MB", run.megabytes)])
        ratios.append("\(size.name): rebuild is \(String(format: "%.1f", run.seconds / rebuild.seconds))× faster than \(name.split(separator: " ")[0])")
    }
    try? FileManager.default.removeItem(at: scratch.appendingPathComponent(journal))

    log("\(size.name): single commands…")
    let digits = max(3, String(size.households).count)
    func household(_ i: Int) -> String { "H" + String(repeating: "0", count: max(0, digits - String(i % size.households + 1).count)) + String(i % size.households + 1) }
    let balance = try medianProcessSeconds((0..<21).map { ["--ledger", file, "balance", household($0 * 97), "--json"] }, in: scratch)
    rows.append([size.name, "balance HOUSEHOLD --json (process, median of 21)", String(format: "%.1f ms", balance * 1000), "", ""])
    let record = try medianProcessSeconds((0..<21).map {
        ["--ledger", file, "record", household($0 * 89), "D2.3", "--date", "\(2020 + size.years - 1)-12-31", "--by", "王会计"]
    }, in: scratch)
    rows.append([size.name, "record (process, median of 21)", String(format: "%.1f ms", record * 1000), "", ""])
    rows.append([size.name, "file size", String(format: "%.0f MB", Double(bytes) / 1_000_000), "\(bytes / max(events, 1)) bytes/event", ""])
}

// A village's printing: 1,500 households with a year of history, every statement of a month as text and as one PDF.
do {
    let households = arguments.contains("--quick") ? 150 : 1_500
    let file = "village-\(households).sqlite"
    try? FileManager.default.removeItem(at: scratch.appendingPathComponent(file))
    log("village: \(households) households, statements…")
    let year = 2024
    _ = try measure(jifen, ["bench", "generate", "--ledger", file, "--households", "\(households)", "--years", "1",
                            "--from-year", "\(year)"], in: scratch)
    let name = "village (\(households) households)"
    let text = try measure(jifen, ["--ledger", file, "statement", "--all", "--period", "\(year)-06", "--date", "\(year + 1)-01-15",
                                   "--out", "june.txt"], in: scratch)
    rows.append([name, "text statements of a month, all households", String(format: "%.2f s", text.seconds), "",
                 String(format: "%.0f MB", text.megabytes)])
    let pdf = try measure(jifen, ["--ledger", file, "statement", "--all", "--period", "\(year)-06", "--format", "pdf",
                                  "--date", "\(year + 1)-01-15", "--out", "june.pdf"], in: scratch)
    let pdfBytes = (try FileManager.default.attributesOfItem(atPath: scratch.appendingPathComponent("june.pdf").path)[.size] as? Int) ?? 0
    rows.append([name, "PDF statements of a month, one file", String(format: "%.2f s", pdf.seconds),
                 String(format: "%.1f MB file", Double(pdfBytes) / 1_000_000), String(format: "%.0f MB", pdf.megabytes)])
}

print("| size | operation | time | rate | peak memory |")
print("|---|---|---|---|---|")
for row in rows { print("| " + row.joined(separator: " | ") + " |") }
print()
for ratio in ratios { print("- " + ratio) }
