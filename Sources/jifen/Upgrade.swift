import ArgumentParser
import Foundation
import Jifen
import JifenCore

struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Copy a ledger into a new file of another stored format (升级存储格式), with the same events and hash chain.",
        discussion: """
            Writes NEW, which must not exist, from OLD, which is only read: every event with the same sequence \
            number, fields and hash, each checked as it is copied (its link and its hash), then the balances, register \
            and stock folded afresh. The head is the same, so a head noted earlier and every signed checkpoint of OLD \
            verify against NEW. An OLD that does not verify is refused (exit 2), and nothing is left at NEW.

            --log-format 2 (the default) is the compact form jifen makes since December 2026; --log-format 1 writes \
            the form an older jifen reads. The new file is built as NEW.upgrading and named NEW only when it is whole \
            and on disk: a run stopped part-way leaves no NEW, and the next run removes NEW.upgrading. See \
            docs/FORMAT.md.
            """
    )

    @Argument(help: "The ledger to upgrade (only read).") var old: String
    @Argument(help: "The new ledger file to write (must not exist).") var new: String
    @Option(help: ArgumentHelp("The stored format of the new file: 2 (default, compact) or 1 (for a jifen from before December 2026).",
                               valueName: "2|1")) var logFormat: LogFormat = .compact
    @Option(help: ArgumentHelp("zh (default) or en.", valueName: "zh|en")) var lang: Language?
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Report: Encodable {
        struct File: Encodable { let file: String, format: Int, bytes: Int64, head: String }
        let events: Int64, from: File, to: File, sameHead: Bool
    }

    func run() throws {
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let oldFile = Console.current.resolved(old), newFile = Console.current.resolved(new)
        let progress = Progress(label: say(l, "升级", "upgrading"))
        // Ctrl-C or a polite kill of the binary takes the unfinished file with it (a hard kill leaves it to the next run).
        if Console.current.isProcess {
            OutputFile.draftForSignal = strdup(Ledger.upgradeWorkPath(for: newFile))
            OutputFile.removeDraftOnSignal()
            // Let those signals through even when the process was started with them blocked (as by some test runners).
            var signals = sigset_t()
            sigemptyset(&signals)
            for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        }
        defer { OutputFile.forget() }
        let report: UpgradeReport
        do {
            report = try Ledger.upgrade(from: oldFile, to: newFile, format: logFormat, progress: { progress.update($0, $1) })
        } catch let error as UpgradeError {
            progress.finish()
            throw refusal(error, l)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        let oldHead = report.oldHead.hex, newHead = report.newHead.hex
        if json {
            return try printJSON(Report(events: report.events,
                                        from: .init(file: old, format: report.from.rawValue, bytes: report.bytesBefore, head: oldHead),
                                        to: .init(file: new, format: report.to.rawValue, bytes: report.bytesAfter, head: newHead),
                                        sameHead: report.oldHead == report.newHead))
        }
        let from = report.from.rawValue, to = report.to.rawValue, n = report.events
        print(say(l, "已升级：\(old)（第 \(from) 版存储格式）→ \(new)（第 \(to) 版），\(n) 条事件逐条核对了序号、链接与哈希，余额、名册与库存已从流水重建。",
                  "Upgraded \(old) (stored format \(from)) to \(new) (stored format \(to)): \(n) events, each one's sequence number, link and hash checked; balances, register and stock folded afresh from the log."))
        print(say(l, "原文件链头 \(n):\(oldHead)", "Old head \(n):\(oldHead)"))
        print(say(l, "新文件链头 \(n):\(newHead)", "New head \(n):\(newHead)"))
        if report.oldHead == report.newHead {
            print(say(l, "链头相同：此前记下的链头和签名存证照样可以对新文件核验。",
                      "The heads are the same: a head noted earlier and every signed checkpoint verify against the new file."))
        }
        let perEvent = { (bytes: Int64) in n > 0 ? say(l, "（每条 \(bytes / n) 字节）", " (\(bytes / n) bytes an event)") : "" }
        print(say(l, "文件大小：\(report.bytesBefore) 字节\(perEvent(report.bytesBefore)) → \(report.bytesAfter) 字节\(perEvent(report.bytesAfter))。",
                  "File size: \(report.bytesBefore) bytes\(perEvent(report.bytesBefore)) → \(report.bytesAfter) bytes\(perEvent(report.bytesAfter))."))
    }

    /// What an upgrade that did not happen says: a refusal (exit 1), or an old file that fails verification (exit 2, said
    /// here: the status has no message of its own).
    func refusal(_ error: UpgradeError, _ l: Language) -> any Error {
        switch error {
        case .newExists:
            return CLIError(zh: "\(new) 已经存在；升级从不覆盖文件，请另给一个新文件名，或先把那个文件移走。",
                            en: "\(new) already exists; an upgrade never writes over a file, so give a new file name, or move that file away first.")
        case .alreadyIn(let format):
            let other = format == .compact ? 1 : 2
            return CLIError(zh: "\(old) 已经是第 \(format.rawValue) 版存储格式，无需升级；要换成第 \(other) 版，请加上 --log-format \(other)。",
                            en: "\(old) is in stored format \(format.rawValue) already, so there is nothing to upgrade; to write stored format \(other), add --log-format \(other).")
        case .cannotHold(let seq, let what, let chinese):
            return CLIError(zh: "\(old) 的第 \(seq) 条事件无法原样存入第 \(logFormat.rawValue) 版存储格式（\(chinese)），没有升级；这本账请保留原来的格式。",
                            en: "Event #\(seq) of \(old) cannot be kept as it is in stored format \(logFormat.rawValue) (\(what)), so nothing was upgraded; keep this ledger in its format.")
        case .leftOver(let path):
            return CLIError(zh: "\(path) 挡住了升级，它不是 jifen 升级时留下的文件；请把它移走后再运行一次。",
                            en: "\(path) is in the way of the upgrade and is not a file an upgrade left; move it away and run the command again.")
        case .damaged(let problem):
            Output.flush()
            Output.error("jifen: " + say(l, "\(old) 未通过核验，没有升级（\(new) 没有建立）：\(problem.chineseDescription)。请原样保留这个文件，用 `jifen verify --ledger \(old)` 查看，并恢复最近的备份。",
                                         "\(old) failed verification, so nothing was upgraded (\(new) was not made): \(problem.description). Keep the file as it is, see `jifen verify --ledger \(old)`, and restore the last backup.") + "\n")
            return VerificationFailed()
        }
    }
}
