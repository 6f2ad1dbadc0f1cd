import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenAudit
import JifenCore
import JifenDemo
@testable import JifenPostgres
import JifenPostgresTestSupport
import JifenReports
import JifenServer
import JifenStore
import Synchronization
import Testing

/// The county's reports as `CountyService` serves them (`CountyReportRoutes`) over a county database in a throwaway
/// cluster: the JSON is the source's report, the page needs a login and draws its pictures inline, and a viewer reads
/// only the townships it may.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
struct CountyReportRouteTests {
    /// A county folder for the sync side (the service needs one), and two generated villages of one township in the
    /// county's database.
    final class Setup: @unchecked Sendable {
        let folder: URL
        let chains: CountyFolder
        let key = SigningKey()
        let admin = SyncKeys.newKey(prefix: "jfa_")
        let county: PostgresCounty
        let township: String
        let other: String
        let names = ["红旗村", "牛角村"]

        static let shared = Result { try Setup() }

        private init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-county-report-\(UUID().uuidString)")
            chains = try CountyFolder.create(at: folder.appendingPathComponent("county").path,
                                             publicKey: key.key.publicKey.rawRepresentation.base64EncodedString(),
                                             adminTokenHash: try SyncKeys.hash(admin))
            county = try PostgresCluster.county.get()
            let run = UUID().uuidString.prefix(8).lowercased()
            township = "城关镇-\(run)"
            other = "石门乡-\(run)"
            for (index, name) in names.enumerated() {
                let path = folder.appendingPathComponent("\(index).sqlite").path
                _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 16, years: 1, firstYear: 2025, seed: UInt64(40 + index),
                                                                            unitSizes: 4...6, village: name))
                let code = "s\(run)-\(index)"
                try county.createVillage(code, township: township)
                let links = try EventStore(path: path, create: false, readOnly: true).read { try $0.links(from: 1, limit: Int.max) }
                // The same chain in the county folder too, under the same code.
                try chains.add(village: code, syncKeyHash: try SyncKeys.hash(SyncKeys.newKey()), on: "2026-01-01")
                _ = try chains.accept(links, into: code)
                try county.pool.withConnection { connection in
                    try connection.run("BEGIN")
                    try connection.run(try EventRows.insert(links[...], village: code))
                    try connection.run("COMMIT")
                }
            }
            try county.createVillage("s\(run)-other", township: other)
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func test(viewer: (@Sendable (String) async throws -> CountyViewer?)? = nil, secureCookies: Bool = false,
                  _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            let service = try CountyService(chains: chains, key: key,
                                            reports: CountyReports(source: county, viewer: viewer, secureCookies: secureCookies))
            try await Application(router: service.router()).test(.router, body)
        }
    }

    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }
    static let dates = "from=2025-02-01&to=2025-10-31"

    static func escaped(_ township: String) -> String { township.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? township }

    @Test func theJSONIsTheSourcesReport() async throws {
        let setup = try Setup.shared.get()
        let expected = try setup.county.report(CountyReportQuery(township: setup.township,
                                                                 dates: LocalDate("2025-02-01")...LocalDate("2025-10-31")))
        #expect(expected.villages.count == 2 && !expected.standings.isEmpty && !expected.items.isEmpty)
        try await setup.test { client in
            let uri = "/api/v1/county/report?township=\(Self.escaped(setup.township))&\(Self.dates)"
            let anonymous = try await client.execute(uri: uri, method: .get)
            #expect(anonymous.status == .unauthorized)
            let wrong = try await client.execute(uri: uri, method: .get, headers: Self.bearer("jfa_wrong"))
            #expect(wrong.status == .unauthorized)
            let answer = try await client.execute(uri: uri, method: .get, headers: Self.bearer(setup.admin))
            #expect(answer.status == .ok)
            #expect(try JSONDecoder().decode(CountyReport.self, from: Data(buffer: answer.body)) == expected)
            // Refusals: a date that is not one, dates the wrong way round, a township the county does not have.
            for (query, status) in [("from=2025-02-30", HTTPResponse.Status.badRequest), ("from=2025-05-01&to=2025-04-01", .badRequest),
                                    ("township=nowhere", .notFound)] {
                let refused = try await client.execute(uri: "/api/v1/county/report?\(query)", method: .get, headers: Self.bearer(setup.admin))
                #expect(refused.status == status, "\(query)")
                let problem = try JSONSerialization.jsonObject(with: Data(buffer: refused.body)) as? [String: Any]
                #expect((problem?["zh"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test func thePageNeedsALoginKeptInAStrictCookie() async throws {
        let setup = try Setup.shared.get()
        try await setup.test { client in
            let before = try await client.execute(uri: "/county", method: .get)
            #expect(String(buffer: before.body).contains("name=\"token\"") && !String(buffer: before.body).contains("<svg"))
            let wrong = try await client.execute(uri: "/county/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=jfa_wrong"))
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let login = try await client.execute(uri: "/county/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=\(setup.admin)"))
            #expect(login.status == .seeOther)
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains(setup.admin))
            let pair = try #require(cookie.split(separator: ";").first.map(String.init))
            let page = try await client.execute(uri: "/county/township/\(Self.escaped(setup.township))?\(Self.dates)", method: .get,
                                                headers: [.cookie: pair])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(setup.names.allSatisfy(html.contains) && html.contains("联户评比") && html.contains("各村合计"))
            #expect(html.components(separatedBy: "<svg").count - 1 == 3 && !html.contains("<script"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            // Every joint unit of the township is in the page, with the name its village gave it.
            let report = try setup.county.report(CountyReportQuery(township: setup.township,
                                                                   dates: LocalDate("2025-02-01")...LocalDate("2025-10-31")))
            #expect(report.standings.allSatisfy { html.contains(">\($0.name)</td>") })
            let english = try await client.execute(uri: "/county?lang=en&\(Self.dates)", method: .get, headers: [.cookie: pair])
            #expect(String(buffer: english.body).contains("Village totals") && String(buffer: english.body).contains("lang=\"en\""))
            // The county's page links every township's.
            #expect([setup.township, setup.other].allSatisfy { String(buffer: english.body).contains("href=\"/county/township/\(Self.escaped($0))?lang=en\"") })
            // The page's cookie opens the JSON too; after logging out it opens nothing.
            #expect(try await client.execute(uri: "/api/v1/county/report", method: .get, headers: [.cookie: pair]).status == .ok)
            let logout = try await client.execute(uri: "/county/logout", method: .post, headers: [.cookie: pair])
            #expect(logout.status == .seeOther)
            #expect(try await client.execute(uri: "/api/v1/county/report", method: .get, headers: [.cookie: pair]).status == .unauthorized)
        }
    }

    /// The page's login is asked anew of what it was made from at every request: once the token typed at login opens
    /// nothing (a session logged out or ended), the cookie opens nothing either. Over https the cookie is Secure; a form
    /// posted from another site neither logs in nor out.
    @Test func aPageLoginEndsWithItsTokenAndComesFromTheCountysOwnPage() async throws {
        let setup = try Setup.shared.get()
        let open = Mutex(true)
        try await setup.test(viewer: { token in token == "session" && open.withLock { $0 } ? CountyViewer(name: "县管理员", townships: nil) : nil },
                             secureCookies: true) { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            var crossSite = form
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let forged = try await client.execute(uri: "/county/login", method: .post, headers: crossSite, body: ByteBuffer(string: "token=session"))
            #expect(forged.status == .forbidden && forged.headers[.setCookie] == nil)
            var otherOrigin = form
            otherOrigin[HTTPField.Name("Origin")!] = "https://elsewhere.example"
            #expect(try await client.execute(uri: "/county/login", method: .post, headers: otherOrigin,
                                             body: ByteBuffer(string: "token=session")).status == .forbidden)
            var sameSite = form
            sameSite[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
            let login = try await client.execute(uri: "/county/login", method: .post, headers: sameSite, body: ByteBuffer(string: "token=session"))
            let cookie = try #require(login.headers[.setCookie])
            #expect(login.status == .seeOther && cookie.contains("Secure"))
            let pair = try #require(cookie.split(separator: ";").first.map(String.init))
            #expect(try await client.execute(uri: "/api/v1/county/report", method: .get, headers: [.cookie: pair]).status == .ok)
            var crossLogout: HTTPFields = [.cookie: pair]
            crossLogout[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(try await client.execute(uri: "/county/logout", method: .post, headers: crossLogout).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/county/report", method: .get, headers: [.cookie: pair]).status == .ok)
            open.withLock { $0 = false }
            #expect(try await client.execute(uri: "/api/v1/county/report", method: .get, headers: [.cookie: pair]).status == .unauthorized)
        }
    }

    @Test func aViewerReadsItsOwnTownshipsOnly() async throws {
        let setup = try Setup.shared.get()
        let township = setup.township
        try await setup.test(viewer: { token in token == "auditor" ? CountyViewer(name: "乡审计站", townships: [township]) : nil }) { client in
            let own = try await client.execute(uri: "/api/v1/county/report?township=\(Self.escaped(setup.township))", method: .get,
                                               headers: Self.bearer("auditor"))
            #expect(own.status == .ok)
            for query in ["", "township=\(Self.escaped(setup.other))"] {
                let refused = try await client.execute(uri: "/api/v1/county/report?\(query)", method: .get, headers: Self.bearer("auditor"))
                #expect(refused.status == .forbidden, "\(query)")
            }
            // The administrator's token is not this county's way in any more.
            #expect(try await client.execute(uri: "/api/v1/county/report", method: .get, headers: Self.bearer(setup.admin)).status == .unauthorized)
            // The page of the whole county sends the auditor of one township to its page.
            let login = try await client.execute(uri: "/county/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=auditor"))
            let pair = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let county = try await client.execute(uri: "/county", method: .get, headers: [.cookie: pair])
            #expect(county.status == .seeOther && county.headers[.location] == "/county/township/\(Self.escaped(setup.township))")
            let otherPage = try await client.execute(uri: "/county/township/\(Self.escaped(setup.other))", method: .get, headers: [.cookie: pair])
            #expect(otherPage.status == .forbidden)
        }
    }

    @Test func aCountyFolderReportsWhatTheDatabaseReportsOfTheSameChains() throws {
        let setup = try Setup.shared.get()
        let dates = LocalDate("2025-02-01")...LocalDate("2025-10-31")
        let folder = try CountyFolderReports(folder: setup.chains).report(CountyReportQuery(dates: dates))
        let database = try setup.county.report(CountyReportQuery(township: setup.township, dates: dates))
        // The folder's villages belong to no township; the database's are in one (with a village of no events besides).
        #expect(folder.villages.map { var v = $0; v.township = setup.township; return v } == database.villages.filter { $0.events > 0 })
        #expect(folder.months == database.months && folder.items == database.items)
        #expect(folder.villages.count == setup.names.count && !folder.months.isEmpty && !folder.items.isEmpty)
        #expect(try CountyFolderReports(folder: setup.chains).reportTownships().isEmpty)
    }

    /// A source whose database is out of reach.
    struct Unreachable: CountyReportSource {
        struct Down: Error {}
        func reportTownships() throws -> [String] { throw Down() }
        func report(_ query: CountyReportQuery) throws -> CountyReport { throw Down() }
    }

    @Test func aReportThatCannotBeMadeIsSaidSo() async throws {
        let setup = try Setup.shared.get()
        let service = try CountyService(chains: setup.chains, key: setup.key, reports: CountyReports(source: Unreachable()))
        try await Application(router: service.router()).test(.router) { client in
            let json = try await client.execute(uri: "/api/v1/county/report", method: .get, headers: Self.bearer(setup.admin))
            #expect(json.status == .serviceUnavailable)
            let problem = try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any]
            #expect(problem?["error"] as? String == "failed" && (problem?["zh"] as? String)?.contains("数据库") == true)
            let township = try await client.execute(uri: "/api/v1/county/report?township=x", method: .get, headers: Self.bearer(setup.admin))
            #expect(township.status == .serviceUnavailable)
        }
    }

    @Test func aCountyWithoutReportsHasNoSuchRoutes() async throws {
        let setup = try Setup.shared.get()
        let service = try CountyService(chains: setup.chains, key: setup.key)
        try await Application(router: service.router()).test(.router) { client in
            let report = try await client.execute(uri: "/api/v1/county/report", method: .get, headers: Self.bearer(setup.admin))
            #expect(report.status == .notFound)
            let page = try await client.execute(uri: "/county", method: .get)
            #expect(page.status == .notFound)
        }
    }
}
