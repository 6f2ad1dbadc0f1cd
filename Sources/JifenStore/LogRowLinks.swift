import Foundation
import GRDBSQLite
import JifenCore

extension LogRows {
    /// The current row as a `ChainLink`: each field as stored format 1 gives it (the view `events`, for a compact log),
    /// of the kind its column holds in every file jifen writes — a whole number, a text, NULL only where the column may
    /// be, a 32-byte link and hash — or `StoreError.damaged` naming the first column that is not. Read in place from the
    /// step's columns: `links(from:limit:)` through GRDB's rows and the view took about 60,000 instructions an event
    /// of a load's 190,000 (callgrind, `jifen-county load` of an 11,038-event file; docs/PERFORMANCE.md).
    func chainLink() throws -> ChainLink {
        let compact = format == .compact
        func damaged(_ column: Int32, named name: Int32? = nil) -> StoreError {
            let found = switch columns.type(column) {
            case SQLITE_NULL: "NULL"
            case SQLITE_INTEGER: "a whole number"
            case SQLITE_FLOAT: "a real number"
            case SQLITE_BLOB: "a blob"
            default: "a text"
            }
            return StoreError.damaged(column: "event \(columns.int64(0))'s \(LogRows.names[Int(name ?? column)])", found: found)
        }
        func integer(_ column: Int32) throws -> Int64 {
            guard columns.type(column) == SQLITE_INTEGER else { throw damaged(column) }
            return columns.int64(column)
        }
        func optionalInteger(_ column: Int32) throws -> Int64? {
            columns.isNull(column) ? nil : try integer(column)
        }
        func text(_ column: Int32) throws -> String {
            guard columns.type(column) == SQLITE_TEXT else { throw damaged(column) }
            return String(decoding: columns.bytes(column), as: UTF8.self)
        }
        func optionalText(_ column: Int32) throws -> String? {
            columns.isNull(column) ? nil : try text(column)
        }
        // The columns a compact log stores otherwise (its UUID, instant, payload, link and hash), as format 1 has them.
        let idHolds = columns.type(1) == SQLITE_TEXT || (compact && columns.type(1) == SQLITE_BLOB && columns.bytes(1).count == 16)
        guard idHolds else { throw damaged(1) }
        let instantHolds = compact
            ? columns.type(6) == SQLITE_INTEGER && (0...RecordedInstant.latest).contains(columns.int64(6))
            : columns.type(6) == SQLITE_TEXT
        guard instantHolds else { throw damaged(6) }
        guard columns.isNull(18) ? compact && !isNull(18) : columns.type(18) == SQLITE_TEXT else { throw damaged(18) }
        // A hash of 32 bytes, as the table's CHECK asks (which a text of 32 bytes passes, as it passes `verify`).
        let hashColumn: Int32 = compact ? 19 : 20
        func hashKind(_ column: Int32) -> Bool { columns.type(column) == SQLITE_BLOB || columns.type(column) == SQLITE_TEXT }
        guard hashKind(hashColumn), columns.bytes(hashColumn).count == 32 else { throw damaged(hashColumn, named: 20) }
        guard !isNull(19), bytes(19).count == 32, compact || hashKind(19) else {
            throw StoreError.damaged(column: "event \(columns.int64(0))'s prev_hash", found: compact ? "no event before it" : "no 32-byte hash")
        }
        let fields = Chain.Fields(
            seq: try integer(0), id: String(decoding: bytes(1), as: UTF8.self), stream: try text(2), streamVersion: try integer(3),
            type: try text(4), occurredOn: try text(5), recordedAt: String(decoding: bytes(6), as: UTF8.self), actor: try text(7),
            schemeVersion: Int(try integer(8)), key: try optionalText(9), household: try optionalText(10), item: try optionalText(11),
            rule: try optionalText(12), earned: Int(try integer(13)), deducted: Int(try integer(14)), redeemed: Int(try integer(15)),
            stock: Int(try integer(16)), reverses: try optionalInteger(17), payload: String(decoding: bytes(18), as: UTF8.self))
        return ChainLink(fields: fields, previousHash: Data(bytes(19)), hash: Data(bytes(20)))
    }

    /// The columns' names in format 1's order (`RawRows.chainColumns`).
    static let names = RawRows.chainColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
}
