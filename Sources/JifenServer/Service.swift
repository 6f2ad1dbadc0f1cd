import Foundation
import Hummingbird
import Jifen
import JifenCore
import Logging

/// How the server runs.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// The address people reach the server at (through the reverse proxy), e.g. https://jifen.example.cn; with https,
    /// cookies are marked Secure.
    public var publicURL: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
    }

    var secureCookies: Bool { publicURL?.lowercased().hasPrefix("https://") ?? false }
}

/// The service: the JSON API and the pages over one ledger.
public struct JifenService: Sendable {
    public let door: LedgerDoor
    public let sessions: Sessions
    let writes: WriteGroups<Ledger>
    let cards: CardMemory
    public let settings: ServerSettings

    /// The service over `ledger`, reading through `readers` (read-only connections to the same file) when given.
    public init(ledger: Ledger, readers: [Ledger] = [], longReader: Ledger? = nil, settings: ServerSettings = ServerSettings(),
                idle: TimeInterval = Sessions.idleLimit) {
        door = LedgerDoor(ledger: ledger, readers: readers, longReader: longReader)
        writes = WriteGroups(door: door)
        let environment = ledger.environment
        cards = CardMemory(clock: { environment.now() })
        sessions = Sessions(idle: idle, clock: { environment.now() })
        self.settings = settings
    }

    /// Every route, behind the session's middleware and the guard.
    public func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: Authenticate(sessions: sessions, door: door))
        let site = pageSite()
        router.add(middleware: Guard(page: { error, _, context in PageResponse.refusal(error, site: site, session: context.session) }))
        router.get("healthz") { _, _ in
            struct Health: Encodable { let status: String; let events: Int64 }
            let head = try await door.read { try $0.head() }
            return try APIJSON.response(Health(status: "ok", events: head.seq))
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
        }
        let api = router.group("api/v1")
        let reach = VillageReach(door: door, writes: writes, village: nil)
        VillageAPI(sessions: sessions, settings: settings, reach: { _, context, access in
            if access != .open { _ = try context.requireSession() }
            return reach
        }).add(to: api)
        addLedgerAPI(to: api)
        Self.addStatic(to: router)
        let pages = pages(site: site)
        pages.addPages(to: router)
        pages.addDesks(to: router)
        addResidentPages(to: router, site: site)
        addStatementCheck(to: router, site: site)
        return router
    }

    /// The application, listening where `settings` say. Its `runService()` ends on SIGTERM or SIGINT once the
    /// requests in flight have been answered (and their writes committed).
    public func application(logger: Logger) -> some ApplicationProtocol {
        Application(router: router(),
                    configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "jifen"),
                    logger: logger)
    }
}
