import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenServer
import JifenTestSupport
import Logging
import Testing
import Yams

@Suite("Sessions") struct SessionTests {
    @Test func loginGivesATokenACookieAndTheRoles() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.call(.post, "/api/v1/session", json: ["name": Harness.people.clerk, "password": Harness.password])
            #expect(response.status == .ok)
            let object = try response.object()
            #expect(object["actor"] as? String == Harness.people.clerk)
            #expect(object["roles"] as? [String] == ["clerk"])
            let token = try #require(object["token"] as? String)
            #expect(token.count >= 43)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("jifen_session=\(token)"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            // The session answers for itself, without showing the token again.
            let me = try await client.call(.get, "/api/v1/session", token: token)
            #expect(me.status == .ok)
            #expect(try me.object()["token"] == nil)
            #expect(try me.object()["actor"] as? String == Harness.people.clerk)
        }
    }

    @Test func aWrongPasswordAndAnUnknownNameGetTheSameAnswer() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let wrong = try await client.call(.post, "/api/v1/session", json: ["name": Harness.people.clerk, "password": "not the password"])
            let unknown = try await client.call(.post, "/api/v1/session", json: ["name": "无此人", "password": Harness.password])
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(String(buffer: wrong.body) == String(buffer: unknown.body))
            #expect(wrong.kind == "wrongPassword")
            #expect(wrong.headers[.setCookie] == nil)
        }
    }

    @Test func moreThanFiveFailuresRefuseTheNameUntilTheWindowPasses() async throws {
        let harness = try Harness()
        try await harness.test { client in
            for _ in 0..<5 {
                let response = try await client.call(.post, "/api/v1/session", json: ["name": Harness.people.reviewer, "password": "guess guess"])
                #expect(response.status == .unauthorized)
            }
            // Even the right password is refused now, with when to try again.
            let refused = try await client.call(.post, "/api/v1/session", json: ["name": Harness.people.reviewer, "password": Harness.password])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.kind == "throttled")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another name is not held up.
            _ = try await client.login(Harness.people.clerk)
            harness.clock.set(harness.clock.environment.now().addingTimeInterval(15 * 60 + 1))
            _ = try await client.login(Harness.people.reviewer)
        }
    }

    @Test func aSessionEndsAfterEightIdleHoursAndOnLogout() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (token, _) = try await client.login(Harness.people.clerk)
            let start = harness.clock.environment.now()
            // Used within the hour, it stays alive past eight hours from the login.
            harness.clock.set(start.addingTimeInterval(7 * 3600))
            #expect(try await client.call(.get, "/api/v1/shop", token: token).status == .ok)
            harness.clock.set(start.addingTimeInterval(14 * 3600))
            #expect(try await client.call(.get, "/api/v1/shop", token: token).status == .ok)
            // Eight hours and a second without a request: gone.
            harness.clock.set(start.addingTimeInterval(22 * 3600 + 1))
            let expired = try await client.call(.get, "/api/v1/shop", token: token)
            #expect(expired.status == .unauthorized)
            #expect(expired.kind == "unauthenticated")

            let (again, _) = try await client.login(Harness.people.clerk)
            let out = try await client.call(.delete, "/api/v1/session", token: again)
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.call(.get, "/api/v1/shop", token: again).status == .unauthorized)
        }
    }

    /// One line a request, with its id and the person, and never a password or a token — not even a wrong one.
    @Test func logsNameThePersonAndNeverASecret() async throws {
        let harness = try Harness()
        let log = CapturedLog()
        let tokens = try await harness.test(logger: log.logger) { client in
            _ = try await client.call(.post, "/api/v1/session", json: ["name": Harness.people.clerk, "password": "my wrong guess 1"])
            let (token, csrf) = try await client.login(Harness.people.clerk)
            _ = try await client.call(.post, "/api/v1/scores", token: token, json: ["household": "H001", "rule": "Z9.9"])
            _ = try await client.call(.post, "/api/v1/password", token: token, json: ["current": Harness.password, "new": "another secret 9"])
            _ = try await client.call(.get, "/api/v1/shop", headers: [.cookie: "jifen_session=\(token)"])
            return [token, csrf]
        }
        let text = log.text
        for secret in [Harness.password, "my wrong guess 1", "another secret 9"] + tokens {
            #expect(!text.contains(secret), "the log holds a secret")
        }
        let requests = log.lines.withLock { $0.filter { $0.contains(" request ") } }
        #expect(requests.count == 5)
        #expect(requests.allSatisfy { $0.contains("hb.request.id=") && $0.contains("route=/") && $0.contains("status=") })
        #expect(requests.filter { $0.contains("actor=\(Harness.people.clerk)") }.count == 3)
    }

    @Test func aRetiredPersonCannotLogIn() async throws {
        let harness = try Harness()
        harness.ledger.trustAuthenticated(Harness.people.admin)
        try harness.ledger.execute(.retireActor(ActorName(rawValue: Harness.people.shopkeeper), reason: "调走"), by: Harness.people.admin)
        try await harness.test { client in
            let response = try await client.call(.post, "/api/v1/session", json: ["name": Harness.people.shopkeeper, "password": Harness.password])
            #expect(response.status == .unauthorized)
            #expect(response.kind == "wrongPassword")
        }
    }

    /// A person retired through the CLI while logged in loses the session within a minute; one given another role
    /// has it then.
    @Test func theRegisterIsLookedAtAgainWhileLoggedIn() async throws {
        let harness = try Harness()
        harness.ledger.trustAuthenticated(Harness.people.admin)
        try await harness.test { client in
            let (shop, _) = try await client.login(Harness.people.shopkeeper)
            let (auditor, _) = try await client.login(Harness.people.auditor)
            try harness.ledger.execute(.retireActor(ActorName(rawValue: Harness.people.shopkeeper), reason: "调走"), by: Harness.people.admin)
            #expect(try await client.call(.get, "/api/v1/shop", token: shop).status == .ok)
            harness.clock.set(harness.clock.environment.now().addingTimeInterval(Sessions.recheckAfter + 1))
            #expect(try await client.call(.get, "/api/v1/shop", token: shop).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/session", token: auditor).object()["roles"] as? [String] == ["auditor"])
        }
    }

    /// An administrator who sets a person's password anew through the CLI (a phone lost) ends that person's sessions
    /// within a minute.
    @Test func aPasswordSetAnewElsewhereEndsTheSessions() async throws {
        let harness = try Harness()
        harness.ledger.trustAuthenticated(Harness.people.admin)
        try await harness.test { client in
            let (phone, _) = try await client.login(Harness.people.clerk)
            let (other, _) = try await client.login(Harness.people.reviewer)
            try harness.ledger.setPassword(of: Harness.people.clerk, to: "a brand new one 5", by: Harness.people.admin)
            harness.clock.set(harness.clock.environment.now().addingTimeInterval(Sessions.recheckAfter + 1))
            #expect(try await client.call(.get, "/api/v1/shop", token: phone).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/shop", token: other).status == .ok)
            _ = try await client.login(Harness.people.clerk, password: "a brand new one 5")
        }
    }

    /// A name longer than any the register takes is refused like a wrong password, and counts as no failure: it
    /// neither grows the file nor ever turns into "too many".
    @Test func aNameNoOneCanHaveCostsNothing() async throws {
        let harness = try Harness()
        let long = String(repeating: "某", count: 5000)
        try await harness.test { client in
            for _ in 0..<7 {
                let response = try await client.call(.post, "/api/v1/session", json: ["name": long, "password": Harness.password])
                #expect(response.status == .unauthorized)
                #expect(response.kind == "wrongPassword")
            }
        }
    }

    @Test func changingOnesPasswordEndsOneOtherSessions() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (phone, _) = try await client.login(Harness.people.clerk)
            let (office, _) = try await client.login(Harness.people.clerk)
            let wrong = try await client.call(.post, "/api/v1/password", token: phone, json: ["current": "nope nope", "new": "a new one 42"])
            #expect(wrong.status == .unauthorized)
            let changed = try await client.call(.post, "/api/v1/password", token: phone, json: ["current": Harness.password, "new": "a new one 42"])
            #expect(changed.status == .noContent)
            #expect(try await client.call(.get, "/api/v1/shop", token: phone).status == .ok)
            #expect(try await client.call(.get, "/api/v1/shop", token: office).status == .unauthorized)
            _ = try await client.login(Harness.people.clerk, password: "a new one 42")
        }
    }
}

@Suite("Who acts") struct WhoActsTests {
    /// Without a session nothing under /api/v1 answers but the login: every route the router has is tried.
    @Test func everyRouteUnderTheAPINeedsASession() async throws {
        let harness = try Harness()
        let routes = harness.service.router().routes.map { ("\($0.path)", $0.method) }.filter { $0.0.hasPrefix("/api/v1") }
        #expect(routes.count > 10)
        try await harness.test { client in
            for route in routes where !(route.0 == "/api/v1/session" && route.1 == .post) {
                let route = (path: route.0, method: route.1)
                let uri = route.path.replacingOccurrences(of: ":code", with: "H001").replacingOccurrences(of: ":seq", with: "1")
                    .replacingOccurrences(of: ":period", with: "2025-12")
                let response = try await client.call(route.method, uri, json: route.method == .get ? nil : [:])
                #expect(response.status == .unauthorized, "\(route.method) \(uri)")
                // A made-up token is no better.
                let forged = try await client.call(route.method, uri, token: "AAAA", json: route.method == .get ? nil : [:])
                #expect(forged.status == .unauthorized, "\(route.method) \(uri) with a made-up token")
            }
        }
    }

    /// Each write endpoint, tried by each person: refused with 403 exactly when the person's role does not allow it.
    @Test func everyWriteEndpointWithEveryRole() async throws {
        let harness = try Harness()
        let p = Harness.people
        let everyone = [p.admin, p.clerk, p.reviewer, p.shopkeeper, p.leader, p.auditor]
        let writes: [(method: HTTPRequest.Method, uri: String, body: [String: any Sendable], allowed: Set<String>)] = [
            (.post, "/api/v1/scores", ["household": "H001", "rule": "A1.2", "again": true], [p.clerk, p.leader]),
            (.post, "/api/v1/redemptions", ["household": "H001", "item": "SALT", "again": true], [p.shopkeeper]),
            (.post, "/api/v1/reversals", ["seq": 999_999, "reason": "录错"], [p.clerk, p.shopkeeper]),
            (.post, "/api/v1/approvals/1", [:], [p.reviewer]),
            (.post, "/api/v1/rejections/1", ["reason": "不符"], [p.reviewer]),
            (.post, "/api/v1/notices/2026-01/open", [:], [p.reviewer]),
            (.post, "/api/v1/notices/2025-11/close", [:], [p.reviewer]),
            (.post, "/api/v1/objections", ["seq": 1, "reason": "有误"], [p.admin, p.clerk, p.reviewer, p.shopkeeper, p.leader]),
            (.post, "/api/v1/objections/1/resolution", ["resolution": "dismiss", "reason": "属实"], [p.reviewer]),
        ]
        try await harness.test { client in
            var tokens: [String: String] = [:]
            for name in everyone { tokens[name] = try await client.login(name).token }
            for write in writes {
                for name in everyone {
                    let response = try await client.call(write.method, write.uri, token: tokens[name], json: write.body)
                    if write.allowed.contains(name) {
                        // Allowed: written, or refused by the ledger's other rules (the entry, the date), never by the role.
                        #expect(response.status == .created || (response.status == .unprocessableContent && response.kind != "roleNotAllowed"),
                                "\(name) \(write.uri): \(String(buffer: response.body))")
                    } else {
                        #expect(response.status == .forbidden, "\(name) \(write.uri): \(String(buffer: response.body))")
                        #expect(response.kind == "roleNotAllowed" || response.kind == "auditorOnlyReads", "\(name) \(write.uri)")
                    }
                }
            }
        }
    }

    /// The log's feed and a whole verify are for those who check the books.
    @Test func theLogAndVerifyAreForThoseWhoCheck() async throws {
        let harness = try Harness()
        let p = Harness.people
        let checkers: Set<String> = [p.auditor, p.admin, p.reviewer]
        try await harness.test { client in
            for name in [p.admin, p.clerk, p.reviewer, p.shopkeeper, p.leader, p.auditor] {
                let (token, _) = try await client.login(name)
                for uri in ["/api/v1/log?limit=5", "/api/v1/verify"] {
                    let response = try await client.call(.get, uri, token: token)
                    #expect(response.status == (checkers.contains(name) ? .ok : .forbidden), "\(name) \(uri)")
                }
                // Everyone logged in reads balances, history, the shop, the rules, the review queue and the notices.
                for uri in ["/api/v1/households/H001/balance", "/api/v1/households/H001/history", "/api/v1/households",
                            "/api/v1/shop", "/api/v1/rules", "/api/v1/review", "/api/v1/notices", "/api/v1/session"] {
                    #expect(try await client.call(.get, uri, token: token).status == .ok, "\(name) \(uri)")
                }
            }
        }
    }

    /// The impersonation, tried through the server: a name in the request changes nothing, the clerk cannot
    /// approve the reversal she asked for, and a notice is opened and closed on the server's days, not typed ones.
    @Test func theImpersonationSequenceIsImpossible() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (clerk, _) = try await client.login(Harness.people.clerk)
            let score = try await client.call(.post, "/api/v1/scores", token: clerk,
                                              json: ["household": "H002", "rule": "A1.2", "actor": Harness.people.admin, "by": Harness.people.reviewer])
            #expect(score.status == .created)
            let events = try #require(try score.object()["events"] as? [[String: Any]])
            #expect(events.first?["actor"] as? String == Harness.people.clerk)
            let seq = try #require(events.first?["seq"] as? Int)

            // A clerk's reversal is a request; she may not approve it herself, whatever she sends.
            let request = try await client.call(.post, "/api/v1/reversals", token: clerk, json: ["seq": seq, "reason": "录错了"])
            #expect(request.status == .created)
            let requestSeq = try #require((try request.object()["events"] as? [[String: Any]])?.first?["seq"] as? Int)
            let approval = try await client.call(.post, "/api/v1/approvals/\(requestSeq)", token: clerk,
                                                 json: ["actor": Harness.people.reviewer])
            #expect(approval.status == .forbidden)

            // The reviewer opens December's notice today; closing it the same day is refused: the days are the server's.
            let (reviewer, _) = try await client.login(Harness.people.reviewer)
            let open = try await client.call(.post, "/api/v1/notices/2025-12/open", token: reviewer, json: ["date": "2025-12-31"])
            #expect(open.status == .created, "\(String(buffer: open.body))")
            let close = try await client.call(.post, "/api/v1/notices/2025-12/close", token: reviewer, json: ["date": "2026-02-01"])
            #expect(close.status == .unprocessableContent)
            #expect(close.kind == "noticeTooEarly")
            // The reviewer approves the clerk's request: four eyes.
            let approved = try await client.call(.post, "/api/v1/approvals/\(requestSeq)", token: reviewer)
            #expect(approved.status == .created, "\(String(buffer: approved.body))")
        }
    }

    @Test func aBrowserWriteNeedsTheSessionsCSRFToken() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (token, csrf) = try await client.login(Harness.people.clerk)
            let cookie: HTTPFields = [.cookie: "jifen_session=\(token)"]
            let body = ["household": "H003", "rule": "A1.2"]
            let bare = try await client.call(.post, "/api/v1/scores", json: body, headers: cookie)
            #expect(bare.status == .forbidden)
            #expect(bare.kind == "csrf")
            var forged = cookie
            forged[.csrfToken] = String(csrf.reversed())
            #expect(try await client.call(.post, "/api/v1/scores", json: body, headers: forged).status == .forbidden)
            var proper = cookie
            proper[.csrfToken] = csrf
            #expect(try await client.call(.post, "/api/v1/scores", json: body, headers: proper).status == .created)
            // Reads with the cookie need no token.
            #expect(try await client.call(.get, "/api/v1/households/H003/balance", headers: cookie).status == .ok)
        }
    }
}

@Suite("Writes") struct WriteTests {
    @Test func anIdempotencyKeyReplaysTheSameRequestAndRefusesAnother() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (clerk, _) = try await client.login(Harness.people.clerk)
            let key: HTTPFields = [.idempotencyKey: "phone-7f3a-0001"]
            let body: [String: any Sendable] = ["household": "H004", "rule": "A1.4", "points": 20, "date": "2026-01-14", "note": "县级表彰"]
            let first = try await client.call(.post, "/api/v1/scores", token: clerk, json: body, headers: key)
            #expect(first.status == .created)
            #expect(first.headers[.idempotencyReplayed] == nil)
            let again = try await client.call(.post, "/api/v1/scores", token: clerk, json: body, headers: key)
            #expect(again.status == .ok)
            #expect(again.headers[.idempotencyReplayed] == "true")
            let events = { (r: TestResponse) in (try r.object()["events"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } }
            #expect(try events(first) == events(again))
            var other = body
            other["points"] = 30
            let conflict = try await client.call(.post, "/api/v1/scores", token: clerk, json: other, headers: key)
            #expect(conflict.status == .conflict)
            #expect(conflict.kind == "keyUsedForAnotherEntry")
            // One score was written.
            let history = try await client.call(.get, "/api/v1/households/H004/history", token: clerk)
            let dated = try history.object()["entries"] as? [[String: Any]] ?? []
            #expect(dated.filter { $0["date"] as? String == "2026-01-14" }.count == 1)
        }
    }

    /// A key is its person's: another's request with the same key is refused, not answered with the first one's entry.
    /// A reversal asked for again with its key is a replay (a clerk's reversal is a request for one).
    @Test func aKeyIsItsPersonsAndAReversalReplays() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (clerk, _) = try await client.login(Harness.people.clerk)
            let (leader, _) = try await client.login(Harness.people.leader)
            let body: [String: any Sendable] = ["household": "H001", "rule": "A1.2"]
            let key: HTTPFields = [.idempotencyKey: "2026-01-H001-1"]
            let first = try await client.call(.post, "/api/v1/scores", token: clerk, json: body, headers: key)
            #expect(first.status == .created)
            let other = try await client.call(.post, "/api/v1/scores", token: leader, json: body, headers: key)
            #expect(other.status == .conflict)
            #expect(other.kind == "keyUsedForAnotherEntry")
            let seq = try #require((try first.object()["events"] as? [[String: Any]])?.first?["seq"] as? Int)
            let reversalKey: HTTPFields = [.idempotencyKey: "undo-\(seq)"]
            let request = try await client.call(.post, "/api/v1/reversals", token: clerk, json: ["seq": seq, "reason": "录错"], headers: reversalKey)
            #expect(request.status == .created)
            let again = try await client.call(.post, "/api/v1/reversals", token: clerk, json: ["seq": seq, "reason": "录错"], headers: reversalKey)
            #expect(again.status == .ok)
            #expect(again.headers[.idempotencyReplayed] == "true")
        }
    }

    @Test func aRefusalIs422WithItsKindAndWritesNothing() async throws {
        let harness = try Harness()
        let before = try harness.ledger.head()
        try await harness.test { client in
            let (clerk, _) = try await client.login(Harness.people.clerk)
            let unknown = try await client.call(.post, "/api/v1/scores", token: clerk, json: ["household": "H001", "rule": "Z9.9"])
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.kind == "ruleUnknown")
            let object = try unknown.object()
            #expect((object["message"] as? String)?.isEmpty == false && (object["messageEn"] as? String)?.isEmpty == false)
            let noNote = try await client.call(.post, "/api/v1/scores", token: clerk, json: ["household": "H001", "rule": "A1.3"])
            #expect(noNote.kind == "noteRequiredForDeduction")
            let future = try await client.call(.post, "/api/v1/scores", token: clerk, json: ["household": "H001", "rule": "A1.2", "date": "2026-02-01"])
            #expect(future.kind == "dateInFuture")
            let malformed = try await client.execute(uri: "/api/v1/scores", method: .post,
                                                     headers: [.authorization: "Bearer \(clerk)", .contentType: "application/json"],
                                                     body: ByteBuffer(string: "{not json"))
            #expect(malformed.status == .badRequest)
            #expect(malformed.kind == "badRequest")
            // JSON only: a form from another site (text/plain) is refused before it is read.
            let form = try await client.execute(uri: "/api/v1/scores", method: .post,
                                                headers: [.authorization: "Bearer \(clerk)", .contentType: "text/plain"],
                                                body: ByteBuffer(string: "{\"household\":\"H001\",\"rule\":\"A1.2\"}"))
            #expect(form.status == .unsupportedMediaType)
            let login = try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "text/plain"],
                                                 body: ByteBuffer(string: "{\"name\":\"\(Harness.people.clerk)\",\"password\":\"\(Harness.password)\"}"))
            #expect(login.status == .unsupportedMediaType)
            #expect(login.headers[.setCookie] == nil)
        }
        #expect(try harness.ledger.head() == before)
    }
}

@Suite("Reads") struct ReadTests {
    @Test func aBalanceHasTheFieldsOfBalanceJSON() async throws {
        let harness = try Harness()
        let account = try #require(try harness.ledger.balances(of: HouseholdCode(rawValue: "H005")).first)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(BalanceView(account, asOf: nil)), as: UTF8.self)
        try await harness.test { client in
            let (auditor, _) = try await client.login(Harness.people.auditor)
            let response = try await client.call(.get, "/api/v1/households/H005/balance", token: auditor)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == expected)
            let missing = try await client.call(.get, "/api/v1/households/H999/balance", token: auditor)
            #expect(missing.status == .notFound)
            let badDate = try await client.call(.get, "/api/v1/households/H005/balance?asOf=yesterday", token: auditor)
            #expect(badDate.status == .badRequest)
            let history = try await client.call(.get, "/api/v1/households/H005/history", token: auditor)
            #expect((try history.object()["entries"] as? [Any])?.isEmpty == false)
            #expect(try await client.call(.get, "/api/v1/households/H999/history", token: auditor).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/households", token: auditor).array().count == 40)
            let rules = try #require(try harness.ledger.schemes().last?.scheme.rules)
            #expect(try await client.call(.get, "/api/v1/rules", token: auditor).array().map { $0["code"] as? String } == rules.map(\.code.rawValue))
            #expect(try await client.call(.get, "/api/v1/shop", token: auditor).array().isEmpty == false)
            #expect(try await client.call(.get, "/api/v1/notices", token: auditor).array().isEmpty == false)
            #expect(try await client.call(.get, "/api/v1/review", token: auditor).status == .ok)
            let verify = try await client.call(.get, "/api/v1/verify", token: auditor)
            #expect(try verify.object()["valid"] as? Bool == true)
        }
    }

    /// The log's feed is the audit export's lines, in pages an auditor or a county copies.
    @Test func theLogFeedIsTheAuditExportInPages() async throws {
        let harness = try Harness()
        var exported: [String] = []
        try harness.ledger.exportEvents(format: .jsonl) { line in exported.append(try Self.canonical(Data(line))) }
        let lines = exported
        let head = try harness.ledger.head()
        try await harness.test { client in
            let (auditor, _) = try await client.login(Harness.people.auditor)
            var after = 0
            var copied: [String] = []
            while true {
                let page = try await client.call(.get, "/api/v1/log?after=\(after)&limit=700", token: auditor)
                let object = try page.object()
                let events = object["events"] as? [[String: Any]] ?? []
                #expect((object["head"] as? [String: Any])?["hash"] as? String == head.hex)
                if events.isEmpty { break }
                copied += try events.map { try Self.canonical(JSONSerialization.data(withJSONObject: $0)) }
                after = object["last"] as? Int ?? 0
            }
            #expect(copied.count == lines.count)
            #expect(copied.count == Int(head.seq))
            #expect(copied == lines)
            #expect(try await client.call(.get, "/api/v1/log?limit=0", token: auditor).status == .badRequest)
        }
    }

    /// A JSON object's text with its keys sorted, to compare objects read from different texts.
    static func canonical(_ data: Data) throws -> String {
        let object = try JSONSerialization.jsonObject(with: data)
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func aTallySheetGoesInWholeOrNotAtAll() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let (clerk, _) = try await client.login(Harness.people.clerk)
            let bad = "date,household,rule,points,note\r\n2026-01-10,H001,A1.2,,\r\n2026-01-10,H999,A1.2,,\r\n2026-01-11,H002,Q1,,\r\n"
            let before = try harness.ledger.head()
            let refused = try await client.execute(uri: "/api/v1/sheets?name=%E4%B8%80%E6%9C%88.csv", method: .post,
                                                   headers: [.authorization: "Bearer \(clerk)", .contentType: "text/csv"],
                                                   body: ByteBuffer(string: bad))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.kind == "sheetRefused")
            let refusedLines = (try refused.object()["lines"] as? [[String: Any]] ?? []).compactMap { $0["line"] as? Int }
            #expect(refusedLines == [3, 4])
            #expect(try harness.ledger.head() == before)
            let good = "date,household,rule,points,note\r\n2026-01-10,H001,A1.2,,\r\n2026-01-11,H002,A1.2,,\r\n"
            let imported = try await client.execute(uri: "/api/v1/sheets?name=jan.csv", method: .post,
                                                    headers: [.authorization: "Bearer \(clerk)", .contentType: "text/csv"],
                                                    body: ByteBuffer(string: good))
            #expect(imported.status == .created)
            #expect(try imported.object()["scores"] as? Int == 2)
        }
    }

    @Test func healthAndTheAPIDocument() async throws {
        let harness = try Harness()
        // The document describes the API and the service's own two addresses; the HTML pages are not in it.
        let described = harness.service.router().routes.filter { route in
            let path = "\(route.path)"
            return path.hasPrefix("/api/") || path == "/healthz" || path == "/openapi.yaml"
        }
        let routed = Set(described.map { route in
            let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue) /" + path.joined(separator: "/")
        })
        try await harness.test { client in
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(try health.object()["events"] as? Int == Int(try harness.ledger.head().seq))
            #expect(health.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            let document = try await client.call(.get, "/openapi.yaml")
            #expect(document.status == .ok)
            // Every route the router has is in the document, and every operation of the document is a route.
            let yaml = try #require(try Yams.load(yaml: String(buffer: document.body)) as? [String: Any])
            let paths = try #require(yaml["paths"] as? [String: Any])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in (operations as? [String: Any] ?? [:]).keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            #expect(documented == routed, "only documented: \(documented.subtracting(routed)); only routed: \(routed.subtracting(documented))")
            let nowhere = try await client.call(.get, "/api/v1/nowhere")
            #expect(nowhere.status == .notFound)
            #expect(nowhere.kind == "notFound")
        }
    }

    /// Every refusal the table of rejections holds comes out with its own kind (the case's name) and both languages.
    @Test func everyRefusalHasItsKind() {
        for rejection in RejectionRows.cases.map(\.expected) {
            let refusal = APIError(rejection)
            #expect(refusal.kind == rejection.kind.rawValue)
            #expect(refusal.status == .unprocessableContent || refusal.status == .forbidden || refusal.status == .conflict)
            #expect(!refusal.message.isEmpty && !refusal.messageEn.isEmpty)
        }
    }
}
