import Foundation
import Jifen
import JifenDemo
import JifenCore
import Testing

/// `audit replay --as-of` at each of a generated year's twelve month-ends prints what the live books showed that
/// evening: every balance, the shop's stock and the joint-unit standings, noted by the generator as it went.
@Suite struct ReplayAtMonthEnds {
    @Test func theTwelveMonthEndsOfAGeneratedYear() throws {
        let office = try Office()
        struct Evening { let day: LocalDate, balances: String, standings: String, stock: String }
        var evenings: [Evening] = []
        let plan = GeneratorPlan(households: 48, years: 1, firstYear: 2025, seed: 11)
        _ = try LedgerGenerator.build(at: office.path("jifen.sqlite"), plan: plan, atMonthEnd: { day in
            // What the village office's screen said that evening, read by jifen itself from the live tables.
            let balances = try office.jifen("balance", "--json"), standings = try office.jifen("standings", "--period", "2025", "--json")
            let shop = try #require(try office.json("shop", "list") as? [[String: Any]])
            expectOK(balances)
            expectOK(standings)
            evenings.append(Evening(day: day, balances: try canonical(balances.out), standings: try canonical(standings.out),
                                    stock: try canonical(shop.map { ["item": $0["item"]!, "name": $0["name"]!, "stock": $0["stock"]!] })))
        })
        #expect(evenings.map { $0.day.month } == Array(1...12))
        #expect(Set(evenings.map(\.balances)).count == 12, "the books change from month to month")
        for evening in evenings {
            let replay = try #require(try office.json("audit", "replay", "--as-of", "\(evening.day)") as? [String: Any])
            #expect(try canonical(replay["balances"]!) == evening.balances, "balances at \(evening.day)")
            #expect(try canonical(replay["stock"]!) == evening.stock, "stock at \(evening.day)")
            #expect(try canonical(replay["standings"]!) == evening.standings, "standings at \(evening.day)")
            #expect(replay["period"] as? String == "2025")
        }
        // The same moment replays to the same bytes.
        let twice = try [1, 2].map { _ in try office.jifen("audit", "replay", "--as-of", "2025-06-30").out }
        #expect(twice[0] == twice[1] && twice[0].contains("联户评比 2025"))
    }

    /// JSON text or a JSON value, written again with sorted keys, so that two readings compare as text.
    func canonical(_ json: Any) throws -> String {
        let value = try (json as? String).map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? json
        return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}
