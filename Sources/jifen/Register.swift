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
        try ledger.execute(.addUnit(UnitCode(rawValue: code), name: name, leader: leader.map { HouseholdCode(rawValue: $0) }), by: try actor.name())
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
        try ledger.execute(.changeUnitLeader(UnitCode(rawValue: unit), leader: HouseholdCode(rawValue: household)), by: try actor.name())
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
        try ledger.execute(.splitHousehold(HouseholdCode(rawValue: household), new: HouseholdCode(rawValue: newCode), head: head,
                                           unit: unit.map { UnitCode(rawValue: $0) }, members: members, points: points),
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
        let written = try ledger.execute(.mergeHousehold(HouseholdCode(rawValue: household), into: HouseholdCode(rawValue: into)),
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
        subcommands: [HouseholdAdd.self, HouseholdImport.self, HouseholdMove.self, HouseholdClose.self, HouseholdSplit.self, HouseholdMerge.self,
                      HouseholdList.self]
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
        try ledger.execute(.registerHousehold(HouseholdCode(rawValue: code), head: head, unit: UnitCode(rawValue: unit), members: members),
                           by: try actor.name(), on: date)
        print(say(options.language, "已登记农户 \(code)（户主 \(head)，联户 \(unit)，\(members) 人）。",
                  "Registered household \(code) (head \(head), unit \(unit), \(members) members)."))
    }
}

struct HouseholdImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register households from a CSV file (columns code, head, unit, members).",
        discussion: "Chinese headers work too (户号, 户主, 联户, 人口). UTF-8 (with or without BOM) or GB18030. All rows or none."
    )
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The CSV file.") var file: String
    @Option(help: ArgumentHelp("The day it took effect (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        let events = try ledger.importHouseholds(try readFile(file), fileName: file, by: try actor.name(), on: date)
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
        try ledger.execute(.moveHousehold(HouseholdCode(rawValue: code), to: UnitCode(rawValue: unit)), by: try actor.name(), on: date)
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
        try ledger.execute(.closeHousehold(HouseholdCode(rawValue: code), reason: reason), by: try actor.name(), on: date)
        print(say(options.language, "农户 \(code) 已销户，历史记录保留。", "Household \(code) is closed; its history stays."))
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
