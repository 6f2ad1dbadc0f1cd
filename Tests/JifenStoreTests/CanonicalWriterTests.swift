import Foundation
import GRDB
import Jifen
import JifenCore
@testable import JifenStore
import Testing

/// `verify`'s chain pass writes a compact row's canonical bytes straight from the step's columns
/// (`LogRows.writeCanonical`); `CanonicalBuffer.write` writes any row's through its accessors. Both must give the same
/// bytes for every row, sound or damaged, or the chain would judge a row otherwise than the form says.
@Suite struct CanonicalWriter {
    /// Damage to the rows of a compact village's year, each putting a value of another kind, or none, where the writer
    /// reads one: a text UUID, a UUID of 15 bytes, an instant as text and as a real, integers as text and as reals,
    /// NULLs, long and empty texts, a payload left out with no rule text to spell it from, negative and wide figures.
    static let damage = [
        "UPDATE event_log SET id = 'not-a-uuid' WHERE seq = 1",
        "UPDATE event_log SET id = zeroblob(15) WHERE seq = 2",
        "UPDATE event_log SET recorded_at = 'yesterday', stream_version = '7' WHERE seq = 3",
        "UPDATE event_log SET recorded_at = 1.5, earned = 2.25 WHERE seq = 4",
        "UPDATE event_log SET household = NULL, item = NULL, stock = '3', reverses = -12345678901 WHERE seq = 5",
        "UPDATE event_log SET household = '', occurred_on = 20250101, deducted = -7, redeemed = 1234567890123 WHERE seq = 6",
        "UPDATE event_log SET payload = NULL, rule = 'no-such-rule' WHERE seq = 7",
        "UPDATE event_log SET stream = printf('%.*c', 12000, 'x'), actor = printf('%.*c', 150, 'y') WHERE seq = 8",
        "UPDATE event_log SET idempotency_key = printf('%.*c', 1500, 'k'), item = X'00FF' WHERE seq = 9",
    ]

    @Test("a compact row's canonical bytes written from its columns are the bytes its accessors give, damaged or not")
    func sameBytes() throws {
        let scratch = try Scratch()
        let ledger = try CompactLog.scriptedYear(at: scratch.path("v.sqlite"), format: .compact)
        #expect(try eventCount(ledger) >= CanonicalWriter.damage.count)
        // Sound rows first: every row, and with the score payloads spelled from their facts among them.
        let sound = try compare(ledger)
        #expect(sound.rows == (try eventCount(ledger)) && sound.differing.isEmpty, "\(sound.differing)")
        #expect(sound.spelled > 0)
        try ledger.store.withDatabase { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON; DROP TRIGGER events_are_never_updated")
            for sql in CanonicalWriter.damage { try db.execute(sql: sql) }
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let damaged = try compare(ledger)
        #expect(damaged.rows == sound.rows && damaged.differing.isEmpty, "\(damaged.differing)")
        // The damage changed the hashed bytes of each row it touched (so the rows above were compared as damaged).
        #expect(damaged.canonical.count == sound.canonical.count)
        for seq in 1...CanonicalWriter.damage.count {
            #expect(damaged.canonical[seq - 1] != sound.canonical[seq - 1], "#\(seq)")
        }
    }

    /// Each row's canonical bytes both ways: the rows compared, the sequence numbers where they differ, how many rows had a
    /// payload spelled out, and each row's bytes (the fast writer's).
    func compare(_ ledger: Ledger) throws -> (rows: Int, differing: [Int64], spelled: Int, canonical: [[UInt8]]) {
        try ledger.store.withDatabase { db in
            let rows = try LogRows(db, where: "1", order: "rowid")
            var count = 0, spelled = 0
            var differing: [Int64] = []
            var canonical: [[UInt8]] = []
            var fast = [UInt8](repeating: 0, count: 1 << 15), slow = [UInt8](repeating: 0, count: 1 << 15)
            while try rows.next() {
                count += 1
                if rows.columns.isNull(18) && !rows.isNull(18) { spelled += 1 }
                let a = fast.withUnsafeMutableBytes { rows.writeCanonical(into: $0) }
                let b = slow.withUnsafeMutableBytes { CanonicalBuffer.write(rows, into: $0) }
                // Too little room is refused alike, writing nothing that counts.
                let short = fast.withUnsafeMutableBytes { rows.writeCanonical(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<40])) }
                let shortSlow = slow.withUnsafeMutableBytes { CanonicalBuffer.write(rows, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<40])) }
                guard let a, let b, a == b, fast[0..<a] == slow[0..<b], short == shortSlow else {
                    differing.append(rows.int64(0))
                    continue
                }
                canonical.append(Array(fast[0..<a]))
            }
            return (count, differing, spelled, canonical)
        }
    }

    @Test("a netstring's length and a number are written as the form says, at every width")
    func netstrings() {
        var buffer = [UInt8](repeating: 0, count: 32_000)
        for length in [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9999, 10_000, 10_001, 20_000] {
            let text = [UInt8](repeating: UInt8(ascii: "z"), count: length)
            let written = buffer.withUnsafeMutableBytes { out -> Int? in
                var writer = NetstringWriter(base: out.baseAddress!, capacity: out.count)
                return text.withUnsafeBytes { writer.field($0) } ? writer.at : nil
            }
            #expect(written.map { Array(buffer[0..<$0]) } == Array("\(length):".utf8) + text + [UInt8(ascii: ",")], "\(length)")
            // Exactly the room it takes is enough, one byte less is refused.
            let needed = "\(length):".utf8.count + length + 1
            for (room, fits) in [(needed, true), (needed - 1, false)] {
                let ok = buffer.withUnsafeMutableBytes { out -> Bool in
                    var writer = NetstringWriter(base: out.baseAddress!, capacity: room)
                    return text.withUnsafeBytes { writer.field($0) }
                }
                #expect(ok == fits, "\(length) in \(room)")
            }
        }
        for number: Int64 in [0, 1, 9, 10, -1, -9, -10, 99, 100, 12345, -12345, Int64.max, Int64.min, 1_010_195] {
            let written = buffer.withUnsafeMutableBytes { out -> Int? in
                var writer = NetstringWriter(base: out.baseAddress!, capacity: out.count)
                return writer.field(number) ? writer.at : nil
            }
            let text = String(number)
            #expect(written.map { Array(buffer[0..<$0]) } == Array("\(text.utf8.count):\(text),".utf8), "\(number)")
            let needed = "\(text.utf8.count):\(text),".utf8.count
            for (room, fits) in [(needed, true), (needed - 1, false)] {
                let ok = buffer.withUnsafeMutableBytes { out -> Bool in
                    var writer = NetstringWriter(base: out.baseAddress!, capacity: room)
                    return writer.field(number)
                }
                #expect(ok == fits, "\(number) in \(room)")
            }
        }
    }
}
