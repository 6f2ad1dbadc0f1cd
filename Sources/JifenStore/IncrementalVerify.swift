import Foundation
import GRDB
import GRDBSQLite
import JifenAudit
import JifenCore

extension EventStore {
    /// The latest checkpoint filed in the ledger that itself verifies — every signature on it holds, it signs an earlier
    /// event, and this log still holds that event with the signed hash — and the findings about the checkpoints filed after it that do not verify (each is evidence that the log up to it
    /// was rewritten, or the checkpoint forged). A checkpoint that verifies but that `signed` does not accept (it lacks
    /// the signature of a key the auditor names) is passed over without a finding.
    public func latestVerifyingCheckpoint(ledgerId: String, village: String, signed: (Checkpoint) -> Bool = { _ in true })
        throws -> (anchor: IncrementalVerification.Anchor?, passedOver: Int, problems: [VerifyReport.Problem]) {
        let filed = try read { try $0.checkpoints() }
        var problems: [VerifyReport.Problem] = []
        var passedOver = 0
        for entry in filed.reversed() {
            let point = Checkpoint(entry.checkpoint, ledgerId: ledgerId, village: village)
            let broken = try self.problems(of: entry, as: point, ledgerId: ledgerId)
            if !broken.isEmpty {
                problems += broken
                continue
            }
            guard signed(point) else {
                passedOver += 1
                continue
            }
            let anchor = IncrementalVerification.Anchor(seq: point.seq, head: point.head, filedAs: entry.seq, filedOn: entry.filedOn,
                                                        keys: point.signatures.map { Checkpoint.fingerprint(publicKey: $0.publicKey) })
            return (anchor, passedOver, problems)
        }
        return (nil, passedOver, problems)
    }

    /// What `verifyAll` checks of the events after `anchor`'s, and only of them: the chain from the checkpoint's signed
    /// head on (each sequence number, link and hash), the append-only triggers and the schema, each new row's NOT NULL
    /// and CHECK constraints (as the schema gives them), and its entry in every index of the log; for auditors also
    /// what the new events name (earlier events of the right kind, looked up wherever they are) and that a reversal
    /// moves exactly the opposite of its entry. Left to the full check: the events up to the checkpoint (its signature
    /// vouches for them), SQLite's check of the file's pages beyond the new rows, index entries that belong to no new
    /// row, and the tables against a replay (a replay needs the whole log), with the stock and the balance identities.
    public func verifyEvents(after anchor: IncrementalVerification.Anchor, audit: Bool, problemsMax: Int = 100,
                             progress: ((Int64, Int64) -> Void)? = nil) throws -> (report: VerifyReport, through: Int64) {
        var report = VerifyReport()
        var last = anchor.seq
        let schema = schemaFindings()
        do {
            try withVerifyCache { try queue.read { db in
                guard let head = try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [anchor.seq]), head.hex == anchor.head else {
                    report.problems.append(.init(seq: anchor.seq, zh: "它已不是签名存证所签的那一条", en: "it is no longer the event the checkpoint signed"))
                    return
                }
                // (The new rows' index entries are looked up one by one below, not summed as the whole log's are.)
                var noDigests: IndexDigests?
                var walked = try EventStore.walkChain(db, from: anchor.seq + 1, previous: head, digests: &noDigests, problemsMax: problemsMax,
                                                      progress: progress)
                if schema.isEmpty { walked.problems += try IndexDigests.entryProblems(db, after: anchor.seq) }
                report = walked
                // The last event read (the walk reads every one after the anchor, in order): with a gap in the log it
                // is not the anchor plus the events counted.
                last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events WHERE seq > ?", arguments: [anchor.seq]) ?? anchor.seq
            } }
            if audit && schema.isEmpty { report.problems += try auditConsistency(after: anchor.seq, problemsMax: problemsMax) }
        } catch {
            report.problems.append(VerifyReport.Problem(reading: error))
        }
        report.problems = Array((schema + report.problems).prefix(problemsMax))
        let through = last
        if report.events == 0, let hash = try? hash(at: anchor.seq) { report.head = hash }
        return (report, through)
    }

    /// Each way a row of the log's table can break its NOT NULL and CHECK rules (as its schema in the file gives them),
    /// as SQL over the row, true when broken. SQLite checks none of them on a read-only connection (its `quick_check`
    /// leaves CHECK out there), and a compact log stores some fields otherwise than it hashes them, so a value of the
    /// wrong kind there (an instant as text or a real number) could read back as the same hashed text.
    static func constraintTerms(_ db: Database) throws -> [String] {
        let table = try LogFormat.of(db).table
        var terms = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").compactMap { column -> String? in
            guard (column["notnull"] as Int?) == 1, let name = column["name"] as String? else { return nil }
            return "\(name.quotedDatabaseIdentifier) IS NULL"
        }
        let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '\(table)'") ?? ""
        terms += checkExpressions(sql).map { "NOT (\($0))" }
        // Each hashed value of the kind jifen stores: a value of another kind (a REAL, a BLOB where text belongs) may be
        // hashed as jifen reads it and yet compare otherwise in SQL (the view, every query); and no figure beyond what
        // any ledger holds, which no sum of them may overflow.
        var texts = ["stream", "type", "occurred_on", "actor", "idempotency_key", "household", "item", "rule", "payload"]
        var integers = ["seq", "stream_version", "scheme_version", "earned", "deducted", "redeemed", "stock", "reverses"]
        if table == LogFormat.compact.table { integers.append("recorded_at") } else { texts += ["id", "recorded_at"] }
        terms += texts.map { "(\($0) IS NOT NULL AND typeof(\($0)) <> 'text')" }
        terms += integers.map { "(\($0) IS NOT NULL AND typeof(\($0)) <> 'integer')" }
        terms += ["earned", "deducted", "redeemed", "stock"].map { "(\($0) > \(EventStore.factsLimit) OR \($0) < -\(EventStore.factsLimit))" }
        return terms
    }

    /// The largest figure (points or stock) an event may move: far beyond any village's, and a thousand million of
    /// them summed stay within 64 bits.
    static let factsLimit: Int64 = 1_000_000_000

    /// The finding for a row that breaks the log's NOT NULL or CHECK rules.
    static func brokenConstraint(at seq: Int64) -> VerifyReport.Problem {
        .init(seq: seq, zh: "它有一栏是空的或不合规定（文件已损坏）", en: "one of its columns is empty or breaks the schema's rule (the file is damaged)")
    }

    /// The expressions of the CHECK constraints in a CREATE TABLE statement, as written: the keyword in any case,
    /// with or without space before its parenthesis; the expression runs to the matching parenthesis, those inside
    /// quoted strings, quoted names and comments not counted (nor a CHECK there taken for one).
    static func checkExpressions(_ sql: String) -> [String] {
        let bytes = Array(sql.utf8)
        let n = bytes.count
        func isWord(_ c: UInt8) -> Bool { c == UInt8(ascii: "_") || c >= 0x80 || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) }
        /// The index after the literal, name or comment that starts at `i`, or nil if none starts there.
        func skipQuoted(_ i: Int) -> Int? {
            let c = bytes[i]
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "`") || c == UInt8(ascii: "[") {
                let close = c == UInt8(ascii: "[") ? UInt8(ascii: "]") : c
                var j = i + 1
                while j < n {
                    if bytes[j] == close {
                        // A doubled quote stands for itself inside the string.
                        if close != UInt8(ascii: "]"), j + 1 < n, bytes[j + 1] == close { j += 2; continue }
                        return j + 1
                    }
                    j += 1
                }
                return n
            }
            if c == UInt8(ascii: "-"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "-") {
                var j = i + 2
                while j < n && bytes[j] != UInt8(ascii: "\n") { j += 1 }
                return j
            }
            if c == UInt8(ascii: "/"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "*") {
                var j = i + 2
                while j + 1 < n && !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) { j += 1 }
                return min(n, j + 2)
            }
            return nil
        }
        var expressions: [String] = []
        var i = 0
        while i < n {
            if let after = skipQuoted(i) { i = after; continue }
            guard isWord(bytes[i]) else { i += 1; continue }
            var end = i
            while end < n && isWord(bytes[end]) { end += 1 }
            let word = String(decoding: bytes[i..<end], as: UTF8.self)
            i = end
            guard word.uppercased() == "CHECK" else { continue }
            // Blanks and comments, then the parenthesis.
            while i < n {
                if bytes[i] == 32 || (bytes[i] >= 9 && bytes[i] <= 13) { i += 1 } else if bytes[i] != UInt8(ascii: "'"), bytes[i] != UInt8(ascii: "\""),
                    bytes[i] != UInt8(ascii: "`"), bytes[i] != UInt8(ascii: "["), let after = skipQuoted(i) { i = after } else { break }
            }
            guard i < n, bytes[i] == UInt8(ascii: "(") else { continue }
            let start = i + 1
            var depth = 1
            i += 1
            while i < n && depth > 0 {
                if let after = skipQuoted(i) { i = after; continue }
                if bytes[i] == UInt8(ascii: "(") { depth += 1 } else if bytes[i] == UInt8(ascii: ")") { depth -= 1 }
                i += 1
            }
            guard depth == 0 else { break }
            expressions.append(String(decoding: bytes[start..<(i - 1)], as: UTF8.self))
        }
        return expressions
    }
}

extension IndexDigests {
    /// Each event after `seq` that an index of the log lacks its entry for (looked up entry by entry: the cost of the
    /// new events only). An index of a form this lookup does not read (an expression, a collation other than BINARY,
    /// a descending column) is a finding of its own: its entries for the new events were not checked, and the full
    /// verify is the one to run.
    static func entryProblems(_ db: Database, after seq: Int64) throws -> [VerifyReport.Problem] {
        let found = try IndexDigests.readIndexes(db)
        var problems = found.unreadable.map { name in
            VerifyReport.Problem(seq: 0, zh: "索引 \(name) 的形式无法逐条核对，新事件在其中的条目未经检查：请运行完整的核验",
                                 en: "the index \(name) has a form this check does not read, so the new events' entries in it were not checked: run the full verify")
        }
        let table = try LogFormat.of(db).table
        for index in found.indexes {
            let matches = index.columns.map { "i.\($0.quotedDatabaseIdentifier) IS e.\($0.quotedDatabaseIdentifier)" }.joined(separator: " AND ")
            let condition = index.condition.map { " AND (\($0))" } ?? ""
            let rows = try RawRows(db, sql: """
                SELECT e.seq FROM \(table) e WHERE e.seq > \(seq)\(condition)
                AND NOT EXISTS (SELECT 1 FROM \(table) i INDEXED BY \(index.name.quotedDatabaseIdentifier)
                                WHERE \(matches)\(condition) AND i.rowid = e.rowid)
                ORDER BY e.seq
                """)
            while try rows.next() {
                problems.append(.init(seq: rows.int64(0), zh: "索引 \(index.name) 里没有它的条目（文件已损坏）",
                                      en: "the index \(index.name) holds no entry for it (the file is damaged)"))
            }
        }
        return problems
    }
}

/// The rules `EventStore.constraintTerms` gives as SQL — each column's NOT NULL, the table's CHECKs, the kind jifen
/// stores in each hashed column, the bound on every figure — held in Swift against the columns the chain's pass has
/// already read (`StepColumns`): SQL terms selected with every row were a sixth of verify's CPU at 10^6 events. Made
/// only for a log table whose SQL is the one its migration writes (otherwise its rules are not the ones written here).
/// `clears` is a quick test that passes only rows every term holds for; a row it does not pass is decided by SQLite,
/// the same terms over that one row, so what is found is exactly what the terms find.
final class LogRowRules {
    private let format: LogFormat
    private let lookup: RawRows

    /// Nil when the log's table is not as migration 0001 of its format made it, or there are no terms.
    static func make(_ db: Database, terms: [String]) throws -> LogRowRules? {
        guard !terms.isEmpty else { return nil }
        let format = try LogFormat.of(db)
        // (Should the migrations' schema not be at hand, the terms stay SQL.)
        let expected = try? (format == .compact ? EventStore.expectedCompact : EventStore.expectedWide).get()["table \(format.table)"]
        let found = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '\(format.table)'")
        guard let expected, found == expected else { return nil }
        return LogRowRules(format: format, lookup: try RawRows(db, sql: """
            SELECT coalesce(\(terms.map { "(\($0))" }.joined(separator: " OR ")), 0) FROM \(format.table) WHERE seq = ?
            """))
    }

    private init(format: LogFormat, lookup: RawRows) {
        self.format = format
        self.lookup = lookup
    }

    /// SQLite's verdict on the row `seq`: whether it breaks a term.
    func breaks(seq: Int64) throws -> Bool {
        sqlite3_bind_int64(lookup.handle, 1, seq)
        defer { sqlite3_reset(lookup.handle) }
        return try lookup.next() && lookup.int64(0) != 0
    }

    /// True only when the row (selected as `LogRows.columns(format)`) holds every rule: each hashed column of its kind
    /// (and not NULL where the table says NOT NULL), each figure within the bound, and the table's CHECKs.
    func clears(_ row: StepColumns) -> Bool {
        @inline(__always) func integer(_ column: Int32) -> Bool { row.type(column) == SQLITE_INTEGER }
        @inline(__always) func text(_ column: Int32) -> Bool { row.type(column) == SQLITE_TEXT }
        @inline(__always) func textOrNull(_ column: Int32) -> Bool { row.type(column) == SQLITE_TEXT || row.type(column) == SQLITE_NULL }
        @inline(__always) func figure(_ column: Int32) -> Bool {
            integer(column) && row.int64(column).magnitude <= EventStore.factsLimit.magnitude
        }
        // seq, stream_version (CHECK >= 1), scheme_version; the figures; reverses.
        guard integer(0), row.int64(0) >= 1, integer(3), row.int64(3) >= 1, integer(8),
              figure(13), figure(14), figure(15), figure(16), integer(17) || row.isNull(17) else { return false }
        // stream, type, occurred_on, actor; idempotency_key (CHECK: not ''), household, item, rule.
        guard text(2), text(4), text(5), text(7), textOrNull(9), textOrNull(10), textOrNull(11), textOrNull(12) else { return false }
        if text(9) && row.bytes(9).count == 0 { return false }
        // CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
        let date = row.bytes(5)
        guard date.count == 10 else { return false }
        for (offset, byte) in date.enumerated() {
            let dash = offset == 4 || offset == 7
            if dash ? byte != UInt8(ascii: "-") : !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { return false }
        }
        switch format {
        case .wide:
            // id, recorded_at and payload text; CHECK (length(prev_hash) = 32 AND length(hash) = 32).
            return text(1) && text(6) && text(18) && row.type(19) == SQLITE_BLOB && row.bytes(19).count == 32
                && row.type(20) == SQLITE_BLOB && row.bytes(20).count == 32
        case .compact:
            // CHECK ((typeof(id) = 'blob' AND length(id) = 16) OR typeof(id) = 'text')
            guard text(1) || (row.type(1) == SQLITE_BLOB && row.bytes(1).count == 16) else { return false }
            // CHECK (typeof(recorded_at) = 'integer' AND recorded_at BETWEEN 0 AND 253402300799999)
            guard integer(6), (0...RecordedInstant.latest).contains(row.int64(6)) else { return false }
            // CHECK (length(hash) = 32)
            guard row.type(19) == SQLITE_BLOB, row.bytes(19).count == 32 else { return false }
            // CHECK (payload IS NOT NULL OR (type = 'v1.scoreRecorded' AND household IS NOT NULL AND rule IS NOT NULL))
            if row.isNull(18) {
                guard !row.isNull(10), !row.isNull(12), LogRowRules.scoreType.withUnsafeBytes({ row.equals(4, $0) }) else { return false }
            } else if !text(18) {
                return false
            }
            // CHECK (stream NOT GLOB 'reversal:*' OR stream_version = 1)
            let stream = row.bytes(2)
            if stream.count >= LogRowRules.reversalPrefix.count,
               LogRowRules.reversalPrefix.withUnsafeBytes({ row.equals(prefixOf: 2, $0) }) {
                return row.int64(3) == 1
            }
            return true
        }
    }

    private static let scoreType = Array("v1.scoreRecorded".utf8)
    private static let reversalPrefix = Array("reversal:".utf8)
}
