import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

struct SheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "Paper for the clerk's rounds: a blank tally form for a joint unit (积分记录表).",
        subcommands: [SheetBlank.self]
    )
}

struct SheetBlank: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blank",
        abstract: "A blank tally form: every household of a joint unit with empty lines, and the rules as a key.",
        discussion: """
            --format pdf prints it on A4 (needs --out), each household's lines kept on one page, a column for the head \
            of household to sign, the scheme's rules after the table. --format xlsx (needs --out) and csv write the \
            same rows for Excel or WPS (the CSV in UTF-8 with a byte-order mark, as they open it): filled in, either is \
            entered as it is with `jifen record import`, the lines left empty passed over.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The joint unit.", valueName: "code")) var unit: String
    @Option(help: ArgumentHelp("The month or quarter: 2025-03 or 2025-Q1.", valueName: "period")) var period: NoticePeriod
    @Option(help: ArgumentHelp("Empty lines for each household (1 to 20).", valueName: "n")) var lines: Int = 3
    @Option(help: ArgumentHelp("pdf (default) or xlsx (both need --out), or csv.", valueName: "format")) var format: String = "pdf"
    @Option(help: ArgumentHelp("Write to this file.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false
    @Option(help: ArgumentHelp("The printing date shown (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @Flag(help: "Print the form's contents as JSON for scripts.") var json = false

    func validate() throws {
        guard ["pdf", "xlsx", "csv"].contains(format) else { throw usage(zh: "--format 只能是 pdf、xlsx 或 csv。", en: "--format must be pdf, xlsx or csv.") }
        if format == "xlsx" && out == nil && !json { throw usage(zh: ".xlsx 要写进文件：请加上 --out 文件名.xlsx。", en: "A workbook goes to a file: give --out FILE.xlsx.") }
        guard (1...20).contains(lines) else { throw usage(zh: "--lines 应在 1 到 20 之间。", en: "--lines must be 1 to 20.") }
        if format == "pdf" && out == nil && !json { throw usage(zh: "PDF 要写进文件：请加上 --out 文件名.pdf。", en: "A PDF goes to a file: give --out FILE.pdf.") }
    }

    func run() throws {
        let file = json ? nil : try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let ledger = try options.openForReading()
        let form = try ledger.tallyForm(unit: UnitCode(typed: unit), period: period, lines: lines, printedOn: date ?? ledger.today())
        if json { return try printJSON(form) }
        let language: StatementLanguage = options.language == .zh ? .zh : .en
        let said = say(options.language, "\(form.households.count) 户，每户 \(lines) 行", "\(form.households.count) households, \(lines) lines each")
        if format == "pdf", let file {
            try file.write { draft in
                try drawPDF(PDFRequest(title: say(options.language, "积分记录表 \(unit) \(period)", "Tally form \(unit) \(period)"),
                                       language: language, content: .tallyForm(form)), to: draft)
            }
            return Output.error(say(options.language, "已写入 \(file.path)（\(said)）。\n", "Wrote \(file.path) (\(said)).\n"))
        }
        if format == "xlsx", let file {
            let columns = TallyForm.columns(language)
            let rows = form.rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
            return try writeWorkbook(rows, to: file, name: say(options.language, "积分记录表 \(unit) \(period)", "Tally form \(unit) \(period)"),
                                     first: columns)
        }
        let text = form.csv(language: language)
        guard let file else { return print(text, terminator: "") }
        try file.write(bytes: Array(text.utf8))
        Output.error(say(options.language, "已写入 \(file.path)（\(said)）。\n", "Wrote \(file.path) (\(said)).\n"))
    }
}
