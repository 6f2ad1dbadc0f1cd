import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenAudit
import JifenStore
import Logging
import NIOCore
import NIOPosix

/// The county's sync server (`jifen serve --county`): each village pushes its events to the county's copy of its chain
/// and gets a receipt signed by the county's key; an auditor pulls a copy. Written against `CountyChains` alone, so
/// that a county database implements the same protocol and is served by the same routes.
///
/// - `GET /api/v1/villages` — every village with its head (the county administrator's token);
/// - `GET /api/v1/villages/{village}/sync/head`, `…/sync/hash/{seq}`, `…/sync/links?after=&limit=` — the county's
///   copy (the village's sync key);
/// - `POST /api/v1/villages/{village}/sync/push` — JSON Lines of links (`SyncWire`); 200 with the receipt (a
///   `jifen-checkpoint/1` signed by the county over the village's ledger id, name, seq and head), 409 on a fork.
public struct CountyService: Sendable {
    let chains: any CountyChains
    let signer: Signer
    let trusted = TrustedKeys()
    let now: @Sendable () -> Date
    /// The county's reports and their page (CountyReports.swift); nil for a county with no source of them.
    let reports: CountyReports?

    /// The county's signing key, held for signing receipts.
    final class Signer: @unchecked Sendable {
        let key: SigningKey
        init(_ key: SigningKey) { self.key = key }
    }

    /// Keys already checked against their bcrypt hash, by SHA-256 of the key: a push in pieces pays bcrypt once.
    final class TrustedKeys: @unchecked Sendable {
        private let lock = NSLock()
        private var known: [Data: (subject: String, hash: String)] = [:]

        func contains(_ key: String, subject: String, hash: String) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard let entry = known[Self.digest(key)] else { return false }
            return entry.subject == subject && entry.hash == hash
        }

        func add(_ key: String, subject: String, hash: String) {
            lock.lock()
            defer { lock.unlock() }
            if known.count > 10_000 { known = [:] }
            known[Self.digest(key)] = (subject, hash)
        }

        static func digest(_ key: String) -> Data { Data(SHA256.hash(data: Data(key.utf8))) }
    }

    public init(chains: any CountyChains, key: SigningKey, reports: CountyReports? = nil, now: @escaping @Sendable () -> Date = { Date() }) throws {
        guard try chains.publicKey() == key.key.publicKey.rawRepresentation.base64EncodedString() else {
            throw CountyError.folder("that signing key is not the county's (its public key is not the one county.json names)")
        }
        self.chains = chains
        signer = Signer(key)
        self.now = now
        self.reports = reports
    }

    /// An answer that is not a link or a receipt: JSON with a code and a sentence in each language.
    struct Problem: Encodable {
        let error: String, message: String, zh: String
        var seq: Int64? = nil
    }

    static func answer(_ status: HTTPResponse.Status, _ problem: Problem) -> Response {
        json(status, problem)
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let unauthorized = answer(.unauthorized, Problem(error: "unauthorized", message: "A sync key of this village is needed (Authorization: Bearer KEY).",
                                                            zh: "需要本村的同步密钥（Authorization: Bearer 密钥）。"))

    /// Runs blocking work (SQLite, bcrypt) off the event loop.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    /// The bearer token of a request.
    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.hasPrefix("Bearer ") else { return nil }
        let token = value.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Whether the request carries the sync key of `village` (the same 401 for a wrong key and for a village the
    /// county does not hold, so that a key does not learn which villages there are).
    func authorised(_ request: Request, village: String) async throws -> Bool {
        guard let key = Self.bearer(request) else { return false }
        let chains = chains, trusted = trusted
        return try await blocking {
            guard CountyFolder.isVillageName(village), let hash = try chains.syncKeyHash(of: village) else { return false }
            if trusted.contains(key, subject: village, hash: hash) { return true }
            guard SyncKeys.matches(key, hash: hash) else { return false }
            trusted.add(key, subject: village, hash: hash)
            return true
        }
    }

    func administrator(_ request: Request) async throws -> Bool {
        guard let key = Self.bearer(request) else { return false }
        let chains = chains, trusted = trusted
        return try await blocking {
            guard let hash = try chains.adminTokenHash() else { return false }
            if trusted.contains(key, subject: "", hash: hash) { return true }
            guard SyncKeys.matches(key, hash: hash) else { return false }
            trusted.add(key, subject: "", hash: hash)
            return true
        }
    }

    struct Head: Codable, Sendable {
        let village: String, seq: Int64, head: String
        var ledgerId: String? = nil, name: String? = nil
    }

    /// The receipt for a village's head: signed by the county's key; nil while the county holds nothing of it.
    func receipt(_ village: String, seq: Int64, hash: Data) throws -> Checkpoint? {
        guard seq > 0, let identity = try chains.identity(of: village) else { return nil }
        let formatter = ISO8601DateFormatter()
        var point = Checkpoint(ledgerId: identity.ledgerId, village: identity.village, seq: seq, head: hash.hex,
                               time: formatter.string(from: now()))
        try point.sign(with: signer.key)
        return point
    }

    /// The county's server of its own (`serve --county`, or `--postgres` for the sync alone): health, the county-wide list of
    /// villages, the reports and the sync routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let chains = chains
        router.get("healthz") { _, _ in Self.json(.ok, ["status": "ok"]) }
        router.get("api/v1/villages") { request, _ -> Response in
            guard try await administrator(request) else {
                return Self.answer(.unauthorized, Problem(error: "unauthorized", message: "The county administrator's token is needed.",
                                                          zh: "需要县级管理员的令牌。"))
            }
            let heads = try await blocking {
                try chains.villages().map { name -> Head in
                    let head = try chains.head(of: name)
                    let identity = try chains.identity(of: name)
                    return Head(village: name, seq: head.seq, head: head.hash.hex, ledgerId: identity?.ledgerId, name: identity?.village)
                }
            }
            return Self.json(.ok, heads)
        }
        add(to: router)
        return router
    }

    /// The reports' routes and each village's sync routes, on `router`: a server of every village of the county
    /// (`CountyVillagesService`) mounts them beside its own, which answer health and the list of villages.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        let chains = chains
        if let reports { CountyReportRoutes(service: self, reports: reports).add(to: router) }
        let village = router.group("api/v1/villages/:village/sync")
        village.get("head") { request, context -> Response in
            let name = context.parameters.get("village") ?? ""
            guard try await authorised(request, village: name) else { return Self.unauthorized }
            let head = try await blocking { try chains.head(of: name) }
            return Self.json(.ok, Head(village: name, seq: head.seq, head: head.hash.hex))
        }
        village.get("hash/:seq") { request, context -> Response in
            let name = context.parameters.get("village") ?? ""
            guard try await authorised(request, village: name) else { return Self.unauthorized }
            guard let seq = context.parameters.get("seq").flatMap({ Int64($0) }), seq >= 0 else {
                return Self.answer(.badRequest, Problem(error: "badSeq", message: "The seq is a number.", zh: "事件序号应是数字。"))
            }
            guard let hash = try await blocking({ try chains.hash(of: name, at: seq) }) else {
                return Self.answer(.notFound, Problem(error: "beyondHead", message: "The county holds no event #\(seq) of \(name).",
                                                      zh: "县里没有 \(name) 的第 \(seq) 条事件。", seq: seq))
            }
            return Self.json(.ok, ["seq": "\(seq)", "hash": hash.hex])
        }
        village.get("links") { request, context -> Response in
            let name = context.parameters.get("village") ?? ""
            guard try await authorised(request, village: name) else { return Self.unauthorized }
            let after = request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0
            let limit = min(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? SyncWire.piece, SyncWire.piece)
            guard after >= 0, limit > 0 else {
                return Self.answer(.badRequest, Problem(error: "badRange", message: "after is 0 or more, limit 1 or more.", zh: "after 不能小于 0，limit 至少为 1。"))
            }
            let lines = try await blocking { SyncWire.lines(try chains.links(of: name, from: after + 1, limit: limit)) }
            return Response(status: .ok, headers: [.contentType: "application/jsonl; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: lines)))
        }
        village.post("push") { request, context -> Response in
            let name = context.parameters.get("village") ?? ""
            guard try await authorised(request, village: name) else { return Self.unauthorized }
            let body = try await request.body.collect(upTo: SyncWire.maxBody)
            let bytes = Array(buffer: body)
            let service = self
            let outcome: Result<(appended: Int, seq: Int64, hash: Data, receipt: Checkpoint?), any Error> = try await blocking {
                do {
                    let links = try SyncWire.links(bytes)
                    guard links.count <= SyncWire.piece else {
                        throw SyncWire.Malformed(line: SyncWire.piece + 1, detail: "a push carries at most \(SyncWire.piece) links")
                    }
                    let accepted = try chains.accept(links, into: name)
                    return .success((accepted.appended, accepted.seq, accepted.hash, try service.receipt(name, seq: accepted.seq, hash: accepted.hash)))
                } catch let error as CountyError {
                    return .failure(error)
                } catch let error as LinkRefusal {
                    return .failure(error)
                } catch let error as SyncWire.Malformed {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let done):
                let headers: HTTPFields = [HTTPField.Name("Jifen-Appended")!: "\(done.appended)", HTTPField.Name("Jifen-Head")!: "\(done.seq):\(done.hash.hex)"]
                guard let receipt = done.receipt else { return Response(status: .noContent, headers: headers) }
                return Self.json(.ok, receipt, headers: headers)
            case .failure(CountyError.fork(_, let seq)):
                return Self.answer(.conflict, Problem(error: "fork", message: "The county holds another event #\(seq) of \(name): nothing was taken.",
                                                      zh: "县里存的 \(name) 第 \(seq) 条事件与推送的不同（分叉）：什么也没有接收。", seq: seq))
            case .failure(CountyError.noVillage):
                return Self.unauthorized
            case .failure(let refusal as LinkRefusal):
                return Self.answer(.unprocessableContent, Problem(error: "refused", message: "\(refusal.description): nothing was taken.",
                                                                  zh: "\(refusal.chinese)：什么也没有接收。", seq: refusal.seq))
            case .failure(let error):
                return Self.answer(.badRequest, Problem(error: "malformed", message: "\(error)", zh: "推送的内容不是事件行：\(error)"))
            }
        }
    }

    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "jifen-county"), logger: logger)
    }
}
