import Foundation
import Testing

/// A damaged ledger file is an error that names the damage (exit 2), never a trap, and never "whole" to `verify`.
/// Each stored column of each table, log and projections alike, is damaged in turn in a copy of a ledger that uses
/// them all, and every read, `verify` and a write are run on it: the write refuses damage at the head of the log and
/// in the rows it reads (`RowsAWriteReads`), writes nothing when it refuses, and leaves the damage for `verify`.
@Suite struct DamagedFiles {
    /// Reads that must end cleanly (0, 1 or 2) on any damage; `verify` must exit 2.
    static let reads: [[String]] = [
        ["balance"], ["history", "H001"], ["log"], ["statement", "H001", "--period", "2025"], ["standings", "--period", "2025"],
        ["review"], ["audit", "replay", "--seq", "20"],
    ]

    /// A village whose ledger has a row in every table: scores, a reversal, a notice, the shop, a settled year, a
    /// reversal waiting for approval, a score waiting for its notice and an imported sheet.
    ///
    /// With `passwords`, 张书记 and 王会计 then have passwords (`DamagedFiles.passwords`) and one attempt of 王会计's
    /// failed: a row in the tables of passwords and failed attempts too, and every write asks for its person's password.
    func village(_ format: StoredFormat = .compact, passwords: Bool = false) throws -> Office {
        let office = try format.making { try Golden().village() }
        #expect(try office.logTable() == format.table)
        try office.write("sheet.csv", "date,household,rule,points,note\n2025-05-06,H003,A1.1,,\n")
        expectOK(try office.jifen("record", "import", "sheet.csv", "--by", "王会计"))
        for month in ["2025-04", "2025-05"] { try office.finalize(month) }
        expectOK(try office.jifen("settle", "2025", "--date", "2026-01-10", "--by", "张书记"))
        expectOK(try office.jifen("reverse", "15", "--reason", "重复记分", "--date", "2026-01-12", "--by", "王会计"))
        expectOK(try office.jifen("record", "H002", "A1.1", "--date", "2026-01-13", "--by", "王会计"))
        if passwords {
            let (admin, clerk) = (Self.passwords["张书记"] ?? "", Self.passwords["王会计"] ?? "")
            expectOK(try office.jifen(arguments: ["actor", "password", "张书记", "--by", "张书记", "--password-stdin"], input: admin + "\n"))
            expectOK(try office.jifen(arguments: ["actor", "password", "王会计", "--by", "张书记", "--password-stdin"], input: admin + "\n" + clerk + "\n"))
            // A household's card, so that the cards' table has a row to damage too (before the wrong password: the right
            // one clears the failures).
            expectOK(try office.jifen(arguments: ["household", "card", "H001", "--public-url", "https://jifen.example.cn", "--by", "王会计",
                                                  "--password-stdin"], input: clerk + "\n"))
            expectRefused(try office.jifen(arguments: ["record", "H002", "A1.2", "--date", "2026-01-14", "--by", "王会计", "--password-stdin"],
                                           input: "not-the-password\n"), mentioning: "密码")
        }
        return office
    }

    /// The passwords of `village(passwords: true)`.
    static let passwords = ["张书记": "admin-password-1", "王会计": "clerk-password-1"]

    /// Makes `copy`: the ledger with `table.column` set to `value` (SQL), past NOT NULL, CHECK and the append-only
    /// triggers, the schema's text then put back as it was. With a condition `row`, in the rows it selects (prints how
    /// many); with `newest`, in the newest row whose value that changes (prints whether it is the table's last row,
    /// `head`, or an `older` one; exit 3 if every row holds the value already, which is no damage). A table without
    /// rowid (`rule_texts`) has its rows in the order of its primary key.
    static let damage = #"""
        import re, shutil, sqlite3, sys
        table, column, value, row, copy = sys.argv[1:6]
        shutil.copyfile("jifen.sqlite", copy)
        db = sqlite3.connect(copy, isolation_level=None)
        schema = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
        triggers = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))]
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)).fetchall():
            db.execute(f"DROP TRIGGER {name}")
        version = db.execute("PRAGMA schema_version").fetchone()[0]
        db.execute("PRAGMA writable_schema = ON")
        # Each column's NOT NULL, not a CHECK's "IS NOT NULL".
        db.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (re.sub(r"(?<!IS )NOT NULL", "", schema), table))
        db.execute(f"PRAGMA schema_version = {version + 1}")
        db.close()
        db = sqlite3.connect(copy, isolation_level=None)
        db.execute("PRAGMA ignore_check_constraints = ON")
        if "WITHOUT ROWID" in schema.upper():
            keys = [r[1] for r in sorted(db.execute(f"PRAGMA table_info({table})").fetchall(), key=lambda r: r[5]) if r[5] > 0]
        else:
            keys = ["rowid"]
        key, descending = ", ".join(keys), ", ".join(k + " DESC" for k in keys)
        if row == "newest":
            target = db.execute(f"SELECT {key} FROM {table} WHERE {column} IS NOT {value} ORDER BY {descending} LIMIT 1").fetchone()
            if target is None: sys.exit(3)
            db.execute(f"UPDATE {table} SET {column} = {value} WHERE ({key}) = ({', '.join('?' for _ in keys)})", target)
            said = "head" if target == db.execute(f"SELECT {key} FROM {table} ORDER BY {descending} LIMIT 1").fetchone() else "older"
        else:
            said = db.execute(f"UPDATE {table} SET {column} = {value} WHERE {row}").rowcount
        db.execute("PRAGMA writable_schema = ON")
        db.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (schema, table))
        db.execute(f"PRAGMA schema_version = {version + 3}")
        for trigger in triggers: db.execute(trigger)
        db.close()
        print(said)
        """#

    /// What damage to try in a column: NULL everywhere, and where a date belongs one written the wrong way; a
    /// payload that is not JSON and an event type no jifen wrote. In stored format 2's log: an id of the wrong length,
    /// an instant moved by a millisecond or written as text; a rule's text altered.
    static func values(table: String, column: String) -> [String] {
        var values = ["NULL"]
        if table == "event_log" && column == "id" { values.append("x'0102'") }
        if table == "event_log" && column == "recorded_at" { values += ["recorded_at + 1", "'2025-01-01T00:00:00.000Z'"] }
        if table == "rule_texts" && column == "text" { values.append("replace(text, ':', ';')") }
        if column.hasSuffix("_on") || ["date_from", "date_to", "effective", "black_until", "closes_on"].contains(column) {
            values.append("'2025/01/01'")
        }
        if column == "payload" || column == "scheme" { values.append("'{\"household\": 1'") }
        if column == "type" { values.append("'v9.somethingElse'") }
        if column == "roles" || column == "status" || column == "state" { values.append("'banana'") }
        return values
    }

    /// In either stored format: format 2's log is `event_log` and `rule_texts` (read through the view `events`). The
    /// projection tables are the same in both, and the same code reads them: format 1's ledger has its log damaged,
    /// format 2's every table.
    @Test("every damaged column: verify exits 2 before and after a write, reads end cleanly, a refused write writes nothing",
          arguments: StoredFormat.allCases)
    func everyColumn(_ format: StoredFormat) throws {
        // With passwords set, so that the tables of passwords and failed attempts have rows to damage too.
        let office = try village(format, passwords: true)
        try office.write("damage.py", Self.damage)
        let tables = try office.sqlite("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' ORDER BY name")
        let log = format == .compact ? ["event_log", "rule_texts"] : ["events"]
        #expect(log.allSatisfy(tables.contains) && tables.count > 10, "\(tables)")
        var cases: [(table: String, column: String, value: String, nullable: Bool)] = []
        for table in tables where format == .compact || table == format.table {
            #expect(try office.sqlite("SELECT count(*) FROM \(table)") != ["0"], "\(table) has a row to damage")
            // Each column with whether it may hold NULL, read once before the copies are damaged side by side.
            let columns = try office.sqlite("SELECT name || ' ' || (\"notnull\" = 0) FROM pragma_table_info('\(table)')")
                .map { $0.split(separator: " ").map(String.init) }
            for column in columns where column.count == 2 && !(table == format.table && column[0] == "seq") {
                cases += Self.values(table: table, column: column[0]).map { (table, column[0], $0, column[1] == "1") }
            }
        }
        // As many at a time as the machine has cores, each in its own copy (Office only starts processes in its folder).
        nonisolated(unsafe) let shared = office
        let all = cases
        DispatchQueue.concurrentPerform(iterations: all.count) { index in
            do {
                try check(shared, all[index], log: format.table, copy: "damaged-\(index).sqlite")
            } catch {
                Issue.record(error)
            }
        }
        #expect(cases.count > (format == .compact ? 80 : 20))
    }

    func check(_ office: Office, _ damage: (table: String, column: String, value: String, nullable: Bool), log: String, copy: String) throws {
        let (table, column, value, nullable) = damage
        let label = "\(table).\(column) = \(value)"
        let made = try office.run("/usr/bin/env", ["python3", "damage.py", table, column, value, "newest", copy])
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: office.path(copy + suffix)) } }
        if made.status == 3 { return }  // no row holds anything else: nothing to damage
        guard made.status == 0 else {
            // SQLite itself refuses some values outright (a primary key); nothing to read then.
            #expect(made.err.contains("IntegrityError") || made.err.contains("datatype mismatch"), "\(label): \(made.err)")
            return
        }
        let count = { try office.run("/usr/bin/env", ["sqlite3", copy, "SELECT count(*) FROM events"]).out }
        let unchanged = try count()
        let verify = try office.jifen("--ledger", copy, "verify")
        #expect(verify.status == 2, "\(label): verify exit \(verify.status)\n\(verify.out)\(verify.err)")
        for read in Self.reads {
            let run = try office.jifen(arguments: ["--ledger", copy] + read)
            #expect([0, 1, 2].contains(run.status), "\(label): \(read) exit \(run.status)\n\(run.err)")
            #expect(!run.err.contains("Fatal error") && !run.err.contains("Unexpectedly found nil"), "\(label): \(read)\n\(run.err)")
        }
        let write = try office.jifen(arguments: ["--ledger", copy, "record", "H003", "A1.1", "--date", "2026-01-20", "--by", "王会计",
                                                 "--password-stdin"], input: (Self.passwords["王会计"] ?? "") + "\n")
        #expect(!write.err.contains("Fatal error") && !write.err.contains("Unexpectedly found nil"), "\(label): record\n\(write.err)")
        // A write checks the schema and the head of the log, and each row it reads as it reads it (`RowsAWriteReads`
        // shows those): damage at the head is refused, damage elsewhere may be written past, never over — a refusal
        // writes nothing, and whatever the write did, `verify` still finds the damage.
        if table == log && made.out.hasPrefix("head") && !(value == "NULL" && nullable) {
            #expect([1, 2].contains(write.status), "\(label): record exit \(write.status)\n\(write.out)\(write.err)")
        } else {
            #expect([0, 1, 2].contains(write.status), "\(label): record exit \(write.status)\n\(write.err)")
        }
        if write.status != 0 { #expect(try count() == unchanged, "\(label): a refused record wrote to the ledger") }
        let after = try office.jifen("--ledger", copy, "verify")
        // (A person's failed attempts are a throttle's count, not history: the write proved 王会计's password and so
        // cleared them, the damaged one with them.)
        if table == "login_failures" && write.status == 0 {
            #expect(try office.run("/usr/bin/env", ["sqlite3", copy, "SELECT count(*) FROM login_failures WHERE actor = '王会计'"]).out
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(label)")
        } else {
            #expect(after.status == 2, "\(label): verify after the record exit \(after.status)\n\(after.out)\(after.err)")
        }
    }
}

/// What a write reads, it checks as it reads it: damage in any of those rows refuses the write (exit 2) and writes
/// nothing, however large the ledger — the check before a write no longer reads every projection row.
@Suite struct RowsAWriteReads {
    /// One damaged value (`table.column = value` in the row `row`), and a command that reads that row.
    struct Case: CustomStringConvertible {
        let table: String, column: String, value: String, row: String
        let command: [String]
        var description: String { "\(table).\(column) = \(value) where \(row): \(command.joined(separator: " "))" }
    }

    static let record = ["record", "H003", "A1.1", "--date", "2026-01-20", "--by", "王会计"]

    static let cases: [Case] = [
        // The household a score is for, and the clerk who records it.
        Case(table: "p_households", column: "registered_on", value: "'2025/01/02'", row: "code = 'H003'", command: record),
        Case(table: "p_households", column: "status", value: "'banana'", row: "code = 'H003'", command: record),
        Case(table: "p_households", column: "head", value: "NULL", row: "code = 'H003'", command: record),
        Case(table: "p_actors", column: "roles", value: "'banana'", row: "name = '王会计'", command: record),
        // The notices (is the date posted?), the scheme in force, and the scores counted towards the rule's cap.
        Case(table: "p_notices", column: "closed_on", value: "'2025/05/08'", row: "period = '2025-04'", command: record),
        Case(table: "p_schemes", column: "scheme", value: "'{\"household\": 1'", row: "version = 1", command: record),
        Case(table: "LOG", column: "rule", value: "NULL", row: "seq = (SELECT min(seq) FROM events WHERE household = 'H003' AND occurred_on >= '2026-01-01')",
             command: record),
        // A unit, read when a household joins it.
        Case(table: "p_units", column: "name", value: "NULL", row: "code = 'U02'",
             command: ["household", "add", "H004", "--head", "刘大山", "--unit", "U02", "--date", "2026-01-20", "--by", "张书记"]),
        // The review of a score not yet final, read when the score is to be reversed.
        Case(table: "p_reviews", column: "state", value: "'banana'", row: "household = 'H002' AND occurred_on = '2026-01-13'",
             command: ["reverse", "#REVIEWED", "--reason", "记错户", "--date", "2026-01-20", "--by", "王会计"]),
        // A year's settlement, read by everything dated in it.
        Case(table: "p_settlements", column: "settled_on", value: "'2026/01/10'", row: "year = 2025",
             command: ["record", "H003", "A1.1", "--date", "2025-12-20", "--by", "王会计"]),
    ]

    /// In either stored format (LOG is the log's table).
    @Test("damage in a row the write reads refuses the write (exit 2) and writes nothing; each command runs on the sound ledger",
          arguments: StoredFormat.allCases)
    func damageInWhatTheWriteReads(_ format: StoredFormat) throws {
        let office = try DamagedFiles().village(format)
        // A score recorded and a later event after it, so that the damaged score is not the head of the log.
        expectOK(try office.jifen("record", "H003", "A1.2", "--date", "2026-01-14", "--by", "王会计"))
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2026-01-15", "--by", "王会计"))
        let reviewed = try #require(try office.sqlite("SELECT seq FROM p_reviews WHERE household = 'H002' AND occurred_on = '2026-01-13'").first)
        try office.write("damage.py", DamagedFiles.damage)
        #expect(Self.cases.count == Set(Self.cases.map(\.description)).count)
        for (index, damage) in Self.cases.enumerated() {
            let command = damage.command.map { $0 == "#REVIEWED" ? reviewed : $0 }
            let copy = "rows-\(index).sqlite"
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: office.path(copy + suffix)) } }
            // The command is one the sound ledger takes: its refusal below is the damage's doing.
            let sound = "sound-\(index).sqlite"
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: office.path(sound + suffix)) } }
            try FileManager.default.copyItem(atPath: office.path("jifen.sqlite"), toPath: office.path(sound))
            if damage.table == "p_settlements" {
                // Dated in the settled year: the sound ledger refuses it for that (exit 1), the damaged one for the damage.
                #expect(try office.jifen(arguments: ["--ledger", sound] + command).status == 1, "\(damage)")
            } else {
                expectOK(try office.jifen(arguments: ["--ledger", sound] + command))
            }
            let table = damage.table == "LOG" ? format.table : damage.table
            let made = try office.run("/usr/bin/env", ["python3", "damage.py", table, damage.column, damage.value, damage.row, copy])
            #expect(made.status == 0 && made.out == "1\n", "\(damage): \(made.out)\(made.err)")
            let count = { try office.run("/usr/bin/env", ["sqlite3", copy, "SELECT count(*) FROM events"]).out }
            let before = try count()
            let write = try office.jifen(arguments: ["--ledger", copy] + command)
            #expect(write.status == 2 && write.err.contains("jifen verify"), "\(damage): exit \(write.status)\n\(write.out)\(write.err)")
            #expect(try count() == before, "\(damage): the refused command wrote to the ledger")
        }
    }
}

/// What a missing row or index entry reads as — "not there" — decides things too; the writes that act on "not there"
/// check the table whole first: the small projection tables before every write, the household table when a household
/// is looked up and not found.
@Suite struct MissingEntries {
    /// Drops H003's entry from the household table's index with SQLite's own hands (the index rebuilt from a definition
    /// that leaves it out, then the definition put back), so that the schema reads as before.
    func dropHouseholdIndexEntry(_ office: Office) throws {
        let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'p_households_unit'").first)
        func define(_ sql: String) throws {
            _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = '\(sql.replacingOccurrences(of: "'", with: "''"))' WHERE name = 'p_households_unit'")
        }
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        try define("CREATE INDEX p_households_unit ON p_households (unit, code) WHERE code <> 'H003'")
        _ = try office.sqlite("REINDEX p_households_unit")
        try define(original)
        #expect(try office.sqlite("PRAGMA integrity_check") != ["ok"], "SQLite's own check sees the damage")
    }

    @Test("a household not found is confirmed by the household table's check: a registration on a damaged table refuses (exit 2), writing nothing")
    func registrationChecksTheHouseholdTable() throws {
        let office = try DamagedFiles().village()
        let register = ["household", "add", "H009", "--head", "刘大山", "--unit", "U02", "--date", "2026-01-20", "--by", "张书记"]
        try FileManager.default.copyItem(atPath: office.path("jifen.sqlite"), toPath: office.path("sound.sqlite"))
        expectOK(try office.jifen(arguments: ["--ledger", "sound.sqlite"] + register))
        try dropHouseholdIndexEntry(office)
        let before = try office.eventCount()
        // A score for a household that is there reads its row and goes on: the table is checked only on "not there".
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2026-01-20", "--by", "王会计"))
        #expect(try office.eventCount() == before + 1)
        let refused = try office.jifen(arguments: register)
        #expect(refused.status == 2 && refused.err.contains("jifen verify"), "exit \(refused.status)\n\(refused.out)\(refused.err)")
        #expect(try office.eventCount() == before + 1, "the refused registration wrote to the ledger")
        #expect(try office.jifen("verify").status == 2)
    }

    @Test("the small projection tables are checked whole before every write")
    func smallTablesBeforeEveryWrite() throws {
        let office = try DamagedFiles().village()
        // An index on a small table whose entry for the clerk is dropped, as a damaged page would leave it.
        _ = try office.sqlite("CREATE INDEX p_actors_roles ON p_actors (roles)")
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'CREATE INDEX p_actors_roles ON p_actors (roles) WHERE name <> ''王会计''' WHERE name = 'p_actors_roles'")
        _ = try office.sqlite("REINDEX p_actors_roles")
        _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'CREATE INDEX p_actors_roles ON p_actors (roles)' WHERE name = 'p_actors_roles'")
        #expect(try office.sqlite("PRAGMA integrity_check(p_actors)") != ["ok"])
        let before = try office.eventCount()
        let refused = try office.jifen("record", "H002", "A1.2", "--date", "2026-01-20", "--by", "王会计")
        #expect(refused.status == 2, "exit \(refused.status)\n\(refused.out)\(refused.err)")
        #expect(try office.eventCount() == before)
        // The damage never stands in the way of its own repair: rebuild writes the tables afresh, and the write goes on.
        expectOK(try office.jifen("rebuild"))
        #expect(try office.sqlite("PRAGMA integrity_check(p_actors)") == ["ok"])
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2026-01-20", "--by", "王会计"))
        #expect(try office.eventCount() == before + 1)
    }
}

/// Files that are not ledgers, and damage inside SQLite's own structures, which the chain and the replay cannot see.
@Suite struct NotWholeFiles {
    @Test("an empty file is not a ledger: verify exits 2 and writes nothing; a write refuses it and writes nothing")
    func emptyFile() throws {
        let office = try Office()
        try office.write("empty.sqlite", "")
        let verify = try office.jifen("--ledger", "empty.sqlite", "verify")
        #expect(verify.status == 2 && verify.out.contains("不是积分账本"), "\(verify.out)\(verify.err)")
        expectRefused(try office.jifen("--ledger", "empty.sqlite", "record", "H001", "A1.1", "--by", "王会计"), mentioning: "不是积分账本")
        expectRefused(try office.jifen("--ledger", "empty.sqlite", "balance", "--lang", "en"), mentioning: "it is empty")
        #expect(try Data(contentsOf: office.url.appendingPathComponent("empty.sqlite")).isEmpty, "nothing was written to it")
    }

    @Test("damaged balances are repaired by rebuild, which the write check lets through; the log is untouched")
    func rebuildRepairs() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
        let head = try office.sqlite("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
        _ = try office.sqlite("UPDATE p_households SET registered_on = '2025/01/02', earned = 99 WHERE code = 'H001'")
        #expect(try office.jifen("verify").status == 2)
        // A write that reads the damaged row refuses it; one that does not may go on, and verify still finds it.
        #expect(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-05", "--by", "王会计").status == 2)
        expectOK(try office.jifen("rebuild"))
        expectOK(try office.jifen("verify"))
        #expect(try office.sqlite("SELECT hash FROM events ORDER BY seq DESC LIMIT 1") == head)
        expectOK(try office.jifen("record", "H002", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
    }

    @Test("a ledger whose projection tables were dropped fails verify (exit 2) and refuses writes")
    func droppedTables() throws {
        let office = try Office()
        try office.smallVillage()
        _ = try office.sqlite("DROP TABLE p_households")
        let verify = try office.jifen("verify")
        #expect(verify.status == 2 && verify.out.contains("p_households"), "\(verify.out)")
        let write = try office.jifen("record", "H001", "A1.1", "--by", "王会计")
        #expect(write.status == 2 && write.err.contains("jifen verify"), "\(write.err)")
    }

    /// In either stored format: in format 2 the hash is also the next event's link (the view's `prev_hash`).
    @Test("an event whose hash is not 32 bytes, followed by sound ones: verify exit 2, no crash (found by the flip drill)",
          arguments: StoredFormat.allCases)
    func shortHash(_ format: StoredFormat) throws {
        let office = try format.making { try Golden().village() }
        #expect(try office.logTable() == format.table)
        _ = try office.sqlite("""
            DROP TRIGGER events_are_never_updated; PRAGMA ignore_check_constraints = ON;
            UPDATE \(format.table) SET hash = x'0102' WHERE seq = 5;
            """)
        let verify = try office.jifen("verify")
        #expect(verify.status == 2 && verify.out.contains("第 5 条事件"), "exit \(verify.status)\n\(verify.out)\(verify.err)")
    }

    @Test("a flipped byte in an index page: verify names SQLite's finding (exit 2), reads end cleanly")
    func damagedIndex() throws {
        let office = try Golden().village()
        let page = try #require(Int(try office.sqlite("SELECT pageno FROM dbstat WHERE name = 'events_household' AND pagetype = 'leaf' LIMIT 1").first ?? ""))
        let size = try #require(Int(try office.sqlite("PRAGMA page_size").first ?? ""))
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        // A byte in the cells at the end of the page: an entry of the index now names another household.
        let handle = try FileHandle(forUpdating: office.url.appendingPathComponent("jifen.sqlite"))
        let offset = UInt64(page * size - 20)
        try handle.seek(toOffset: offset)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: [byte ^ 0x01])
        try handle.close()
        let verify = try office.jifen("verify")
        #expect(verify.status == 2 && verify.out.contains("SQLite 自检发现文件损坏"), "\(verify.out)\(verify.err)")
        for read in [["history", "H001"], ["statement", "H001", "--period", "2025"], ["balance"]] {
            let run = try office.jifen(arguments: read)
            #expect([0, 1, 2].contains(run.status), "\(read): exit \(run.status) \(run.err)")
        }
    }
}

/// What stored format 2 stores in its own way, damaged as someone with the file and the sqlite3 tool would (triggers
/// dropped and put back, CHECK rules ignored): `rule_texts`, a score's payload left to its facts and its rule's text,
/// the id in 16 bytes, the instant in milliseconds. Each is found by `verify` (exit 2) and by `audit verify`, named
/// with the events it alters where it alters some, and no read, write or rebuild traps on it.
@Suite struct CompactLogDamage {
    /// One damage: SQL run on a copy of the ledger, and the events `verify` must name (as SQL giving their seqs, read
    /// on the sound ledger; empty when the finding is not an event's).
    struct Damage: CustomTestStringConvertible, Sendable {
        let label: String
        let sql: String
        let named: String
        var testDescription: String { label }
    }

    /// The compact scores of the rule text most of them use, and that (scheme version, rule).
    static let mostUsed = """
        SELECT scheme_version, rule FROM event_log WHERE payload IS NULL GROUP BY scheme_version, rule ORDER BY count(*) DESC, rule LIMIT 1
        """
    static let scoresOfMostUsed = "SELECT l.seq FROM event_log l JOIN (\(mostUsed)) t USING (scheme_version, rule) WHERE l.payload IS NULL ORDER BY l.seq"
    static let lastCompactScore = "(SELECT max(seq) FROM event_log WHERE payload IS NULL)"
    static let lastNonScore = "(SELECT max(seq) FROM event_log WHERE type <> 'v1.scoreRecorded')"

    static let damages: [Damage] = [
        Damage(label: "a rule's text altered: every score that uses it",
               sql: "UPDATE rule_texts SET text = replace(text, '\"zh\":\"', '\"zh\":\"不') WHERE (scheme_version, rule) = (\(mostUsed))",
               named: scoresOfMostUsed),
        Damage(label: "a rule's text deleted: every score that uses it",
               sql: "DELETE FROM rule_texts WHERE (scheme_version, rule) = (\(mostUsed))", named: scoresOfMostUsed),
        Damage(label: "every rule's text deleted", sql: "DELETE FROM rule_texts",
               named: "SELECT seq FROM event_log WHERE payload IS NULL ORDER BY seq"),
        Damage(label: "a compact score given a payload other than its facts spell",
               sql: "UPDATE event_log SET payload = replace((SELECT payload FROM events WHERE seq = \(lastCompactScore)), '\"note\":\"\"', '\"note\":\"补\"') WHERE seq = \(lastCompactScore)",
               named: "SELECT \(lastCompactScore)"),
        Damage(label: "a compact score given a payload that is not JSON",
               sql: "UPDATE event_log SET payload = '{\"household\": 1' WHERE seq = \(lastCompactScore)", named: "SELECT \(lastCompactScore)"),
        Damage(label: "an event that is no score given a NULL payload",
               sql: "UPDATE event_log SET payload = NULL WHERE seq = \(lastNonScore)", named: "SELECT \(lastNonScore)"),
        Damage(label: "an event's id cut to 15 bytes",
               sql: "UPDATE event_log SET id = substr(id, 1, 15) WHERE seq = 12", named: "SELECT 12"),
        Damage(label: "an event's id made 17 bytes",
               sql: "UPDATE event_log SET id = id || x'00' WHERE seq = 12", named: "SELECT 12"),
        Damage(label: "an event's id written as its upper-case text",
               sql: "UPDATE event_log SET id = upper((SELECT id FROM events WHERE seq = 12)) WHERE seq = 12", named: "SELECT 12"),
        Damage(label: "an event's instant moved by a millisecond",
               sql: "UPDATE event_log SET recorded_at = recorded_at + 1 WHERE seq = 12", named: "SELECT 12"),
        Damage(label: "an event's instant written as the text it is hashed as",
               sql: "UPDATE event_log SET recorded_at = (SELECT recorded_at FROM events WHERE seq = 12) WHERE seq = 12", named: "SELECT 12"),
        // The view reads the same instant back, but not as the log's CHECK rule allows: SQLite checks no CHECK rule on
        // the read-only connection verify reads through, so the chain's pass holds each row to them itself.
        Damage(label: "an event's instant written as a real number",
               sql: "UPDATE event_log SET recorded_at = recorded_at + 0.5 WHERE seq = 12", named: "SELECT 12"),
        Damage(label: "an event's instant past the year 9999",
               sql: "UPDATE event_log SET recorded_at = 253402300800000 WHERE seq = 12", named: "SELECT 12"),
        Damage(label: "an event's instant before 1970",
               sql: "UPDATE event_log SET recorded_at = -1 WHERE seq = 12", named: "SELECT 12"),
        // Values of a kind jifen never stores there: hashed as jifen reads them, compared otherwise by SQL (the view).
        Damage(label: "a score's rule made a BLOB of the same bytes",
               sql: "UPDATE event_log SET rule = CAST(rule AS BLOB) WHERE seq = (SELECT max(seq) FROM event_log WHERE payload IS NULL)",
               named: "SELECT max(seq) FROM event_log WHERE payload IS NULL"),
        Damage(label: "a score's points made a real number",
               sql: "UPDATE event_log SET earned = earned + 0.5 WHERE seq = (SELECT max(seq) FROM event_log WHERE payload IS NULL AND earned > 0)",
               named: "SELECT max(seq) FROM event_log WHERE payload IS NULL AND earned > 0"),
        Damage(label: "a rule's text filed under its rule as a BLOB",
               sql: "UPDATE rule_texts SET rule = CAST(rule AS BLOB) WHERE (scheme_version, rule) = (\(mostUsed))", named: scoresOfMostUsed),
        // Figures whose difference overflows 64 bits, at the head (read by the check before every write) and inside.
        Damage(label: "the head given a rule and figures that overflow",
               sql: "UPDATE event_log SET rule = 'A1.2', scheme_version = 1, payload = NULL, earned = 9223372036854775807, deducted = -1 WHERE seq = (SELECT max(seq) FROM event_log)",
               named: "SELECT max(seq) FROM event_log"),
        Damage(label: "a score's figures past any a ledger holds",
               sql: "UPDATE event_log SET earned = 9223372036854775807 WHERE seq = 12", named: "SELECT 12"),
        // With no row before it, the view gives an event no link at all (prev_hash NULL).
        Damage(label: "the first event deleted", sql: "DELETE FROM event_log WHERE seq = 1", named: "SELECT 2"),
        Damage(label: "an event deleted", sql: "DELETE FROM event_log WHERE seq = 12", named: "SELECT 13"),
        Damage(label: "an event moved past the last", sql: "UPDATE event_log SET seq = seq + 1000 WHERE seq = 12", named: "SELECT 13"),
        Damage(label: "an event's hash made its predecessor's: the next event's link is its own",
               sql: "UPDATE event_log SET hash = (SELECT hash FROM event_log WHERE seq = 11) WHERE seq = 12", named: "SELECT 12"),
    ]

    /// `DamagedFiles`' village, made once for every test here (each takes a copy of its ledger: `office()`).
    static let village: Data? = {
        guard let office = try? DamagedFiles().village() else { return nil }
        return try? Data(contentsOf: office.url.appendingPathComponent("jifen.sqlite"))
    }()

    /// An office with a copy of the village's ledger.
    func office() throws -> Office {
        let office = try Office()
        try #require(Self.village).write(to: office.url.appendingPathComponent("jifen.sqlite"))
        return office
    }

    /// Copies the ledger to `copy` and runs `sql` there with the log's triggers dropped, CHECK rules ignored, and the
    /// triggers put back as they were.
    static let edit = #"""
        import shutil, sqlite3, sys
        sql, copy = sys.argv[1:3]
        shutil.copyfile("jifen.sqlite", copy)
        db = sqlite3.connect(copy, isolation_level=None)
        triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('event_log', 'rule_texts')").fetchall()
        for name, _ in triggers: db.execute(f"DROP TRIGGER {name}")
        db.execute("PRAGMA ignore_check_constraints = ON")
        print(db.execute(sql).rowcount)
        for _, trigger in triggers: db.execute(trigger)
        db.close()
        """#

    @Test(arguments: damages)
    func isFoundAndNoReadTraps(_ damage: Damage) throws {
        let office = try office()
        #expect(try office.logTable() == "event_log")
        try office.write("edit.py", Self.edit)
        let named = try office.sqlite(damage.sql.isEmpty ? "SELECT 1 WHERE 0" : damage.named).compactMap { Int($0) }
        #expect(!named.isEmpty, "\(damage): the damage alters events")
        let copy = "damaged.sqlite"
        let made = try office.run("/usr/bin/env", ["python3", "edit.py", damage.sql, copy])
        #expect(made.status == 0 && (Int(made.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1, "\(damage): \(made.out)\(made.err)")
        let count = { try office.run("/usr/bin/env", ["sqlite3", copy, "SELECT count(*) FROM event_log"]).out }
        let before = try count()

        func found() throws {
            let verify = try office.jifen("--ledger", copy, "verify", "--lang", "en")
            #expect(verify.status == 2, "\(damage): verify exit \(verify.status)\n\(verify.out)\(verify.err)")
            let json = try office.jifen("--ledger", copy, "verify", "--json")
            let report = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
            let seqs = Set((report?["problems"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } ?? [])
            #expect(json.status == 2 && report?["valid"] as? Bool == false, "\(damage): \(json.out)\(json.err)")
            #expect(Set(named).isSubset(of: seqs), "\(damage): verify names \(seqs.sorted()), not every one of \(named)\n\(verify.out)")
            let audit = try office.jifen("--ledger", copy, "audit", "verify", "--lang", "en")
            #expect(audit.status == 2, "\(damage): audit verify exit \(audit.status)\n\(audit.out)\(audit.err)")
        }
        try found()

        for read in DamagedFiles.reads + [["audit", "export", "--out", "log.jsonl"], ["history", "H003"], ["passbook", "H001"]] {
            let run = try office.jifen(arguments: ["--ledger", copy] + read)
            #expect([0, 1, 2].contains(run.status), "\(damage): \(read) exit \(run.status)\n\(run.err)")
            #expect(!run.err.contains("Fatal error") && !run.err.contains("Unexpectedly found nil"), "\(damage): \(read)\n\(run.err)")
        }
        let write = try office.jifen("--ledger", copy, "record", "H003", "A1.1", "--date", "2026-01-20", "--by", "王会计")
        #expect([0, 1, 2].contains(write.status), "\(damage): record exit \(write.status)\n\(write.err)")
        if write.status != 0 { #expect(try count() == before, "\(damage): a refused record wrote to the ledger") }
        let rebuild = try office.jifen("--ledger", copy, "rebuild")
        #expect([0, 1, 2].contains(rebuild.status), "\(damage): rebuild exit \(rebuild.status)\n\(rebuild.err)")
        // Neither a write nor a rebuild hides the damage.
        try found()
    }

    /// A rule's text deleted, then a score of that rule recorded: the write acts on "not there" as on the first score
    /// of the rule, and must not write over the damage (as `DamagedFiles` demands of every write): it refuses, writing
    /// nothing, or `verify` still finds the scores whose text was deleted.
    @Test func aWriteDoesNotWriteOverADeletedRuleText() throws {
        let office = try office()
        // A score of another rule after the last of A1.1, so that the damage is not at the head the write checks.
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2026-01-14", "--by", "王会计"))
        try office.write("edit.py", Self.edit)
        let key = "SELECT scheme_version, rule FROM event_log WHERE payload IS NULL AND rule = 'A1.1' ORDER BY seq DESC LIMIT 1"
        let scores = try office.sqlite("SELECT l.seq FROM event_log l JOIN (\(key)) USING (scheme_version, rule) WHERE l.payload IS NULL").compactMap { Int($0) }
        #expect(!scores.isEmpty)
        let made = try office.run("/usr/bin/env", ["python3", "edit.py", "DELETE FROM rule_texts WHERE (scheme_version, rule) = (\(key))", "deleted.sqlite"])
        #expect(made.status == 0 && made.out == "1\n", "\(made.out)\(made.err)")
        #expect(try office.jifen("--ledger", "deleted.sqlite", "verify").status == 2)
        let count = { try office.run("/usr/bin/env", ["sqlite3", "deleted.sqlite", "SELECT count(*) FROM event_log"]).out }
        let before = try count()
        let write = try office.jifen("--ledger", "deleted.sqlite", "record", "H003", "A1.1", "--date", "2026-01-20", "--by", "王会计")
        #expect([0, 1, 2].contains(write.status), "record exit \(write.status)\n\(write.err)")
        if write.status != 0 { #expect(try count() == before, "a refused record wrote to the ledger") }
        // A score never files a rule's text (a scheme's event does): the new score is stored whole, and the damage stays.
        let after = try office.jifen("--ledger", "deleted.sqlite", "verify", "--json")
        #expect(after.status == 2, "\(after.out)")
        let named = Set(((try JSONSerialization.jsonObject(with: Data(after.out.utf8)) as? [String: Any])?["problems"] as? [[String: Any]])?
            .compactMap { $0["seq"] as? Int } ?? [])
        #expect(Set(scores).isSubset(of: named), "verify names \(named.sorted()), not every one of \(scores)")
    }

    /// A compact score's payload written out whole, exactly as its facts and its rule's text spell it: a form the
    /// writer does not choose, and no damage (the event is the same, byte for byte of what is hashed).
    @Test func aScorePayloadWrittenOutIsNoDamage() throws {
        let office = try office()
        try office.write("edit.py", Self.edit)
        let head = try office.sqlite("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
        let made = try office.run("/usr/bin/env", ["python3", "edit.py", "UPDATE event_log SET payload = (SELECT payload FROM events e WHERE e.seq = event_log.seq) WHERE payload IS NULL", "whole.sqlite"])
        #expect(made.status == 0 && (Int(made.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1, "\(made.out)\(made.err)")
        expectOK(try office.jifen("--ledger", "whole.sqlite", "verify"))
        let copied = try office.run("/usr/bin/env", ["sqlite3", "whole.sqlite", "SELECT hash FROM events ORDER BY seq DESC LIMIT 1"]).out
        #expect(copied.split(separator: "\n").map(String.init) == head)
    }
}
