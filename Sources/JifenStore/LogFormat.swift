import GRDB

/// How a ledger file stores its log. Both hold the same hash chain, event for event and byte for byte of what is hashed
/// (docs/FORMAT.md); they differ only in how some fields sit in the table.
///
/// - `wide` (stored format 1): the table `events`, every hashed field as hashed, and each row's `prev_hash`.
/// - `compact` (stored format 2, what a new ledger is made in): the table `event_log`, with the UUID in 16 bytes, the
///   instant in milliseconds, no `prev_hash`, and a score's payload left out when its facts and its rule's text
///   (`rule_texts`) spell it out; the view `events` gives every event back in format 1's columns. 2.6× fewer bytes
///   an event at 10^6.
public enum LogFormat: Int, Sendable, CaseIterable {
    case wide = 1
    case compact = 2

    /// The table that holds the log.
    public var table: String {
        switch self {
        case .wide: "events"
        case .compact: "event_log"
        }
    }

    /// The format of an open ledger: compact when it has the table `event_log`.
    static func of(_ db: Database) throws -> LogFormat {
        try db.tableExists("event_log") ? .compact : .wide
    }
}
