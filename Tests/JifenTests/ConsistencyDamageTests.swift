import Foundation
import Testing

/// What the auditor's consistency check reads of an event another takes back, when that event is damaged.
@Suite struct ConsistencyDamage {
    @Test("a reversal's target with text where a number belongs: a finding, exit 2, no crash", arguments: StoredFormat.allCases)
    func damagedReversalTarget(_ format: StoredFormat) throws {
        let office = try format.making { try Golden().village() }
        #expect(try office.logTable() == format.table)
        let pair = try #require(try office.sqlite("SELECT seq || ' ' || reverses FROM events WHERE reverses IS NOT NULL ORDER BY seq LIMIT 1").first)
        let parts = pair.split(separator: " ")
        let (seq, target) = (try #require(parts.first), try #require(parts.last))
        let trigger = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_are_never_updated'").joined(separator: "\n") as String?)
        _ = try office.sqlite("DROP TRIGGER events_are_never_updated; UPDATE \(format.table) SET earned = 'abc', rule = CAST(x'ff' AS TEXT) WHERE seq = \(target); \(trigger);")
        let audit = try office.jifen("audit", "verify", "--lang", "en")
        #expect(audit.status == 2 && audit.out.contains("event #\(seq): it takes back event #\(target), one of whose columns cannot be read"),
                "\(audit.out)\(audit.err)")
    }
}
