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
/// (`LinkCheck`), folded, and inserted; the insert trigger checks each row's link again. The village's fold is
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
    /// gives), folded, then all inserted in statements of `VerbatimRows.rowsPerInsert`. The first that fails throws
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
        var start = links.startIndex
        while start < links.endIndex {
            let end = min(links.endIndex, start + VerbatimRows.rowsPerInsert)
            try connection.run(VerbatimRows.insert(links[start..<end], village: village))
            start = end
        }
        failed = false
    }
}

/// Many links inserted in one statement: each column sent as one array (binary), unnested into rows in order, so that
/// the statement's text is the same whatever the count and PostgreSQL parses no list of values.
enum VerbatimRows {
    /// The most rows one INSERT carries.
    static let rowsPerInsert = 10_000

    static let statement = """
        INSERT INTO events (village, \(EventRows.columns))
        SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[],
                                 $10::int8[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int8[], $16::int8[],
                                 $17::int8[], $18::int8[], $19::int8[], $20::text[], $21::bytea[], $22::bytea[])
        """

    static func insert(_ links: ArraySlice<ChainLink>, village: String) -> PostgresQuery {
        var columns = (0..<EventRows.columnCount).map { index in
            ArrayColumn(type: [0, 3, 8, 13, 14, 15, 16, 17].contains(index) ? .int8 : [19, 20].contains(index) ? .bytea : .text,
                        capacity: links.count)
        }
        for link in links {
            let f = link.fields
            columns[0].append(f.seq)
            columns[1].append(f.id)
            columns[2].append(f.stream)
            columns[3].append(f.streamVersion)
            columns[4].append(f.type)
            columns[5].append(f.occurredOn)
            columns[6].append(f.recordedAt)
            columns[7].append(f.actor)
            columns[8].append(Int64(f.schemeVersion))
            columns[9].append(f.key)
            columns[10].append(f.household)
            columns[11].append(f.item)
            columns[12].append(f.rule)
            columns[13].append(Int64(f.earned))
            columns[14].append(Int64(f.deducted))
            columns[15].append(Int64(f.redeemed))
            columns[16].append(Int64(f.stock))
            columns[17].append(f.reverses)
            columns[18].append(f.payload)
            columns[19].append(link.previousHash)
            columns[20].append(link.hash)
        }
        var bindings = PostgresBindings(capacity: EventRows.columnCount + 1)
        bindings.append(village)
        for column in columns { bindings.append(column) }
        return PostgresQuery(unsafeSQL: statement, binds: bindings)
    }
}

/// One column of many rows as a one-dimensional PostgreSQL array in the binary format (what `array_recv` reads: the
/// dimensions, a flag for NULLs, the elements' type, then each element as its length and bytes, -1 for NULL),
/// written as the rows are added. postgres-nio's own arrays take no NULL elements, which the nullable columns need.
struct ArrayColumn: PostgresDynamicTypeEncodable {
    enum Element {
        case int8, text, bytea

        var type: PostgresDataType {
            switch self {
            case .int8: .int8
            case .text: .text
            case .bytea: .bytea
            }
        }

        var arrayType: PostgresDataType {
            switch self {
            case .int8: .int8Array
            case .text: .textArray
            case .bytea: .byteaArray
            }
        }
    }

    let element: Element
    /// The elements as `array_recv` reads them, gathered in an array of bytes and copied into the message once: each
    /// element written into a `ByteBuffer` as it came (its length, then its bytes) made building a load's INSERTs cost
    /// 1.8 times as many instructions, a seventh of the client's (callgrind, `jifen-county load`; docs/PERFORMANCE.md).
    private var elements: [UInt8] = []
    private var count: Int32 = 0
    private var nulls = false

    init(type: Element, capacity: Int) {
        element = type
        elements.reserveCapacity(capacity * (type == .int8 ? 12 : 40))
    }

    var psqlType: PostgresDataType { element.arrayType }
    var psqlFormat: PostgresFormat { .binary }

    @inline(__always)
    private mutating func appendLength(_ length: Int32) {
        withUnsafeBytes(of: length.bigEndian) { elements.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int64?) {
        count += 1
        guard let value else { return appendNull() }
        appendLength(8)
        withUnsafeBytes(of: value.bigEndian) { elements.append(contentsOf: $0) }
    }

    mutating func append(_ value: String?) {
        count += 1
        guard var value else { return appendNull() }
        value.withUTF8 { bytes in
            appendLength(Int32(bytes.count))
            elements.append(contentsOf: bytes)
        }
    }

    mutating func append(_ value: Data) {
        count += 1
        appendLength(Int32(value.count))
        elements.append(contentsOf: value)
    }

    private mutating func appendNull() {
        nulls = true
        appendLength(-1)
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(count == 0 ? 0 : 1))
        buffer.writeInteger(Int32(nulls ? 1 : 0))
        buffer.writeInteger(element.type.rawValue)
        guard count > 0 else { return }
        buffer.writeInteger(count)
        buffer.writeInteger(Int32(1))
        buffer.writeBytes(elements)
    }
}
