import ArgumentParser
import Foundation
import Jifen
import JifenAudit

/// `jifen county`: the county's copy of its villages' ledgers, which `jifen serve --county` (a folder of village
/// ledgers) or `jifen serve --postgres` (the county's PostgreSQL database) serves to the villages' pushes. With
/// `--postgres` each command hands over to `jifen-county`, beside this program, so that only it links PostgreSQL's client.
struct CountyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county",
        abstract: "The county's copy of its villages' ledgers (县级存证): make the folder, add villages, list their heads.",
        discussion: """
            A county folder (FOLDER, --folder) or the county's PostgreSQL database (--postgres URL); into the database, \
            jifen county load FILE --village CODE --postgres URL loads a village's existing ledger.
            """,
        subcommands: [CountyInit.self, CountyAdd.self, CountyList.self, CountyLoad.self, CountyPeople.self])
}

/// The county's PostgreSQL database, for `jifen-county`.
struct CountyDatabase: ParsableArguments {
    @Option(help: ArgumentHelp("The county's PostgreSQL database instead of a folder, e.g. postgres://jifen@127.0.0.1/county.", valueName: "url"))
    var postgres: String?
}

/// Hands a `jifen county` command over to `jifen-county` with `arguments`, in the language asked for.
func handOverToCounty(_ arguments: [String], postgres: String, lang: Language?) throws -> Never {
    let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
    try handOver(to: "jifen-county", arguments + ["--postgres", postgres, "--lang", l.rawValue])
    throw CLIError(zh: "没能启动 jifen-county。", en: "Could not start jifen-county.")
}

/// `jifen county person …`: the county's own people, in its database only (a county folder has its administrator's token
/// alone), all handed over to `jifen-county`.
struct CountyPeople: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person",
        abstract: "The county's own people (its administrator, the townships' auditors), who log in to jifen serve --postgres.",
        discussion: """
            jifen county person set NAME --role administrator --postgres URL
            jifen county person set NAME --role auditor --township 乡镇 --postgres URL   (adds, or sets the password anew)
            jifen county person list [--json] --postgres URL
            jifen county person retire NAME --postgres URL
            The password is asked for twice on a terminal (not shown), or read from standard input, one line.
            """)
    @Option(help: ArgumentHelp("The county's PostgreSQL database, e.g. postgres://jifen@127.0.0.1/county.", valueName: "url"))
    var postgres: String
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?
    @Argument(parsing: .allUnrecognized, help: "set NAME --role ROLE [--township T], list [--json], or retire NAME.")
    var arguments: [String] = []

    func run() throws { try handOverToCounty(["person"] + arguments, postgres: postgres, lang: lang) }
}

/// Refuses a county command given both a folder and a database, or neither.
func oneCounty(folder: String?, postgres: String?) throws {
    guard (folder == nil) != (postgres == nil) else {
        throw ValidationError("Name the county: a folder, or its database with --postgres URL (one of them).")
    }
}

struct CountyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a county folder; its receipts are signed by --key (made, with KEY.pub beside it, if it does not exist).",
        discussion: "Prints the county administrator's token once (for `GET /api/v1/villages`); the folder keeps only its hash.")
    @Argument(help: "The folder.") var folder: String?
    @Option(help: ArgumentHelp("The county's signing key file, e.g. county.key.", valueName: "file")) var key: String
    @OptionGroup var database: CountyDatabase
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func validate() throws { try oneCounty(folder: folder, postgres: database.postgres) }

    func run() throws {
        if let postgres = database.postgres { try handOverToCounty(["init", "--key", Console.current.resolved(key)], postgres: postgres, lang: lang) }
        guard let folder else { return }
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let keyPath = Console.current.resolved(key)
        let signing: SigningKey
        if FileManager.default.fileExists(atPath: keyPath) {
            signing = try SigningKey(file: String(decoding: try readFile(key), as: UTF8.self))
        } else {
            signing = SigningKey()
            let publicPath = (keyPath.hasSuffix(".key") ? String(keyPath.dropLast(4)) : keyPath) + ".pub"
            guard FileManager.default.createFile(atPath: keyPath, contents: Data(signing.privateFile.utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: publicPath, contents: Data(signing.publicFile.utf8), attributes: [.posixPermissions: 0o644]) else {
                throw CLIError(zh: "无法写入 \(key)；请确认文件夹存在并且可以写入。", en: "Cannot write \(key); check the folder exists and may be written to.")
            }
            print(say(l, "已生成县里的签名密钥 \(key)（仅本人可读，妥善保管）和 \(publicPath)（交给各村和审计）。",
                      "Made the county's signing key \(key) (readable by you only; keep it safe) and \(publicPath) (for the villages and auditors)."))
        }
        let token: String
        do {
            token = try CountyFolders.create(at: Console.current.resolved(folder), publicKey: signing.key.publicKey.rawRepresentation.base64EncodedString())
        } catch let error as CountyFolders.Problem {
            throw CLIError(zh: "县级文件夹没能建成：\(error)", en: "The county folder could not be made: \(error)")
        }
        print(say(l, "已建县级文件夹 \(folder)。管理员令牌（只显示这一次）：", "Made the county folder \(folder). The administrator's token (shown this once):"))
        print(token)
    }
}

struct CountyAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a village to the county and print its sync key once (the folder keeps only its hash).")
    @Argument(help: "The village's name in the county: letters, digits, - and _.") var village: String
    @Option(help: ArgumentHelp("The county folder.", valueName: "folder")) var folder: String?
    @OptionGroup var database: CountyDatabase
    @Option(help: ArgumentHelp("With --postgres: the township (乡镇) the village belongs to.", valueName: "name")) var township: String?
    @Option(help: ArgumentHelp("Also write the key to this file (readable by you only).", valueName: "file")) var out: String?
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func validate() throws {
        try oneCounty(folder: folder, postgres: database.postgres)
        if township != nil && database.postgres == nil { throw ValidationError("--township is for the county's database (--postgres).") }
    }

    func run() throws {
        if let postgres = database.postgres {
            try handOverToCounty(["add", village] + (township.map { ["--township", $0] } ?? []) + (out.map { ["--out", Console.current.resolved($0)] } ?? []),
                                 postgres: postgres, lang: lang)
        }
        guard let folder else { return }
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let key: String
        do {
            key = try CountyFolders.add(village: village, folder: Console.current.resolved(folder), on: ISO8601DateFormatter().string(from: Date()))
        } catch let error as CountyFolders.Problem {
            throw CLIError(zh: "没能加上 \(village)：\(error)", en: "\(village) could not be added: \(error)")
        }
        if let out {
            guard FileManager.default.createFile(atPath: Console.current.resolved(out), contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError(zh: "无法写入 \(out)。", en: "Cannot write \(out).")
            }
        }
        print(say(l, "已加上 \(village)。它的同步密钥（只显示这一次，交给村里存进密钥文件）：", "Added \(village). Its sync key (shown this once; give it to the village for its key file):"))
        print(key)
    }
}

struct CountyList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every village of the county with its head as the county holds it.")
    @Option(help: ArgumentHelp("The county folder.", valueName: "folder")) var folder: String?
    @OptionGroup var database: CountyDatabase
    @Flag(help: "Print JSON for scripts.") var json = false
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func validate() throws { try oneCounty(folder: folder, postgres: database.postgres) }

    func run() throws {
        if let postgres = database.postgres { try handOverToCounty(["list"] + (json ? ["--json"] : []), postgres: postgres, lang: lang) }
        guard let folder else { return }
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let rows: [CountyFolders.Village]
        do {
            rows = try CountyFolders.villages(folder: Console.current.resolved(folder))
        } catch let error as CountyFolders.Problem {
            throw CLIError(zh: "读不了县级文件夹：\(error)", en: "The county folder cannot be read: \(error)")
        }
        if json { return try printJSON(rows) }
        for row in rows {
            print(say(l, "\(row.village)\t\(row.name ?? "（尚未推送）")\t\(row.events) 条事件\t\(row.head)",
                      "\(row.village)\t\(row.name ?? "(nothing pushed yet)")\t\(row.events) events\t\(row.head)"))
        }
    }
}

struct CountyLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a village's ledger file into the county's database: every hash checked, the same seq and hash on both sides.",
        discussion: """
            The village must be in the county (jifen county add CODE --postgres URL). Resumable: loading again after a \
            cut continues from the county's head. Refused, changing nothing, when the county holds other events of the \
            village (the first differing event is named) or more events than the file.
            """)
    @Argument(help: "The village's ledger file.") var file: String
    @Option(help: ArgumentHelp("The village's code in the county.", valueName: "code")) var village: String
    @Option(help: ArgumentHelp("The county's PostgreSQL database, e.g. postgres://jifen@127.0.0.1/county.", valueName: "url")) var postgres: String
    @Option(help: ArgumentHelp("Events a transaction (default 1000).", valueName: "n")) var piece: Int?
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func run() throws {
        try handOverToCounty(["load", Console.current.resolved(file), "--village", village] + (piece.map { ["--piece", "\($0)"] } ?? []),
                             postgres: postgres, lang: lang)
    }
}
