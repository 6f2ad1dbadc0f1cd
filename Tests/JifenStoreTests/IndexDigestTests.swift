import Foundation
import GRDB
import GRDBSQLite
import JifenCore
@testable import JifenStore
import Testing

/// `IndexDigests` hashes an index entry from a small buffer, or value by value when the entry is too long for it: the
/// two give the same hash for the same values, and an altered entry of the longest kind a ledger takes is found.
@Suite struct IndexDigestEntries {
    /// Entries of each class of value, short and past the buffer: hashed from the buffer and value by value alike;
    /// another index number, rowid or value gives another hash.
    @Test func theBufferAndTheValuesHashAlike() throws {
        let queue = try DatabaseQueue()
        try queue.read { db in
            let long = String(repeating: "长", count: 200)
            let rows = try RawRows(db, sql: "SELECT 'H001', '2025-03-28', 42, NULL, 1.5, x'00ff', '\(long)', 'H002'")
            #expect(try rows.next())
            let key = Hasher()
            var hashes: Set<UInt64> = []
            let entries: [[Int32]] = [[0, 1], [2, 3, 4, 5], [6], [0, 6], [7, 1]]
            let places: [(number: Int, rowid: Int64)] = [(0, 7), (1, 7), (0, 8)]
            for positions in entries {
                positions.withUnsafeBufferPointer { positions in
                    for (number, rowid) in places {
                        let buffered = IndexDigests.entryHash(key, number, rowid: rowid, rows, positions)
                        #expect(buffered == IndexDigests.entryHashByValue(key, number, rowid: rowid, rows, positions), "\(Array(positions))")
                        hashes.insert(buffered)
                    }
                }
            }
            #expect(hashes.count == entries.count * places.count)
        }
    }

    /// Keys of a few bytes and of the longest a key may be: the indexes agree with the table, and the longest key's
    /// entry altered in its index is found.
    @Test(arguments: LogFormat.allCases)
    func theLongestKeysAgreeAndAnAlteredOneIsFound(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"), format: format)
        let march28 = LocalDate("2025-03-28")!
        let keys = ["k", String(repeating: "k-1", count: 20), String(repeating: "k", count: 128)]
        for key in keys { try ledger.execute(score("H001", "A1.2"), by: "王会计", on: march28, key: key) }
        #expect(try ledger.store.verifyAll(audit: false).isValid)
        // The longest key's entry altered in the key's index (and only there): SQLite's own hands rebuild the index
        // from a definition that changes it, and the definition is put back.
        let longest = keys[2]
        try ledger.store.withDatabase { db in
            let original = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'events_idempotency_key'") ?? ""
            #expect(original.contains("idempotency_key"))
            try db.execute(sql: "DROP INDEX events_idempotency_key")
            try db.execute(sql: """
                CREATE UNIQUE INDEX events_idempotency_key ON \(format.table) \
                (CASE WHEN idempotency_key = '\(longest)' THEN idempotency_key || 'x' ELSE idempotency_key END) WHERE idempotency_key IS NOT NULL
                """)
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE name = 'events_idempotency_key'", arguments: [original])
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        let reopened = try EventStore(path: scratch.path("v.sqlite"), create: false)
        let report = try reopened.verifyAll(audit: false)
        #expect(report.problems.contains { $0.what.contains("the index events_idempotency_key does not hold exactly the rows") }, "\(report.problems)")
    }
}
