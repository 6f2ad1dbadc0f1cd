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

    /// The core's scenario (GovernanceTests, `aBackDatedRedemptionSeesOnlyThePointsFinalOnItsDay`) through the CLI:
    /// a score taken back while pending, or final and reversed later, leaves 20 March with January's points only.
    @Test func aTakenBackScoreGivesNothingToTheDayOfASlip() throws {
        for reversedWhile in ["pending", "final"] {
            let office = try Office()
            try office.smallVillage()
            func ok(_ arguments: String...) throws -> Run {
                let run = try office.jifen(arguments: arguments)
                expectOK(run)
                return run
            }
            func notice(_ month: String, _ opens: String, _ closes: String) throws {
                _ = try ok("notice", "open", "--period", month, "--date", opens, "--by", "赵主任")
                _ = try ok("notice", "close", "--period", month, "--date", closes, "--by", "赵主任")
            }
            _ = try ok("shop", "add", "salt", "--name", "食盐", "--unit", "500 g", "--price", "3", "--by", "李店长")
            _ = try ok("shop", "restock", "salt", "--qty", "10", "--date", "2025-01-02", "--by", "李店长")
            _ = try ok("record", "H001", "C2.3", "--date", "2025-01-05", "--note", "献血", "--by", "王会计")
            try notice("2025-01", "2025-02-01", "2025-02-08")
            _ = try ok("record", "H001", "C1.2", "--points", "8", "--date", "2025-02-05", "--note", "调解纠纷", "--by", "王会计")
            try notice("2025-02", "2025-03-01", "2025-03-22")
            let march = try ok("record", "H001", "C2.3", "--date", "2025-03-05", "--note", "献血", "--by", "王会计")
            let seq = String(march.out.split(separator: "#")[1].prefix { $0.isNumber })
            func reverse(_ day: String) throws {
                let request = try ok("reverse", seq, "--reason", "记错户", "--date", day, "--by", "王会计")
                _ = try ok("approve", String(request.out.split(separator: "#")[2].prefix { $0.isNumber }), "--date", day, "--by", "赵主任")
            }
            if reversedWhile == "pending" {
                try reverse("2025-03-25")
            } else {
                try notice("2025-03", "2025-04-01", "2025-04-08")
                try reverse("2025-04-20")
            }
            let before = try #require(try office.json("balance", "H001") as? [String: Any])
            #expect(before["available"] as? Int == 18, "\(reversedWhile): \(before)")
            expectRefused(try office.jifen("shop", "redeem", "H001", "salt", "--qty", "4", "--date", "2025-03-20", "--by", "李店长", "--lang", "en"),
                          mentioning: "it had only 10, fewer than the 12 needed")
            _ = try ok("shop", "redeem", "H001", "salt", "--qty", "3", "--date", "2025-03-20", "--by", "李店长")
        }
    }
}
