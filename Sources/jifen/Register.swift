import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

struct UnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: "Joint units (联户): groups of 10–20 households with a leader household (联户长).",
        subcommands: [UnitAdd.self, UnitLeader.self, UnitList.self]
    )
}

struct UnitAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a joint unit.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The unit's code, e.g. U01.") var code: String
    @Option(help: ArgumentHelp("The unit's name, e.g. 第一联户.", valueName: "name")) var name: String
    @Option(help: ArgumentHelp("The leader's household code (联户长).", valueName: "household")) var leader: String?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.addUnit(UnitCode(typed: code), name: name, leader: leader.map { HouseholdCode(typed: $0) }), by: try actor.name())
        print(say(options.language, "已添加联户 \(code)（\(name)）。", "Added joint unit \(code) (\(name))."))
    }
}

struct UnitLeader: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leader", abstract: "Appoint a unit's leader household (联户长).")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The unit's code.") var unit: String
    @Argument(help: "The leader's household code; it must be in the unit.") var household: String
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.changeUnitLeader(UnitCode(typed: unit), leader: HouseholdCode(typed: household)), by: try actor.name())
        print(say(options.language, "联户 \(unit) 的联户长为 \(household)。", "Household \(household) now leads joint unit \(unit)."))
    }
}

struct UnitList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the joint units with their households.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Row: Encodable {
        let unit: String, name: String, leader: String?, households: Int, members: Int, available: Int
    }

    func run() throws {
        let ledger = try options.openForReading()
        let (units, households) = (try ledger.units(), try ledger.households())
        let rows = units.map { unit in
            let mine = households.filter { $0.unit == unit.code && $0.status == .open }
            return Row(unit: unit.code.rawValue, name: unit.name, leader: unit.leader?.rawValue, households: mine.count,
                       members: mine.reduce(0) { $0 + $1.members }, available: mine.reduce(0) { $0 + $1.available })
        }
        if json { return try printJSON(rows) }
        let l = options.language
        var table = TextTable(headers: [say(l, "联户", "Unit"), say(l, "名称", "Name"), say(l, "联户长", "Leader"),
                                        say(l, "户数", "Households"), say(l, "人口", "Members"), say(l, "可用积分", "Available")],
                              numeric: [3, 4, 5])
        for row in rows {
            table.add([row.unit, row.name, row.leader ?? "", "\(row.households)", "\(row.members)", "\(row.available)"])
        }
        print(table.render(), terminator: "")
    }
}

struct HouseholdSplit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "A household splits (分户): a new household, with an agreed share of the available points moved to it.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household that splits.") var household: String
    @Option(name: .customLong("new"), help: ArgumentHelp("The new household's code.", valueName: "code")) var newCode: String
    @Option(help: ArgumentHelp("The new household's head.", valueName: "name")) var head: String
    @Option(help: ArgumentHelp("Its joint unit (default: the same).", valueName: "code")) var unit: String?
    @Option(help: ArgumentHelp("How many people.", valueName: "n")) var members: Int = 1
    @Option(help: ArgumentHelp("Available points moved to it (default 0).", valueName: "n")) var points: Int = 0
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.splitHousehold(HouseholdCode(typed: household), new: HouseholdCode(typed: newCode), head: head,
                                           unit: unit.map { UnitCode(typed: $0) }, members: members, points: points),
                           by: try actor.name(), on: date)
        print(say(options.language, "\(household) 分户：新户 \(newCode)（户主 \(head)），转入 \(points) 分。",
                  "\(household) split: new household \(newCode) (head \(head)), \(points) points moved to it."))
    }
}

struct HouseholdMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Two households merge (合户): the first's available points move to the second, and the first is closed.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household that joins another.") var household: String
    @Option(help: ArgumentHelp("The household it joins.", valueName: "code")) var into: String
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.mergeHousehold(HouseholdCode(typed: household), into: HouseholdCode(typed: into)),
                                         by: try actor.name(), on: date)
        let moved = written.events.compactMap { if case .pointsSent(let e) = $0.event { return e.points } else { return nil } }.first ?? 0
        print(say(options.language, "\(household) 并入 \(into)，转入 \(moved) 分；\(household) 已销户，历史保留。",
                  "\(household) merged into \(into) with \(moved) points; \(household) is closed, its history kept."))
    }
}

struct HouseholdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "household",
        abstract: "The household register (农户): points are kept per household.",
        subcommands: [HouseholdAdd.self, HouseholdImport.self, HouseholdMove.self, HouseholdClose.self, HouseholdReopen.self, HouseholdSplit.self, HouseholdMerge.self,
                      HouseholdList.self, HouseholdCard.self]
    )
}

struct HouseholdAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Register a household.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code, e.g. H001.") var code: String
    @Option(help: ArgumentHelp("The head of the household's name (户主).", valueName: "name")) var head: String
    @Option(help: ArgumentHelp("The joint unit it belongs to.", valueName: "code")) var unit: String
    @Option(help: ArgumentHelp("Number of members (default 1).", valueName: "n")) var members: Int = 1
    @Option(help: ArgumentHelp("The day it took effect (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.registerHousehold(HouseholdCode(typed: code), head: head, unit: UnitCode(typed: unit), members: members),
                           by: try actor.name(), on: date)
        print(say(options.language, "已登记农户 \(code)（户主 \(head)，联户 \(unit)，\(members) 人）。",
                  "Registered household \(code) (head \(head), unit \(unit), \(members) members)."))
    }
}

struct HouseholdImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register households from an .xlsx or CSV file (columns code, head, unit, members).",
        discussion: """
            Chinese headers work too (户号, 户主, 联户, 人口). An .xlsx workbook's first sheet, or CSV in UTF-8 (with or \
            without BOM) or GB18030. All rows or none; a refused row is named by its line (the row number Excel shows).
            """
    )
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The .xlsx or CSV file.") var file: String
    @Option(help: ArgumentHelp("The day it took effect (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let input = try readSheet(file)
        let ledger = try options.open()
        let events = try ledger.importHouseholds(input, fileName: file, by: try actor.name(), on: date)
        print(say(options.language, "已登记 \(events.count) 户。", "Registered \(events.count) households."))
    }
}

struct HouseholdMove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "move", abstract: "Move a household to another joint unit.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var code: String
    @Option(help: ArgumentHelp("The joint unit it moves to.", valueName: "code")) var unit: String
    @Option(help: ArgumentHelp("The day it took effect (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.moveHousehold(HouseholdCode(typed: code), to: UnitCode(typed: unit)), by: try actor.name(), on: date)
        print(say(options.language, "农户 \(code) 已调入联户 \(unit)。", "Household \(code) moved to joint unit \(unit)."))
    }
}

struct HouseholdClose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Close a household (moved away, merged); its history stays in the ledger.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var code: String
    @Option(help: ArgumentHelp("Why it is closed.", valueName: "text")) var reason: String
    @Option(help: ArgumentHelp("The day it took effect (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.closeHousehold(HouseholdCode(typed: code), reason: reason), by: try actor.name(), on: date)
        print(say(options.language, "农户 \(code) 已销户，历史记录保留。", "Household \(code) is closed; its history stays."))
    }
}

struct HouseholdReopen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen", abstract: "Reopen a household closed by mistake (恢复在册); its points are as they were.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var code: String
    @Option(help: ArgumentHelp("Why it is reopened.", valueName: "text")) var note = ""
    @Option(help: ArgumentHelp("The day it took effect (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.reopenHousehold(HouseholdCode(typed: code), note: note), by: try actor.name(), on: date)
        print(say(options.language, "农户 \(code) 已恢复在册。", "Household \(code) is on the register again."))
    }
}

struct HouseholdList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the register.")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Only this joint unit.", valueName: "code")) var unit: String?
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Row: Encodable {
        let household: String, head: String, unit: String, members: Int, status: String, registeredOn: String, closedOn: String?
    }

    func run() throws {
        let ledger = try options.openForReading()
        let rows = try ledger.households()
            .filter { unit == nil || $0.unit.rawValue == unit }
            .map { Row(household: $0.code.rawValue, head: $0.head, unit: $0.unit.rawValue, members: $0.members,
                       status: $0.status.rawValue, registeredOn: $0.registeredOn.description, closedOn: $0.closedOn?.description) }
        if json { return try printJSON(rows) }
        let l = options.language
        var table = TextTable(headers: [say(l, "户号", "Household"), say(l, "户主", "Head"), say(l, "联户", "Unit"),
                                        say(l, "人口", "Members"), say(l, "状态", "Status")], numeric: [3])
        for row in rows {
            let status = row.status == "open" ? say(l, "在册", "open") : say(l, "已销户 \(row.closedOn ?? "")", "closed \(row.closedOn ?? "")")
            table.add([row.household, row.head, row.unit, "\(row.members)", status])
        }
        print(table.render(), terminator: "")
    }
}

struct HouseholdCard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Issue households' door cards (扫码积分): a QR code that opens the household's points, read only.",
        discussion: """
            Each card carries a new random link to the server's page of that household (BASE/h/CODE/TOKEN, BASE from \
            --public-url or $JIFEN_PUBLIC_URL); only a slow hash of it is kept. Issuing a household's card again \
            replaces it: the old card stops working. An administrator or a clerk issues them. The link is shown only \
            now, so print the cards as you issue them (--format pdf --out cards.pdf: one card a page, to cut out).
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The households' codes.") var households: [String] = []
    @Flag(help: "Every open household.") var all = false
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The server's address as residents reach it (default $JIFEN_PUBLIC_URL).", valueName: "url"))
    var publicURL: String?
    @Option(help: ArgumentHelp("text (default) or pdf (needs --out).", valueName: "format")) var format: String = "text"
    @Option(help: ArgumentHelp("Write to this file instead of the screen.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false
    @OptionGroup var actor: ActorOption
    @Flag(help: "Print the cards as JSON for scripts (their links included).") var json = false

    struct Row: Encodable {
        let household: String, head: String, link: String, issuedAt: String, issuedBy: String
    }

    func validate() throws {
        guard ["text", "pdf"].contains(format) else { throw usage(zh: "--format 只能是 text 或 pdf。", en: "--format must be text or pdf.") }
        if format == "pdf" && out == nil && !json { throw usage(zh: "PDF 要写进文件：请加上 --out 文件名.pdf。", en: "A PDF goes to a file: give --out FILE.pdf.") }
        if households.isEmpty == !all {
            throw usage(zh: "请给出户号，或用 --all 为每一户发卡（二者选一）。", en: "Give households' codes, or --all for every household (one or the other).")
        }
    }

    func run() throws {
        let l = options.language
        guard let base = publicURL ?? Console.current.variable("JIFEN_PUBLIC_URL").flatMap({ $0.isEmpty ? nil : $0 }),
              base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw CLIError(zh: "卡上的二维码要指向服务器：请用 --public-url 给出村民访问服务器的地址（如 https://jifen.example.cn）。",
                           en: "The card's QR code points at the server: give the address residents reach it at with --public-url (e.g. https://jifen.example.cn).")
        }
        // The file is checked before any card is issued: a refused --out issues nothing.
        let file = json ? nil : try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let ledger = try options.open()
        let codes = all ? try ledger.households().filter { $0.status == .open }.map(\.code) : households.map { HouseholdCode(typed: $0) }
        let by = try actor.name()
        // Every household is checked before any card is issued: a refused one issues none.
        for code in codes {
            guard let account = try ledger.household(code) else { throw Rejection.householdUnknown(code, suggestion: nil) }
            if account.status == .closed { throw Rejection.householdClosed(code, on: account.closedOn ?? ledger.today()) }
        }
        let progress = Progress(label: say(l, "发卡", "issuing"))
        var cards: [IssuedCard] = []
        for (index, code) in codes.enumerated() {
            cards.append(try ledger.issueCard(for: code, by: by))
            progress.update(index + 1, codes.count)
        }
        progress.finish()
        if json {
            return try printJSON(cards.map { Row(household: $0.household.rawValue, head: $0.head, link: $0.link(base: base),
                                                 issuedAt: $0.issuedAt, issuedBy: $0.issuedBy) })
        }
        let sheets = cards.map {
            HouseholdCardSheet(village: $0.village, household: $0.household.rawValue, head: $0.head, link: $0.link(base: base),
                               issuedOn: String($0.issuedAt.prefix(10)))
        }
        let language: StatementLanguage = l == .zh ? .zh : .en
        let title = say(l, "农户积分卡", "Households' cards")
        if format == "pdf", let file {
            try file.write { draft in try drawPDF(PDFRequest(title: title, language: language, content: .cards(sheets)), to: draft) }
            Output.error(say(l, "已写入 \(file.path)（\(sheets.count) 张卡）。\n", "Wrote \(file.path) (\(sheets.count) cards).\n"))
        } else {
            try deliver(sheets.map { $0.text(language) }.joined(separator: "\u{0C}\n"), format: "text", to: file, title: title, language: l)
        }
    }
}
