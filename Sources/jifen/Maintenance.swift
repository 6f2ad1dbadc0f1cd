import ArgumentParser
import Foundation
import Jifen
import JifenDemo
import JifenCore
import JifenStatements

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that the log was never altered (核验): the hash chain, the append-only triggers, the balances.",
        discussion: """
            Walks the hash chain (no event altered, removed, inserted or reordered), checks that SQLite's \
            append-only triggers are in place, and replays the log to check that the balance, register and \
            stock tables agree with it. Exit 0 when the ledger is whole; exit 2 naming the first bad event.

            A cut at the end of the log cannot be seen from the file alone: note the head that verify prints \
            (it is on printed statements too) and check it later with --head SEQ:HASH.

            --since-checkpoint checks only what came after the latest checkpoint filed in the ledger that itself \
            verifies (`jifen checkpoint`): the chain from its signed head on, the triggers, the new events' columns \
            and index entries — a day's events for a daily check. It says which checkpoint, whose keys signed it, \
            and what it left to the full verify (the events before, the balances against a replay). With no \
            checkpoint that verifies, it verifies the whole ledger and says so.
            """
    )
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("A head noted earlier: the log must still hold event SEQ with this hash.", valueName: "seq:hash"))
    var head: String?
    @Flag(name: .customLong("since-checkpoint"), help: "Check only the events after the latest filed checkpoint that verifies.")
    var sinceCheckpoint = false
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Report: Encodable {
        struct Problem: Encodable { let seq: Int64?; let problem: String }
        let valid: Bool, events: Int64, head: String, problems: [Problem]
        /// With --since-checkpoint: what was checked and what was not.
        var since: Since? = nil
    }

    /// What `--since-checkpoint` checked: from the checkpoint `anchor` (nil: none verifies, and the whole ledger was
    /// checked, for `whole`), events `first`…`last`; `notChecked` says what it left to the full verify.
    struct Since: Encodable {
        struct Anchor: Encodable { let seq: Int64, head: String, filedAs: Int64, filedOn: String, keys: [String] }
        let anchor: Anchor?, whole: String?, first: Int64, last: Int64, notChecked: [String]

        init(_ result: IncrementalVerification, audit: Bool = false, _ l: Language) {
            anchor = result.anchor.map { Anchor(seq: $0.seq, head: $0.head, filedAs: $0.filedAs, filedOn: $0.filedOn.description, keys: $0.keys) }
            whole = result.noAnchor.map { l == .zh ? $0.chinese : $0.english }
            first = (result.anchor?.seq ?? 0) + 1
            last = result.through
            notChecked = result.anchor.map { Since.notChecked($0, audit: audit, l) } ?? []
        }

        static func notChecked(_ anchor: IncrementalVerification.Anchor, audit: Bool = false, _ l: Language) -> [String] {
            [say(l, "第 1…\(anchor.seq) 条事件（由签名存证担保；完整核验会逐条检查）",
                 "events 1…\(anchor.seq) (the checkpoint's signature vouches for them; the full verify checks each)"),
             say(l, "余额、名册等各表与整条流水的重放是否一致", "the balances, register and other tables against a replay of the whole log"),
             say(l, "新事件以外的文件页与索引条目（SQLite 自检）", "the file's pages and index entries beyond the new events (SQLite's own check)")]
                + (audit ? [say(l, "每一步的余额恒等式与库存（须从头汇总）", "the balance identities at every step and the stock (summed from the start)")] : [])
        }
    }

    func validate() throws {
        if let head, parsedHead(head) == nil { throw usage(zh: "--head 要写成 序号:哈希，例如 18566:063a34…，就是 verify 打印的那样。", en: "--head must be SEQ:HASH, like 18566:063a34…, as verify prints it.") }
    }

    func parsedHead(_ text: String) -> (seq: Int64, hash: String)? {
        let parts = text.replacingOccurrences(of: "#", with: "").split(separator: ":")
        guard parts.count == 2, let seq = Int64(parts[0]), seq > 0, parts[1].count == 64 else { return nil }
        return (seq, parts[1].lowercased())
    }

    func run() throws {
        let l = options.language
        let progress = Progress(label: say(l, "核验", "verifying"))
        var since: IncrementalVerification?
        var report = try verifying(options) { ledger in
            guard sinceCheckpoint else { return try ledger.verify(audit: false, progress: { progress.update($0, $1) }) }
            let result = try ledger.verifySinceCheckpoint(audit: false, progress: { progress.update($0, $1) })
            since = result
            return result.report
        }
        progress.finish()
        let last = since?.through ?? report.events
        if let head, let noted = parsedHead(head), let ledger = try? options.openForReading() {
            if let hash = try ledger.hashHex(at: noted.seq) {
                if hash != noted.hash {
                    report.problems.append(.init(seq: noted.seq, zh: "与此前记下的链头不符（记下的是 \(noted.hash.prefix(12))…）：此后账本被改写过",
                                                 en: "its hash is not the one noted earlier (\(noted.hash.prefix(12))…): the log was rewritten since"))
                }
            } else {
                report.problems.append(.init(seq: noted.seq, zh: "此前记下的事件已不在账本中（现只有 \(last) 条）：账本被截断",
                                             en: "the event noted earlier is gone (the log now has \(last)): the log was cut"))
            }
        }
        if json {
            try printJSON(Report(valid: report.isValid, events: report.events, head: report.headHex,
                                 problems: report.problems.map { .init(seq: $0.seq > 0 ? $0.seq : nil, problem: l == .zh ? $0.chinese : $0.what) },
                                 since: since.map { Since($0, l) }))
        } else if let since, let anchor = since.anchor {
            printSince(report, anchor, last: last, l)
        } else if report.isValid {
            if let why = since?.noAnchor {
                print(say(l, "\(why.chinese)，无从做增量核验：已核验整本账。", "\(why.english), so there is nothing to check from: the whole ledger was verified."))
            }
            print(say(l, "账本完整：\(report.events) 条事件，哈希链无断裂，防篡改触发器齐全，余额与流水一致。",
                      "The ledger is whole: \(report.events) events, the hash chain is unbroken, the append-only triggers are in place, the balances agree with the log."))
            print(say(l, "链头 \(report.events):\(report.headHex)", "Head \(report.events):\(report.headHex)"))
        } else {
            let problems = report.problems.map { $0.text(chinese: l == .zh) }
            print(say(l, "账本未通过核验：\(problems[0])", "The ledger failed verification: \(problems[0])"))
            for problem in problems.dropFirst() { print("  \(problem)") }
            print(say(l, "共检查 \(report.events) 条事件，发现 \(report.problems.count) 处问题。请保留此文件原样，并报告乡镇审计。",
                      "\(report.events) events checked, \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found. Keep this file as it is and report it to the township's auditor."))
        }
        if !report.isValid { throw VerificationFailed() }
    }
}

/// What --since-checkpoint found, from a checkpoint: what it checked, against what, and what it left.
func printSince(_ report: VerifyReport, _ anchor: IncrementalVerification.Anchor, last: Int64, audit: Bool = false, _ l: Language) {
    let keys = anchor.keys.joined(separator: " ")
    let range = last > anchor.seq ? say(l, "第 \(anchor.seq + 1)…\(last) 条事件", "events \(anchor.seq + 1)…\(last)")
        : say(l, "签名存证之后没有新事件", "no events after the checkpoint")
    let against = say(l, "对照第 \(anchor.seq) 条事件的签名存证（第 \(anchor.filedAs) 条登记，\(anchor.filedOn)，签名公钥 \(keys)）",
                      "against the checkpoint of event \(anchor.seq) (filed as event \(anchor.filedAs) on \(anchor.filedOn), signed by \(keys))")
    if report.isValid {
        print(say(l, "已核验\(range)，\(against)：自它签名的链头起哈希链无断裂，防篡改触发器齐全，新事件各栏与索引条目无误\(audit ? "；冲正、审批、异议所指事件无误，登记的签名存证有效" : "")。",
                  "Checked \(range) \(against): the chain unbroken from its signed head, the append-only triggers in place, the new events' columns and index entries sound\(audit ? "; every reversal, approval and objection among them names the right event, and the checkpoints they file hold" : "")."))
    } else {
        let problems = report.problems.map { $0.text(chinese: l == .zh) }
        print(say(l, "账本未通过核验（\(range)，\(against)）：\(problems[0])",
                  "The ledger failed verification (\(range), \(against)): \(problems[0])"))
        for problem in problems.dropFirst() { print("  \(problem)") }
    }
    let full = audit ? "jifen audit verify" : "jifen verify"
    print(say(l, "未核验（留给完整的 \(full)）：", "Not checked (left to the full \(full)): ")
          + Verify.Since.notChecked(anchor, audit: audit, l).joined(separator: say(l, "；", "; ")) + say(l, "。", "."))
    if report.isValid {
        print(say(l, "链头 \(last):\(report.headHex)", "Head \(last):\(report.headHex)"))
    } else {
        print(say(l, "发现 \(report.problems.count) 处问题。请保留此文件原样，并报告乡镇审计。",
                  "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found. Keep this file as it is and report it to the township's auditor."))
    }
}

/// Runs a verification; a file that cannot be opened as a sound ledger (empty, another program's, damaged so that
/// SQLite cannot read it) fails verification with that finding, rather than being an error to retry. A missing
/// file is still the user's mistake (exit 1).
func verifying(_ options: LedgerOptions, _ body: (Ledger) throws -> VerifyReport) throws -> VerifyReport {
    try Ledger.verifying(path: options.file, keep: { $0 is CLIError }, body)
}

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Drop the balances, register and stock tables and fold them again from the event log.",
        discussion: "The log is the truth; these tables are caches. A rebuild gives exactly what they held."
    )
    @OptionGroup var options: LedgerOptions

    func run() throws {
        // The balances and register are about to be folded afresh: damage in them does not stop their repair.
        let ledger = try Ledger(path: options.file, create: false, refolding: true)
        let progress = Progress(label: say(options.language, "重建", "rebuilding"))
        let count = try ledger.rebuild(progress: progress.update)
        progress.finish()
        print(say(options.language, "已从 \(count) 条事件重建余额、名册与库存。", "Rebuilt balances, register and stock from \(count) events."))
    }
}

struct SchemeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheme",
        abstract: "The points scheme (积分标准) and its versions: show, publish a new one, compare two.",
        discussion: """
            A score is judged by the version in force on its business date and keeps that version's rule names and \
            points, so a revision never rewrites history. A new version cannot take effect inside a period whose \
            scores were already posted.
            """,
        subcommands: [SchemeShow.self, SchemePublish.self, SchemeDiff.self],
        defaultSubcommand: SchemeShow.self
    )
}

struct SchemeShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "List the scheme's rules and settings.")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("A version (default: the one in force today, or --on).", valueName: "n")) var version: Int?
    @Option(help: ArgumentHelp("The version in force on this day.", valueName: "YYYY-MM-DD")) var on: LocalDate?
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() throws {
        let ledger = try options.openForReading()
        let info = try ledger.info()
        let versions = try ledger.schemes()
        let chosen: SchemeVersion
        if let version {
            guard let found = versions.first(where: { $0.version == version }) else {
                throw CLIError(zh: "积分方案没有第 \(version) 版；现有第 1 到第 \(versions.count) 版。", en: "There is no version \(version) of the scheme; the versions are 1 to \(versions.count).")
            }
            chosen = found
        } else {
            chosen = versions.inForce(on: on ?? ledger.today()) ?? SchemeVersion(version: info.schemeVersion, effective: info.openedOn, scheme: info.scheme)
        }
        if json { return try printJSON(chosen.scheme) }
        let l = options.language
        let scheme = chosen.scheme
        print(say(l, "\(info.village) 积分方案 v\(chosen.version)（\(chosen.effective) 起施行）：\(scheme.name)",
                  "\(info.village) scheme v\(chosen.version) (in force from \(chosen.effective)): \(scheme.name)"))
        if versions.count > 1 {
            print(say(l, "共 \(versions.count) 个版本：", "\(versions.count) versions: ")
                  + versions.map { "v\($0.version) \($0.effective)" }.joined(separator: say(l, "，", ", ")))
        }
        var table = TextTable(headers: [say(l, "编号", "Code"), say(l, "积分标准", "Rule"), say(l, "分值", "Points"),
                                        say(l, "上限", "Cap")])
        table.widthMax = 50
        for category in scheme.categories {
            table.add([category.code, l == .zh ? "【\(category.zh)】" : "[\(category.en)]", "", ""])
            for indicator in scheme.indicators where indicator.category == category.code {
                table.add([indicator.code, l == .zh ? indicator.zh : indicator.en, "", ""])
                for rule in scheme.rules where rule.indicator == indicator.code {
                    let cap = rule.cap.map { cap -> String in
                        let period = ["month": say(l, "月", "month"), "quarter": say(l, "季度", "quarter"), "year": say(l, "年", "year")]
                        return say(l, "每\(period[cap.period.rawValue]!) \(cap.count) 次", "\(cap.count)/\(cap.period.rawValue)")
                    } ?? say(l, "不限", "none")
                    table.add(["  " + rule.code.rawValue, l == .zh ? rule.zh : rule.en, rule.points.description, cap])
                }
            }
        }
        print(table.render(), terminator: "")
        let s = scheme.settings
        print(say(l, "公示期 \(s.noticeDays) 天（公示期满方可结束公示，积分随之生效）。",
                  "Public notice: \(s.noticeDays) days (a notice closes no earlier, and its points then become final)."))
        print(say(l, "年终结算（jifen settle）按以下设置评星、列红黑榜、处理可用积分：",
                  "The year-end settlement (jifen settle) rates, lists and clears by these settings:"))
        print(say(l, "年终\(s.yearEnd == .carryOver ? "结转" : "清零（\(s.yearEnd)）")；星级 \(s.stars.map(String.init).joined(separator: "/")) 分；单次扣 \(s.blacklistDeduction) 分以上列入黑榜 \(s.blacklistMonths) 个月；1 分 = \(s.yuanPerPoint) 元。",
                  "Year end: \(s.yearEnd); stars at \(s.stars.map(String.init).joined(separator: "/")); a deduction of \(s.blacklistDeduction)+ black-lists for \(s.blacklistMonths) months; 1 point = \(s.yuanPerPoint) yuan."))
    }
}

struct SchemePublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a new version of the scheme (修订积分标准), in force from a day.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The scheme file (YAML), as seed/reference-scheme.yaml.") var file: String
    @Option(help: ArgumentHelp("The first day it is in force.", valueName: "YYYY-MM-DD")) var effective: LocalDate
    @OptionGroup var actor: ActorOption

    func run() throws {
        let scheme = try SchemeFile.parse(String(decoding: try readFile(file), as: UTF8.self))
        let ledger = try options.open()
        let written = try ledger.execute(.publishScheme(scheme, effective: effective), by: try actor.name())
        guard case .schemeAdopted(let e) = written.events[0].event else { return }
        print(say(options.language, "已发布积分方案 v\(e.version)「\(scheme.name)」，\(e.effective) 起施行（\(scheme.rules.count) 条标准）。",
                  "Published scheme v\(e.version) “\(scheme.name)”, in force from \(e.effective) (\(scheme.rules.count) rules)."))
    }
}

struct SchemeDiff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "What changed between two versions of the scheme.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The older version.") var from: Int
    @Argument(help: "The newer version.") var to: Int
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Change: Encodable {
        let rule: String, change: String, before: String?, after: String?
    }

    func run() throws {
        let versions = try options.openForReading().read { try $0.schemes() }
        func version(_ n: Int) throws -> Scheme {
            guard let found = versions.first(where: { $0.version == n }) else {
                throw CLIError(zh: "积分方案没有第 \(n) 版；现有第 1 到第 \(versions.count) 版。", en: "There is no version \(n) of the scheme; the versions are 1 to \(versions.count).")
            }
            return found.scheme
        }
        let a = try version(from), b = try version(to)
        func describe(_ rule: Rule) -> String { "\(rule.points) \(rule.cap.map { "\($0)" } ?? "-") \(rule.zh) / \(rule.en)" }
        var changes: [Change] = []
        let codes = (a.rules.map(\.code) + b.rules.map(\.code)).reduce(into: [RuleCode]()) { if !$0.contains($1) { $0.append($1) } }
        for code in codes {
            switch (a.rule(code), b.rule(code)) {
            case (nil, let new?): changes.append(Change(rule: code.rawValue, change: "added", before: nil, after: describe(new)))
            case (let old?, nil): changes.append(Change(rule: code.rawValue, change: "removed", before: describe(old), after: nil))
            case (let old?, let new?) where old != new:
                changes.append(Change(rule: code.rawValue, change: "changed", before: describe(old), after: describe(new)))
            default: break
            }
        }
        if a.settings != b.settings {
            changes.append(Change(rule: "settings", change: "changed", before: "\(a.settings)", after: "\(b.settings)"))
        }
        if json { return try printJSON(changes) }
        let l = options.language
        if changes.isEmpty { return print(say(l, "v\(from) 与 v\(to) 的标准相同。", "v\(from) and v\(to) have the same rules.")) }
        var table = TextTable(headers: [say(l, "编号", "Rule"), say(l, "变化", "Change"), "v\(from)", "v\(to)"], numeric: [])
        table.widthMax = 60
        for c in changes {
            let change = ["added": say(l, "新增", "added"), "removed": say(l, "删除", "removed"), "changed": say(l, "修改", "changed")][c.change]!
            table.add([c.rule, change, c.before ?? "", c.after ?? ""])
        }
        print(table.render(), terminator: "")
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a demo ledger: 牛角村, 300 households in 20 joint units, a year of scores, the shop.",
        discussion: """
            Writes jifen-demo.sqlite (or --ledger PATH), replacing an earlier demo ledger but never another \
            ledger. The same every run: the same events, the same hash chain.
            """
    )
    @Option(help: ArgumentHelp("Where to write the demo ledger (default ./jifen-demo.sqlite).", valueName: "path"))
    var ledger: String = "jifen-demo.sqlite"
    @Option(help: ArgumentHelp("zh (default) or en.", valueName: "zh|en")) var lang: Language?

    func run() throws {
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let file = Console.current.resolved(ledger)
        if FileManager.default.fileExists(atPath: file) {
            let isDemo = (try? Ledger(path: file).info().demo) ?? false
            guard isDemo else {
                throw CLIError(zh: "\(ledger) 已经存在，而且不是演示账本；请用 --ledger 给演示另选一个文件。", en: "\(ledger) exists and is not a demo ledger; give the demo another --ledger path.")
            }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        }
        let progress = Progress(label: say(l, "生成演示账本", "building the demo"))
        let started = Date()
        let s = try LedgerGenerator.build(at: file, plan: .demo, progress: { progress.update($0, $1) })
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        print(say(l, """
            演示账本 \(ledger)：\(s.village)，\(s.firstYear) 年全年
              \(s.units) 个联户，\(s.households) 户农户，积分标准 \(s.rules) 条
              \(s.events) 条事件：记分 \(s.scores) 条（加 \(s.awarded) 分，扣 \(s.deducted) 分），冲正 \(s.reversals) 条，
              兑换 \(s.redemptions) 次共 \(s.redeemedPoints) 分，入库 \(s.receipts) 次
              链头 \(s.events):\(s.head)
              用时 \(String(format: "%.1f", seconds)) 秒
            """, """
            Demo ledger \(ledger): \(s.village), the year \(s.firstYear)
              \(s.units) joint units, \(s.households) households, \(s.rules) rules
              \(s.events) events: \(s.scores) scores (+\(s.awarded) awarded, -\(s.deducted) deducted), \(s.reversals) reversals,
              \(s.redemptions) redemptions for \(s.redeemedPoints) points, \(s.receipts) stock receipts
              head \(s.events):\(s.head)
              built in \(String(format: "%.1f", seconds)) s
            """))
        print()
        var top = try Ledger(path: file).read { try $0.households() }
        top.sort { ($0.earned - $0.deducted, $1.code.rawValue) > ($1.earned - $1.deducted, $0.code.rawValue) }
        var table = TextTable(headers: [say(l, "名次", "Rank"), say(l, "户号", "Household"), say(l, "户主", "Head"),
                                        say(l, "联户", "Unit"), say(l, "累计积分", "Cumulative"), say(l, "可用", "Available")],
                              numeric: [0, 4, 5])
        for (rank, account) in top.prefix(5).enumerated() {
            table.add(["\(rank + 1)", account.code.rawValue, account.head, account.unit.rawValue,
                       "\(account.earned - account.deducted)", "\(account.available)"])
        }
        print(say(l, "累计积分前五名", "Top five households by cumulative points"))
        print(table.render())
        let history = try History.parse(["H001", "--ledger", ledger, "--lang", l.rawValue])
        try history.run()
        print()
        print(say(l, "接下来可以试试：", "Try next:"))
        for command in ["balance", "balance H001 --as-of 2025-06-30", "history H002", "statement H002 --period 2025-11 --width 48",
                        "notice list", "notice sheet --period 2025-11 --mask", "standings --period 2025", "review", "shop list",
                        "scheme", "verify", "audit report --period 2025", "log --limit 20"] {
            print("  swift run jifen --ledger \(ledger) \(command)")
        }
    }
}
