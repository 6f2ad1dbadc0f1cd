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
                      SchemeCommand.self, Export.self, Demo.self, BenchCommand.self]
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
        let arguments = Array(CommandLine.arguments.dropFirst())
        // Refusals are said in the clerk's language; the parsed command is gone by the time one is caught.
        let language = Language.requested(in: arguments)
        Output.isEnglish = language == .en
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
        } catch let error as LedgerError {
            fail(say(language, error.chinese, error.description), status: error.isDamage ? 2 : 1)
        } catch let error as ProjectionError {
            // The log holds an event that cannot be folded: the same as failing verification.
            fail(say(language, "账本里的第 \(error.seq) 条事件无法重放（\(error.problem)）；请原样保留这个文件，运行 `jifen verify`，并恢复最近的备份。",
                     "Event #\(error.seq) of the ledger cannot be replayed (\(error.problem)); keep the file as it is, run `jifen verify`, and restore the last backup."),
                 status: 2)
        } catch let error as SchemeProblem {
            fail(say(language, "积分方案文件有误：\(error.chineseDescription)；请改正后再运行一次。",
                     "The scheme file is not usable: \(error); fix it and run the command again."))
        } catch let error as CLIError {
            fail(say(language, error.chinese, error.description))
        } catch let error as CSVTable.Malformed {
            fail(say(language, error.chinese, error.description))
        } catch let error as SheetText.Undecodable {
            fail(say(language, error.chinese, error.description))
        } catch let error as CheckpointError {
            fail(say(language, "密钥或签名存证文件不能用（\(error.description)）；请核对所给的文件。",
                     "The key or checkpoint file cannot be used: \(error.description); check the file you named."))
        } catch let error as PassbookPageMissing {
            fail(say(language, error.chinese, error.description))
        } catch is VerificationFailed {
            Output.flush()
            exit(2)
        } catch {
            // A failure of the file met on a write path is said as the facade says it (damage is exit 2).
            if let failure = LedgerError(error) {
                fail(say(language, failure.chinese, failure.description), status: failure.isDamage ? 2 : 1)
            }
            Output.flush()
            Jifen.exit(withError: error)
        }
    }

    static func fail(_ message: String, status: Int32 = 1) -> Never {
        Output.flush()
        Output.error("jifen: \(message)\n")
        exit(status)
    }
}
