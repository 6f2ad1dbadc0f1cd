import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore
import JifenPostgres
import Mustache

// The pages: server-rendered HTML in Chinese for the people at the village office and in the field (a phone 360 px
// wide first, and paper). Templates are files beside this one (Pages/*.mustache), carried in the code as
// api/openapi.yaml is. A form carries its session's CSRF token in a hidden field `csrf`; a write is made by the
// session's person through the same facade calls as the API, and a refusal from the ledger is shown on the page as
// its Chinese sentence (the `APIError`'s message). The one script (/static/jifen.js) only fits the clerk's points field
// to the chosen rule; every page works without it.

/// The templates, parsed once.
enum PageTemplates {
    static let sources: [(name: String, bytes: [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("message", PackageResources.message_mustache),
        ("login", PackageResources.login_mustache), ("clerk", PackageResources.clerk_mustache),
        ("review", PackageResources.review_mustache), ("shop", PackageResources.shop_mustache),
        ("audit", PackageResources.audit_mustache), ("notice", PackageResources.notice_mustache),
        ("household", PackageResources.household_mustache), ("password", PackageResources.password_mustache),
        ("check", PackageResources.check_mustache), ("receipt", PackageResources.receipt_mustache),
        ("villages", PackageResources.villages_mustache),
    ]

    /// Every template, or the first one that does not parse (a fault of the build, which the page tests catch).
    static let library: Result<MustacheLibrary, TemplateFault> = {
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            do {
                try library.register(String(decoding: bytes, as: UTF8.self), named: name)
            } catch {
                return .failure(TemplateFault(name: name, detail: "\(error)"))
            }
        }
        return .success(library)
    }()

    struct TemplateFault: Error, CustomStringConvertible {
        let name: String, detail: String
        var description: String { "template \(name): \(detail)" }
    }
}

/// What a page needs to know of its village: its name, where its pages are, and whether cookies are Secure.
struct PageSite: Sendable {
    let village: String
    let secureCookies: Bool
    /// The path its pages are under: "" on a village's own server, "/villages/CODE" on a county's.
    var base: String = ""

    /// The path of a cookie that only this village's pages get back.
    var cookiePath: String { base.isEmpty ? "/" : base }
}

/// The desks: one page for each kind of work, and the roles that work there.
enum Desk: String, CaseIterable, Sendable {
    case clerk, review, shop, audit

    var path: String { "/\(rawValue)" }

    var label: String {
        switch self {
        case .clerk: "记分"
        case .review: "审核"
        case .shop: "积分超市"
        case .audit: "审计"
        }
    }

    /// Who works at this desk: a unit leader proposes scores at the clerk's; the administrator, who keeps the ledger,
    /// may verify it and download it as the auditor does.
    var roles: Set<Role> {
        switch self {
        case .clerk: [.clerk, .leader]
        case .review: [.reviewer]
        case .shop: [.shopkeeper]
        case .audit: [.auditor, .admin]
        }
    }

    func admits(_ roles: [Role]) -> Bool { !self.roles.isDisjoint(with: roles) }

    /// The first desk of a person with these roles (a clerk's before a reviewer's, and so on).
    static func home(of roles: [Role]) -> Desk? { allCases.first { $0.admits(roles) } }
}

/// A page's answer: HTML, or a redirect.
enum PageResponse {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 See Other: after a form, the browser asks for `location` with GET, so that reloading it does not send the
    /// form again.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// `data` rendered with the template `name`.
    static func render(_ name: String, _ data: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        rendered(name, data, status: status).response
    }

    /// The same, with the page's text (nil when a template is missing or broken).
    static func rendered(_ name: String, _ data: [String: Any], status: HTTPResponse.Status = .ok) -> (response: Response, html: String?) {
        switch PageTemplates.library {
        case .success(let library):
            guard let text = library.render(data, withTemplate: name) else { return (broken("no template \(name)"), nil) }
            return (html(text, status: status), text)
        case .failure(let fault):
            return (broken(fault.description), nil)
        }
    }

    static func broken(_ detail: String) -> Response {
        Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: "服务器出错（页面模板）：\(detail)\n")))
    }

    /// A refusal of a page request: a person who is not logged in (or whose session ended) is sent to the login;
    /// any other refusal is a plain page with its Chinese sentence.
    static func refusal(_ error: APIError, site: PageSite, session: Sessions.Session?) -> Response {
        if error.status == .unauthorized { return redirect(site.base + "/login") }
        let heading = switch error.status {
        case .forbidden: "不能这样做"
        case .notFound: "找不到"
        case .tooManyRequests: "请稍后再试"
        case .badRequest, .unprocessableContent, .conflict: "没有办成"
        default: "出错了"
        }
        var data = Pages.base(site: site, session: session, current: nil)
        data["heading"] = heading
        data["message"] = error.message
        return render("message", data, status: error.status)
    }
}

/// The public notice sheet's pages as last rendered for a visitor not logged in, by period, with the head and the day
/// they were rendered at: the sheet changes only when the log does, or the day.
actor NoticeSheetCache {
    struct Key: Hashable, Sendable {
        let village: String, period: String, head: Int64, day: String
    }

    /// How many pages are kept: a county's server holds each village's board or two (a page is some tens of KB).
    static let limit = 256

    private var pages: [String: (key: Key, html: String)] = [:]
    /// The kept pages' names, oldest first: the oldest is let go when the limit is reached.
    private var order: [String] = []

    func page(_ key: Key) -> String? {
        guard let kept = pages[key.village + " " + key.period], kept.key == key else { return nil }
        return kept.html
    }

    func keep(_ key: Key, _ html: String) {
        let name = key.village + " " + key.period
        if pages[name] == nil {
            if order.count >= Self.limit { pages.removeValue(forKey: order.removeFirst()) }
            order.append(name)
        }
        pages[name] = (key, html)
    }

    var count: Int { pages.count }
}

/// The helpers every page shares.
enum Pages {
    static let loginCookie = "jifen_login"

    /// What the layout shows: the village, and for a person logged in their name, roles, desks and CSRF token.
    static func base(site: PageSite, session: Sessions.Session?, current: Desk?) -> [String: Any] {
        var data: [String: Any] = ["village": site.village, "base": site.base]
        if let session {
            var links: [[String: Any]] = Desk.allCases.filter { $0.admits(session.roles) }.map {
                ["href": site.base + $0.path, "label": $0.label, "current": $0 == current]
            }
            links.append(["href": site.base + "/notice", "label": "公示榜", "current": false])
            // The county's people keep their password in the county's list, not in a village's books.
            data["me"] = ["name": session.actor, "roles": session.roles.map(\.zh).joined(separator: "、"), "csrf": session.csrf,
                          "links": links, "ownBooks": session.reach == nil] as [String: Any]
            data["csrf"] = session.csrf
        }
        return data
    }

    /// The refusal's sentence for the layout's box, with a tally sheet's refused lines.
    static func errorBox(_ error: APIError) -> [String: Any] {
        let lines = error.lines ?? []
        return ["text": error.message, "hasLines": !lines.isEmpty,
                "lines": lines.map { ["line": $0.line, "text": $0.message] as [String: Any] }]
    }

    /// The fields of an `application/x-www-form-urlencoded` body (the first of a name that comes twice).
    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decodeComponent(parts[0])
            let value = parts.count > 1 ? decodeComponent(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    static func decodeComponent(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// A form's fields (at most 1 MB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return parseForm(String(buffer: buffer))
    }

    /// The session of a form that changes something: the form's `csrf` field must be the session's token.
    static func acting(_ form: [String: String], _ context: ServerContext) throws -> Sessions.Session {
        let session = try context.requireSession()
        guard let sent = form["csrf"], JifenService.same(sent, session.csrf) else { throw APIError.csrf }
        return session
    }

    /// The session of a page request at `desk`, or 401 (to the login) or 403.
    static func at(_ desk: Desk, _ context: ServerContext) throws -> Sessions.Session {
        let session = try context.requireSession()
        guard desk.admits(session.roles) else { throw notYourDesk(desk, session) }
        return session
    }

    static func notYourDesk(_ desk: Desk, _ session: Sessions.Session) -> APIError {
        let roles = session.roles.map(\.zh).joined(separator: "、")
        let allowed = Role.allCases.filter { desk.roles.contains($0) }.map(\.zh).joined(separator: "、")
        return APIError(.forbidden, "pageNotForRole", zh: "「\(desk.label)」页面是给\(allowed)用的；你的角色是\(roles)。",
                        en: "The \(desk.rawValue) page is for \(desk.roles.map(\.rawValue).sorted().joined(separator: ", ")).")
    }

    /// A form's optional whole number: nil when empty, a refusal when it is not a number.
    static func number(_ text: String?, name: String) throws -> Int? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let number = Int(text) else {
            throw APIError.badRequest("\(name)应是整数。", "\(name) must be a whole number.")
        }
        return number
    }

    /// "+2", "-1", "0".
    static func signed(_ points: Int) -> String { points > 0 ? "+\(points)" : "\(points)" }

    /// A fresh random token for a form's `key` (an idempotency key: the same form sent twice records once).
    static func formKey() -> String { "form-" + Sessions.randomToken() }

    static func loginCookie(_ token: String, site: PageSite, clear: Bool = false) -> Cookie {
        Cookie(name: loginCookie, value: token, maxAge: clear ? 0 : nil, path: site.base + "/login", secure: site.secureCookies,
               httpOnly: true, sameSite: .strict)
    }
}

/// What the pages need of a village's books beyond the facade (`VillageBooks`): a village's SQLite file (`Ledger`)
/// and a village of a county's PostgreSQL database (`PostgresVillage`) alike.
public protocol PageBooks: VillageBooks {
    /// The last event recorded by the end of `date` in the village (Beijing time), 0 if none.
    func lastSeq(recordedBy date: LocalDate) throws -> Int64
    /// The village's own SQLite file, for what only a file has: household cards, the file's full verify and its exports.
    /// Nil for a county's village.
    var file: Ledger? { get }
}

extension Ledger: PageBooks {
    public var file: Ledger? { self }
}

extension PostgresVillage: PageBooks {
    public var file: Ledger? { nil }
}

/// The pages of one village, written once over `PageBooks`: a village's own server mounts them at its root over its
/// SQLite file, a county's server at /villages/{village} over each village of its PostgreSQL database. `reach` finds a
/// request's village and refuses a session that may not reach it, as for the API (`VillageAPI`); `site` says what the
/// pages show of it and where they are.
struct VillagePages<Books: PageBooks>: Sendable {
    let sessions: Sessions
    let settings: ServerSettings
    let reach: @Sendable (Request, ServerContext, Access) async throws -> VillageReach<Books>
    let site: @Sendable (VillageReach<Books>) async -> PageSite

    /// The request's village (refused as `reach` refuses) and its site.
    func enter(_ request: Request, _ context: ServerContext, _ access: Access) async throws -> (VillageReach<Books>, PageSite) {
        let village = try await reach(request, context, access)
        return (village, await site(village))
    }

    /// The session of the request when it may read this village's books (its own people, the county's who read it);
    /// nil for a visitor, or for someone else's session.
    func reader(_ request: Request, _ context: ServerContext) async -> Sessions.Session? {
        guard let session = context.session else { return nil }
        return (try? await reach(request, context, .read)) == nil ? nil : session
    }

    func sessionCookie(_ token: String, site: PageSite, clear: Bool = false) -> Cookie {
        Cookie(name: Authenticate.cookieName, value: token, maxAge: clear ? 0 : nil, path: site.cookiePath,
               secure: settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// The login, the home page, logout, the password and the public notice sheet; the desks are in PagesDesks.swift.
    func addPages(to router: some RouterMethods<ServerContext>) {
        let sessions = self.sessions

        router.get("/") { request, context in
            let (_, site) = try await enter(request, context, .visit)
            guard let session = await reader(request, context) else { return PageResponse.redirect(site.base + "/login") }
            guard let desk = Desk.home(of: session.roles) else { return PageResponse.redirect(site.base + "/notice") }
            return PageResponse.redirect(site.base + desk.path)
        }

        router.get("login") { request, context in
            // A village that is not there is said so (its notice board would say as much); one whose people log in
            // elsewhere refuses here (`reach`).
            let (_, site) = try await enter(request, context, .visit)
            _ = try await reach(request, context, .open)
            if let session = await reader(request, context), let desk = Desk.home(of: session.roles) {
                return PageResponse.redirect(site.base + desk.path)
            }
            return loginPage(site: site, name: "", error: nil)
        }

        router.post("login") { request, context in
            _ = try await enter(request, context, .visit)
            let (village, site) = try await enter(request, context, .open)
            let form = try await Pages.form(request)
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            let password = form["password"] ?? ""
            // Logging in needs the token the login page set in its own cookie: another site's page cannot send it.
            guard let sent = form["csrf"], let kept = request.cookies[Pages.loginCookie]?.value, !kept.isEmpty,
                  JifenService.same(sent, kept) else {
                return loginPage(site: site, name: name, error: .csrf)
            }
            let (token, session): (String, Sessions.Session)
            do {
                (token, session) = try await JifenService.logIn(name, password, in: village, sessions: sessions)
            } catch {
                return loginPage(site: site, name: name, error: APIError(error))
            }
            context.logger.info("login", metadata: ["actor": .string(session.actor), "via": "page"])
            var response = PageResponse.redirect(site.base + (Desk.home(of: session.roles)?.path ?? "/notice"))
            response.setCookie(sessionCookie(token, site: site))
            response.setCookie(Pages.loginCookie("", site: site, clear: true))
            return response
        }

        router.post("logout") { request, context in
            let (_, site) = try await enter(request, context, .visit)
            let form = try await Pages.form(request)
            _ = try Pages.acting(form, context)
            if let token = context.token { await sessions.close(token) }
            var response = PageResponse.redirect(site.base + "/login")
            response.setCookie(sessionCookie("", site: site, clear: true))
            return response
        }

        // A person changes their own password; their other sessions end.
        router.get("password") { request, context in
            let (_, site) = try await enter(request, context, .write)
            let session = try context.requireSession()
            let ok = request.uri.queryParameters["ok"] != nil ? "密码已改好；其他地方的登录已退出。" : nil
            return passwordPage(site: site, session: session, ok: ok, error: nil)
        }

        router.post("password") { request, context in
            let (village, site) = try await enter(request, context, .write)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            let (current, new) = (form["current"] ?? "", form["new"] ?? "")
            guard new == form["confirm"] else {
                return passwordPage(site: site, session: session, ok: nil, error: APIError(PasswordRefusal.mismatch))
            }
            do {
                try await village.door.hash { ledger in
                    try ledger.checkPassword(name: session.actor, password: current)
                    try ledger.setPassword(of: session.actor, to: new, by: session.actor, on: nil)
                }
            } catch {
                return passwordPage(site: site, session: session, ok: nil, error: APIError(error))
            }
            await sessions.closeAll(of: session.actor, in: session.village, keeping: context.token)
            return PageResponse.redirect(site.base + "/password?ok=1")
        }

        router.get("notice") { request, context in
            let (village, site) = try await enter(request, context, .visit)
            let period = try await village.door.read { ledger -> String in
                if let last = try ledger.notices().last { return last.notice.period }
                return String(ledger.environment.today().description.prefix(7))
            }
            return PageResponse.redirect(site.base + "/notice/\(period)")
        }

        let noticeCache = NoticeSheetCache()
        router.get("notice/:period") { request, context in
            let (village, site) = try await enter(request, context, .visit)
            guard let text = context.parameters.get("period"), let period = NoticePeriod(text) else {
                throw APIError.badRequest("公示期应写作 YYYY-MM（一个月）或 YYYY-Q1（一个季度）。", "A notice period is YYYY-MM or YYYY-Qn.")
            }
            // Someone else's session (another village's person) sees what a visitor sees.
            let reader = await reader(request, context)
            // A screen in the hall, and anyone's phone, asks for it without logging in: the page as last rendered is
            // kept while the log and the day stay the same, so that asking again costs one read of the head.
            let (head, today, posted) = try await village.door.read { ledger in
                (try ledger.head().seq, ledger.environment.today(), try ledger.notices().contains { $0.notice.period == period.label })
            }
            // Without a login, only what the board shows: a period whose notice has been posted. (A month still being
            // scored, and its notes, are for the people who keep the books.)
            if reader == nil, !posted {
                throw APIError.notFound("\(period.label) 的积分还没有公示；请看已公示的月份。",
                                        "\(period.label) has not been posted yet; look at a month that has.")
            }
            let key = NoticeSheetCache.Key(village: village.village ?? "", period: period.label, head: head, day: today.description)
            if reader == nil, let html = await noticeCache.page(key) { return PageResponse.html(html) }
            let sheet = try await village.door.read { ledger in try ledger.noticeSheet(period: period, printedOn: today) }
            let page = noticePage(sheet, site: site, session: reader)
            if reader == nil, let html = page.html { await noticeCache.keep(key, html) }
            return page.response
        }
    }

    func passwordPage(site: PageSite, session: Sessions.Session, ok: String?, error: APIError?) -> Response {
        var data = Pages.base(site: site, session: session, current: nil)
        data["minimum"] = PasswordRule.minimumLength
        if let ok { data["ok"] = ok }
        if let error { data["error"] = Pages.errorBox(error) }
        return PageResponse.render("password", data, status: error?.status ?? .ok)
    }

    /// The login form with a fresh token in its own cookie.
    func loginPage(site: PageSite, name: String, error: APIError?) -> Response {
        let token = Sessions.randomToken()
        var data = Pages.base(site: site, session: nil, current: nil)
        data["csrf"] = token
        data["name"] = name
        if let error { data["error"] = Pages.errorBox(error) }
        var response = PageResponse.render("login", data, status: error?.status ?? .ok)
        response.setCookie(Pages.loginCookie(token, site: site))
        return response
    }
}

extension JifenService {
    /// What pages know of the ledger from the start: the village's name.
    func pageSite() -> PageSite {
        let village = (try? door.ledger.info().village) ?? ""
        return PageSite(village: village, secureCookies: settings.secureCookies)
    }

    /// The village's pages at the server's root, over its one ledger.
    func pages(site: PageSite) -> VillagePages<Ledger> {
        let reach = VillageReach(door: door, writes: writes, village: nil)
        return VillagePages(sessions: sessions, settings: settings, reach: { _, context, access in
            if access == .read || access == .write { _ = try context.requireSession() }
            return reach
        }, site: { _ in site })
    }

    /// The static files every page links to.
    static func addStatic(to router: some RouterMethods<ServerContext>) {
        router.get("static/jifen.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.jifen_css)))
        }
        router.get("static/jifen.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.jifen_js)))
        }
    }
}
