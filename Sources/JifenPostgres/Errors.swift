import Foundation
import PostgresNIO

/// What the county's store refuses or meets.
public enum PostgresStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An append on a read snapshot.
    case readOnly
    /// No village of that code in the county.
    case unknownVillage(String)
    /// A village of that code is already in the county.
    case villageExists(String)
    /// A village code the county does not take (letters, digits, `_`, `.`, `-`; at most 64).
    case badVillageCode(String)
    /// A township name the county does not take (empty, or longer than 64 characters).
    case badTownship(String)
    /// The server refused a statement: its message (for jifen's own triggers, `jifen: …`) and SQLSTATE.
    case refused(message: String, sqlState: String)
    /// The connection or the server failed (not a refusal): what postgres-nio says.
    case connection(String)
    /// A row read back is not what jifen stores: the event's sequence number and what is wrong.
    case damaged(village: String, seq: Int64, problem: String)
    /// The database was migrated by a newer jifen.
    case newerSchema(found: Int, known: Int)
    /// The store was called from a SwiftNIO event loop thread, which must never block.
    case onEventLoop
    /// A database URL this store cannot use.
    case badURL(String)
    /// The county was closed.
    case closed
    /// A write went on after a statement of its transaction had failed: nothing of it is committed.
    case failedTransaction

    init(_ error: PSQLError) {
        if let info = error.serverInfo, let message = info[.message] {
            self = .refused(message: message, sqlState: info[.sqlState] ?? "")
        } else {
            self = .connection(String(reflecting: error))
        }
    }

    /// The SQLSTATE of a unique index's refusal.
    static let uniqueViolation = "23505"

    public var description: String {
        switch self {
        case .readOnly: return "A read of the ledger cannot append events; write through a write transaction."
        case .unknownVillage(let village): return "There is no village \(village) in the county's database."
        case .villageExists(let village): return "The village \(village) is already in the county's database."
        case .badVillageCode(let code):
            return "'\(code)' is not a village code: letters, digits, '_', '.' and '-', at most 64, not starting with a sign."
        case .badTownship(let name): return "'\(name)' is not a township's name: at least one character, at most 64."
        case .refused(let message, let state): return "PostgreSQL refused it: \(message) (SQLSTATE \(state))"
        case .connection(let what): return "The connection to PostgreSQL failed: \(what)"
        case .damaged(let village, let seq, let problem): return "Village \(village), event #\(seq): \(problem)"
        case .newerSchema(let found, let known):
            return "The county's database is at schema version \(found), made by a newer jifen (this one knows \(known))."
        case .onEventLoop: return "The county's store was called on an event loop thread, which must never wait."
        case .badURL(let url): return "'\(url)' is not a PostgreSQL URL (postgres://user[:password]@host[:port]/database)."
        case .closed: return "The county's connections are closed."
        case .failedTransaction: return "A statement of this write failed; nothing of it is committed."
        }
    }
}
