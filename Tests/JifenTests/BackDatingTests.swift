import Foundation
import Testing

/// A shop slip entered late is dated the day it was written; points that were not yet final that day (their
/// notice closed later) cannot pay for it. The same rule as the core's, from the SQLite tables.
@Suite struct BackDatedRedemptions {
    @Test func aRedemptionIsNotDatedBeforeItsPointsWereFinal() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("shop", "add", "salt", "--name", "食盐", "--unit", "500 g", "--price", "3", "--by", "李店长"))
        expectOK(try office.jifen("shop", "restock", "salt", "--qty", "10", "--date", "2025-03-01", "--by", "李店长"))
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-03-05", "--note", "献血", "--by", "王会计"))
        try office.finalize("2025-03")
        let events = try office.eventCount()
        for day in ["2025-03-20", "2025-04-07"] {
            expectRefused(try office.jifen("shop", "redeem", "H001", "salt", "--qty", "1", "--date", day, "--by", "李店长", "--lang", "en"),
                          mentioning: "a redemption dated \(day) would overdraw it")
        }
        #expect(try office.eventCount() == events, "a refused redemption writes nothing")
        // Dated the day the notice closed, the slip goes through.
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--qty", "2", "--date", "2025-04-08", "--by", "李店长"))
        let balance = try #require(try office.json("balance", "H001") as? [String: Any])
        #expect(balance["available"] as? Int == 4, "\(balance)")
    }
}
