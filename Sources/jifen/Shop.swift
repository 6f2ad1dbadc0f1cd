import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

struct ShopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shop",
        abstract: "The points shop (积分超市): items, stock received, redemptions.",
        subcommands: [ShopAdd.self, ShopRestock.self, ShopRedeem.self, ShopReceipt.self, ShopList.self]
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
        try ledger.execute(.listItem(ItemCode(typed: item), name: name, unit: unit, price: price), by: try actor.name())
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
        let written = try ledger.execute(.receiveStock(ItemCode(typed: item), quantity: qty, source: source), by: try actor.name(),
                                         on: date)
        let stock = try ledger.item(ItemCode(typed: item))?.stock ?? 0
        print(say(options.language, "已入库 #\(written.events[0].seq)：\(item) \(qty) 件，现有库存 \(stock)。",
                  "Received #\(written.events[0].seq): \(qty) of \(item); \(stock) now on the shelf."))
    }
}

struct ShopRedeem: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redeem", abstract: "Exchange a household's points for goods (兑换).",
        discussion: """
            The same redemption (household, item, quantity and date) recorded again within an hour is refused as a \
            likely retry; add --again when a second one is meant. --receipt FILE (or - for standard output) writes the \
            slip for the resident; `jifen shop receipt ENTRY` prints it again.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var household: String
    @Argument(help: "The item's code.") var item: String
    @Option(help: ArgumentHelp("How many (default 1).", valueName: "n")) var qty: Int = 1
    @Option(help: ArgumentHelp("The day it happened (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @OptionGroup var actor: ActorOption
    @Flag(help: "Record it even though the same redemption was recorded in the last hour: a second one is really meant.")
    var again = false
    @Option(help: ArgumentHelp("Write the receipt to this file, or - for standard output (a printer: `| lp -o raw`).", valueName: "file"))
    var receipt: String?
    @OptionGroup var slip: ReceiptOptions

    func validate() throws {
        if receipt == nil && (slip.escpos || slip.force || slip.paper != Receipt.Paper.mm58.rawValue) {
            throw usage(zh: "--paper、--escpos 和 --force 用于小票：请同时给出 --receipt 文件名（或 - 直接输出）。",
                        en: "--paper, --escpos and --force are for the receipt: give --receipt FILE (or - for standard output) too.")
        }
        try slip.check(json: false, to: receipt ?? "")
    }

    func run() throws {
        // Where the receipt goes is checked before anything is written: a refused target refuses the redemption too.
        let file = try receipt.flatMap { $0 == "-" ? nil : try OutputFile($0, force: slip.force, ledger: options.path) }
        let ledger = try options.open()
        let written = try ledger.execute(.redeem(HouseholdCode(typed: household), ItemCode(typed: item), quantity: qty),
                                         by: try actor.name(), on: date, again: again)
        guard case .redeemed(let redemption) = written.events[0].event else { return }
        let seq = written.events[0].seq
        let available = try ledger.household(HouseholdCode(typed: household))?.available ?? 0
        let said = say(options.language,
                       "已兑换 #\(seq)：\(household) 兑换 \(redemption.name) \(qty) 件，用 \(redemption.points) 分，剩余可用 \(available) 分。",
                       "Redeemed #\(seq): \(household) took \(qty) of \(redemption.name) for \(redemption.points) points; \(available) left.")
        guard receipt != nil else { return print(said) }
        // The slip on standard output: the sentence goes to the terminal's error stream, out of the printer's way.
        if file == nil { Output.error(said + "\n") } else { print(said) }
        do {
            try slip.write(try ledger.receipt(for: [seq]), to: file, language: options.language)
        } catch {
            throw CLIError(zh: "兑换 #\(seq) 已经记账，但小票没能写出（\(error)）；请用 `jifen shop receipt \(seq)` 重新打印。",
                           en: "Redemption #\(seq) is recorded, but its receipt could not be written (\(error)); print it with `jifen shop receipt \(seq)`.")
        }
    }
}

/// How a receipt is printed: the paper, ESC/POS or text, replacing a file.
struct ReceiptOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The receipt printer's paper: 58 (mm, 32 columns; default) or 80 (48 columns).", valueName: "mm"))
    var paper: Int = 58
    @Flag(help: "Write ESC/POS bytes for a thermal printer (Chinese in GB18030, cut at the end) instead of text.")
    var escpos = false
    @Flag(help: "Replace the receipt file if it exists.") var force = false

    var size: Receipt.Paper { Receipt.Paper(rawValue: paper) ?? .mm58 }

    /// Refuses a paper that is not made, and printer bytes meant for a terminal's screen.
    func check(json: Bool, to file: String?) throws {
        guard Receipt.Paper(rawValue: paper) != nil else {
            throw usage(zh: "--paper 只能是 58 或 80（毫米）。", en: "--paper must be 58 or 80 (mm).")
        }
        if escpos && !json && (file == "-" || file == nil) && Console.current.outputIsTerminal {
            throw usage(zh: "ESC/POS 是给打印机的字节，不能显示在屏幕上：请用 --out 文件名，或接到打印机（| lp -o raw）。",
                        en: "ESC/POS is bytes for a printer, not a screen: give --out FILE, or send it to the printer (| lp -o raw).")
        }
    }

    /// Writes the receipt as text or ESC/POS to `file`, or to standard output.
    func write(_ receipt: Receipt, to file: OutputFile?, language: Language) throws {
        let words: StatementLanguage = language == .en ? .en : .zh
        let bytes: [UInt8]
        if escpos {
            guard let encoded = receipt.escpos(language: words, paper: size) else {
                throw CLIError(zh: "无法把小票转成 GB18030 编码。", en: "The receipt could not be put into GB18030.")
            }
            bytes = encoded
        } else {
            bytes = Array(receipt.text(language: words, paper: size).utf8)
        }
        if let file { try file.write(bytes: bytes) } else { Output.bytes(bytes) }
    }
}

struct ShopReceipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Print the receipt of redemptions again (补打小票).",
        discussion: """
            One receipt for one household's redemptions, given by their entry numbers (printed when they were \
            recorded, and in `jifen history`). The points left are those right after the last of them, as the first \
            receipt said. The check code is the first eight hex digits of the last entry's hash (`jifen log`).
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The redemptions' entry numbers.") var entries: [Int64]
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var out: String?
    @OptionGroup var slip: ReceiptOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    func validate() throws {
        guard !entries.isEmpty else { throw usage(zh: "请给出兑换的记账号，例如 jifen shop receipt 1234。", en: "Give the redemption's entry number, e.g. jifen shop receipt 1234.") }
        if slip.force && out == nil { throw usage(zh: "--force 用于替换 --out 文件：请同时给出 --out 文件名。", en: "--force replaces the --out file: give --out FILE too.") }
        if json && (slip.escpos || slip.paper != Receipt.Paper.mm58.rawValue) {
            throw usage(zh: "--json 给出小票的数字，不排版：请去掉 --escpos 和 --paper，或去掉 --json。",
                        en: "--json gives the receipt's figures, not a layout: leave out --escpos and --paper, or --json.")
        }
        try slip.check(json: json, to: out)
    }

    func run() throws {
        let file = try out.map { try OutputFile($0, force: slip.force, ledger: options.path) }
        let ledger = try options.openForReading()
        let receipt = try ledger.receipt(for: entries)
        if json {
            guard let file else { return try printJSON(receipt) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            return try file.write(bytes: Array(try encoder.encode(receipt)) + [0x0A])
        }
        try slip.write(receipt, to: file, language: options.language)
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
