import Foundation
import GRDB
import JifenCore
import Synchronization

/// What `EventStore.upgrade` did: the same events, the same hashes, in another stored format.
public struct UpgradeReport: Sendable {
    public let from: LogFormat
    public let to: LogFormat
    /// The events copied (the last one's sequence number).
    public let events: Int64
    /// The head of the old file and of the new one: the same hash, since the chain is the same.
    public let oldHead: Data
    public let newHead: Data
    /// The size of each file (the old one with its write-ahead log, if one was pending).
    public let bytesBefore: Int64
    public let bytesAfter: Int64
}

/// Why a ledger was not brought to another stored format. Nothing is left behind: the new file is not there.
public enum UpgradeError: Error, Sendable, Equatable {
    /// The new file (or a write-ahead log of one) is already there: an upgrade never writes over a file.
    case newExists(path: String)
    /// The old file is in the format asked for already.
    case alreadyIn(LogFormat)
    /// The old file does not verify: its first finding (the event at fault, or 0 for its schema and triggers).
    case damaged(VerifyReport.Problem)
    /// An event the format asked for cannot hold as it is hashed (an instant outside the form a compact log keeps, an
    /// id a wide log holds twice), in English and in Chinese.
    case cannotHold(seq: Int64, what: String, chinese: String)
    /// A file left by an upgrade that was stopped part-way is in the way and is not one jifen made.
    case leftOver(path: String)
}

extension EventStore {
    /// Where an upgrade builds its new file before giving it its name: a file found there was left by an upgrade to the
    /// same path that was stopped part-way, and is removed by the next.
    public static func upgradeWorkPath(for path: String) -> String { path + ".upgrading" }

    /// Brings the ledger at `old` to stored format `format` in a new file at `new`: the same events with the same
    /// sequence numbers, fields and hashes, so its head, its filed checkpoints and every signed checkpoint verify
    /// against the new file as they did against the old one.
    ///
    /// The old file is opened read-only and never written. Every event is checked as it is copied — its sequence number,
    /// its link to the one before, its hash over its fields as read — and so is the old file's schema with its
    /// append-only triggers: an old file that does not verify is refused (`UpgradeError.damaged`, its first finding).
    /// The new file is built under `upgradeWorkPath(for:)`, its chain read back and walked as `verify` walks it, its
    /// projections folded by `rebuild`, and only then, synced to disk, given its name (a hard link, which never
    /// replaces a file, or a rename where links are not had). A run stopped part-way leaves no file at `new`, only the
    /// work file, which the next run to the same path removes; a run that fails removes it itself.
    ///
    /// `progress` gets (done, total): the events copied, then folded, of twice the log.
    public static func upgrade(from old: String, to new: String, format: LogFormat,
                               progress: ((Int64, Int64) -> Void)? = nil) throws -> UpgradeReport {
        let fileManager = FileManager.default
        for suffix in ["", "-wal", "-shm", "-journal"] where fileManager.fileExists(atPath: new + suffix) {
            throw UpgradeError.newExists(path: new)
        }
        let source = try EventStore(path: old, create: false, readOnly: true)
        guard source.format != format else { throw UpgradeError.alreadyIn(format) }
        let work = upgradeWorkPath(for: new)
        try removeLeftOver(work)
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: work + suffix) } }

        let copied = try copy(from: source, to: work, format: format, progress: progress)
        let events = copied.last.seq
        let built = try EventStore(path: work, create: false, refolding: true)
        // The new file's chain as its readers see it (through the view `events` of a compact log) must hold the same
        // hashes: it is walked as `verify` walks it, in two halves on connections of their own (each through a small page
        // cache: its pages are read once), while this one folds the projections (`rebuild`).
        let halves = Mutex<[Int: Result<VerifyReport, any Error>]>([:])
        let group = DispatchGroup()
        let middle = copied.middle
        for (half, from, through, previous) in [(0, Int64(1), middle.seq, Chain.genesis), (1, middle.seq + 1, Int64.max, middle.hash)] {
            let reader = try EventStore(path: work, create: false, readOnly: true)
            onThread(group) {
                let walked = Result {
                    try reader.withVerifyCache { try reader.queue.read { db in
                        var digests: IndexDigests?
                        return try EventStore.walkChain(db, from: from, through: through, previous: previous,
                                                        triggers: half == 0, digests: &digests, problemsMax: 1)
                    } }
                }
                try? reader.queue.close()
                halves.withLock { $0[half] = walked }
            }
        }
        let rebuilt = Result { try built.rebuild { done, _ in progress?(events + done, 2 * events) } }
        group.wait()
        _ = try rebuilt.get()
        let first = try halves.withLock { $0[0] }?.get(), second = try halves.withLock { $0[1] }?.get()
        guard let first, let second else { throw StoreError.unusable(message: "the new file's chain was not walked") }
        if let problem = (first.problems + second.problems).first {
            throw StoreError.failedCheck(what: "the new file's chain: \(problem)")
        }
        let newHead = events > middle.seq ? second.head : first.head
        guard first.events + second.events == events, first.head == middle.hash, newHead == copied.last.hash else {
            throw StoreError.failedCheck(what: "the new file's chain does not end at #\(events) with the old file's head")
        }
        progress?(2 * events, 2 * events)
        // The write-ahead log folded into the file and the file synced, then closed: what gets the name is whole on disk.
        try built.queue.writeWithoutTransaction { db in
            _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try built.queue.close()
        try syncFile(work)
        try giveName(work, new)
        return UpgradeReport(from: source.format, to: format, events: events, oldHead: copied.last.hash, newHead: newHead,
                             bytesBefore: size(old) + size(old + "-wal"), bytesAfter: size(new))
    }

    /// Copies the log of `source` into a new ledger of `format` at `path`, checking every event as it goes; the sequence
    /// number and hash of its last event, and of the one halfway (where the walk of the new chain is split).
    ///
    /// The log's indexes are made once the rows are in, with the SQL they had (as `rebuild` makes the reviews'): sorting
    /// the keys once took the copy of the governed 10^6 ledger from 20 s to 11 s, where each row went into four indexes in
    /// random order. A unique index that two events break (only the id, which format 2 does not index) names the later.
    private static func copy(from source: EventStore, to path: String, format: LogFormat,
                             progress: ((Int64, Int64) -> Void)?) throws -> (last: (seq: Int64, hash: Data), middle: (seq: Int64, hash: Data)) {
        let target = try EventStore(path: path, create: true, format: format)
        defer { try? target.queue.close() }
        return try source.queue.read { old in
            // The old file's schema and triggers, named as `verify` names them.
            if let problem = try EventStore.triggerProblems(old).first { throw UpgradeError.damaged(problem) }
            if let problem = try EventStore.schemaProblems(old).first(where: { !$0.hasPrefix("trigger ") }) {
                throw UpgradeError.damaged(VerifyReport.Problem(seq: 0, zh: "账本的结构不完整：\(problem)", en: "the ledger's structure is not whole: \(problem)"))
            }
            // What verify holds besides the chain: each row to its table's rules, a compact log's rule texts to its schemes.
            if let problem = try EventStore.ruleTextProblems(old).first { throw UpgradeError.damaged(problem) }
            let terms = try EventStore.constraintTerms(old)
            if !terms.isEmpty, let seq = try Int64.fetchOne(old, sql: """
                SELECT seq FROM \(try LogFormat.of(old).table) WHERE \(terms.map { "(\($0))" }.joined(separator: " OR ")) ORDER BY seq LIMIT 1
                """) {
                throw UpgradeError.damaged(EventStore.brokenConstraint(at: seq))
            }
            let total = try Int64.fetchOne(old, sql: "SELECT max(seq) FROM events") ?? 0
            var middle = (seq: Int64(0), hash: Chain.genesis)
            let rows = try RawRows(old, sql: "SELECT \(RawRows.chainColumns) FROM events ORDER BY seq")
            var canonical = CanonicalBuffer()
            var previous = Chain.genesis
            var expected: Int64 = 1
            return try target.queue.writeWithoutTransaction { db in
                // The work file is thrown away unless the whole copy lands: no sync until the end (`upgrade` syncs it).
                try db.execute(sql: "PRAGMA synchronous = OFF")
                let session = StoreSession(db: db)
                let indexes = try Row.fetchAll(db, sql: """
                    SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '\(format.table)' AND sql IS NOT NULL ORDER BY name
                    """).map { row in
                    let name: String = try row.at(0)
                    let columns = try Row.fetchAll(db, sql: "PRAGMA index_info(\(name.quotedDatabaseIdentifier))").map { try $0.at(2) as String }
                    return (name: name, sql: try row.at(1) as String, columns: columns)
                }
                for index in indexes { try db.execute(sql: "DROP INDEX \(index.name.quotedDatabaseIdentifier)") }
                var more = true
                while more {
                    // In transactions of 50,000 events, which keep the write-ahead log small.
                    try db.inTransaction(.immediate) {
                        for _ in 0..<50_000 {
                            guard try rows.next() else {
                                more = false
                                break
                            }
                            let seq = rows.int64(0)
                            if seq != expected {
                                throw UpgradeError.damaged(seq > expected ? EventStore.missingEvents(expected, seq - 1, at: seq)
                                    : VerifyReport.Problem(seq: seq, zh: "第 \(expected - 1) 条之后的序号乱了",
                                                           en: "sequence number out of order after #\(expected - 1)"))
                            }
                            guard previous.withUnsafeBytes({ rows.equals(19, $0) }) else {
                                throw UpgradeError.damaged(EventStore.brokenLink(at: seq))
                            }
                            let hash = Data(rows.bytes(20))
                            guard rows.chainDigest(&canonical).data == hash else {
                                throw UpgradeError.damaged(VerifyReport.Problem(seq: seq, zh: "内容与它的哈希值不符：写入之后被改动过",
                                                                                en: "its contents do not match its hash: it was altered after it was written"))
                            }
                            let fields = try chainFields(rows, seq: seq)
                            try holding(seq, format) { try session.insert(fields, previous: previous, hash: hash) }
                            previous = hash
                            expected = seq + 1
                            if seq == total / 2 { middle = (seq, hash) }
                        }
                        return .commit
                    }
                    progress?(expected - 1, 2 * total)
                }
                try db.inTransaction(.immediate) {
                    for index in indexes { try makeIndex(index.sql, on: index.columns, of: format.table, in: db, format: format) }
                    return .commit
                }
                // People's passwords and failed attempts, households' cards: outside the log and its projections, so
                // copied as they are.
                try db.inTransaction(.immediate) {
                    for (table, columns) in [("credentials", "actor, hash, set_at, set_seq"), ("login_failures", "actor, failed_at"),
                                             ("household_cards", "household, hash, issued_at, issued_by")]
                    where try old.tableExists(table) {
                        let marks = columns.split(separator: ",").map { _ in "?" }.joined(separator: ", ")
                        for row in try Row.fetchAll(old, sql: "SELECT \(columns) FROM \(table)") {
                            try db.execute(sql: "INSERT INTO \(table) (\(columns)) VALUES (\(marks))", arguments: StatementArguments(row.databaseValues))
                        }
                    }
                    return .commit
                }
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return ((expected - 1, previous), middle)
            }
        }
    }

    /// Makes an index of the new log again; a unique one that two events break is said as the later event that the format
    /// cannot hold.
    private static func makeIndex(_ sql: String, on columns: [String], of table: String, in db: Database, format: LogFormat) throws {
        do {
            try db.execute(sql: sql)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // The later of two events with the same key, found through the index made without its uniqueness (the work
            // file is thrown away).
            let list = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            try db.execute(sql: "CREATE INDEX upgrade_repeated ON \(table) (\(list))")
            let seq = try Int64.fetchOne(db, sql: """
                SELECT min(b.seq) FROM \(table) a JOIN \(table) b
                ON \(columns.map { "a.\($0.quotedDatabaseIdentifier) = b.\($0.quotedDatabaseIdentifier)" }.joined(separator: " AND ")) AND a.seq < b.seq
                """) ?? 0
            let message = error.message ?? "\(error.resultCode)"
            throw UpgradeError.cannotHold(seq: seq, what: "an earlier event has the same \(columns.joined(separator: ", ")), which stored format \(format.rawValue) holds once (SQLite: \(message))",
                                          chinese: "更早的一条事件有相同的 \(columns.joined(separator: "、"))，第 \(format.rawValue) 版存储格式只容许一条（SQLite：\(message)）")
        }
    }

    /// The hashed fields of the row `rows` stands on (selected as `RawRows.chainColumns`), as `Chain.Fields`.
    private static func chainFields(_ rows: RawRows, seq: Int64) throws -> Chain.Fields {
        func text(_ column: Int32, _ name: String) throws -> String {
            guard let value = rows.string(column) else { throw UpgradeError.damaged(VerifyReport.Problem(
                seq: seq, zh: "\(name) 为空，这不是 jifen 会写入的内容", en: "its \(name) is NULL, which jifen never writes")) }
            return value
        }
        return Chain.Fields(seq: seq, id: try text(1, "id"), stream: try text(2, "stream"), streamVersion: rows.int64(3),
                            type: try text(4, "type"), occurredOn: try text(5, "occurred_on"), recordedAt: try text(6, "recorded_at"),
                            actor: try text(7, "actor"), schemeVersion: rows.int(8), key: rows.string(9), household: rows.string(10),
                            item: rows.string(11), rule: rows.string(12), earned: rows.int(13), deducted: rows.int(14),
                            redeemed: rows.int(15), stock: rows.int(16), reverses: rows.isNull(17) ? nil : rows.int64(17),
                            payload: try text(18, "payload"))
    }

    /// Runs the insert of event `seq`; what the new format refuses of it, said as an event it cannot hold.
    private static func holding(_ seq: Int64, _ format: LogFormat, _ insert: () throws -> Void) throws {
        do {
            try insert()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            let message = error.message ?? "\(error.resultCode)"
            throw UpgradeError.cannotHold(seq: seq, what: "stored format \(format.rawValue) refuses it (SQLite: \(message))",
                                          chinese: "第 \(format.rawValue) 版存储格式容不下它（SQLite：\(message)）")
        } catch StoreError.unusable(let message) {
            throw UpgradeError.cannotHold(seq: seq, what: message, chinese: "第 \(format.rawValue) 版存储格式容不下它：\(message)")
        }
    }

    /// Removes the work file of an upgrade stopped part-way, if there is one: a regular file that is a Jifen ledger, an
    /// empty file, or a file SQLite had only begun. Anything else there is not jifen's to remove.
    private static func removeLeftOver(_ work: String) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: work, isDirectory: &isDirectory) else {
            for suffix in ["-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: work + suffix) }
            return
        }
        guard !isDirectory.boolValue, isOurs(work) else { throw UpgradeError.leftOver(path: work) }
        for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: work + suffix) }
    }

    /// Whether a file is empty, or an SQLite file marked as a Jifen ledger (`PRAGMA application_id`, at byte 68 of the
    /// header), or one with no mark yet (SQLite's header with an application id of 0: a file an upgrade had only begun).
    private static func isOurs(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        if header.isEmpty { return true }
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else { return false }
        let mark = header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return mark == UInt32(bitPattern: EventStore.applicationId) || mark == 0
    }

    /// Flushes a file to the disk.
    private static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw StoreError.unusable(message: "cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StoreError.unusable(message: "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Gives the finished work file its name, never replacing a file that took the name meanwhile: a hard link, then the
    /// work name removed; where the file system has no hard links (a USB stick's FAT), a rename after a last look.
    private static func giveName(_ work: String, _ new: String) throws {
        if link(work, new) == 0 {
            unlink(work)
        } else if errno == EEXIST {
            throw UpgradeError.newExists(path: new)
        } else {
            guard !FileManager.default.fileExists(atPath: new) else { throw UpgradeError.newExists(path: new) }
            guard rename(work, new) == 0 else {
                throw StoreError.unusable(message: "cannot name the new file \(new): \(String(cString: strerror(errno)))")
            }
        }
        // The folder's entry on disk too.
        let folder = (new as NSString).deletingLastPathComponent
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
    }

    /// A file's size in bytes, 0 when it is not there.
    private static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
