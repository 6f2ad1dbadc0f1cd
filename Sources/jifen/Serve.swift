import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `jifen serve`: hands over to `jifen-serve`, beside this program, so that only the server loads SwiftNIO and
/// Hummingbird and `jifen` itself starts as fast as ever.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ledger on the web: the JSON API and the pages for clerks, reviewers, the shop and residents.",
        discussion: """
            Listens on 127.0.0.1:8080 unless --listen says otherwise; for TLS put it behind a reverse proxy \
            (docs/DEPLOY.md). People log in with the passwords set by `jifen actor password`; on a demo ledger with \
            none, one is made up and printed once. Stops on SIGTERM or Ctrl-C once the requests in flight are answered. \
            The CLI keeps working on the same file meanwhile.
            """)
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Where to listen (127.0.0.1:8080 unless told).", valueName: "host:port")) var listen: String?
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The address people reach the server at, e.g. https://jifen.example.cn (https marks cookies Secure).", valueName: "url"))
    var publicURL: String?
    @Option(help: ArgumentHelp("Serve a county's sync instead: the folder of `jifen county init` (docs/DEPLOY.md).", valueName: "folder"))
    var county: String?
    @Option(name: .customLong("county-key"), help: ArgumentHelp("With --county or --postgres: the county's signing key.", valueName: "file"))
    var countyKey: String?
    @Option(help: ArgumentHelp("Serve the county's PostgreSQL database instead (jifen county init --postgres).", valueName: "url"))
    var postgres: String?
    @Option(help: ArgumentHelp("With --postgres: how many connections to the database the server may hold open (16 unless told).", valueName: "n"))
    var connections: Int?
    @Option(name: .customLong("cached-villages"), help: ArgumentHelp("With --postgres: how many villages' folds the server keeps in memory at most (4,096 unless told).", valueName: "n"))
    var cachedVillages: Int?
    @Option(name: .customLong("cached-events"), help: ArgumentHelp("With --postgres: how many events the kept folds may hold together (ten million unless told, about 4 GB).", valueName: "n"))
    var cachedEvents: Int64?

    func run() throws {
        guard let server = siblingProgram("jifen-serve") else {
            throw CLIError(zh: "jifen serve 需要 jifen 旁边有 jifen-serve（swift build 会同时生成）；请把它复制过去。",
                           en: "jifen serve needs jifen-serve beside jifen (swift build makes both); copy it there.")
        }
        guard Console.current.isProcess else {
            throw CLIError(zh: "jifen serve 只能作为独立程序运行。", en: "jifen serve runs only as a program of its own.")
        }
        var arguments = [server, "--lang", options.language.rawValue]
        if let listen { arguments += ["--listen", listen] }
        // The village's file: the one named, or by default ($JIFEN_LEDGER, ./jifen.sqlite) when no county is served;
        // jifen-serve refuses a file named beside a county rather than ignore it.
        if options.ledger != nil || (county == nil && postgres == nil) { arguments += ["--ledger", options.file] }
        if let county { arguments += ["--county", Console.current.resolved(county)] }
        if let postgres { arguments += ["--postgres", postgres] }
        for (option, value) in [("--connections", connections.map(Int64.init)), ("--cached-villages", cachedVillages.map(Int64.init)),
                                ("--cached-events", cachedEvents)] {
            if let value { arguments.append("\(option)=\(value)") }   // one word, so that a negative number is refused as such
        }
        if let countyKey { arguments += ["--county-key", Console.current.resolved(countyKey)] }   // jifen-serve refuses it alone
        if let publicURL { arguments += ["--public-url", publicURL] }
        Output.flush()
        let argv = arguments.map { strdup($0) } + [nil]
        execv(server, argv)
        throw CLIError(zh: "没能启动 \(server)（\(String(cString: strerror(errno)))）。", en: "Could not start \(server) (\(String(cString: strerror(errno)))).")
    }
}
