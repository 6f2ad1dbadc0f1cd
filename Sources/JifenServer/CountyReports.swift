import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore
import JifenReports
import Logging
import NIOCore

/// Who reads the county's reports, and which: the county administrator reads every village; a township's auditor
/// (once the county has such logins) the villages of their townships.
public struct CountyViewer: Sendable, Equatable {
    public let name: String
    /// The townships the viewer may read; nil: the whole county and every township.
    public let townships: Set<String>?

    public init(name: String, townships: Set<String>?) {
        self.name = name
        self.townships = townships
    }

    /// Whether the viewer may read `township` (nil: the whole county).
    public func mayRead(_ township: String?) -> Bool {
        guard let townships else { return true }
        guard let township else { return false }
        return townships.contains(township)
    }
}

/// The county's reports as the county's server serves them: where the figures come from, and whom a token opens them
/// to (nil: the county administrator's token, as `GET /api/v1/villages` takes it). A county without a database (a
/// folder of SQLite files) has none.
public struct CountyReports: Sendable {
    public let source: any CountyReportSource
    public let viewer: (@Sendable (String) async throws -> CountyViewer?)?
    /// Whether the page's login cookie is marked Secure (the server is reached over https).
    public let secureCookies: Bool

    public init(source: any CountyReportSource, viewer: (@Sendable (String) async throws -> CountyViewer?)? = nil,
                secureCookies: Bool = false) {
        self.secureCookies = secureCookies
        self.source = source
        self.viewer = viewer
    }
}

/// The routes of the county's reports, added to `CountyService`'s router when it has a source of them:
///
/// - `GET /api/v1/county/report?township=&from=&to=` — `CountyReport` as JSON (a bearer token, or the page's cookie);
/// - `GET /county`, `GET /county/township/{name}` — the page: the villages' totals, the pictures (SVG drawn here, in the
///   page), the redemptions by item, and a township's joint-unit standings; Chinese, or English with `?lang=en`;
/// - `POST /county/login` (the token, typed once) and `POST /county/logout`: the page's login, kept in an HttpOnly,
///   SameSite=Strict cookie that names a login held in memory (never the token itself).
///
/// Every request asks `CountyViewer.mayRead` of the viewer its token opens: the one place a township's reach is checked.
struct CountyReportRoutes: Sendable {
    let service: CountyService
    let reports: CountyReports
    let logins: Logins
    let logger = Logger(label: "jifen.county.reports")

    static let cookie = "jifen_county"

    init(service: CountyService, reports: CountyReports) {
        self.service = service
        self.reports = reports
        logins = Logins()
    }

    /// The page's logins: a random token in the cookie names the token typed at login, for at most 12 hours. Held by
    /// the cookie's SHA-256 (as the village server's sessions are). What the login opens is asked anew of the typed
    /// token at every request (`viewer(of:)`), so that a login ends with what it was made from: a session logged out,
    /// idle too long or whose person was retired or given a new password; an administrator's token changed.
    final class Logins: @unchecked Sendable {
        // `held` is read and changed only under `lock` (hence `@unchecked Sendable`).
        private let lock = NSLock()
        private var held: [Data: (typed: String, until: Date)] = [:]
        static let length: TimeInterval = 12 * 3600

        func open(_ typed: String, now: Date) -> String {
            let token = Ledger.randomToken()
            lock.withLock {
                held = held.filter { $0.value.until > now }
                held[CountyService.TrustedKeys.digest(token)] = (typed, now.addingTimeInterval(Self.length))
            }
            return token
        }

        func typed(_ token: String, now: Date) -> String? {
            lock.withLock { held[CountyService.TrustedKeys.digest(token)].flatMap { $0.until > now ? $0.typed : nil } }
        }

        func close(_ token: String) { _ = lock.withLock { held.removeValue(forKey: CountyService.TrustedKeys.digest(token)) } }
    }

    /// The viewer a token opens: the one `reports.viewer` finds, else the county administrator's.
    func viewer(token: String) async throws -> CountyViewer? {
        if let find = reports.viewer { return try await find(token) }
        let chains = service.chains, trusted = service.trusted
        let administrator = try await service.blocking {
            guard let hash = try chains.adminTokenHash() else { return false }
            if trusted.contains(token, subject: "", hash: hash) { return true }
            guard SyncKeys.matches(token, hash: hash) else { return false }
            trusted.add(token, subject: "", hash: hash)
            return true
        }
        return administrator ? CountyViewer(name: "county", townships: nil) : nil
    }

    /// The viewer of a request: its bearer token's, or its page login's.
    func viewer(of request: Request) async throws -> CountyViewer? {
        if let token = CountyService.bearer(request) { return try await viewer(token: token) }
        if let login = request.cookies[Self.cookie]?.value, !login.isEmpty, let typed = logins.typed(login, now: service.now()) {
            return try await viewer(token: typed)
        }
        return nil
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("api/v1/county/report") { request, _ -> Response in
            let chinese = request.uri.queryParameters.get("lang") != "en"
            guard let viewer = try await viewer(of: request) else { return Self.problem(.unauthorized, "unauthorized", chinese) }
            switch try await figures(request, township: request.uri.queryParameters.get("township").flatMap { $0.isEmpty ? nil : $0 },
                                     viewer: viewer) {
            case .success(let report): return CountyService.json(.ok, report)
            case .failure(let refusal): return Self.problem(refusal.status, refusal.code, chinese)
            }
        }
        router.get("county") { request, _ in try await page(request, township: nil) }
        router.get("county/township/:name") { request, context in
            // The name as typed (a township's name is Chinese: its path is percent-encoded).
            let name = context.parameters.get("name") ?? ""
            return try await page(request, township: Composed.text(name.removingPercentEncoding ?? name))
        }
        router.post("county/login") { request, _ -> Response in
            guard Self.sameSite(request) else { return Self.problem(.forbidden, "crossSite", true) }
            let form = try await Pages.form(request)
            let chinese = form["lang"] != "en"
            guard let token = form["token"]?.trimmingCharacters(in: .whitespaces), !token.isEmpty,
                  try await viewer(token: token) != nil else {
                return Self.html(.unauthorized, CountyPage.login(chinese: chinese, failed: true))
            }
            var response = Response(status: .seeOther, headers: [.location: chinese ? "/county" : "/county?lang=en"])
            response.setCookie(loginCookie(logins.open(token, now: service.now())))
            return Self.secured(response)
        }
        router.post("county/logout") { request, _ -> Response in
            guard Self.sameSite(request) else { return Self.problem(.forbidden, "crossSite", true) }
            if let login = request.cookies[Self.cookie]?.value { logins.close(login) }
            var response = Response(status: .seeOther, headers: [.location: "/county"])
            response.setCookie(loginCookie("", clear: true))
            return Self.secured(response)
        }
    }

    func loginCookie(_ token: String, clear: Bool = false) -> Cookie {
        Cookie(name: Self.cookie, value: token, maxAge: clear ? 0 : Int(Logins.length), path: "/", secure: reports.secureCookies,
               httpOnly: true, sameSite: .strict)
    }

    /// Whether a POST comes from the county's own page: a browser names the site a form was sent from (Sec-Fetch-Site,
    /// else Origin); another site's page may not log a browser in or out (SameSite keeps the cookie from being sent
    /// across sites, not from being set).
    static func sameSite(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] { return site == "same-origin" || site == "none" }
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return true }
        guard let host = request.head.authority else { return false }
        return URLComponents(string: origin).map { components in
            let port = components.port.map { ":\($0)" } ?? ""
            return "\(components.host ?? "")\(port)" == host
        } ?? false
    }

    /// Why a report was refused.
    struct Refusal: Error {
        let status: HTTPResponse.Status
        let code: String
    }

    /// The report a request asks for, if its viewer may read it.
    func figures(_ request: Request, township: String?, viewer: CountyViewer) async throws -> Result<CountyReport, Refusal> {
        guard viewer.mayRead(township) else { return .failure(Refusal(status: .forbidden, code: "notYourTownship")) }
        let parameters = request.uri.queryParameters
        var dates: [LocalDate?] = []
        for name in ["from", "to"] {
            guard let value = parameters.get(name), !value.isEmpty else {
                dates.append(nil)
                continue
            }
            guard let date = LocalDate(value) else { return .failure(Refusal(status: .badRequest, code: "badDate")) }
            dates.append(date)
        }
        // Without dates: the year to today; with the last alone, its year to it; with the first alone, to today.
        let to = dates[1] ?? LedgerEnvironment(now: service.now, newId: { "" }).today()
        let from = dates[0] ?? LocalDate(year: to.year, month: 1, day: 1) ?? to
        guard from <= to else { return .failure(Refusal(status: .badRequest, code: "badDate")) }
        let query = CountyReportQuery(township: township, dates: from...to)
        let source = reports.source
        do {
            if let township {
                let known = try await service.blocking { try source.reportTownships() }
                guard known.contains(township) else { return .failure(Refusal(status: .notFound, code: "noTownship")) }
            }
            return .success(try await service.blocking { try source.report(query) })
        } catch {
            // The database out of reach, or a village's chain that does not fold: said, and logged with what it was.
            logger.error("county report failed", metadata: ["error": .string(String(describing: error))])
            return .failure(Refusal(status: .serviceUnavailable, code: "failed"))
        }
    }

    func page(_ request: Request, township: String?) async throws -> Response {
        let chinese = request.uri.queryParameters.get("lang") != "en"
        guard let viewer = try await viewer(of: request) else { return Self.html(.ok, CountyPage.login(chinese: chinese, failed: false)) }
        // An auditor of one township goes to its page.
        if township == nil, let townships = viewer.townships {
            guard townships.count == 1, let only = townships.first else {
                return Self.html(.ok, CountyPage.townships(townships.sorted(), chinese: chinese))
            }
            return Self.secured(Response(status: .seeOther, headers: [.location: CountyPage.townshipPath(only, chinese: chinese)]))
        }
        switch try await figures(request, township: township, viewer: viewer) {
        case .success(let report):
            let source = reports.source
            var townships = viewer.townships.map { $0.sorted() } ?? []
            if viewer.townships == nil { townships = try await service.blocking { try source.reportTownships() } }
            return Self.html(.ok, CountyPage.report(report, townships: townships, chinese: chinese))
        case .failure(let refusal):
            return Self.html(refusal.status, CountyPage.message(refusal.code, chinese: chinese))
        }
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ chinese: Bool) -> Response {
        let (zh, en) = CountyPage.words(code)
        return secured(CountyService.answer(status, CountyService.Problem(error: code, message: en, zh: zh)))
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        secured(Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                         body: .init(byteBuffer: ByteBuffer(string: text))))
    }

    /// The single-ledger server's headers (`Guard.securityHeaders`: no script, no frame, nothing from elsewhere).
    static func secured(_ response: Response) -> Response {
        var response = response
        for field in Guard.securityHeaders where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }
}

/// The county's page, as HTML text: no script, its style in the page, its pictures inline SVG.
enum CountyPage {
    static func words(_ code: String) -> (zh: String, en: String) {
        switch code {
        case "unauthorized": return ("需要县级管理员的令牌。", "The county administrator's token is needed.")
        case "crossSite": return ("只能从县里自己的页面登录或退出；请打开本服务器的 /county 再试。",
                                  "Log in and out from the county's own page only: open /county on this server and try again.")
        case "notYourTownship": return ("无权查看这个乡镇（或全县）的报表。", "You may not read this township's (or the county's) report.")
        case "badDate": return ("日期应写成 2025-03-01，且起始不晚于截止。", "Dates are written 2025-03-01, the first not after the last.")
        case "noTownship": return ("没有这个乡镇。", "There is no such township.")
        default: return ("暂时无法生成报表（数据库无法访问，或某村的账链有问题）；请稍后再试，并告知管理员。",
                         "The report could not be made (the database is out of reach, or a village's chain is damaged); try again later, and tell the administrator.")
        }
    }

    static let style = """
        body{font-family:sans-serif;margin:0;color:#111;background:#fff;line-height:1.45}
        header{background:#1f4e79;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
        header a,header button{color:#fff}
        header form{margin:0 0 0 auto}
        main{padding:0 1rem 2rem;max-width:72rem}
        h1{font-size:1.35rem;margin:1rem 0 .3rem}
        h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}
        th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
        td.n,th.n{text-align:right}
        tfoot td{font-weight:bold;border-top:2px solid #555}
        figure{margin:1rem 0;break-inside:avoid}
        form.period{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
        button{font:inherit;padding:.3rem .8rem}
        button.link{background:none;border:none;text-decoration:underline;cursor:pointer;padding:0}
        .hint{color:#555}
        .townships a{display:inline-block;margin:0 .8rem .4rem 0}
        @media print{header form,form.period,nav{display:none}header{background:none;color:#111}header a{color:#111}main{max-width:none}}
        """

    static func document(_ title: String, chinese: Bool, header: String = "", body: String) -> String {
        """
        <!doctype html>
        <html lang="\(chinese ? "zh-CN" : "en")">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        <header><strong>\(chinese ? "县积分报表" : "County points report")</strong>\(header)</header>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    static func login(chinese: Bool, failed: Bool) -> String {
        let body = """
            <h1>\(chinese ? "登录" : "Log in")</h1>
            \(failed ? "<p role=\"alert\">\(chinese ? "令牌不对。" : "That token is not right.")</p>" : "")
            <form method="post" action="/county/login">
            <input type="hidden" name="lang" value="\(chinese ? "zh" : "en")">
            <label for="token">\(chinese ? "县级管理员令牌" : "County administrator's token")</label>
            <input id="token" name="token" type="password" required autocomplete="current-password">
            <button type="submit">\(chinese ? "登录" : "Log in")</button>
            </form>
            <p class="hint">\(chinese ? "令牌只输入一次；本浏览器记住登录 12 小时。" : "The token is typed once; this browser stays logged in for 12 hours.")</p>
            """
        return document(chinese ? "登录 · 县积分报表" : "Log in · County report", chinese: chinese, body: body)
    }

    static func message(_ code: String, chinese: Bool) -> String {
        let (zh, en) = words(code)
        return document(chinese ? "县积分报表" : "County report", chinese: chinese, header: navigation([], chinese: chinese),
                        body: "<p role=\"alert\">\(escape(chinese ? zh : en))</p>")
    }

    static func townships(_ names: [String], chinese: Bool) -> String {
        let list = names.map { "<li><a href=\"\(townshipPath($0, chinese: chinese))\">\(escape($0))</a></li>" }.joined()
        return document(chinese ? "县积分报表" : "County report", chinese: chinese, header: navigation([], chinese: chinese),
                        body: "<h1>\(chinese ? "乡镇" : "Townships")</h1><ul>\(list)</ul>")
    }

    static func townshipPath(_ name: String, chinese: Bool) -> String {
        "/county/township/" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name) + (chinese ? "" : "?lang=en")
    }

    static func navigation(_ townships: [String], chinese: Bool) -> String {
        var links = ["<a href=\"/county\(chinese ? "" : "?lang=en")\">\(chinese ? "全县" : "County")</a>"]
        links += townships.map { "<a href=\"\(townshipPath($0, chinese: chinese))\">\(escape($0))</a>" }
        return """
            <nav>\(links.joined(separator: " "))</nav>
            <form method="post" action="/county/logout"><button type="submit" class="link">\(chinese ? "退出" : "Log out")</button></form>
            """
    }

    static func report(_ report: CountyReport, townships: [String], chinese: Bool) -> String {
        let scope = report.township ?? (chinese ? "全县" : "County")
        let action = report.township.map { townshipPath($0, chinese: true) } ?? "/county"
        var body = """
            <h1>\(escape(scope))\(chinese ? "积分报表" : " points report")</h1>
            <form class="period" method="get" action="\(action)">
            \(chinese ? "" : "<input type=\"hidden\" name=\"lang\" value=\"en\">")
            <label>\(chinese ? "从" : "From") <input type="date" name="from" value="\(report.from)"></label>
            <label>\(chinese ? "至" : "to") <input type="date" name="to" value="\(report.to)"></label>
            <button type="submit">\(chinese ? "查看" : "Show")</button>
            </form>
            <p class="hint">\(chinese ? "各村合计为截至目前的全部账目；每月、各村、商品与联户评比为 \(report.from) 至 \(report.to)。"
                                  : "Village totals are over every entry to date; months, villages, items and standings over \(report.from) to \(report.to).")</p>

            """
        // The townships the viewer may read, each a link to its page (in the page rather than its header: a county
        // may have dozens).
        if report.township == nil && !townships.isEmpty {
            body += "<h2>\(chinese ? "乡镇" : "Townships")</h2>\n<p class=\"townships\">"
                + townships.map { "<a href=\"\(townshipPath($0, chinese: chinese))\">\(escape($0))</a>" }.joined(separator: " ") + "</p>\n"
        }
        // The pictures first, then the tables: a county's table of villages may run to thousands of rows.
        body += "<figure>\(CountyCharts.monthly(report, chinese: chinese))</figure>\n"
        body += "<figure>\(CountyCharts.villages(report, chinese: chinese))</figure>\n"
        body += "<figure>\(CountyCharts.items(report, chinese: chinese))</figure>\n"
        if report.township != nil {
            body += "<h2>\(chinese ? "联户评比（按户均生效积分）" : "Joint-unit standings (average final points per household)")</h2>\n"
            body += standings(report, chinese: chinese)
        }
        body += "<h2>\(chinese ? "各村合计" : "Village totals")</h2>\n" + totals(report, chinese: chinese)
        body += "<h2>\(chinese ? "按商品兑换" : "Redemptions by item")</h2>\n" + items(report, chinese: chinese)
        return document("\(scope) · \(chinese ? "县积分报表" : "County report")", chinese: chinese,
                        header: navigation(report.township.map { [$0] } ?? [], chinese: chinese),
                        body: body)
    }

    /// A table: `numeric` columns aligned right.
    static func table(_ headers: [String], numeric: Set<Int>, rows: [[String]], footer: [String]? = nil) -> String {
        func cells(_ values: [String], tag: String) -> String {
            values.enumerated().map { "<\(tag)\(numeric.contains($0.offset) ? " class=\"n\"" : "")>\(escape($0.element))</\(tag)>" }.joined()
        }
        var html = "<div class=\"scroll\"><table>\n<thead><tr>\(cells(headers, tag: "th"))</tr></thead>\n<tbody>\n"
        for row in rows { html += "<tr>\(cells(row, tag: "td"))</tr>\n" }
        html += "</tbody>\n"
        if let footer { html += "<tfoot><tr>\(cells(footer, tag: "td"))</tr></tfoot>\n" }
        return html + "</table></div>\n"
    }

    static func totals(_ report: CountyReport, chinese: Bool) -> String {
        let headers = chinese ? ["村", "代码", "乡镇", "在册户", "发放", "扣减", "兑换", "清零", "积分余额", "事件数"]
            : ["Village", "Code", "Township", "Households", "Awarded", "Deducted", "Redeemed", "Expired", "Balance", "Events"]
        func row(_ v: VillageTotals, name: String) -> [String] {
            [name, v.village, v.township ?? "", "\(v.households)", "\(v.awarded)", "\(v.deducted)", "\(v.redeemed)", "\(v.expired)",
             "\(v.balance)", "\(v.events)"]
        }
        let rows = report.villages.map { row($0, name: $0.name ?? "") }
        var footer = row(report.total, name: chinese ? "合计（\(report.villages.count) 村）" : "Total (\(report.villages.count))")
        footer[1] = ""
        footer[2] = ""
        return table(headers, numeric: [3, 4, 5, 6, 7, 8, 9], rows: rows, footer: footer)
    }

    static func standings(_ report: CountyReport, chinese: Bool) -> String {
        guard !report.standings.isEmpty else { return "<p class=\"hint\">\(chinese ? "这期间没有联户。" : "No joint units in this period.")</p>\n" }
        let headers = chinese ? ["名次", "村", "联户", "名称", "联户长", "户数", "积分", "户均"]
            : ["Rank", "Village", "Unit", "Name", "Leader", "Households", "Points", "Average"]
        let rows = report.standings.map { s in
            ["\(s.rank)", s.villageName ?? s.village, s.unit, s.name, [s.leader, s.leaderHead].compactMap { $0 }.joined(separator: " "),
             "\(s.households)", "\(s.points)", tenths(s.tenths)]
        }
        return table(headers, numeric: [0, 5, 6, 7], rows: rows)
    }

    static func items(_ report: CountyReport, chinese: Bool) -> String {
        guard !report.items.isEmpty else { return "<p class=\"hint\">\(chinese ? "这期间没有兑换。" : "No redemptions in this period.")</p>\n" }
        let headers = chinese ? ["商品", "代码", "次数", "数量", "积分"] : ["Item", "Code", "Redemptions", "Quantity", "Points"]
        return table(headers, numeric: [2, 3, 4], rows: report.items.map { [$0.name, $0.item, "\($0.count)", "\($0.quantity)", "\($0.points)"] })
    }

    /// Tenths as one decimal: 123 → "12.3", -5 → "-0.5" (as the village's standings print an average).
    static func tenths(_ value: Int) -> String {
        let sign = value < 0 ? "-" : ""
        return "\(sign)\(abs(value) / 10).\(abs(value) % 10)"
    }

    /// Text as HTML character data or an attribute's value: the pictures' own escaping.
    static func escape(_ text: String) -> String { CountyCharts.SVG.escape(text) }
}
