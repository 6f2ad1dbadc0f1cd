import Foundation
import JifenCore
import JifenStore
import NIOCore
import PostgresNIO

/// The county's side of sync on its PostgreSQL database: every village's chain as the county holds it (the `events`
/// of schema/postgres/0001), and beside them what a county folder's county.json holds (schema/postgres/0003): the
/// county's public key and the bcrypt hashes of the administrator's token and of each village's sync key.
///
/// `accept` runs in the village's own write transaction (`PostgresStore.write`: its head row locked `FOR UPDATE`, so
/// that a push waits only on the same village), with the rule a county folder runs (`CountyFolder.accept`): links at or
/// below the head must be the very events held, links above it are checked as every store checks a link taken verbatim
/// (`LinkCheck`), folded, and copied in (`VerbatimRows`); the chain's trigger checks each row's link again. The village's fold is
/// published only after COMMIT, and any refusal rolls back everything.
public final class PostgresCountyChains: CountyChains {
    public let county: PostgresCounty

    public init(county: PostgresCounty) {
        self.county = county
    }

    // MARK: The county's keys

    /// Why `initialise` or `add` changed nothing.
    public enum SetupRefusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// The database has the county's key and administrator already.
        case initialised
        /// The county holds the village already, with a sync key.
        case hasKey(String)
        /// The county holds the village already, in another township.
        case otherTownship(String)
        /// A village that syncs is named as a county folder names its villages (letters, digits, `-`, `_`): the sync's
        /// routes and client take no other.
        case syncName(String)

        public var description: String {
            switch self {
            case .initialised: "the county's database has its key and administrator already"
            case .hasKey(let village): "the county already holds a village \(village) with a sync key"
            case .otherTownship(let village): "the county already holds a village \(village), in another township"
            case .syncName(let village): "a village that syncs is named with letters, digits, - and _ only, not \(village)"
            }
        }
    }

    /// Keeps the county's public key (base64 of its raw bytes) and the hash of its administrator's token; refused
    /// (`CountyError.folder`) when the database has them already.
    public func initialise(publicKey: String, adminTokenHash: String) throws {
        do {
            _ = try county.pool.withConnection { connection in
                try connection.run("INSERT INTO county (public_key, admin_token_hash) VALUES (\(publicKey), \(adminTokenHash))")
            }
        } catch PostgresStoreError.refused(_, let state) where state == PostgresStoreError.uniqueViolation {
            throw SetupRefusal.initialised
        }
    }

    /// Adds a village (in `township` if given) with the hash of its sync key, both in one transaction. A village the
    /// database holds already (made by the village service) is given the key if it has none yet.
    public func add(village: String, township: String?, syncKeyHash: String) throws {
        let township = township.map(Composed.text)
        try PostgresCounty.check(village: village, township: township)
        guard CountyFolder.isVillageName(village) else { throw SetupRefusal.syncName(village) }
        try transaction { connection in
            let existing = try connection.rows("SELECT township FROM villages WHERE village = \(village) FOR UPDATE").first
            if let existing {
                if let township, try existing.decode(String?.self) != township {
                    throw SetupRefusal.otherTownship(village)
                }
            } else {
                try connection.run("INSERT INTO villages (village, township) VALUES (\(village), \(township))")
            }
            guard try connection.run("INSERT INTO sync_keys (village, sync_key_hash) VALUES (\(village), \(syncKeyHash)) ON CONFLICT DO NOTHING") == 1 else {
                throw SetupRefusal.hasKey(village)
            }
        }
    }

    /// Runs `body` in a transaction of its own.
    private func transaction(_ body: (Connection) throws -> Void) throws {
        try county.pool.withConnection { connection in
            try connection.run("BEGIN")
            do {
                try body(connection)
                try connection.run("COMMIT")
            } catch {
                connection.rollback(after: error)
                throw error
            }
        }
    }

    // MARK: CountyChains

    public func villages() throws -> [String] {
        try county.pool.withConnection { connection in
            try connection.rows("SELECT village FROM villages ORDER BY village").map { try $0.decode(String.self) }
        }
    }

    public func head(of village: String) throws -> (seq: Int64, hash: Data) {
        let row = try county.pool.withConnection { connection in
            try connection.rows("SELECT head_seq, head_hash FROM villages WHERE village = \(village)").first
        }
        guard let row else { throw CountyError.noVillage(village) }
        let (seq, hash) = try row.decode((Int64, Data).self)
        return (seq, hash)
    }

    public func hash(of village: String, at seq: Int64) throws -> Data? {
        guard seq > 0 else { return seq == 0 ? Chain.genesis : nil }
        return try county.pool.withConnection { connection in
            try connection.rows("SELECT hash FROM events WHERE village = \(village) AND seq = \(seq)").first.map { try $0.decode(Data.self) }
        }
    }

    public func links(of village: String, from seq: Int64, limit: Int) throws -> [ChainLink] {
        guard limit > 0 else { return [] }
        return try county.pool.withConnection { connection in
            try connection.rows("""
                SELECT \(unescaped: EventRows.columns) FROM events WHERE village = \(village) AND seq >= \(seq) ORDER BY seq LIMIT \(Int64(limit))
                """).map { try EventRows.link($0, village: village) }
        }
    }

    /// The ledger id and village name of the village's first event (which opens every ledger).
    public func identity(of village: String) throws -> (ledgerId: String, village: String)? {
        let first = try county.pool.withConnection { connection in
            try connection.rows("SELECT \(unescaped: EventRows.columns) FROM events WHERE village = \(village) AND seq = 1").first
        }
        guard let first else { return nil }
        guard case .ledgerOpened(let opened) = try EventRows.recorded(try EventRows.link(first, village: village), village: village).event else {
            return nil
        }
        return (opened.ledgerId, opened.village)
    }

    public func accept(_ links: [ChainLink], into village: String) throws -> (appended: Int, seq: Int64, hash: Data) {
        do {
            return try county.village(village).write { session in
                try CountyFolder.accept(links, into: session, village: village)
            }
        } catch PostgresStoreError.unknownVillage {
            throw CountyError.noVillage(village)
        }
    }

    public func syncKeyHash(of village: String) throws -> String? {
        try county.pool.withConnection { connection in
            try connection.rows("SELECT sync_key_hash FROM sync_keys WHERE village = \(village)").first.map { try $0.decode(String.self) }
        }
    }

    public func adminTokenHash() throws -> String? {
        try keys()?.adminTokenHash
    }

    public func publicKey() throws -> String {
        guard let keys = try keys() else {
            throw CountyError.folder("the county's database has no key yet: make it the county's with `jifen county init --postgres`")
        }
        return keys.publicKey
    }

    private func keys() throws -> (publicKey: String, adminTokenHash: String)? {
        try county.pool.withConnection { connection in
            try connection.rows("SELECT public_key, admin_token_hash FROM county").first.map { try $0.decode((String, String).self) }
        }
    }
}

// MARK: Appending verbatim

extension PostgresSession: VerbatimAppending {
    /// Appends links as another store holds them, unchanged (what `StoreSession.append(links:)` is for SQLite): each
    /// checked against the fold as it stands (`LinkCheck`: the next, holding, decoding, and what appending its event
    /// gives), folded, then all copied into the table in one statement (`VerbatimRows`). The first that fails throws
    /// `LinkRefusal`; the fold is then never published, and the write never commits.
    public func append(links: [ChainLink]) throws {
        guard writable else { throw PostgresStoreError.readOnly }
        try usable()
        guard !links.isEmpty else { return }
        appended = true
        failed = true
        var check = LinkCheck()
        for link in links {
            let recorded = try check.check(link, after: (fold.seq, fold.hash), version: { fold.versions[$0] ?? 0 }, state: fold.ledger)
            try fold.apply(link, recorded: recorded)
        }
        try connection.copy(into: "events", columns: VerbatimRows.columns, rows: try VerbatimRows.copy(links[...], village: village))
        failed = false
    }
}

/// Many links as the rows of one `COPY events (…) FROM STDIN`, in PostgreSQL's text format (tab between columns, a
/// newline after each row, `\N` for NULL, a backslash before a text's backslash, tab, newline or carriage return, a
/// bytea as `\x` and its hex): one statement, so that the chain's trigger (migration 0006) checks the rows together
/// and moves the head once, as it did for the INSERT of arrays this replaced. The server parses these rows for about
/// 15% less CPU than it spent receiving those arrays (docs/PERFORMANCE.md), and building them costs the client less.
/// postgres-nio sends COPY in the text format only.
enum VerbatimRows {
    /// The columns copied, in order: the village, then `EventRows.columns`.
    static let columns = ["village"] + EventRows.columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }

    /// The rows of `links` in `village`, in order.
    static func copy(_ links: ArraySlice<ChainLink>, village: String) throws -> [UInt8] {
        var out = CopyText(capacity: links.count * 640)
        for index in links.indices {
            try EventRows.write(links[index], village: village, into: &out)
            out.endRow()
        }
        return out.bytes
    }
}

/// Rows of COPY's text format, written column by column into one array of bytes (a tab between columns, a newline after
/// each row).
struct CopyText: EventRowWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next column is a row's first (no tab before it).
    private var rowStart = true

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    private static let tab: UInt8 = 0x09, newline: UInt8 = 0x0A, backslash: UInt8 = 0x5C
    /// Each byte's two hex digits, the first in the low byte (stored little-endian, so that it comes first).
    private static let hexPairs: [UInt16] = {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<256).map { UInt16(digits[$0 >> 4]) | UInt16(digits[$0 & 15]) << 8 }
    }()

    @inline(__always)
    private mutating func column() {
        if !rowStart { bytes.append(Self.tab) }
        rowStart = false
    }

    /// Ends the row.
    mutating func endRow() {
        bytes.append(Self.newline)
        rowStart = true
    }

    private mutating func null() {
        bytes.append(Self.backslash)
        bytes.append(UInt8(ascii: "N"))
    }

    mutating func text(_ value: String?) {
        column()
        guard var value else { return null() }
        value.withUTF8 { utf8 in
            // Most values hold nothing to escape: looked for eight bytes at a time, then copied whole.
            let clean = !Self.mayNeedEscapes(utf8)
            if clean {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case Self.backslash: bytes.append(Self.backslash); bytes.append(Self.backslash)
                case Self.tab: bytes.append(Self.backslash); bytes.append(UInt8(ascii: "t"))
                case Self.newline: bytes.append(Self.backslash); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(Self.backslash); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
    }

    /// Whether `utf8` holds a backslash or a byte below 0x0E (among them the tab, newline and carriage return that
    /// must be escaped; the others are rare and copied as they are by the slow path). Eight bytes a step: a byte below
    /// 0x0E, or one equal to 0x5C, found by the borrow it leaves in its top bit (exact for "any", as `haszero` is).
    @inline(__always)
    static func mayNeedEscapes(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let raw = UnsafeRawPointer(base), count = utf8.count
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        var at = 0
        while at + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            let slash = word ^ (ones &* 0x5C)
            if ((word &- ones &* 0x0E) & ~word & tops) | ((slash &- ones) & ~slash & tops) != 0 { return true }
            at += 8
        }
        while at < count {
            if base[at] < 0x0E || base[at] == backslash { return true }
            at += 1
        }
        return false
    }

    mutating func int(_ value: Int64?) {
        column()
        guard let value else { return null() }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64's 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[at...])
        }
    }

    /// A bytea in its hex form, `\x` and two digits a byte (the backslash escaped, as in any text of this format).
    mutating func bytea(_ value: Data) {
        column()
        // Written in a buffer on the stack and appended once: a hash appended byte by byte cost about as much as all the
        // row's other columns.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3 + 2 * value.count) { out in
            out[0] = Self.backslash
            out[1] = Self.backslash
            out[2] = UInt8(ascii: "x")
            var at = 3
            Self.hexPairs.withUnsafeBufferPointer { pairs in
                value.withUnsafeBytes { raw in
                    let target = UnsafeMutableRawBufferPointer(out)
                    for byte in raw {
                        target.storeBytes(of: pairs[Int(byte)].littleEndian, toByteOffset: at, as: UInt16.self)
                        at += 2
                    }
                }
            }
            bytes.append(contentsOf: out)
        }
    }
}
