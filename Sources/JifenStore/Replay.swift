import Foundation
import GRDB
import JifenCore

extension EventStore {
    /// The projections as they stood after event `seq`, folded afresh from the log in memory (the file is only read).
    public func replay(through seq: Int64) throws -> MemoryLedger {
        try queue.read { db in try EventStore.fold(db, through: seq) }
    }

    /// The last event recorded before `instant` (UTC, ISO 8601 as `recorded_at` holds it), 0 if none.
    public func lastSeq(recordedBefore instant: String) throws -> Int64 {
        try queue.read { db in
            // A compact log holds the instant in milliseconds: compared there, rather than each row's made into text.
            if try LogFormat.of(db) == .compact, let milliseconds = RecordedInstant.milliseconds(instant) {
                return try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM event_log WHERE recorded_at < ?",
                                          arguments: [milliseconds]) ?? 0
            }
            return try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM events WHERE recorded_at < ?", arguments: [instant]) ?? 0
        }
    }
}
