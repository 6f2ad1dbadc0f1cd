import CJifenSHA256
import Crypto
import Foundation
import GRDB
import GRDBSQLite
import JifenCore

/// Reads rows straight from SQLite's statement, for the loops over a whole log (`verify`, `rebuild`): no row
/// objects, no Swift strings for columns that are only hashed. GRDB prepares the statement; this steps it.
struct RawRows {
    let statement: Statement
    var handle: OpaquePointer { statement.sqliteStatement }

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
    }

    /// Steps to the next row; false at the end. Throws SQLite's error if the step failed.
    func next() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    /// The column's bytes (text or blob), valid until the next step.
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }

    /// Whether the column holds exactly these bytes.
    func equals(_ column: Int32, _ other: UnsafeRawBufferPointer) -> Bool {
        let mine = bytes(column)
        return mine.count == other.count && (mine.count == 0 || memcmp(mine.baseAddress!, other.baseAddress!, mine.count) == 0)
    }

    func string(_ column: Int32) -> String? {
        isNull(column) ? nil : String(decoding: bytes(column), as: UTF8.self)
    }

    /// The columns of an event row in the chain's order, then `prev_hash` (19) and `hash` (20).
    static let chainColumns = """
        seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
        idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses, payload, prev_hash, hash
        """

    /// Which of the chain's columns are text (the rest are integers).
    static let chainText: [Bool] = (0...18).map { [1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 18].contains($0) }

    /// The hash the chain gives the current row (selected as `chainColumns`).
    func chainDigest(_ canonical: inout CanonicalBuffer) -> ChainDigest {
        canonical.digest(of: self)
    }
}

/// A row of the log in stored format 1's columns and order — 0 `seq` … 18 `payload`, then 19 `prev_hash` — whatever
/// the file holds: what the chain's hash is taken over (`RawRows` over format 1's table, `LogRows` over either).
protocol ChainRow {
    func isNull(_ column: Int32) -> Bool
    func int64(_ column: Int32) -> Int64
    /// The column's bytes (text or blob), valid until the next step.
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer
}

extension RawRows: ChainRow {}

/// The one writer of the chain's canonical bytes (docs/FORMAT.md), from `Chain.Fields` or from raw columns, into one
/// reused buffer.
struct CanonicalBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1024) }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    mutating func field(_ raw: UnsafeRawBufferPointer) {
        appendDecimal(Int64(raw.count))
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: raw)
        bytes.append(UInt8(ascii: ","))
    }

    mutating func field(_ number: Int64) {
        // Digits written backwards into a fixed buffer: no string, no allocation.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var magnitude = number.magnitude
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "-")
            }
            let count = buffer.count - index
            appendDecimal(Int64(count))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index...]))
            return count
        }
        _ = count
        bytes.append(UInt8(ascii: ","))
    }

    /// A text field (an absent one is the empty field).
    mutating func field(_ text: String?) {
        guard var text else { return empty() }
        text.withUTF8 { field(UnsafeRawBufferPointer($0)) }
    }

    /// The canonical bytes of `fields`, built in place of the last ones.
    mutating func build(_ fields: Chain.Fields) {
        reset()
        field(fields.seq)
        field(fields.id)
        field(fields.stream)
        field(fields.streamVersion)
        field(fields.type)
        field(fields.occurredOn)
        field(fields.recordedAt)
        field(fields.actor)
        field(Int64(fields.schemeVersion))
        field(fields.key)
        field(fields.household)
        field(fields.item)
        field(fields.rule)
        field(Int64(fields.earned))
        field(Int64(fields.deducted))
        field(Int64(fields.redeemed))
        field(Int64(fields.stock))
        if let reverses = fields.reverses { field(reverses) } else { empty() }
        field(fields.payload)
    }

    /// The chain's hash of `fields` after `previous`, with no bytes allocated but the digest's: building the canonical
    /// bytes took 0.9% of the generator's CPU with a string per number, 0.7% here.
    mutating func hash(previous: Data, _ fields: Chain.Fields) -> Data {
        build(fields)
        var hasher = SHA256()
        hasher.update(data: previous)
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { Data($0) }
    }

    /// The hash the chain gives `row`: SHA-256 over its `prev_hash` and the netstrings of its fields, built here (the
    /// same netstrings as `field` and `empty` write, into the buffer's storage through one pointer: appending to the
    /// array field by field, with its checks, was a quarter of the chain's own work in `verify`). `bytes` is scratch
    /// afterwards: the link, then the canonical bytes.
    mutating func digest(of row: some ChainRow) -> ChainDigest {
        digest(link: row.bytes(19)) { CanonicalBuffer.write(row, into: $0) }
    }

    /// `digest(of:)` for a compact log's row, its netstrings written by `LogRows.writeCanonical` (the same bytes).
    mutating func digest(ofCompact row: LogRows) -> ChainDigest {
        digest(link: row.bytes(19)) { row.writeCanonical(into: $0) }
    }

    /// SHA-256 over `link` and the netstrings `write` puts into the buffer (their length, or nil when they do not fit):
    /// the link is copied in first and the netstrings written after it, and the whole hashed in one call
    /// (`ChainDigest.sha256`).
    @inline(__always)
    private mutating func digest(link: UnsafeRawBufferPointer, _ write: (UnsafeMutableRawBufferPointer) -> Int?) -> ChainDigest {
        let start = link.count
        while true {
            let written = bytes.withUnsafeMutableBytes { buffer -> Int? in
                guard buffer.count > start, let base = buffer.baseAddress else { return nil }
                if let source = link.baseAddress, start > 0 { base.copyMemory(from: source, byteCount: start) }
                return write(UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
            }
            if let written {
                return bytes.withUnsafeBytes { ChainDigest.sha256(UnsafeRawBufferPointer(rebasing: $0[0..<(start + written)])) }
            }
            // Room for the longest row so far and more; the loop runs again only when a row is longer than any before.
            bytes.append(contentsOf: repeatElement(0, count: max(1024, bytes.count, start + 1)))
        }
    }

    /// Which of the chain's 19 fields are text (a bit per column; the rest are integers): `RawRows.chainText`.
    private static let textColumns: UInt32 = (0...18).reduce(0) { RawRows.chainText[$1] ? $0 | (1 << $1) : $0 }

    /// Writes the netstrings of `row`'s 19 hashed fields into `buffer`: their length, or nil when they do not fit.
    static func write(_ row: some ChainRow, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        var out = NetstringWriter(base: base, capacity: buffer.count)
        let texts = textColumns
        for column in Int32(0)...18 {
            if row.isNull(column) {
                guard out.field(UnsafeRawBufferPointer(start: nil, count: 0)) else { return nil }
            } else if texts & (1 << UInt32(column)) != 0 {
                guard out.field(row.bytes(column)) else { return nil }
            } else {
                guard out.field(row.int64(column)) else { return nil }
            }
        }
        return out.at
    }

    mutating func empty() {
        bytes.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ":"), UInt8(ascii: ",")])
    }

    /// A length (never negative) in decimal, without making a string: one to four digits cover every field here.
    private mutating func appendDecimal(_ value: Int64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else if value < 100 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        } else if value < 1000 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / 100))
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }
}

/// The chain's SHA-256 of one event, its 32 bytes held in place (no allocation).
///
/// Hashed in one call over one buffer (the link and the canonical bytes together) by `jifen_sha256`, with the CPU's SHA
/// extensions, where the CPU has them; by swift-crypto otherwise. Both compute the compression with the same
/// instructions, but swift-crypto's `SHA256` allocates and frees a context for every hash and copies the message into
/// it: about 3% of `verify`'s CPU at 10^6 (perf), which this takes off. Held to swift-crypto by a test.
struct ChainDigest: Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Whether this CPU has the SHA extensions `jifen_sha256` uses.
    static let extensions = jifen_sha256_available() != 0

    /// SHA-256 of `message`: with the CPU's SHA extensions when `fast` and the CPU has them, else through swift-crypto.
    static func sha256(_ message: UnsafeRawBufferPointer, fast: Bool = ChainDigest.extensions) -> ChainDigest {
        var digest = ChainDigest()
        Swift.withUnsafeMutableBytes(of: &digest.words) { out in
            if fast && extensions, let base = out.baseAddress {
                jifen_sha256(message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, base.assumingMemoryBound(to: UInt8.self))
            } else {
                var hasher = SHA256()
                hasher.update(bufferPointer: message)
                hasher.finalize().withUnsafeBytes { out.copyMemory(from: $0) }
            }
        }
        return digest
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    var data: Data { withUnsafeBytes { Data($0) } }

    static func == (a: ChainDigest, b: ChainDigest) -> Bool { a.words == b.words }
}

/// Writes netstrings (`<byte length>:<bytes>,`) through a pointer, checking only the room left: `CanonicalBuffer`'s
/// writer of a row's canonical bytes.
struct NetstringWriter {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    var at = 0

    init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Writes `value` in decimal (`digits` of them, a sign included) at `at`.
    @inline(__always)
    private mutating func decimal(_ value: Int64, digits: Int) {
        var magnitude = value.magnitude
        var index = at + digits
        repeat {
            index -= 1
            base.storeBytes(of: UInt8(truncatingIfNeeded: 48 &+ magnitude % 10), toByteOffset: index, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 { base.storeBytes(of: UInt8(ascii: "-"), toByteOffset: at, as: UInt8.self) }
        at += digits
    }

    /// How many characters `value` takes in decimal, its sign included.
    @inline(__always)
    private static func width(_ value: Int64) -> Int {
        var magnitude = value.magnitude, count = 1
        while magnitude >= 10 {
            magnitude /= 10
            count += 1
        }
        return value < 0 ? count + 1 : count
    }

    /// The field `bytes` (none for an absent field); false, writing nothing, when it does not fit.
    @inline(__always)
    mutating func field(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        // A length below 10,000 takes at most four digits: with room for those (nearly always), no count of them first,
        // and the length's digits and its colon stored together (the chain's pass writes some 17 fields an event).
        guard count < 10_000, at + count + 6 <= capacity else { return exactField(bytes) }
        if count < 10 {
            base.storeBytes(of: (UInt16(truncatingIfNeeded: 48 &+ count) | UInt16(UInt8(ascii: ":")) << 8).littleEndian,
                            toByteOffset: at, as: UInt16.self)
            at += 2
        } else if count < 100 {
            base.storeBytes(of: (UInt16(truncatingIfNeeded: 48 &+ count / 10) | UInt16(truncatingIfNeeded: 48 &+ count % 10) << 8).littleEndian,
                            toByteOffset: at, as: UInt16.self)
            base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: at + 2, as: UInt8.self)
            at += 3
        } else {
            decimal(Int64(count), digits: count < 1000 ? 3 : 4)
            base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: at, as: UInt8.self)
            at += 1
        }
        if let source = bytes.baseAddress, count > 0 {
            (base + at).copyMemory(from: source, byteCount: count)
            at += count
        }
        base.storeBytes(of: UInt8(ascii: ","), toByteOffset: at, as: UInt8.self)
        at += 1
        return true
    }

    /// `field(bytes)` with the room counted exactly.
    private mutating func exactField(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let length = Int64(bytes.count)
        let lengthWidth = NetstringWriter.width(length)
        guard at + lengthWidth + bytes.count + 2 <= capacity else { return false }
        decimal(length, digits: lengthWidth)
        base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: at, as: UInt8.self)
        at += 1
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + at).copyMemory(from: source, byteCount: bytes.count)
            at += bytes.count
        }
        base.storeBytes(of: UInt8(ascii: ","), toByteOffset: at, as: UInt8.self)
        at += 1
        return true
    }

    /// An integer column of a step's row (`StepColumns`): its decimal, or the empty field for NULL.
    @inline(__always)
    mutating func integer(_ columns: StepColumns, _ column: Int32) -> Bool {
        columns.isNull(column) ? field(UnsafeRawBufferPointer(start: nil, count: 0)) : field(columns.int64(column))
    }

    /// A text column of a step's row (`StepColumns`): its bytes, none for NULL (the empty field).
    @inline(__always)
    mutating func text(_ columns: StepColumns, _ column: Int32) -> Bool {
        field(columns.bytes(column))
    }

    /// The field of a UUID's 16 bytes as its lower-case text (`CompactFields.uuidText`); false, writing nothing, when it
    /// does not fit. Written in place: through a buffer of its own it was copied once more.
    mutating func uuidField(_ uuid: UnsafeRawBufferPointer) -> Bool {
        guard uuid.count == 16, at + 40 <= capacity else { return false }
        base.storeBytes(of: UInt8(ascii: "3"), toByteOffset: at, as: UInt8.self)
        base.storeBytes(of: UInt8(ascii: "6"), toByteOffset: at + 1, as: UInt8.self)
        base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: at + 2, as: UInt8.self)
        CompactFields.uuidText(uuid, into: UnsafeMutableRawBufferPointer(start: base + at + 3, count: 36))
        base.storeBytes(of: UInt8(ascii: ","), toByteOffset: at + 39, as: UInt8.self)
        at += 40
        return true
    }

    /// The field `number`, in decimal; false, writing nothing, when it does not fit.
    @inline(__always)
    mutating func field(_ number: Int64) -> Bool {
        // One digit (most of an event's figures): `1:`, the digit and `,` stored at once.
        if number >= 0 && number < 10 {
            guard at + 4 <= capacity else { return false }
            let digit = UInt32(truncatingIfNeeded: 48 &+ number)
            base.storeBytes(of: (UInt32(UInt8(ascii: "1")) | UInt32(UInt8(ascii: ":")) << 8 | digit << 16 | UInt32(UInt8(ascii: ",")) << 24).littleEndian,
                            toByteOffset: at, as: UInt32.self)
            at += 4
            return true
        }
        let digits = NetstringWriter.width(number)
        let lengthWidth = NetstringWriter.width(Int64(digits))
        guard at + lengthWidth + digits + 2 <= capacity else { return false }
        decimal(Int64(digits), digits: lengthWidth)
        base.storeBytes(of: UInt8(ascii: ":"), toByteOffset: at, as: UInt8.self)
        at += 1
        decimal(number, digits: digits)
        base.storeBytes(of: UInt8(ascii: ","), toByteOffset: at, as: UInt8.self)
        at += 1
        return true
    }
}

/// Binds values straight to a prepared statement of SQLite and runs it: the few statements an append runs for every
/// event (its row, a score's review) spend much of a large import's time here, and GRDB's general argument handling
/// boxes every value and looks the statement up by its text each time (binding the review too this way took 7% off
/// the CPU of importing a 200,000-row sheet into the demo ledger).
struct Binder {
    let statement: Statement
    var handle: OpaquePointer { statement.sqliteStatement }
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func text(_ index: Int32, _ value: String?) {
        guard var utf8 = value else { sqlite3_bind_null(handle, index); return }
        _ = utf8.withUTF8 { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return sqlite3_bind_text(handle, index, "", 0, Binder.transient) }
            return sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                     Int32(buffer.count), Binder.transient)
        }
    }

    func integer(_ index: Int32, _ value: Int64?) {
        guard let value else { sqlite3_bind_null(handle, index); return }
        sqlite3_bind_int64(handle, index, value)
    }

    func blob(_ index: Int32, _ value: Data) {
        _ = value.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Binder.transient) }
    }

    /// Runs the statement with the values bound, then clears them.
    func run(_ db: Database, sql: String) throws {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }
}

extension StoreSession {
    static let insertSQL = """
        INSERT INTO events (seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
                            idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses,
                            payload, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static let compactInsertSQL = """
        INSERT INTO event_log (seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
                               idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses,
                               payload, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts one event row, its values bound straight to SQLite's prepared statement (`Binder`): as the file's format
    /// stores it (`LogFormat`). A compact log takes the UUID as its 16 bytes, the instant in milliseconds, and a
    /// score's payload only when its facts and its rule's text do not give it back byte for byte; and files a scheme
    /// version's rules' texts when its event is appended.
    func insert(_ fields: Chain.Fields, previous: Data, hash: Data) throws {
        let compact = try format() == .compact
        var milliseconds: Int64?
        if compact {
            guard let instant = RecordedInstant.milliseconds(fields.recordedAt) else {
                throw StoreError.unusable(message: "the instant \(fields.recordedAt) is not one a compact log holds (YYYY-MM-DDTHH:MM:SS.sssZ, in the years 1970–9999)")
            }
            milliseconds = instant
        }
        let bind = try eventBinder()
        bind.integer(1, fields.seq)
        if compact, let bytes = CompactFields.uuidBytes(fields.id) { bind.blob(2, bytes) } else { bind.text(2, fields.id) }
        bind.text(3, fields.stream)
        bind.integer(4, fields.streamVersion)
        bind.text(5, fields.type)
        bind.text(6, fields.occurredOn)
        if let milliseconds { bind.integer(7, milliseconds) } else { bind.text(7, fields.recordedAt) }
        bind.text(8, fields.actor)
        bind.integer(9, Int64(fields.schemeVersion))
        bind.text(10, fields.key)
        bind.text(11, fields.household)
        bind.text(12, fields.item)
        bind.text(13, fields.rule)
        bind.integer(14, Int64(fields.earned))
        bind.integer(15, Int64(fields.deducted))
        bind.integer(16, Int64(fields.redeemed))
        bind.integer(17, Int64(fields.stock))
        bind.integer(18, fields.reverses)
        bind.text(19, try !compact || storesWholePayload(fields) ? fields.payload : nil)
        if compact {
            bind.blob(20, hash)
        } else {
            bind.blob(20, previous)
            bind.blob(21, hash)
        }
        try bind.run(db, sql: compact ? StoreSession.compactInsertSQL : StoreSession.insertSQL)
        if compact && fields.type == EventType.schemeAdopted.rawValue { try fileRuleTexts(ofScheme: fields.payload) }
    }
}

