import Foundation
@testable import JifenStore
import Testing

/// The CHECK constraints the incremental verify reads out of the log's schema.
@Suite struct CheckExpressions {
    @Test("CHECK with or without a space, in any case; parentheses and CHECK inside strings, names and comments not counted")
    func parsed() {
        let sql = """
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY CHECK(seq >= 1),
                "check (x" TEXT check  (length("check (x") < 3),
                note TEXT CHECK (note <> ')' AND note <> 'CHECK (' AND note NOT LIKE '%(%'), -- CHECK (a comment
                /* CHECK (another) */ CONSTRAINT c CHECK
                (coalesce([a)b], 1) = 1)
            )
            """
        #expect(EventStore.checkExpressions(sql) == [
            "seq >= 1",
            "length(\"check (x\") < 3",
            "note <> ')' AND note <> 'CHECK (' AND note NOT LIKE '%(%'",
            "coalesce([a)b], 1) = 1",
        ])
        #expect(EventStore.checkExpressions("CREATE TABLE t (a, CHECK (a > (0)") == [], "an unclosed expression is none")
    }
}
