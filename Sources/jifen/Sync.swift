import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `jifen sync push|pull …`: hands over to `jifen-sync`, beside this program, so that only it links an HTTP client and
/// `jifen` itself starts as fast as ever (as `jifen serve` hands over to `jifen-serve`).
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Hand the village's log to the county (push) or copy a village's log from it (pull); run `jifen sync push --help`.",
        discussion: """
            jifen sync push --to URL --village NAME --key-file FILE [--by NAME]: send the events the county lacks, in \
            pieces (resumable), and file its signed receipt in the ledger. jifen sync pull --from URL --village NAME \
            --key-file FILE --out FILE: a copy for an auditor offline (or --as NAME instead of --key-file: an auditor \
            of the county logged in with their own password). See docs/DEPLOY.md, "Sync and the county".
            """)
    @Argument(parsing: .captureForPassthrough, help: "push or pull, and their options.") var arguments: [String] = []

    func run() throws {
        // Global options moved before the subcommand (`jifen --lang en sync push …`) go after it, where jifen-sync takes them.
        var words = arguments
        if let index = words.firstIndex(where: { ["push", "pull", "verify"].contains($0) }), index > 0 {
            let globals = words[..<index]
            words.removeSubrange(..<index)
            words.insert(contentsOf: globals, at: 1)
        }
        try handOver(to: "jifen-sync", words)
    }
}

/// Replaces this process with `program` (beside `jifen`) run with `arguments`.
func handOver(to program: String, _ arguments: [String]) throws {
    guard let path = siblingProgram(program) else {
        throw CLIError(zh: "这个命令需要 jifen 旁边有 \(program)（swift build 会同时生成）；请把它复制过去。",
                       en: "This command needs \(program) beside jifen (swift build makes both); copy it there.")
    }
    guard Console.current.isProcess else {
        throw CLIError(zh: "这个命令只能作为独立程序运行。", en: "This command runs only as a program of its own.")
    }
    Output.flush()
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    execv(path, argv)
    throw CLIError(zh: "没能启动 \(path)（\(String(cString: strerror(errno)))）。", en: "Could not start \(path) (\(String(cString: strerror(errno)))).")
}
