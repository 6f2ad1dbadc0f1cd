import ArgumentParser
import Foundation
import Jifen
import JifenDemo
import JifenCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Generate realistic ledgers for benchmarks and tests.",
        subcommands: [BenchGenerate.self]
    )
}

struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic, realistic ledger: joint units of 10–20, every rule, the shop, corrections.",
        discussion: """
            Goes through the same decide-and-append path as a clerk's commands, in batches of 2,000 households. \
            The same households, years and seed give the same events and the same chain head on any machine. A \
            household earns about 60 events a year, so --households 1600 --years 1 makes about 100,000 events.
            """
    )
    @Option(help: ArgumentHelp("Where to write it (must not exist).", valueName: "path")) var ledger: String = "jifen-bench.sqlite"
    @Option(help: ArgumentHelp("How many households.", valueName: "n")) var households: Int
    @Option(help: ArgumentHelp("How many years of history.", valueName: "n")) var years: Int = 1
    @Option(name: .customLong("from-year"), help: ArgumentHelp("The first year.", valueName: "year"))
    var fromYear: Int = 2020
    @Option(help: ArgumentHelp("The random seed.", valueName: "n")) var seed: UInt64 = 1
    @Option(help: ArgumentHelp("How the file stores its log: 2 (default, compact) or 1.", valueName: "1|2")) var logFormat: LogFormat = .compact
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard (1...10_000_000).contains(households) else { throw usage(zh: "--households 须在 1 到 10,000,000 之间。", en: "--households must be from 1 to 10,000,000.") }
        guard (1...50).contains(years) else { throw usage(zh: "--years 须在 1 到 50 之间。", en: "--years must be from 1 to 50.") }
        guard fromYear >= 2000 else { throw usage(zh: "--from-year 须是 2000 年或以后。", en: "--from-year must be 2000 or later.") }
    }

    struct Summary: Encodable {
        let ledger: String, households: Int, units: Int, years: Int, events: Int64, seconds: Double, eventsPerSecond: Int, head: String
    }

    func run() throws {
        let file = Console.current.resolved(ledger)
        if FileManager.default.fileExists(atPath: file) {
            throw CLIError(zh: "\(ledger) 已经存在；请先删除，或用 --ledger 另选一个文件。", en: "\(ledger) exists already; remove it or give another --ledger.")
        }
        let thisYear = Calendar(identifier: .gregorian).component(.year, from: Date())
        guard fromYear + years - 1 < thisYear else {
            throw CLIError(zh: "\(fromYear)–\(fromYear + years - 1) 年已经到了今年；请用 --from-year 选早一些的年份。", en: "The years \(fromYear)–\(fromYear + years - 1) reach into this year; choose an earlier --from-year.")
        }
        let progress = Progress(label: "generating (months)")
        let started = Date()
        let summary = try LedgerGenerator.build(at: file, plan: GeneratorPlan(households: households, years: years, firstYear: fromYear, seed: seed,
                                                                                         format: logFormat),
                                                progress: progress.update)
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        let result = Summary(ledger: ledger, households: summary.households, units: summary.units, years: years, events: summary.events,
                             seconds: (seconds * 100).rounded() / 100, eventsPerSecond: Int(Double(summary.events) / seconds),
                             head: "\(summary.events):\(summary.head)")
        if json { return try printJSON(result) }
        print("\(ledger): \(summary.households) households in \(summary.units) joint units, \(years) year(s) from \(fromYear), \(summary.events) events")
        print("  \(summary.scores) scores, \(summary.reversals) reversals, \(summary.redemptions) redemptions, \(summary.receipts) stock receipts")
        print("  head \(result.head)")
        print("  \(String(format: "%.2f", seconds)) s, \(result.eventsPerSecond) events/s")
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log for other tools: a plain-text accounting journal (hledger, ledger).",
        discussion: """
            --format ledger writes a journal that `hledger check --strict` and `ledger --strict` accept: its accounts \
            and commodities declared first, then one transaction per event that moves points or goods, oldest first. \
            A household's points move between points:HOUSEHOLD and village:awarded or village:deducted (scores), \
            shop:redeemed (the shop), village:expired (year-end clearing) or village:transfers (split and merge), in \
            PTS; goods between stock:ITEM and stock:moved, in the item's commodity. A score not yet final (on review or \
            on notice) is a pending transaction (!), so `hledger -f FILE bal --cleared points` gives every household's \
            available points (expiry and transfers included), and `bal points` those plus the points not yet final. \
            Events that move nothing (registrations, approvals, notices, …) are left out; the first lines say how many.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The format: ledger.", valueName: "format")) var format: String = "ledger"
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false

    func validate() throws {
        guard format == "ledger" else { throw usage(zh: "--format 只能是 ledger。", en: "--format must be ledger.") }
    }

    func run() throws {
        let file = try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let ledger = try options.openForReading()
        let progress = Progress(label: say(options.language, "导出", "exporting"))
        let report: ((Int64, Int64) -> Void)? = out == nil ? nil : { progress.update($0, $1) }
        defer { progress.finish() }
        guard let file else {
            try ledger.exportJournal(progress: report) { text in Output.text(text) }
            return
        }
        var count: Int64 = 0
        try file.stream { sink in
            count = try ledger.exportJournal(progress: report) { text in
                var text = text
                try text.withUTF8 { try sink(UnsafeRawBufferPointer($0)) }
            }
        }
        Output.error(say(options.language, "已把 \(count) 笔交易写入 \(file.path)。\n", "Wrote \(count) transactions to \(file.path).\n"))
    }
}
