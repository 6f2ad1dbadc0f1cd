import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenServer
import Testing

@Suite("Residents' cards") struct ResidentTests {
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
