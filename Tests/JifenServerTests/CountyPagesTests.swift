import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenDemo
import JifenPostgres
import JifenPostgresTestSupport
import JifenServer
import Testing

/// The village pages of the county's server (`serve --postgres`) under /villages/{village}/: the same pages as a village's
/// own server, over the village's books in PostgreSQL.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason), .serialized)
struct CountyPagesTests {
    static let password = CountyVillagesTests.password

    /// The people the twin village has beyond `NewVillage`'s administrator and clerk, and the shop's item.
    static let extra: [Command] = [
        .registerActor("审核员", roles: [.reviewer], unit: nil),
        .registerActor("店主", roles: [.shopkeeper], unit: nil),
        .registerActor("组长", roles: [.leader], unit: "U01"),
        .listItem("I01", name: "肥皂", unit: "块", price: 1),
    ]
    static let people = ["审核员", "店主", "组长"]

    /// The same village made by the same commands in the same environment in a SQLite file and in the county's database,
    /// worked through the same form posts on a village's own server and at /villages/{village}/ on the county's: the
    /// same answers (the pages' text but for their random tokens), and the same ledger, hash for hash.
    @Test func formsOnTheCountysPagesWriteWhatTheyWriteOnAVillagesOwnServer() async throws {
        let code = "pages-\(UUID().uuidString.prefix(8))"
        let plan = {
            var plan = NewVillage(code: code)
            plan.households = 6
            return plan
        }()
        let start = Date(timeIntervalSince1970: 1_740_000_000)
        let sqliteClock = ScriptedEnvironment(start: start, seed: 9), countyClock = ScriptedEnvironment(start: start, seed: 9)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-pages-twin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Ledger(path: folder.appendingPathComponent("v.sqlite").path, create: true, environment: sqliteClock.environment)
        for command in try plan.commands() { try ledger.execute(command, by: plan.admin, on: plan.opened) }
        try ledger.setPassword(of: plan.admin, to: Self.password, by: plan.admin, on: plan.opened)
        ledger.trustAuthenticated(plan.admin)
        try ledger.setPassword(of: plan.clerk, to: Self.password, by: plan.admin, on: plan.opened)
        for command in Self.extra { try ledger.execute(command, by: plan.admin, on: plan.opened) }
        for name in Self.people { try ledger.setPassword(of: name, to: Self.password, by: plan.admin, on: plan.opened) }
        ledger.trustAuthenticated("店主")
        try ledger.execute(.receiveStock("I01", quantity: 20, source: "采购"), by: "店主", on: plan.opened)

        let county = try PostgresCluster.county.get()
        let village = try plan.make(in: county, password: Self.password, environment: countyClock.environment)
        for command in Self.extra { try village.execute(command, by: plan.admin, on: plan.opened) }
        for name in Self.people { try village.setPassword(of: name, to: Self.password, by: plan.admin, on: plan.opened) }
        village.trustAuthenticated("店主")
        try village.execute(.receiveStock("I01", quantity: 20, source: "采购"), by: "店主", on: plan.opened)

        let single = JifenService(ledger: ledger)
        let many = CountyVillagesService(county: county, threads: 2, environment: countyClock.environment)
        defer { Task { await many.close() } }

        /// The work of a month through the pages at `base`: a clerk's score and a unit leader's proposal (each with its
        /// form's key, which the chain keeps), the reviewer's approval and the month's notice, and after the notice a
        /// redemption at the shop and its receipt. Each answer: its status, where it sends the browser, and the page's
        /// text with the pages' place and the random tokens taken out.
        func work(_ router: Router<ServerContext>, base: String, clock: ScriptedEnvironment) async throws -> [String] {
            try await Application(router: router).test(.router) { client in
                var answers: [String] = []
                func note(_ response: TestResponse) {
                    var text = response.html
                    if !base.isEmpty { text = text.replacingOccurrences(of: base, with: "") }
                    while let token = text.csrf, !token.isEmpty { text = text.replacingOccurrences(of: token, with: "") }
                    text = text.replacingOccurrences(of: #"name="key" value="[^"]*""#, with: "key", options: .regularExpression)
                    let location = (response.location ?? "").replacingOccurrences(of: base, with: "")
                    answers.append("\(response.status.code) \(location)\n\(text)")
                }
                clock.setEvening(of: try #require(LocalDate(year: 2025, month: 3, day: 4)))
                var clerk = Browser(client), leader = Browser(client), reviewer = Browser(client)
                note(try await clerk.logIn(plan.clerk, password: Self.password, at: base))
                note(try await leader.logIn("组长", password: Self.password, at: base))
                note(try await reviewer.logIn("审核员", password: Self.password, at: base))
                var csrf = try await clerk.csrf(of: base + "/clerk")
                note(try await clerk.post(base + "/clerk/score", ["csrf": csrf, "household": "H002", "rule": "A1.2",
                                                                  "date": "2025-02-10", "key": "twin-1"]))
                // A refusal shows the form again with the ledger's sentence.
                note(try await clerk.post(base + "/clerk/score", ["csrf": csrf, "household": "H999", "rule": "A1.2",
                                                                  "date": "2025-02-10", "key": "twin-x"]))
                note(try await clerk.get(base + "/clerk"))
                csrf = try await leader.csrf(of: base + "/clerk")
                let proposed = try await leader.post(base + "/clerk/score", ["csrf": csrf, "household": "户主3", "rule": "B1.1",
                                                                             "date": "2025-02-11", "note": "扫雪", "key": "twin-2"])
                note(proposed)
                let seq = String((proposed.location ?? "").split(separator: "=").last ?? "")
                csrf = try await reviewer.csrf(of: base + "/review")
                note(try await reviewer.get(base + "/review"))
                note(try await reviewer.post(base + "/review/approve", ["csrf": csrf, "seq": seq]))
                note(try await reviewer.post(base + "/review/notice", ["csrf": csrf, "period": "2025-02", "action": "open"]))
                note(try await reviewer.get(base + "/review"))
                // After the notice's days: its scores final, spent at the shop.
                clock.setEvening(of: try #require(LocalDate(year: 2025, month: 3, day: 20)))
                reviewer = Browser(client)
                note(try await reviewer.logIn("审核员", password: Self.password, at: base))
                csrf = try await reviewer.csrf(of: base + "/review")
                note(try await reviewer.post(base + "/review/notice", ["csrf": csrf, "period": "2025-02", "action": "close"]))
                var shop = Browser(client)
                note(try await shop.logIn("店主", password: Self.password, at: base))
                note(try await shop.get(base + "/shop?household=H002"))
                csrf = try await shop.csrf(of: base + "/shop?household=H002")
                let redeemed = try await shop.post(base + "/shop/redeem", ["csrf": csrf, "household": "H002", "item": "I01",
                                                                           "quantity": "1", "key": "twin-3"])
                note(redeemed)
                let receipt = String((redeemed.location ?? "").split(separator: "=").last ?? "")
                note(try await shop.get(base + "/shop/receipt/\(receipt)"))
                // The notice board as anyone sees it, without a login.
                note(try await Browser(client).get(base + "/notice/2025-02"))
                return answers
            }
        }
        let fromFile = try await work(single.router(), base: "", clock: sqliteClock)
        let fromCounty = try await work(many.router(), base: "/villages/\(code)", clock: countyClock)
        #expect(fromFile.count == fromCounty.count)
        for (index, (file, county)) in zip(fromFile, fromCounty).enumerated() {
            #expect(file == county, "answer \(index)")
        }
        // What was done was done: the score, the proposal approved, the notice opened and closed, the redemption.
        #expect(fromFile.contains { $0.contains("/clerk/sheet") }, "the clerk's desk offers the tally sheet's upload on both")
        let statuses = fromFile.map { $0.prefix(3) }
        #expect(statuses.filter { $0 == "303" }.count == 11, "\(statuses)")
        #expect(fromFile.contains { $0.contains("没有户号为 H999") || $0.contains("H999") })
        #expect(fromFile.contains { $0.hasPrefix("303 /shop?household=H002&ok=redeemed&seq=") })
        #expect(fromFile.last?.hasPrefix("200 ") == true && fromFile.last?.contains("H002") == true)
        let headOfFile = try ledger.head()
        let headOfCounty = try county.village(code).read { $0.headOfLog() }
        #expect(headOfFile.seq == headOfCounty.seq && headOfFile.hash == headOfCounty.hash)
        let account = try #require(try village.household("H002"))
        #expect(account.redeemed == 1 && account.available == 0)
    }

    @Test func aVillagesSessionOpensNoOtherVillagesPages() async throws {
        let county = try CountyVillagesTests.County()
        let (a, b) = (county.a, county.b)
        try await county.test { client in
            var clerk = Browser(client)
            let login = try await clerk.logIn("会计", password: Self.password, at: "/villages/\(a)")
            #expect(login.status == .seeOther && login.location == "/villages/\(a)/clerk")
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("jifen_session=") })
            #expect(cookie.contains("Path=/villages/\(a)") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let desk = try await clerk.get("/villages/\(a)/clerk")
            #expect(desk.status == .ok && desk.html.contains("action=\"/villages/\(a)/clerk/sheet\""))
            let csrf = try await clerk.csrf(of: "/villages/\(a)/clerk")
            let before = try PostgresCluster.county.get().village(b).read { $0.headOfLog() }
            // A's session sent to B's pages (as a browser with no regard for the cookie's path would): refused.
            let page = try await clerk.get("/villages/\(b)/clerk")
            #expect(page.status == .forbidden && page.html.contains("不能查看或改动"))
            let write = try await clerk.post("/villages/\(b)/clerk/score", ["csrf": csrf, "household": "H002", "rule": "A1.2", "date": "2025-02-10"])
            #expect(write.status == .forbidden)
            #expect(try PostgresCluster.county.get().village(b).read { $0.headOfLog() }.seq == before.seq)
            // And its own village's form without the CSRF token writes nothing either.
            #expect(try await clerk.post("/villages/\(a)/clerk/score", ["household": "H002", "rule": "A1.2"]).status == .forbidden)
            // Not logged in at B: to B's login.
            #expect(try await Browser(client).get("/villages/\(b)/clerk").location == "/villages/\(b)/login")
            // The county's page lists no village to a visitor.
            let home = try await Browser(client).get("/")
            #expect(home.status == .ok && !home.html.contains(a) && !home.html.contains(b))
            #expect(try await Browser(client).get("/?village=\(a)").location == "/villages/\(a)/login")
            #expect(try await Browser(client).get("/villages/no-such-\(a)/login").status == .notFound)
        }
    }

    @Test func aVillageThatSyncsRefusesLoginsAndWritesOnItsPages() async throws {
        let county = try CountyVillagesTests.County()
        let a = county.a
        try await county.test { client in
            var clerk = Browser(client)
            #expect(try await clerk.logIn("会计", password: Self.password, at: "/villages/\(a)").status == .seeOther)
            let csrf = try await clerk.csrf(of: "/villages/\(a)/clerk")
            try PostgresCountyChains(county: try PostgresCluster.county.get())
                .add(village: a, township: county.township, syncKeyHash: try SyncKeys.hash(SyncKeys.newKey()))
            let before = try PostgresCluster.county.get().village(a).read { $0.headOfLog() }
            let login = try await Browser(client).get("/villages/\(a)/login")
            #expect(login.status == .forbidden && login.html.contains("请在村里记账、登录"))
            let write = try await clerk.post("/villages/\(a)/clerk/score", ["csrf": csrf, "household": "H002", "rule": "A1.2", "date": "2025-02-10"])
            #expect(write.status == .forbidden && write.html.contains("请在村里记账、登录"))
            #expect(try PostgresCluster.county.get().village(a).read { $0.headOfLog() }.seq == before.seq)
            // Its books are still read here.
            #expect(try await clerk.get("/villages/\(a)/clerk").status == .ok)
        }
    }

    @Test func aTownshipsAuditorReadsItsVillagesAtTheAuditDesk() async throws {
        let county = try CountyVillagesTests.County()
        let (a, other) = (county.a, county.other)
        try await county.test { client in
            var auditor = Browser(client)
            let login = try await auditor.logIn(county.auditor, password: Self.password)
            #expect(login.status == .seeOther && login.location == "/")
            let home = try await auditor.get("/")
            #expect(home.html.contains("/villages/\(a)/audit") && home.html.contains("/villages/\(county.b)/audit"))
            #expect(!home.html.contains(other))
            let desk = try await auditor.get("/villages/\(a)/audit")
            #expect(desk.status == .ok && desk.html.contains("审计导出") && !desk.html.contains("export.csv"))
            let head = try PostgresCluster.county.get().village(a).read { $0.headOfLog() }
            #expect(desk.html.contains(head.hash.lowercaseHex))
            #expect(try await auditor.get("/villages/\(a)/audit?verify=1").html.contains("校验通过"))
            let export = try await auditor.get("/villages/\(a)/audit/export.jsonl")
            #expect(export.status == .ok)
            let lines = export.html.split(separator: "\n")
            #expect(Int64(lines.count) == head.seq)
            // The export's lines are the log's own, as the API copies it.
            let (token, _) = try await client.countyLogin(county.auditor)
            let copied = try await client.call(.get, "/api/v1/villages/\(a)/log?after=0&limit=10000", token: token)
            #expect(String(buffer: copied.body).contains(String(lines[0])) && String(buffer: copied.body).contains(String(lines[lines.count - 1])))
            #expect(try await auditor.get("/villages/\(a)/audit/export.csv").status == .notFound)
            // Another township's village, and the desks that write: refused.
            #expect(try await auditor.get("/villages/\(other)/audit").status == .forbidden)
            #expect(try await auditor.get("/villages/\(a)/clerk").status == .forbidden)
            let csrf = try #require(home.html.csrf)
            #expect(try await auditor.post("/villages/\(a)/clerk/score", ["csrf": csrf, "household": "H002", "rule": "A1.2"]).status == .forbidden)
            #expect(try PostgresCluster.county.get().village(a).read { $0.headOfLog() }.seq == head.seq)
            // A household's page, read.
            let household = try await auditor.get("/villages/\(a)/households/H003")
            #expect(household.status == .ok && household.html.contains("户主3"))
        }
    }

    @Test func overHTTPSAVillagesCookiesAreSecureAndScopedToItsPages() async throws {
        let county = try PostgresCluster.county.get()
        let code = "secure-\(UUID().uuidString.prefix(8))"
        try NewVillage(code: code).make(in: county, password: Self.password)
        let service = CountyVillagesService(county: county, settings: ServerSettings(publicURL: "https://jifen.example.cn"), threads: 2)
        defer { Task { await service.close() } }
        try await Application(router: service.router()).test(.router) { client in
            let form = try await client.execute(uri: "/villages/\(code)/login", method: .get, headers: [:], body: nil)
            let token = try #require(form.headers[values: .setCookie].first { $0.hasPrefix("jifen_login=") })
            #expect(token.contains("Secure") && token.contains("Path=/villages/\(code)/login") && token.contains("SameSite=Strict"))
            var clerk = Browser(client)
            let login = try await clerk.logIn("会计", password: Self.password, at: "/villages/\(code)")
            let cookie = try #require(login.headers[values: .setCookie].first { $0.hasPrefix("jifen_session=") })
            #expect(cookie.contains("Secure") && cookie.contains("Path=/villages/\(code)") && cookie.contains("HttpOnly"))
            // Logging out clears the same cookie: the same name and path.
            let csrf = try await clerk.csrf(of: "/villages/\(code)/clerk")
            let out = try await clerk.post("/villages/\(code)/logout", ["csrf": csrf])
            #expect(out.location == "/villages/\(code)/login")
            let cleared = try #require(out.headers[values: .setCookie].first { $0.hasPrefix("jifen_session=") })
            #expect(cleared.contains("Path=/villages/\(code)") && cleared.contains("Max-Age=0"))
            #expect(try await clerk.get("/villages/\(code)/clerk").location == "/villages/\(code)/login")
        }
    }
}
