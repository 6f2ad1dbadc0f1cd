import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenServer
import Testing

@Suite("Residents' cards") struct ResidentTests {
    /// A household whose code is not ASCII (张家, Hé): its card's link and the API reach it however the phone or browser
    /// sends the code — percent-encoded, as every browser sends a path, and in either Unicode spelling. (A path's
    /// segments come from Hummingbird as sent: before, a card for such a code opened nothing.)
    @Test func aCodeBeyondASCIIIsReachedThroughItsPercentEncodedPath() async throws {
        let harness = try Harness()
        harness.ledger.trustAuthenticated(Harness.people.admin)
        let (composed, decomposed) = ("H\u{E9}张", "He\u{301}张")
        try harness.ledger.execute(.registerHousehold(HouseholdCode(rawValue: decomposed), head: "周小梅", unit: "U01", members: 2),
                                   by: Harness.people.admin)
        let card = try harness.ledger.issueCard(for: HouseholdCode(rawValue: composed), by: Harness.people.admin)
        #expect(card.household.rawValue.utf8.elementsEqual(composed.utf8))
        @Sendable func path(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        try await harness.test { client in
            let (token, _) = try await client.login(Harness.people.clerk)
            for spelling in [composed, decomposed] {
                let page = try await client.call(.get, "/h/\(path(spelling))/\(card.token)")
                #expect(page.status == .ok, "\(path(spelling))")
                #expect(String(buffer: page.body).contains("周小梅"))
                let balance = try await client.call(.get, "/api/v1/households/\(path(spelling))/balance", token: token)
                #expect(balance.status == .ok, "\(String(buffer: balance.body))")
                #expect((try balance.object()["household"] as? String)?.utf8.elementsEqual(composed.utf8) == true)
                let history = try await client.call(.get, "/api/v1/households/\(path(spelling))/history", token: token)
                #expect(history.status == .ok, "\(String(buffer: history.body))")
            }
        }
    }

    /// A household's card opens its own page, with no login, and nothing else; issued again, the old one opens nothing.
    @Test func aCardOpensItsHouseholdsPageAndNoOther() async throws {
        let harness = try Harness()
        harness.ledger.trustAuthenticated(Harness.people.clerk)
        let first = try harness.ledger.issueCard(for: "H005", by: Harness.people.clerk)
        let account = try #require(try harness.ledger.balances(of: "H005").first)
        try await harness.test { client in
            let page = try await client.call(.get, "/h/H005/\(first.token)")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("H005") && html.contains(account.head) && html.contains(">\(account.available)<"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            // Again: remembered, the same page.
            #expect(try await client.call(.get, "/h/H005/\(first.token)").status == .ok)
            // Another household's code with this card's token, a token changed by one letter: nothing.
            #expect(try await client.call(.get, "/h/H006/\(first.token)").status == .notFound)
            let altered = String(first.token.dropLast()) + (first.token.hasSuffix("A") ? "B" : "A")
            #expect(try await client.call(.get, "/h/H005/\(altered)").status == .notFound)
            // The card is no session: the API stays closed.
            #expect(try await client.call(.get, "/api/v1/households/H005/balance").status == .unauthorized)
            #expect(!html.contains("/shop?household="))
            // The shopkeeper who scans the card, logged in, gets one tap to the shop with the household filled in.
            let (shop, _) = try await client.login(Harness.people.shopkeeper)
            let scanned = try await client.call(.get, "/h/H005/\(first.token)", headers: [.cookie: "jifen_session=\(shop)"])
            #expect(String(buffer: scanned.body).contains("href=\"/shop?household=H005\""))
            let counter = try await client.call(.get, "/shop?household=H005", headers: [.cookie: "jifen_session=\(shop)"])
            #expect(counter.status == .ok)
            #expect(String(buffer: counter.body).contains(account.head))
        }
        let second = try harness.ledger.issueCard(for: "H005", by: Harness.people.clerk)
        try await harness.test { client async throws in
            #expect(try await client.call(.get, "/h/H005/\(first.token)").status == .notFound)
            #expect(try await client.call(.get, "/h/H005/\(second.token)").status == .ok)
        }
    }

    @Test func tooManyWrongLinksForAHouseholdAreRefusedForAWhile() async throws {
        let harness = try Harness()
        harness.ledger.trustAuthenticated(Harness.people.clerk)
        let card = try harness.ledger.issueCard(for: "H007", by: Harness.people.clerk)
        try await harness.test { client async throws in
            for n in 0..<5 {
                let wrong = String(repeating: "x", count: 42) + "\(n)"
                #expect(try await client.call(.get, "/h/H007/\(wrong)").status == .notFound)
            }
            #expect(try await client.call(.get, "/h/H007/\(card.token)").status == .tooManyRequests)
            harness.clock.set(harness.clock.environment.now().addingTimeInterval(15 * 60 + 1))
            #expect(try await client.call(.get, "/h/H007/\(card.token)").status == .ok)
        }
    }
}

@Suite("Statements' checks") struct StatementCheckTests {
    /// The link a statement's QR code holds says whether the log still holds, at the statement's head, the hash
    /// printed on it, and shows the period's figures by the ledger now.
    @Test func aStatementsLinkSaysWhetherTheLogStillHoldsItsHead() async throws {
        let harness = try Harness()
        guard let period = ReportPeriod("2025-11") else { Issue.record("no period"); return }
        let statement = try harness.ledger.statement(of: "H005", period: period, printedOn: harness.ledger.today())
        let link = statement.link(base: "https://jifen.example.cn")
        #expect(link == "https://jifen.example.cn/s/H005/2025-11/\(statement.headSeq)/\(statement.headHash)")
        let path = String(link.dropFirst("https://jifen.example.cn".count))
        try await harness.test { client in
            let page = try await client.call(.get, path)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("一致：") && !html.contains("不一致"))
            #expect(html.contains(">\(statement.closing)<"))
            let altered = String(statement.headHash.dropLast()) + (statement.headHash.hasSuffix("0") ? "1" : "0")
            let rewritten = try await client.call(.get, "/s/H005/2025-11/\(statement.headSeq)/\(altered)")
            #expect(String(buffer: rewritten.body).contains("改写"))
            let cut = try await client.call(.get, "/s/H005/2025-11/\(statement.headSeq + 1000)/\(statement.headHash)")
            #expect(String(buffer: cut.body).contains("截断"))
            #expect(try await client.call(.get, "/s/H999/2025-11/\(statement.headSeq)/\(statement.headHash)").status == .notFound)
        }
    }
}
