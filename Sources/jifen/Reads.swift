import ArgumentParser
import Foundation
import Jifen
import JifenCore

/// A household's balance as `balance --json` prints it. Deducted and redeemed are positive numbers.
struct BalanceRow: Encodable {
    let household: String, head: String, unit: String, status: String
    let earned: Int, deducted: Int, redeemed: Int, available: Int
    let asOf: String?

    init(_ account: HouseholdAccount, asOf: LocalDate?) {
        household = account.code.rawValue
        head = account.head
        unit = account.unit.rawValue
        status = account.status.rawValue
        earned = account.earned
        deducted = account.deducted
        redeemed = account.redeemed
        available = account.available
        self.asOf = asOf?.description
    }
}

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

    func run() throws {
        let ledger = try options.openForReading()
        let accounts: [HouseholdAccount] = try ledger.read { session in
            if let household {
                let code = HouseholdCode(rawValue: household)
                guard try session.household(code) != nil else {
                    throw Rejection.householdUnknown(code, suggestion: Nearest.code(to: household, among: try session.codes(of: .household)))
                }
                if let asOf {
                    return try session.households(asOf: asOf, only: code)
                }
                return [try session.household(code)!]
            }
            return try asOf.map { try session.households(asOf: $0) } ?? session.households()
        }
        let rows = accounts.map { BalanceRow($0, asOf: asOf) }
        if json {
            if household != nil {
                guard let row = rows.first else {
                    throw CLIError("Household \(household!) was not yet registered on \(asOf!); choose a later --as-of.")
                }
                return try printJSON(row)
            }
            return try printJSON(rows)
        }
        let l = options.language
        if let household, rows.isEmpty {
            throw CLIError("Household \(household) was not yet registered on \(asOf!); choose a later --as-of.")
        }
        var table = TextTable(headers: [say(l, "户号", "Household"), say(l, "户主", "Head"), say(l, "联户", "Unit"),
                                        say(l, "加分", "Earned"), say(l, "扣分", "Deducted"), say(l, "已兑换", "Redeemed"),
                                        say(l, "可用", "Available")], numeric: [3, 4, 5, 6])
        for row in rows {
            let head = row.status == "closed" ? row.head + say(l, "（已销户）", " (closed)") : row.head
            table.add([row.household, head, row.unit, "\(row.earned)", "\(row.deducted)", "\(row.redeemed)", "\(row.available)"])
        }
        if rows.count > 1 {
            table.add([say(l, "合计", "Total"), say(l, "\(rows.count) 户", "\(rows.count) households"), "",
                       "\(rows.reduce(0) { $0 + $1.earned })", "\(rows.reduce(0) { $0 + $1.deducted })",
                       "\(rows.reduce(0) { $0 + $1.redeemed })", "\(rows.reduce(0) { $0 + $1.available })"])
        }
        if let asOf { print(say(l, "截至 \(asOf)", "As of \(asOf)")) }
        print(table.render(), terminator: "")
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything recorded for one household (积分明细), oldest first, with the running balance.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var household: String
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Line: Encodable {
        let seq: Int64, id: String, date: String, recordedAt: String, actor: String, type: String
        let rule: String?, ruleName: String?, item: String?, quantity: Int?
        let points: Int, note: String?, reverses: Int64?, reversedBy: Int64?, balance: Int
    }

    struct Report: Encodable {
        let household: String, head: String, unit: String, status: String
        let earned: Int, deducted: Int, redeemed: Int, available: Int
        let entries: [Line]
    }

    func run() throws {
        let ledger = try options.openForReading()
        let code = HouseholdCode(rawValue: household)
        let (account, events, entries) = try ledger.read { session in
            guard let account = try session.household(code) else {
                throw Rejection.householdUnknown(code, suggestion: Nearest.code(to: household, among: try session.codes(of: .household)))
            }
            let entries = Dictionary(uniqueKeysWithValues: try session.entries(of: code).map { ($0.seq, $0) })
            return (account, try session.events(household: code), entries)
        }
        let l = options.language
        var balance = 0
        var lines: [Line] = []
        for recorded in events {
            let entry = entries[recorded.seq]
            let effect = entry.map { $0.earned - $0.deducted - $0.redeemed } ?? 0
            balance += effect
            var rule: RuleSnapshot?, item: ItemCode?, quantity: Int?, note: String?
            switch recorded.event {
            case .scoreRecorded(let e): rule = e.rule; note = e.note
            case .redeemed(let e): item = e.item; quantity = e.quantity
            case .entryReversed(let e): note = e.reason
            case .householdClosed(let e): note = e.reason
            default: break
            }
            lines.append(Line(seq: recorded.seq, id: recorded.id, date: recorded.occurredOn.description, recordedAt: recorded.recordedAt,
                              actor: recorded.actor.rawValue, type: recorded.event.typeName, rule: rule?.code.rawValue,
                              ruleName: rule.map { l == .zh ? $0.zh : $0.en }, item: item?.rawValue, quantity: quantity,
                              points: effect, note: note, reverses: entry?.reverses, reversedBy: entry?.reversedBy, balance: balance))
        }
        if json {
            return try printJSON(Report(household: household, head: account.head, unit: account.unit.rawValue,
                                        status: account.status.rawValue, earned: account.earned, deducted: account.deducted,
                                        redeemed: account.redeemed, available: account.available, entries: lines))
        }
        print(say(l, "农户 \(household)  户主 \(account.head)  联户 \(account.unit)\(account.status == .closed ? "  已销户" : "")",
                  "Household \(household)  head \(account.head)  unit \(account.unit)\(account.status == .closed ? "  closed" : "")"))
        var table = TextTable(headers: [say(l, "编号", "No."), say(l, "日期", "Date"), say(l, "事项", "Entry"),
                                        say(l, "分值", "Points"), say(l, "余额", "Balance"), say(l, "备注", "Note"),
                                        say(l, "记录人", "By"), say(l, "状态", "Status")], numeric: [0, 3, 4])
        table.widthMax = 30
        for (line, recorded) in zip(lines, events) {
            let (what, note) = historyLine(of: recorded.event, l)
            let status = line.reversedBy.map { say(l, "已被 #\($0) 冲正", "reversed by #\($0)") } ?? ""
            table.add(["#\(line.seq)", line.date, what, line.points == 0 ? "" : signed(line.points), "\(line.balance)",
                       note, line.actor, status])
        }
        print(table.render(), terminator: "")
        print(say(l, "加分 \(account.earned)，扣分 \(account.deducted)，已兑换 \(account.redeemed)，可用 \(account.available)。",
                  "Earned \(account.earned), deducted \(account.deducted), redeemed \(account.redeemed), available \(account.available)."))
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The event log itself, in order (流水).")
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
        let events = try ledger.read { try $0.events(from: from, household: household.map { HouseholdCode(rawValue: $0) }, limit: limit) }
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
