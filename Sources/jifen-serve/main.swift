import ArgumentParser
import Foundation
import Hummingbird
import Jifen
import JifenCore
import JifenAudit
import JifenPostgres
import JifenServer
import JifenStore
import Logging
import NIOCore

/// `jifen serve` (and `jifen-serve`): the ledger as a service, on loopback unless told otherwise.
@main
struct Serve: AsyncParsableCommand {
    /// Runs the command; a refusal before the server starts is one sentence, in Chinese unless `--lang en` (or
    /// $JIFEN_LANG) asks for English, and exit 2.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if let serve = command as? Serve {
                try await serve.run()
            } else {
                try command.run()
            }
        } catch let refusal as Refusal {
            // A refusal comes from a parsed command: its --lang, else the environment's.
            let language = (command as? Serve)?.lang?.rawValue ?? ProcessInfo.processInfo.environment["JIFEN_LANG"]
            FileHandle.standardError.write(Data("\(language == "en" ? refusal.en : refusal.zh)\n".utf8))
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "jifen serve",
        abstract: "Serve a village ledger: the JSON API and the pages for clerks, reviewers, the shop and residents.",
        discussion: """
            Listens on 127.0.0.1:8080 unless --listen says otherwise; put it behind a reverse proxy for TLS \
            (docs/DEPLOY.md). Stops on SIGTERM or Ctrl-C once the requests in flight are answered. People log in with \
            the passwords set by `jifen actor password`; on a demo ledger with none, one is made up and printed once.
            """)

    @Option(help: ArgumentHelp("The ledger file.", valueName: "file")) var ledger: String?
    @Option(help: ArgumentHelp("Where to listen (127.0.0.1:8080 unless told).", valueName: "host:port")) var listen: String?
    @Option(help: ArgumentHelp("The language of a refusal: zh (default) or en; or set $JIFEN_LANG.", valueName: "zh|en")) var lang: RefusalLanguage?
    @Option(name: .customLong("public-url"), help: ArgumentHelp("The address people reach the server at, e.g. https://jifen.example.cn (https marks cookies Secure).", valueName: "url"))
    var publicURL: String?
    @Option(help: ArgumentHelp("Serve a county's sync instead: the county folder made by `jifen county init`.", valueName: "folder"))
    var county: String?
    @Option(name: .customLong("county-key"), help: ArgumentHelp("With --county or --postgres: the county's signing key, which signs the receipts.", valueName: "file"))
    var countyKey: String?
    // Every village of a county's PostgreSQL database (`CountyVillagesService`), with its sync and reports (`CountyService`).
    @Option(help: ArgumentHelp("Serve every village of a county's PostgreSQL database (jifen county init --postgres): its API under /api/v1/villages/{village}, its pages under /villages/{village}/, e.g. postgres://jifen@127.0.0.1/county; with --county-key, the villages' sync and the county's reports too.", valueName: "url"))
    var postgres: String?
    @Option(name: .customLong("county-person"), help: ArgumentHelp("With --postgres: add a person of the county (or set their password anew), reading the password from standard input, and stop.", valueName: "name"))
    var countyPerson: String?
    @Option(help: ArgumentHelp("With --county-person: administrator, or auditor (with --township).", valueName: "role"))
    var role: String?
    @Option(help: ArgumentHelp("With --county-person auditor: the township the auditor reads; with --new-village: the village's township.", valueName: "name"))
    var township: String?
    @Option(name: .customLong("new-village"), help: ArgumentHelp("With --postgres: make a village of --households households, an administrator 书记 and a clerk 会计 whose password is read from standard input, and stop (a trial, and the server's figures).", valueName: "code"))
    var newVillage: String?
    @Option(help: ArgumentHelp("With --new-village: how many households (300 unless told).", valueName: "n")) var households: Int?
    @Option(name: .customLong("set-password"), help: ArgumentHelp("With --postgres and --village: set this person's password in that village (as `jifen actor password` does in a file), by --by, and stop. Standard input: --by's own password first when the village has passwords, then the new one.", valueName: "name"))
    var setPassword: String?
    @Option(help: ArgumentHelp("With --set-password: the village.", valueName: "code")) var village: String?
    @Option(help: ArgumentHelp("With --set-password: who sets it (an administrator, or the person themself).", valueName: "name")) var by: String?
    @Option(help: ArgumentHelp("With --postgres: how many connections to the database the server may hold open (16 unless told).", valueName: "n"))
    var connections: Int?
    @Option(name: .customLong("cached-villages"), help: ArgumentHelp("With --postgres: how many villages' folds the server keeps in memory at most, the least recently used dropped first (4,096 unless told).", valueName: "n"))
    var cachedVillages: Int?
    @Option(name: .customLong("cached-events"), help: ArgumentHelp("With --postgres: how many events the kept folds may hold together (ten million unless told; about 400 bytes each, docs/SCALE.md). A village larger than this is still served, alone.", valueName: "n"))
    var cachedEvents: Int64?

    /// The county server's bounds given, by option: each holds only for `--postgres`.
    var bounds: [(option: String, value: Int64?)] {
        [("--connections", connections.map(Int64.init)), ("--cached-villages", cachedVillages.map(Int64.init)), ("--cached-events", cachedEvents)]
    }

    /// Where a server listens unless `--listen` says otherwise.
    static let defaultAddress = "127.0.0.1:8080"

    /// An option given where it would do nothing, refused rather than ignored: each holds only beside another.
    var misplaced: Refusal? {
        if county != nil, postgres != nil {
            return Refusal("--county 和 --postgres 只能给一个：县里的账要么在县的文件夹里，要么在县的数据库里。",
                           "--county and --postgres each name the county's books: give only one of them.")
        }
        if ledger != nil, county != nil || postgres != nil {
            return Refusal("--ledger 指的是村里的账本文件，服务县里的账（--county 或 --postgres）用不到它；请去掉它。",
                           "--ledger names a village's file, which serving a county (--county or --postgres) does not read; leave it out.")
        }
        let forDatabase = bounds.map { ($0.option, $0.value != nil) }
            + [("--county-person", countyPerson != nil), ("--new-village", newVillage != nil), ("--set-password", setPassword != nil)]
        if postgres == nil, let (option, _) = forDatabase.first(where: { $0.1 }) {
            return Refusal("\(option) 只用于县里的数据库（--postgres）；请去掉它，或加上 --postgres。",
                           "\(option) is for a county's database only (--postgres); leave it out, or add --postgres.")
        }
        let companions: [(option: String, given: Bool, zh: String, en: String, met: Bool)] = [
            ("--county-key", countyKey != nil, "--county 或 --postgres", "--county or --postgres", county != nil || postgres != nil),
            ("--role", role != nil, "--county-person", "--county-person", countyPerson != nil),
            ("--township", township != nil, "--county-person 或 --new-village", "--county-person or --new-village",
             countyPerson != nil || newVillage != nil),
            ("--households", households != nil, "--new-village", "--new-village", newVillage != nil),
            ("--village", village != nil, "--set-password", "--set-password", setPassword != nil),
            ("--by", by != nil, "--set-password", "--set-password", setPassword != nil),
        ]
        if let alone = companions.first(where: { $0.given && !$0.met }) {
            return Refusal("\(alone.option) 只和 \(alone.zh) 一起用；请去掉它，或加上 \(alone.zh)。",
                           "\(alone.option) goes only with \(alone.en); leave it out, or add \(alone.en).")
        }
        if setPassword != nil, countyPerson != nil || newVillage != nil {
            return Refusal("--set-password 是单独的一步：请不要和 --county-person、--new-village 一起给。",
                           "--set-password is a step of its own: give it without --county-person and --new-village.")
        }
        let step = [("--set-password", setPassword), ("--county-person", countyPerson), ("--new-village", newVillage)]
            .first(where: { $0.1 != nil })?.0
        if let step, let serving = [("--county-key", countyKey != nil), ("--public-url", publicURL != nil), ("--listen", listen != nil)]
            .first(where: { $0.1 })?.0 {
            return Refusal("\(serving) 是服务时用的，\(step) 只做这一步就停，不服务；请去掉它。",
                           "\(serving) is for serving, and \(step) does its step and stops, serving nothing; leave it out.")
        }
        return nil
    }

    func run() async throws {
        if let misplaced { throw misplaced }
        if let postgres { return try await servePostgres(postgres) }
        if let county { return try await serveCounty(county) }
        let path = ledger ?? ProcessInfo.processInfo.environment["JIFEN_LEDGER"] ?? "jifen.sqlite"
        guard let (host, port) = Self.address(listen ?? Self.defaultAddress) else {
            throw Refusal("--listen 应写作 主机:端口，例如 127.0.0.1:8080。", "--listen is host:port, e.g. 127.0.0.1:8080.")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw Refusal("账本 \(path) 不存在；请用 --ledger 指明账本文件，或先用 jifen init 新建。",
                          "The ledger \(path) does not exist; name it with --ledger, or make one with jifen init.")
        }
        let opened: Ledger
        var readers: [Ledger] = []
        let longReader: Ledger
        do {
            opened = try Ledger(path: path)
            longReader = try Ledger(path: path, readOnly: true)
            // One read-only connection per core, so that reads go side by side and never wait for a write.
            for _ in 0..<max(1, ProcessInfo.processInfo.activeProcessorCount) { readers.append(try Ledger(path: path, readOnly: true)) }
        } catch let error as LedgerError {
            throw Refusal(error.chinese, error.description)
        }
        try Self.demoPasswords(opened)

        var logger = Logger(label: "jifen")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let service = JifenService(ledger: opened, readers: readers, longReader: longReader, settings: ServerSettings(host: host, port: port, publicURL: publicURL))
        logger.info("serving", metadata: ["ledger": .string(path), "listen": .string("\(host):\(port)")])
        do {
            try await service.application(logger: logger).runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES {
            throw Refusal(error.errnoCode == EADDRINUSE ? "\(host):\(port) 已被别的程序占用；请换一个端口（--listen）或先停掉那个程序。"
                                                         : "没有权限在 \(host):\(port) 上监听；请换一个大于 1024 的端口（--listen）。",
                          error.errnoCode == EADDRINUSE ? "\(host):\(port) is in use by another program; choose another port (--listen) or stop that one."
                                                         : "No permission to listen on \(host):\(port); choose a port above 1024 (--listen).")
        }
        await service.door.close()
    }

    /// `--county`: the county's sync server over a county folder (`CountyService`), with its reports (`/county`).
    func serveCounty(_ folder: String) async throws {
        let (host, port) = try countyAddress()
        let service: CountyService
        do {
            let chains = try CountyFolder(path: folder)
            service = try CountyService(chains: chains, key: try countySigningKey(),
                                        reports: CountyReports(source: CountyFolderReports(folder: chains),
                                                               secureCookies: publicURL?.lowercased().hasPrefix("https://") ?? false))
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal("县级同步服务没能启动：\(error)", "The county's sync could not start: \(error)")
        }
        try await runCounty(service.router(), host: host, port: port, metadata: ["folder": .string(folder)])
    }

    /// A county server's address (`--listen`).
    func countyAddress() throws -> (String, Int) {
        guard let address = Self.address(listen ?? Self.defaultAddress) else {
            throw Refusal("--listen 应写作 主机:端口，例如 127.0.0.1:8080。", "--listen is host:port, e.g. 127.0.0.1:8080.")
        }
        return address
    }

    /// The county's signing key (`--county-key`), which signs its receipts.
    func countySigningKey() throws -> SigningKey {
        guard let countyKey, let text = try? String(contentsOfFile: countyKey, encoding: .utf8) else {
            throw Refusal("县级同步服务要用县里的签名密钥签回执：请用 --county-key 指明 jifen county init 时的密钥文件。",
                          "The county's sync signs its receipts with the county's key: name the key file of `jifen county init` with --county-key.")
        }
        do {
            return try SigningKey(file: text)
        } catch {
            throw Refusal("\(countyKey) 不是签名密钥文件。", "\(countyKey) is not a signing key file.")
        }
    }

    /// Serves a county's routes until SIGTERM or Ctrl-C.
    func runCounty(_ router: Router<BasicRequestContext>, host: String, port: Int, metadata: Logger.Metadata) async throws {
        var logger = Logger(label: "jifen-county")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        logger.info("serving the county", metadata: metadata.merging(["listen": .string("\(host):\(port)")]) { $1 })
        let application = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "jifen-county"),
                                      logger: logger)
        do {
            try await application.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES {
            throw Refusal("没能在 \(host):\(port) 上监听（\(error)）；请换一个端口（--listen）。", "Could not listen on \(host):\(port) (\(error)); choose another port (--listen).")
        }
    }

    /// `--postgres`: every village of the county's database, or the county's setup steps (`--county-person`, `--new-village`).
    func servePostgres(_ url: String) async throws {
        guard let (host, port) = Self.address(listen ?? Self.defaultAddress) else {
            throw Refusal("--listen 应写作 主机:端口，例如 127.0.0.1:8080。", "--listen is host:port, e.g. 127.0.0.1:8080.")
        }
        for case let (option, value?) in bounds + [("--households", households.map(Int64.init))] where value < 1 {
            throw Refusal("\(option) 应是正整数，现在是 \(value)。", "\(option) is a positive whole number, not \(value).")
        }
        let county: PostgresCounty
        do {
            county = try PostgresCounty(url: url, connections: connections ?? PostgresCounty.defaultConnections,
                                        cachedVillages: cachedVillages ?? PostgresCounty.defaultCachedVillages,
                                        cachedEvents: cachedEvents ?? PostgresCounty.defaultCachedEvents)
        } catch {
            throw Refusal("没能打开县里的数据库：\(error)", "Could not open the county's database: \(error)")
        }
        defer { county.close() }
        if let name = setPassword {
            guard let code = village, let by else {
                throw Refusal("--set-password 要同时给出 --village 和 --by。", "--set-password needs --village and --by.")
            }
            do {
                if try county.syncs(code) {
                    throw Refusal("\(code) 村的账记在村里自己的电脑上（它向县里同步），密码请在村里用 jifen actor password 设。",
                                  "\(code) keeps its books on its own office's PC (it syncs to the county): set passwords there with jifen actor password.")
                }
                let books = PostgresVillage(store: county.village(code))
                if try books.passwordsInForce() {
                    guard let own = readLine(strippingNewline: true) else {
                        throw Refusal("请先从标准输入给出 \(by) 自己的密码。", "Give \(by)'s own password on standard input first.")
                    }
                    try books.checkPassword(name: by, password: own)
                    books.trustAuthenticated(by)
                }
                guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                    throw Refusal("请从标准输入给出新密码（一行）。", "Give the new password on standard input (one line).")
                }
                try books.setPassword(of: name, to: password, by: by, on: nil)
            } catch let refusal as Refusal {
                throw refusal
            } catch let rejection as Rejection {
                throw Refusal(rejection.chinese, rejection.description)
            } catch let refusal as PasswordRefusal {
                throw Refusal(refusal.chinese, refusal.description)
            } catch {
                throw Refusal("没有做成：\(error)", "Not done: \(error)")
            }
            return
        }
        if countyPerson != nil || newVillage != nil {
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw Refusal("请从标准输入给出密码（一行）。", "Give the password on standard input (one line).")
            }
            do {
                if let name = countyPerson {
                    guard let role = role.flatMap(CountyPerson.Role.init(rawValue:)) else {
                        throw Refusal("--role 只能是 administrator 或 auditor。", "--role is administrator or auditor.")
                    }
                    try county.setPerson(name, role: role, township: township, password: password)
                }
                if let code = newVillage {
                    var village = NewVillage(code: code, township: township)
                    village.households = households ?? 300
                    try village.make(in: county, password: password)
                }
            } catch let refusal as Refusal {
                throw refusal
            } catch {
                throw Refusal("没有做成：\(error)", "Not done: \(error)")
            }
            return
        }
        var logger = Logger(label: "jifen")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let service = CountyVillagesService(county: county, settings: ServerSettings(host: host, port: port, publicURL: publicURL))
        // With the county's key: each village's sync (its receipts signed by the key) and the county's reports, whose
        // readers are the county's people logged in here.
        var sync: CountyService?
        if countyKey != nil {
            do {
                sync = try CountyService(chains: PostgresCountyChains(county: county), key: try countySigningKey(),
                                         reports: CountyReports(source: county, viewer: { await service.reportViewer($0) },
                                                                secureCookies: publicURL?.lowercased().hasPrefix("https://") ?? false))
            } catch let refusal as Refusal {
                throw refusal
            } catch {
                throw Refusal("县里的数据库服务没能启动：\(error)", "The county's database could not be served: \(error)")
            }
        }
        logger.info("serving the county's villages", metadata: ["postgres": .string(Self.withoutPassword(url)),
                                                                "sync": .string(sync == nil ? "off (no --county-key)" : "on"),
                                                                "listen": .string("\(host):\(port)")])
        do {
            try await service.application(logger: logger, county: sync).runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES {
            throw Refusal("没能在 \(host):\(port) 上监听（\(error)）；请换一个端口（--listen）。", "Could not listen on \(host):\(port) (\(error)); choose another port (--listen).")
        }
        await service.close()
    }

    /// A database URL as logged: its password left out.
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "…"
        return components.string ?? url
    }

    /// On a demo ledger where no one has a password yet, one made-up password for every active person, printed once.
    static func demoPasswords(_ ledger: Ledger) throws {
        guard try ledger.info().demo, try !ledger.passwordsInForce() else { return }
        let people = try ledger.actors().filter { $0.status == .active }
        guard let admin = people.first(where: { $0.roles.contains(.admin) }) else { return }
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let password = String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        try ledger.setPassword(of: admin.name.rawValue, to: password, by: admin.name.rawValue)
        ledger.trustAuthenticated(admin.name.rawValue)
        for person in people where person.name != admin.name {
            try ledger.setPassword(of: person.name.rawValue, to: password, by: admin.name.rawValue)
        }
        print("演示账本：以下每个人的密码都是 \(password)（只显示这一次；可用 jifen actor password 改）")
        print("Demo ledger: each of these people's password is \(password) (shown this once; change it with jifen actor password)")
        for person in people {
            print("  \(person.name.rawValue)  \(person.roles.map { "\($0.zh) \($0.rawValue)" }.joined(separator: ", "))")
        }
        fflush(nil)
    }

    /// "host:port", "[v6]:port" or ":port" (loopback).
    static func address(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}

/// The languages a refusal is said in.
enum RefusalLanguage: String, ExpressibleByArgument {
    case zh, en
}

/// A refusal before the server starts: one sentence, said in the language asked for, exit 2.
struct Refusal: Error, CustomStringConvertible {
    let zh: String, en: String
    init(_ zh: String, _ en: String) { self.zh = zh; self.en = en }
    var description: String { "\(zh)\n\(en)" }
}
