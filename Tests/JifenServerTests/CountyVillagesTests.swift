import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenPostgres
import JifenPostgresTestSupport
import JifenServer
import Yams
import JifenAudit
import JifenReports
import Testing

/// `serve --postgres`: every village of a county's PostgreSQL database under /api/v1/villages/{village}, with the
/// village API's own routes, each village's people reaching their own village alone, a township's auditor reading the
/// township's villages, the county's administrator adding villages. Each test in villages (and county people) of its own.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason), .serialized)
struct CountyVillagesTests {
    static let password = "correct horse 7"

    /// Two villages of township `T-…` and one of another, a county administrator and the township's auditor.
    struct County {
        let service: CountyVillagesService
        let tag = String(UUID().uuidString.prefix(8))
        var a: String { "A-\(tag)" }
        var b: String { "B-\(tag)" }
        var other: String { "C-\(tag)" }
        var township: String { "T-\(tag)" }
        var admin: String { "县管理员-\(tag)" }
        var auditor: String { "乡审计-\(tag)" }

        init() throws {
            let county = try PostgresCluster.county.get()
            service = CountyVillagesService(county: county, threads: 4)
            try NewVillage(code: a, township: township).make(in: county, password: CountyVillagesTests.password)
            try NewVillage(code: b, township: township).make(in: county, password: CountyVillagesTests.password)
            try NewVillage(code: other, township: "U-\(tag)").make(in: county, password: CountyVillagesTests.password)
            try county.setPerson(admin, role: .administrator, password: CountyVillagesTests.password)
            try county.setPerson(auditor, role: .auditor, township: township, password: CountyVillagesTests.password)
        }

        func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
            let app = Application(router: service.router())
            defer { Task { [service] in await service.close() } }
            return try await app.test(.router, body)
        }
    }

    @Test func aVillagesPeopleUseTheVillageAPIUnderItsPrefix() async throws {
        let county = try County()
        let a = county.a
        try await county.test { client in
            let (token, _) = try await client.villageLogin(a, "会计")
            let me = try await client.call(.get, "/api/v1/villages/\(a)/session", token: token).object()
            #expect(me["actor"] as? String == "会计")
            #expect(me["village"] as? String == a)
            #expect(me["roles"] as? [String] == ["clerk"])

            let households = try await client.call(.get, "/api/v1/villages/\(a)/households", token: token)
            #expect(households.status == .ok)
            #expect(try households.array().map { $0["household"] as? String } == (0..<20).map { NewVillage.household($0).rawValue })

            let award = try await client.fixedAward(in: a, token: token)
            let points = award.points
            let before = try await client.call(.get, "/api/v1/villages/\(a)/households/H003/balance", token: token).object()
            let scored = try await client.call(.post, "/api/v1/villages/\(a)/scores", token: token,
                                               json: ["household": "H003", "rule": award.code, "date": "2025-01-02"])
            #expect(scored.status == .created, "\(String(buffer: scored.body))")
            let event = try #require((try scored.object()["events"] as? [[String: Any]])?.first)
            #expect(event["actor"] as? String == "会计")
            #expect(event["points"] as? Int == points)
            let after = try await client.call(.get, "/api/v1/villages/\(a)/households/H003/balance", token: token).object()
            #expect((after["earned"] as? Int ?? 0) - (before["earned"] as? Int ?? 0) == points)

            let history = try await client.call(.get, "/api/v1/villages/\(a)/households/H003/history", token: token)
            #expect(history.status == .ok)
            #expect(String(buffer: history.body).contains("\(event["seq"] as? Int ?? -1)"))

            // The same score again the same day is refused by `decide` (a likely retry, or the rule's cap), and writes nothing.
            let again = try await client.call(.post, "/api/v1/villages/\(a)/scores", token: token,
                                              json: ["household": "H003", "rule": award.code, "date": "2025-01-02"])
            #expect(again.status == .unprocessableContent)
            let unchanged = try await client.call(.get, "/api/v1/villages/\(a)/households/H003/balance", token: token).object()
            #expect(unchanged["earned"] as? Int == after["earned"] as? Int)

            let unknown = try await client.call(.get, "/api/v1/villages/\(a)/households/H999/balance", token: token)
            #expect(unknown.status == .notFound)
            let wrong = try await client.call(.post, "/api/v1/villages/\(a)/session", json: ["name": "会计", "password": "wrong password 1"])
            #expect(wrong.status == .unauthorized)
            // A login at a village the county does not have answers as a wrong password does: no one learns which
            // villages there are by trying codes.
            let nowhere = try await client.call(.post, "/api/v1/villages/nowhere-\(county.tag)/session",
                                                json: ["name": "会计", "password": CountyVillagesTests.password])
            #expect(nowhere.status == .unauthorized && nowhere.kind == "wrongPassword")
        }
    }

    /// A tally sheet posted to a village of the county goes in whole or not at all, as on a village's own server: the
    /// same rows and refusals (`LedgerWriter.importTallySheet` on the county's store), the same sheet twice refused.
    @Test func aTallySheetGoesInWholeOrNotAtAllUnderTheVillagesPrefix() async throws {
        let county = try County()
        let (a, b) = (county.a, county.b)
        try await county.test { client in
            let (clerk, _) = try await client.villageLogin(a, "会计")
            let award = try await client.fixedAward(in: a, token: clerk)
            let (rule, points) = (award.code, award.points)
            func post(_ sheet: String, name: String, village: String? = nil, token: String? = nil) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/villages/\(village ?? a)/sheets?name=\(name)", method: .post,
                                         headers: [.authorization: "Bearer \(token ?? clerk)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: sheet))
            }
            func balance(_ household: String) async throws -> Int {
                try await client.call(.get, "/api/v1/villages/\(a)/households/\(household)/balance", token: clerk).object()["earned"] as? Int ?? -1
            }
            let before = (try await balance("H001"), try await balance("H002"))
            let bad = "date,household,rule,points,note\r\n2025-01-03,H001,\(rule),,\r\n2025-01-03,H999,\(rule),,\r\n2025-01-04,H002,Q1,,\r\n"
            let refused = try await post(bad, name: "bad.csv")
            #expect(refused.status == .unprocessableContent && refused.kind == "sheetRefused", "\(String(buffer: refused.body))")
            #expect((try refused.object()["lines"] as? [[String: Any]] ?? []).compactMap { $0["line"] as? Int } == [3, 4])
            #expect(try await balance("H001") == before.0, "nothing of a refused sheet is written")

            let good = "date,household,rule,points,note\r\n2025-01-03,H001,\(rule),,\r\n2025-01-04,H002,\(rule),,\r\n"
            let imported = try await post(good, name: "jan.csv")
            #expect(imported.status == .created, "\(String(buffer: imported.body))")
            let summary = try imported.object()
            #expect(summary["scores"] as? Int == 2 && summary["awarded"] as? Int == 2 * points)
            let after = (try await balance("H001"), try await balance("H002"))
            #expect(after.0 == before.0 + points && after.1 == before.1 + points)
            let twice = try await post(good, name: "jan-again.csv")
            #expect(twice.status == .unprocessableContent, "\(String(buffer: twice.body))")
            #expect(try await balance("H001") == before.0 + points)

            // A township's auditor writes nothing; another village's clerk reaches no other village.
            let (auditor, _) = try await client.countyLogin(county.auditor)
            #expect(try await post(good, name: "x.csv", token: auditor).status == .forbidden)
            let (otherClerk, _) = try await client.villageLogin(b, "会计")
            #expect(try await post(good, name: "y.csv", token: otherClerk).status == .forbidden)
            #expect(try await balance("H002") == before.1 + points)
        }
    }

    /// A read answers from the server's cached fold only while it is at the village's head: what another process (a
    /// county of its own, with a cache of its own) appends is seen by the next read.
    @Test func aReadSeesWhatAnotherProcessAppended() async throws {
        let county = try County()
        let a = county.a
        let elsewhere = try PostgresCounty(url: try PostgresCluster.shared.get().url, connections: 1)
        defer { elsewhere.close() }
        try await county.test { client in
            let (token, _) = try await client.villageLogin(a, "会计")
            let before = try await client.call(.get, "/api/v1/villages/\(a)/households/H005/balance", token: token).object()
            let other = PostgresVillage(store: elsewhere.village(a))
            try other.checkPassword(name: "会计", password: CountyVillagesTests.password)
            other.trustAuthenticated("会计")
            let written = try other.execute(.recordScore(NewVillage.household(4), "A1.1", points: nil, note: "", source: nil),
                                            by: "会计", on: LocalDate(year: 2025, month: 1, day: 3))
            let points = try #require(written.events.first).facts.earned
            #expect(points > 0)
            let after = try await client.call(.get, "/api/v1/villages/\(a)/households/H005/balance", token: token).object()
            #expect((after["earned"] as? Int ?? 0) - (before["earned"] as? Int ?? 0) == points)
            let history = try await client.call(.get, "/api/v1/villages/\(a)/households/H005/history", token: token)
            #expect(String(buffer: history.body).contains("\"seq\":\(try #require(written.events.first).seq)"))
        }
    }

    @Test func aVillagesPersonReachesNoOtherVillage() async throws {
        let county = try County()
        let (a, b) = (county.a, county.b)
        let headOfB = try PostgresCluster.county.get().village(b).read { $0.headOfLog() }
        try await county.test { client in
            let (token, _) = try await client.villageLogin(a, "会计")
            for path in ["households", "households/H001/balance", "session", "review"] {
                let read = try await client.call(.get, "/api/v1/villages/\(b)/\(path)", token: token)
                #expect(read.status == .forbidden, "\(path)")
                #expect(read.kind == "otherVillage")
            }
            let write = try await client.call(.post, "/api/v1/villages/\(b)/scores", token: token,
                                              json: ["household": "H001", "rule": "A1.1", "date": "2025-01-02"])
            #expect(write.status == .forbidden)
            // Logged in to B with A's token: the person of B of the same name is someone else.
            let list = try await client.call(.get, "/api/v1/villages", token: token).array()
            #expect(list.map { $0["village"] as? String } == [a])
        }
        let after = try PostgresCluster.county.get().village(b).read { $0.headOfLog() }
        #expect(after.seq == headOfB.seq && after.hash == headOfB.hash)
    }

    @Test func aTownshipsAuditorReadsItsVillagesAndWritesNothing() async throws {
        let county = try County()
        let (a, b, other) = (county.a, county.b, county.other)
        try await county.test { client in
            let (token, _) = try await client.countyLogin(county.auditor)
            let list = try await client.call(.get, "/api/v1/villages", token: token).array()
            #expect(list.map { $0["village"] as? String } == [a, b])
            #expect(list.allSatisfy { $0["township"] as? String == county.township })
            for village in [a, b] {
                let read = try await client.call(.get, "/api/v1/villages/\(village)/households/H002/balance", token: token)
                #expect(read.status == .ok, "\(village): \(String(buffer: read.body))")
            }
            let elsewhere = try await client.call(.get, "/api/v1/villages/\(other)/households", token: token)
            #expect(elsewhere.status == .forbidden)
            let write = try await client.call(.post, "/api/v1/villages/\(a)/scores", token: token,
                                              json: ["household": "H001", "rule": "A1.1", "date": "2025-01-02"])
            #expect(write.status == .forbidden)
            #expect(write.kind == "readOnly")
            let create = try await client.call(.post, "/api/v1/villages", token: token, json: ["village": "X-\(county.tag)"])
            #expect(create.status == .forbidden)
        }
    }

    /// A village given a sync key keeps its books in its own office: the county's copy is read by the county's people,
    /// and neither a login of its own people nor a write reaches it here (either would fork it from the office's file).
    @Test func aVillageThatSyncsIsReadHereAndWrittenAtItsOffice() async throws {
        let county = try County()
        let (a, b) = (county.a, county.b)
        try await county.test { client in
            let (clerk, _) = try await client.villageLogin(a, "会计")
            let award = try await client.fixedAward(in: a, token: clerk)
            let score = ["household": "H003", "rule": award.code, "date": "2025-01-02"]
            let chains = PostgresCountyChains(county: try PostgresCluster.county.get())
            // The sync's routes take a folder's names: a code with a dot would be a village no key could reach.
            let dotted = "\(a).1"
            #expect(throws: PostgresCountyChains.SetupRefusal.syncName(dotted)) {
                try chains.add(village: dotted, township: nil, syncKeyHash: try SyncKeys.hash(SyncKeys.newKey()))
            }
            try chains.add(village: a, township: county.township, syncKeyHash: try SyncKeys.hash(SyncKeys.newKey()))
            let login = try await client.call(.post, "/api/v1/villages/\(a)/session", json: ["name": "会计", "password": CountyVillagesTests.password])
            #expect(login.status == .forbidden && login.kind == "syncedVillage")
            let write = try await client.call(.post, "/api/v1/villages/\(a)/scores", token: clerk, json: score)
            #expect(write.status == .forbidden && write.kind == "syncedVillage")
            let (token, _) = try await client.countyLogin(county.admin)
            #expect(try await client.call(.get, "/api/v1/villages/\(a)/households", token: token).status == .ok)
            // Another village of the county is written as before.
            let (other, _) = try await client.villageLogin(b, "会计")
            let written = try await client.call(.post, "/api/v1/villages/\(b)/scores", token: other, json: score)
            #expect(written.status == .created, "\(String(buffer: written.body))")
        }
    }

    /// The county server's document (/openapi.yaml) describes every route it has, with its sync and reports mounted, and
    /// nothing else: a village's operations under the village's prefix, the county's own beside them.
    @Test func theCountysDocumentIsItsRoutes() async throws {
        let cluster = try PostgresCluster.shared.get()
        let database = "document_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        #expect(try cluster.psql("CREATE DATABASE \(database)") == nil)
        let county = try PostgresCounty(url: cluster.url(database: database), connections: 2)
        defer { county.close() }
        let chains = PostgresCountyChains(county: county)
        let key = SigningKey()
        try chains.initialise(publicKey: key.key.publicKey.rawRepresentation.base64EncodedString(), adminTokenHash: try SyncKeys.hash("jfa_x"))
        let service = CountyVillagesService(county: county, threads: 2)
        let sync = try CountyService(chains: chains, key: key, reports: CountyReports(source: county))
        let router = service.router()
        sync.add(to: router)
        let routed = Set(router.routes.filter { route in
            let path = "\(route.path)"
            return path.hasPrefix("/api/") || path == "/healthz" || path == "/openapi.yaml"
        }.map { route in
            let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue) /" + path.joined(separator: "/")
        })
        defer { Task { await service.close() } }
        try await Application(router: router).test(.router) { client in
            let document = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(document.status == .ok)
            let yaml = try #require(try Yams.load(yaml: String(buffer: document.body)) as? [String: Any])
            let paths = try #require(yaml["paths"] as? [String: Any])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in (operations as? [String: Any] ?? [:]).keys where method != "parameters" {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            #expect(documented == routed, "only documented: \(documented.subtracting(routed)); only routed: \(routed.subtracting(documented))")
            // Every reference the document makes is to a component it has.
            let text = String(buffer: document.body)
            let components = try #require(yaml["components"] as? [String: [String: Any]])
            for match in text.matches(of: /"#\/components\/([a-zA-Z]+)\/([a-zA-Z]+)"/) {
                #expect(components[String(match.1)]?[String(match.2)] != nil, "\(match.0)")
            }
        }
    }

    @Test func theCountysAdministratorAddsAVillage() async throws {
        let county = try County()
        let added = "N-\(county.tag)"
        try await county.test { client in
            let (clerk, _) = try await client.villageLogin(county.a, "会计")
            let refused = try await client.call(.post, "/api/v1/villages", token: clerk, json: ["village": added])
            #expect(refused.status == .forbidden)

            let (token, _) = try await client.countyLogin(county.admin)
            let made = try await client.call(.post, "/api/v1/villages", token: token, json: ["village": added, "township": county.township])
            #expect(made.status == .created, "\(String(buffer: made.body))")
            let again = try await client.call(.post, "/api/v1/villages", token: token, json: ["village": added])
            #expect(again.status == .conflict)
            let bad = try await client.call(.post, "/api/v1/villages", token: token, json: ["village": "no spaces"])
            #expect(bad.status == .badRequest)

            let households = try await client.call(.get, "/api/v1/villages/\(added)/households", token: token)
            #expect(households.status == .ok)
            #expect(try households.array().isEmpty)
            let list = try await client.call(.get, "/api/v1/villages", token: token).array().compactMap { $0["village"] as? String }
            #expect(list.contains(added) && list.contains(county.a) && list.contains(county.other))
            let wrong = try await client.call(.post, "/api/v1/session", json: ["name": county.admin, "password": "not the password"])
            #expect(wrong.status == .unauthorized)
        }
        #expect(try PostgresCluster.county.get().villages().first { $0.village == added }?.township == county.township)
    }
}

extension TestClientProtocol {
    /// An award of fixed points among the village's rules (`GET …/rules`): its code and points.
    func fixedAward(in village: String, token: String) async throws -> (code: String, points: Int) {
        let rules = try await call(.get, "/api/v1/villages/\(village)/rules", token: token).array()
        let award = try #require(rules.first { $0["direction"] as? String == "award" && $0["min"] as? Int == $0["max"] as? Int })
        return (award["code"] as? String ?? "", award["min"] as? Int ?? 0)
    }

    /// Logs a village's person in to their village.
    func villageLogin(_ village: String, _ name: String) async throws -> (token: String, csrf: String) {
        let response = try await call(.post, "/api/v1/villages/\(village)/session",
                                      json: ["name": name, "password": CountyVillagesTests.password])
        #expect(response.status == .ok, "login of \(name) in \(village): \(String(buffer: response.body))")
        let object = try response.object()
        return (object["token"] as? String ?? "", object["csrf"] as? String ?? "")
    }

    /// Logs a person of the county in.
    func countyLogin(_ name: String) async throws -> (token: String, csrf: String) {
        let response = try await call(.post, "/api/v1/session", json: ["name": name, "password": CountyVillagesTests.password])
        #expect(response.status == .ok, "login of \(name): \(String(buffer: response.body))")
        let object = try response.object()
        return (object["token"] as? String ?? "", object["csrf"] as? String ?? "")
    }
}
