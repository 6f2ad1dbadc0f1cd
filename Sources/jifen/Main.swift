import ArgumentParser
import Foundation
import Jifen
import JifenAudit
import JifenCore

struct Jifen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jifen",
        abstract: "积分 — the village credit-points ledger (积分制): scores, the points shop, balances, audit.",
        discussion: """
            One ledger file per village (default ./jifen.sqlite, or $JIFEN_LEDGER; choose with --ledger). Every \
            score, correction, redemption and stock movement is an event in a hash-chained log that is never \
            edited: mistakes are corrected with `jifen reverse`.

            Exit codes: 0 done; 1 refused (the message says why and what to do); 2 the ledger failed \
            verification; 64 bad usage.

            Every command takes --ledger PATH and --lang zh|en (tables and messages in Chinese by default, or \
            $JIFEN_LANG); commands that write take --by NAME (or $JIFEN_ACTOR): a person registered with \
            `jifen actor add` whose role allows it. Scores become final (生效) only after review and the public \
            notice (公示): see `jifen notice --help`.

            Start with `jifen demo`, then try `jifen --ledger jifen-demo.sqlite balance`.
            """,
        version: "0.1.0",
        subcommands: [Init.self, ActorCommand.self, UnitCommand.self, HouseholdCommand.self, RecordCommand.self, Reverse.self,
                      Approve.self, Reject.self, ReviewList.self, NoticeCommand.self, Object.self, Resolve.self,
                      Settle.self, SettlementReport.self, ShopCommand.self, BalanceCommand.self, History.self, StatementCommand.self, PassbookCommand.self,
                      Standings.self,
                      Log.self, Verify.self, AuditCommand.self, KeyCommand.self, CheckpointCommand.self, Rebuild.self,
                      SchemeCommand.self, SheetCommand.self, Export.self, Upgrade.self, ServeCommand.self, CountyCommand.self, SyncCommand.self, Demo.self, BenchCommand.self]
    )
}

/// Global options may come before the subcommand (`jifen --ledger x balance`); they are moved after it,
/// where every subcommand declares them.
func arranged(_ arguments: [String]) -> [String] {
    var globals: [String] = []
    var rest = arguments[...]
    while let first = rest.first, ["--ledger", "--lang"].contains(where: { first == $0 || first.hasPrefix($0 + "=") }) {
        globals.append(rest.removeFirst())
        if !first.contains("="), let value = rest.first {
            globals.append(value)
            rest.removeFirst()
        }
    }
    guard !globals.isEmpty else { return arguments }
    var words: [String] = []
    // Keep the subcommand path (words without dashes naming commands) first, then the globals.
    var command: ParsableCommand.Type = Jifen.self
    while let word = rest.first,
          let sub = command.configuration.subcommands.first(where: { $0._commandName == word }) {
        words.append(rest.removeFirst())
        command = sub
    }
    return words + globals + Array(rest)
}

@main
enum Main {
    static func main() {
        let status = run(Array(CommandLine.arguments.dropFirst()))
        exit(status)
    }

    /// Runs one command line on the console at hand (`Console.current`) and returns its exit status: the messages
    /// and statuses the binary has, without leaving the process.
    static func run(_ arguments: [String]) -> Int32 {
        var status: Int32 = 0
        // Refusals are said in the clerk's language; the parsed command is gone by the time one is caught.
        let language = Language.requested(in: arguments)
        Console.current.isEnglish = language == .en
        /// Says why the command failed on standard error, after what it printed, and sets the status.
        func fail(_ message: String, status code: Int32 = 1) {
            Output.flush()
            Output.error("jifen: \(Console.current.asGiven(message))\n")
            status = code
        }
        do {
            var command = try Jifen.parseAsRoot(arranged(arguments))
            try command.run()
            Output.flush()
        } catch let error as Rejection {
            fail(Hints.sentence(error, language))
        } catch let error as BatchRejected {
            for problem in error.problems {
                Output.error("  \(Hints.line(problem, language))\n")
            }
            fail(say(language, error.chinese, error.description))
        } catch let error as ProjectionError {
            // The log holds an event that cannot be folded: the same as failing verification.
            fail(say(language, "账本里的第 \(error.seq) 条事件无法重放（\(error.problem)）；请原样保留这个文件，运行 `jifen verify`，并恢复最近的备份。",
                     "Event #\(error.seq) of the ledger cannot be replayed (\(error.problem)); keep the file as it is, run `jifen verify`, and restore the last backup."),
                 status: 2)
        } catch let error as SchemeProblem {
            fail(say(language, "积分方案文件有误：\(error.chineseDescription)；请改正后再运行一次。",
                     "The scheme file is not usable: \(error); fix it and run the command again."))
        } catch let error as PasswordRefusal {
            fail(PasswordPrompt.sentence(error, language))
        } catch let error as CLIError {
            fail(say(language, error.chinese, error.description))
        } catch let error as CSVTable.Malformed {
            fail(say(language, error.chinese, error.description))
        } catch let error as SheetText.Undecodable {
            fail(say(language, error.chinese, error.description))
        } catch let error as UnreadableWorkbook {
            // A damaged or hostile workbook, as damage is said.
            fail(say(language, error.chinese, error.description), status: 2)
        } catch let error as CheckpointError {
            fail(say(language, "密钥或签名存证文件不能用（\(error.description)）；请核对所给的文件。",
                     "The key or checkpoint file cannot be used: \(error.description); check the file you named."))
        } catch let error as PassbookPageMissing {
            fail(say(language, error.chinese, error.description))
        } catch let error as ReceiptRefusal {
            fail(say(language, error.chinese, error.description))
        } catch is VerificationFailed {
            Output.flush()
            status = 2
        } catch {
            // A failure of the ledger file, as the facade says it (a `LedgerError`, or the store's own if one reached here
            // unsaid): damage is exit 2.
            if let failure = LedgerError(error) {
                fail(say(language, failure.chinese, failure.description), status: failure.isDamage ? 2 : 1)
            } else {
                Output.flush()
                status = usage(error)
            }
        }
        // A write to standard output that failed in-process ends the run as it ends the binary.
        if Console.current.failure != nil { status = 1 }
        return status
    }

    /// Help, the version and usage mistakes, said where and as ArgumentParser's `exit(withError:)` says them.
    private static func usage(_ error: any Error) -> Int32 {
        let code = Jifen.exitCode(for: error)
        let text = Jifen.fullMessage(for: error)
        if !text.isEmpty {
            if code == .success {
                Output.bytes((text + "\n").utf8)
                Output.flush()
            } else {
                Output.terminalControl(text + "\n")
            }
        }
        return code.rawValue
    }
}

extension Main {
    /// Runs a command line in this process, as the binary would run it in `directory` with only `environment` and
    /// `input` on standard input, and returns its exit status and what it wrote to standard output and error.
    /// Standard output fails as a full disk does after `limit` bytes. Runs side by side do not meet: each has its own
    /// console. Nothing process-wide is touched (no signal handler, no exit).
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:], input: Data? = nil,
                    limit: Int? = nil) -> (status: Int32, out: String, err: String) {
        let console = Console(environment: environment, directory: directory, input: input, limit: limit)
        let status = Console.$current.withValue(console) { Main.run(arguments) }
        return (status, String(decoding: console.out, as: UTF8.self), String(decoding: console.err, as: UTF8.self))
    }
}
