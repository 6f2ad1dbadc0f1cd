import Foundation
import HTTPTypes
import Hummingbird
import JifenCore
import Logging

/// What a request carries through the server: the session it was authenticated with (from its cookie or its bearer
/// token), and how. Nothing in a request names who acts: handlers take the actor from `session` alone.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The session the request's token opened, if any.
    public var session: Sessions.Session?
    /// The token itself (to log out with), never logged.
    public var token: String?
    /// Whether the session came from the browser's cookie: such a request that changes anything must also carry
    /// the session's CSRF token, which another site's page cannot read.
    public var viaCookie = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// A tally sheet of 200,000 rows is about 10 MB; anything far larger is refused before it is read.
    public var maxUploadSize: Int { 64 << 20 }

    /// The session, or 401.
    func requireSession() throws -> Sessions.Session {
        guard let session else { throw APIError.unauthenticated }
        return session
    }

    /// The session of a person with one of `roles`, or 401 or 403.
    func requireRole(_ roles: Set<Role>, for what: (zh: String, en: String)) throws -> Sessions.Session {
        let session = try requireSession()
        guard session.roles.contains(where: roles.contains) else {
            let zh = roles.sorted().map(\.zh).joined(separator: "、"), en = roles.sorted().map(\.rawValue).joined(separator: ", ")
            throw APIError(.forbidden, "roleNotAllowed", zh: "只有\(zh)可以\(what.zh)；请换有此角色的人登录。",
                           en: "Only a person with a role of \(en) may \(what.en); log in as one.")
        }
        return session
    }
}

/// Finds the session of a request: `Authorization: Bearer TOKEN` first, else the `jifen_session` cookie. A request
/// without one goes on without a session; the handlers that need one refuse it. Once a minute a session's person is
/// looked up again: retired, or with a password set anew (by anyone, through the CLI too), the session ends; new roles
/// apply.
struct Authenticate: RouterMiddleware {
    typealias Context = ServerContext
    let sessions: Sessions
    /// Looks the session's person up again: their roles now (nil: no longer active) and their password's mark; nil
    /// when that could not be read this time.
    let lookUp: @Sendable (Sessions.Session) async -> (roles: [Role]?, mark: Int64?)?

    init(sessions: Sessions, lookUp: @escaping @Sendable (Sessions.Session) async -> (roles: [Role]?, mark: Int64?)?) {
        self.sessions = sessions
        self.lookUp = lookUp
    }

    /// The same for the one ledger of a village's server.
    init(sessions: Sessions, door: LedgerDoor) {
        self.init(sessions: sessions) { session in
            let actor = session.actor
            guard let (record, mark) = try? await door.read({ ledger in
                (try ledger.actors().first { $0.name.rawValue == actor }, try ledger.passwordMark(of: actor))
            }) else { return nil }
            return (record?.status == .active ? record?.roles : nil, mark)
        }
    }

    static let cookieName = "jifen_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
            context.session = await sessions.find(token)
            context.token = token
        } else if let token = request.cookies[Self.cookieName]?.value, !token.isEmpty {
            context.session = await sessions.find(token)
            context.token = token
            context.viaCookie = true
        }
        // Now and then the person is looked up again: retired (or gone) ends the session, new roles apply.
        if let token = context.token, let session = context.session, await sessions.due(token) {
            // Should the register not be read this time, the session goes on as it was and is looked at next time.
            if let (roles, mark) = await lookUp(session) {
                context.session = await sessions.recheck(token, roles: roles, mark: mark)
            }
        }
        if let actor = context.session?.actor { context.logger[metadataKey: "actor"] = .string(actor) }
        return try await next(request, context)
    }
}

/// Around every request: turns a thrown error into its refusal (JSON under /api, a page elsewhere), adds the headers
/// that keep pages out of frames and scripts out of pages, and logs one line: the request's id, method, route (its
/// pattern, never its path, which may hold a household's card token), status, time and the authenticated actor —
/// never a password or a token.
struct Guard: RouterMiddleware {
    typealias Context = ServerContext
    /// Renders a refusal of a page request as a page (nil, or nil from it: as JSON).
    let page: (@Sendable (APIError, Request, Context) -> Response?)?

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let refusal = APIError(error is HTTPError && (error as? HTTPError)?.status == .notFound ? APIError.noRoute : error)
            if refusal.status == .internalServerError {
                context.logger.error("failed", metadata: ["error": .string(String(describing: type(of: error))),
                                                          "detail": .string(String(describing: error))])
            }
            if let page, !request.uri.path.hasPrefix("/api/"), let shown = page(refusal, request, context) {
                response = shown
            } else {
                response = try refusal.response(from: request, context: context)
            }
        }
        for field in Self.securityHeaders where response.headers[field.name] == nil { response.headers.append(field) }
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "-"),
            "status": .stringConvertible(response.status.code),
            "ms": .string(String(format: "%.1f", ms)),
        ])
        return response
    }
}
