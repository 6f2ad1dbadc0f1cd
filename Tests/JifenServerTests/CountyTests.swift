import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenAudit
import JifenCore
import JifenDemo
import JifenPostgres
import JifenPostgresTestSupport
import JifenServer
import JifenStore
import Testing

/// Where a county keeps its villages' chains: every test runs against each.
enum CountyKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// A folder of SQLite ledgers (`CountyFolder`).
    case folder
    /// The county's PostgreSQL database (`PostgresCountyChains`), a database of its own per test.
    case postgres = "postgresql"

    /// Every kind that runs here: PostgreSQL where it is installed or required (`PostgresCluster`).
    static let allCases: [CountyKind] = [.folder] + (PostgresCluster.runs ? [.postgres] : [])

    var testDescription: String { rawValue }
}

/// The county's sync server (`CountyService` over a `CountyFolder` or the county's PostgreSQL database), through
/// HummingbirdTesting.
@Suite struct CountyTests {
    /// A county with two villages, their keys, the county's key, and a generated village ledger to push.
    final class County: @unchecked Sendable {
        let folder: URL
        let chains: any CountyChains
        let key = SigningKey()
        let keys: [String: String]
        let admin = SyncKeys.newKey(prefix: "jfa_")
        let village: String
        private let database: PostgresCounty?

        init(_ kind: CountyKind) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-county-\(UUID().uuidString)")
            let publicKey = key.key.publicKey.rawRepresentation.base64EncodedString()
            var keys: [String: String] = [:]
            for name in ["hongqi", "other"] { keys[name] = SyncKeys.newKey() }
            self.keys = keys
            switch kind {
            case .folder:
                let chains = try CountyFolder.create(at: folder.appendingPathComponent("county").path, publicKey: publicKey,
                                                     adminTokenHash: try SyncKeys.hash(admin))
                for (name, key) in keys { try chains.add(village: name, syncKeyHash: try SyncKeys.hash(key), on: "2026-01-01") }
                self.chains = chains
                database = nil
            case .postgres:
                let database = try Self.database()
                let chains = PostgresCountyChains(county: database)
                try chains.initialise(publicKey: publicKey, adminTokenHash: try SyncKeys.hash(admin))
                for (name, key) in keys { try chains.add(village: name, township: nil, syncKeyHash: try SyncKeys.hash(key)) }
                self.chains = chains
                self.database = database
            }
            village = folder.appendingPathComponent("village.sqlite").path
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = try LedgerGenerator.build(at: village, plan: GeneratorPlan(households: 10, years: 1, firstYear: 2025, seed: 5))
        }

        /// A database of its own on the test process's cluster (a county is one database: its key is one row).
        static func database() throws -> PostgresCounty {
            let cluster = try PostgresCluster.shared.get()
            let name = "county_\(UUID().uuidString.prefix(8).lowercased())"
            if let failure = try cluster.psql("CREATE DATABASE \(name)") { throw ClusterError(failure) }
            return try PostgresCounty(url: cluster.url(database: name), connections: 4)
        }

        deinit {
            database?.close()
            try? FileManager.default.removeItem(at: folder)
        }

        func links(_ path: String? = nil) throws -> [ChainLink] {
            let store = try EventStore(path: path ?? village, create: false, readOnly: true)
            return try store.read { try $0.links(from: 1, limit: 1_000_000) }
        }

        func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            let service = try CountyService(chains: chains, key: key)
            try await Application(router: service.router()).test(.router, body)
        }
    }

    static func bearer(_ key: String?) -> HTTPFields {
        guard let key else { return [:] }
        return [.authorization: "Bearer \(key)"]
    }

    static func push(_ client: any TestClientProtocol, _ links: some Sequence<ChainLink>, village: String = "hongqi", key: String?) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/villages/\(village)/sync/push", method: .post, headers: bearer(key),
                                 body: ByteBuffer(bytes: SyncWire.lines(links)))
    }

    @Test(arguments: CountyKind.allCases)
    func aPushIsTakenVerbatimAndAnsweredWithASignedReceipt(_ kind: CountyKind) async throws {
        let county = try County(kind)
        let links = try county.links()
        #expect(links.count > 200)
        let key = county.keys["hongqi"]
        let head = try #require(links.last)
        try await county.test { client in
            let first = try await Self.push(client, links.prefix(100), key: key)
            #expect(first.status == .ok)
            let rest = try await Self.push(client, links.dropFirst(100), key: key)
            #expect(rest.status == .ok)
            let receipt = try JSONDecoder().decode(Checkpoint.self, from: Data(buffer: rest.body))
            #expect(receipt.seq == head.fields.seq && receipt.head == head.hash.hex && receipt.village == "牛角村")
            #expect(receipt.isSigned(by: county.key.key.publicKey))
            // The same links again change nothing and get a receipt of the same head.
            let again = try await Self.push(client, links.suffix(50), key: key)
            #expect(again.status == .ok && again.headers[HTTPField.Name("Jifen-Appended")!] == "0")
            #expect(try JSONDecoder().decode(Checkpoint.self, from: Data(buffer: again.body)).head == head.hash.hex)
            // What the county hands back is what was pushed, line for line.
            let pulled = try await client.execute(uri: "/api/v1/villages/hongqi/sync/links?after=0&limit=100000", method: .get, headers: Self.bearer(key))
            #expect(Array(buffer: pulled.body) == SyncWire.lines(links))
            let hash = try await client.execute(uri: "/api/v1/villages/hongqi/sync/hash/7", method: .get, headers: Self.bearer(key))
            #expect(String(buffer: hash.body).contains(links[6].hash.hex))
            let beyond = try await client.execute(uri: "/api/v1/villages/hongqi/sync/hash/\(head.fields.seq + 1)", method: .get, headers: Self.bearer(key))
            #expect(beyond.status == .notFound)
        }
        #expect(try county.chains.head(of: "hongqi").hash == head.hash)
        // The county's copy, field for field.
        let held = try county.chains.links(of: "hongqi", from: 1, limit: 1_000_000)
        #expect(SyncWire.lines(held) == SyncWire.lines(links))
        if let folder = county.chains as? CountyFolder {
            #expect(try folder.store("hongqi").verify().isValid)
        }
    }

    @Test(arguments: CountyKind.allCases)
    func aForkIsRefusedNamingTheFirstDifferingEventAndChangesNothing(_ kind: CountyKind) async throws {
        let county = try County(kind)
        // Two copies of the village go their own ways after the same history.
        let other = county.folder.appendingPathComponent("fork.sqlite").path
        try FileManager.default.copyItem(atPath: county.village, toPath: other)
        let common = try county.links().count
        for (path, name) in [(county.village, "食盐"), (other, "酱油")] {
            let ledger = try Ledger(path: path)
            try ledger.execute(.listItem(ItemCode(rawValue: "x1"), name: name, unit: "瓶", price: 5), by: LedgerGenerator.shopkeeper)
            try ledger.execute(.listItem(ItemCode(rawValue: "x2"), name: name, unit: "瓶", price: 6), by: LedgerGenerator.shopkeeper)
        }
        let mine = try county.links(), theirs = try county.links(other)
        let key = county.keys["hongqi"]
        try await county.test { client in
            #expect(try await Self.push(client, mine, key: key).status == .ok)
            let fork = try await Self.push(client, theirs, key: key)
            #expect(fork.status == .conflict)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: fork.body)) as? [String: Any]
            #expect(body?["seq"] as? Int == common + 1 && body?["error"] as? String == "fork")
            // Only the differing tail, too.
            let tail = try await Self.push(client, theirs.suffix(1), key: key)
            #expect(tail.status == .conflict)
            // An empty push answers with the receipt of the county's head.
            let empty = try await Self.push(client, [], key: key)
            #expect(empty.status == .ok)
            #expect(try JSONDecoder().decode(Checkpoint.self, from: Data(buffer: empty.body)).head == mine.last?.hash.hex)
        }
        #expect(try county.chains.head(of: "hongqi").hash == mine.last?.hash)
    }

    @Test(arguments: CountyKind.allCases)
    func aKeyOpensItsOwnVillageOnly(_ kind: CountyKind) async throws {
        let county = try County(kind)
        let links = try county.links()
        try await county.test { client in
            #expect(try await Self.push(client, links, village: "other", key: county.keys["hongqi"]).status == .unauthorized)
            #expect(try await Self.push(client, links, key: "jfs_wrong").status == .unauthorized)
            #expect(try await Self.push(client, links, key: nil).status == .unauthorized)
            #expect(try await Self.push(client, links, village: "nowhere", key: county.keys["hongqi"]).status == .unauthorized)
            let head = try await client.execute(uri: "/api/v1/villages/other/sync/head", method: .get, headers: Self.bearer(county.keys["hongqi"]))
            #expect(head.status == .unauthorized)
            // The list of villages is the administrator's.
            let list = try await client.execute(uri: "/api/v1/villages", method: .get, headers: Self.bearer(county.keys["hongqi"]))
            #expect(list.status == .unauthorized)
            let listed = try await client.execute(uri: "/api/v1/villages", method: .get, headers: Self.bearer(county.admin))
            #expect(listed.status == .ok)
            let villages = try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]]
            #expect(villages?.compactMap { $0["village"] as? String } == ["hongqi", "other"])
        }
        #expect(try county.chains.head(of: "other").seq == 0 && county.chains.head(of: "hongqi").seq == 0)
    }

    /// A push with a gap, even among events the county holds and the same as its own, is refused as not following
    /// (422), not named a fork.
    @Test(arguments: CountyKind.allCases)
    func aPushWithAGapIsRefusedNotCalledAFork(_ kind: CountyKind) async throws {
        let county = try County(kind)
        let links = try county.links()
        let key = county.keys["hongqi"]
        try await county.test { client in
            #expect(try await Self.push(client, links, key: key).status == .ok)
            let gapped = try await Self.push(client, [links[1], links[3]], key: key)
            #expect(gapped.status == .unprocessableContent, "\(String(buffer: gapped.body))")
            #expect(try await Self.push(client, links[1...3], key: key).status == .ok)
        }
        #expect(try county.chains.head(of: "hongqi").seq == links.last?.fields.seq)
    }

    @Test(arguments: CountyKind.allCases)
    func linksThatDoNotHoldOrAreNotLinesAreRefused(_ kind: CountyKind) async throws {
        let county = try County(kind)
        var all = try county.links()
        let key = county.keys["hongqi"]
        let last = all.removeLast()
        let links = all
        var fields = last.fields
        fields.actor = "李四"
        let forged = ChainLink(fields: fields, previousHash: last.previousHash, hash: last.hash)
        try await county.test { client in
            let refused = try await Self.push(client, links + [forged], key: key)
            #expect(refused.status == .unprocessableContent)
            let gap = try await Self.push(client, links.suffix(3), key: key)
            #expect(gap.status == .unprocessableContent)
            let garbage = try await client.execute(uri: "/api/v1/villages/hongqi/sync/push", method: .post, headers: Self.bearer(key),
                                                   body: ByteBuffer(string: "{\"seq\": 1}\n"))
            #expect(garbage.status == .badRequest)
            let tooMany = try await client.execute(uri: "/api/v1/villages/hongqi/sync/push", method: .post, headers: Self.bearer(key),
                                                   body: ByteBuffer(bytes: SyncWire.lines(Array(repeating: links[0], count: SyncWire.piece + 1))))
            #expect(tooMany.status == .badRequest)
        }
        #expect(try county.chains.head(of: "hongqi").seq == 0)
    }
}
