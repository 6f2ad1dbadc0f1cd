import ArgumentParser
import Foundation
import Jifen
import JifenCore
import JifenStatements

// People and roles, review, the public notice and objections: the commands of a village's points committee.

struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor",
        abstract: "People and their roles (人员与权限): who may record, review, keep the shop or audit.",
        discussion: """
            Roles: admin (管理员) registers people, units and households; clerk (记分员) records scores and asks \
            for corrections; unit-leader (联户长) proposes scores for their own unit's households; reviewer \
            (审核员) approves, posts the public notice and settles objections; shopkeeper (超市管理员) keeps the \
            points shop; auditor (审计员) only reads. One person may hold several roles (--role clerk,shopkeeper), \
            but never approves what they asked for themselves.
            """,
        subcommands: [ActorAdd.self, ActorRetire.self, ActorList.self, ActorPassword.self]
    )
}

struct ActorAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Register a person with their roles.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The person's name, as they sign (e.g. 王会计).") var name: String
    @Option(help: ArgumentHelp("admin, clerk, unit-leader, reviewer, shopkeeper or auditor; several with commas.", valueName: "role"))
    var role: String
    @Option(help: ArgumentHelp("A unit leader's joint unit.", valueName: "code")) var unit: String?
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        var roles: [Role] = []
        for word in role.split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " }) {
            guard let parsed = Role(word: String(word)) else {
                throw CLIError(zh: "「\(word)」不是角色；请用 admin（管理员）、clerk（记分员）、unit-leader（联户长）、reviewer（审核员）、shopkeeper（超市管理员）或 auditor（审计员）。", en: "'\(word)' is not a role; use admin, clerk, unit-leader, reviewer, shopkeeper or auditor.")
            }
            roles.append(parsed)
        }
        let ledger = try options.open()
        let written = try ledger.execute(.registerActor(ActorName(typed: name), roles: roles, unit: unit.map { UnitCode(typed: $0) }),
                                         by: try actor.name(), on: date)
        guard case .actorRegistered(let e) = written.events[0].event else { return }
        let l = options.language
        print(say(l, "已登记 \(e.actor)：\(e.roles.map(\.zh).joined(separator: "、"))\(e.unit.map { "（联户 \($0)）" } ?? "")。",
                  "Registered \(e.actor): \(e.roles.map(\.rawValue).joined(separator: ", "))\(e.unit.map { " (unit \($0))" } ?? "")."))
    }
}

struct ActorRetire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: "Retire a person: their entries stay, they can make no more.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The person's name.") var name: String
    @Option(help: ArgumentHelp("Why (换届, 调离).", valueName: "text")) var reason: String = "换届"
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        try ledger.execute(.retireActor(ActorName(typed: name), reason: reason), by: try actor.name(), on: date)
        print(say(options.language, "\(name) 已停用；其记录保留。", "\(name) is retired; their entries stay."))
    }
}

struct ActorList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Everyone registered, with their roles.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Row: Encodable {
        let name: String, roles: [String], unit: String?, status: String, registeredOn: String, retiredOn: String?
        /// Since when the person has a password (absent: none). The password itself is never shown.
        let passwordSince: String?
    }

    func run() throws {
        let ledger = try options.openForReading()
        let actors = try ledger.actors()
        let rows = actors.map { Row(name: $0.name.rawValue, roles: $0.roles.map(\.rawValue), unit: $0.unit?.rawValue,
                                    status: $0.status.rawValue, registeredOn: $0.registeredOn.description,
                                    retiredOn: $0.retiredOn?.description, passwordSince: $0.passwordSince?.description) }
        if json { return try printJSON(rows) }
        let l = options.language
        if actors.isEmpty {
            print(say(l, "尚未登记人员：这本账建于启用权限之前，任何署名都可记账。用 jifen actor add NAME --role admin 登记第一位管理员。",
                      "No one is registered: this ledger predates roles, so any name may write. Register the first administrator with jifen actor add NAME --role admin."))
            return
        }
        // The column of passwords appears once the ledger has any.
        let passwords = actors.contains { $0.passwordSince != nil }
        var table = TextTable(headers: [say(l, "姓名", "Name"), say(l, "角色", "Roles"), say(l, "联户", "Unit"),
                                        say(l, "状态", "Status"), say(l, "登记日期", "Since")]
                                       + (passwords ? [say(l, "密码设于", "Password set")] : []), numeric: [])
        for a in actors {
            table.add([a.name.rawValue, a.roles.map { l == .zh ? $0.zh : $0.rawValue }.joined(separator: l == .zh ? "、" : ", "),
                       a.unit?.rawValue ?? "", a.status == .active ? say(l, "在岗", "active") : say(l, "已停用 \(a.retiredOn!)", "retired \(a.retiredOn!)"),
                       a.registeredOn.description]
                      + (passwords ? [a.passwordSince?.description ?? say(l, "未设", "none")] : []))
        }
        print(table.render(), terminator: "")
    }
}

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a proposed score or a requested reversal (审核通过): a second person, a reviewer.",
        discussion: """
            A unit leader's proposals, deductions of \(Governance.secondApprovalDeduction) points or more, and every \
            reversal take effect only when a reviewer other than the one who asked approves them. See what waits \
            with `jifen review`.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The proposed score or the reversal request: its number (e.g. 42) or id.") var event: String
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.approve(EventRef(event)), by: try actor.name(), on: date)
        let l = options.language
        // An approval writes one of two events: the proposal approved, or the reversal carried out.
        let first = written.events[0]
        if case .scoreApproved(let e) = first.event {
            print(say(l, "已通过 #\(e.target)，待公示。", "Approved #\(e.target); it waits for the public notice."))
        } else if case .entryReversed(let e) = first.event {
            print(say(l, "已批准冲正 #\(e.target)（冲正记录 #\(first.seq)）。",
                      "Approved: #\(e.target) reversed by entry #\(first.seq)."))
            try warnIfOverdrawn(ledger, target: e.target, language: l)
        }
    }
}

struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a proposed score or a requested reversal (审核驳回), saying why.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The proposed score or the reversal request: its number or id.") var event: String
    @Option(help: ArgumentHelp("Why it is rejected.", valueName: "text")) var reason: String
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.reject(EventRef(event), reason: reason), by: try actor.name(), on: date)
        let l = options.language
        // A rejection writes one of two events: the proposal rejected, or the reversal declined.
        if case .scoreRejected(let e) = written.events[0].event {
            print(say(l, "已驳回 #\(e.target)，不计分。", "Rejected #\(e.target); it gives no points."))
        } else if case .reversalDeclined(let e) = written.events[0].event {
            print(say(l, "不予冲正 #\(e.target)。", "The reversal of #\(e.target) is declined."))
        }
    }
}

/// What waits for a reviewer: proposals, reversal requests and objections.
struct ReviewList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "What waits for a reviewer (待审核): proposed scores, reversal requests, objections.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() throws {
        let ledger = try options.openForReading()
        let queue = try ledger.reviewQueue()
        let rows = queue.items
        if json { return try printJSON(rows) }
        let l = options.language
        if rows.isEmpty { return print(say(l, "没有待审核的事项。", "Nothing waits for review.")) }
        var table = TextTable(headers: [say(l, "编号", "No."), say(l, "事项", "What"), say(l, "日期", "Date"), say(l, "户号", "Household"),
                                        say(l, "规则", "Rule"), say(l, "分值", "Points"), say(l, "提出人", "By"), say(l, "说明", "Reason")],
                              numeric: [0, 5])
        for row in rows {
            let kind = switch row.kind {
            case .proposed: say(l, "提议记分", "proposed score")
            case .objected: say(l, "异议", "objection")
            case .reversal: say(l, "申请冲正", "reversal request")
            }
            table.add(["#\(row.seq)", kind, row.date, row.household ?? "", row.rule ?? "", row.points.map(signed) ?? "", row.by, row.reason ?? ""])
        }
        print(table.render(), terminator: "")
        print(say(l, "提议和冲正用 jifen approve / jifen reject 处理；异议用 jifen resolve。",
                  "Decide proposals and reversals with jifen approve / jifen reject; objections with jifen resolve."))
    }
}

/// A period as typed: 2025-03 or 2025-Q1.
extension NoticePeriod: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

struct NoticeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notice",
        abstract: "The public notice (公示): a period's scores are posted, objections heard, then they become final.",
        discussion: """
            A score recorded by a clerk (or approved by a reviewer) is pending (待公示) until its period is posted. \
            `notice open --period 2025-03` posts every pending score of March (公示中); while it is open anyone \
            registered may `jifen object` to a score, and a reviewer settles each objection with `jifen resolve`. \
            After the scheme's notice days (7 by default) `notice close` makes the rest final (生效): only final \
            points can be spent at the shop. Proposals must be reviewed before their period is posted, and nothing \
            more can be dated in a posted period.
            """,
        subcommands: [NoticeOpen.self, NoticeClose.self, NoticeList.self, NoticeSheetCommand.self]
    )
}

struct NoticeOpen: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Post a period's pending scores (开始公示).")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The month or quarter: 2025-03 or 2025-Q1.", valueName: "period")) var period: NoticePeriod
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day it was posted (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.openNotice(period), by: try actor.name(), on: date)
        guard case .noticeOpened(let e) = written.events[0].event else { return }
        print(say(options.language,
                  "已公示 \(e.period)：\(e.scores) 条记分（加 \(e.awarded) 分，扣 \(e.deducted) 分）；异议截止后、\(e.closesOn) 起可结束公示。",
                  "Posted \(e.period): \(e.scores) scores (+\(e.awarded), -\(e.deducted)); objections until it closes, from \(e.closesOn)."))
    }
}

struct NoticeClose: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close a period's notice: its scores become final (公示结束).")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The month or quarter: 2025-03 or 2025-Q1.", valueName: "period")) var period: NoticePeriod
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day it was closed (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.closeNotice(period), by: try actor.name(), on: date)
        guard case .noticeClosed(let e) = written.events[0].event else { return }
        print(say(options.language, "公示 \(e.period) 结束：\(e.scores) 条记分生效（加 \(e.awarded) 分，扣 \(e.deducted) 分），可用于兑换。",
                  "Closed the notice of \(e.period): \(e.scores) scores are final (+\(e.awarded), -\(e.deducted)) and can be spent."))
    }
}

struct NoticeSheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "The notice sheet (公示榜) for the notice board: every score of the period by joint unit and household.",
        discussion: """
            Shows the day objections close. --mask prints names as 张*三, as the personal-information law asks of a \
            posted list. The black list (黑榜) is printed only with --mask, or by name with --black-list-names.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The month or quarter: 2025-03 or 2025-Q1.", valueName: "period")) var period: NoticePeriod
    @Flag(help: "Names as 张*三.") var mask = false
    @Flag(name: .customLong("black-list-names"), help: "Print the black list with full names (only when you mean to).") var blackListNames = false
    @Option(help: ArgumentHelp("text (default), pdf, or xlsx: a score a row, its unit and household beside it (pdf and xlsx need --out).", valueName: "format"))
    var format: String = "text"
    @Option(help: ArgumentHelp("Write to this file instead of the screen.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false
    @Option(help: ArgumentHelp("The printing date shown (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?
    @Flag(help: "Print the sheet's contents as JSON for scripts.") var json = false

    func validate() throws {
        guard ["text", "pdf", "xlsx"].contains(format) else { throw usage(zh: "--format 只能是 text、pdf 或 xlsx。", en: "--format must be text, pdf or xlsx.") }
        if format == "pdf" && out == nil { throw usage(zh: "PDF 要写进文件：请加上 --out 文件名.pdf。", en: "A PDF goes to a file: give --out FILE.pdf.") }
        if format == "xlsx" { try checkWorkbookOptions(format: format, out: out, json: json) }
    }

    /// A score of the sheet with its unit and household: a row of the .xlsx.
    struct Row: Encodable {
        let unit: String, unitName: String, leader: String?, household: String, head: String
        let seq: Int64, date: String, rule: String, zh: String, en: String, points: Int, note: String, state: String
    }

    /// The sheet's scores a row each, names masked as the text's are with --mask.
    static func rows(_ sheet: NoticeSheet, masking: NameMasking) -> [Row] {
        sheet.units.flatMap { unit in
            unit.households.flatMap { household in
                household.scores.map { score in
                    Row(unit: unit.code.rawValue, unitName: unit.name, leader: unit.leader.map(masking.apply), household: household.code.rawValue,
                        head: masking.apply(household.head), seq: score.seq, date: score.date.description, rule: score.rule, zh: score.zh,
                        en: score.en, points: score.points, note: score.note, state: score.state)
                }
            }
        }
    }

    func run() throws {
        let file = json ? nil : try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let ledger = try options.openForReading()
        let sheet = try ledger.noticeSheet(period: period, printedOn: date ?? ledger.today())
        if json { return try printJSON(sheet) }
        if format == "xlsx", let file {
            return try writeWorkbook(Self.rows(sheet, masking: mask ? .masked : .full), to: file,
                                     name: say(options.language, "积分公示 \(period)", "Notice \(period)"),
                                     first: ["unit", "unitName", "leader", "household", "head", "seq", "date", "rule", "zh", "en", "points", "note", "state"],
                                     dates: ["date"])
        }
        let text = TextNoticeSheet(sheet, language: options.language == .zh ? .zh : .en, masking: mask ? .masked : .full,
                                   blacklistNames: blackListNames).render()
        try deliver(text, format: format, to: file, title: say(options.language, "积分公示 \(period)", "Points notice \(period)"),
                    language: options.language)
    }
}

struct NoticeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every notice, open and closed.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() throws {
        let ledger = try options.openForReading()
        let rows = try ledger.notices().map(NoticeView.init)
        if json { return try printJSON(rows) }
        let l = options.language
        if rows.isEmpty { return print(say(l, "尚无公示。", "No notices yet.")) }
        var table = TextTable(headers: [say(l, "期间", "Period"), say(l, "公示日", "Posted"), say(l, "最早结束", "May close"),
                                        say(l, "状态", "Status"), say(l, "公示中", "On notice"), say(l, "异议", "Objections")], numeric: [4, 5])
        for r in rows {
            table.add([r.period, r.openedOn, r.closesOn, r.closedOn.map { say(l, "已结束 \($0)", "closed \($0)") } ?? say(l, "公示中", "open"),
                       "\(r.posted)", "\(r.objected)"])
        }
        print(table.render(), terminator: "")
    }
}

struct Object: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "object",
        abstract: "Object to a posted score (提出异议) during its public notice.",
        discussion: "Anyone registered may object (auditors only read). A reviewer settles it with `jifen resolve`.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The posted score: its number or id.") var event: String
    @Option(help: ArgumentHelp("What is wrong with it.", valueName: "text")) var reason: String
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.object(EventRef(event), reason: reason), by: try actor.name(), on: date)
        guard case .objectionRaised(let e) = written.events[0].event else { return }
        print(say(options.language, "已登记对 #\(e.target) 的异议（#\(written.events[0].seq)），待审核员处理。",
                  "Objection to #\(e.target) recorded as #\(written.events[0].seq); a reviewer settles it."))
    }
}

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Settle an objection (异议处理): uphold it, dismiss it, or amend the score's points.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The objected score: its number or id.") var event: String
    @Flag(help: "The objection is right: the score is taken out.") var uphold = false
    @Flag(help: "The score stands as it is.") var dismiss = false
    @Option(help: ArgumentHelp("The score stands with these points (within its rule's range).", valueName: "points")) var amend: Int?
    @Option(help: ArgumentHelp("What the reviewer found.", valueName: "text")) var reason: String = ""
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func validate() throws {
        let chosen = [uphold, dismiss, amend != nil].filter { $0 }.count
        guard chosen == 1 else { throw usage(zh: "--uphold、--dismiss、--amend 分值 三者请给且只给一个。", en: "Give exactly one of --uphold, --dismiss or --amend POINTS.") }
    }

    func run() throws {
        let resolution: Resolution = uphold ? .uphold : dismiss ? .dismiss : .amend(points: amend!)
        let ledger = try options.open()
        let written = try ledger.execute(.resolveObjection(EventRef(event), resolution, reason: reason), by: try actor.name(), on: date)
        let l = options.language
        // The resolution writes what was resolved: upheld, dismissed, or amended (the new score follows).
        switch resolution {
        case .uphold:
            guard case .objectionUpheld(let e) = written.events[0].event else { return }
            print(say(l, "异议成立：#\(e.target) 已撤销。", "Objection upheld: #\(e.target) is taken out."))
        case .dismiss:
            guard case .objectionDismissed(let e) = written.events[0].event else { return }
            print(say(l, "异议不成立：#\(e.target) 维持原分。", "Objection dismissed: #\(e.target) stands."))
        case .amend:
            guard case .scoreAmended(let e) = written.events[0].event, written.events.count > 1 else { return }
            print(say(l, "已改分：#\(e.target) 改为 \(signed(e.points)) 分，新记录 #\(written.events[1].seq)（公示中）。",
                      "Amended: #\(e.target) now gives \(signed(e.points)) points as #\(written.events[1].seq) (on the notice)."))
        }
    }
}

struct Standings: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standings",
        abstract: "Joint-unit standings (优秀联户评比): units ranked by average final points per household.",
        discussion: "Counts the final points of the scores dated in the period (not yet final ones are left out), per open household.")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("A month, quarter or year: 2025-03, 2025-Q1, 2025.", valueName: "period")) var period: String
    @Flag(help: "Print JSON for scripts.") var json = false
    @Option(help: ArgumentHelp("text (default), or xlsx: a workbook whose cells are the --json output's (needs --out).", valueName: "format"))
    var format: String = "text"
    @Option(help: ArgumentHelp("The .xlsx file to write (with --format xlsx).", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false

    func validate() throws {
        guard ["text", "xlsx"].contains(format) else { throw usage(zh: "--format 只能是 text 或 xlsx。", en: "--format must be text or xlsx.") }
        try checkWorkbookOptions(format: format, out: out, json: json)
    }

    struct Row: Encodable {
        let rank: Int, unit: String, name: String, leader: String?, leaderHead: String?, households: Int, points: Int
        /// Average final points per household, to one decimal.
        let average: Double
    }

    func run() throws {
        guard let dates = ReportPeriod(period)?.dates else {
            throw CLIError(zh: "「\(period)」不是期间；请写月份（2025-03）、季度（2025-Q1）或年份（2025）。", en: "'\(period)' is not a period; give a month (2025-03), a quarter (2025-Q1) or a year (2025).")
        }
        let file = try workbookFile(format: format, out: out, force: force, options: options)
        let ledger = try options.openForReading()
        let rows = Self.rows(try ledger.standings(in: dates))
        if json { return try printJSON(rows) }
        if let file {
            return try writeWorkbook(rows, to: file, name: say(options.language, "联户评比 \(period)", "Standings \(period)"),
                                     first: ["rank", "unit", "name", "leader", "leaderHead", "households", "points", "average"])
        }
        Self.printTable(rows, period: period, options.language)
    }

    /// Ranks as printed: units with equal averages share a rank.
    static func rows(_ standings: [UnitStanding]) -> [Row] {
        var rows: [Row] = []
        for (index, s) in standings.enumerated() {
            let rank = index > 0 && standings[index - 1].ties(s) ? rows[index - 1].rank : index + 1
            rows.append(Row(rank: rank, unit: s.unit.code.rawValue, name: s.unit.name, leader: s.unit.leader?.rawValue,
                            leaderHead: s.leaderHead, households: s.households, points: s.points, average: Double(s.tenths) / 10))
        }
        return rows
    }

    static func printTable(_ rows: [Row], period: String, _ l: Language) {
        print(say(l, "联户评比 \(period)（按户均生效积分）", "Joint-unit standings \(period) (average final points per household)"))
        var table = TextTable(headers: [say(l, "名次", "Rank"), say(l, "联户", "Unit"), say(l, "名称", "Name"), say(l, "联户长", "Leader"),
                                        say(l, "户数", "Households"), say(l, "积分", "Points"), say(l, "户均", "Average")],
                              numeric: [0, 4, 5, 6])
        for r in rows {
            table.add(["\(r.rank)", r.unit, r.name, [r.leader, r.leaderHead].compactMap { $0 }.joined(separator: " "), "\(r.households)",
                       "\(r.points)", String(format: "%.1f", r.average)])
        }
        print(table.render(), terminator: "")
    }
}

struct Settle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Year-end settlement (年终结算): star ratings, the red and black lists, expiry of redeemable points.",
        discussion: """
            Per the scheme in force on 31 December: each household's cumulative final points of the year give its \
            stars (星级文明户); the highest star puts it on the red list (红榜); a single deduction of the scheme's \
            size puts it on the black list (黑榜), which may not redeem for the scheme's months. When the scheme \
            clears points (year_end: clear MM-DD), each household's positive redeemable balance expires by an \
            itemised event; cumulative points are never touched and no balance is pushed below zero. Every score \
            of the year must be final first; a year is settled once.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The year, e.g. 2025.") var year: Int
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day of the settlement (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let written = try ledger.execute(.settleYear(year), by: try actor.name(), on: date)
        guard case .yearSettled(let e) = written.events[0].event else { return }
        let l = options.language
        let red = e.ratings.filter(\.red).count, black = e.ratings.filter { $0.blackUntil != nil }.count
        print(say(l, "\(year) 年终结算完成：\(e.ratings.count) 户评星，红榜 \(red) 户，黑榜 \(black) 户，\(written.events.count - 1) 户清零共 \(e.expired) 分。",
                  "Settled \(year): \(e.ratings.count) households rated, \(red) on the red list, \(black) on the black list, \(e.expired) points expired in \(written.events.count - 1) households."))
        print(say(l, "详见 jifen settlement \(year)。", "See jifen settlement \(year)."))
    }
}

struct SettlementReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement",
        abstract: "A settled year's star ratings and the red and black lists (星级评定与红黑榜).")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The year.") var year: Int
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Row: Encodable {
        let household: String, head: String, unit: String, points: Int, stars: Int, red: Bool, blackUntil: String?
    }

    func run() throws {
        let ledger = try options.openForReading()
        guard let settled = try ledger.settlement(year: year) else { throw CLIError(zh: "\(year) 年还没有年终结算；请先用 `jifen settle \(year)` 结算。", en: "The year \(year) is not settled; settle it with `jifen settle \(year)`.") }
        let settlement = settled.settlement
        let rows = Self.rows(settled.ratings, households: settled.households)
        if json { return try printJSON(rows) }
        let l = options.language
        print(say(l, "\(year) 年终结算（\(settlement.settledOn)，方案 v\(settlement.schemeVersion)）", "\(year) settlement (\(settlement.settledOn), scheme v\(settlement.schemeVersion))"))
        Self.printTable(rows, l)
    }

    static func rows(_ ratings: [HouseholdRating], households: [HouseholdAccount]) -> [Row] {
        let register = Dictionary(firstOf: households.map { ($0.code, $0) })
        return ratings.map { r in
            Row(household: r.household.rawValue, head: register[r.household]?.head ?? "", unit: register[r.household]?.unit.rawValue ?? "",
                points: r.points, stars: r.stars, red: r.red, blackUntil: r.blackUntil?.description)
        }
    }

    static func printTable(_ rows: [Row], _ l: Language) {
        var table = TextTable(headers: [say(l, "户号", "Household"), say(l, "户主", "Head"), say(l, "联户", "Unit"),
                                        say(l, "全年积分", "Year's points"), say(l, "星级", "Stars"), say(l, "红黑榜", "List")], numeric: [3])
        for r in rows {
            let list = r.red ? say(l, "红榜", "red") : r.blackUntil.map { say(l, "黑榜（至 \($0)）", "black (until \($0))") } ?? ""
            table.add([r.household, r.head, r.unit, "\(r.points)", String(repeating: "★", count: r.stars), list])
        }
        print(table.render(), terminator: "")
    }
}
