import ArgumentParser
import AsyncHTTPClient
import Foundation
import JifenAudit
import JifenCore
import JifenStore
import JifenTalk
import NIOCore
import NIOHTTP1

/// `jifen sync` (and `jifen audit verify --against`): a village's ledger and its county's copy, over HTTP. A program
/// beside `jifen`, so that only it links an HTTP client and `jifen` starts as fast as ever.
@main
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jifen sync",
        abstract: "Hand a village's log to its county, and copy it back: push, pull, and compare with the county's copy.",
        subcommands: [Push.self, Pull.self, Against.self])

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let refusal as Refusal {
            refusal.exit()
        } catch {
            exit(withError: error)
        }
        try? await HTTPClient.shared.shutdown()
    }
}

/// The options every command takes: the county, the village, its key, the ledger.
struct Where: ParsableArguments {
    @Option(name: .customLong("village"), help: ArgumentHelp("The village's name in the county (`jifen county add`).", valueName: "name"))
    var village: String
    @Option(name: .customLong("key-file"), help: ArgumentHelp("The file holding the village's sync key.", valueName: "file"))
    var keyFile: String?
    @Option(name: .customLong("as"), help: ArgumentHelp("Instead of a sync key (pull, verify): log in to the county's server (jifen serve --postgres) as this person of the county (its administrator, or the village's township's auditor: jifen county person) and read the village's log; the password is asked for.", valueName: "name"))
    var person: String?
    @Option(help: ArgumentHelp("The ledger file (default ./jifen.sqlite or $JIFEN_LEDGER).", valueName: "file")) var ledger: String?
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: String?

    var path: String { ledger ?? ProcessInfo.processInfo.environment["JIFEN_LEDGER"] ?? "jifen.sqlite" }

    func setUp() {
        let language = lang ?? ProcessInfo.processInfo.environment["JIFEN_LANG"] ?? "zh"
        Talk.chinese = !language.lowercased().hasPrefix("en")
    }

    func key(_ keyFile: String) throws -> String {
        guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8),
              let key = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
            throw Refusal("读不出同步密钥文件 \(keyFile)；它应是 jifen county add 给出的那一行密钥。",
                          "The sync key file \(keyFile) could not be read; it holds the one line `jifen county add` printed.")
        }
        return key
    }

    /// The county's copy of the village, reached with the village's sync key, or as a person logged in (`--as`).
    func county(_ url: String) async throws -> County {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw Refusal("县里的地址应以 http:// 或 https:// 开头：\(url)", "The county's address starts with http:// or https://: \(url)")
        }
        guard (keyFile == nil) != (person == nil) else {
            throw Refusal("请给出村里的同步密钥（--key-file 文件）或要登录的县里人员（--as 名字），二者选一。",
                          "Name the village's sync key (--key-file FILE), or a person of the county to log in as (--as NAME): one of them.")
        }
        if let person {
            // The county's rule for a village's code (ASCII letters and digits, _ . -, at most 64, a letter or digit
            // first): the code goes into the request's path.
            let code = Array(village.utf8)
            let allowed = { (byte: UInt8) in (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
            guard (1...64).contains(code.count), let first = code.first, allowed(first),
                  code.allSatisfy({ allowed($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
                throw Refusal("\(village) 不是县里的村代码（字母、数字、_、. 和 -，最多 64 个，以字母或数字开头）。",
                              "\(village) is not a village code of the county (letters, digits, _, . and -, at most 64, starting with a letter or digit).")
            }
            let password = try Secret.read(prompt: Talk.chinese ? "\(person) 的密码：" : "\(person)'s password: ",
                                           again: nil)
            return try await County.logIn(base: base, village: village, name: person, password: password)
        }
        guard CountyFolder.isVillageName(village) else {
            throw Refusal("\(village) 不是县里的村名（字母、数字、- 和 _）。", "\(village) is not a village name of the county (letters, digits, - and _).")
        }
        return County(base: base, village: village, access: .syncKey(try key(keyFile ?? "")))
    }

    func open(readOnly: Bool) throws -> EventStore {
        do {
            return try EventStore(path: path, create: false, readOnly: readOnly)
        } catch let error as StoreError {
            throw Refusal(error.chinese, error.description, status: error.isDamage ? 2 : 1)
        }
    }
}

/// The county's copy of one village: its sync API, with the village's sync key; or, for a person logged in to the
/// county's server (`--as`), the village's log as its API gives it to those who audit (`GET …/log`, the same lines).
struct County {
    enum Access {
        case syncKey(String)
        /// A session's token, and where the session was opened (the county's own people, or the village's).
        case session(token: String, path: String)
    }

    let base: String, village: String, access: Access
    static let timeout = TimeAmount.seconds(300)

    var prefix: String { "\(base)/api/v1/villages/\(village)/sync" }
    var logURL: String { "\(base)/api/v1/villages/\(village)/log" }

    var bearer: String {
        switch access {
        case .syncKey(let key): key
        case .session(let token, _): token
        }
    }

    /// Logs in as `name`, one of the county's own people, at the county's server (`POST /api/v1/session`).
    static func logIn(base: String, village: String, name: String, password: String) async throws -> County {
        struct Opened: Decodable { let token: String }
        let body = try JSONEncoder().encode(["name": name, "password": password])
        let path = "/api/v1/session"
        let answer = try await send(.POST, base + path, body: Array(body), type: "application/json")
        switch answer.status {
        case 200:
            guard let opened = try? JSONDecoder().decode(Opened.self, from: Data(answer.bytes)) else { throw unexpected(answer) }
            return County(base: base, village: village, access: .session(token: opened.token, path: path))
        case 401:
            throw Refusal("县里的人员名或密码不对（用 jifen county person list 查看县里的人员）。",
                          "Wrong name or password for a person of the county (jifen county person list shows them).")
        case 404:
            throw Refusal("这个地址不是县里的服务器（jifen serve --postgres），没有人员登录。",
                          "This address is not the county's server (jifen serve --postgres): it has no login for the county's people.")
        default:
            throw unexpected(answer)
        }
    }

    /// Ends the session `--as` opened, if any (it would end by itself when idle).
    func logOut() async {
        guard case .session(let token, let path) = access else { return }
        var request = HTTPClientRequest(url: base + path)
        request.method = .DELETE
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        _ = try? await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }

    static func send(_ method: HTTPMethod, _ url: String, bearer: String? = nil, body: [UInt8]? = nil, type: String = "application/jsonl")
        async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: type)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: Self.timeout)
            let bytes = try await response.body.collect(upTo: 256 << 20)
            return Answer(status: response.status.code, body: bytes, headers: response.headers)
        } catch {
            throw Refusal("与县里的连接断了（\(error)）；已经交出的事件县里都收下了，请再运行一次接着推送。",
                          "The connection to the county broke (\(error)); what it took is kept: run the command again to go on.")
        }
    }

    /// A page of the village's log after `seq` (a session's read).
    func logPage(after seq: Int64, limit: Int) async throws -> SyncWire.LogPage {
        let answer = try await Self.send(.GET, "\(logURL)?after=\(seq)&limit=\(limit)", bearer: bearer)
        switch answer.status {
        case 200: break
        case 401:
            throw Refusal("登录已失效；请再运行一次。", "The session has ended; run the command again.")
        case 403:
            throw Refusal("这个人员不能读 \(village) 的流水（要有审计的权限，且 \(village) 在他能看的乡镇里）。",
                          "This person may not read \(village)'s log (it takes an auditor's role, with \(village) in their reach).")
        default: throw Self.unexpected(answer)
        }
        do {
            return try SyncWire.logPage(answer.bytes)
        } catch {
            throw Refusal("县里发来的不是流水（\(error)）。", "What the county sent is not the log (\(error)).")
        }
    }

    struct Answer {
        let status: UInt, body: ByteBuffer, headers: HTTPHeaders
        var bytes: [UInt8] { Array(buffer: body) }
    }

    /// A call of the sync API (the village's sync key).
    func call(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Answer {
        let answer = try await Self.send(method, prefix + path, bearer: bearer, body: body)
        if answer.status == 401 {
            throw Refusal("县里不认这个同步密钥（或没有 \(village) 这个村）；请核对 --key-file 和 --village。",
                          "The county does not accept this sync key (or holds no village \(village)); check --key-file and --village.")
        }
        return answer
    }

    struct Head: Decodable { let seq: Int64, head: String }

    func head() async throws -> (seq: Int64, hash: Data) {
        if case .session = access { return try await logPage(after: 0, limit: 1).head }
        let answer = try await call(.GET, "/head")
        guard answer.status == 200, let head = try? JSONDecoder().decode(Head.self, from: Data(answer.bytes)),
              let hash = SyncWire.hexBytes(head.head) else {
            throw Self.unexpected(answer)
        }
        return (head.seq, hash)
    }

    func hash(at seq: Int64) async throws -> Data? {
        if case .session = access {
            guard seq > 0 else { return seq == 0 ? Chain.genesis : nil }
            return try await logPage(after: seq - 1, limit: 1).links.first.flatMap { $0.fields.seq == seq ? $0.hash : nil }
        }
        let answer = try await call(.GET, "/hash/\(seq)")
        if answer.status == 404 { return nil }
        struct Hash: Decodable { let hash: String }
        guard answer.status == 200, let hash = (try? JSONDecoder().decode(Hash.self, from: Data(answer.bytes))).flatMap({ SyncWire.hexBytes($0.hash) }) else {
            throw Self.unexpected(answer)
        }
        return hash
    }

    func links(after seq: Int64) async throws -> [ChainLink] {
        if case .session = access { return try await logPage(after: seq, limit: SyncWire.piece).links }
        let answer = try await call(.GET, "/links?after=\(seq)&limit=\(SyncWire.piece)")
        guard answer.status == 200 else { throw Self.unexpected(answer) }
        do {
            return try SyncWire.links(answer.bytes)
        } catch {
            throw Refusal("县里发来的不是事件行（\(error)）。", "What the county sent is not event lines (\(error)).")
        }
    }

    static func unexpected(_ answer: Answer) -> Refusal {
        struct Problem: Decodable { let message: String, zh: String }
        if let problem = try? JSONDecoder().decode(Problem.self, from: Data(answer.bytes)) {
            return Refusal("县里拒绝了：\(problem.zh)", "The county refused: \(problem.message)")
        }
        return Refusal("县里的回答出乎意料（HTTP \(answer.status)）。", "The county answered unexpectedly (HTTP \(answer.status)).")
    }

    /// The first seq where the file and the county's copy differ, knowing they differ at `differing` (and agree at 0).
    func firstDifference(_ store: EventStore, differing: Int64) async throws -> Int64 {
        var agree: Int64 = 0, differ = differing
        while differ - agree > 1 {
            let middle = agree + (differ - agree) / 2
            let mine = try store.hash(at: middle)
            if let mine, try await hash(at: middle) == mine { agree = middle } else { differ = middle }
        }
        return differ
    }
}

extension EventStore {
    func head() throws -> (seq: Int64, hash: Data) { try read { try $0.headOfLog() } }
}

/// How the file stands against the county's copy: nil when the file holds the county's head (it may hold more).
func disagreement(_ store: EventStore, _ county: County, countyHead: (seq: Int64, hash: Data)) async throws -> Refusal? {
    let file = try store.head()
    guard countyHead.seq > 0 else { return nil }
    if let mine = try store.hash(at: countyHead.seq) {
        guard mine != countyHead.hash else { return nil }
        let seq = try await county.firstDifference(store, differing: countyHead.seq)
        return Refusal("账本与县里的副本在第 \(seq) 条事件分叉：从那里起县里存的事件与本账本不同（账本被改写过，或换成了别的账本）；两边都没有改动。",
                       "The ledger and the county's copy fork at event #\(seq): from there the county holds other events than this file (the file was rewritten, or is another ledger); neither side was changed.",
                       status: 2)
    }
    if let countyHash = try await county.hash(at: file.seq), countyHash == file.hash {
        return Refusal("县里已有 \(countyHead.seq) 条事件，本账本只到第 \(file.seq) 条：账本被截短了，或换回了旧的备份；两边都没有改动。",
                       "The county holds \(countyHead.seq) events and this file ends at #\(file.seq): the file was cut, or rolled back to an older copy; neither side was changed.",
                       status: 2)
    }
    let seq = try await county.firstDifference(store, differing: file.seq)
    return Refusal("县里已有 \(countyHead.seq) 条事件，本账本只到第 \(file.seq) 条，并且在第 \(seq) 条分叉：账本被改写并截短了；两边都没有改动。",
                   "The county holds \(countyHead.seq) events and this file ends at #\(file.seq), forking at #\(seq): the file was rewritten and cut; neither side was changed.",
                   status: 2)
}

struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send the events the county lacks, in pieces, and file the county's signed receipt in the ledger.",
        discussion: """
            Resumable: a push cut off part way keeps what the county took, and the next push starts from the county's \
            new head. Refused, changing nothing, when the county holds other events (a fork: the first differing event \
            is named) or more events than the file (the file was cut or rolled back). The receipt is written beside the \
            ledger (county-receipt-SEQ.json) and filed with `jifen checkpoint record` by --by, so that `jifen verify` \
            holds the log to it; a push that hands over nothing but receipts' filings files none.
            """)
    @OptionGroup var place: Where
    @Option(name: .customLong("to"), help: ArgumentHelp("The county's sync server, e.g. https://county.example.cn.", valueName: "url")) var url: String
    @Option(help: ArgumentHelp("Who files the receipt (default: $JIFEN_ACTOR).", valueName: "name")) var by: String?
    @Flag(name: .customLong("password-stdin"), help: ArgumentHelp("Read the filer's password from standard input.", visibility: .hidden))
    var passwordStdin = false
    @Option(help: ArgumentHelp("Where to write the receipt (default beside the ledger).", valueName: "file")) var receipt: String?
    @Flag(name: .customLong("no-file"), help: "Write the receipt but do not file it in the ledger.") var noFile = false
    @Option(help: ArgumentHelp("Events a request (at most 5,000; fewer on a poor connection).", valueName: "n")) var piece = SyncWire.piece

    func validate() throws {
        guard (1...SyncWire.piece).contains(piece) else { throw ValidationError("--piece is 1 to \(SyncWire.piece).") }
    }

    func run() async throws {
        place.setUp()
        guard place.person == nil else {
            throw Refusal("推送要用村里的同步密钥（--key-file），不能用人员登录（--as）。", "A push takes the village's sync key (--key-file), not a person's login (--as).")
        }
        let county = try await place.county(url)
        let store = try place.open(readOnly: true)
        let countyHead = try await county.head()
        if let refusal = try await disagreement(store, county, countyHead: countyHead) { throw refusal }
        let file = try store.head()
        var sent: Int64 = 0
        var last: Data?
        var from = countyHead.seq + 1
        repeat {
            let links = try store.read { try $0.links(from: from, limit: Int(min(Int64(piece), max(0, file.seq - from + 1)))) }
            let answer = try await county.call(.POST, "/push", body: SyncWire.lines(links))
            switch answer.status {
            case 200: last = Data(answer.bytes)
            case 204: last = nil
            case 409:
                struct Fork: Decodable { let seq: Int64 }
                let seq = (try? JSONDecoder().decode(Fork.self, from: Data(answer.bytes)))?.seq ?? from
                throw Refusal("县里在第 \(seq) 条事件存的是别的事件（分叉）；两边都没有改动。",
                              "The county holds another event #\(seq) (a fork); neither side was changed.", status: 2)
            default: throw County.unexpected(answer)
            }
            sent += Int64(links.count)
            from += Int64(links.count)
            if links.count > 0 && file.seq > countyHead.seq {
                Talk.say("已交给县里 \(from - 1 - countyHead.seq)/\(file.seq - countyHead.seq) 条事件。",
                         "Handed \(from - 1 - countyHead.seq) of \(file.seq - countyHead.seq) events to the county.")
            }
        } while from <= file.seq
        guard let last, let point = try? JSONDecoder().decode(Checkpoint.self, from: last) else {
            Talk.say("县里和账本都还是空的，没有回执。", "The county and the ledger hold nothing yet: no receipt.")
            return
        }
        guard point.seq == file.seq, point.head == file.hash.hex, !point.signatures.isEmpty,
              point.badSignatures.isEmpty else {
            throw Refusal("县里的回执与账本的链头不符，或签名不成立；没有登记。", "The county's receipt does not match the ledger's head, or its signature does not verify; it was not filed.", status: 2)
        }
        Talk.say("县里已有本村全部 \(file.seq) 条事件（这次交了 \(sent) 条），链头 \(point.head)。",
                 "The county holds all \(file.seq) events of the village (\(sent) handed over now); head \(point.head).")
        try await fileReceipt(point, store: store)
    }

    /// Writes the receipt and files it, unless everything since the last receipt of this county filed in the ledger
    /// is the filing of receipts.
    func fileReceipt(_ point: Checkpoint, store: EventStore) async throws {
        let signer = point.signatures.first?.publicKey ?? ""
        let filed = try store.read { try $0.checkpoints() }.filter { $0.checkpoint.signatures.contains { $0.publicKey == signer } }
        if let latest = filed.map(\.checkpoint.seq).max() {
            let since = try store.read { try $0.links(from: latest + 1, limit: Int(max(0, point.seq - latest))) }
            if since.allSatisfy({ $0.fields.type == EventType.checkpointRecorded.rawValue }) {
                Talk.say("自上次登记的回执以来只多了回执的登记，这次不再登记。",
                         "Nothing but receipts' filings came after the last receipt filed: this one is not filed.")
                return
            }
        }
        let path = receipt ?? URL(fileURLWithPath: place.path).deletingLastPathComponent().appendingPathComponent("county-receipt-\(point.seq).json").path
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(point).write(to: URL(fileURLWithPath: path))
        } catch {
            throw Refusal("回执没能写到 \(path)（\(error.localizedDescription)）。", "The receipt could not be written to \(path) (\(error.localizedDescription)).")
        }
        Talk.say("回执已写到 \(path)。", "The receipt is in \(path).")
        guard !noFile else { return }
        guard let jifen = siblingProgram("jifen") else {
            throw Refusal("登记回执要用 jifen（应在 jifen-sync 旁边）；请用 jifen checkpoint record \(path) 登记。",
                          "Filing the receipt needs jifen beside jifen-sync; file it with jifen checkpoint record \(path).")
        }
        var arguments = ["--ledger", place.path, "--lang", Talk.chinese ? "zh" : "en", "checkpoint", "record", path]
        if let by { arguments += ["--by", by] }
        if passwordStdin { arguments += ["--password-stdin"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: jifen)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Refusal("回执没能登记进账本；可稍后用 jifen checkpoint record \(path) 登记。",
                          "The receipt was not filed in the ledger; file it later with jifen checkpoint record \(path).")
        }
    }
}

struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Copy the county's copy of a village's log into a local ledger file, for an auditor working offline.",
        discussion: """
            Every event is checked as it comes (its hash, its link, its fold) and written unchanged; the copy verifies \
            like any ledger. Resumable into the same file: a second pull takes only what the county got since, and is \
            refused if the file is not a copy of that village.
            """)
    @OptionGroup var place: Where
    @Option(name: .customLong("from"), help: ArgumentHelp("The county's sync server.", valueName: "url")) var url: String
    @Option(help: ArgumentHelp("The copy to write (made if missing).", valueName: "file")) var out: String

    func run() async throws {
        place.setUp()
        let county = try await place.county(url)
        do {
            try await pull(from: county)
        } catch {
            await county.logOut()
            throw error
        }
        await county.logOut()
    }

    func pull(from county: County) async throws {
        let exists = FileManager.default.fileExists(atPath: out)
        if exists { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: out) }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: out) }
        let store: EventStore
        do {
            store = try EventStore(path: out, create: !exists)
        } catch let error as StoreError {
            throw Refusal(error.chinese, error.description, status: error.isDamage ? 2 : 1)
        }
        var head = try store.head()
        if head.seq > 0 {
            guard let theirs = try await county.hash(at: head.seq), theirs == head.hash else {
                throw Refusal("\(out) 不是县里 \(county.village) 副本的拷贝（第 \(head.seq) 条事件不同）；请换一个文件。",
                              "\(out) is not a copy of the county's \(county.village) (event #\(head.seq) differs); pull into another file.", status: 2)
            }
        }
        let first = head.seq
        while true {
            let links = try await county.links(after: head.seq)
            if links.isEmpty { break }
            do {
                try store.write { try $0.append(links: links) }
            } catch let refusal as LinkRefusal {
                throw Refusal("县里发来的事件不成立：\(refusal.chinese)；副本停在第 \(head.seq) 条。",
                              "An event the county sent does not hold: \(refusal.description); the copy stops at #\(head.seq).", status: 2)
            }
            head = try store.head()
        }
        Talk.say("副本 \(out) 有 \(head.seq) 条事件（这次取了 \(head.seq - first) 条），链头 \(head.hash.hex)。",
                 "The copy \(out) holds \(head.seq) events (\(head.seq - first) taken now); head \(head.hash.hex).")
    }
}

struct Against: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare the ledger with the county's copy: the county's head must be in the file with the same hash.",
        discussion: "Exit 0 when it is (and says how many events the county lacks); 2 when the file was rewritten or cut.")
    @OptionGroup var place: Where
    @Option(name: .customLong("against"), help: ArgumentHelp("The county's sync server.", valueName: "url")) var url: String

    func run() async throws {
        place.setUp()
        let county = try await place.county(url)
        let store = try place.open(readOnly: true)
        let countyHead: (seq: Int64, hash: Data), found: Refusal?
        do {
            countyHead = try await county.head()
            found = try await disagreement(store, county, countyHead: countyHead)
        } catch {
            await county.logOut()
            throw error
        }
        await county.logOut()
        if let refusal = found {
            print(refusal.text)
            throw ExitCode(2)
        }
        let file = try store.head()
        Talk.say("账本延续县里的副本：县里的链头第 \(countyHead.seq) 条在账本里，哈希相同；县里还缺 \(file.seq - countyHead.seq) 条事件。",
                 "The ledger extends the county's copy: the county's head, event #\(countyHead.seq), is in the file with the same hash; the county lacks \(file.seq - countyHead.seq) events.")
    }
}

/// A program beside this one (as `jifen` finds `jifen-serve`): never a bare name from the working folder.
func siblingProgram(_ name: String) -> String? {
    guard let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    let beside = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.isExecutableFile(atPath: beside) ? beside : nil
}
