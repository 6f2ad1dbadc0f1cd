import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore
import JifenStore

// The JSON API under /api/v1 (described by api/openapi.yaml, served at /openapi.yaml). Every write is made by the
// session's person; a request never names who acts. The role rules are the ledger's own (`decide`), the same as the
// CLI's.

/// An event a write appended, as the API answers it.
struct EventView: Encodable, Sendable {
    let seq: Int64, id: String, type: String, date: String, recordedAt: String, actor: String
    let household: String?, points: Int?

    init(_ recorded: RecordedEvent) {
        seq = recorded.seq
        id = recorded.id
        type = recorded.event.typeName
        date = recorded.occurredOn.description
        recordedAt = recorded.recordedAt
        actor = recorded.actor.rawValue
        household = recorded.event.household?.rawValue
        let facts = recorded.facts
        let effect = facts.earned - facts.deducted - facts.redeemed
        points = recorded.event.entryKind == nil ? nil : effect
    }
}

/// What a write did.
struct WrittenView: Encodable, Sendable {
    /// True when the Idempotency-Key had been used for this same request: nothing new was written.
    let replayed: Bool
    let events: [EventView]
}

struct SessionView: Encodable, Sendable {
    let token: String?, actor: String, roles: [String], csrf: String
    let idleSeconds: Int
    /// The village the person belongs to, on a county's server (absent on a village's own).
    var village: String? = nil
}

struct RuleView: Encodable, Sendable {
    let code: String, indicator: String, name: String, nameEn: String
    /// "award" or "deduction", and the size's range (equal for a fixed rule).
    let direction: String, min: Int, max: Int
    /// A deduction needs a note.
    let noteRequired: Bool
}

/// What the API's handlers need of a request's village: its door, its writes and its code (nil: the one ledger a
/// single-village server serves).
struct VillageReach<Books: VillageBooks>: Sendable {
    let door: Door<Books>
    let writes: WriteGroups<Books>
    let village: String?
}

/// What a handler does with its village: `open` (a login: no session yet), `read`, or `write` (only the village's own
/// people write).
/// `visit`: a page anyone may see (the public notice board): no session needed, none refused.
enum Access: Sendable { case open, visit, read, write }

/// The JSON API of one village, written once over `VillageBooks`: a single-village server mounts it at /api/v1 over
/// its SQLite ledger, a county's server at /api/v1/villages/{village} over each village of its PostgreSQL database.
/// `reach` finds a request's village and refuses a session that may not reach it (401, 403, or 404 for no village).
/// The bodies the API's writes take.
enum APIBody {
    struct Score: Decodable {
        let household: String, rule: String, points: Int?, date: String?, note: String?
        /// A second score identical to one in the last hour is refused as a likely retry unless this says it is meant.
        let again: Bool?
    }
    struct Login: Decodable { let name: String; let password: String }
    struct Change: Decodable { let current: String; let new: String }
    struct Redemption: Decodable { let household: String, item: String, quantity: Int?, again: Bool? }
    struct Reason: Decodable { let reason: String }
    struct Reversal: Decodable { let seq: Int64; let reason: String }
    struct Objection: Decodable { let seq: Int64; let reason: String }
    struct Settlement: Decodable { let resolution: String; let points: Int?; let reason: String }
}

/// What `POST …/sheets` answers: the sheet's name, its scores and their points, and the events appended.
struct SheetImported: Encodable {
    let fileName: String, scores: Int, awarded: Int, deducted: Int, events: Int, firstSeq: Int64, lastSeq: Int64
}

struct VillageAPI<Books: VillageBooks>: Sendable {
    let sessions: Sessions
    let settings: ServerSettings
    let reach: @Sendable (Request, ServerContext, Access) async throws -> VillageReach<Books>

    func sessionCookie(_ token: String, clear: Bool = false) -> Cookie {
        JifenService.sessionCookie(token, clear: clear, settings: settings)
    }

    func add(to api: RouterGroup<ServerContext>) {

        // MARK: Sessions

        api.post("session") { request, context in
            let village = try await reach(request, context, .open)
            let login = try await JifenService.decode(APIBody.Login.self, request, context)
            let (token, session) = try await JifenService.logIn(login.name, login.password, in: village, sessions: sessions)
            context.logger.info("login", metadata: ["actor": .string(session.actor)])
            var response = try APIJSON.response(SessionView(token: token, actor: session.actor, roles: session.roles.map(\.rawValue),
                                                            csrf: session.csrf, idleSeconds: Int(sessions.idle)))
            response.setCookie(sessionCookie(token))
            return response
        }

        api.get("session") { request, context in
            _ = try await reach(request, context, .read)
            let session = try context.requireSession()
            return try APIJSON.response(SessionView(token: nil, actor: session.actor, roles: session.roles.map(\.rawValue),
                                                    csrf: session.csrf, idleSeconds: Int(sessions.idle), village: session.village))
        }

        api.delete("session") { request, context in
            _ = try JifenService.acting(request, context)
            if let token = context.token { await sessions.close(token) }
            var response = Response(status: .noContent)
            response.setCookie(sessionCookie("", clear: true))
            return response
        }

        api.post("password") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let change = try await JifenService.decode(APIBody.Change.self, request, context)
            try await village.door.hash { ledger in
                try ledger.checkPassword(name: session.actor, password: change.current)
                try ledger.setPassword(of: session.actor, to: change.new, by: session.actor, on: nil)
            }
            await sessions.closeAll(of: session.actor, in: session.village, keeping: context.token)
            return Response(status: .noContent)
        }

        // MARK: Reads

        api.get("households") { request, context in
            let village = try await reach(request, context, .read)
            return try APIJSON.response(try await village.door.read { try $0.balances().map { BalanceView($0, asOf: nil) } })
        }

        api.get("households/:code/balance") { request, context in
            let village = try await reach(request, context, .read)
            let code = try JifenService.pathCode(context, "code")
            let asOf = try JifenService.date(request.uri.queryParameters["asOf"].map(String.init), name: "asOf")
            let rows = try await village.door.read { ledger -> [BalanceView]? in
                // One read: an unknown household is the facade's refusal.
                do {
                    return try ledger.balances(of: HouseholdCode(rawValue: code), asOf: asOf).map { BalanceView($0, asOf: asOf) }
                } catch Rejection.householdUnknown {
                    return nil
                }
            }
            guard let rows else { throw JifenService.unknownHousehold(code) }
            guard let row = rows.first else {
                throw APIError.notFound("农户 \(code) 在 \(asOf?.description ?? "") 还没有登记；请把 asOf 选晚一些。",
                                        "Household \(code) was not yet registered on \(asOf?.description ?? ""); choose a later asOf.")
            }
            return try APIJSON.response(row)
        }

        api.get("households/:code/history") { request, context in
            let village = try await reach(request, context, .read)
            let code = try JifenService.pathCode(context, "code")
            let english = request.uri.queryParameters["lang"] == "en"
            let view = try await village.door.read { ledger -> HistoryView? in
                guard try ledger.household(HouseholdCode(rawValue: code)) != nil else { return nil }
                return HistoryView(try ledger.history(of: HouseholdCode(rawValue: code)), english: english)
            }
            guard let view else { throw JifenService.unknownHousehold(code) }
            return try APIJSON.response(view)
        }

        api.get("rules") { request, context in
            let village = try await reach(request, context, .read)
            let rules = try await village.door.read { ledger -> [RuleView] in
                guard let scheme = try ledger.schemes().last?.scheme else { return [] }
                return scheme.rules.map { rule in
                    let deduction = rule.points.direction == .deduction
                    return RuleView(code: rule.code.rawValue, indicator: rule.indicator, name: rule.zh, nameEn: rule.en,
                                    direction: rule.points.direction.rawValue, min: rule.points.min, max: rule.points.max,
                                    noteRequired: deduction)
                }
            }
            return try APIJSON.response(rules)
        }

        api.get("review") { request, context in
            let village = try await reach(request, context, .read)
            return try APIJSON.response(try await village.door.read { try $0.reviewQueue().items })
        }

        api.get("notices") { request, context in
            let village = try await reach(request, context, .read)
            return try APIJSON.response(try await village.door.read { try $0.notices().map(NoticeView.init) })
        }

        api.get("shop") { request, context in
            let village = try await reach(request, context, .read)
            return try APIJSON.response(try await village.door.read { try $0.items().map(ShopItemView.init) })
        }

        api.get("redemptions/:seq/receipt") { request, context in
            let village = try await reach(request, context, .read)
            _ = try context.requireRole(JifenService.auditing.union([.shopkeeper]), for: ("查看兑换小票", "see a redemption's receipt"))
            let seq = try JifenService.number(context.parameters.get("seq"), name: "seq", default: 0, range: 1...Int64.max)
            return try APIJSON.response(try await village.door.read { try $0.receipt(for: [seq]) })
        }

        api.get("log") { request, context in
            let village = try await reach(request, context, .read)
            _ = try context.requireRole(JifenService.auditing, for: ("复制流水", "copy the log"))
            let query = request.uri.queryParameters
            let after = try JifenService.number(query["after"].map(String.init), name: "after", default: 0, range: 0...Int64.max)
            let limit = try JifenService.number(query["limit"].map(String.init), name: "limit", default: 1000, range: 1...10_000)
            let body = try await village.door.read { ledger -> [UInt8] in
                // The audit export's lines (docs/FORMAT.md, "Exports"; `SyncWire` writes them), as they are, in one JSON
                // object, from one snapshot of the log.
                try ledger.readBooks { session -> [UInt8] in
                    let head = try session.headOfLog()
                    var bytes = Array("{\"events\":[".utf8)
                    // Never past the head: a copy that goes on from `last` misses nothing, whatever `after` was.
                    var last = min(after, head.seq)
                    if after < head.seq {
                        let links = try session.links(from: after + 1, limit: Int(min(limit, head.seq - after)))
                        var first = true
                        for line in SyncWire.lines(links).split(separator: 0x0A) {
                            if !first { bytes.append(UInt8(ascii: ",")) }
                            first = false
                            bytes.append(contentsOf: line)
                        }
                        last = links.last?.fields.seq ?? last
                    }
                    bytes += Array("],\"head\":{\"hash\":\"\(head.hash.lowercaseHex)\",\"seq\":\(head.seq)},\"last\":\(last)}".utf8)
                    return bytes
                }
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }

        // MARK: Writes

        api.post("scores") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let score = try await JifenService.decode(APIBody.Score.self, request, context)
            let date = try JifenService.date(score.date, name: "date")
            let key = JifenService.idempotencyKey(request)
            let command = Command.recordScore(HouseholdCode(typed: score.household), RuleCode(typed: score.rule),
                                              points: score.points, note: score.note ?? "", source: nil)
            return try await JifenService.write(command, by: session, on: date, key: key, again: score.again ?? false, in: village)
        }

        api.post("sheets") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let name = request.uri.queryParameters["name"].map(String.init) ?? "sheet.csv"
            let data = Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))
            let summary = try await village.door.run { try $0.importTallySheet(.csv(data), fileName: name, by: session.actor, progress: nil) }
            return try APIJSON.response(SheetImported(fileName: name, scores: summary.scores, awarded: summary.awarded, deducted: summary.deducted,
                                                 events: summary.events, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq),
                                        status: .created)
        }

        api.post("redemptions") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let body = try await JifenService.decode(APIBody.Redemption.self, request, context)
            let command = Command.redeem(HouseholdCode(typed: body.household), ItemCode(typed: body.item), quantity: body.quantity ?? 1)
            return try await JifenService.write(command, by: session, key: JifenService.idempotencyKey(request), again: body.again ?? false, in: village)
        }

        api.post("approvals/:seq") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let seq = try JifenService.seq(context)
            return try await JifenService.write(.approve(.seq(seq)), by: session, in: village)
        }

        api.post("rejections/:seq") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let seq = try JifenService.seq(context)
            let body = try await JifenService.decode(APIBody.Reason.self, request, context)
            return try await JifenService.write(.reject(.seq(seq), reason: body.reason), by: session, in: village)
        }

        api.post("reversals") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let body = try await JifenService.decode(APIBody.Reversal.self, request, context)
            return try await JifenService.write(.reverse(.seq(body.seq), reason: body.reason), by: session, key: JifenService.idempotencyKey(request), in: village)
        }

        api.post("notices/:period/open") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            return try await JifenService.write(.openNotice(try JifenService.period(context)), by: session, in: village)
        }

        api.post("notices/:period/close") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            return try await JifenService.write(.closeNotice(try JifenService.period(context)), by: session, in: village)
        }

        api.post("objections") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let body = try await JifenService.decode(APIBody.Objection.self, request, context)
            return try await JifenService.write(.object(.seq(body.seq), reason: body.reason), by: session, in: village)
        }

        api.post("objections/:seq/resolution") { request, context in
            let session = try JifenService.acting(request, context)
            let village = try await reach(request, context, .write)
            let seq = try JifenService.seq(context)
            let body = try await JifenService.decode(APIBody.Settlement.self, request, context)
            let resolution: Resolution
            switch (body.resolution, body.points) {
            case ("uphold", _): resolution = .uphold
            case ("dismiss", _): resolution = .dismiss
            case ("amend", let points?): resolution = .amend(points: points)
            default:
                throw APIError.badRequest("resolution 只能是 uphold、dismiss 或 amend（amend 须给出 points）。",
                                          "resolution is uphold, dismiss or amend (amend with points).")
            }
            return try await JifenService.write(.resolveObjection(.seq(seq), resolution, reason: body.reason), by: session, in: village)
        }
    }
}

extension JifenService {
    /// The API's routes that only a village's SQLite file has: verify.
    func addLedgerAPI(to api: RouterGroup<ServerContext>) {

        api.get("verify") { request, context in
            // A whole verify reads every event: for those who check the books, not for every phone.
            _ = try context.requireRole(Self.auditing, for: ("核验账本", "verify the ledger"))
            struct Report: Encodable {
                struct Problem: Encodable { let seq: Int64?; let problem: String; let problemEn: String }
                let valid: Bool, events: Int64, head: String, problems: [Problem]
            }
            let report = try await door.heavy { try $0.verify(audit: false) }
            return try APIJSON.response(Report(valid: report.isValid, events: report.events, head: report.headHex,
                                               problems: report.problems.map { .init(seq: $0.seq > 0 ? $0.seq : nil, problem: $0.chinese, problemEn: $0.what) }))
        }

    }

    /// Who may copy the log and verify the ledger through the server.
    static let auditing: Set<Role> = [.auditor, .admin, .reviewer]

    /// Checks a name and password (off the event loop, the throttle first) and opens a session for an active person:
    /// the one way in, for the API and the login page.
    func logIn(_ name: String, _ password: String) async throws -> (token: String, session: Sessions.Session) {
        try await Self.logIn(name, password, in: VillageReach(door: door, writes: writes, village: nil), sessions: sessions)
    }

    /// The same in `village`: the session opened belongs to that village.
    static func logIn<Books>(_ name: String, _ password: String, in village: VillageReach<Books>,
                             sessions: Sessions) async throws -> (token: String, session: Sessions.Session) {
        let (record, mark) = try await village.door.hash { ledger -> (ActorRecord?, Int64?) in
            try ledger.checkPassword(name: name, password: password)
            return (try ledger.actors().first { $0.name.rawValue == name }, try ledger.passwordMark(of: name))
        }
        // A retired person's password no longer opens anything; they are told what anyone with a wrong one is.
        guard let record, record.status == .active else { throw APIError.wrongPassword }
        village.door.ledger.trustAuthenticated(record.name.rawValue)
        return await sessions.open(actor: record.name.rawValue, roles: record.roles, mark: mark, village: village.village)
    }

    /// Decides `command` as the session's person, today by the server's clock unless `date` (a score's business date)
    /// says otherwise: 201 with what was appended, or 200 with `Idempotency-Replayed: true` when the key had been used
    /// for this same request.
    func write(_ command: Command, by session: Sessions.Session, on date: LocalDate? = nil, key: String? = nil,
               again: Bool = false) async throws -> Response {
        try await Self.write(command, by: session, on: date, key: key, again: again,
                             in: VillageReach(door: door, writes: writes, village: nil))
    }

    /// The same in `village`.
    static func write<Books>(_ command: Command, by session: Sessions.Session, on date: LocalDate? = nil, key: String? = nil,
                             again: Bool = false, in village: VillageReach<Books>) async throws -> Response {
        let written = try await village.writes.write(WriteRequest(command, by: session.actor, on: date, key: key, again: again))
        let view = WrittenView(replayed: written.alreadyRecorded, events: written.events.map(EventView.init))
        if written.alreadyRecorded {
            return try APIJSON.response(view, status: .ok, headers: [HTTPField.Name("Idempotency-Replayed")!: "true"])
        }
        return try APIJSON.response(view, status: .created)
    }

    /// The session of a request that changes something: with a session from the browser's cookie, the request must
    /// also carry the session's CSRF token in `X-CSRF-Token` (a script with a bearer token needs none).
    static func acting(_ request: Request, _ context: ServerContext) throws -> Sessions.Session {
        let session = try context.requireSession()
        if context.viaCookie {
            guard let sent = request.headers[HTTPField.Name("X-CSRF-Token")!], Self.same(sent, session.csrf) else { throw APIError.csrf }
        }
        return session
    }

    func sessionCookie(_ token: String, clear: Bool = false) -> Cookie {
        Self.sessionCookie(token, clear: clear, settings: settings)
    }

    static func sessionCookie(_ token: String, clear: Bool = false, settings: ServerSettings) -> Cookie {
        Cookie(name: Authenticate.cookieName, value: token, maxAge: clear ? 0 : nil, path: "/", secure: settings.secureCookies,
               httpOnly: true, sameSite: .strict)
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: ServerContext) async throws -> T {
        // JSON only: a form another site posts (text/plain, urlencoded) can neither log a browser in nor write.
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "notJSON", zh: "请求要以 JSON 发送（Content-Type: application/json）。",
                           en: "Send the request as JSON (Content-Type: application/json).")
        }
        let buffer = try await request.body.collect(upTo: 1 << 20)
        do {
            return try APIJSON.decoder.decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw APIError.badRequest("请求的 JSON 不对：\(Self.describe(error))；请按 /openapi.yaml 改正后再发。",
                                      "The request's JSON is wrong: \(Self.describe(error)); correct it as /openapi.yaml describes and send it again.")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "\"\(c.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
        default: return "not JSON"
        }
    }

    static func idempotencyKey(_ request: Request) -> String? {
        request.headers[HTTPField.Name("Idempotency-Key")!]
    }

    static func date(_ text: String?, name: String) throws -> LocalDate? {
        guard let text else { return nil }
        guard let date = LocalDate(text) else {
            throw APIError.badRequest("\(name) 应是 YYYY-MM-DD 格式的日期。", "\(name) must be a date as YYYY-MM-DD.")
        }
        return date
    }

    /// A code named in the request's path, as the register spells it: Hummingbird hands a path's segments over as sent
    /// (`H%C3%A9` for `Hé`; only a query's values are decoded), so it is decoded here, then composed (`Composed`).
    static func pathCode<Context: RequestContext>(_ context: Context, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        return Composed.text(raw.removingPercentEncoding ?? raw)
    }

    static func number(_ text: String?, name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw APIError.badRequest("\(name) 应是 \(range.lowerBound) 到 \(range.upperBound) 之间的整数。",
                                      "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }

    static func seq(_ context: ServerContext) throws -> Int64 {
        try number(context.parameters.get("seq"), name: "seq", default: 0, range: 1...Int64.max)
    }

    static func period(_ context: ServerContext) throws -> NoticePeriod {
        guard let text = context.parameters.get("period"), let period = NoticePeriod(text) else {
            throw APIError.badRequest("公示期应写作 YYYY-MM（一个月）。", "A notice period is written YYYY-MM (a month).")
        }
        return period
    }

    static func unknownHousehold(_ code: String) -> APIError {
        APIError.notFound("没有户号为 \(code) 的农户；请核对户号。", "There is no household \(code); check the code.")
    }
}
