import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Tools for township and county auditors (审计): export the log, check an export without the database.",
        subcommands: [AuditExportCommand.self, AuditCheckCommand.self]
    )
}

struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "The event log for auditors: JSON Lines that carry the whole chain, or CSV for a spreadsheet.",
        discussion: """
            jsonl: one event per line with every stored field and both hashes (docs/FORMAT.md, "Exports"); `jifen \\
            audit check FILE` — or a verifier of the auditor's own — recomputes the chain from it alone. csv: the same \\
            columns for Excel and WPS (UTF-8 with BOM).
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("jsonl or csv.", valueName: "format")) var format: String = "jsonl"
    @Option(help: ArgumentHelp("The first event (default 1).", valueName: "seq")) var from: Int64 = 1
    @Option(help: ArgumentHelp("The last event (default the head).", valueName: "seq")) var to: Int64?
    @Option(help: ArgumentHelp("Write to this file instead of the screen.", valueName: "file")) var out: String?

    func validate() throws {
        guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv.") }
        guard from >= 1 else { throw ValidationError("--from must be 1 or more.") }
        if let to, to < from { throw ValidationError("--to must not be before --from.") }
    }

    func run() throws {
        let ledger = try options.openForReading()
        var output = Data()
        if format == "csv" { output.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        let columns = ["seq", "id", "stream", "streamVersion", "type", "occurredOn", "recordedAt", "actor", "schemeVersion", "key",
                       "household", "item", "rule", "earned", "deducted", "redeemed", "stock", "reverses", "payload", "prevHash", "hash"]
        if format == "csv" { output.append(Data((columns.joined(separator: ",") + "\r\n").utf8)) }
        try ledger.store.exportJSONL(from: from, to: to) { line in
            if format == "jsonl" {
                output.append(Data(line.utf8))
                output.append(0x0A)
            } else {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                let cells = columns.map { key -> String in
                    guard let value = object[key], !(value is NSNull) else { return "" }
                    let text = "\(value)"
                    return text.contains(where: { ",\"\r\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
                }
                output.append(Data((cells.joined(separator: ",") + "\r\n").utf8))
            }
        }
        if let out {
            do { try output.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw CLIError("Cannot write \(out); check the folder exists and may be written to.")
            }
        } else {
            FileHandle.standardOutput.write(output)
        }
    }
}

struct AuditCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a JSON Lines export with no database: every hash, every link, no gap.",
        discussion: "Exit 0 when the export is whole and unaltered; 2 when it is not, naming each event at fault.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The export (from `jifen audit export`).") var file: String
    @Flag(help: "Print the result as JSON for scripts.") var json = false

    struct Report: Encodable {
        let valid: Bool, events: Int, first: Int64, last: Int64, whole: Bool, head: String
        let problems: [VerifyCommandProblem]
    }

    struct VerifyCommandProblem: Encodable { let seq: Int64, problem: String }

    func run() throws {
        let text = String(decoding: try readFile(file), as: UTF8.self)
        let report = AuditExport.check(lines: text.split(separator: "\n", omittingEmptySubsequences: true))
        let l = options.language
        if json {
            try printJSON(Report(valid: report.isValid, events: report.events, first: report.first, last: report.last, whole: report.whole,
                                 head: report.head, problems: report.problems.map { VerifyCommandProblem(seq: $0.seq, problem: $0.what) }))
        } else if report.isValid {
            print(say(l, "导出完整：\(report.events) 条事件（#\(report.first)–#\(report.last)\(report.whole ? "，自账本开头" : "")），哈希链无断裂。",
                      "The export is sound: \(report.events) events (#\(report.first)–#\(report.last)\(report.whole ? ", from the ledger's start" : "")), the hash chain unbroken."))
            print(say(l, "链头 \(report.last):\(report.head)", "Head \(report.last):\(report.head)"))
        } else {
            print(say(l, "导出有问题：", "The export fails the check:"))
            for problem in report.problems { print("  \(problem)") }
        }
        if !report.isValid { throw VerificationFailed() }
    }
}
