import ArgumentParser
import Foundation
import Jifen
import JifenAudit
import JifenCore
import JifenSheets
import JifenStatements

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Tools for township and county auditors (审计): export the log, check an export without the database.",
        subcommands: [AuditVerifyCommand.self, AuditReplay.self, AuditReportCommand.self, AuditExportCommand.self, AuditCheckCommand.self]
    )
}

struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "The event log for auditors: JSON Lines that carry the whole chain, or CSV for a spreadsheet.",
        discussion: """
            jsonl: one event per line with every stored field and both hashes (docs/FORMAT.md, "Exports"); `jifen \
            audit check FILE` — or a verifier of the auditor's own — recomputes the chain from it alone. csv: the same \
            columns for Excel and WPS (UTF-8 with BOM); a text cell that starts with = + - @, a tab or a CR gets a \
            leading ' so that a spreadsheet never runs it as a formula. xlsx (needs --out): the same columns as a \
            workbook, each cell the jsonl line's value as it is (numbers as numbers, occurredOn as a date, text as text, \
            which a workbook never runs as a formula); one sheet holds at most 1,048,575 events.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("jsonl, csv or xlsx.", valueName: "format")) var format: String = "jsonl"
    @Option(help: ArgumentHelp("The first event (default 1).", valueName: "seq")) var from: Int64 = 1
    @Option(help: ArgumentHelp("The last event (default the head).", valueName: "seq")) var to: Int64?
    @Option(help: ArgumentHelp("Write to this file instead of the screen.", valueName: "file")) var out: String?
    @Flag(help: "Replace the --out file if it exists (never a folder, a device or the ledger).") var force = false

    func validate() throws {
        guard ["jsonl", "csv", "xlsx"].contains(format) else { throw usage(zh: "--format 只能是 jsonl 或 csv（或 xlsx，写进 --out 给的文件）。", en: "--format must be jsonl or csv (or xlsx, written to the --out file).") }
        if format == "xlsx" && out == nil { throw usage(zh: ".xlsx 要写进文件：请加上 --out 文件名.xlsx。", en: "A workbook goes to a file: give --out FILE.xlsx.") }
        guard from >= 1 else { throw usage(zh: "--from 须是 1 或更大。", en: "--from must be 1 or more.") }
        if let to, to < from { throw usage(zh: "--to 不能在 --from 之前。", en: "--to must not be before --from.") }
    }

    func run() throws {
        // The file is checked before anything is read: a typo never costs the books.
        let file = try out.map { try OutputFile($0, force: force, ledger: options.path) }
        let ledger = try options.openForReading()
        let progress = Progress(label: say(options.language, "导出", "exporting"))
        // Written as it is read, a few megabytes at a time: a county's log does not have to fit in memory. A file
        // is written beside its name first and takes the name when it is whole.
        func export(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 22)
            if format == "csv" { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
            try ledger.exportEvents(format: format == "csv" ? .csv : .jsonl, from: from, to: to, progress: progress.update) { line in
                buffer.append(contentsOf: line)
                if buffer.count >= 1 << 22 {
                    try buffer.withUnsafeBytes { try sink($0) }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try buffer.withUnsafeBytes { try sink($0) }
        }
        defer { progress.finish() }
        if format == "xlsx", let file {
            // The jsonl lines, each a row, streamed to jifen-xlsx.
            let layout = SheetLayout(name: say(options.language, "事件日志", "Event log"),
                                     columns: AuditExport.columns.map { SheetLayout.Column("\($0)", "\($0)" == "occurredOn" ? .date : .value) })
            try writeWorkbook(layout, to: file) { line in
                try ledger.exportEvents(format: .jsonl, from: from, to: to, progress: progress.update) { bytes in
                    try line(Data(bytes))
                }
            }
            return
        }
        if let file {
            try file.stream(export)
        } else {
            try export { Output.bytes($0) }
        }
    }
}

struct AuditCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a JSON Lines export with no database: every hash, every link, no gap.",
        discussion: "Exit 0 when the export is whole and unaltered; 2 when it is not, naming each event at fault.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The export (from `jifen audit export`).") var file: String
    @Flag(help: "The export is a part of the log (--from/--to): it need not start at the first event.") var partial = false
    @Flag(help: "Print the result as JSON for scripts.") var json = false

    struct Report: Encodable {
        let valid: Bool, events: Int, first: Int64, last: Int64, whole: Bool, head: String
        let problems: [VerifyCommandProblem]
    }

    struct VerifyCommandProblem: Encodable { let seq: Int64, problem: String }

    func run() throws {
        // Mapped, not read into memory: an export of a million events is most of a gigabyte and is read once, in parallel.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: Console.current.resolved(file)), options: .alwaysMapped) else {
            throw CLIError(zh: "读不到文件 \(file)；请核对文件名，确认文件存在。", en: "Cannot read \(file); check the file name and that it exists.")
        }
        let report = AuditExport.check(data: data, partial: partial)
        let l = options.language
        if json {
            try printJSON(Report(valid: report.isValid, events: report.events, first: report.first, last: report.last, whole: report.whole,
                                 head: report.head, problems: report.problems.map { VerifyCommandProblem(seq: $0.seq, problem: l == .zh ? $0.chinese : $0.what) }))
        } else if report.isValid {
            print(say(l, "导出完整：\(report.events) 条事件（#\(report.first)–#\(report.last)\(report.whole ? "，自账本开头" : "")），哈希链无断裂。",
                      "The export is sound: \(report.events) events (#\(report.first)–#\(report.last)\(report.whole ? ", from the ledger's start" : "")), the hash chain unbroken."))
            print(say(l, "链头 \(report.last):\(report.head)", "Head \(report.last):\(report.head)"))
        } else {
            print(say(l, "导出有问题：", "The export fails the check:"))
            for problem in report.problems { print("  \(problem)") }
        }
        if !report.isValid { throw VerificationFailed() }
    }
}

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Signing keys (Ed25519) of the village committee or the township, for checkpoints.",
        subcommands: [KeyNew.self])
}

struct KeyNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a key pair: NAME.key (readable by you only; keep it off the village PC if you can) and NAME.pub.")
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("The files' name, e.g. village-committee.", valueName: "name")) var out: String

    func run() throws {
        let key = SigningKey()
        let privatePath = out + ".key", publicPath = out + ".pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: Console.current.resolved(path)) {
            throw CLIError(zh: "\(path) 已经存在；密钥文件从不覆盖，请用 --out 另起一个名字。", en: "\(path) already exists; a key is never overwritten: choose another --out NAME.")
        }
        guard FileManager.default.createFile(atPath: Console.current.resolved(privatePath), contents: Data(key.privateFile.utf8), attributes: [.posixPermissions: 0o600]),
              FileManager.default.createFile(atPath: Console.current.resolved(publicPath), contents: Data(key.publicFile.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw CLIError(zh: "无法写入 \(privatePath)；请确认文件夹存在并且可以写入。", en: "Cannot write \(privatePath); check the folder exists and may be written to.")
        }
        print(say(options.language, "已生成密钥：\(privatePath)（仅本人可读，妥善保管）和 \(publicPath)（交给审计）。",
                  "Made \(privatePath) (readable by you only; keep it safe) and \(publicPath) (for the auditors)."))
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Signed checkpoints (签名存证): sign where the log stands, countersign, file one, list those filed.",
        discussion: """
            `jifen checkpoint --key committee.key --by NAME` signs the ledger, position, head hash and time, writes \
            the file and files it in the ledger (statements print the latest). The township countersigns the file \
            with `--countersign FILE --key township.key` and the village files it again with `checkpoint record FILE`. \
            An auditor later runs `jifen audit verify --checkpoint FILE --pubkey NAME.pub` to prove nothing up to \
            that point was rewritten, reordered or removed.
            """,
        subcommands: [CheckpointSign.self, CheckpointRecord.self, CheckpointList.self],
        defaultSubcommand: CheckpointSign.self)
}

/// A checkpoint file's bytes: sorted keys, so the same checkpoint is always the same file.
private func checkpointBytes(_ checkpoint: Checkpoint) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return Array(try encoder.encode(checkpoint))
}

private func readCheckpoint(_ path: String) throws -> Checkpoint {
    guard let point = try? JSONDecoder().decode(Checkpoint.self, from: try readFile(path)) else {
        throw CLIError(zh: "\(path) 不是 `jifen checkpoint` 写出的签名存证；请给出它写的那个 .json 文件。", en: "\(path) is not a checkpoint written by `jifen checkpoint`; give the .json file it wrote.")
    }
    return point
}

struct CheckpointSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign where the log stands now and file it in the ledger; or countersign a checkpoint file.",
        discussion: """
            Without --countersign: signs the ledger's id, position, head hash and time with --key, writes the file \
            (default checkpoint-SEQ.json) and files the checkpoint in the ledger as an event (--by: an administrator). \
            With --countersign FILE: adds the key's signature to that file only (the township need not hold the \
            ledger); the village then files it with `jifen checkpoint record FILE`.
            """)
    @OptionGroup var options: LedgerOptions
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The signing key (from `jifen key new`).", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("Where to write the checkpoint (default checkpoint-SEQ.json).", valueName: "file")) var out: String?
    @Option(help: ArgumentHelp("Countersign this checkpoint file instead of making a new one.", valueName: "file")) var countersign: String?
    @Flag(help: "With --countersign and --out: replace the --out file if it exists.") var force = false

    func run() throws {
        let signer = try SigningKey(file: String(decoding: try readFile(key), as: UTF8.self))
        let l = options.language
        if let countersign {
            var checkpoint = try readCheckpoint(countersign)
            let mine = signer.key.publicKey.rawRepresentation.base64EncodedString()
            guard !checkpoint.signatures.contains(where: { $0.publicKey == mine }) else {
                throw CLIError(zh: "\(countersign) 上已经有这把密钥的签名；会签请用另一方的密钥。", en: "\(countersign) already carries this key's signature; countersign with the other party's key.")
            }
            guard checkpoint.badSignatures.isEmpty else {
                throw CLIError(zh: "\(countersign) 上有一个签名核验不通过：文件在签名后被改动过；请重新索取原文件。", en: "\(countersign) has a signature that does not verify: it was changed after it was signed; ask for the file again.")
            }
            try checkpoint.sign(with: signer)
            let path = out ?? countersign
            // The file countersigned is rewritten in place (that is what was asked); any other existing file only with --force.
            try OutputFile(path, force: force, replacing: countersign).write(bytes: try checkpointBytes(checkpoint))
            print(say(l, "已会签：\(checkpoint.village) 第 \(checkpoint.seq) 条事件，链头 \(checkpoint.head.prefix(16))…，写入 \(path)（\(checkpoint.signatures.count) 个签名）。在村账本上登记：jifen checkpoint record \(path) --by 管理员",
                      "Countersigned: \(checkpoint.village) at event \(checkpoint.seq), head \(checkpoint.head.prefix(16))…, in \(path) (\(checkpoint.signatures.count) signatures). File it in the village's ledger with: jifen checkpoint record \(path) --by ADMIN"))
            return
        }
        let by = try actor.name()
        let ledger = try options.open()
        let info = try ledger.info()
        let head = try ledger.head()
        guard head.seq > 0 else { throw CLIError(zh: "账本里还没有任何事件，没有可签名的内容；请先建账记账。", en: "The ledger holds no event yet; there is nothing to sign.") }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        var checkpoint = Checkpoint(ledgerId: info.ledgerId, village: info.village, seq: head.seq, head: head.hex,
                                    time: formatter.string(from: ledger.environment.now()))
        try checkpoint.sign(with: signer)
        let path = out ?? "checkpoint-\(checkpoint.seq).json"
        // A checkpoint file is never overwritten; it takes its name only once the ledger has filed it, so that a
        // refused filing leaves nothing behind.
        var written: Written?
        try OutputFile(path, force: false, forceAllowed: false, ledger: options.path).write { draft in
            try OutputFile.fill(draft, with: try checkpointBytes(checkpoint))
            written = try ledger.execute(.recordCheckpoint(checkpoint.recorded), by: by)
        }
        print(say(l, "已签名：\(checkpoint.village) 第 \(checkpoint.seq) 条事件，链头 \(checkpoint.head.prefix(16))…，写入 \(path)，登记为第 \(written?.events.last?.seq ?? 0) 条事件。",
                  "Signed: \(checkpoint.village) at event \(checkpoint.seq), head \(checkpoint.head.prefix(16))…, in \(path), filed as event \(written?.events.last?.seq ?? 0)."))
    }
}

struct CheckpointRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "File a checkpoint signed or countersigned elsewhere (e.g. by the township) in the ledger it signs.",
        discussion: "Refused unless the file is this ledger's, the ledger still extends it, and every signature on it verifies.")
    @OptionGroup var options: LedgerOptions
    @OptionGroup var actor: ActorOption
    @Argument(help: "The checkpoint file.") var file: String

    func run() throws {
        let point = try readCheckpoint(file)
        let by = try actor.name()
        let ledger = try options.open()
        guard point.badSignatures.isEmpty, !point.signatures.isEmpty else {
            throw CLIError(zh: "\(file) 上有一个签名核验不通过：文件在签名后被改动过；请重新索取原文件。", en: "\(file) has a signature that does not verify: it was changed after it was signed; ask for the file again.")
        }
        if let broken = try ledger.extends(point) {
            throw CLIError(zh: "\(file) 不能登记，账本已不是它签名时的样子（\(broken.chinese)）；请核对是不是这个账本的签名存证。",
                           en: "\(file) cannot be filed: \(broken.english); check it is this ledger's checkpoint.")
        }
        if let filed = try ledger.checkpoints().first(where: { $0.checkpoint == point.recorded }) {
            throw CLIError(zh: "\(file) 已经登记过（第 \(filed.seq) 条事件）；不必重复登记。", en: "\(file) is already filed, as event #\(filed.seq); nothing to do.")
        }
        let written = try ledger.execute(.recordCheckpoint(point.recorded), by: by)
        print(say(options.language, "已登记签名存证：第 \(point.seq) 条事件，\(point.signatures.count) 个签名，为第 \(written.events.last?.seq ?? 0) 条事件。",
                  "Filed the checkpoint of event \(point.seq) with \(point.signatures.count) signatures as event \(written.events.last?.seq ?? 0)."))
    }
}

struct CheckpointList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The checkpoints filed in the ledger: what each signs, when, and whose keys signed it.")
    @OptionGroup var options: LedgerOptions
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Row: Encodable {
        let filedAs: Int64, filedOn: String, seq: Int64, head: String, time: String, keys: [String]
    }

    func run() throws {
        let ledger = try options.openForReading()
        let rows = try ledger.checkpoints().map { filed in
            Row(filedAs: filed.seq, filedOn: filed.filedOn.description, seq: filed.checkpoint.seq, head: filed.checkpoint.head,
                time: filed.checkpoint.time, keys: filed.checkpoint.signatures.map { Checkpoint.fingerprint(publicKey: $0.publicKey) })
        }
        if json { return try printJSON(rows) }
        let l = options.language
        guard !rows.isEmpty else {
            return print(say(l, "账本中还没有签名存证；用 jifen checkpoint --key 密钥 --by 管理员 签一个。",
                             "No checkpoint is filed in the ledger yet; sign one with: jifen checkpoint --key KEY --by ADMIN"))
        }
        var table = TextTable(headers: [say(l, "登记", "Filed"), say(l, "日期", "On"), say(l, "签至", "Signs"), say(l, "链头", "Head"),
                                        say(l, "签名公钥", "Keys")], numeric: [0, 2])
        for row in rows {
            table.add(["#\(row.filedAs)", row.filedOn, "#\(row.seq)", String(row.head.prefix(16)) + "…", row.keys.joined(separator: " ")])
        }
        print(table.render(), terminator: "")
    }
}

struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the ledger (chain, triggers, balances, what events name, stock) and that it extends signed checkpoints.",
        discussion: """
            Each --checkpoint needs every --pubkey to have signed it. Exit 0 when all holds; 2 otherwise, saying why.

            --since-checkpoint checks only what came after the latest checkpoint filed in the ledger that verifies \
            and is signed by every --pubkey: the chain from its signed head on, the new events' columns, index \
            entries and what they name, the checkpoints filed since. It says what it left to the full check (the \
            events before, the tables against a replay, the balance identities and the stock); with no such \
            checkpoint it checks the whole ledger and says so.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("A checkpoint file; may be given more than once.", valueName: "file")) var checkpoint: [String] = []
    @Option(help: ArgumentHelp("A public key that must have signed each checkpoint; may be given more than once.", valueName: "file"))
    var pubkey: [String] = []
    @Flag(name: .customLong("since-checkpoint"), help: "Check only the events after the latest filed checkpoint that verifies.")
    var sinceCheckpoint = false
    @Flag(help: "Print the result as JSON for scripts.") var json = false
    @Option(help: ArgumentHelp("Compare the ledger with the county's copy instead (with --village and --key-file; see `jifen sync`).", valueName: "url"))
    var against: String?
    @Option(help: ArgumentHelp("With --against: the village's name in the county.", valueName: "name")) var village: String?
    @Option(name: .customLong("key-file"), help: ArgumentHelp("With --against: the village's sync key file.", valueName: "file")) var keyFile: String?
    @Option(name: .customLong("as"), help: ArgumentHelp("With --against, instead of --key-file: log in to the county's server as this person of the county (its administrator, or a township's auditor); the password is asked for.", valueName: "name"))
    var person: String?

    struct Report: Encodable {
        let valid: Bool, events: Int64, head: String, checkpoints: [String], problems: [Verify.Report.Problem]
        var since: Verify.Since? = nil
    }

    func validate() throws {
        if !checkpoint.isEmpty && pubkey.isEmpty { throw usage(zh: "核对签名存证要有签名人的公钥：请加上 --pubkey 名字.pub。", en: "A checkpoint is checked against a signer: give --pubkey NAME.pub.") }
    }

    func run() throws {
        if let against {
            // The county's copy is reached over HTTP, by `jifen-sync`.
            guard let village, (keyFile == nil) != (person == nil) else {
                throw usage(zh: "--against 要同时给出 --village，以及 --key-file（村里的同步密钥）或 --as（登录的人员）之一。",
                            en: "--against needs --village, and --key-file (the village's sync key) or --as (a person to log in as): one of them.")
            }
            let access = keyFile.map { ["--key-file", Console.current.resolved($0)] } ?? ["--as", person ?? ""]
            return try handOver(to: "jifen-sync", ["verify", "--against", against, "--village", village] + access
                                                  + ["--ledger", options.file, "--lang", options.language.rawValue])
        }
        let l = options.language
        let progress = Progress(label: say(l, "核验哈希链并重放", "checking the chain and replaying"))
        var filed = 0
        var checked: [String] = [], files: [String] = []
        var since: IncrementalVerification?
        let report = try verifying(options) { ledger in
            let keys = try pubkey.map { (file: $0, key: try SigningKey.publicKey(file: String(decoding: try readFile($0), as: UTF8.self))) }
            var report: VerifyReport
            if sinceCheckpoint {
                let result = try ledger.verifySinceCheckpoint(audit: true, signed: { point in keys.allSatisfy { point.isSigned(by: $0.key) } },
                                                              progress: { progress.update($0, $1) })
                since = result
                report = result.report
            } else {
                report = try ledger.verify(audit: true, progress: { progress.update($0, $1) })
            }
            progress.finish()
            guard report.isValid || report.problems.allSatisfy({ !$0.what.hasPrefix("the ledger's structure") }) else { return report }
            filed = try ledger.checkpoints().count
            for file in checkpoint {
                guard let point = try? JSONDecoder().decode(Checkpoint.self, from: try readFile(file)) else {
                    report.problems.append(.init(seq: 0, zh: "\(file) 不是 `jifen checkpoint` 写出的签名存证", en: "\(file) is not a checkpoint written by `jifen checkpoint`"))
                    continue
                }
                for key in keys where !point.isSigned(by: key.key) {
                    report.problems.append(.init(seq: point.seq, zh: "\(file) 没有 \(key.file) 的签名（或签名后被改动过）",
                                                 en: "\(file) is not signed by \(key.file) (or was changed after it was signed)"))
                }
                if let broken = try ledger.extends(point) {
                    report.problems.append(.init(seq: point.seq, zh: "\(file)：\(broken.chinese)", en: "\(file): \(broken.english)"))
                } else {
                    checked.append(say(l, "\(file)（第 \(point.seq) 条事件，\(point.signatures.count) 个签名）", "\(file) (event \(point.seq), \(point.signatures.count) signatures)"))
                    files.append(file)
                }
            }
            return report
        }
        progress.finish()
        if json {
            try printJSON(Report(valid: report.isValid, events: report.events, head: report.headHex, checkpoints: report.isValid ? files : [],
                                 problems: report.problems.map { .init(seq: $0.seq > 0 ? $0.seq : nil, problem: l == .zh ? $0.chinese : $0.what) },
                                 since: since.map { Verify.Since($0, audit: true, l) }))
        } else if let since, let anchor = since.anchor {
            printSince(report, anchor, last: since.through, audit: true, l)
            if report.isValid { for line in checked { print(say(l, "延续签名存证：", "Extends the checkpoint ") + line) } }
        } else if report.isValid {
            if let why = since?.noAnchor {
                print(say(l, "\(why.chinese)，无从做增量核验：已核验整本账。", "\(why.english), so there is nothing to check from: the whole ledger was verified."))
            }
            print(say(l, "账本完整：\(report.events) 条事件，哈希链无断裂，防篡改触发器齐全，各表与重放一致。",
                      "The ledger is sound: \(report.events) events, the chain unbroken, the append-only triggers in place, every table equal to a fresh replay."))
            print(say(l, "每一步余额恒等式成立，无透支；冲正、审批、异议所指事件无误；库存从未为负；账本内登记的签名存证 \(filed) 个均有效。",
                      "The balance identities hold at every step, nothing overspent; every reversal, approval and objection names the right event; no stock ever below zero; the \(filed) checkpoint\(filed == 1 ? "" : "s") filed in the ledger hold."))
            print(say(l, "链头 \(report.events):\(report.headHex)", "Head \(report.events):\(report.headHex)"))
            for line in checked { print(say(l, "延续签名存证：", "Extends the checkpoint ") + line) }
        } else {
            print(say(l, "核验未通过：", "Verification failed:"))
            for problem in report.problems { print("  \(problem.text(chinese: l == .zh))") }
        }
        if !report.isValid { throw VerificationFailed() }
    }
}

struct AuditReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "The books as they stood at a moment, folded afresh from the log: balances, stock, ratings, standings.",
        discussion: """
            --seq N: after event N. --as-of DATE: after everything recorded by the end of that day (Beijing time) — \
            what the village office's screen said that evening. Prints every household's balance, the shop's stock, \
            the star ratings and red and black lists of the years settled by then, and the joint-unit standings of \
            --period (default: the year of that moment), each as `balance`, `settlement` and `standings` showed them \
            then. Nothing is written; the same log gives the same bytes.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("After this event.", valueName: "seq")) var seq: Int64?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("After everything recorded by the end of this day.", valueName: "YYYY-MM-DD"))
    var asOf: LocalDate?
    @Option(help: ArgumentHelp("The standings' period (default: the year of that moment).", valueName: "period")) var period: ReportPeriod?
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Report: Encodable {
        let seq: Int64
        let balances: [BalanceView]
        let stock: [Stock]
        let ratings: [Ratings]
        let period: String
        let standings: [Standings.Row]
        struct Stock: Encodable { let item: String, name: String, stock: Int }
        struct Ratings: Encodable { let year: Int, ratings: [SettlementReport.Row] }
    }

    func validate() throws {
        guard (seq == nil) != (asOf == nil) else { throw usage(zh: "请给出 --seq 序号 或 --as-of 日期（二选一）。", en: "Give --seq N or --as-of DATE.") }
    }

    func run() throws {
        let ledger = try options.openForReading()
        let through: Int64
        if let seq {
            through = seq
        } else {
            through = try ledger.lastSeq(recordedBy: asOf!)
        }
        let memory = try ledger.replay(through: through)
        let last = min(through, memory.lastSeq())
        let accounts = memory.households.values.sorted { $0.code.rawValue < $1.code.rawValue }
        let balances = accounts.map { BalanceView($0, asOf: nil) }
        let stock = memory.items.values.sorted { $0.code.rawValue < $1.code.rawValue }.map { Report.Stock(item: $0.code.rawValue, name: $0.name, stock: $0.stock) }
        let years = Dictionary(grouping: memory.ratingRecords.values, by: \.year)
        let ratings = years.keys.sorted().map { year in
            Report.Ratings(year: year, ratings: SettlementReport.rows(years[year]!.map(\.rating).sorted { $0.household.rawValue < $1.household.rawValue },
                                                                    households: accounts))
        }
        let moment = try asOf ?? ledger.occurredOn(max(last, 1))
        let period = self.period ?? ReportPeriod("\((moment ?? ledger.today()).year)")!
        let standings = Standings.rows(try ledger.standings(in: period.dates, replayed: memory, through: last))
        if json {
            return try printJSON(Report(seq: last, balances: balances, stock: stock, ratings: ratings, period: period.label, standings: standings))
        }
        let l = options.language
        print(say(l, "重放至第 \(last) 条事件：", "Replayed through event \(last):"))
        var table = TextTable(headers: [say(l, "户号", "Household"), say(l, "户主", "Head"), say(l, "加分", "Earned"), say(l, "扣分", "Deducted"),
                                        say(l, "已兑换", "Redeemed"), say(l, "可用", "Available"), say(l, "待生效", "Pending")], numeric: [2, 3, 4, 5, 6])
        for row in balances {
            table.add([row.household, row.head, "\(row.earned)", "\(row.deducted)", "\(row.redeemed)", "\(row.available)", signed(row.pending)])
        }
        print(table.render(), terminator: "")
        print("")
        var items = TextTable(headers: [say(l, "物品", "Item"), say(l, "名称", "Name"), say(l, "库存", "Stock")], numeric: [2])
        for item in stock { items.add([item.item, item.name, "\(item.stock)"]) }
        print(items.render(), terminator: "")
        for year in ratings {
            print("")
            print(say(l, "\(year.year) 年星级评定与红黑榜", "\(year.year) star ratings and lists"))
            SettlementReport.printTable(year.ratings, l)
        }
        print("")
        Standings.printTable(standings, period: period.label, l)
    }
}

struct AuditReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The favouritism report (人情分排查): points per recorder, unit and household, with flags and their events.",
        discussion: """
            Per recorder: scores, points awarded and deducted, awards per joint unit and the share to their own unit \
            (unit leaders), how many of their scores were taken back or objected to. Flags: a recorder with over 20 % \
            taken back; a household with over 80 % of its awards from one recorder; a household more than three \
            standard deviations above the village — each with the events behind it.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("A month, quarter or year: 2025-03, 2025-Q1, 2025.", valueName: "period")) var period: ReportPeriod
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() throws {
        let ledger = try options.openForReading()
        let report = try ledger.favouritism(period: period.label, dates: period.dates)
        if json { return try printJSON(report) }
        let l = options.language
        print(say(l, "人情分排查 \(period.label)", "Favouritism report \(period.label)"))
        var table = TextTable(headers: [say(l, "记录人", "Recorder"), say(l, "联户", "Unit"), say(l, "记分", "Scores"), say(l, "加分", "Awarded"),
                                        say(l, "扣分", "Deducted"), say(l, "本联户占比", "Own unit"), say(l, "撤销", "Taken back"),
                                        say(l, "异议", "Objected")], numeric: [2, 3, 4, 5, 6, 7])
        for r in report.recorders {
            table.add([r.name, r.unit ?? "", "\(r.scores)", "\(r.awarded)", "\(r.deducted)",
                       r.ownUnitShare.map { String(format: "%.0f%%", $0 * 100) } ?? "", "\(r.reversed)", "\(r.objected)"])
        }
        print(table.render(), terminator: "")
        if report.flags.isEmpty { return print(say(l, "无异常标记。", "No flags.")) }
        print(say(l, "标记：", "Flags:"))
        for flag in report.flags {
            let events = flag.events.prefix(12).map { "#\($0)" }.joined(separator: " ") + (flag.events.count > 12 ? " …" : "")
            print("  [\(flag.kind)] \(flag.subject): \(flag.detail) — \(events)")
        }
    }
}
