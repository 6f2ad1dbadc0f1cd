import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

extension ReportPeriod: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

struct StatementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement",
        abstract: "A household's statement for a period (积分对账单), to print and hand out.",
        discussion: """
            Shows the household, its joint unit and the period; the available points at the start; every entry \
            (date, rule or item, points, note, who recorded it, and whether it is final, pending or reversed); the \
            available points at the end and today; the year's cumulative points, stars and rank in the unit and the \
            village; and a verification line — the ledger's position and hash when it was printed — with which an \
            auditor proves the paper matches the log (`jifen verify --head SEQ:HASH`).

            --width 80 for an office printer, 48 or 32 for 80 mm and 58 mm receipt printers. --all prints every \
            household, one after another, separated by form feeds (a new page on a printer). --format xlsx (with \
            --out) writes the period's entries as a workbook instead: an entry a row, with its household, head and unit \
            beside it, each cell the --json output's value.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code (leave out with --all).") var household: String?
    @Flag(help: "Every household registered by the period's end.") var all = false
    @Option(help: ArgumentHelp("A month, quarter or year: 2025-03, 2025-Q1, 2025.", valueName: "period")) var period: ReportPeriod
    @Option(help: ArgumentHelp("text (default), html, pdf (A4, needs --out) or xlsx (the entries, needs --out).", valueName: "format"))
    var format: String = "text"
    @Option(help: ArgumentHelp("Columns of text: 80, 48 or 32.", valueName: "n")) var width: Int = 80
    @Option(help: ArgumentHelp("Write to this file instead of the screen.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false
    @Option(help: ArgumentHelp("The printing date shown (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @Flag(help: "Print the statement's contents as JSON for scripts.") var json = false
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The server's address as residents reach it (default $JIFEN_PUBLIC_URL): the PDF's QR code then opens the server's check of the statement.", valueName: "url"))
    var publicURL: String?
    @Flag(help: "Large type for elderly residents (pdf and html): bigger letters, fewer columns.") var large = false

    func validate() throws {
        if large && !["pdf", "html"].contains(format) {
            throw usage(zh: "--large 只用于 --format pdf 或 html（文字版的字号由打印机决定）。",
                        en: "--large is for --format pdf or html (a text statement's size is the printer's).")
        }
        guard TextStatement.widths.contains(width) else { throw usage(zh: "--width 只能是 80、48 或 32。", en: "--width must be 80, 48 or 32.") }
        guard ["text", "html", "pdf", "xlsx"].contains(format) else { throw usage(zh: "--format 只能是 text、html、pdf 或 xlsx。", en: "--format must be text, html, pdf or xlsx.") }
        if format == "xlsx" { try checkWorkbookOptions(format: format, out: out, json: json) }
        if format == "pdf" && out == nil && !json { throw usage(zh: "PDF 要写进文件：请加上 --out 文件名.pdf。", en: "A PDF goes to a file: give --out FILE.pdf.") }
        guard all != (household != nil) else { throw usage(zh: "请给出户号，或用 --all 打印每一户。", en: "Give a household's code, or --all for every household.") }
    }

    func run() throws {
        let file = json ? nil : try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let ledger = try options.openForReading()
        let printedOn = date ?? ledger.today()
        var statements: [Statement]
        if let household {
            statements = [try ledger.statement(of: HouseholdCode(typed: household), period: period, printedOn: printedOn)]
        } else {
            let progress = Progress(label: say(options.language, "对账单", "statements"))
            statements = try ledger.statements(period: period, printedOn: printedOn, progress: progress.update)
            progress.finish()
        }
        if let base = publicURL ?? Console.current.variable("JIFEN_PUBLIC_URL").flatMap({ $0.isEmpty ? nil : $0 }) {
            guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
                throw usage(zh: "--public-url 应是 http:// 或 https:// 开头的地址。", en: "--public-url is an address starting with http:// or https://.")
            }
            for index in statements.indices { statements[index].verificationLink = statements[index].link(base: base) }
        }
        if json { return try printJSON(household == nil ? AnyEncodable(statements) : AnyEncodable(statements[0])) }
        let language: StatementLanguage = options.language == .zh ? .zh : .en
        if format == "xlsx", let file {
            return try writeWorkbook(Self.entries(statements), to: file, name: say(options.language, "积分明细 \(period)", "Entries \(period)"),
                                     first: ["household", "head", "unit", "seq", "date", "kind", "code", "zh", "en", "points", "note", "by",
                                             "status", "other", "balance"], dates: ["date"])
        }
        if format == "pdf", let file {
            try file.write { draft in
                try drawPDF(PDFRequest(title: say(options.language, "积分对账单 \(period)", "Statements \(period)"), language: language,
                                       content: .statements(statements), large: large), to: draft)
            }
            Output.error(say(options.language, "已写入 \(file.path)（\(statements.count) 户）。\n", "Wrote \(file.path) (\(statements.count) households).\n"))
            return
        }
        let text: String
        switch format {
        case "html": text = HTMLStatement(statements, language: language, large: large).render()
        default: text = statements.map { TextStatement($0, language: language, width: width).render() }.joined(separator: "\u{0C}\n")
        }
        if let file {
            try file.write(bytes: Array(text.utf8))
            Output.error(say(options.language, "已写入 \(file.path)（\(statements.count) 户）。\n", "Wrote \(file.path) (\(statements.count) households).\n"))
        } else {
            print(text, terminator: "")
        }
    }
}

extension StatementCommand {
    /// An entry of a statement with its household: a row of the .xlsx.
    struct Entry: Encodable {
        let household: String, head: String, unit: String
        let seq: Int64, date: String, kind: String, code: String, zh: String, en: String, points: Int, note: String, by: String
        let status: String, other: Int64?, balance: Int
    }

    static func entries(_ statements: [Statement]) -> [Entry] {
        statements.flatMap { s in
            s.lines.map { line in
                Entry(household: s.household.rawValue, head: s.head, unit: s.unit.rawValue, seq: line.seq, date: line.date.description,
                      kind: line.kind.rawValue, code: line.code, zh: line.zh, en: line.en, points: line.points, note: line.note, by: line.by,
                      status: line.status.rawValue, other: line.other, balance: line.balance)
            }
        }
    }
}

/// Lets one `printJSON` call print either one value or a list.
struct AnyEncodable: Encodable {
    let encode: (Encoder) throws -> Void
    init(_ value: some Encodable) { encode = value.encode }
    func encode(to encoder: Encoder) throws { try encode(encoder) }
}

struct PassbookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passbook",
        abstract: "Bring a household's points passbook up to date (积分存折补登), or print a page again.",
        discussion: """
            Prints only the final entries not yet printed, continuing the running balance and the line of the \
            current page; a page holds \(Passbook.linesPerPage) lines, and a full page continues on the next with the \
            balance carried. Each update is recorded in the ledger, so the next one continues where this stopped. \
            --reprint PAGE prints a page again, marked as a copy, and records nothing.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var household: String
    @Option(help: ArgumentHelp("Print this page again, as a copy.", valueName: "page")) var reprint: Int?
    @Option(help: ArgumentHelp("text (default) or pdf (needs --out).", valueName: "format")) var format: String = "text"
    @Option(help: ArgumentHelp("Write to this file instead of the screen.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day printed (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @Flag(help: "Print the lines as JSON for scripts.") var json = false

    func run() throws {
        // The file is checked before the update is recorded: a refused --out records nothing.
        let file = json ? nil : try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let code = HouseholdCode(typed: household)
        let passbook: Passbook
        if let reprint {
            let ledger = try options.openForReading()
            passbook = try ledger.passbookPage(of: code, page: reprint, printedOn: date ?? ledger.today())
        } else {
            let ledger = try options.open()
            passbook = try ledger.updatePassbook(of: code, by: try actor.name(), printedOn: date ?? ledger.today())
        }
        if json { return try printJSON(passbook) }
        let text = TextPassbook(passbook, language: options.language == .zh ? .zh : .en).render()
        try deliver(text, format: format, to: file, title: say(options.language, "积分存折 \(household)", "Passbook \(household)"),
                    language: options.language)
    }

    func validate() throws {
        guard ["text", "pdf"].contains(format) else { throw usage(zh: "--format 只能是 text 或 pdf。", en: "--format must be text or pdf.") }
        if format == "pdf" && out == nil { throw usage(zh: "PDF 要写进文件：请加上 --out 文件名.pdf。", en: "A PDF goes to a file: give --out FILE.pdf.") }
    }
}

/// Prints fixed-width text, or writes it to a file as text or as a PDF.
func deliver(_ text: String, format: String, to file: OutputFile?, title: String, language: Language) throws {
    guard let file else { return print(text, terminator: "") }
    if format == "pdf" {
        try file.write { draft in try drawPDF(PDFRequest(title: title, language: language == .zh ? .zh : .en, content: .text(text)), to: draft) }
    } else {
        try file.write(bytes: Array(text.utf8))
    }
    Output.error(say(language, "已写入 \(file.path)。\n", "Wrote \(file.path).\n"))
}

/// The program `name` beside this one (swift build makes them side by side), else the first on the PATH.
func siblingProgram(_ name: String) -> String? {
    // This program's own file: the kernel's word for it (/proc/self/exe), else the name it was started by when that is
    // a path — never a bare name taken from the working folder, where anyone may have put a program of that name.
    var here: URL?
    if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        here = URL(fileURLWithPath: own).deletingLastPathComponent()
    } else if CommandLine.arguments[0].contains("/") {
        here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }
    if let beside = here?.appendingPathComponent(name).path, FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return (Console.current.variable("PATH") ?? "").split(separator: ":").filter { $0.hasPrefix("/") }.map({ "\($0)/\(name)" })
        .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
}

/// Has `jifen-pdf`, beside this program, draw a PDF: only it loads pango and cairo.
func drawPDF(_ request: PDFRequest, to path: String) throws {
    guard let helper = siblingProgram("jifen-pdf") else {
        throw CLIError(zh: "输出 PDF 需要 jifen 旁边有 jifen-pdf（swift build 会同时生成）；请把它复制过去，或改用 --format text 或 html。", en: "PDF output needs jifen-pdf beside jifen (swift build makes both); copy it there, or print --format text or html.")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: helper)
    process.arguments = [path]
    let input = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardError = Console.current.errorIsTerminal ? FileHandle.standardError : errors
    try process.run()
    let encoder = JSONEncoder()
    input.fileHandleForWriting.write(try encoder.encode(request))
    try input.fileHandleForWriting.close()
    let stderr = Console.current.errorIsTerminal ? Data() : errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let said = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        throw CLIError(zh: "PDF 文件 \(path) 没能写成（\(said.isEmpty ? "jifen-pdf 出错" : said)）；请确认文件夹存在并且可以写入。", en: "The PDF \(path) could not be written (\(said.isEmpty ? "jifen-pdf failed" : said)); check the folder exists and may be written to.")
    }
}
