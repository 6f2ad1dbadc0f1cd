import Foundation
import Testing

/// `jifen upgrade OLD NEW`: a ledger copied into the other stored format keeps its events, its hashes and its head, so
/// everything that verified or read against the old file does so against the new one (docs/FORMAT.md).
@Suite struct Upgrading {
    static let fixture = packageRoot.appendingPathComponent("Tests/JifenTests/Fixtures/ledger-before-roles.sqlite").path
    /// The demo ledger's head (`jifen demo`), in either format.
    static let demoHead = "05c93eed14601ecded6682ff653da2c9c25bec9b9452952b2c1f0bc4a06d2fb0"

    /// The reads of the ledger that print JSON, with arguments that fit the fixture (from 2025-01 on, households
    /// H001–H008, the item salt): each must print the same bytes from the old file and the new.
    static let reads: [[String]] = [
        ["balance"], ["balance", "H001"], ["balance", "--as-of", "2025-02-15"], ["history", "H001"], ["history", "H004"],
        ["log"], ["log", "--household", "H002"], ["review"], ["notice", "list"], ["notice", "sheet", "--period", "2025-03"],
        ["standings", "--period", "2025-03"], ["standings", "--period", "2025"], ["shop", "list"], ["unit", "list"],
        ["household", "list"], ["actor", "list"], ["checkpoint", "list"], ["scheme", "show"],
        ["statement", "H001", "--period", "2025-03"], ["statement", "--all", "--period", "2025"],
        ["audit", "replay", "--as-of", "2025-03-15"], ["audit", "replay", "--seq", "20"], ["audit", "report", "--period", "2025"],
        ["verify"], ["audit", "verify"],
    ]

    func bytes(_ office: Office, _ name: String) -> Data? { FileManager.default.contents(atPath: office.path(name)) }

    func exists(_ office: Office, _ name: String) -> Bool { FileManager.default.fileExists(atPath: office.path(name)) }

    /// No file of an upgrade to `name` is left but `name` itself: no work file, nor SQLite's files beside one.
    func nothingLeftBeside(_ office: Office, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            #expect(!exists(office, name + ".upgrading" + suffix), "\(name).upgrading\(suffix) was left behind", sourceLocation: sourceLocation)
        }
    }

    func upgradeJSON(_ office: Office, _ arguments: String...) throws -> [String: Any] {
        let run = try office.jifen(arguments: ["upgrade"] + arguments + ["--json"])
        #expect(run.status == 0, "\(arguments): \(run.err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
    }

    /// A ledger's `--json` output of a read, run on the file `name`.
    func read(_ office: Office, _ name: String, _ arguments: [String]) throws -> Run {
        try office.jifen(arguments: arguments + ["--ledger", name, "--json"])
    }

    @Test("the fixture from before roles, upgraded: the same head, it verifies, and every read and the export are the same bytes")
    func theFixtureKeepsItsHeadAndEveryRead() throws {
        let office = try Office()
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: office.path("old.sqlite"))
        let before = try #require(bytes(office, "old.sqlite"))

        let report = try upgradeJSON(office, "old.sqlite", "jifen.sqlite")
        let from = try #require(report["from"] as? [String: Any]), to = try #require(report["to"] as? [String: Any])
        #expect(report["events"] as? Int == 32 && report["sameHead"] as? Bool == true, "\(report)")
        #expect(from["head"] as? String == ALedgerFromBeforeRoles.head && to["head"] as? String == ALedgerFromBeforeRoles.head)
        #expect(from["format"] as? Int == 1 && to["format"] as? Int == 2 && from["file"] as? String == "old.sqlite")
        #expect((from["bytes"] as? Int ?? 0) == before.count && (to["bytes"] as? Int ?? 0) == bytes(office, "jifen.sqlite")?.count)
        // The old file is only read; the new one holds its log in the compact form.
        #expect(bytes(office, "old.sqlite") == before)
        // A score's payload is left out exactly when its facts and its rule's text spell it out: no note, no tally sheet.
        let spelled = try office.sqlite("""
            ATTACH 'old.sqlite' AS old; SELECT count(*) FROM old.events WHERE type = 'v1.scoreRecorded'
            AND json_extract(payload, '$.note') = '' AND json_extract(payload, '$.source') IS NULL
            """).last ?? ""
        #expect(try office.sqlite("SELECT count(*) || '|' || coalesce(sum(payload IS NULL), 0) FROM event_log") == ["32|\(spelled)"])
        #expect(try office.sqlite("SELECT type FROM sqlite_master WHERE name = 'events'") == ["view"])
        nothingLeftBeside(office, "jifen.sqlite")

        let verify = try #require(try office.json("verify") as? [String: Any])
        #expect(verify["valid"] as? Bool == true && verify["events"] as? Int == 32 && verify["head"] as? String == ALedgerFromBeforeRoles.head)
        let audit = try #require(try office.json("audit", "verify") as? [String: Any])
        #expect(audit["valid"] as? Bool == true, "\(audit)")
        expectOK(try office.jifen("verify", "--head", "32:\(ALedgerFromBeforeRoles.head)"))

        for arguments in Self.reads {
            let old = try read(office, "old.sqlite", arguments), new = try read(office, "jifen.sqlite", arguments)
            #expect(old.status == 0 && new.status == 0, "\(arguments): \(old.err) \(new.err)")
            #expect(!new.out.isEmpty && new.out == old.out, "\(arguments) reads otherwise from the upgraded file")
        }
        for format in ["jsonl", "csv"] {
            let old = try office.jifen("audit", "export", "--format", format, "--ledger", "old.sqlite")
            let new = try office.jifen("audit", "export", "--format", format, "--ledger", "jifen.sqlite")
            expectOK(new)
            #expect(new.out.count > 1000 && new.out == old.out, "audit export --format \(format) differs")
        }
        // The upgraded ledger goes on as the old one would: an entry is appended to the same chain.
        expectOK(try office.jifen("record", "H002", "A1.1", "--date", "2025-04-05", "--by", "王会计"))
        let after = try #require(try office.json("verify") as? [String: Any])
        #expect(after["valid"] as? Bool == true && after["events"] as? Int == 33)
        #expect(bytes(office, "old.sqlite") == before)
    }

    @Test("a checkpoint signed on the old file, and filed in it, verifies against the new file with the signer's key")
    func aSignedCheckpointOfTheOldFileHoldsForTheNew() throws {
        let office = try Office()
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: office.path("old.sqlite"))
        expectOK(try office.jifen("key", "new", "--out", "committee"))
        expectOK(try office.jifen("key", "new", "--out", "stranger"))
        // Before roles any name writes: the committee signs event 32 and files the checkpoint as event 33; one entry follows.
        expectOK(try office.jifen("checkpoint", "--key", "committee.key", "--out", "cp.json", "--by", "张书记", "--ledger", "old.sqlite"))
        expectOK(try office.jifen("record", "H002", "A1.1", "--date", "2025-04-05", "--by", "王会计", "--ledger", "old.sqlite"))
        let old = try #require(try office.json("verify", "--ledger", "old.sqlite") as? [String: Any])

        let report = try upgradeJSON(office, "old.sqlite", "jifen.sqlite")
        #expect(report["events"] as? Int == 34 && report["sameHead"] as? Bool == true)
        let new = try #require(try office.json("verify") as? [String: Any])
        #expect(new["head"] as? String == old["head"] as? String && new["events"] as? Int == 34)

        // The checkpoint file, with the key that signed it; a key that did not sign it is refused as it would be for the old file.
        expectOK(try office.jifen("audit", "verify", "--checkpoint", "cp.json", "--pubkey", "committee.pub"))
        let stranger = try office.jifen("audit", "verify", "--checkpoint", "cp.json", "--pubkey", "stranger.pub")
        #expect(stranger.status == 2)
        #expect(try office.jifen("audit", "verify", "--checkpoint", "cp.json", "--pubkey", "stranger.pub", "--ledger", "old.sqlite").status == 2)
        // The checkpoint filed in the ledger anchors the incremental check of the new file.
        let since = try #require(try office.json("verify", "--since-checkpoint") as? [String: Any])
        let anchor = try #require((since["since"] as? [String: Any])?["anchor"] as? [String: Any], "\(since)")
        #expect(since["valid"] as? Bool == true && anchor["seq"] as? Int == 32 && anchor["filedAs"] as? Int == 33)
        #expect(anchor["head"] as? String == ALedgerFromBeforeRoles.head)
        expectOK(try office.jifen("audit", "verify", "--since-checkpoint", "--pubkey", "committee.pub"))
        expectOK(try office.jifen("verify", "--head", "32:\(ALedgerFromBeforeRoles.head)"))
        #expect(try read(office, "jifen.sqlite", ["checkpoint", "list"]).out == read(office, "old.sqlite", ["checkpoint", "list"]).out)
    }

    @Test("the demo ledger to stored format 1 and back: the same export, byte for byte; a killed run leaves no half-made ledger")
    func theDemoGoesToFormat1AndBack() throws {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "demo.sqlite"))
        let one = try upgradeJSON(office, "demo.sqlite", "one.sqlite", "--log-format", "1")
        let two = try upgradeJSON(office, "one.sqlite", "two.sqlite")
        for report in [one, two] {
            #expect(report["events"] as? Int == 18657 && (report["to"] as? [String: Any])?["head"] as? String == Self.demoHead, "\(report)")
        }
        #expect((one["to"] as? [String: Any])?["format"] as? Int == 1 && (two["to"] as? [String: Any])?["format"] as? Int == 2)
        #expect(try office.run("/usr/bin/env", ["sqlite3", "one.sqlite", "SELECT count(*) FROM events WHERE length(prev_hash) = 32"]).out == "18657\n")
        let exports = try ["demo.sqlite", "one.sqlite", "two.sqlite"].map { name in
            try office.jifen("audit", "export", "--ledger", name).out
        }
        #expect(exports[0].count > 1_000_000 && exports[1] == exports[0] && exports[2] == exports[0])
        // Brought back, the compact log is stored as the write path stored it: the same rule texts, the same payloads left out.
        let stored = "SELECT (SELECT group_concat(scheme_version || ' ' || rule || ' ' || text, char(10)) FROM rule_texts), "
            + "(SELECT count(*) FROM event_log WHERE payload IS NULL)"
        #expect(try office.run("/usr/bin/env", ["sqlite3", "two.sqlite", stored]).out == office.run("/usr/bin/env", ["sqlite3", "demo.sqlite", stored]).out)
        let verify = try #require(try office.json("verify", "--ledger", "one.sqlite") as? [String: Any])
        #expect(verify["valid"] as? Bool == true)

        // The binary killed part-way, politely and then hard: never a file named NEW that is not the whole ledger; the
        // next run clears what was left and finishes.
        for signal in [SIGTERM, SIGKILL] {
            let process = office.start(jifenBinary.path, ["upgrade", "one.sqlite", "killed.sqlite"])
            try process.run()
            var waited = 0
            while !exists(office, "killed.sqlite.upgrading") && process.isRunning && waited < 60_000 {
                usleep(1000)
                waited += 1
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            // Killed part-way (the copy of 18,657 events outlasts the wait for its work file by far).
            if signal == SIGKILL {
                #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
            } else {
                #expect(process.terminationReason == .exit && process.terminationStatus == 128 + SIGTERM, "\(process.terminationStatus)")
            }
            if exists(office, "killed.sqlite") {
                // Named only once whole: it verifies with the head.
                let whole = try #require(try office.json("verify", "--ledger", "killed.sqlite") as? [String: Any])
                #expect(whole["valid"] as? Bool == true && whole["head"] as? String == Self.demoHead)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: office.path("killed.sqlite" + suffix)) }
            }
            if signal == SIGTERM { #expect(!exists(office, "killed.sqlite.upgrading"), "a polite kill takes the unfinished file with it") }
        }
        let finished = try upgradeJSON(office, "one.sqlite", "killed.sqlite")
        #expect((finished["to"] as? [String: Any])?["head"] as? String == Self.demoHead)
        nothingLeftBeside(office, "killed.sqlite")
    }

    @Test("people's passwords and failed attempts come over: a write on the new file asks the same passwords", arguments: ["1", "2"])
    func passwordsComeOver(format: String) throws {
        let office = try Passwords.village(format: format)
        expectRefused(Passwords.jifen(office, ["record", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计", "--password-stdin"],
                                      input: "not-it-at-all\n"), mentioning: "密码")
        let other = format == "1" ? "2" : "1"
        _ = try upgradeJSON(office, "jifen.sqlite", "new.sqlite", "--log-format", other)
        #expect(try office.sqlite("ATTACH 'new.sqlite' AS n; SELECT (SELECT count(*) FROM n.credentials) || '|' || (SELECT count(*) FROM n.login_failures)")
                .last == "3|1")
        #expect(try office.sqlite("ATTACH 'new.sqlite' AS n; SELECT count(*) FROM n.credentials c JOIN main.credentials o USING (actor, hash)").last == "3")
        expectRefused(Passwords.jifen(office, ["--ledger", "new.sqlite", "record", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计"]),
                      mentioning: "password-stdin")
        expectOK(Passwords.jifen(office, ["--ledger", "new.sqlite", "record", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计",
                                          "--password-stdin"], input: Passwords.clerk + "\n"))
    }

    @Test("refused: a new file that exists, a ledger already in the format, a work file that is not an upgrade's")
    func refusals() throws {
        let office = try Office()
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: office.path("old.sqlite"))
        let before = try #require(bytes(office, "old.sqlite"))
        try office.write("new.sqlite", "not to be overwritten")
        expectRefused(try office.jifen("upgrade", "old.sqlite", "new.sqlite"), mentioning: "new.sqlite 已经存在")
        expectRefused(try office.jifen("upgrade", "old.sqlite", "new.sqlite", "--lang", "en"), mentioning: "new.sqlite already exists")
        #expect(bytes(office, "new.sqlite") == Data("not to be overwritten".utf8))
        // A write-ahead log of a file by that name is a ledger's too.
        try office.write("other.sqlite-wal", "")
        expectRefused(try office.jifen("upgrade", "old.sqlite", "other.sqlite"), mentioning: "other.sqlite 已经存在")
        expectRefused(try office.jifen("upgrade", "old.sqlite", "old.sqlite"), mentioning: "已经存在")

        expectRefused(try office.jifen("upgrade", "old.sqlite", "one.sqlite", "--log-format", "1"), mentioning: "已经是第 1 版存储格式")
        // Said in Chinese by default: both heads, the same; nothing on standard error (progress is for a terminal only).
        let done = try office.jifen("upgrade", "old.sqlite", "two.sqlite")
        expectOK(done)
        #expect(done.err.isEmpty && done.out.hasPrefix("已升级：old.sqlite（第 1 版存储格式）→ two.sqlite（第 2 版），32 条事件"), "\(done.out)")
        #expect(done.out.contains("原文件链头 32:\(ALedgerFromBeforeRoles.head)\n新文件链头 32:\(ALedgerFromBeforeRoles.head)\n链头相同"), "\(done.out)")
        expectRefused(try office.jifen("upgrade", "two.sqlite", "three.sqlite", "--lang", "en"), mentioning: "in stored format 2 already")
        #expect(!exists(office, "one.sqlite") && !exists(office, "three.sqlite"))
        expectRefused(try office.jifen("upgrade", "missing.sqlite", "four.sqlite", "--lang", "en"), mentioning: "There is no ledger at missing.sqlite")
        #expect(!exists(office, "four.sqlite"))

        // A file where an upgrade builds its work that an upgrade did not leave is not removed.
        try office.write("five.sqlite.upgrading", "someone's notes")
        expectRefused(try office.jifen("upgrade", "old.sqlite", "five.sqlite"), mentioning: "five.sqlite.upgrading")
        #expect(bytes(office, "five.sqlite.upgrading") == Data("someone's notes".utf8) && !exists(office, "five.sqlite"))
        // What a killed run left (a ledger begun, with its write-ahead log) is cleared by the next run.
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: office.path("six.sqlite.upgrading"))
        try office.write("six.sqlite.upgrading-wal", "")
        expectOK(try office.jifen("upgrade", "old.sqlite", "six.sqlite"))
        nothingLeftBeside(office, "six.sqlite")
        #expect(try office.jifen("verify", "--ledger", "six.sqlite").status == 0)
        #expect(bytes(office, "old.sqlite") == before)
    }

    /// One damage to the log of a ledger of `format` (an SQL script for the sqlite3 tool, which may name `$LOG`, the
    /// log's table), and what verify and upgrade must both name.
    struct Damage: CustomTestStringConvertible, Sendable {
        let name: String, sql: String, finding: String
        var testDescription: String { name }
        static let all = [
            Damage(name: "an event altered, its trigger put back", sql: """
                DROP TRIGGER events_are_never_updated; UPDATE $LOG SET actor = '某人' WHERE seq = 13; $TRIGGER
                """, finding: "第 13 条事件"),
            Damage(name: "an event removed, its trigger put back", sql: """
                DROP TRIGGER events_are_never_deleted; DELETE FROM $LOG WHERE seq = 20; $TRIGGER
                """, finding: "第 21 条事件"),
            Damage(name: "the trigger against edits dropped", sql: "DROP TRIGGER events_are_never_updated;", finding: "events_are_never_updated"),
        ]
    }

    @Test("an old file that does not verify is refused (exit 2) naming what verify names, in either format, and nothing is left",
          arguments: Damage.all, [1, 2])
    func aDamagedOldFileIsRefused(damage: Damage, format: Int) throws {
        let office = try Office()
        if format == 1 {
            try FileManager.default.copyItem(atPath: Self.fixture, toPath: office.path("old.sqlite"))
        } else {
            expectOK(try office.jifen("upgrade", packageRoot.appendingPathComponent("Tests/JifenTests/Fixtures/ledger-before-roles.sqlite").path, "old.sqlite"))
        }
        let log = format == 1 ? "events" : "event_log"
        let trigger = damage.sql.contains("never_deleted") ? "events_are_never_deleted" : "events_are_never_updated"
        let shown = try office.run("/usr/bin/env", ["sqlite3", "old.sqlite", "SELECT sql FROM sqlite_master WHERE name = '\(trigger)'"]).out
        let triggerSQL = shown.hasSuffix("\n") ? String(shown.dropLast()) : shown
        #expect(triggerSQL.contains("ON \(log)"))
        let script = damage.sql.replacingOccurrences(of: "$LOG", with: log).replacingOccurrences(of: "$TRIGGER", with: triggerSQL + ";")
        let tamper = try office.run("/usr/bin/env", ["sqlite3", "old.sqlite", script])
        #expect(tamper.status == 0, "\(tamper.err)")
        // verify names it …
        let verify = try office.jifen("verify", "--ledger", "old.sqlite")
        #expect(verify.status == 2 && verify.out.contains(damage.finding), "\(verify.out)")
        // … and so does upgrade, which makes nothing and leaves the old file as it was.
        let before = try #require(bytes(office, "old.sqlite"))
        let upgrade = try office.jifen("upgrade", "old.sqlite", "new.sqlite", "--log-format", format == 1 ? "2" : "1")
        #expect(upgrade.status == 2, "\(upgrade.err)")
        #expect(upgrade.err.hasPrefix("jifen: old.sqlite 未通过核验") && upgrade.err.contains(damage.finding) && upgrade.out.isEmpty, "\(upgrade.err)")
        #expect(!exists(office, "new.sqlite"))
        nothingLeftBeside(office, "new.sqlite")
        #expect(bytes(office, "old.sqlite") == before)
    }
}

extension Upgrading {
    /// Rewrites a ledger's chain from event `from` on, as a forger holding the file would after an edit: every later hash
    /// (and, in stored format 1, link) recomputed, the append-only trigger put back as it was. The file then verifies.
    static let rechain = """
        import hashlib, sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        start, compact = int(sys.argv[2]), db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'event_log'").fetchone()[0] == 1
        trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'events_are_never_updated'").fetchone()[0]
        db.execute("DROP TRIGGER events_are_never_updated")
        for statement in sys.argv[3:]:
            db.execute(statement)
        def netstring(value):
            data = ("" if value is None else str(value)).encode("utf-8")
            return str(len(data)).encode() + b":" + data + b","
        previous = db.execute("SELECT hash FROM events WHERE seq = ?", (start - 1,)).fetchone()[0]
        for row in db.execute("SELECT * FROM events WHERE seq >= ? ORDER BY seq", (start,)).fetchall():
            digest = hashlib.sha256(previous + b"".join(netstring(v) for v in row[:19])).digest()
            if compact:
                db.execute("UPDATE event_log SET hash = ? WHERE seq = ?", (digest, row[0]))
            else:
                db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, digest, row[0]))
            previous = digest
        db.execute(trigger)
        db.commit()
        """

    @Test("an event the new format cannot hold as it is hashed is refused (exit 1) naming it, and nothing is left")
    func anEventTheFormatCannotHold() throws {
        let office = try Office()
        try office.write("rechain.py", Self.rechain)
        // Format 1 → 2: an instant without its milliseconds (jifen never wrote one; a compact log keeps only the full form).
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: office.path("one.sqlite"))
        let instant = try office.run("/usr/bin/env", ["python3", "rechain.py", "one.sqlite", "5",
                                                      "UPDATE events SET recorded_at = '2025-03-01T08:00:00Z' WHERE seq = 5"])
        #expect(instant.status == 0, "\(instant.err)")
        expectOK(try office.jifen("verify", "--ledger", "one.sqlite"))
        expectRefused(try office.jifen("upgrade", "one.sqlite", "two.sqlite"), mentioning: "one.sqlite 的第 5 条事件无法原样存入第 2 版存储格式")
        #expect(!exists(office, "two.sqlite"))
        nothingLeftBeside(office, "two.sqlite")

        // Format 2 → 1: two events with one id (a compact log does not index ids; format 1 holds each once).
        try office.smallVillage()
        let twice = try office.run("/usr/bin/env", ["python3", "rechain.py", "jifen.sqlite", "9",
                                                    "UPDATE event_log SET id = (SELECT id FROM event_log WHERE seq = 4) WHERE seq = 9"])
        #expect(twice.status == 0, "\(twice.err)")
        expectOK(try office.jifen("verify"))
        expectRefused(try office.jifen("upgrade", "jifen.sqlite", "back.sqlite", "--log-format", "1", "--lang", "en"),
                      mentioning: "Event #9 of jifen.sqlite cannot be kept as it is in stored format 1 (an earlier event has the same id")
        #expect(!exists(office, "back.sqlite"))
        nothingLeftBeside(office, "back.sqlite")
    }
}

/// The second Python verifier of docs/FORMAT.md reads a compact log straight from `event_log` and `rule_texts`, and
/// agrees with `jifen verify` and with the first one, which reads the view `events`.
@Suite struct CompactLogDocument {
    /// The block of docs/FORMAT.md whose first line is `first`.
    static func python(startingWith first: String) throws -> String {
        let format = try String(contentsOf: packageRoot.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
        let start = try #require(format.range(of: "```python\n" + first))
        let end = try #require(format[start.upperBound...].range(of: "```"))
        return first + String(format[start.upperBound..<end.lowerBound])
    }

    @Test func theCompactVerifierInTheFormatDocumentAgreesWithVerify() throws {
        let compact = try Self.python(startingWith: "# compact-log verifier")
        let viewed = try Self.python(startingWith: "import hashlib, sqlite3")
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "C1.2", "--points", "7", "--note", "调解", "--date", "2025-02-02", "--by", "王会计"))
        expectOK(try office.jifen("record", "H002", "C2.3", "--key", "k-1", "--date", "2025-02-03", "--by", "王会计"))
        expectOK(try office.jifen("record", "H003", "C2.3", "--date", "2025-02-04", "--by", "王会计"))
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-02-05", "--by", "王会计"))
        expectOK(try office.jifen("reverse", "12", "--reason", "记错", "--by", "王会计"))
        // Payloads of both kinds are in the log: scores left out, a score with a note and every other event kept.
        #expect(try office.sqlite("SELECT sum(payload IS NULL) >= 2, sum(payload IS NOT NULL) > 10 FROM event_log") == ["1|1"])
        try office.write("verify-compact.py", compact)
        try office.write("verify.py", viewed)
        let report = try #require(try office.json("verify") as? [String: Any])
        let head = try #require(report["head"] as? String), events = try #require(report["events"] as? Int)
        let python = try office.run("/usr/bin/env", ["python3", "verify-compact.py", "jifen.sqlite"])
        #expect(python.status == 0, "\(python.err)")
        #expect(python.out == "compact: \(events) events, head \(head)\n")
        let overTheView = try office.run("/usr/bin/env", ["python3", "verify.py"])
        #expect(overTheView.out == "whole: \(events) events, head \(head)\n", "\(overTheView.err)")

        // It catches an edit of an event, and of a rule's text, at the event verify names first.
        for edit in ["DROP TRIGGER events_are_never_updated; UPDATE event_log SET actor = '某人' WHERE seq = 13;",
                     "DROP TRIGGER rule_texts_are_never_updated; UPDATE rule_texts SET text = replace(text, '\"points\":', '\"points\": ') WHERE rule = 'C2.3';"] {
            let copy = "copy-\(edit.count).sqlite"
            try FileManager.default.copyItem(atPath: office.path("jifen.sqlite"), toPath: office.path(copy))
            #expect(try office.run("/usr/bin/env", ["sqlite3", copy, edit]).status == 0)
            let verify = try office.jifen("verify", "--ledger", copy, "--json")
            #expect(verify.status == 2)
            let found = try #require(try JSONSerialization.jsonObject(with: Data(verify.out.utf8)) as? [String: Any])
            // (The dropped trigger is a finding of no event; an altered rule text is also named at its scheme's event.)
            let first = try #require((found["problems"] as? [[String: Any]])?.filter { !(($0["problem"] as? String)?.contains("rule_texts") ?? false) }
                .compactMap { $0["seq"] as? Int }.first, "\(found)")
            let tampered = try office.run("/usr/bin/env", ["python3", "verify-compact.py", copy])
            #expect(tampered.status != 0 && tampered.err.contains("#\(first): altered"), "\(edit): \(tampered.err)")
        }
    }
}
