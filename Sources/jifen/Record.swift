import ArgumentParser
import Foundation
import Jifen
import JifenCore

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record scores (记分): one at a time, or a month's tally sheet with `record import`.",
        subcommands: [RecordAdd.self, RecordImport.self],
        defaultSubcommand: RecordAdd.self
    )
}

struct RecordAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Record one score for a household against a rule of the scheme.",
        discussion: """
            Fixed rules give their own points; for a ranged rule (e.g. C1.2, +5..10) give the size with \
            --points. Deductions need --note saying what happened. Caps (e.g. 1/month) are checked for the \
            month, quarter or year of --date. The same score (household, rule, date, points and note) recorded again \
            within an hour is refused as a likely retry; add --again when a second one is meant, or give scripts' \
            entries a --key. `jifen record H001 A1.1 --by 王会计` is the same as `jifen record add H001 A1.1 --by 王会计`.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The household's code.") var household: String
    @Argument(help: "The rule's code, e.g. A1.2.") var rule: String
    @Option(help: ArgumentHelp("Points, for a rule with a range (the rule gives the sign).", valueName: "n")) var points: Int?
    @Option(help: ArgumentHelp("The day it happened (default today, Beijing time).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @Option(help: ArgumentHelp("What happened; required for deductions.", valueName: "text")) var note: String = ""
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("An idempotency key: the same key is never recorded twice.", valueName: "key")) var key: String?
    @Flag(help: "Record it even though the same score was recorded in the last hour: a second one is really meant.")
    var again = false

    func validate() throws {
        if let key, key.isEmpty { throw usage(zh: "--key 不能是空的。", en: "--key must not be empty.") }
    }

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.recordScore(HouseholdCode(typed: household), RuleCode(typed: rule), points: points, note: note, source: nil),
                                         by: try actor.name(), on: date, key: key, again: again)
        let event = written.events[0]
        if written.alreadyRecorded {
            print(say(options.language, "键 \(key ?? "") 已记过（#\(event.seq)），未重复记账。",
                      "Key \(key ?? "") was already recorded as #\(event.seq); nothing new was written."))
            return
        }
        guard let score = event.event.score else { return }
        let l = options.language
        print(say(l, "已记分 #\(event.seq)：\(household) \(score.rule.code) \(score.rule.zh) \(signed(score.points)) 分（\(event.occurredOn)）",
                  "Recorded #\(event.seq): \(household) \(score.rule.code) \(score.rule.en) \(signed(score.points)) points (\(event.occurredOn))")
              + (try stateNote(ledger, seq: event.seq, language: l)))
    }
}

struct RecordImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a tally sheet (积分登记表), .xlsx or CSV: columns date, household, rule, points, note.",
        discussion: """
            Chinese headers work too (日期, 户号, 规则, 分值, 备注). An .xlsx workbook (Excel, WPS): its first sheet, \
            dates stored as Excel dates or written as text; a CSV file: UTF-8 with or without BOM, or GB18030 as Excel \
            and WPS save it. All or nothing: when any row is refused, every bad row is listed with its line number \
            (the row number Excel shows) and nothing is written (the first 100 are listed). A sheet is imported once, \
            even saved again in another encoding or format or with its rows in another order. A file that is not a \
            readable workbook is refused with exit 2.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The .xlsx or CSV file.") var file: String
    @OptionGroup var actor: ActorOption

    func run() throws {
        let input = try readSheet(file)
        let ledger = try options.open()
        let progress = Progress(label: say(options.language, "导入", "importing"))
        let sheet = try ledger.importTallySheet(input, fileName: file, by: try actor.name(),
                                                progress: progress.update)
        progress.finish()
        print(say(options.language,
                  "已导入 \(file)：\(sheet.scores) 条记分（加 \(sheet.awarded) 分，扣 \(sheet.deducted) 分），事件 #\(sheet.firstSeq)–#\(sheet.lastSeq)。",
                  "Imported \(file): \(sheet.scores) scores (+\(sheet.awarded) awarded, -\(sheet.deducted) deducted), events #\(sheet.firstSeq)–#\(sheet.lastSeq)."))
    }
}

struct Reverse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverse",
        abstract: "Correct a mistake (冲正): reverse a score, a redemption or a stock receipt.",
        discussion: """
            The reversed entry stays in the log as it was; a new entry names it and undoes its effect (a \
            reversed redemption gives back the points and the goods). An entry is reversed at most once.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The entry: its number (as `jifen log` and `jifen history` show it, e.g. 42 or #42) or its id.")
    var event: String
    @Option(help: ArgumentHelp("Why it is reversed.", valueName: "text")) var reason: String
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day of the correction (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.reverse(EventRef(event), reason: reason), by: try actor.name(), on: date)
        if case .reversalRequested(let request) = written.events[0].event {
            print(say(options.language,
                      "已申请冲正 #\(request.target)（申请 #\(written.events[0].seq)）；须由另一位审核员批准：jifen approve \(written.events[0].seq)",
                      "Asked to reverse #\(request.target) (request #\(written.events[0].seq)); a second person, a reviewer, approves it: jifen approve \(written.events[0].seq)"))
            return
        }
        guard case .entryReversed(let reversal) = written.events[0].event else { return }
        print(say(options.language, "已冲正 #\(reversal.target)，冲正记录 #\(written.events[0].seq)。",
                  "Reversed #\(reversal.target) with entry #\(written.events[0].seq)."))
        try warnIfOverdrawn(ledger, target: reversal.target, language: options.language)
    }
}

/// Taking back an award that was already spent leaves the household owing points: say so.
func warnIfOverdrawn(_ ledger: Ledger, target: Int64, language: Language) throws {
    let target = try ledger.entry(target)
    if let code = target?.household, let account = try ledger.household(code), account.available < 0 {
        print(say(language,
                  "注意：\(code) 的可用积分现为 \(account.available)，补足前不能再兑换。",
                  "Note: \(code) now has \(account.available) points available; it cannot redeem until that is made up."))
    }
}

/// Where a score just written stands, as a clause to add to its confirmation: "" for a final score.
func stateNote(_ ledger: Ledger, seq: Int64, language l: Language) throws -> String {
    guard let review = try ledger.review(seq) else { return "" }
    switch review.state {
    case .proposed:
        return say(l, "，待审核：须由审核员批准（jifen approve \(seq)）后才计入。",
                   "; proposed: it counts once a reviewer approves it (jifen approve \(seq)).")
    case .pending:
        return say(l, "，待公示：公示期满无异议后生效。", "; pending: it becomes final when its period's public notice closes.")
    case .posted, .objected:
        return say(l, "，公示中。", "; on the public notice.")
    }
}
