import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenServer
import Testing

/// A browser's side of the pages: its cookie, and the CSRF token of the last page it read.
struct Browser {
    let client: any TestClientProtocol
    var session: String?

    init(_ client: any TestClientProtocol) { self.client = client }

    /// Logs `name` in through the login form, as a browser does: reads the form (and its cookie), sends it back.
    /// `base`: where the village's pages are ("/villages/CODE" on a county's server).
    mutating func logIn(_ name: String, password: String = Harness.password, at base: String = "") async throws -> TestResponse {
        let form = try await client.execute(uri: base + "/login", method: .get, headers: [:], body: nil)
        let token = try #require(form.cookie("jifen_login"), "the login page sets its cookie")
        #expect(form.html.csrf == token)
        let response = try await client.execute(uri: base + "/login", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded",
                                                          .cookie: "\("jifen_login")=\(token)"],
                                                body: Browser.encode(["csrf": token, "name": name, "password": password]))
        if let value = response.cookie("jifen_session"), !value.isEmpty { session = value }
        return response
    }

    func get(_ uri: String) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let session { headers[.cookie] = "jifen_session=\(session)" }
        return try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
    }

    /// Sends a form; `csrf` nil sends it without the field.
    func post(_ uri: String, _ fields: [String: String]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let session { headers[.cookie] = "jifen_session=\(session)" }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: Browser.encode(fields))
    }

    /// The CSRF token of the page at `uri`.
    func csrf(of uri: String) async throws -> String {
        let page = try await get(uri)
        return try #require(page.html.csrf, "\(uri) carries a CSRF token")
    }

    static func encode(_ fields: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.sorted { $0.key < $1.key }.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        return ByteBuffer(string: text)
    }
}

extension TestResponse {
    var html: String { String(buffer: body) }

    /// The value a Set-Cookie of this response gives `name`.
    func cookie(_ name: String) -> String? {
        for field in headers[values: .setCookie] where field.hasPrefix("\(name)=") {
            return String(field.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return nil
    }

    var location: String? { headers[.location] }
}

extension String {
    /// The first hidden `csrf` field's value.
    var csrf: String? {
        guard let range = range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(self[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The page's text as a person reads it: HTML's escapes turned back into characters.
    var unescaped: String {
        replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// Who may use which desk, as the pages are meant to be used.
private let desks: [(path: String, people: Set<String>)] = {
    let p = Harness.people
    return [("/clerk", [p.clerk, p.leader]), ("/review", [p.reviewer]), ("/shop", [p.shopkeeper]), ("/audit", [p.auditor, p.admin])]
}()

private let everyone: [String] = {
    let p = Harness.people
    return [p.admin, p.clerk, p.reviewer, p.shopkeeper, p.leader, p.auditor]
}()

@Suite("Pages: login") struct PageLoginTests {
    @Test func eachPersonLogsInAndIsSentToTheirDesk() async throws {
        let harness = try Harness()
        try await harness.test { client in
            for name in everyone {
                var browser = Browser(client)
                let response = try await browser.logIn(name)
                #expect(response.status == .seeOther, "\(name)")
                let desk = try #require(desks.first { $0.people.contains(name) }, "\(name) has a desk")
                #expect(response.location == desk.path, "\(name)")
                let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("jifen_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
                // The home page sends them to the same desk, and the desk renders with their name.
                #expect(try await browser.get("/").location == desk.path)
                let page = try await browser.get(desk.path)
                #expect(page.status == .ok, "\(name) \(desk.path)")
                #expect(page.html.contains(name))
            }
        }
    }

    @Test func aWrongPasswordShowsTheSentenceAndOpensNothing() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var browser = Browser(client)
            let response = try await browser.logIn(Harness.people.clerk, password: "not it at all")
            #expect(response.status == .unauthorized)
            #expect(response.cookie("jifen_session") == nil)
            #expect(response.html.contains(PasswordRefusal.wrong.chinese))
            // The name typed stays in the form; the password does not.
            #expect(response.html.contains("value=\"\(Harness.people.clerk)\""))
            #expect(!response.html.contains("not it at all"))
        }
    }

    @Test func aLoginFormFromElsewhereIsRefused() async throws {
        let harness = try Harness()
        try await harness.test { client in
            // Without the login page's cookie (another site's form), and with a token that is not the cookie's.
            let bare = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: Browser.encode(["csrf": "x", "name": Harness.people.clerk, "password": Harness.password]))
            let forged = try await client.execute(uri: "/login", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "jifen_login=abc"],
                                                  body: Browser.encode(["csrf": "abd", "name": Harness.people.clerk, "password": Harness.password]))
            for response in [bare, forged] {
                #expect(response.status == .forbidden)
                #expect(response.cookie("jifen_session") == nil)
                #expect(response.html.contains("页面已过期或来源不明"))
            }
        }
    }

    @Test func withoutASessionEveryPageSendsToTheLogin() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let browser = Browser(client)
            for path in ["/"] + desks.map(\.path) + ["/audit/export.csv", "/audit/export.jsonl"] {
                let response = try await browser.get(path)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.location == "/login", "\(path)")
            }
            // A form sent without a session goes to the login too, and writes nothing.
            let head = try harness.ledger.head()
            let response = try await browser.post("/clerk/score", ["csrf": "x", "household": "H001", "rule": "A1.2"])
            #expect(response.location == "/login")
            #expect(try harness.ledger.head() == head)
        }
    }

    @Test func logoutEndsTheSession() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.clerk)
            let csrf = try await browser.csrf(of: "/clerk")
            // Without the token the logout is refused and the session stays.
            #expect(try await browser.post("/logout", [:]).status == .forbidden)
            #expect(try await browser.get("/clerk").status == .ok)
            let out = try await browser.post("/logout", ["csrf": csrf])
            #expect(out.location == "/login")
            #expect(out.headers[values: .setCookie].contains { $0.hasPrefix("jifen_session=;") || $0.hasPrefix("jifen_session=") && $0.contains("Max-Age=0") })
            #expect(try await browser.get("/clerk").location == "/login")
        }
    }
}

@Suite("Pages: one's own password") struct PagePasswordTests {
    @Test func aPersonChangesTheirOwnPasswordAndTheirOtherSessionsEnd() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var phone = Browser(client)
            _ = try await phone.logIn(Harness.people.clerk)
            var office = Browser(client)
            _ = try await office.logIn(Harness.people.clerk)
            let page = try await phone.get("/password")
            #expect(page.status == .ok)
            let csrf = try #require(page.html.csrf)
            // Two different new passwords, and a wrong current one: refused on the page, the old password still opens.
            let mismatch = try await phone.post("/password", ["csrf": csrf, "current": Harness.password, "new": "new secret 42", "confirm": "new secret 43"])
            #expect(mismatch.html.unescaped.contains(PasswordRefusal.mismatch.chinese))
            let wrong = try await phone.post("/password", ["csrf": csrf, "current": "not the one", "new": "new secret 42", "confirm": "new secret 42"])
            #expect(wrong.html.unescaped.contains(PasswordRefusal.wrong.chinese))
            #expect(try await phone.post("/password", ["current": Harness.password, "new": "new secret 42", "confirm": "new secret 42"]).status == .forbidden)
            #expect(try await office.get("/clerk").status == .ok)

            let changed = try await phone.post("/password", ["csrf": csrf, "current": Harness.password, "new": "new secret 42", "confirm": "new secret 42"])
            #expect(changed.location == "/password?ok=1", "\(changed.html)")
            #expect(try await phone.get("/clerk").status == .ok)
            #expect(try await office.get("/clerk").location == "/login")
            var again = Browser(client)
            #expect(try await again.logIn(Harness.people.clerk).status == .unauthorized)
            #expect(try await again.logIn(Harness.people.clerk, password: "new secret 42").location == "/clerk")
        }
    }
}

@Suite("Pages: desks") struct PageDeskTests {
    @Test func eachDeskRendersForItsRolesAndRefusesOthers() async throws {
        let harness = try Harness()
        try await harness.test { client in
            for name in everyone {
                var browser = Browser(client)
                _ = try await browser.logIn(name)
                for desk in desks {
                    let page = try await browser.get(desk.path)
                    if desk.people.contains(name) {
                        #expect(page.status == .ok, "\(name) \(desk.path)")
                        #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                        #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                        #expect(page.html.csrf != nil, "\(desk.path) carries the CSRF token")
                    } else {
                        #expect(page.status == .forbidden, "\(name) \(desk.path)")
                        #expect(page.html.contains("页面是给"), "\(name) \(desk.path): a page that says why")
                    }
                }
            }
        }
    }

    /// A form of another desk is refused before anything is read or written, even with the person's own token.
    @Test func eachDesksFormsRefuseOthers() async throws {
        let harness = try Harness()
        let forms: [(desk: String, uri: String, fields: [String: String])] = [
            ("/clerk", "/clerk/score", ["household": "H001", "rule": "A1.2"]),
            ("/review", "/review/approve", ["seq": "1"]),
            ("/review", "/review/reject", ["seq": "1", "reason": "不符"]),
            ("/review", "/review/objection", ["seq": "1", "resolution": "uphold", "reason": "属实"]),
            ("/review", "/review/notice", ["period": "2025-12", "action": "open"]),
            ("/shop", "/shop/redeem", ["household": "H001", "item": "SALT"]),
        ]
        try await harness.test { client in
            let head = try harness.ledger.head()
            for name in everyone {
                var browser = Browser(client)
                _ = try await browser.logIn(name)
                let own = try await browser.csrf(of: "/password")
                for form in forms {
                    guard let desk = desks.first(where: { $0.path == form.desk }), !desk.people.contains(name) else { continue }
                    var fields = form.fields
                    fields["csrf"] = own
                    let response = try await browser.post(form.uri, fields)
                    #expect(response.status == .forbidden, "\(name) \(form.uri)")
                    #expect(response.html.contains("页面是给"), "\(name) \(form.uri)")
                }
            }
            #expect(try harness.ledger.head() == head)
        }
    }

    @Test func aScoreFromTheClerksFormIsTheSessionsPersons() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.clerk)
            let csrf = try await browser.csrf(of: "/clerk")
            // A name in the form changes nothing: there is no such field, and one sent is ignored.
            let response = try await browser.post("/clerk/score", ["csrf": csrf, "household": "H003", "rule": "A1.2", "note": "院坝会",
                                                                   "date": "2026-01-14", "actor": Harness.people.reviewer, "by": Harness.people.admin])
            #expect(response.status == .seeOther, "\(response.html)")
            let location = try #require(response.location)
            #expect(location.hasPrefix("/clerk?done="))
            let seq = try #require(Int64(location.dropFirst("/clerk?done=".count)))
            let recorded = try #require(try harness.ledger.logPage(from: seq, limit: 1).first)
            #expect(recorded.actor.rawValue == Harness.people.clerk)
            #expect(recorded.event.household?.rawValue == "H003")
            #expect(recorded.occurredOn.description == "2026-01-14")
            // The page it leads to lists it among today's entries.
            let page = try await browser.get(location)
            #expect(page.html.contains("已记入第 \(seq) 号"))
            #expect(page.html.contains("<td>\(seq)</td>"))
        }
    }

    @Test func aHouseholdCanBeNamedByItsHead() async throws {
        let harness = try Harness()
        let household = try #require(try harness.ledger.households().first { account in
            try harness.ledger.households().filter { $0.head == account.head }.count == 1
        })
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.clerk)
            let csrf = try await browser.csrf(of: "/clerk")
            let response = try await browser.post("/clerk/score", ["csrf": csrf, "household": household.head, "rule": "A1.2"])
            let seq = try #require(response.location.flatMap { Int64($0.dropFirst("/clerk?done=".count)) }, "\(response.html)")
            #expect(try harness.ledger.logPage(from: seq, limit: 1).first?.event.household == household.code)
        }
    }

    @Test func aFormWithoutOrWithAWrongTokenIsRefusedAndWritesNothing() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var clerk = Browser(client)
            _ = try await clerk.logIn(Harness.people.clerk)
            var reviewer = Browser(client)
            _ = try await reviewer.logIn(Harness.people.reviewer)
            var shopkeeper = Browser(client)
            _ = try await shopkeeper.logIn(Harness.people.shopkeeper)
            // Another person's token is as wrong as a made-up one.
            let others = try await reviewer.csrf(of: "/review")
            let head = try harness.ledger.head()
            let forms: [(Browser, String, [String: String])] = [
                (clerk, "/clerk/score", ["household": "H001", "rule": "A1.2"]),
                (reviewer, "/review/notice", ["period": "2025-12", "action": "open"]),
                (reviewer, "/review/approve", ["seq": "1"]),
                (shopkeeper, "/shop/redeem", ["household": "H001", "item": "SALT", "quantity": "1"]),
            ]
            for (browser, uri, fields) in forms {
                for token in [nil, "", "wrong-token", others] where !(token == others && uri.hasPrefix("/review")) {
                    var sent = fields
                    if let token { sent["csrf"] = token }
                    let response = try await browser.post(uri, sent)
                    #expect(response.status == .forbidden, "\(uri) with \(token ?? "no token"): \(response.status)")
                    #expect(response.html.contains("页面已过期或来源不明"), "\(uri)")
                }
            }
            #expect(try harness.ledger.head() == head)
        }
    }

    @Test func aRefusalIsShownAsItsSentenceWithTheFormKept() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.clerk)
            let csrf = try await browser.csrf(of: "/clerk")
            let head = try harness.ledger.head()
            // A deduction without a note.
            let response = try await browser.post("/clerk/score", ["csrf": csrf, "household": "H002", "rule": "A1.3", "points": ""])
            #expect(response.status == .unprocessableContent)
            let sentence = Rejection.noteRequiredForDeduction(RuleCode(rawValue: "A1.3")).chinese(how: nil)
            #expect(response.html.unescaped.contains(sentence))
            #expect(response.html.contains("value=\"H002\""))
            #expect(response.html.contains("<option value=\"A1.3\" data-min=\"1\" data-max=\"1\" data-deduction=\"true\" selected>"))
            // Points outside a range rule's.
            let outside = try await browser.post("/clerk/score", ["csrf": csrf, "household": "H002", "rule": "A1.4", "points": "99"])
            #expect(outside.status == .unprocessableContent)
            #expect(outside.html.contains("min=\"15\" max=\"50\""))
            #expect(try harness.ledger.head() == head)
        }
    }

    @Test func namesAndNotesAreShownAsText() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.clerk)
            let csrf = try await browser.csrf(of: "/clerk")
            let note = "<script>alert(\"x\")</script> & <b>"
            let response = try await browser.post("/clerk/score", ["csrf": csrf, "household": "H004", "rule": "A1.3", "note": note])
            #expect(response.status == .seeOther, "\(response.html)")
            let page = try await browser.get(try #require(response.location))
            #expect(!page.html.contains("<script>alert"))
            #expect(!page.html.contains("<b>"))
            #expect(page.html.contains("&lt;script&gt;"))
            #expect(page.html.unescaped.contains(note))
            // A refused form shows what was typed as text too.
            let refused = try await browser.post("/clerk/score", ["csrf": csrf, "household": "\"><script>x</script>", "rule": "A1.2"])
            #expect(refused.status != .seeOther)
            #expect(!refused.html.contains("<script>x"))
        }
    }

    @Test func aLeadersScoreIsAProposalThatTheReviewerApproves() async throws {
        let harness = try Harness()
        let leader = try #require(try harness.ledger.actors().first { $0.name.rawValue == Harness.people.leader })
        let unit = try #require(leader.unit)
        let households = try harness.ledger.households()
        let own = try #require(households.first { $0.unit == unit && $0.status == .open })
        let other = try #require(households.first { $0.unit != unit && $0.status == .open })
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.leader)
            let page = try await browser.get("/clerk")
            // The list offers the unit's own households only, and there is no sheet upload.
            #expect(page.html.contains("<option value=\"\(own.code)\">"))
            #expect(!page.html.contains("<option value=\"\(other.code)\">"))
            #expect(!page.html.contains("/clerk/sheet"))
            let csrf = try #require(page.html.csrf)
            let outside = try await browser.post("/clerk/score", ["csrf": csrf, "household": other.code.rawValue, "rule": "A1.2"])
            #expect(outside.status == .forbidden)
            let response = try await browser.post("/clerk/score", ["csrf": csrf, "household": own.code.rawValue, "rule": "A1.2"])
            let location = try #require(response.location, "\(response.html)")
            #expect(location.hasPrefix("/clerk?proposed="))
            let seq = try #require(Int64(location.dropFirst("/clerk?proposed=".count)))
            #expect(try await browser.get(location).html.contains("待批准"))

            var reviewer = Browser(client)
            _ = try await reviewer.logIn(Harness.people.reviewer)
            let queue = try await reviewer.get("/review")
            #expect(queue.html.contains("id=\"item-\(seq)\""))
            let approved = try await reviewer.post("/review/approve", ["csrf": try #require(queue.html.csrf), "seq": "\(seq)"])
            #expect(approved.location == "/review?ok=approved&seq=\(seq)", "\(approved.html)")
            #expect(try harness.ledger.reviewQueue().items.allSatisfy { $0.seq != seq })
            let after = try await reviewer.get(try #require(approved.location))
            #expect(after.html.contains("已批准第 \(seq) 号"))
            #expect(!after.html.contains("id=\"item-\(seq)\""))
            // Approving it again is refused on the page with the ledger's sentence.
            let again = try await reviewer.post("/review/approve", ["csrf": try #require(queue.html.csrf), "seq": "\(seq)"])
            #expect(again.status == .unprocessableContent)
            #expect(again.html.contains("class=\"error\""))
        }
    }

    @Test func theReviewerOpensANoticeAndRejectsWithAReason() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var leader = Browser(client)
            _ = try await leader.logIn(Harness.people.leader)
            let unit = try #require(try harness.ledger.actors().first { $0.name.rawValue == Harness.people.leader }?.unit)
            let own = try #require(try harness.ledger.households().first { $0.unit == unit && $0.status == .open })
            let proposed = try await leader.post("/clerk/score", ["csrf": try await leader.csrf(of: "/clerk"), "household": own.code.rawValue, "rule": "A1.2"])
            let seq = try #require(proposed.location.flatMap { Int64($0.dropFirst("/clerk?proposed=".count)) })

            var reviewer = Browser(client)
            _ = try await reviewer.logIn(Harness.people.reviewer)
            let csrf = try await reviewer.csrf(of: "/review")
            // A rejection needs its reason.
            let bare = try await reviewer.post("/review/reject", ["csrf": csrf, "seq": "\(seq)", "reason": ""])
            #expect(bare.status == .unprocessableContent || bare.status == .badRequest)
            let rejected = try await reviewer.post("/review/reject", ["csrf": csrf, "seq": "\(seq)", "reason": "当天未开会"])
            #expect(rejected.location == "/review?ok=rejected&seq=\(seq)", "\(rejected.html)")

            let opened = try await reviewer.post("/review/notice", ["csrf": csrf, "period": "2025-12", "action": "open"])
            #expect(opened.location == "/review?ok=opened&seq=2025-12", "\(opened.html)")
            #expect(try harness.ledger.notices().contains { $0.notice.period == "2025-12" && $0.notice.closedOn == nil })
            // Closed the same day: refused with the ledger's sentence, on the page.
            let closed = try await reviewer.post("/review/notice", ["csrf": csrf, "period": "2025-12", "action": "close"])
            #expect(closed.status == .unprocessableContent)
            #expect(closed.html.contains("class=\"error\""))
            #expect(try await reviewer.get("/review").html.contains("<a href=\"/notice/2025-12\">2025-12</a>"))
        }
    }

    @Test func theReviewerSettlesAnObjectionOnThePage() async throws {
        let harness = try Harness()
        try await harness.test { client in
            // December goes on notice, and the unit leader objects to one of its scores (through the API).
            let (reviewerToken, _) = try await client.login(Harness.people.reviewer)
            #expect(try await client.call(.post, "/api/v1/notices/2025-12/open", token: reviewerToken).status == .created)
            let posted = try #require(try harness.ledger.households().lazy.compactMap { account in
                try? harness.ledger.history(of: account.code).reviews.values.first { $0.state == .posted }
            }.first)
            let (leaderToken, _) = try await client.login(Harness.people.leader)
            let objection = try await client.call(.post, "/api/v1/objections", token: leaderToken, json: ["seq": posted.seq, "reason": "当天不在家"])
            #expect(objection.status == .created, "\(String(buffer: objection.body))")

            var reviewer = Browser(client)
            _ = try await reviewer.logIn(Harness.people.reviewer)
            let page = try await reviewer.get("/review")
            #expect(page.html.contains("id=\"item-\(posted.seq)\""))
            #expect(page.html.contains("有异议的记分"))
            let csrf = try #require(page.html.csrf)
            // Amending needs the new points; the refusal is on the page and nothing is written.
            let head = try harness.ledger.head()
            let bare = try await reviewer.post("/review/objection", ["csrf": csrf, "seq": "\(posted.seq)", "resolution": "amend", "reason": "核实"])
            #expect(bare.status == .badRequest)
            #expect(bare.html.contains("改分须填写改后的分值"))
            #expect(try harness.ledger.head() == head)
            let settled = try await reviewer.post("/review/objection", ["csrf": csrf, "seq": "\(posted.seq)", "resolution": "uphold", "reason": "核实无误"])
            #expect(settled.location == "/review?ok=settled&seq=\(posted.seq)", "\(settled.html)")
            #expect(try harness.ledger.review(posted.seq)?.state != .objected)
            let last = try #require(try harness.ledger.logPage(from: try harness.ledger.head().seq, limit: 1).first)
            #expect(last.actor.rawValue == Harness.people.reviewer)
        }
    }

    @Test func theShopShowsTheAvailablePointsAndRedeems() async throws {
        let harness = try Harness()
        let item = try #require(try harness.ledger.items().filter { $0.stock > 0 }.min { $0.price < $1.price })
        let account = try #require(try harness.ledger.households().first { $0.status == .open && $0.available >= item.price })
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.shopkeeper)
            let page = try await browser.get("/shop?household=\(account.code)")
            #expect(page.status == .ok)
            #expect(page.html.contains("可用积分 <b class=\"num\">\(account.available)</b>"))
            let csrf = try #require(page.html.csrf)
            let key = try #require(page.html.range(of: "name=\"key\" value=\"").map { String(page.html[$0.upperBound...].prefix { $0 != "\"" }) })
            let fields = ["csrf": csrf, "key": key, "household": account.code.rawValue, "item": item.code.rawValue, "quantity": "1"]
            let response = try await browser.post("/shop/redeem", fields)
            #expect(response.status == .seeOther, "\(response.html)")
            let after = try #require(try harness.ledger.household(account.code))
            #expect(after.available == account.available - item.price)
            #expect(after.redeemed == account.redeemed + item.price)
            let shown = try await browser.get(try #require(response.location))
            #expect(shown.html.contains("可用积分 <b class=\"num\">\(after.available)</b>"))
            // The slip for the resident, 32 columns for a 58 mm printer, as `jifen shop receipt` prints it.
            let seq = try harness.ledger.head().seq
            #expect(shown.html.contains("href=\"/shop/receipt/\(seq)\""))
            let slip = try await browser.get("/shop/receipt/\(seq)")
            #expect(slip.status == .ok)
            let receipt = try harness.ledger.receipt(for: [seq])
            #expect(receipt.household == account.code.rawValue && receipt.spent == item.price && receipt.left == after.available)
            let escaped = receipt.text(paper: .mm58).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            #expect(slip.html.contains("<pre class=\"receipt\">\(escaped)</pre>"), "\(slip.html)")
            let json = try await browser.get("/api/v1/redemptions/\(seq)/receipt")
            #expect(json.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any])
            #expect(object["left"] as? Int == after.available && object["code"] as? String == receipt.code)
            #expect(try await browser.get("/api/v1/redemptions/1/receipt").status == .unprocessableContent)
            #expect(try await browser.get("/api/v1/redemptions/\(seq + 1000)/receipt").status == .notFound)
            // The same form sent twice (a double tap) redeems once.
            let twice = try await browser.post("/shop/redeem", fields)
            #expect(twice.status == .seeOther)
            #expect(try harness.ledger.household(account.code)?.available == after.available)
            // An unknown household is said so.
            let unknown = try await browser.get("/shop?household=H999")
            #expect(unknown.status == .notFound)
            #expect(unknown.html.contains("没有户号为 H999 的农户"))
        }
    }

    @Test func theAuditorVerifiesAndDownloads() async throws {
        let harness = try Harness()
        let head = try harness.ledger.head()
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.auditor)
            let page = try await browser.get("/audit?verify=1")
            #expect(page.status == .ok)
            #expect(page.html.contains("校验通过"))
            #expect(page.html.contains(head.hex))

            let jsonl = try await browser.get("/audit/export.jsonl")
            #expect(jsonl.status == .ok)
            let lines = String(buffer: jsonl.body).split(separator: "\n")
            #expect(Int64(lines.count) == head.seq)
            #expect(lines.last?.contains(head.hex) == true)
            var expected: [UInt8] = []
            try harness.ledger.exportEvents(format: .jsonl) { expected.append(contentsOf: $0) }
            #expect(Array(buffer: jsonl.body) == expected)

            let csv = try await browser.get("/audit/export.csv")
            #expect(csv.headers[.contentDisposition]?.contains("jifen-events.csv") == true)
            var expectedCSV: [UInt8] = [0xEF, 0xBB, 0xBF]
            try harness.ledger.exportEvents(format: .csv) { expectedCSV.append(contentsOf: $0) }
            #expect(Array(buffer: csv.body) == expectedCSV)
        }
    }

    @Test func aTallySheetIsUploadedOrRefusedWithItsLines() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var browser = Browser(client)
            _ = try await browser.logIn(Harness.people.clerk)
            let csrf = try await browser.csrf(of: "/clerk")
            func upload(_ sheet: String, csrf: String?) async throws -> TestResponse {
                let boundary = "----jifen\(UUID().uuidString)"
                var body = ""
                if let csrf { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n" }
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"sheet\"; filename=\"C:\\\\表\\\\一月.csv\"\r\nContent-Type: text/csv\r\n\r\n\(sheet)\r\n--\(boundary)--\r\n"
                return try await client.execute(uri: "/clerk/sheet", method: .post,
                                                headers: [.contentType: "multipart/form-data; boundary=\(boundary)",
                                                          .cookie: "jifen_session=\(browser.session ?? "")"],
                                                body: ByteBuffer(string: body))
            }
            let head = try harness.ledger.head()
            let bad = "date,household,rule,points,note\n2026-01-10,H001,A1.2,,\n2026-01-10,H999,A1.2,,\n2026-01-10,H002,NOPE,,\n"
            let refused = try await upload(bad, csrf: csrf)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("第 3 行"))
            #expect(refused.html.contains("第 4 行"))
            #expect(!refused.html.contains("第 2 行"))
            #expect(try harness.ledger.head() == head)
            #expect(try await upload(bad, csrf: nil).status == .forbidden)
            #expect(try await upload(bad, csrf: "nope").status == .forbidden)
            #expect(try harness.ledger.head() == head)

            let good = "date,household,rule,points,note\n2026-01-10,H001,A1.2,,\n2026-01-11,H002,A1.2,,\n"
            let accepted = try await upload(good, csrf: csrf)
            #expect(accepted.location == "/clerk?sheet=2", "\(accepted.html)")
            let written = try harness.ledger.logPage(from: head.seq + 1)
            #expect(written.contains { $0.event.typeName.hasSuffix("sheetImported") })
            #expect(written.allSatisfy { $0.actor.rawValue == Harness.people.clerk })
        }
    }
}

@Suite("Pages: the notice sheet") struct PageNoticeTests {
    /// The notice sheet is for the screen in the village hall: no login, names masked as `notice sheet --mask` prints them.
    @Test func theNoticeSheetIsPublicWithMaskedNames() async throws {
        let harness = try Harness()
        let period = try #require(NoticePeriod("2025-11"))
        let sheet = try harness.ledger.noticeSheet(period: period, printedOn: harness.ledger.today())
        let household = try #require(sheet.units.first?.households.first)
        try await harness.test { client in
            let page = try await Browser(client).get("/notice/2025-11")
            #expect(page.status == .ok)
            #expect(page.html.contains("积分公示（2025-11）"))
            // A screen in the hall shows it all day: it reloads itself every five minutes.
            #expect(page.html.contains("<meta http-equiv=\"refresh\" content=\"300\">"))
            #expect(page.html.contains(household.code.rawValue))
            let masked = String(household.head.prefix(1)) + String(repeating: "*", count: max(1, household.head.count - 2))
                + (household.head.count > 2 ? String(household.head.suffix(1)) : "")
            #expect(page.html.contains(masked))
            #expect(!page.html.contains(">\(household.head)<") && !page.html.contains(" \(household.head) "))
            #expect(try await Browser(client).get("/notice").location == "/notice/\(try harness.ledger.notices().last?.notice.period ?? "")")
            #expect(try await Browser(client).get("/notice/2025-13").status == .badRequest)
        }
    }

    /// A visitor sees only a posted month (a month still being scored is for those who keep the books), and the page a
    /// visitor gets is kept only while the log stays as it was: a notice opened shows at once.
    @Test func theNoticeSheetFollowsTheLog() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let before = try await Browser(client).get("/notice/2025-12")
            #expect(before.status == .notFound)
            #expect(before.html.contains("还没有公示"))
            let (token, _) = try await client.login(Harness.people.reviewer)
            let insider = try await client.call(.get, "/notice/2025-12", token: token)
            #expect(String(buffer: insider.body).contains("本期尚未公示"))
            #expect(try await client.call(.post, "/api/v1/notices/2025-12/open", token: token).status == .created)
            let after = try await Browser(client).get("/notice/2025-12")
            #expect(!after.html.contains("本期尚未公示"))
            #expect(after.html.contains("如有异议，请于"))
        }
    }

    @Test func unknownAddressesAndStaticFiles() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let missing = try await Browser(client).get("/nowhere")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(missing.html.contains("没有这个地址"))
            let css = try await Browser(client).get("/static/jifen.css")
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(css.html.contains("@media print"))
            let js = try await Browser(client).get("/static/jifen.js")
            #expect(js.headers[.contentType]?.hasPrefix("text/javascript") == true)
            // The API's refusals stay JSON.
            let api = try await Browser(client).get("/api/v1/shop")
            #expect(api.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }
}
