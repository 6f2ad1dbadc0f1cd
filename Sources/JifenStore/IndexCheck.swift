import Foundation
import GRDB
import GRDBSQLite
import JifenCore

/// The check that the log's indexes hold exactly the log's rows, in order: what SQLite's `PRAGMA integrity_check`
/// finds there, at the cost of sequential reads.
///
/// `integrity_check` looks up every row of `events` in each of its indexes, one random b-tree descent per row per
/// index: on a 10^6 ledger 4.6 s of the 5.2 s it takes, against 0.6 s for `quick_check` (pages, NOT NULL, CHECK),
/// which leaves the indexes' contents out. Here each index gets an order-independent digest instead — the sum, modulo
/// 2^64, of a keyed 64-bit hash of (index, rowid, indexed values) — computed once over the table's rows (by the
/// chain's pass, which reads them anyway) and once over a covering scan of the index, which also checks that its
/// entries come in the index's order (and, for a unique index, are distinct). Equal digests mean the index holds the
/// table's entries, no more, no fewer, no other; the hash is keyed afresh by every process (`Hasher`), so no entry can
/// be crafted to cancel another out.
struct IndexDigests {
    /// One index of `events`: its key columns' positions in the row the chain's pass reads, and for a partial index
    /// the position of the column that says whether a row belongs to it.
    struct Index {
        let name: String
        let unique: Bool
        /// The indexed columns by name, in the index's order (the rowid follows them in every entry).
        let columns: [String]
        /// Their positions in the chain pass's row.
        let positions: [Int32]
        /// A partial index's WHERE clause, as the schema gives it, and the position of its value in the chain pass's row;
        /// or, for a clause `column IS NOT NULL` (each of the log's), that column's position, and no value selected.
        let condition: String?
        let conditionPosition: Int32?
        var notNullPosition: Int32? = nil
    }

    let indexes: [Index]
    /// The extra columns the chain's pass selects after `RawRows.chainColumns`: each partial index's condition.
    let extraColumns: String
    /// How many columns `extraColumns` selects.
    let extraCount: Int
    private(set) var tableSums: [UInt64]
    private let key: Hasher
    /// `indexes` laid out flat for the pass over the table, which reads it for every row, index after index: how many
    /// key columns, the column of its condition (-1 for none), the column a row must not hold NULL in to have an entry
    /// (-1 for none), then the key columns' positions. One array read through one buffer: four arrays, each read in a
    /// closure of its own, cost a retain and a release of each for every row (about 2% of `verify`'s CPU at 10^6).
    private let plan: [Int32]

    /// The indexes of `events` as the file holds them; nil when one has a form this check does not read (an expression,
    /// a collation other than BINARY, a descending column), and then SQLite's own full check is the one to run.
    init?(_ db: Database) throws {
        let found = try IndexDigests.readIndexes(db)
        guard found.unreadable.isEmpty else { return nil }
        let indexes = found.indexes
        // Counting a partial index's entries takes SQLite's dbstat table (in Debian's and Apple's SQLite, not in every build).
        if indexes.contains(where: { $0.condition != nil }) {
            guard (try? Row.fetchAll(db, sql: "SELECT ncell FROM dbstat('main', 1) WHERE name = 'sqlite_schema'")) != nil else { return nil }
        }
        self.indexes = indexes
        extraColumns = found.extras.map { ", " + $0 }.joined()
        extraCount = found.extras.count
        tableSums = Array(repeating: 0, count: indexes.count)
        key = Hasher()
        plan = indexes.flatMap { [Int32($0.positions.count), $0.conditionPosition ?? -1, $0.notNullPosition ?? -1] + $0.positions }
    }

    /// The indexes of `events` this check reads (their columns plain, ascending, BINARY), with each partial index's
    /// condition as an extra column of the chain's pass; and the names of those of another form, which it does not.
    static func readIndexes(_ db: Database) throws -> (indexes: [Index], extras: [String], unreadable: [String]) {
        let format = try LogFormat.of(db), table = format.table
        let chain = LogRows.columns(format).split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var indexes: [Index] = []
        var extras: [String] = []
        var unreadable: [String] = []
        for row in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '\(table)' ORDER BY name") {
            // (An index SQLite made for a constraint has no SQL: the log's schema declares none.)
            guard let name = try? row.decode(String?.self, atIndex: 0), let sql = try? row.decode(String?.self, atIndex: 1) else {
                unreadable.append((try? row.decode(String?.self, atIndex: 0)) ?? "?")
                continue
            }
            var columns: [String] = [], positions: [Int32] = [], readable = true
            let unique = sql.uppercased().hasPrefix("CREATE UNIQUE ")
            for column in try Row.fetchAll(db, sql: "PRAGMA index_xinfo(\(name.quotedDatabaseIdentifier))") where (column[5] as Int?) == 1 {
                guard let columnName = column[2] as String?, (column[3] as Int?) == 0, (column[4] as String?) == "BINARY",
                      let position = chain.firstIndex(of: columnName) else { readable = false; break }
                columns.append(columnName)
                positions.append(Int32(position))
            }
            guard readable, !columns.isEmpty else { unreadable.append(name); continue }
            var condition: String?, conditionPosition: Int32?, notNullPosition: Int32?
            if let range = sql.range(of: " WHERE ", options: [.caseInsensitive, .backwards]) {
                let clause = sql[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
                condition = clause
                // `column IS NOT NULL` is read from the column's class in the chain's pass; any other clause is
                // selected there as SQL.
                let words = clause.split(whereSeparator: { $0 == " " })
                if words.count == 4, words[1].uppercased() == "IS", words[2].uppercased() == "NOT", words[3].uppercased() == "NULL",
                   let position = chain.firstIndex(of: String(words[0])) {
                    notNullPosition = Int32(position)
                } else {
                    conditionPosition = Int32(chain.count + extras.count)
                    extras.append("(\(clause))")
                }
            }
            var index = Index(name: name, unique: unique, columns: columns, positions: positions, condition: condition,
                              conditionPosition: conditionPosition)
            index.notNullPosition = notNullPosition
            indexes.append(index)
        }
        return (indexes, extras, unreadable)
    }

    /// The entry of index `number` for the current row of `rows`, as a 64-bit hash: the index, the rowid, each
    /// value with its storage class.
    ///
    /// The values are laid out in a small buffer on the stack (each its class, then its 8 bytes or its length and
    /// bytes) and hashed with one call: a call into `Hasher` for each value was about a twentieth of `verify`'s CPU.
    /// An entry too long for the buffer is hashed value by value, with the same layout's information: the table's
    /// side and the index's make the same choice for the same values.
    static func entryHash(_ key: Hasher, _ number: Int, rowid: Int64, _ rows: some IndexedColumns,
                                  _ positions: UnsafeBufferPointer<Int32>) -> UInt64 {
        withUnsafeTemporaryAllocation(byteCount: 256, alignment: 8) { buffer -> UInt64 in
            guard let base = buffer.baseAddress else { return entryHashByValue(key, number, rowid: rowid, rows, positions) }
            var at = 0
            @inline(__always) func put<T: FixedWidthInteger>(_ value: T) {
                base.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self)
                at += MemoryLayout<T>.size
            }
            put(Int64(number))
            put(rowid)
            for position in positions {
                let type = rows.type(position)
                guard at + 17 <= buffer.count else { return entryHashByValue(key, number, rowid: rowid, rows, positions) }
                put(UInt8(truncatingIfNeeded: type))
                switch type {
                case SQLITE_NULL: break
                case SQLITE_INTEGER: put(rows.int64(position))
                case SQLITE_FLOAT: put(rows.double(position).bitPattern)
                default:
                    let bytes = rows.bytes(position)
                    put(Int64(bytes.count))
                    guard at + bytes.count <= buffer.count else { return entryHashByValue(key, number, rowid: rowid, rows, positions) }
                    if let source = bytes.baseAddress, bytes.count > 0 { (base + at).copyMemory(from: source, byteCount: bytes.count) }
                    at += bytes.count
                }
            }
            var hasher = key
            hasher.combine(bytes: UnsafeRawBufferPointer(start: base, count: at))
            return UInt64(bitPattern: Int64(hasher.finalize()))
        }
    }

    /// `entryHash` of an entry too long for its buffer: the same bytes, handed to the hasher value by value (a hasher
    /// hashes the bytes it is given, however they are split), so that the two always agree.
    static func entryHashByValue(_ key: Hasher, _ number: Int, rowid: Int64, _ rows: some IndexedColumns,
                                         _ positions: UnsafeBufferPointer<Int32>) -> UInt64 {
        var hasher = key
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { hasher.combine(bytes: $0) } }
        put(Int64(number))
        put(rowid)
        for position in positions {
            let type = rows.type(position)
            put(UInt8(truncatingIfNeeded: type))
            switch type {
            case SQLITE_NULL: break
            case SQLITE_INTEGER: put(rows.int64(position))
            case SQLITE_FLOAT: put(rows.double(position).bitPattern)
            default:
                let bytes = rows.bytes(position)
                put(Int64(bytes.count))
                hasher.combine(bytes: bytes)
            }
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// The same indexes and key, with no table rows added yet: for another part of the table.
    func emptied() -> IndexDigests {
        var copy = self
        copy.tableSums = Array(repeating: 0, count: indexes.count)
        return copy
    }

    /// Adds the table rows `other` (made by `emptied()` from this) has seen.
    mutating func add(_ other: IndexDigests) {
        for number in tableSums.indices where number < other.tableSums.count { tableSums[number] &+= other.tableSums[number] }
    }

    /// Adds the current row of the chain's pass (selected as `chainColumns` and then `extraColumns`) to each index's
    /// table-side digest.
    mutating func addTableRow(_ rows: StepColumns) {
        let rowid = rows.int64(0)
        let key = self.key
        tableSums.withUnsafeMutableBufferPointer { sums in
            plan.withUnsafeBufferPointer { plan in
                var at = 0
                for number in 0..<sums.count {
                    let count = Int(plan[at]), condition = plan[at + 1], notNull = plan[at + 2]
                    let mine = UnsafeBufferPointer(rebasing: plan[(at + 3)..<(at + 3 + count)])
                    at += 3 + count
                    if condition >= 0 && rows.int64(condition) == 0 { continue }
                    if notNull >= 0 && rows.isNull(notNull) { continue }
                    sums[number] &+= IndexDigests.entryHash(key, number, rowid: rowid, rows, mine)
                }
            }
        }
    }

    /// Reads every index whole, in its order, and compares it with the table's digests: one problem per index that
    /// does not hold exactly the table's entries, or holds them out of order. The table's rows were read through
    /// `last`: an entry of a later row is left out of the digest and held instead against its row, looked up in this
    /// same snapshot — a row appended since has its entry, one that points at no row or at a row with other values
    /// is a stray.
    func checkIndexes(_ db: Database, through last: Int64 = Int64.max, problem: (String, String) -> Void) throws {
        report(try scanIndexes(db, through: last), problem: problem)
    }

    /// What a scan of one index found (`scanIndexes`), to be held against the table's side (`report`).
    struct IndexScan: Sendable {
        var sum: UInt64 = 0
        var ordered = true, distinct = true
        var entries: Int64 = 0, strays: Int64 = 0
        /// A partial index's entries as its pages count them.
        var cells: Int64?
    }

    /// The index side of `checkIndexes`: each index read whole, in its order. It needs none of the table's rows, so
    /// `verify` runs it on a connection of its own beside the chain's halves.
    func scanIndexes(_ db: Database, through last: Int64 = Int64.max) throws -> [IndexScan] {
        let table = try LogFormat.of(db).table
        var scans: [IndexScan] = []
        for (number, index) in indexes.enumerated() {
            let names = index.columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            let rows = try RawRows(db, sql: """
                SELECT \(names), rowid FROM \(table) INDEXED BY \(index.name.quotedDatabaseIdentifier)\(index.condition.map { " WHERE " + $0 } ?? "")
                """)
            // An entry past `last`, looked up by its rowid in the table itself (not through an index).
            let row = try RawRows(db, sql: """
                SELECT \(names), \(index.condition.map { "(\($0))" } ?? "1") FROM \(table) NOT INDEXED WHERE rowid = ?
                """)
            let count = Int32(index.columns.count)
            let positions = (0..<count).map { $0 }
            let key = self.key
            var scan = IndexScan()
            var previous = EntryKey(), current = EntryKey()
            var first = true
            // Each entry's values asked of SQLite once, for its hash and its order both.
            let entryColumns = StepColumns(rows.handle, count: Int(count) + 1)
            defer { entryColumns.deallocate() }
            while try rows.next() {
                scan.entries += 1
                entryColumns.read()
                let rowid = entryColumns.int64(count)
                let entry = positions.withUnsafeBufferPointer { IndexDigests.entryHash(key, number, rowid: rowid, entryColumns, $0) }
                if rowid <= last {
                    scan.sum &+= entry
                } else {
                    sqlite3_reset(row.handle)
                    sqlite3_bind_int64(row.handle, 1, rowid)
                    let found = try row.next()
                    if !found || row.int64(count) == 0
                        || positions.withUnsafeBufferPointer({ IndexDigests.entryHash(key, number, rowid: rowid, row, $0) }) != entry {
                        scan.strays += 1
                    }
                }
                current.read(entryColumns, count: count, rowid: rowid)
                if !first {
                    let order = previous.compare(current, keysOnly: false)
                    if order >= 0 { scan.ordered = false }
                    if index.unique && !current.hasNull && previous.compare(current, keysOnly: true) == 0 { scan.distinct = false }
                }
                first = false
                swap(&previous, &current)
            }
            // A partial index is read through its condition, which would pass over an entry that does not meet it:
            // its entries are counted from its pages as well (SQLite's dbstat table, in one walk of the index).
            if index.condition != nil {
                scan.cells = try Int64.fetchOne(db, sql: "SELECT ncell FROM dbstat('main', 1) WHERE name = ?", arguments: [index.name])
            }
            scans.append(scan)
        }
        return scans
    }

    /// The problems `scans` (of these indexes, `scanIndexes`) show against the table's digests.
    func report(_ scans: [IndexScan], problem: (String, String) -> Void) {
        for (number, index) in indexes.enumerated() where number < scans.count {
            let scan = scans[number]
            if !scan.ordered {
                problem("索引 \(index.name) 的条目次序乱了：按它查到的事件会出错（文件已损坏）",
                        "the index \(index.name) holds its entries out of order: look-ups through it go wrong (the file is damaged)")
            } else if !scan.distinct {
                problem("唯一索引 \(index.name) 里有重复的条目（文件已损坏）", "the unique index \(index.name) holds an entry twice (the file is damaged)")
            }
            if let cells = scan.cells, cells != scan.entries {
                problem("索引 \(index.name) 有 \(cells) 个条目，其中 \(cells - scan.entries) 个不属于它（文件已损坏）",
                        "the index \(index.name) holds \(cells) entries, \(cells - scan.entries) of them not its own (the file is damaged)")
            }
            if scan.strays > 0 {
                let strays = scan.strays
                problem("索引 \(index.name) 有 \(strays) 个条目指向事件表里没有的行（文件已损坏）",
                        "the index \(index.name) holds \(strays) entr\(strays == 1 ? "y" : "ies") for no row of the events table (the file is damaged)")
            }
            if scan.sum != tableSums[number] {
                problem("索引 \(index.name) 与事件表不符：它缺了、多了或改了条目，按它查到的事件会出错（文件已损坏）",
                        "the index \(index.name) does not hold exactly the rows of the events table: an entry is missing, extra or altered, and look-ups through it go wrong (the file is damaged)")
            }
        }
    }
}

/// One index entry's values, read from SQLite's columns into reused buffers, compared as SQLite orders them (NULL,
/// then numbers, then text, then blobs; text and blobs by their bytes, as the BINARY collation does).
private struct EntryKey {
    struct Value {
        var type: Int32 = SQLITE_NULL
        var integer: Int64 = 0
        var real: Double = 0
        var bytes: [UInt8] = []
    }
    var values: [Value] = []
    var rowid: Int64 = 0
    var hasNull = false

    mutating func read(_ rows: some IndexedColumns, count: Int32, rowid: Int64) {
        if values.count != Int(count) { values = Array(repeating: Value(), count: Int(count)) }
        self.rowid = rowid
        hasNull = false
        for column in 0..<count {
            let i = Int(column)
            let type = rows.type(column)
            values[i].type = type
            switch type {
            case SQLITE_NULL: hasNull = true
            case SQLITE_INTEGER: values[i].integer = rows.int64(column)
            case SQLITE_FLOAT: values[i].real = rows.double(column)
            default:
                values[i].bytes.removeAll(keepingCapacity: true)
                values[i].bytes.append(contentsOf: rows.bytes(column))
            }
        }
    }

    /// Negative, zero or positive as `self` comes before, with, or after `other` in the index.
    func compare(_ other: EntryKey, keysOnly: Bool) -> Int {
        for (a, b) in zip(values, other.values) {
            let order = EntryKey.compare(a, b)
            if order != 0 { return order }
        }
        return keysOnly ? 0 : (rowid < other.rowid ? -1 : rowid == other.rowid ? 0 : 1)
    }

    private static func rank(_ type: Int32) -> Int {
        switch type {
        case SQLITE_NULL: 0
        case SQLITE_INTEGER, SQLITE_FLOAT: 1
        case SQLITE_TEXT: 2
        default: 3
        }
    }

    private static func compare(_ a: Value, _ b: Value) -> Int {
        let ra = rank(a.type), rb = rank(b.type)
        if ra != rb { return ra < rb ? -1 : 1 }
        switch ra {
        case 0: return 0
        case 1:
            if a.type == SQLITE_INTEGER && b.type == SQLITE_INTEGER { return a.integer < b.integer ? -1 : a.integer == b.integer ? 0 : 1 }
            let x = a.type == SQLITE_INTEGER ? Double(a.integer) : a.real, y = b.type == SQLITE_INTEGER ? Double(b.integer) : b.real
            return x < y ? -1 : x == y ? 0 : 1
        default:
            let common = min(a.bytes.count, b.bytes.count)
            let order = a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in
                    guard common > 0, let x = x.baseAddress, let y = y.baseAddress else { return Int32(0) }
                    return memcmp(x, y, common)
                }
            }
            if order != 0 { return order < 0 ? -1 : 1 }
            return a.bytes.count < b.bytes.count ? -1 : a.bytes.count == b.bytes.count ? 0 : 1
        }
    }
}

/// The columns of a row as the index digests read them: each value's storage class and contents. `RawRows` asks
/// SQLite for each; `StepColumns` has them from its one read of the row.
protocol IndexedColumns {
    func type(_ column: Int32) -> Int32
    func int64(_ column: Int32) -> Int64
    func double(_ column: Int32) -> Double
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer
}

extension RawRows: IndexedColumns {
    func type(_ column: Int32) -> Int32 { sqlite3_column_type(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
}

extension StepColumns: IndexedColumns {}
