import Foundation
import Testing

/// `verify --since-checkpoint` and `audit verify --since-checkpoint`: only what came after the latest filed checkpoint
/// that verifies, saying what they checked and what they left to the full verify.
@Suite struct IncrementalVerify {
    /// The golden village with a checkpoint signed by the committee and filed, then two scores: returns the office and
    /// the event the checkpoint signs (it is filed as the next one; the scores follow).
    func village(_ format: StoredFormat = .compact) throws -> (Office, Int) {
        let office = try format.making { try Golden().village() }
        #expect(try office.logTable() == format.table)
        expectOK(try office.jifen("key", "new", "--out", "committee"))
        let signed = try office.eventCount()
        expectOK(try office.jifen("checkpoint", "--key", "committee.key", "--out", "cp.json", "--by", "张书记"))
        expectOK(try office.jifen("record", "H003", "A1.1", "--date", "2025-05-06", "--by", "王会计"))
        expectOK(try office.jifen("record", "H002", "A1.1", "--date", "2025-05-07", "--by", "王会计"))
        #expect(try office.eventCount() == signed + 3)
        return (office, signed)
    }

    /// Someone with the file and the sqlite3 tool drops the update trigger, runs `sql`, and puts the trigger back as it
    /// was (so that the trigger check has nothing to say); no hash is recomputed.
    func edit(_ office: Office, _ sql: String) throws {
        let trigger = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_are_never_updated'").joined(separator: "\n") as String?)
        _ = try office.sqlite("DROP TRIGGER events_are_never_updated; PRAGMA ignore_check_constraints = ON; \(sql); \(trigger);")
    }

    func fingerprint(_ office: Office) throws -> String {
        let filed = try #require(try office.json("checkpoint", "list") as? [[String: Any]])
        return try #require((filed.last?["keys"] as? [String])?.first)
    }

    @Test("after a checkpoint: the events since are checked against its signed head, and an altered one is found")
    func anEventAlteredAfterTheCheckpointIsFound() throws {
        let (office, signed) = try village()
        let key = try fingerprint(office)
        let sound = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        expectOK(sound)
        #expect(sound.out.contains("Checked events \(signed + 1)…\(signed + 3) against the checkpoint of event \(signed)")
                && sound.out.contains("signed by \(key)") && sound.out.contains("Not checked") && sound.out.contains("events 1…\(signed)"),
                "\(sound.out)")
        #expect(sound.out.contains("Head \(signed + 3):"), "\(sound.out)")

        let log = try office.logTable()
        try edit(office, "UPDATE \(log) SET payload = replace(\(hashedPayload(log)), 'A1.1', 'A1.2') WHERE seq = \(signed + 2)")
        let caught = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        #expect(caught.status == 2 && caught.out.contains("event #\(signed + 2): its contents do not match its hash"), "\(caught.out)")
        let json = try office.jifen("verify", "--since-checkpoint", "--json")
        #expect(json.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let since = try #require(report["since"] as? [String: Any])
        let anchor = try #require(since["anchor"] as? [String: Any])
        #expect(anchor["seq"] as? Int == signed && anchor["filedAs"] as? Int == signed + 1 && anchor["keys"] as? [String] == [key], "\(json.out)")
        #expect(since["first"] as? Int == signed + 1 && since["last"] as? Int == signed + 3, "\(json.out)")
        #expect((since["notChecked"] as? [String])?.isEmpty == false, "\(json.out)")
        let seqs = (report["problems"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int }
        #expect(report["valid"] as? Bool == false && seqs == [signed + 2], "\(json.out)")
        // The auditor's incremental check finds it too.
        let audit = try office.jifen("audit", "verify", "--since-checkpoint", "--pubkey", "committee.pub", "--lang", "en")
        #expect(audit.status == 2 && audit.out.contains("event #\(signed + 2)"), "\(audit.out)")
    }

    @Test("an event altered before the checkpoint: the full verify finds it; the incremental one says it did not look there")
    func anEventAlteredBeforeTheCheckpointIsTheFullVerifys() throws {
        let (office, signed) = try village()
        let log = try office.logTable()
        try edit(office, "UPDATE \(log) SET payload = replace(\(hashedPayload(log)), '3月院坝会', '4月院坝会') WHERE seq = 12")
        let full = try office.jifen("verify", "--lang", "en")
        #expect(full.status == 2 && full.out.contains("event #12: its contents do not match its hash"), "\(full.out)")
        let incremental = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        expectOK(incremental)
        #expect(incremental.out.contains("Not checked (left to the full jifen verify): events 1…\(signed)"), "\(incremental.out)")
        expectOK(try office.jifen("audit", "verify", "--since-checkpoint", "--pubkey", "committee.pub"))
        #expect(try office.jifen("audit", "verify").status == 2)
    }

    static let brokenRule = "event #SEQ: one of its columns is empty or breaks the schema's rule"

    /// Damage to the structure of what came after the checkpoint, in either stored format (LOG is the log's table),
    /// and in stored format 2's own CHECK rules: the id's 16 bytes, the instant an integer, a score's payload left to
    /// its facts only when they name the rule.
    static let structuralDamages: [(StoredFormat, String, String)] = StoredFormat.allCases.flatMap { format in [
        (format, "UPDATE LOG SET occurred_on = '2025/05/06' WHERE seq = SEQ", brokenRule),
        (format, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'WHERE household IS NOT NULL', 'WHERE household IS NOT NULL AND seq <> SEQ') WHERE name = 'events_household'",
         "event #SEQ: the index events_household holds no entry for it"),
    ] } + [
        (.compact, "UPDATE event_log SET id = substr(id, 1, 15) WHERE seq = SEQ", brokenRule),
        // Hashed as before (the view reads the same instant back): the CHECK rule is what finds it.
        (.compact, "UPDATE event_log SET recorded_at = recorded_at + 0.5 WHERE seq = SEQ", brokenRule),
        (.compact, "UPDATE event_log SET rule = NULL WHERE seq = SEQ AND payload IS NULL", brokenRule),
    ]

    /// Damage to the structure of what came after the checkpoint: a row's CHECK rule broken, a new row's index entry
    /// missing. Each is named with its event.
    @Test(arguments: structuralDamages)
    func damageAfterTheCheckpointIsNamed(_ format: StoredFormat, _ sql: String, _ finding: String) throws {
        let (office, signed) = try village(format)
        let damage = sql.replacingOccurrences(of: "LOG", with: format.table)
        let seq = "\(signed + 2)"
        _ = try office.sqlite("PRAGMA wal_checkpoint(TRUNCATE)")
        if damage.contains("writable_schema") {
            // The index rebuilt without the row's entry, its definition put back.
            let original = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_household'").first)
            _ = try office.sqlite(damage.replacingOccurrences(of: "SEQ", with: seq))
            _ = try office.sqlite("REINDEX events_household")
            _ = try office.sqlite("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = '\(original)' WHERE name = 'events_household'")
        } else {
            try edit(office, damage.replacingOccurrences(of: "SEQ", with: seq))
        }
        let caught = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        #expect(caught.status == 2 && caught.out.contains(finding.replacingOccurrences(of: "SEQ", with: seq)), "\(caught.out)")
    }

    @Test("a gap among the events after the checkpoint: the report runs to the last event read, not the anchor plus the count")
    func aGapAfterTheCheckpointKeepsTheLastEvent() throws {
        let (office, signed) = try village()
        let trigger = try #require(try office.sqlite("SELECT sql FROM sqlite_master WHERE name = 'events_are_never_deleted'").joined(separator: "\n") as String?)
        _ = try office.sqlite("DROP TRIGGER events_are_never_deleted; DELETE FROM \(try office.logTable()) WHERE seq = \(signed + 2); \(trigger);")
        let json = try office.jifen("verify", "--since-checkpoint", "--json")
        #expect(json.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let since = try #require(report["since"] as? [String: Any])
        #expect(since["first"] as? Int == signed + 1 && since["last"] as? Int == signed + 3, "\(json.out)")
        let text = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        #expect(text.status == 2 && text.out.contains("events \(signed + 1)…\(signed + 3)") && text.out.contains("are missing"), "\(text.out)")
    }

    @Test("an index of a form the entry look-up does not read: said, not claimed sound")
    func anIndexThatCannotBeCheckedIsSaid() throws {
        let (office, _) = try village()
        _ = try office.sqlite("CREATE INDEX events_lower_actor ON \(try office.logTable()) (lower(actor))")
        let text = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        let finding = "the index events_lower_actor has a form this check does not read, so the new events' entries in it were not checked"
        #expect(text.status == 2 && text.out.contains(finding) && !text.out.contains("index entries sound"), "\(text.out)")
        let json = try office.jifen("verify", "--since-checkpoint", "--json", "--lang", "en")
        #expect(json.status == 2 && json.out.contains(finding), "\(json.out)")
    }

    @Test("with no checkpoint filed, or none that verifies, the whole ledger is verified and the report says so")
    func withoutACheckpointTheWholeLedgerIsVerified() throws {
        let office = try Golden().village()
        let none = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        expectOK(none)
        #expect(none.out.contains("no checkpoint is filed in the ledger, so there is nothing to check from: the whole ledger was verified"), "\(none.out)")
        let json = try #require(try office.json("verify", "--since-checkpoint") as? [String: Any])
        let since = try #require(json["since"] as? [String: Any])
        #expect(since["anchor"] == nil && since["whole"] as? String != nil && since["first"] as? Int == 1, "\(json)")

        // A forger rewrites an event before the checkpoint and recomputes every hash: the checkpoint no longer holds,
        // which is itself a finding, and with no other checkpoint the whole ledger is verified.
        expectOK(try office.jifen("key", "new", "--out", "committee"))
        expectOK(try office.jifen("checkpoint", "--key", "committee.key", "--out", "cp.json", "--by", "张书记"))
        try office.forgeLog("UPDATE \(try office.logTable()) SET actor = '李会计' WHERE seq = 12")
        let forged = try office.jifen("verify", "--since-checkpoint", "--lang", "en")
        #expect(forged.status == 2 && forged.out.contains("the checkpoint it files does not hold"), "\(forged.out)")
    }

    @Test("an auditor's --pubkey: only a checkpoint that key signed is a place to start from")
    func onlyACheckpointTheAuditorsKeySignedIsAnAnchor() throws {
        let (office, signed) = try village()
        expectOK(try office.jifen("key", "new", "--out", "stranger"))
        let stranger = try office.jifen("audit", "verify", "--since-checkpoint", "--pubkey", "stranger.pub", "--lang", "en")
        expectOK(stranger)
        #expect(stranger.out.contains("none of the 1 checkpoints filed carries every signature asked for") && stranger.out.contains("The ledger is sound"),
                "\(stranger.out)")
        let committee = try office.jifen("audit", "verify", "--since-checkpoint", "--pubkey", "committee.pub", "--lang", "en")
        expectOK(committee)
        #expect(committee.out.contains("Checked events \(signed + 1)…\(signed + 3)") && committee.out.contains("the balance identities at every step"),
                "\(committee.out)")
    }
}
