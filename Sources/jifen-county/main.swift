import ArgumentParser
import Foundation
import Jifen
import JifenAudit
import JifenCore
import JifenPostgres
import JifenStore
import JifenTalk
#if canImport(Glibc)
import Glibc
#endif

/// `jifen county … --postgres URL`: the county's PostgreSQL database as the county of its villages' sync (its key, the
/// administrator's token, the villages with their sync keys, their heads), and a village's existing ledger file loaded
/// into it. A program beside `jifen`, so that only it links PostgreSQL's client and `jifen` starts as fast as ever
/// (`jifen county` hands over to it as `jifen sync` does to `jifen-sync`).
@main
struct CountyProgram: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jifen county",
        abstract: "The county's PostgreSQL database: its key, its villages and their sync keys, their heads; a village file loaded into it.",
        subcommands: [Init.self, Add.self, List.self, Load.self, Person.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let refusal as Refusal {
            refusal.exit()
        } catch {
            exit(withError: error)
        }
    }
}

/// The options every command takes: the database and the language.
struct Database: ParsableArguments {
    @Option(help: ArgumentHelp("The county's database, e.g. postgres://jifen@127.0.0.1/county.", valueName: "url")) var postgres: String
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: String?

    /// Sets the language, and opens the county (bringing its schema up to date).
    func open() throws -> PostgresCountyChains {
        let language = lang ?? ProcessInfo.processInfo.environment["JIFEN_LANG"] ?? "zh"
        Talk.chinese = !language.lowercased().hasPrefix("en")
        do {
            return PostgresCountyChains(county: try PostgresCounty(url: postgres, connections: 2))
        } catch {
            throw Self.refusal(error)
        }
    }

    /// What the county's database refused or met, as one sentence; a damaged copy is exit 2.
    static func refusal(_ error: any Error) -> Refusal {
        switch error {
        case let refusal as Refusal: return refusal
        case PostgresStoreError.badURL(let url):
            return Refusal("\(url) 不是 PostgreSQL 的地址（postgres://用户[:密码]@主机[:端口]/数据库）。",
                           "\(url) is not a PostgreSQL URL (postgres://user[:password]@host[:port]/database).")
        case PostgresStoreError.connection(let what):
            return Refusal("连不上县里的数据库（\(what)）。", "The county's database cannot be reached (\(what)).")
        case PostgresStoreError.damaged(let village, let seq, let problem):
            return Refusal("县里数据库中 \(village) 的第 \(seq) 条事件已损坏（\(problem)）。", "Event #\(seq) of \(village) in the county's database is damaged (\(problem)).",
                           status: 2)
        case PostgresStoreError.badVillageCode(let code):
            return Refusal("\(code) 不是村代码（字母、数字、_、. 和 -，最多 64 个，以字母或数字开头）。",
                           "\(code) is not a village code (letters, digits, _, . and -, at most 64, starting with a letter or digit).")
        case PostgresStoreError.badTownship(let name):
            return Refusal("“\(name)”不是乡镇名（1 到 64 个字）。", "'\(name)' is not a township's name (1 to 64 characters).")
        case let error as PostgresStoreError:
            return Refusal("县里的数据库拒绝了：\(error)", "The county's database refused: \(error)")
        case CountyError.noVillage(let village):
            return Refusal("县里没有 \(village) 这个村；请先用 jifen county add \(village) --postgres 加上。",
                           "The county holds no village \(village); add it first with jifen county add \(village) --postgres.")
        case CountyError.fork(let village, let seq):
            return Refusal("账本与县里 \(village) 的副本在第 \(seq) 条事件分叉：从那里起县里存的事件与这个文件不同；什么也没有载入。",
                           "The file and the county's copy of \(village) fork at event #\(seq): from there the county holds other events than this file; nothing was loaded.",
                           status: 2)
        case PostgresCountyChains.SetupRefusal.initialised:
            return Refusal("这个数据库已经是县里的了（已运行过 jifen county init），什么也没有改动。",
                           "The database is the county's already (jifen county init was run on it); nothing was changed.")
        case PostgresCountyChains.SetupRefusal.hasKey(let village):
            return Refusal("县里已有 \(village)，也已有它的同步密钥；什么也没有改动。", "The county holds \(village) already, with its sync key; nothing was changed.")
        case PostgresCountyChains.SetupRefusal.syncName(let village):
            return Refusal("要同步的村，代码只能用字母、数字、- 和 _（不能是 \(village)）；什么也没有改动。",
                           "A village that syncs has a code of letters, digits, - and _ only (not \(village)); nothing was changed.")
        case PostgresCountyChains.SetupRefusal.otherTownship(let village):
            return Refusal("县里已有 \(village)，属于别的乡镇；什么也没有改动。", "The county holds \(village) already, in another township; nothing was changed.")
        case let error as CountyError:
            return Refusal("县里的数据库不能用：\(error)", "The county's database cannot be used: \(error)")
        case PostgresCountyChains.LoadRefusal.countyAhead(let village, let county, let file):
            return Refusal("县里已有 \(village) 的 \(county) 条事件，这个文件只到第 \(file) 条（是旧的副本，或被截短了）；什么也没有载入。",
                           "The county holds \(county) events of \(village) and this file ends at #\(file) (an older copy, or cut); nothing was loaded.",
                           status: 2)
        case CountyPersonError.badPerson:
            return Refusal("人员的名字要 1 到 64 个字。", "A person's name has 1 to 64 characters.")
        case let refusal as LinkRefusal:
            return Refusal("文件里的事件不成立：\(refusal.chinese)；县里停在这一条之前。",
                           "An event of the file does not hold: \(refusal.description); the county stops before it.", status: 2)
        case let error as StoreError:
            return Refusal(error.chinese, error.description, status: error.isDamage ? 2 : 1)
        default:
            return Refusal("出错了：\(error)", "Failed: \(error)")
        }
    }
}

/// Runs `body`, each error as one sentence.
func refusing<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw Database.refusal(error)
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make the database the county's: its receipts are signed by --key (made, with KEY.pub beside it, if it does not exist).",
        discussion: "Prints the county administrator's token once; the database keeps only its hash, and the county's public key.")
    @Option(help: ArgumentHelp("The county's signing key file, e.g. county.key.", valueName: "file")) var key: String
    @OptionGroup var database: Database

    func run() throws {
        let chains = try database.open()
        let signing: SigningKey
        if FileManager.default.fileExists(atPath: key) {
            guard let text = try? String(contentsOfFile: key, encoding: .utf8), let read = try? SigningKey(file: text) else {
                throw Refusal("\(key) 不是签名密钥文件。", "\(key) is not a signing key file.")
            }
            signing = read
        } else {
            signing = SigningKey()
            let publicPath = (key.hasSuffix(".key") ? String(key.dropLast(4)) : key) + ".pub"
            guard FileManager.default.createFile(atPath: key, contents: Data(signing.privateFile.utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: publicPath, contents: Data(signing.publicFile.utf8), attributes: [.posixPermissions: 0o644]) else {
                throw Refusal("无法写入 \(key)；请确认文件夹存在并且可以写入。", "Cannot write \(key); check the folder exists and may be written to.")
            }
            Talk.say("已生成县里的签名密钥 \(key)（仅本人可读，妥善保管）和 \(publicPath)（交给各村和审计）。",
                     "Made the county's signing key \(key) (readable by you only; keep it safe) and \(publicPath) (for the villages and auditors).")
        }
        let token = SyncKeys.newKey(prefix: "jfa_")
        try refusing {
            try chains.initialise(publicKey: signing.key.publicKey.rawRepresentation.base64EncodedString(), adminTokenHash: try SyncKeys.hash(token))
        }
        Talk.say("县里的数据库已就绪。管理员令牌（只显示这一次）：", "The county's database is ready. The administrator's token (shown this once):")
        print(token)
    }
}

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a village to the county and print its sync key once (the database keeps only its hash).")
    @Argument(help: "The village's code in the county: letters, digits, - and _, at most 64.") var village: String
    @Option(help: ArgumentHelp("The township (乡镇) it belongs to.", valueName: "name")) var township: String?
    @Option(help: ArgumentHelp("Also write the key to this file (readable by you only).", valueName: "file")) var out: String?
    @OptionGroup var database: Database

    func run() throws {
        let chains = try database.open()
        let key = SyncKeys.newKey()
        try refusing { try chains.add(village: village, township: township, syncKeyHash: try SyncKeys.hash(key)) }
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw Refusal("无法写入 \(out)。", "Cannot write \(out).")
            }
        }
        Talk.say("已加上 \(village)。它的同步密钥（只显示这一次，交给村里存进密钥文件）：", "Added \(village). Its sync key (shown this once; give it to the village for its key file):")
        print(key)
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every village of the county with its township and its head.")
    @Flag(help: "Print JSON for scripts.") var json = false
    @OptionGroup var database: Database

    struct Row: Encodable {
        let village: String, township: String?, events: Int64, head: String, ledgerId: String?, name: String?
    }

    func run() throws {
        let chains = try database.open()
        let rows = try refusing {
            try chains.county.villages().map { village in
                let identity = village.seq > 0 ? try chains.identity(of: village.village) : nil
                return Row(village: village.village, township: village.township, events: village.seq, head: village.hash.hex,
                           ledgerId: identity?.ledgerId, name: identity?.village)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        for row in rows {
            Talk.say("\(row.village)\t\(row.township ?? "—")\t\(row.name ?? "（尚无事件）")\t\(row.events) 条事件\t\(row.head)",
                     "\(row.village)\t\(row.township ?? "—")\t\(row.name ?? "(no events yet)")\t\(row.events) events\t\(row.head)")
        }
    }
}

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a village's ledger file into the county: every hash checked on the way in, the same seq and hash on both sides.",
        discussion: """
            The village must be in the county (jifen county add). Resumable: loading again after a cut continues from \
            the county's head. Refused, changing nothing, when the county already holds other events of the village (the \
            first differing event is named) or more events than the file.
            """)
    @Argument(help: "The village's ledger file.") var file: String
    @Option(help: ArgumentHelp("The village's code in the county.", valueName: "code")) var village: String
    @OptionGroup var database: Database
    @Option(help: ArgumentHelp("Events a transaction.", valueName: "n")) var piece = 10_000

    func validate() throws {
        guard (1...1_000_000).contains(piece) else { throw ValidationError("--piece is 1 to 1000000.") }
    }

    func run() throws {
        let chains = try database.open()
        guard FileManager.default.fileExists(atPath: file) else {
            throw Refusal("账本文件 \(file) 不存在。", "The ledger file \(file) does not exist.")
        }
        let store = try refusing { try EventStore(path: file, create: false, readOnly: true) }
        let terminal = isatty(STDERR_FILENO) == 1
        let started = Date()
        var first: Int64?
        let head = try refusing {
            try chains.load(store, into: village, piece: piece) { progress in
                first = first ?? progress.from
                guard terminal else { return }
                let line = Talk.chinese ? "已载入 \(progress.seq)/\(progress.total) 条事件" : "Loaded \(progress.seq) of \(progress.total) events"
                FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
            }
        }
        if terminal && first != nil { FileHandle.standardError.write(Data("\n".utf8)) }
        let fileHead = try refusing { try store.read { try $0.headOfLog() } }
        guard head.seq == fileHead.seq && head.hash == fileHead.hash else {
            throw Refusal("载入后县里 \(village) 的链头（第 \(head.seq) 条）与文件的（第 \(fileHead.seq) 条）不同：载入时另有程序写入了这个村。",
                          "After the load the county's head of \(village) (#\(head.seq)) is not the file's (#\(fileHead.seq)): another program wrote to the village meanwhile.",
                          status: 2)
        }
        let loaded = head.seq - (first ?? head.seq)
        let seconds = Date().timeIntervalSince(started)
        let rate = seconds > 0 ? Int(Double(loaded) / seconds) : 0
        Talk.say("县里的 \(village) 有 \(head.seq) 条事件（这次载入 \(loaded) 条，\(String(format: "%.1f", seconds)) 秒，每秒 \(rate) 条），链头 \(head.hash.hex)，与文件相同。",
                 "The county's \(village) holds \(head.seq) events (\(loaded) loaded now, \(String(format: "%.1f", seconds)) s, \(rate) events/s); head \(head.hash.hex), the file's.")
    }
}

/// The county's own people (`jifen county person …`): its administrator and each township's auditor, who log in to
/// `jifen serve --postgres` at /api/v1/session and read villages there; they write no village's books.
struct Person: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person",
        abstract: "The county's own people: its administrator and the townships' auditors.",
        subcommands: [PersonSet.self, PersonList.self, PersonRetire.self])
}

struct PersonSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Add a person of the county, or set their role, township and password anew (their open sessions end).",
        discussion: "The password is asked for twice on a terminal (not shown); otherwise it is read from standard input, one line.")
    @Argument(help: "The person's name, as they will type it to log in.") var name: String
    @Option(help: ArgumentHelp("administrator, or auditor (with --township).", valueName: "role")) var role: String
    @Option(help: ArgumentHelp("The auditor's township (乡镇): they read its villages.", valueName: "name")) var township: String?
    @OptionGroup var database: Database

    func run() throws {
        let chains = try database.open()
        guard let role = CountyPerson.Role(rawValue: role) else {
            throw Refusal("--role 只能是 administrator（县管理员）或 auditor（乡镇审计）。", "--role is administrator or auditor.")
        }
        guard (role == .auditor) == (township != nil) else {
            throw Refusal(role == .auditor ? "乡镇审计要用 --township 写明看哪个乡镇。" : "县管理员不属于哪个乡镇，不用 --township。",
                          role == .auditor ? "An auditor needs --township, the township they read." : "The administrator has no township: leave out --township.")
        }
        let password = try Secret.read(prompt: Talk.chinese ? "\(name) 的密码：" : "\(name)'s password: ",
                                       again: Talk.chinese ? "再输一遍：" : "Again: ")
        let known = try refusing { try chains.county.person(name) }
        do {
            try chains.county.setPerson(name, role: role, township: township, password: password)
        } catch let refusal as PasswordRefusal {
            throw Refusal(refusal.chinese, refusal.description)
        } catch {
            throw Database.refusal(error)
        }
        let what = role == .administrator ? ("县管理员", "the county's administrator") : ("\(township ?? "") 的审计", "auditor of \(township ?? "")")
        if known == nil {
            Talk.say("已加上 \(name)（\(what.0)）。", "Added \(name) (\(what.1)).")
        } else {
            Talk.say("已为 \(name)（\(what.0)）设了新密码；他原来的登录已失效。", "Set \(name)'s password anew (\(what.1)); their open sessions have ended.")
        }
    }
}

struct PersonList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The county's people, with their roles and townships.")
    @Flag(help: "Print JSON for scripts.") var json = false
    @OptionGroup var database: Database

    struct Row: Encodable {
        let name: String, role: String, township: String?, active: Bool
    }

    func run() throws {
        let chains = try database.open()
        let rows = try refusing { try chains.county.people() }.map {
            Row(name: $0.name, role: $0.role.rawValue, township: $0.township, active: $0.active)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        if rows.isEmpty { Talk.say("县里还没有人员；用 jifen county person set 加上。", "The county has no people yet; add them with jifen county person set.") }
        for row in rows {
            let role = row.role == "administrator" ? ("县管理员", "administrator") : ("\(row.township ?? "") 审计", "auditor of \(row.township ?? "")")
            Talk.say("\(row.name)\t\(role.0)\t\(row.active ? "在任" : "已离任")", "\(row.name)\t\(role.1)\t\(row.active ? "active" : "retired")")
        }
    }
}

struct PersonRetire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire", abstract: "Retire a person of the county: they log in no more, and their open sessions end.")
    @Argument(help: "The person's name.") var name: String
    @OptionGroup var database: Database

    func run() throws {
        let chains = try database.open()
        guard try refusing({ try chains.county.retirePerson(name) }) else {
            throw Refusal("县里没有 \(name) 这个人员；用 jifen county person list 查看。", "The county has no person \(name); see jifen county person list.")
        }
        Talk.say("\(name) 已离任，不能再登录。", "\(name) is retired and can log in no more.")
    }
}
