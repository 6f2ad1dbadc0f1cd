import Foundation
import GRDB
import Jifen
import JifenCore
@testable import JifenStore
import Testing

/// `verifyProjections` reads the large tables a row at a time against the replay: a row changed, missing or extra is
/// each named, as when both sides were read whole.
@Suite struct ProjectionRowsAgainstTheReplay {
    @Test(arguments: [
        ("UPDATE p_households SET earned = 99 WHERE code = 'H002'", "p_households says head 李秀英"),
        ("DELETE FROM p_households WHERE code = 'H002'", "H002 is missing from p_households"),
        ("INSERT INTO p_households SELECT 'H009', head, unit, members, status, registered_on, closed_on, earned, deducted, redeemed, pending, proposed, expired, moved FROM p_households WHERE code = 'H001'",
         "p_households holds H009, which the log does not"),
    ])
    func eachDifferenceIsNamed(_ damage: String, _ finding: String) throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        #expect(try ledger.store.verifyProjections().isEmpty)
        try ledger.store.withDatabase { try $0.execute(sql: damage) }
        let problems = try ledger.store.verifyProjections()
        #expect(problems.count == 1 && problems.first?.what.contains(finding) == true, "\(problems.map(\.what))")
    }
}
