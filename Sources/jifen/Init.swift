import ArgumentParser
import Foundation
import Jifen
import JifenCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a village's ledger (建账) with its points scheme.",
        discussion: """
            Without --scheme the ledger takes the reference scheme (4 categories, 9 indicators, 33 rules); see \
            seed/reference-scheme.yaml for the file format to write your village's own.

            --admin names the village's first administrator (管理员), who then registers everyone else with \
            `jifen actor add`: clerks (记分员), unit leaders (联户长), reviewers (审核员), the shopkeeper \
            (超市管理员) and auditors (审计员). Every later command names who makes it with --by or $JIFEN_ACTOR.
            """
    )

    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The village's name, e.g. 牛角村.", valueName: "name")) var village: String
    @Option(help: ArgumentHelp("A scheme file (YAML); default: the reference scheme.", valueName: "file")) var scheme: String?
    @Option(help: ArgumentHelp("The first administrator (管理员), e.g. 张书记.", valueName: "name")) var admin: String
    @Option(help: ArgumentHelp("The day the ledger and its scheme start (default today); history may be entered from before it.",
                               valueName: "YYYY-MM-DD")) var date: LocalDate?
    @Option(help: ArgumentHelp("How the file stores its log: 2 (default, compact) or 1 (as jifen before December 2026 wrote it, which those can still open); the hash chain is the same.",
                               valueName: "1|2")) var logFormat: LogFormat = .compact

    func run() throws {
        let text = try scheme.map { String(decoding: try readFile($0), as: UTF8.self) } ?? ReferenceSeed.schemeYAML
        let parsed = try SchemeFile.parse(text)
        let path = options.path, file = options.file
        let existed = FileManager.default.fileExists(atPath: file)
        do {
            let ledger = try Ledger(path: file, create: true, format: logFormat)
            try ledger.execute(.openLedger(ledgerId: ledger.environment.newId(), village: village, scheme: parsed, demo: false,
                                           admin: ActorName(typed: admin)), by: admin, on: date)
        } catch {
            if !existed { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
            throw error
        }
        print(say(options.language,
                  "已建账：\(village)，账本文件 \(path)；积分方案「\(parsed.name)」，\(parsed.categories.count) 个大项、\(parsed.indicators.count) 个指标、\(parsed.rules.count) 条标准；管理员 \(admin)。",
                  "Created the ledger of \(village) in \(path), scheme “\(parsed.name)”: \(parsed.categories.count) categories, \(parsed.indicators.count) indicators, \(parsed.rules.count) rules; administrator \(admin)."))
    }
}
