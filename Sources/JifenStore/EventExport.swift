import Foundation
import GRDB
import JifenAudit
import JifenCore

/// The event log as JSON Lines for auditors: one object per event with every stored column — the 19 hashed
/// fields, `prevHash` and `hash` in hex — so that the chain can be recomputed with no database
/// (docs/FORMAT.md, "Exports"). Keys come in the canonical order; the payload is the stored JSON text as a string.
extension EventStore {
    /// The export's format name (`AuditExport.format`, where the format is defined with its checker).
    public static let exportFormat = AuditExport.format

    /// How `exportEvents` writes each event.
    public enum ExportFormat: Sendable {
        /// One JSON object per line (docs/FORMAT.md, "Exports").
        case jsonl
        /// A header line, then one line per event: the same columns, for Excel and WPS (CRLF; the caller adds the BOM).
        case csv
    }

    static let exportColumns = AuditExport.columns

    /// Writes events `from`…`to` (inclusive), each line's bytes with its line ending, streaming: nothing of the log is
    /// held but the line being written. `progress` gets (events written, events to write).
    public func exportEvents(_ format: ExportFormat, from: Int64 = 1, to: Int64? = nil, progress: ((Int64, Int64) -> Void)? = nil,
                             write: (UnsafeRawBufferPointer) throws -> Void) throws {
        try queue.read { db in
            let last = to ?? Int64.max
            let total = progress == nil ? 0 : (try Int64.fetchOne(db, sql: "SELECT count(*) FROM events WHERE seq >= ? AND seq <= ?",
                                                                  arguments: [from, last]) ?? 0)
            // Every stored column, in format 1's order and form whatever the file's format (`LogRows`).
            let rows = try LogRows(db, where: "seq >= \(from) AND seq <= \(last)")
            let numeric: Set<Int32> = [0, 3, 8, 13, 14, 15, 16, 17]
            var out = PayloadWriter.JSONText()
            if format == .csv {
                for (index, name) in EventStore.exportColumns.enumerated() {
                    if index > 0 { out.bytes.append(UInt8(ascii: ",")) }
                    name.withUTF8Buffer { out.bytes.append(contentsOf: $0) }
                }
                out.bytes.append(contentsOf: [0x0D, 0x0A])
                try out.bytes.withUnsafeBytes { try write($0) }
            }
            var count: Int64 = 0
            while try rows.next() {
                out.reset()
                switch format {
                case .jsonl:
                    out.open()
                    for column in Int32(0)...20 {
                        out.key(EventStore.exportColumns[Int(column)])
                        if column >= 19 {
                            out.hexString(rows.bytes(column))
                        } else if rows.isNull(column) {
                            out.null()
                        } else if numeric.contains(column) {
                            out.number(Int(rows.int64(column)))
                        } else {
                            out.string(utf8: rows.bytes(column))
                        }
                    }
                    out.close()
                    out.bytes.append(0x0A)
                case .csv:
                    for column in Int32(0)...20 {
                        if column > 0 { out.bytes.append(UInt8(ascii: ",")) }
                        if column >= 19 {
                            for byte in rows.bytes(column) {
                                out.bytes.append(PayloadWriter.JSONText.hexDigit(byte >> 4))
                                out.bytes.append(PayloadWriter.JSONText.hexDigit(byte & 0x0F))
                            }
                        } else if rows.isNull(column) {
                            continue
                        } else if numeric.contains(column) {
                            out.number(Int(rows.int64(column)))
                        } else {
                            // A text cell that a spreadsheet would read as a formula (it starts with = + - @, a tab or
                            // a CR) gets a leading ' (OWASP's rule for CSV injection); numbers above stay numbers.
                            let text = rows.bytes(column)
                            let defused = text.first.map(EventStore.startsFormula) ?? false
                            // RFC 4180: a cell with a comma, a quote or a line break is quoted, its quotes doubled.
                            if text.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) {
                                out.bytes.append(UInt8(ascii: "\""))
                                if defused { out.bytes.append(UInt8(ascii: "'")) }
                                for byte in text {
                                    if byte == UInt8(ascii: "\"") { out.bytes.append(byte) }
                                    out.bytes.append(byte)
                                }
                                out.bytes.append(UInt8(ascii: "\""))
                            } else {
                                if defused { out.bytes.append(UInt8(ascii: "'")) }
                                out.bytes.append(contentsOf: text)
                            }
                        }
                    }
                    out.bytes.append(contentsOf: [0x0D, 0x0A])
                }
                try out.bytes.withUnsafeBytes { try write($0) }
                count += 1
                if let progress, count % 100_000 == 0 { progress(count, total) }
            }
        }
    }
}

extension EventStore {
    /// Whether a text cell starting with `byte` would be read as a formula by Excel or WPS: `= + - @`, a tab or a CR.
    static func startsFormula(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
            || byte == 0x09 || byte == 0x0D
    }
}
