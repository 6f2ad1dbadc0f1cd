import Foundation
import Jifen
import JifenCore
import JifenDemo
import JifenPostgresTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Where the county keeps its villages' chains: every test runs against each.
enum CountyKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// A county folder (`jifen county init FOLDER`, `jifen serve --county FOLDER`).
    case folder
    /// The county's PostgreSQL database (`jifen county init --postgres URL`, `jifen serve --postgres URL`), a database
    /// of its own per test on the test process's cluster.
    case postgres = "postgresql"

    /// Every kind that runs here: PostgreSQL where it is installed or required (`PostgresCluster`).
    static let allCases: [CountyKind] = [.folder] + (PostgresCluster.runs ? [.postgres] : [])

    var testDescription: String { rawValue }
}

/// `jifen county`, `jifen serve --county|--postgres`, `jifen sync push|pull` and `jifen audit verify --against` as real
/// processes on loopback: the county as the witness a village file cannot be alone.
@Suite struct SyncTests {
    /// A county (a folder, or a database of its own) with two villages (hongqi, other; their keys in hongqi.key and
    /// other.key) served by `jifen-serve` on a free loopback port, and a generated village in jifen.sqlite.
    final class County {
        let office: Office
        let process: Process
        let url: String
        /// How the `jifen county` commands name the county: the folder, or the database.
        let place: [String]

        init(_ kind: CountyKind, households: Int = 6) throws {
            office = try Office(.binary)
            _ = try LedgerGenerator.build(at: office.path("jifen.sqlite"), plan: GeneratorPlan(households: households, years: 1, firstYear: 2025, seed: 3))
            switch kind {
            case .folder:
                place = ["--folder", "county"]
                expectOK(try office.jifen("county", "init", "county", "--key", "county.key"))
            case .postgres:
                place = ["--postgres", try Self.database()]
                expectOK(try office.jifen(arguments: ["county", "init", "--key", "county.key"] + place))
            }
            for name in ["hongqi", "other"] { expectOK(try office.jifen(arguments: ["county", "add", name, "--out", "\(name).key"] + place)) }
            let port = Self.freePort()
            url = "http://127.0.0.1:\(port)"
            // `jifen serve --county|--postgres` hands over to jifen-serve (execv: the same process).
            // The database's county with the smallest cache it can have and a pool of two connections: every change of
            // village folds the village again from its log.
            let served = kind == .folder ? ["--county", "county"]
                : place + ["--connections", "2", "--cached-villages", "1", "--cached-events", "1"]
            process = office.start(jifenBinary.path, ["serve"] + served + ["--county-key", "county.key", "--listen", "127.0.0.1:\(port)"])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<200 {
                if try office.run("/usr/bin/env", ["curl", "-sf", "\(url)/healthz"]).status == 0 { return }
                usleep(50_000)
            }
            Issue.record("the county server did not start")
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }

        /// A database of its own on the test process's cluster (a county is one database: its key is one row).
        static func database() throws -> String {
            let cluster = try PostgresCluster.shared.get()
            let name = "county_\(UUID().uuidString.prefix(8).lowercased())"
            if let failure = try cluster.psql("CREATE DATABASE \(name)") { throw ClusterError(failure) }
            return cluster.url(database: name)
        }

        static func freePort() -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        /// `jifen --lang en` with `arguments`, as a process in the office.
        func jifen(_ arguments: String...) throws -> Run {
            try office.run(jifenBinary.path, ["--lang", "en"] + arguments)
        }

        func push(_ extra: String..., ledger: String = "jifen.sqlite", village: String = "hongqi") throws -> Run {
            try office.run(jifenBinary.path, ["--lang", "en", "--ledger", ledger, "sync", "push", "--to", url, "--village", village,
                                              "--key-file", "\(village).key", "--by", LedgerGenerator.secretary] + extra)
        }

        func against(ledger: String = "jifen.sqlite") throws -> Run {
            try jifen("--ledger", ledger, "audit", "verify", "--against", url, "--village", "hongqi", "--key-file", "hongqi.key")
        }

        /// The county's head of hongqi (`jifen county list --json`).
        func countyHead() throws -> (seq: Int, hash: String) {
            let run = try office.run(jifenBinary.path, ["--lang", "en", "county", "list", "--json"] + place)
            let rows = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [[String: Any]]
            let row = rows?.first { $0["village"] as? String == "hongqi" }
            return (row?["events"] as? Int ?? -1, row?["head"] as? String ?? "")
        }

        func fileHead(_ name: String = "jifen.sqlite") throws -> (seq: Int, hash: String) {
            let head = try Ledger(path: office.path(name), readOnly: true).head()
            return (Int(head.seq), head.hex)
        }

        /// Appends `count` events to a ledger (items listed by the shopkeeper).
        func append(_ count: Int, to name: String = "jifen.sqlite", tag: String) throws {
            let ledger = try Ledger(path: office.path(name))
            for index in 0..<count {
                try ledger.execute(.listItem(ItemCode(rawValue: "\(tag)\(index)"), name: "\(tag) \(index)", unit: "个", price: 2 + index),
                                   by: LedgerGenerator.shopkeeper)
            }
        }
    }

    /// The county server's bounds are whole numbers of at least one, refused before the database is opened.
    @Test(arguments: ["--connections", "--cached-villages", "--cached-events"])
    func aCountyServersBoundsArePositive(_ option: String) throws {
        let office = try Office(.binary)
        let unreachable = "postgres://jifen@127.0.0.1:1/county"
        for value in ["0", "-3"] {
            let refused = try office.run(jifenBinary.path, ["--lang", "en", "serve", "--postgres", unreachable, "\(option)=\(value)"])
            #expect(refused.status != 0)
            #expect(refused.err.contains("\(option) is a positive whole number, not \(value)."), "\(refused.err)")
        }
        // A bound given as one gets past the check, to the database, which is not there.
        let taken = try office.run(jifenBinary.path, ["--lang", "en", "serve", "--postgres", unreachable, option, "1"])
        #expect(taken.status != 0)
        #expect(taken.err.contains("Could not open the county's database"), "\(taken.err)")
        // Serving a village's file or a county folder, the bound would do nothing: refused, not ignored.
        for place in [["--ledger", "jifen.sqlite"], ["--county", "county"]] {
            let ignored = try office.run(jifenBinary.path, ["--lang", "en", "serve"] + place + ["\(option)=4"])
            #expect(ignored.status == 2)
            #expect(ignored.err == "\(option) is for a county's database only (--postgres); leave it out, or add --postgres.\n", "\(ignored.err)")
        }
    }

    /// An option of the server given where it would do nothing (its companion missing) is refused before anything
    /// starts, in one sentence, not ignored: the county's key without a county, a person's role without the person.
    @Test func aServerOptionWithoutItsCompanionIsRefused() throws {
        let office = try Office(.binary)
        let unreachable = "postgres://jifen@127.0.0.1:1/county"
        let server = jifenBinary.deletingLastPathComponent().appendingPathComponent("jifen-serve").path
        let cases: [(arguments: [String], said: String)] = [
            (["--county-key", "county.key"], "--county-key goes only with --county or --postgres; leave it out, or add --county or --postgres."),
            (["--county", "county", "--postgres", unreachable], "--county and --postgres each name the county's books: give only one of them."),
            (["--ledger", "jifen.sqlite", "--county", "county"],
             "--ledger names a village's file, which serving a county (--county or --postgres) does not read; leave it out."),
            (["--postgres", unreachable, "--new-village", "V01", "--county-key", "county.key"],
             "--county-key is for serving, and --new-village does its step and stops, serving nothing; leave it out."),
            (["--postgres", unreachable, "--county-person", "张审计", "--role", "auditor", "--public-url", "https://jifen.example.cn"],
             "--public-url is for serving, and --county-person does its step and stops, serving nothing; leave it out."),
            (["--postgres", unreachable, "--set-password", "张审计", "--village", "V01", "--listen", "127.0.0.1:9090"],
             "--listen is for serving, and --set-password does its step and stops, serving nothing; leave it out."),
            (["--county-person", "张审计"], "--county-person is for a county's database only (--postgres); leave it out, or add --postgres."),
            (["--county", "county", "--new-village", "V01"], "--new-village is for a county's database only (--postgres); leave it out, or add --postgres."),
            (["--postgres", unreachable, "--role", "auditor"], "--role goes only with --county-person; leave it out, or add --county-person."),
            (["--postgres", unreachable, "--township", "乐平镇"],
             "--township goes only with --county-person or --new-village; leave it out, or add --county-person or --new-village."),
            (["--postgres", unreachable, "--households", "20"], "--households goes only with --new-village; leave it out, or add --new-village."),
            (["--postgres", unreachable, "--village", "V01"], "--village goes only with --set-password; leave it out, or add --set-password."),
            (["--postgres", unreachable, "--set-password", "会计", "--village", "V01", "--by", "书记", "--new-village", "V02"],
             "--set-password is a step of its own: give it without --county-person and --new-village."),
            (["--postgres", unreachable, "--new-village", "V01", "--households=-2"], "--households is a positive whole number, not -2."),
        ]
        for (arguments, said) in cases {
            let refused = try office.run(server, ["--lang", "en"] + arguments)
            #expect(refused.status == 2, "\(arguments)")
            #expect(refused.err == said + "\n", "\(arguments): \(refused.err)")
        }
        // `jifen serve` hands the county's key, and a file named beside a county, on, so that they are refused there
        // too, in Chinese unless told.
        let handed = try office.run(jifenBinary.path, ["serve", "--county-key", "county.key"])
        #expect(handed.status == 2)
        #expect(handed.err == "--county-key 只和 --county 或 --postgres 一起用；请去掉它，或加上 --county 或 --postgres。\n", "\(handed.err)")
        let named = try office.run(jifenBinary.path, ["--lang", "en", "serve", "--ledger", "jifen.sqlite", "--postgres", unreachable])
        #expect(named.status == 2)
        #expect(named.err.hasPrefix("--ledger names a village's file"), "\(named.err)")
        // With its companion the option gets past the check, to the database, which is not there.
        let taken = try office.run(server, ["--lang", "en", "--postgres", unreachable, "--new-village", "V01", "--township", "乐平镇",
                                            "--households", "20"], input: "口令123456\n")
        #expect(taken.status != 0)
        #expect(taken.err.contains("Could not open the county's database"), "\(taken.err)")
    }

    /// The server's refusal before it starts is one sentence in the clerk's language: Chinese unless asked otherwise,
    /// by `--lang` (which `jifen serve` hands on) or $JIFEN_LANG, as every other command's.
    @Test func theServersRefusalIsOneSentenceInTheLanguageAskedFor() throws {
        let office = try Office(.binary)
        let chinese = "--listen 应写作 主机:端口，例如 127.0.0.1:8080。", english = "--listen is host:port, e.g. 127.0.0.1:8080."
        let cases: [(arguments: [String], environment: [String: String], said: String)] = [
            (["serve", "--listen", "8080"], [:], chinese),
            (["--lang", "en", "serve", "--listen", "8080"], [:], english),
            (["serve", "--lang=en", "--listen", "8080"], [:], english),
            (["serve", "--listen", "8080"], ["JIFEN_LANG": "en"], english),
            (["--lang", "zh", "serve", "--listen", "8080"], ["JIFEN_LANG": "en"], chinese),
        ]
        for (arguments, environment, said) in cases {
            let refused = try office.run(jifenBinary.path, arguments, environment: environment)
            #expect(refused.status == 2, "\(arguments)")
            #expect(refused.err == said + "\n", "\(arguments) \(environment): \(refused.err)")
        }
        // The server itself, started directly, answers the same way.
        let server = jifenBinary.deletingLastPathComponent().appendingPathComponent("jifen-serve").path
        let direct = try office.run(server, ["--listen", "8080", "--lang", "en"])
        #expect(direct.status == 2)
        #expect(direct.err == english + "\n", "\(direct.err)")
    }

    @Test(arguments: CountyKind.allCases)
    func aRewrittenChainIsCaughtAgainstTheCountyAndByTheFiledReceipt(_ kind: CountyKind) throws {
        let county = try County(kind)
        let pushed = try county.push()
        expectOK(pushed)
        #expect(pushed.out.contains("The county holds all"), "\(pushed.out)")
        let head = try county.countyHead()
        let fileSeq = try county.fileHead().seq
        #expect(head.seq > 100 && head.seq + 1 == fileSeq, "the receipt is filed as the next event")
        expectOK(try county.jifen("verify"))
        // Every hash recomputed after one event was changed: the file alone verifies as a chain, but not against the county.
        try county.office.forgeLog("UPDATE \(try county.office.logTable()) SET actor = '李会计' WHERE seq = 12")
        let against = try county.against()
        #expect(against.status == 2 && against.out.contains("fork at event #12"), "\(against.out) \(against.err)")
        // The auditor's verify holds the log to the receipts filed in it (plain `verify` checks the chain alone, which holds).
        expectOK(try county.jifen("verify"))
        let verify = try county.jifen("audit", "verify")
        #expect(verify.status == 2 && verify.out.contains("the checkpoint it files does not hold"), "\(verify.out)")
        // A push of the rewritten file is refused and changes nothing.
        let refused = try county.push()
        #expect(refused.status == 2 && refused.err.contains("fork at event #12"), "\(refused.err)")
        #expect(try county.countyHead() == head)
    }

    @Test(arguments: CountyKind.allCases)
    func aTailCutAfterAPushIsCaughtAgainstTheCountyAndByTheReceipt(_ kind: CountyKind) throws {
        let county = try County(kind)
        expectOK(try county.push())
        let first = try county.countyHead()
        try county.append(3, tag: "a")
        expectOK(try county.push())
        let second = try county.countyHead()
        #expect(second.seq == first.seq + 4)
        try county.office.forgeLog("DELETE FROM \(try county.office.logTable()) WHERE seq > \(first.seq - 2)")
        expectOK(try county.jifen("rebuild"))
        #expect(try county.fileHead().seq == first.seq - 2)
        let against = try county.against()
        #expect(against.status == 2 && against.out.contains("the file was cut"), "\(against.out) \(against.err)")
        let receipt = try county.jifen("audit", "verify", "--checkpoint", "county-receipt-\(first.seq).json", "--pubkey", "county.pub")
        #expect(receipt.status == 2 && receipt.out.contains("no longer holds event #\(first.seq)"), "\(receipt.out)")
        let refused = try county.push()
        #expect(refused.status == 2 && refused.err.contains("the file was cut"), "\(refused.err)")
        #expect(try county.countyHead() == second)
    }

    @Test(arguments: CountyKind.allCases)
    func aPushCutOffPartWayIsTakenUpAgainAndEndsWithIdenticalChains(_ kind: CountyKind) throws {
        let county = try County(kind, households: 10)
        let file = try county.fileHead()
        // One event a request, the client killed once the county has taken the first.
        let process = county.office.start(jifenBinary.path, ["--lang", "en", "sync", "push", "--to", county.url, "--village", "hongqi",
                                                             "--key-file", "hongqi.key", "--by", LedgerGenerator.secretary, "--piece", "1"])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Handed 1 of") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let cut = try county.countyHead()
        #expect(cut.seq >= 1 && cut.seq < file.seq, "the county took part of the log: \(cut.seq) of \(file.seq)")
        #expect(try county.fileHead() == file, "nothing filed")
        let resumed = try county.push()
        expectOK(resumed)
        #expect(resumed.out.contains("(\(file.seq - cut.seq) handed over now)"), "\(resumed.out)")
        // The receipt's filing is handed over by the next push, which files none; then the chains are the same.
        expectOK(try county.push())
        let same = try county.countyHead()
        #expect(same == (try county.fileHead()) && same.seq == file.seq + 1)
        // Pushing again changes nothing on either side.
        let again = try county.push()
        expectOK(again)
        #expect(again.out.contains("(0 handed over now)"), "\(again.out)")
        #expect(try county.countyHead() == same && county.fileHead() == same)
        let against = try county.against()
        #expect(against.status == 0 && against.out.contains("the county lacks 0 events"), "\(against.out)")
    }

    @Test(arguments: CountyKind.allCases)
    func aForkedFileIsRefusedWithTheFirstDifferingEventAndNothingChanges(_ kind: CountyKind) throws {
        let county = try County(kind)
        try FileManager.default.copyItem(atPath: county.office.path("jifen.sqlite"), toPath: county.office.path("fork.sqlite"))
        let common = try county.fileHead().seq
        try county.append(2, tag: "a")
        try county.append(2, to: "fork.sqlite", tag: "b")
        expectOK(try county.push())
        let head = try county.countyHead()
        let fork = try county.fileHead("fork.sqlite")
        let refused = try county.push(ledger: "fork.sqlite")
        #expect(refused.status == 2 && refused.err.contains("fork at event #\(common + 1)"), "\(refused.err)")
        #expect(try county.countyHead() == head && county.fileHead("fork.sqlite") == fork)
        let against = try county.against(ledger: "fork.sqlite")
        #expect(against.status == 2 && against.out.contains("fork at event #\(common + 1)"), "\(against.out)")
    }

    @Test(arguments: CountyKind.allCases)
    func aPulledCopyVerifiesAndHoldsTheCountysHead(_ kind: CountyKind) throws {
        let county = try County(kind)
        expectOK(try county.push())
        let pull = ["sync", "pull", "--from", county.url, "--village", "hongqi", "--key-file", "hongqi.key", "--out", "copy.sqlite"]
        expectOK(try county.office.run(jifenBinary.path, ["--lang", "en"] + pull))
        #expect(try county.fileHead("copy.sqlite") == county.countyHead())
        expectOK(try county.jifen("--ledger", "copy.sqlite", "verify"))
        // Resumed into the same file: only what the county got since.
        try county.append(2, tag: "a")
        expectOK(try county.push())
        let again = try county.office.run(jifenBinary.path, ["--lang", "en"] + pull)
        expectOK(again)
        #expect(again.out.contains("(3 taken now)"), "\(again.out)")
        #expect(try county.fileHead("copy.sqlite") == county.countyHead())
        expectOK(try county.jifen("--ledger", "copy.sqlite", "verify"))
    }

    @Test(arguments: CountyKind.allCases)
    func aWrongKeyOrAnotherVillagesKeyIsRefused(_ kind: CountyKind) throws {
        let county = try County(kind)
        try county.office.write("wrong.key", "jfs_0000\n")
        for (key, village) in [("wrong.key", "hongqi"), ("other.key", "hongqi"), ("hongqi.key", "other")] {
            let run = try county.office.run(jifenBinary.path, ["--lang", "en", "sync", "push", "--to", county.url, "--village", village,
                                                               "--key-file", key, "--by", LedgerGenerator.secretary])
            #expect(run.status == 1 && run.err.contains("does not accept this sync key"), "\(key) for \(village): \(run.err)")
        }
        #expect(try county.countyHead().seq == 0)
    }
}

/// `jifen county load FILE --village V --postgres URL`: a village's existing ledger into the county's database.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
struct CountyLoadTests {
    func load(_ county: SyncTests.County, _ file: String, village: String = "hongqi") throws -> Run {
        try county.office.run(jifenBinary.path, ["--lang", "en", "county", "load", file, "--village", village, "--piece", "100"] + county.place)
    }

    @Test func aLoadedVillageHoldsTheFilesSeqAndHashResumesAndThenTakesPushes() throws {
        let county = try SyncTests.County(.postgres)
        // An older copy of the file, loaded first (as a load cut part way leaves the county).
        try FileManager.default.copyItem(atPath: county.office.path("jifen.sqlite"), toPath: county.office.path("older.sqlite"))
        let older = try county.fileHead("older.sqlite")
        try county.append(3, tag: "a")
        let file = try county.fileHead()
        let first = try load(county, "older.sqlite")
        expectOK(first)
        #expect(first.out.contains("(\(older.seq) loaded now"), "\(first.out)")
        #expect(try county.countyHead() == older)
        // The whole file: only what the county lacks.
        let rest = try load(county, "jifen.sqlite")
        expectOK(rest)
        #expect(rest.out.contains("(3 loaded now") && rest.out.contains(file.hash), "\(rest.out)")
        #expect(try county.countyHead() == file)
        expectOK(try load(county, "jifen.sqlite"))
        #expect(try county.countyHead() == file)
        // The older copy now is behind the county: refused, nothing changed.
        let behind = try load(county, "older.sqlite")
        #expect(behind.status == 2 && behind.err.contains("ends at #\(older.seq)"), "\(behind.err)")
        // The loaded village takes pushes: the receipt first, then what the clerk records next.
        let pushed = try county.push()
        expectOK(pushed)
        #expect(pushed.out.contains("(0 handed over now)"), "\(pushed.out)")
        try county.append(2, tag: "b")
        expectOK(try county.push())
        #expect(try county.countyHead().seq == file.seq + 3)
        expectOK(try county.against())
    }

    @Test func aForkedFileIsRefusedNamingTheFirstDifferingEventAndNothingIsLoaded() throws {
        let county = try SyncTests.County(.postgres)
        try FileManager.default.copyItem(atPath: county.office.path("jifen.sqlite"), toPath: county.office.path("fork.sqlite"))
        let common = try county.fileHead().seq
        try county.append(2, tag: "a")
        try county.append(2, to: "fork.sqlite", tag: "b")
        expectOK(try load(county, "jifen.sqlite"))
        let head = try county.countyHead()
        let fork = try county.fileHead("fork.sqlite")
        let refused = try load(county, "fork.sqlite")
        #expect(refused.status == 2 && refused.err.contains("fork at event #\(common + 1)"), "\(refused.err)")
        #expect(try county.countyHead() == head && county.fileHead("fork.sqlite") == fork)
        // A village the county does not hold.
        let nowhere = try load(county, "jifen.sqlite", village: "nowhere")
        #expect(nowhere.status == 1 && nowhere.err.contains("holds no village nowhere"), "\(nowhere.err)")
    }

    @Test func aFileWhoseChainDoesNotHoldIsRefusedAtTheFirstBadEvent() throws {
        let county = try SyncTests.County(.postgres)
        // One event's hash overwritten in the file (its triggers dropped and put back): the chain breaks there.
        let script = """
            import sqlite3
            db = sqlite3.connect("jifen.sqlite")
            triggers = [r for r in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")]
            for name, _ in triggers: db.execute(f"DROP TRIGGER {name}")
            db.execute("UPDATE \(try county.office.logTable()) SET hash = zeroblob(32) WHERE seq = 250")
            for _, sql in triggers: db.execute(sql)
            db.commit()
            """
        try county.office.write("damage.py", script)
        expectOK(try county.office.run("/usr/bin/env", ["python3", "damage.py"]))
        let refused = try load(county, "jifen.sqlite")
        #expect(refused.status == 2 && refused.err.contains("event #250"), "\(refused.err)")
        // The pieces before it are kept (piece 100): the county stops before the piece holding it.
        #expect(try county.countyHead().seq == 200)
    }
}

/// `jifen county person set|list|retire --postgres URL`: the county's own people, who log in to the county's server.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
struct CountyPeopleTests {
    func person(_ county: SyncTests.County, _ arguments: [String], input: String? = nil) throws -> Run {
        try county.office.run(jifenBinary.path, ["--lang", "en", "county", "person"] + arguments + county.place, input: input)
    }

    /// The HTTP status of a login at the county's server, and the session's token when it opened.
    func logIn(_ county: SyncTests.County, _ name: String, _ password: String) throws -> (status: String, token: String?) {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "password": password])
        let run = try county.office.run("/usr/bin/env", ["curl", "-s", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                                                         "--data-binary", String(decoding: body, as: UTF8.self), "\(county.url)/api/v1/session"])
        let lines = run.out.split(separator: "\n")
        let json = try? JSONSerialization.jsonObject(with: Data((lines.dropLast().joined(separator: "\n")).utf8)) as? [String: Any]
        return (String(lines.last ?? ""), json?["token"] as? String)
    }

    func people(_ county: SyncTests.County) throws -> [[String: Any]] {
        let run = try person(county, ["list", "--json"])
        expectOK(run)
        return try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [[String: Any]] ?? []
    }

    @Test func theCountysPeopleAreSetListedAndRetiredAndLogInAsSet() throws {
        let county = try SyncTests.County(.postgres)
        #expect(try people(county).isEmpty)
        // Refused, nothing kept: an auditor without a township, an administrator with one, a role jifen lacks, a weak
        // password, no password at all.
        for (arguments, input, says) in [(["set", "审计甲", "--role", "auditor"], "long enough 2026", "--township"),
                                         (["set", "管理员", "--role", "administrator", "--township", "城关乡"], "long enough 2026", "no township"),
                                         (["set", "管理员", "--role", "clerk"], "long enough 2026", "administrator or auditor"),
                                         (["set", "管理员", "--role", "administrator"], "123", "password"),
                                         (["set", "管理员", "--role", "administrator"], "", "standard input")] {
            let refused = try person(county, arguments, input: input)
            #expect(refused.status == 1 && refused.err.contains(says), "\(arguments): \(refused.err)")
        }
        #expect(try people(county).isEmpty)

        expectOK(try person(county, ["set", "县管理员", "--role", "administrator"], input: "county admin 2026\n"))
        expectOK(try person(county, ["set", "城关审计", "--role", "auditor", "--township", "城关乡"], input: "township audit 2026\n"))
        let listed = try people(county)
        #expect(listed.map { $0["name"] as? String } == ["城关审计", "县管理员"].sorted())
        #expect(listed.allSatisfy { $0["active"] as? Bool == true })
        #expect(listed.first { $0["name"] as? String == "城关审计" }?["township"] as? String == "城关乡")

        // The administrator logs in and reads the county's villages; a wrong password opens nothing.
        let admin = try logIn(county, "县管理员", "county admin 2026")
        #expect(admin.status == "200")
        let token = try #require(admin.token)
        let villages = try county.office.run("/usr/bin/env", ["curl", "-sf", "-H", "Authorization: Bearer \(token)", "\(county.url)/api/v1/villages"])
        expectOK(villages)
        #expect(villages.out.contains("hongqi") && villages.out.contains("other"))
        #expect(try logIn(county, "县管理员", "not the password").status == "401")

        // Set anew: the old password opens nothing, the new one does.
        let again = try person(county, ["set", "县管理员", "--role", "administrator"], input: "a new password 2026\n")
        expectOK(again)
        #expect(again.out.contains("anew"), "\(again.out)")
        #expect(try logIn(county, "县管理员", "county admin 2026").status == "401")
        #expect(try logIn(county, "县管理员", "a new password 2026").status == "200")

        // Retired: listed so, and logs in no more; retiring someone the county lacks is refused.
        expectOK(try person(county, ["retire", "城关审计"]))
        #expect(try people(county).first { $0["name"] as? String == "城关审计" }?["active"] as? Bool == false)
        #expect(try logIn(county, "城关审计", "township audit 2026").status == "401")
        let nobody = try person(county, ["retire", "无此人"])
        #expect(nobody.status == 1 && nobody.err.contains("no person"), "\(nobody.err)")
    }
}

/// `jifen sync pull --as NAME` and `jifen audit verify --against URL --as NAME`: an auditor of the county, logged in
/// with their own password rather than holding the village's sync key, copies a village's log from the county's
/// server (`GET …/log`) and compares a file with it.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
struct AuditorPullTests {
    @Test func anAuditorLoggedInPullsAVerifyingCopyAndComparesAFileWithTheCounty() throws {
        let county = try SyncTests.County(.postgres)
        expectOK(try county.push())
        let head = try county.countyHead()
        let people = ["--lang", "en", "county", "person"]
        expectOK(try county.office.run(jifenBinary.path, people + ["set", "县审计", "--role", "administrator"] + county.place,
                                       input: "county audit 2026\n"))
        expectOK(try county.office.run(jifenBinary.path, people + ["set", "外乡审计", "--role", "auditor", "--township", "外乡"] + county.place,
                                       input: "other township 2026\n"))
        func pull(_ name: String, _ password: String, out: String, village: String = "hongqi") throws -> Run {
            try county.office.run(jifenBinary.path, ["--lang", "en", "sync", "pull", "--from", county.url, "--village", village,
                                                     "--as", name, "--out", out], input: password + "\n")
        }

        // The copy holds the county's events, verifies like any ledger, and a second pull takes nothing new.
        let pulled = try pull("县审计", "county audit 2026", out: "copy.sqlite")
        expectOK(pulled)
        #expect(pulled.out.contains("holds \(head.seq) events") && pulled.out.contains(head.hash), "\(pulled.out)")
        expectOK(try county.jifen("--ledger", "copy.sqlite", "verify"))
        let again = try pull("县审计", "county audit 2026", out: "copy.sqlite")
        expectOK(again)
        #expect(again.out.contains("(0 taken now)"), "\(again.out)")

        // The village's file, compared with the county's copy by the same person.
        let compared = try county.office.run(jifenBinary.path, ["--lang", "en", "--ledger", "jifen.sqlite", "audit", "verify", "--against", county.url,
                                                                "--village", "hongqi", "--as", "县审计"], input: "county audit 2026\n")
        expectOK(compared)
        #expect(compared.out.contains("extends the county's copy"), "\(compared.out)")

        // Refused, writing nothing: a wrong password, an auditor of another township, a push by a person.
        let wrong = try pull("县审计", "not the password", out: "wrong.sqlite")
        #expect(wrong.status == 1 && wrong.err.contains("Wrong name or password"), "\(wrong.err)")
        let elsewhere = try pull("外乡审计", "other township 2026", out: "elsewhere.sqlite")
        #expect(elsewhere.status == 1 && elsewhere.err.contains("may not read hongqi"), "\(elsewhere.err)")
        for file in ["wrong.sqlite", "elsewhere.sqlite"] {
            #expect(try county.office.run("/usr/bin/env", ["sh", "-c", "sqlite3 \(file) 'SELECT count(*) FROM event_log' 2>/dev/null || echo none"]).out
                .trimmingCharacters(in: .whitespacesAndNewlines) != "\(head.seq)")
        }
        let push = try county.office.run(jifenBinary.path, ["--lang", "en", "sync", "push", "--to", county.url, "--village", "hongqi",
                                                            "--as", "县审计"], input: "county audit 2026\n")
        #expect(push.status == 1 && push.err.contains("takes the village's sync key"), "\(push.err)")
        // A key and a person both, or neither; a village's code that is not one (it would go into the request's path).
        for (extra, says) in [(["--as", "县审计", "--key-file", "hongqi.key"], "one of them"), ([], "one of them")] {
            let run = try county.office.run(jifenBinary.path, ["sync", "pull", "--from", county.url, "--village", "hongqi", "--out", "x.sqlite"] + extra,
                                            input: "county audit 2026\n")
            #expect(run.status == 1 && run.err.contains("二者选一"), "\(extra): \(run.err)")
            let english = try county.office.run(jifenBinary.path, ["--lang", "en", "sync", "pull", "--from", county.url, "--village", "hongqi",
                                                                   "--out", "x.sqlite"] + extra, input: "county audit 2026\n")
            #expect(english.status == 1 && english.err.contains(says), "\(extra): \(english.err)")
        }
        let dotted = try pull("县审计", "county audit 2026", out: "x.sqlite", village: "../session")
        #expect(dotted.status == 1 && dotted.err.contains("is not a village code"), "\(dotted.err)")
    }
}
