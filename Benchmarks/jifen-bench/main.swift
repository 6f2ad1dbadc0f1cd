// The benchmark suite: builds ledgers of 10^5 and 10^6 events (10^7 with --large) with `jifen bench generate`
// and times whole `jifen` processes on them, side by side with the floor (the sqlite3 tool summing points
// straight from the events table) and with hledger and ledger reading the same history from
// `jifen export --format ledger`. Prints a Markdown table; docs/PERFORMANCE.md holds a real run.
//
//     swift run -c release jifen-bench [--large] [--keep DIR]
import Foundation

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

@discardableResult
func measure(_ program: String, _ args: [String], in folder: URL, stdout: String? = nil) throws -> Measured {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-f", "%M"] + [program] + args
    process.currentDirectoryURL = folder
    let out = Pipe(), err = Pipe()
    if let stdout {
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(stdout).path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent(stdout))
    } else {
        process.standardOutput = out
    }
    process.standardError = err
    let start = Date()
    try process.run()
    nonisolated(unsafe) var outData = Data()
    let reader = Thread { if stdout == nil { outData = out.fileHandleForReading.readDataToEndOfFile() } }
    reader.start()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let seconds = Date().timeIntervalSince(start)
    while !reader.isFinished { usleep(1000) }
    let errText = String(decoding: errData, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "jifen-bench", code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(program) \(args.joined(separator: " ")) failed: \(errText)"])
    }
    let kilobytes = Double(errText.split(separator: "\n").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 0)
    return Measured(seconds: seconds, megabytes: kilobytes / 1024, output: String(decoding: outData, as: UTF8.self))
}

func median(_ runs: Int, _ body: (Int) throws -> Double) rethrows -> Double {
    var samples: [Double] = []
    for i in 0..<runs { samples.append(try body(i)) }
    samples.sort()
    return samples[samples.count / 2]
}

func rate(_ events: Int, _ seconds: Double) -> String {
    let perSecond = Double(events) / seconds
    return perSecond >= 1_000_000 ? String(format: "%.2f M/s", perSecond / 1_000_000) : String(format: "%.0f k/s", perSecond / 1_000)
}

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

// Sizes: about 60 events per household per year.
var sizes: [(name: String, households: Int, years: Int)] = [("10^5", 1_640, 1), ("10^6", 16_400, 1)]
if large { sizes.append(("10^7", 32_800, 5)) }

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
        if events > 2_000_000 && name.hasPrefix("hledger") {
            rows.append([size.name, name, "skipped (about 15 k/s and several GB at this size)", "", ""])
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
    let balance = try median(21) { i in try measure(jifen, ["--ledger", file, "balance", household(i * 97), "--json"], in: scratch).seconds }
    rows.append([size.name, "balance HOUSEHOLD --json (process, median of 21)", String(format: "%.1f ms", balance * 1000), "", ""])
    let record = try median(21) { i in
        try measure(jifen, ["--ledger", file, "record", household(i * 89), "D2.3", "--date", "\(2020 + size.years - 1)-12-31",
                            "--by", "bench"], in: scratch).seconds
    }
    rows.append([size.name, "record (process, median of 21)", String(format: "%.1f ms", record * 1000), "", ""])
    rows.append([size.name, "file size", String(format: "%.0f MB", Double(bytes) / 1_000_000), "\(bytes / max(events, 1)) bytes/event", ""])
}

print("| size | operation | time | rate | peak memory |")
print("|---|---|---|---|---|")
for row in rows { print("| " + row.joined(separator: " | ") + " |") }
print()
for ratio in ratios { print("- " + ratio) }
