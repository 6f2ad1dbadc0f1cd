import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore
import JifenPostgres
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Every village of a county's PostgreSQL database (`jifen serve --postgres URL`), each under
/// `/api/v1/villages/{village}/…` with the same API as a village's own server (`VillageAPI`, the same code over
/// `PostgresVillage`), and under `/villages/{village}/…` with the same pages (`VillagePages`; CountyPages.swift).
///
/// - A village's people log in at `POST /api/v1/villages/{village}/session` with the passwords set in that village; their
///   session reaches that village alone (another village's routes answer 403).
/// - The county's own people (`PostgresCounty.setPerson`) log in at `POST /api/v1/session`: the county's administrator
///   reads every village and adds villages (`POST /api/v1/villages`); a township's auditor reads every village of the
///   township. Neither writes a village's books (403): those are written by the village's own people, whose names the
///   chain records.
/// - `GET /api/v1/villages`: the villages the session reaches, with their heads and townships.
public struct CountyVillagesService: Sendable {
    public let county: PostgresCounty
    public let sessions: Sessions
    public let settings: ServerSettings
    let villages: VillageDoors

    /// The service over `county`. Calls to PostgreSQL block a thread until answered, so they run on a pool of
    /// `threads` of their own (about the county's connections), never on an event loop.
    public init(county: PostgresCounty, settings: ServerSettings = ServerSettings(), threads: Int = 16,
                environment: LedgerEnvironment = .live, idle: TimeInterval = Sessions.idleLimit) {
        self.county = county
        self.settings = settings
        sessions = Sessions(idle: idle, clock: { environment.now() })
        let work = NIOThreadPool(numberOfThreads: max(1, threads))
        work.start()
        villages = VillageDoors(county: county, pools: DoorPools(work: work), environment: environment)
    }

    /// Lets the service's threads go.
    public func close() async {
        await villages.pools.close()
        try? await villages.pools.work.shutdownGracefully()
    }

    public func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        let villages = self.villages, county = self.county
        router.add(middleware: Authenticate(sessions: sessions) { session in
            await Self.lookUp(session, county: county, villages: villages)
        })
        let settings = self.settings
        router.add(middleware: Guard(page: { error, request, context in Self.pageRefusal(error, request, context, settings: settings) }))
        router.get("healthz") { _, _ in
            // The database is asked (a server that cannot reach it is not healthy), but what it holds is not told.
            struct Health: Encodable { let status: String }
            _ = try await villages.pools.work.runIfActive { try county.schemaVersion() }
            return try APIJSON.response(Health(status: "ok"))
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: CountyOpenAPIDocument.text)))
        }
        let api = router.group("api/v1")
        addCounty(to: api)
        let sessions = self.sessions
        addPages(to: router)
        VillageAPI<PostgresVillage>(sessions: sessions, settings: settings, reach: { request, context, access in
            try await Self.reach(request, context, access, villages: villages)
        }).add(to: api.group("villages/:village"))
        return router
    }

    /// Whom a session's token opens the county's reports to: the county's administrator the whole county, a township's
    /// auditor that township; a village's people none (their village's own reports are theirs).
    /// The person is looked up again as a request's session would be (`Authenticate`): retired, or with a password set
    /// anew, the session ends and opens no report.
    public func reportViewer(_ token: String) async -> CountyViewer? {
        guard var session = await sessions.find(token) else { return nil }
        if await sessions.due(token), let (roles, mark) = await Self.lookUp(session, county: county, villages: villages) {
            guard let rechecked = await sessions.recheck(token, roles: roles, mark: mark) else { return nil }
            session = rechecked
        }
        guard let reach = session.reach else { return nil }
        switch reach {
        case .administrator: return CountyViewer(name: session.actor, townships: nil)
        case .township(let name): return CountyViewer(name: session.actor, townships: [name])
        }
    }

    /// The application, listening where `settings` say; with `county`, the county's reports and its villages' sync
    /// routes beside the villages' own (`CountyService.add(to:)`).
    public func application(logger: Logger, county: CountyService? = nil) -> some ApplicationProtocol {
        let router = router()
        county?.add(to: router)
        return Application(router: router,
                    configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "jifen"),
                    logger: logger)
    }

    // MARK: Who reaches which village

    /// The village a request names, if the session may reach it so: any session may try to log in (`open`); a village's
    /// person reads and writes their own village; the county's administrator reads every village, a township's auditor
    /// those of the township.
    static func reach(_ request: Request, _ context: ServerContext, _ access: Access,
                      villages: VillageDoors) async throws -> VillageReach<PostgresVillage> {
        let code = try context.parameters.require("village")
        let session = access == .open || access == .visit ? nil : try context.requireSession()
        guard let (reach, township) = try await villages.door(code) else {
            // A login does not tell which villages there are: an unknown village answers as a wrong password does.
            if access == .open { throw APIError.wrongPassword }
            throw APIError.notFound("县里没有代码为 \(code) 的村；请核对村代码。", "The county has no village \(code); check its code.")
        }
        // A village that syncs keeps its books on its own office's PC: the county's copy grows by its pushes alone (a
        // write here would fork it from the office's file), and its people log in at their office's server.
        // Asked at every login and write (a key may be added to a village while the server runs), never at a read.
        if access == .visit { return reach }
        let county = villages.county
        if access != .read, try await villages.pools.work.runIfActive({ try county.syncs(code) }) {
            throw APIError(.forbidden, "syncedVillage", zh: "\(code) 村的账记在村里自己的电脑上，县里只存同步来的副本；请在村里记账、登录，再同步到县里。",
                           en: "\(code) keeps its books on its own office's PC and the county holds the copy it syncs: write and log in there, then sync.")
        }
        guard let session else { return reach }
        if session.village == code { return reach }
        let reads: Bool = switch session.reach {
        case .administrator?: true
        case .township(let name)?: township == name
        case nil: false
        }
        if reads && access == .read { return reach }
        if reads {
            throw APIError(.forbidden, "readOnly", zh: "县、乡的人只能查看村里的账，记账要由本村的人来做。",
                           en: "The county's and a township's people only read a village's books; its own people write them.")
        }
        throw APIError(.forbidden, "otherVillage", zh: "你是 \(session.village ?? "县里") 的人，不能查看或改动 \(code) 村的账。",
                       en: "You belong to \(session.village ?? "the county"), not to \(code): its books are not yours to read or write.")
    }

    /// A session's person looked up again: a village's person in their village's register, the county's in its list.
    static func lookUp(_ session: Sessions.Session, county: PostgresCounty, villages: VillageDoors) async -> (roles: [Role]?, mark: Int64?)? {
        let actor = session.actor
        if let code = session.village {
            guard let (reach, _) = try? await villages.door(code),
                  let (record, mark) = try? await reach.door.read({ books in
                      (try books.actors().first { $0.name.rawValue == actor }, try books.passwordMark(of: actor))
                  }) else { return nil }
            return (record?.status == .active ? record?.roles : nil, mark)
        }
        let found: CountyPerson?
        do {
            found = try await villages.pools.work.runIfActive { try county.person(actor) }
        } catch {
            return nil
        }
        guard let person = found, person.active, Self.reach(of: person) == session.reach else { return (nil, nil) }
        return (Self.roles(of: person), person.mark)
    }

    static func reach(of person: CountyPerson) -> Sessions.CountyReach {
        switch person.role {
        case .administrator: .administrator
        case .auditor: .township(person.township ?? "")
        }
    }

    /// The roles a county's person reads a village's books with: an auditor's (who may also copy the log).
    static func roles(of person: CountyPerson) -> [Role] { [.auditor] }

    // MARK: The county's own routes

    func addCounty(to api: RouterGroup<ServerContext>) {
        let sessions = self.sessions, county = self.county, villages = self.villages, settings = self.settings
        let work = villages.pools.work

        api.post("session") { request, context in
            let login = try await JifenService.decode(APIBody.Login.self, request, context)
            let person = try await villages.pools.hash {
                try county.checkPerson(name: login.name, password: login.password,
                                       now: villages.environment.now().timeIntervalSince1970)
            }
            let (token, session) = await sessions.open(actor: person.name, roles: Self.roles(of: person), mark: person.mark,
                                                       reach: Self.reach(of: person))
            context.logger.info("login", metadata: ["actor": .string(session.actor)])
            var response = try APIJSON.response(SessionView(token: token, actor: session.actor, roles: session.roles.map(\.rawValue),
                                                            csrf: session.csrf, idleSeconds: Int(sessions.idle), village: nil))
            response.setCookie(JifenService.sessionCookie(token, settings: settings))
            return response
        }

        api.delete("session") { request, context in
            _ = try JifenService.acting(request, context)
            if let token = context.token { await sessions.close(token) }
            var response = Response(status: .noContent)
            response.setCookie(JifenService.sessionCookie("", clear: true, settings: settings))
            return response
        }

        api.get("villages") { _, context in
            struct Village: Encodable { let village: String, township: String?, events: Int64, head: String }
            let session = try context.requireSession()
            let all = try await work.runIfActive { try county.villages() }
            let seen = all.filter { head in
                switch session.reach {
                case .administrator?: true
                case .township(let name)?: head.township == name
                case nil: head.village == session.village
                }
            }
            return try APIJSON.response(seen.map { Village(village: $0.village, township: $0.township, events: $0.seq, head: $0.hash.lowercaseHex) })
        }

        api.post("villages") { request, context in
            struct New: Decodable { let village: String; let township: String? }
            let session = try JifenService.acting(request, context)
            guard session.reach == .administrator else {
                throw APIError(.forbidden, "roleNotAllowed", zh: "只有县里的管理员可以新建村。",
                               en: "Only the county's administrator may add a village.")
            }
            let new = try await JifenService.decode(New.self, request, context)
            do {
                _ = try await work.runIfActive { try county.createVillage(new.village, township: new.township) }
            } catch PostgresStoreError.villageExists(let code) {
                throw APIError(.conflict, "villageExists", zh: "县里已经有代码为 \(code) 的村。", en: "The county already has a village \(code).")
            } catch PostgresStoreError.badVillageCode(let code) {
                throw APIError.badRequest("村代码 \(code) 不行：只能用字母、数字、_、.、-，最多 64 个。",
                                          "The village code \(code) is not one the county takes: letters, digits, _ . -, at most 64.")
            } catch PostgresStoreError.badTownship {
                throw APIError.badRequest("乡镇名称要有 1 到 64 个字。", "A township's name has 1 to 64 characters.")
            }
            context.logger.info("village added", metadata: ["village": .string(new.village)])
            struct Added: Encodable { let village: String, township: String? }
            return try APIJSON.response(Added(village: new.village, township: new.township), status: .created)
        }
    }
}

/// The doors of the county's villages, made when first asked for and kept (with the village's township), sharing one
/// set of threads; a village's writes are grouped (`WriteGroups`) as a single village's are.
final class VillageDoors: Sendable {
    let county: PostgresCounty
    let pools: DoorPools
    let environment: LedgerEnvironment
    private let doors = Mutex<[String: (VillageReach<PostgresVillage>, String?)]>([:])

    init(county: PostgresCounty, pools: DoorPools, environment: LedgerEnvironment) {
        self.county = county
        self.pools = pools
        self.environment = environment
    }

    /// The door of village `code` and its township; nil when the county has no such village.
    func door(_ code: String) async throws -> (VillageReach<PostgresVillage>, String?)? {
        if let known = doors.withLock({ $0[code] }) { return known }
        let county = self.county
        guard let township = try await pools.work.runIfActive({ try county.township(of: code) }) else { return nil }
        let door = Door(ledger: PostgresVillage(store: county.village(code), environment: environment), pools: pools)
        let made = (VillageReach(door: door, writes: WriteGroups(door: door), village: code), township)
        return doors.withLock { doors in
            if let known = doors[code] { return known }
            doors[code] = made
            return made
        }
    }
}

extension DoorPools {
    /// Runs a password's slow hash on the pool for slow hashes, refused at once (503) when too many wait: the one
    /// admission for a village's server (`Door.hash`) and a county's logins alike.
    func hash<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = waiting.withLock { n in
            guard n < LedgerDoor.hashesWaiting else { return false }
            n += 1
            return true
        }
        guard admitted else {
            throw APIError(.serviceUnavailable, "busy", zh: "现在登录的人太多；请过一会儿再试。",
                           en: "Too many people are logging in right now; try again in a moment.")
        }
        defer { waiting.withLock { $0 -= 1 } }
        return try await hashing.runIfActive(body)
    }
}
