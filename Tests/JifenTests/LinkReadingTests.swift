import Foundation
import GRDB
@testable import JifenStore
import Testing

/// `links(from:limit:)` reads the log in place (`LogRows.chainLink`) rather than through GRDB's copies of the view
/// `events`' rows. Held here to the view read as it was before, row by row through GRDB: on sound files of both stored
/// formats, a page at a time and from the middle (where a page's first link is looked up), the same links field for
/// field; and on every damage
/// `CompactLogDamage` makes, never laxer. Where the view's rows read as links and the links differ, the link read in
/// place does not hold (its hash is not over its fields: every reader refuses it); where the view's rows read and the
/// read in place refuses, the refusal is `StoreError.damaged` and `verify` finds the file damaged (a value of a kind
/// jifen never stores there: the view makes text of a 15-byte id, of an instant stored as text or a real number, and
/// spells a score's payload around a real number of points); where the view's rows do not read, neither do these.
@Suite struct LinkReading {
    /// The links from `seq` on as GRDB reads them from the view, or the error of the first row that does not read.
    static func viewLinks(_ db: Database, from seq: Int64, limit: Int) -> Result<[ChainLink], any Error> {
        Result {
            try Row.fetchAll(db, sql: """
                SELECT seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version, idempotency_key,
                       household, item, rule, earned, deducted, redeemed, stock, reverses, payload, prev_hash, hash
                FROM events WHERE seq >= ? ORDER BY seq LIMIT ?
                """, arguments: [seq, limit]).map { row in
                ChainLink(fields: Chain.Fields(seq: try row.at(0), id: try row.at(1), stream: try row.at(2), streamVersion: try row.at(3),
                                               type: try row.at(4), occurredOn: try row.at(5), recordedAt: try row.at(6), actor: try row.at(7),
                                               schemeVersion: try row.at(8), key: try row.at(9), household: try row.at(10),
                                               item: try row.at(11), rule: try row.at(12), earned: try row.at(13), deducted: try row.at(14),
                                               redeemed: try row.at(15), stock: try row.at(16), reverses: try row.at(17), payload: try row.at(18)),
                          previousHash: try row.at(19), hash: try row.at(20))
            }
        }
    }

    /// Where `links` read in place differs from the view's: each difference as text (none when they agree).
    /// On a sound file (`named` nil) every link must be the view's; on a damaged one, a link may differ where it does not
    /// hold, and a refusal must name one of the events the damage alters (`named`).
    static func differences(_ path: String, pages: [(from: Int64, limit: Int)], named: Set<Int64>? = nil) throws -> [String] {
        let store = try EventStore(path: path, create: false, readOnly: true)
        var found: [String] = []
        for (from, limit) in pages {
            let mine = Result { try store.read { try $0.links(from: from, limit: limit) } }
            let view = try store.withDatabase { Self.viewLinks($0, from: from, limit: limit) }
            switch (mine, view) {
            case (.success(let mine), .success(let view)):
                if mine.count != view.count { found.append("from #\(from): \(mine.count) links, the view \(view.count)") }
                for (a, b) in zip(mine, view) where a.canonicalBytes != b.canonicalBytes || a.previousHash != b.previousHash || a.hash != b.hash {
                    if named == nil || a.holds { found.append("link #\(b.fields.seq) differs from the view's") }
                }
            case (.failure(let error), .failure):
                if case StoreError.damaged = error {} else { found.append("from #\(from): \(error), not damage") }
            case (.failure(let error), .success):
                guard case StoreError.damaged(let column, _) = error else {
                    found.append("from #\(from): \(error), not damage")
                    continue
                }
                if try store.verify().problems.isEmpty { found.append("from #\(from): refused (\(error)), and verify finds nothing") }
                // "event N's column": N must be an event the damage alters.
                let seq = column.split(separator: " ").dropFirst().first.flatMap { Int64($0.replacingOccurrences(of: "'s", with: "")) }
                if let named, !named.isEmpty, seq.map({ !named.contains($0) }) ?? true {
                    found.append("from #\(from): refused naming \(column), not one of \(named.sorted())")
                }
            case (.success, .failure(let error)):
                found.append("from #\(from): read whole, where the view's rows do not read (\(error))")
            }
        }
        return Array(found.prefix(10))
    }

    @Test(arguments: StoredFormat.allCases)
    func aSoundFileGivesTheViewsLinks(_ format: StoredFormat) throws {
        let office = try DamagedFiles().village(format)
        let path = office.url.appendingPathComponent("jifen.sqlite").path
        let count = Int(try office.sqlite("SELECT count(*) FROM \(format.table)").first ?? "") ?? 0
        #expect(count > 20)
        let pages: [(Int64, Int)] = [(1, Int.max), (1, 7), (8, 7), (Int64(count / 2), 3), (Int64(count), 5), (Int64(count + 1), 5), (1, 0)]
        #expect(try Self.differences(path, pages: pages) == [])
        // Every link read is one: each holds (its hash over its fields) and follows the one before.
        let links = try EventStore(path: path, create: false, readOnly: true).read { try $0.links(from: 1, limit: Int.max) }
        #expect(links.count == count)
        #expect(links.allSatisfy { $0.holds })
        #expect(zip(links, links.dropFirst()).allSatisfy { $0.hash == $1.previousHash })
    }

    @Test(arguments: CompactLogDamage.damages)
    func aDamagedFileGivesTheViewsLinksOrRefuses(_ damage: CompactLogDamage.Damage) throws {
        let office = try CompactLogDamage().office()
        try office.write("edit.py", CompactLogDamage.edit)
        let made = try office.run("/usr/bin/env", ["python3", "edit.py", damage.sql, "damaged.sqlite"])
        #expect(made.status == 0, "\(made.err)")
        let path = office.url.appendingPathComponent("damaged.sqlite").path
        let named = try office.sqlite(damage.sql.isEmpty ? "SELECT 1 WHERE 0" : damage.named).compactMap { Int64($0) }
        let pages = [(Int64(1), Int.max)] + named.flatMap { [(max(1, $0 - 1), 3), ($0, 1)] }
        let found = try Self.differences(path, pages: pages, named: Set(named))
        #expect(found == [], "\(damage): \(found)")
    }

    /// Stored format 1's own damages: values of another kind in its columns, and the link and hash it stores per row.
    static let wideDamages = [
        "UPDATE events SET stream_version = CAST(stream_version AS TEXT) WHERE seq = 12",
        "UPDATE events SET earned = earned + 0.5 WHERE seq = 12",
        "UPDATE events SET id = CAST(id AS BLOB) WHERE seq = 12",
        "UPDATE events SET payload = CAST(payload AS BLOB) WHERE seq = 12",
        "UPDATE events SET hash = substr(hash, 1, 31) WHERE seq = 12",
        "UPDATE events SET prev_hash = zeroblob(31) WHERE seq = 12",
        "UPDATE events SET household = 7 WHERE seq = 12",
    ]

    @Test(arguments: wideDamages)
    func aDamagedWideFileGivesTheViewsLinksOrRefuses(_ sql: String) throws {
        let office = try StoredFormat.wide.making { try DamagedFiles().village(.wide) }
        try office.write("edit.py", CompactLogDamage.edit.replacingOccurrences(of: "('event_log', 'rule_texts')", with: "('events')"))
        let made = try office.run("/usr/bin/env", ["python3", "edit.py", sql, "damaged.sqlite"])
        #expect(made.status == 0 && made.out == "1\n", "\(made.out)\(made.err)")
        let path = office.url.appendingPathComponent("damaged.sqlite").path
        let found = try Self.differences(path, pages: [(1, Int.max), (11, 3), (12, 1), (13, 2)], named: [12])
        #expect(found == [], "\(sql): \(found)")
    }
}
