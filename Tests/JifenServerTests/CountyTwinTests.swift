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

/// The same village made by the same commands in the same environment in a SQLite file and in the county's database,
/// served by a village's own server and by `serve --postgres`: the same requests get the same answers, byte for byte.
@Suite(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
struct CountyTwinTests {
    @Test func aVillageAnswersTheSameFromSQLiteAndFromTheCounty() async throws {
        let code = "twin-\(UUID().uuidString.prefix(8))"
        let password = CountyVillagesTests.password
        let plan = {
            var plan = NewVillage(code: code)
            plan.households = 12
            return plan
        }()
        let day = try #require(LocalDate(year: 2025, month: 3, day: 4))
        let start = Date(timeIntervalSince1970: 1_740_000_000)
        let sqliteClock = ScriptedEnvironment(start: start, seed: 5), countyClock = ScriptedEnvironment(start: start, seed: 5)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-twin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Ledger(path: folder.appendingPathComponent("v.sqlite").path, create: true, environment: sqliteClock.environment)
        for command in try plan.commands() { try ledger.execute(command, by: plan.admin, on: plan.opened) }
        try ledger.setPassword(of: plan.admin, to: password, by: plan.admin, on: plan.opened)
        ledger.trustAuthenticated(plan.admin)
        try ledger.setPassword(of: plan.clerk, to: password, by: plan.admin, on: plan.opened)
        let county = try PostgresCluster.county.get()
        try plan.make(in: county, password: password, environment: countyClock.environment)

        let single = JifenService(ledger: ledger)
        let many = CountyVillagesService(county: county, threads: 2, environment: countyClock.environment)
        defer { Task { await many.close() } }
        let requests: [(HTTPRequest.Method, String, [String: any Sendable]?)] = [
            (.post, "scores", ["household": "H002", "rule": "A1.2", "date": day.description]),
            (.post, "scores", ["household": "H003", "rule": "B1.1", "date": day.description, "note": "扫雪"]),
            (.get, "households", nil),
            (.get, "households/H002/balance", nil),
            (.get, "households/H003/balance?asOf=2025-03-03", nil),
            (.get, "households/H002/history", nil),
            (.get, "review", nil),
            (.get, "notices", nil),
            (.get, "shop", nil),
            (.get, "households/H999/balance", nil),
        ]
        func answers(_ router: Router<ServerContext>, prefix: String, loginAt: String) async throws -> [String] {
            try await Application(router: router).test(.router) { client in
                let login = try await client.call(.post, loginAt, json: ["name": plan.clerk, "password": password])
                let token = try login.object()["token"] as? String ?? ""
                var bodies: [String] = []
                for (method, path, json) in requests {
                    let response = try await client.call(method, "\(prefix)/\(path)", token: token, json: json)
                    bodies.append("\(response.status.code) \(String(buffer: response.body))")
                }
                // The log, as the audit export's lines, by one who may copy it (the administrator), in two pages.
                let admin = try await client.call(.post, loginAt, json: ["name": plan.admin, "password": password])
                let adminToken = try admin.object()["token"] as? String ?? ""
                for page in ["log?after=0&limit=10", "log?after=10&limit=100", "redemptions/1/receipt", "redemptions/999/receipt"] {
                    let response = try await client.call(.get, "\(prefix)/\(page)", token: adminToken)
                    bodies.append("\(response.status.code) \(String(buffer: response.body))")
                }
                return bodies
            }
        }
        sqliteClock.setEvening(of: day)
        countyClock.setEvening(of: day)
        let fromFile = try await answers(single.router(), prefix: "/api/v1", loginAt: "/api/v1/session")
        let fromCounty = try await answers(many.router(), prefix: "/api/v1/villages/\(code)", loginAt: "/api/v1/villages/\(code)/session")
        #expect(fromFile.count == requests.count + 4)
        for (index, (file, county)) in zip(fromFile, fromCounty).enumerated() {
            #expect(file == county, "answer \(index)")
        }
        #expect(fromFile[requests.count + 1].hasPrefix("200 {\"events\":[{"))
        #expect(fromFile[requests.count + 2].hasPrefix("422 "))
        #expect(fromFile[requests.count + 3].hasPrefix("404 "))
        // The books folded afresh to an event (what a receipt printed again later reads) are the same in both.
        let twin = PostgresVillage(store: county.village(code))
        for seq in [Int64(3), 9, try ledger.head().seq] {
            let (fromSQLite, fromCounty) = (try ledger.replay(through: seq), try twin.replay(through: seq))
            #expect(fromSQLite.allHouseholds() == fromCounty.allHouseholds(), "through #\(seq)")
            #expect(fromSQLite.actors() == fromCounty.actors(), "through #\(seq)")
            #expect(fromSQLite.lastSeq() == seq && fromCounty.lastSeq() == seq)
        }
        #expect(fromFile.first?.hasPrefix("201 ") == true)
        let headOfFile = try ledger.head()
        let headOfCounty = try county.village(code).read { $0.headOfLog() }
        #expect(headOfFile.seq == headOfCounty.seq && headOfFile.hash == headOfCounty.hash)
    }
}
