import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

struct ShopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shop",
        abstract: "The points shop (积分超市): items, stock received, redemptions.",
        subcommands: [ShopAdd.self, ShopRestock.self, ShopRedeem.self, ShopList.self]
    )
}

struct ShopAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Put an item on the price list.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The item's code, e.g. oil.") var item: String
    @Option(help: ArgumentHelp("Its name, e.g. 食用油.", valueName: "name")) var name: String
    @Option(help: ArgumentHelp("Its price in points.", valueName: "points")) var price: Int
    @Option(help: ArgumentHelp("The package the price is for, e.g. \"5 L\".", valueName: "text")) var unit: String = ""
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.listItem(ItemCode(rawValue: item), name: name, unit: unit, price: price), by: try actor.name())
        print(say(options.language, "已上架 \(item)（\(name)），\(price) 分。", "Listed \(item) (\(name)) at \(price) points."))
    }
}

struct ShopRestock: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restock", abstract: "Record goods received (入库).")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The item's code.") var item: String
    @Option(help: ArgumentHelp("How many were received.", valueName: "n")) var qty: Int
    @Option(help: ArgumentHelp("Where they came from: a donor, a purchase.", valueName: "text")) var source: String = ""
    @Option(help: ArgumentHelp("The day it happened (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.receiveStock(ItemCode(rawValue: item), quantity: qty, source: source), by: try actor.name(),
                                         on: date)
        let stock = try ledger.item(ItemCode(rawValue: item))?.stock ?? 0
        print(say(options.language, "已入库 #\(written.events[0].seq)：\(item) \(qty) 件，现有库存 \(stock)。",
                  "Received #\(written.events[0].seq): \(qty) of \(item); \(stock) now on the shelf."))
    }
}

struct ShopRedeem: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redeem", abstract: "Exchange a household's points for goods (兑换).",
        discussion: """
            The same redemption (household, item, quantity and date) recorded again within an hour is refused as a \
            likely retry; add --again when a second one is meant.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var household: String
    @Argument(help: "The item's code.") var item: String
    @Option(help: ArgumentHelp("How many (default 1).", valueName: "n")) var qty: Int = 1
    @Option(help: ArgumentHelp("The day it happened (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption
    @Flag(help: "Record it even though the same redemption was recorded in the last hour: a second one is really meant.")
    var again = false

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.redeem(HouseholdCode(rawValue: household), ItemCode(rawValue: item), quantity: qty),
                                         by: try actor.name(), on: date, again: again)
        guard case .redeemed(let redemption) = written.events[0].event else { return }
        let available = try ledger.household(HouseholdCode(rawValue: household))?.available ?? 0
        print(say(options.language,
                  "已兑换 #\(written.events[0].seq)：\(household) 兑换 \(redemption.name) \(qty) 件，用 \(redemption.points) 分，剩余可用 \(available) 分。",
                  "Redeemed #\(written.events[0].seq): \(household) took \(qty) of \(redemption.name) for \(redemption.points) points; \(available) left."))
    }
}

struct ShopList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The price list with stock on the shelf.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() throws {
        let ledger = try options.openForReading()
        let rows = try ledger.items().map(ShopItemView.init)
        if json { return try printJSON(rows) }
        let l = options.language
        var table = TextTable(headers: [say(l, "编号", "Item"), say(l, "品名", "Name"), say(l, "规格", "Unit"),
                                        say(l, "积分", "Price"), say(l, "库存", "Stock")], numeric: [3, 4])
        for row in rows { table.add([row.item, row.name, row.unit, "\(row.price)", "\(row.stock)"]) }
        print(table.render(), terminator: "")
    }
}
