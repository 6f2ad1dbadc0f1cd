import Crypto
import Foundation
import GRDB
import GRDBSQLite
import JifenCore

/// The loops over a whole log (`verify`'s chain, the audit export, the check of the head) read its rows through this:
/// each event's 21 columns in stored format 1's order and form — 0 `seq` … 18 `payload`, 19 `prev_hash`, 20 `hash` —
/// whatever the file's format. A format-1 file is read as it is; a compact one (`LogFormat.compact`) from `event_log`
/// itself, its UUID, instant, payload and link given back here as the view `events` gives them (docs/FORMAT.md), at a
/// fraction of the view's cost: the view looks up each row's link and each score's rule text, this keeps the last
/// row's hash and every rule's text at hand. Column bytes are valid until the next step.
///
/// Each step asks SQLite for every selected column once (`StepColumns`): the canonical bytes, the kind checks and the
/// index digests of `verify`'s chain pass all read the same row, and asking again per use was about 60 calls a row.
final class LogRows: ChainRow {
    let rows: RawRows
    let format: LogFormat
    /// The position of the first column the caller added after the log's own (`extra`).
    let extraStart: Int32
    /// The current row's columns as the statement selects them (the log's own, then `extra`'s), read once per step.
    let columns: StepColumns
    /// Rule texts by scheme version and rule (compact).
    private let texts: RuleTextTable
    /// The hash of the row before, looked up when the row before is not the one just read (compact).
    private let linkLookup: RawRows?
    private var id = UnsafeMutableRawBufferPointer.allocate(byteCount: 36, alignment: 1)
    private var instant = [UInt8](repeating: 0, count: 24)
    // (The state kept from row to row is read for every field of every row: it is used by one thread at a time and never
    // passed inout, so its accesses go unchecked, `@exclusivity(unchecked)` — checked, they were three calls into the
    // runtime an event.)
    @exclusivity(unchecked) private var currentSeq: Int64?
    private var instantBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 1)
    /// The instant whose text `instantBuffer` holds (none yet: -1).
    @exclusivity(unchecked) private var instantWritten: Int64 = -1
    @exclusivity(unchecked) private var payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 1)
    @exclusivity(unchecked) private var payloadCount = 0
    @exclusivity(unchecked) private var payloadState = PayloadState.unread
    private var link = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 1)
    @exclusivity(unchecked) private var linkCount = 0
    @exclusivity(unchecked) private var lastSeq: Int64?
    private var lastHash = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 1)
    @exclusivity(unchecked) private var lastHashCount = -1

    private enum PayloadState { case unread, stored, spelled, missing }

    /// The log's own columns as each format selects them; the compact table has no `prev_hash`.
    static func columns(_ format: LogFormat) -> String {
        switch format {
        case .wide: RawRows.chainColumns
        case .compact: """
            seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
            idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, hash
            """
        }
    }

    /// The rows of the log that `condition` (SQL over its columns) selects, in `order`, each with `extra` columns after
    /// the log's own.
    init(_ db: Database, where condition: String, order: String = "seq", extra: String = "") throws {
        format = try LogFormat.of(db)
        rows = try RawRows(db, sql: "SELECT \(LogRows.columns(format))\(extra) FROM \(format.table) WHERE \(condition) ORDER BY \(order)")
        extraStart = format == .wide ? 21 : 20
        columns = StepColumns(rows.handle, count: Int(sqlite3_column_count(rows.handle)))
        if format == .compact {
            var found: [(schemeVersion: Int64, rule: [UInt8], text: [UInt8])] = []
            // (Of the kinds the view's look-up matches: SQL never finds a BLOB rule equal to a text one.)
            let all = try RawRows(db, sql: """
                SELECT scheme_version, rule, text FROM rule_texts
                WHERE typeof(scheme_version) = 'integer' AND typeof(rule) = 'text' AND typeof(text) = 'text'
                """)
            while try all.next() {
                found.append((all.int64(0), Array(all.bytes(1)), Array(all.bytes(2))))
            }
            texts = RuleTextTable(found)
            linkLookup = try RawRows(db, sql: "SELECT hash FROM event_log WHERE seq = ?")
        } else {
            texts = RuleTextTable([])
            linkLookup = nil
        }
    }

    deinit {
        columns.deallocate()
        id.deallocate()
        instantBuffer.deallocate()
        payload.deallocate()
        texts.deallocate()
        link.deallocate()
        lastHash.deallocate()
    }

    /// Steps to the next row; false at the end.
    func next() throws -> Bool {
        guard format == .compact else {
            guard try rows.next() else { return false }
            columns.read()
            return true
        }
        // The row just read is the link of the next, if that is its successor: its hash is kept before the step.
        if let current = currentSeq {
            let hash = columns.bytes(19)
            lastHashCount = min(hash.count, 32)
            if lastHashCount > 0 { lastHash.copyMemory(from: UnsafeRawBufferPointer(rebasing: hash[0..<lastHashCount])) }
            lastSeq = current
        }
        guard try rows.next() else {
            currentSeq = nil
            return false
        }
        columns.read()
        currentSeq = columns.int64(0)
        payloadState = .unread
        try readLink()
        return true
    }

    /// The link of the current row: the hash of the row just read when it is the one before, else looked up (32 zero
    /// bytes for the first event; none when the event before is missing).
    private func readLink() throws {
        let seq = columns.int64(0)
        if seq == 1 {
            link.initializeMemory(as: UInt8.self, repeating: 0)
            linkCount = 32
        } else if let lastSeq, lastSeq == seq - 1, lastHashCount >= 0 {
            link.copyMemory(from: UnsafeRawBufferPointer(rebasing: lastHash[0..<lastHashCount]))
            linkCount = lastHashCount
        } else if let lookup = linkLookup {
            sqlite3_bind_int64(lookup.handle, 1, seq - 1)
            defer { sqlite3_reset(lookup.handle) }
            if try lookup.next(), !lookup.isNull(0) {
                let hash = lookup.bytes(0)
                linkCount = min(hash.count, 32)
                if linkCount > 0 { link.copyMemory(from: UnsafeRawBufferPointer(rebasing: hash[0..<linkCount])) }
            } else {
                linkCount = -1
            }
        }
    }

    func isNull(_ column: Int32) -> Bool {
        guard format == .compact else { return columns.isNull(column) }
        switch column {
        case 18: return spellPayload() == .missing
        case 19: return linkCount < 0
        case 20: return columns.isNull(19)
        default: return columns.isNull(column)
        }
    }

    func int64(_ column: Int32) -> Int64 {
        format == .compact && column == 20 ? columns.int64(19) : columns.int64(column)
    }

    func int(_ column: Int32) -> Int { Int(int64(column)) }

    /// The column's bytes as format 1 holds them (text or blob).
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        guard format == .compact else { return columns.bytes(column) }
        switch column {
        case 1:
            // The UUID's 16 bytes as its lower-case text; anything else as stored.
            guard columns.type(1) == SQLITE_BLOB else { return columns.bytes(1) }
            let stored = columns.bytes(1)
            guard stored.count == 16 else { return stored }
            CompactFields.uuidText(stored, into: id)
            return UnsafeRawBufferPointer(id)
        case 6:
            // The instant's milliseconds as its text; anything else as stored.
            guard columns.type(6) == SQLITE_INTEGER else { return columns.bytes(6) }
            let milliseconds = columns.int64(6)
            guard (0...RecordedInstant.latest).contains(milliseconds) else { return columns.bytes(6) }
            // A batch's events share their instant: its text is written again only when it changes.
            if milliseconds != instantWritten {
                RecordedInstant.write(milliseconds: milliseconds, into: &instant, at: 0)
                instant.withUnsafeBytes { instantBuffer.copyMemory(from: $0) }
                instantWritten = milliseconds
            }
            return UnsafeRawBufferPointer(instantBuffer)
        case 18:
            switch spellPayload() {
            case .stored: return columns.bytes(18)
            case .spelled: return UnsafeRawBufferPointer(rebasing: payload[0..<payloadCount])
            default: return UnsafeRawBufferPointer(start: nil, count: 0)
            }
        case 19:
            return linkCount < 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : UnsafeRawBufferPointer(rebasing: link[0..<linkCount])
        case 20:
            return columns.bytes(19)
        default:
            return columns.bytes(column)
        }
    }

    /// Whether the column holds exactly these bytes.
    func equals(_ column: Int32, _ other: UnsafeRawBufferPointer) -> Bool {
        let mine = bytes(column)
        return mine.count == other.count && (mine.count == 0 || memcmp(mine.baseAddress!, other.baseAddress!, mine.count) == 0)
    }

    func string(_ column: Int32) -> String? {
        isNull(column) ? nil : String(decoding: bytes(column), as: UTF8.self)
    }

    /// A compact row's payload: stored, or spelled out from its facts and its rule's text as the view does (none when
    /// the household or the rule's text is missing, as the view gives NULL). Written straight into `payload`: with a
    /// string made for the rule to look its text up, and the payload appended piece by piece, this was a seventh of
    /// the chain pass's own work.
    private func spellPayload() -> PayloadState {
        if payloadState != .unread { return payloadState }
        if !columns.isNull(18) {
            payloadState = .stored
            return .stored
        }
        // Only what the view spells out: a text household and rule, integer scheme version and figures (SQL compares
        // values of other kinds otherwise), and points that are a number.
        func holds(_ column: Int32, _ type: Int32) -> Bool { columns.type(column) == type }
        let (points, overflow) = columns.int64(13).subtractingReportingOverflow(columns.int64(14))
        guard holds(10, SQLITE_TEXT), holds(12, SQLITE_TEXT), holds(8, SQLITE_INTEGER), holds(13, SQLITE_INTEGER),
              holds(14, SQLITE_INTEGER), !overflow,
              let text = texts.find(schemeVersion: columns.int64(8), rule: columns.bytes(12)) else {
            payloadState = .missing
            return .missing
        }
        let household = columns.bytes(10)
        let needed = LogRows.spelledHead.utf8CodeUnitCount + household.count + LogRows.spelledPoints.utf8CodeUnitCount + 20
            + LogRows.spelledRule.utf8CodeUnitCount + text.count + 1
        if needed > payload.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(needed, payload.count * 2), alignment: 1)
            payload.deallocate()
            payload = larger
        }
        guard let base = payload.baseAddress else {
            payloadState = .missing
            return .missing
        }
        var at = 0
        LogRows.put(UnsafeRawBufferPointer(staticString: LogRows.spelledHead), base, &at)
        LogRows.put(household, base, &at)
        LogRows.put(UnsafeRawBufferPointer(staticString: LogRows.spelledPoints), base, &at)
        // The points in decimal.
        var magnitude = points.magnitude, digits = 1
        while magnitude >= 10 {
            magnitude /= 10
            digits += 1
        }
        if points < 0 {
            base.storeBytes(of: UInt8(ascii: "-"), toByteOffset: at, as: UInt8.self)
            at += 1
        }
        magnitude = points.magnitude
        for index in stride(from: at + digits - 1, through: at, by: -1) {
            base.storeBytes(of: UInt8(truncatingIfNeeded: 48 &+ magnitude % 10), toByteOffset: index, as: UInt8.self)
            magnitude /= 10
        }
        at += digits
        LogRows.put(UnsafeRawBufferPointer(staticString: LogRows.spelledRule), base, &at)
        LogRows.put(text, base, &at)
        base.storeBytes(of: UInt8(ascii: "}"), toByteOffset: at, as: UInt8.self)
        payloadCount = at + 1
        payloadState = .spelled
        return .spelled
    }

    /// The fixed pieces of a spelled-out score's payload (docs/FORMAT.md).
    private static let spelledHead: StaticString = "{\"household\":\""
    private static let spelledPoints: StaticString = "\",\"note\":\"\",\"points\":"
    private static let spelledRule: StaticString = ",\"rule\":"

    /// Copies `piece` to `base + at`, and moves `at` past it.
    @inline(__always)
    private static func put(_ piece: UnsafeRawBufferPointer, _ base: UnsafeMutableRawPointer, _ at: inout Int) {
        if let source = piece.baseAddress, piece.count > 0 { (base + at).copyMemory(from: source, byteCount: piece.count) }
        at += piece.count
    }

    /// The hash the chain gives the current row: SHA-256 over its link (`prev_hash`, column 19) and the netstrings of
    /// its fields (docs/FORMAT.md), built in `canonical`.
    func chainDigest(_ canonical: inout CanonicalBuffer) -> ChainDigest {
        format == .compact ? canonical.digest(ofCompact: self) : canonical.digest(of: rows)
    }

    /// The netstrings of a compact row's 19 hashed fields into `buffer`: their length, or nil when they do not fit. The
    /// same bytes as `CanonicalBuffer.write` makes of this row through `isNull`, `bytes` and `int64` (a NULL column, and
    /// a text one's absent payload, the empty field; a text column its bytes as format 1 holds them; an integer one its
    /// decimal), but read from the step's columns in place, each column's kind known here: through the row's accessors
    /// (a call, the format and the column looked at, for every field) this took about 3,600 instructions an event,
    /// here about 1,900, some 750 of them a score's payload spelled out as before (callgrind, `verify` of the governed
    /// 10^5 ledger). Held to `CanonicalBuffer.write` by a test, damaged rows included.
    func writeCanonical(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard format == .compact else { return CanonicalBuffer.write(self, into: buffer) }
        guard let base = buffer.baseAddress else { return nil }
        var out = NetstringWriter(base: base, capacity: buffer.count)
        let columns = self.columns
        guard out.integer(columns, 0) else { return nil }
        if columns.type(1) == SQLITE_BLOB && columns.bytes(1).count == 16 {
            guard out.uuidField(columns.bytes(1)) else { return nil }
        } else {
            guard out.text(columns, 1) else { return nil }
        }
        guard out.text(columns, 2), out.integer(columns, 3), out.text(columns, 4), out.text(columns, 5), out.field(bytes(6)),
              out.text(columns, 7), out.integer(columns, 8), out.text(columns, 9), out.text(columns, 10), out.text(columns, 11),
              out.text(columns, 12), out.integer(columns, 13), out.integer(columns, 14), out.integer(columns, 15),
              out.integer(columns, 16), out.integer(columns, 17), out.field(bytes(18)) else { return nil }
        return out.at
    }
}

/// One row's columns as SQLite's statement holds them after a step, each asked for once: its storage class, and its
/// integer (a REAL's bit pattern) or its bytes. A value read otherwise than as stored (the bytes of a number, the
/// integer of a text) is asked of SQLite as before, as `RawRows` reads it. Valid until the next step; `read` after each.
struct StepColumns {
    let handle: OpaquePointer
    let count: Int
    private let types: UnsafeMutablePointer<Int32>
    private let integers: UnsafeMutablePointer<Int64>
    private let starts: UnsafeMutablePointer<UnsafeRawPointer?>
    private let lengths: UnsafeMutablePointer<Int>

    init(_ handle: OpaquePointer, count: Int) {
        self.handle = handle
        self.count = count
        types = .allocate(capacity: max(count, 1))
        types.initialize(repeating: SQLITE_NULL, count: max(count, 1))
        integers = .allocate(capacity: max(count, 1))
        integers.initialize(repeating: 0, count: max(count, 1))
        starts = .allocate(capacity: max(count, 1))
        starts.initialize(repeating: nil, count: max(count, 1))
        lengths = .allocate(capacity: max(count, 1))
        lengths.initialize(repeating: 0, count: max(count, 1))
    }

    func deallocate() {
        types.deallocate()
        integers.deallocate()
        starts.deallocate()
        lengths.deallocate()
    }

    /// Reads the current row's columns: one call into SQLite for each (`sqlite3_column_value`, the connection's
    /// lock taken once), then the value's class and contents, which take none.
    func read() {
        for index in 0..<count {
            let value = sqlite3_column_value(handle, Int32(index))
            let type = sqlite3_value_type(value)
            types[index] = type
            switch type {
            case SQLITE_INTEGER:
                integers[index] = sqlite3_value_int64(value)
            case SQLITE_TEXT, SQLITE_BLOB:
                starts[index] = sqlite3_value_blob(value)
                lengths[index] = Int(sqlite3_value_bytes(value))
            case SQLITE_FLOAT:
                integers[index] = Int64(bitPattern: sqlite3_value_double(value).bitPattern)
            default:
                break
            }
        }
    }

    @inline(__always) func type(_ column: Int32) -> Int32 { types[Int(column)] }
    @inline(__always) func isNull(_ column: Int32) -> Bool { types[Int(column)] == SQLITE_NULL }

    @inline(__always) func int64(_ column: Int32) -> Int64 {
        types[Int(column)] == SQLITE_INTEGER ? integers[Int(column)] : sqlite3_column_int64(handle, column)
    }

    func double(_ column: Int32) -> Double {
        types[Int(column)] == SQLITE_FLOAT ? Double(bitPattern: UInt64(bitPattern: integers[Int(column)])) : sqlite3_column_double(handle, column)
    }

    /// The column's bytes (text or blob; a number's as SQLite writes it as text; none for NULL).
    @inline(__always) func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        switch types[Int(column)] {
        case SQLITE_TEXT, SQLITE_BLOB: return UnsafeRawBufferPointer(start: starts[Int(column)], count: lengths[Int(column)])
        case SQLITE_NULL: return UnsafeRawBufferPointer(start: nil, count: 0)
        default:
            let pointer = sqlite3_column_blob(handle, column)
            return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
        }
    }

    /// Whether the column holds exactly these bytes.
    func equals(_ column: Int32, _ other: UnsafeRawBufferPointer) -> Bool {
        bytes(column).count == other.count && equals(prefixOf: column, other)
    }

    /// Whether the column's bytes begin with these.
    func equals(prefixOf column: Int32, _ prefix: UnsafeRawBufferPointer) -> Bool {
        let mine = bytes(column)
        guard mine.count >= prefix.count else { return false }
        guard prefix.count > 0, let a = mine.baseAddress, let b = prefix.baseAddress else { return true }
        return memcmp(a, b, prefix.count) == 0
    }
}

extension UnsafeRawBufferPointer {
    /// A static string's UTF-8 bytes (which live as long as the program).
    init(staticString text: StaticString) {
        self.init(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }
}

/// The rule texts of a compact log (`rule_texts`), found by scheme version and the rule's stored bytes — the bytes SQL
/// compares, as the view's look-up does — with no string made: an open-addressed table over one buffer, made once.
final class RuleTextTable {
    private struct Entry {
        var schemeVersion: Int64
        var rule: Int, ruleCount: Int, text: Int, textCount: Int
    }
    private let bytes: UnsafeMutableRawBufferPointer
    private let entries: UnsafeMutableBufferPointer<Entry>
    /// Indexes into `entries` by hash, -1 where empty; a power of two long.
    private let slots: UnsafeMutableBufferPointer<Int32>

    init(_ texts: [(schemeVersion: Int64, rule: [UInt8], text: [UInt8])]) {
        bytes = .allocate(byteCount: max(1, texts.reduce(0) { $0 + $1.rule.count + $1.text.count }), alignment: 1)
        entries = .allocate(capacity: max(1, texts.count))
        var size = 8
        while size < texts.count * 2 { size *= 2 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1)
        var at = 0
        for (number, text) in texts.enumerated() {
            let rule = at
            text.rule.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[at..<(at + $0.count)]).copyMemory(from: $0) }
            at += text.rule.count
            let start = at
            text.text.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[at..<(at + $0.count)]).copyMemory(from: $0) }
            at += text.text.count
            entries.baseAddress?.advanced(by: number).initialize(to: Entry(schemeVersion: text.schemeVersion, rule: rule,
                                                                           ruleCount: text.rule.count, text: start, textCount: text.text.count))
            // (rule_texts' primary key makes each pair distinct; were one there twice, the first would be found.)
            var slot = RuleTextTable.hash(text.schemeVersion, text.rule.withUnsafeBytes { RuleTextTable.hash($0) }) & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(number)
        }
    }

    func deallocate() {
        bytes.deallocate()
        entries.deallocate()
        slots.deallocate()
    }

    /// FNV-1a over the bytes.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    private static func hash(_ schemeVersion: Int64, _ rule: UInt64) -> Int {
        Int(truncatingIfNeeded: (rule ^ UInt64(bitPattern: schemeVersion) &* 0x9e37_79b9_7f4a_7c15) >> 7)
    }

    /// The text of `rule` in scheme version `schemeVersion`, valid as long as the table.
    func find(schemeVersion: Int64, rule: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let mask = slots.count - 1
        var slot = RuleTextTable.hash(schemeVersion, RuleTextTable.hash(rule)) & mask
        while true {
            let number = slots[slot]
            guard number >= 0 else { return nil }
            let entry = entries[Int(number)]
            if entry.schemeVersion == schemeVersion && entry.ruleCount == rule.count {
                let stored = UnsafeRawBufferPointer(rebasing: bytes[entry.rule..<(entry.rule + entry.ruleCount)])
                if rule.count == 0 || (stored.baseAddress.flatMap { a in rule.baseAddress.map { b in memcmp(a, b, rule.count) == 0 } } ?? false) {
                    return UnsafeRawBufferPointer(rebasing: bytes[entry.text..<(entry.text + entry.textCount)])
                }
            }
            slot = (slot + 1) & mask
        }
    }
}
