import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Points of one household or of all (积分余额): earned, deducted, redeemed, available.",
        discussion: "With --as-of, entries dated after that day are left out: the balances as they stood then."
    )
    @OptionGroup var options: LedgerOptions
    @Argument(help: "A household's code; all households when left out.") var household: String?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Balances at the end of this day.", valueName: "YYYY-MM-DD"))
    var asOf: LocalDate?
    @Flag(help: "Print JSON for scripts.") var json = false
    @Option(help: ArgumentHelp("text (default), or xlsx: a workbook whose cells are the --json output's (needs --out).", valueName: "format"))
    var format: String = "text"
    @Option(help: ArgumentHelp("The .xlsx file to write (with --format xlsx).", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false

    func validate() throws {
        guard ["text", "xlsx"].contains(format) else { throw usage(zh: "--format 只能是 text 或 xlsx。", en: "--format must be text or xlsx.") }
        try checkWorkbookOptions(format: format, out: out, json: json)
    }

    func run() throws {
        let file = try workbookFile(format: format, out: out, force: force, options: options)
        let ledger = try options.openForReading()
        let accounts = try ledger.balances(of: household.map { HouseholdCode(typed: $0) }, asOf: asOf)
        let rows = accounts.map { BalanceView($0, asOf: asOf) }
        if let file {
            return try writeWorkbook(rows, to: file, name: say(options.language, "积分余额", "Balances"),
                                     first: ["household", "head", "unit", "status", "earned", "deducted", "redeemed", "expired", "moved",
                                             "available", "pending", "proposed", "asOf"], dates: ["asOf"])
        }
        if json {
            if household != nil {
                guard let row = rows.first else {
                    throw CLIError(zh: "农户 \(household!) 在 \(asOf!) 还没有登记；请把 --as-of 选晚一些。", en: "Household \(household!) was not yet registered on \(asOf!); choose a later --as-of.")
                }
                return try printJSON(row)
            }
            return try printJSON(rows)
        }
        let l = options.language
        if let household, rows.isEmpty {
            throw CLIError(zh: "农户 \(household) 在 \(asOf!) 还没有登记；请把 --as-of 选晚一些。", en: "Household \(household) was not yet registered on \(asOf!); choose a later --as-of.")
        }
        // Points not yet final, cleared or moved get columns of their own once there are any.
        let open = rows.contains { $0.pending != 0 || $0.proposed != 0 }
        let cleared = rows.contains { $0.expired != 0 || $0.moved != 0 }
        var headers = [say(l, "户号", "Household"), say(l, "户主", "Head"), say(l, "联户", "Unit"), say(l, "加分", "Earned"),
                       say(l, "扣分", "Deducted"), say(l, "已兑换", "Redeemed")]
        if cleared { headers += [say(l, "清零", "Expired"), say(l, "转出", "Moved out")] }
        headers.append(say(l, "可用", "Available"))
        if open { headers += [say(l, "待生效", "Pending"), say(l, "待审核", "Proposed")] }
        var table = TextTable(headers: headers, numeric: Set(3..<headers.count))
        func figures(_ r: [Int]) -> [String] {
            // earned, deducted, redeemed, expired, moved, available, pending, proposed
            ["\(r[0])", "\(r[1])", "\(r[2])"] + (cleared ? ["\(r[3])", "\(r[4])"] : []) + ["\(r[5])"]
                + (open ? [signed(r[6]), signed(r[7])] : [])
        }
        func numbers(_ row: BalanceView) -> [Int] {
            [row.earned, row.deducted, row.redeemed, row.expired, row.moved, row.available, row.pending, row.proposed]
        }
        for row in rows {
            let head = row.status == "closed" ? row.head + say(l, "（已销户）", " (closed)") : row.head
            table.add([row.household, head, row.unit] + figures(numbers(row)))
        }
        if rows.count > 1 {
            let totals = rows.map(numbers).reduce([Int](repeating: 0, count: 8)) { zip($0, $1).map { $0 + $1 } }
            table.add([say(l, "合计", "Total"), say(l, "\(rows.count) 户", "\(rows.count) households"), ""] + figures(totals))
        }
        if let asOf { print(say(l, "截至 \(asOf)", "As of \(asOf)")) }
        print(table.render(), terminator: "")
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Everything recorded for one household (积分明细), oldest first, with the running balance.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var household: String
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() throws {
        let ledger = try options.openForReading()
        let code = HouseholdCode(typed: household)
        let history = try ledger.history(of: code)
        let (account, events, reviews) = (history.account, history.events, history.reviews)
        let l = options.language
        let view = HistoryView(history, english: l != .zh)
        if json { return try printJSON(view) }
        let lines = view.entries
        print(say(l, "农户 \(household)  户主 \(account.head)  联户 \(account.unit)\(account.status == .closed ? "  已销户" : "")",
                  "Household \(household)  head \(account.head)  unit \(account.unit)\(account.status == .closed ? "  closed" : "")"))
        var table = TextTable(headers: [say(l, "编号", "No."), say(l, "日期", "Date"), say(l, "事项", "Entry"),
                                        say(l, "分值", "Points"), say(l, "余额", "Balance"), say(l, "备注", "Note"),
                                        say(l, "记录人", "By"), say(l, "状态", "Status")], numeric: [0, 3, 4])
        table.widthMax = 30
        for (line, recorded) in zip(lines, events) {
            let (what, note) = historyLine(of: recorded.event, l)
            let status = line.reversedBy.map { say(l, "已被 #\($0) 冲正", "reversed by #\($0)") }
                ?? reviews[line.seq].map { say(l, $0.state.zh, $0.state.rawValue) } ?? ""
            table.add(["#\(line.seq)", line.date, what, line.points == 0 ? "" : signed(line.points), "\(line.balance)",
                       note, line.actor, status])
        }
        print(table.render(), terminator: "")
        let open = account.pending == 0 && account.proposed == 0 ? ""
            : say(l, "（另有待生效 \(signed(account.pending)) 分、待审核 \(signed(account.proposed)) 分，暂不可用）",
                  " (and \(signed(account.pending)) pending, \(signed(account.proposed)) proposed, not yet available)")
        print(say(l, "加分 \(account.earned)，扣分 \(account.deducted)，已兑换 \(account.redeemed)，可用 \(account.available)\(open)。",
                  "Earned \(account.earned), deducted \(account.deducted), redeemed \(account.redeemed), available \(account.available)\(open)."))
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "The event log itself, in order (流水).")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Start at this event number.", valueName: "seq")) var from: Int64 = 1
    @Option(help: ArgumentHelp("Only events about this household.", valueName: "code")) var household: String?
    @Option(help: ArgumentHelp("At most this many events.", valueName: "n")) var limit: Int?
    @Flag(help: "Print JSON for scripts (one object per event, with its payload).") var json = false

    struct Line: Encodable {
        let seq: Int64, id: String, stream: String, streamVersion: Int64, type: String
        let occurredOn: String, recordedAt: String, actor: String, schemeVersion: Int, key: String?
        let summary: String
    }

    func run() throws {
        let ledger = try options.openForReading()
        let events = try ledger.logPage(from: from, household: household.map { HouseholdCode(typed: $0) }, limit: limit)
        let l = options.language
        if json {
            return try printJSON(events.map {
                Line(seq: $0.seq, id: $0.id, stream: $0.stream, streamVersion: $0.streamVersion, type: $0.event.typeName,
                     occurredOn: $0.occurredOn.description, recordedAt: $0.recordedAt, actor: $0.actor.rawValue,
                     schemeVersion: $0.schemeVersion, key: $0.key, summary: summary(of: $0.event, l))
            })
        }
        var table = TextTable(headers: [say(l, "编号", "No."), say(l, "日期", "Date"), say(l, "类型", "Type"),
                                        say(l, "记录人", "By"), say(l, "摘要", "Summary")], numeric: [0])
        table.widthMax = 60
        for event in events {
            table.add(["#\(event.seq)", event.occurredOn.description, event.event.typeName, event.actor.rawValue, summary(of: event.event, l)])
        }
        print(table.render(), terminator: "")
    }
}
