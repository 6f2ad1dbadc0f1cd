import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore
import JifenPostgres

// The pages of a county's server (`jifen serve --postgres`): each village's pages under /villages/{village}/ — the same
// pages as a village's own server (`VillagePages`, over `PostgresVillage`) — and at / a page that lists nothing secret:
// a village's people are sent to their village's login, and the county's people (its administrator, a township's
// auditors) log in there and see the villages they may read, whose audit desks they read.

extension CountyVillagesService {
    func addPages(to router: Router<ServerContext>) {
        let sessions = self.sessions, settings = self.settings, villages = self.villages, county = self.county
        JifenService.addStatic(to: router)
        let pages = VillagePages<PostgresVillage>(sessions: sessions, settings: settings, reach: { request, context, access in
            try await Self.reach(request, context, access, villages: villages)
        }, site: { village in
            let code = village.village ?? ""
            // The village's name as its books were opened with; its code when that cannot be read.
            let name = (try? await village.door.read { books in try books.readBooks { $0.ledger()?.village } }) ?? nil
            return PageSite(village: name ?? code, secureCookies: settings.secureCookies, base: "/villages/\(code)")
        })
        let group = router.group("villages/:village")
        pages.addPages(to: group)
        pages.addDesks(to: group)
        pages.addHousehold(to: group)

        let site = PageSite(village: "县里", secureCookies: settings.secureCookies)

        router.get("/") { request, context in
            // A village's code typed in the form: to its login.
            if let typed = request.uri.queryParameters["village"].map(String.init)?.trimmingCharacters(in: .whitespaces), !typed.isEmpty {
                return PageResponse.redirect("/villages/\(JifenService.queryValue(typed))/login")
            }
            guard let session = context.session else { return Self.homePage(site: site, name: "", error: nil) }
            // A village's person: their village's pages.
            if let village = session.village { return PageResponse.redirect("/villages/\(JifenService.queryValue(village))/") }
            let all = try await villages.pools.work.runIfActive { try county.villages() }
            let seen = all.filter { head in
                switch session.reach {
                case .administrator?: true
                case .township(let name)?: head.township == name
                case nil: false
                }
            }
            var data = Pages.base(site: site, session: nil, current: nil)
            let reach = switch session.reach {
            case .administrator?: "县管理员"
            case .township(let name)?: "\(name)审计员"
            case nil: ""
            }
            data["county"] = ["name": session.actor, "reach": reach, "csrf": session.csrf, "hasVillages": !seen.isEmpty,
                              "villages": seen.map { ["code": $0.village, "township": $0.township ?? "", "events": $0.seq] as [String: Any] }]
                as [String: Any]
            return PageResponse.render("villages", data)
        }

        router.get("login") { _, context in
            if context.session != nil { return PageResponse.redirect("/") }
            return Self.homePage(site: site, name: "", error: nil)
        }

        router.post("login") { request, context in
            let form = try await Pages.form(request)
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            let password = form["password"] ?? ""
            guard let sent = form["csrf"], let kept = request.cookies[Pages.loginCookie]?.value, !kept.isEmpty,
                  JifenService.same(sent, kept) else {
                return Self.homePage(site: site, name: name, error: .csrf)
            }
            let person: CountyPerson
            do {
                person = try await villages.pools.hash {
                    try county.checkPerson(name: name, password: password, now: villages.environment.now().timeIntervalSince1970)
                }
            } catch {
                return Self.homePage(site: site, name: name, error: APIError(error))
            }
            let (token, session) = await sessions.open(actor: person.name, roles: Self.roles(of: person), mark: person.mark,
                                                       reach: Self.reach(of: person))
            context.logger.info("login", metadata: ["actor": .string(session.actor), "via": "page"])
            var response = PageResponse.redirect("/")
            response.setCookie(JifenService.sessionCookie(token, settings: settings))
            response.setCookie(Pages.loginCookie("", site: site, clear: true))
            return response
        }

        router.post("logout") { request, context in
            let form = try await Pages.form(request)
            _ = try Pages.acting(form, context)
            if let token = context.token { await sessions.close(token) }
            var response = PageResponse.redirect("/")
            response.setCookie(JifenService.sessionCookie("", clear: true, settings: settings))
            return response
        }
    }

    /// The county's home page for a visitor: a village's code to go to its login, and the county's people's login form
    /// with a fresh token in its own cookie.
    static func homePage(site: PageSite, name: String, error: APIError?) -> Response {
        let token = Sessions.randomToken()
        var data = Pages.base(site: site, session: nil, current: nil)
        data["csrf"] = token
        data["name"] = name
        data["code"] = ""
        if let error { data["error"] = Pages.errorBox(error) }
        var response = PageResponse.render("villages", data, status: error?.status ?? .ok)
        response.setCookie(Pages.loginCookie(token, site: site))
        return response
    }

    /// A refusal of a page request on the county's server, as a page: under /villages/{village}/ as that village's
    /// pages say it (a person not logged in is sent to its login); at / and its login as the county's page; elsewhere
    /// (the API, the county's reports) nil, as JSON.
    static func pageRefusal(_ error: APIError, _ request: Request, _ context: ServerContext, settings: ServerSettings) -> Response? {
        let parts = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count >= 2, parts[0] == "villages" {
            let code = String(parts[1]).removingPercentEncoding ?? String(parts[1])
            let site = PageSite(village: code, secureCookies: settings.secureCookies, base: "/villages/\(JifenService.queryValue(code))")
            // Another village's session, or the county's, is not shown as if it were this village's.
            let session = context.session.flatMap { $0.village == code ? $0 : nil }
            return PageResponse.refusal(error, site: site, session: session)
        }
        if parts.isEmpty || parts == ["login"] || parts == ["logout"] {
            return PageResponse.refusal(error, site: PageSite(village: "县里", secureCookies: settings.secureCookies), session: nil)
        }
        return nil
    }
}
