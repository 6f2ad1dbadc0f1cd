import Foundation
import Testing

@Suite struct ExitCodes {
    /// End to end (the binary): refused writes as a shell sees them.
    @Test func refusalsExitOneSayWhatToDoAndWriteNothing() throws {
        let office = try Office(.binary)
        try office.smallVillage()
        let before = try office.eventCount()
        expectRefused(try office.jifen("record", "H009", "A1.1", "--by", "王会计", "--lang", "en"), mentioning: "did you mean H001?")
        expectRefused(try office.jifen("record", "H001", "A1.9", "--by", "王会计", "--lang", "en"), mentioning: "There is no rule A1.9")
        expectRefused(try office.jifen("record", "H001", "B1.3", "--by", "王会计", "--lang", "en"), mentioning: "needs a written reason")
        expectRefused(try office.jifen("record", "H001", "C1.2", "--points", "12", "--by", "王会计", "--lang", "en"), mentioning: "from 5 to 10")
        expectRefused(try office.jifen("record", "H001", "A1.1", "--date", "2099-01-01", "--by", "王会计", "--lang", "en"), mentioning: "after today")
        expectRefused(try office.jifen("record", "H001", "A1.1", "--lang", "en"), mentioning: "--by NAME")
        expectRefused(try office.jifen("shop", "redeem", "H001", "salt", "--by", "李店长", "--lang", "en"), mentioning: "no item salt")
        expectRefused(try office.jifen("reverse", "77", "--reason", "x", "--by", "王会计", "--lang", "en"), mentioning: "no entry #77")
        expectRefused(try office.jifen("init", "--village", "别村", "--admin", "某", "--lang", "en"), mentioning: "already belongs to 牛角村")
        #expect(try office.eventCount() == before)
    }

    /// A refusal is said in Chinese, unless English is asked for as for tables (`--lang en`, before or after the command,
    /// or JIFEN_LANG=en; --lang wins); either way it exits 1 and writes nothing.
    @Test func aRefusalIsSaidInChineseUnlessEnglishIsAskedFor() throws {
        let office = try Office()
        try office.smallVillage()
        let before = try office.eventCount()
        let record = ["record", "H009", "A1.1", "--by", "王会计"]
        let chinese = "jifen: 登记册里没有农户 H009（是不是 H001？）；请核对户号，或用 `jifen household add` 登记。\n"
        let english = "jifen: There is no household H009 in the register (did you mean H001?); check the code or add it with `jifen household add`.\n"
        for (arguments, environment, said) in [
            (record, [:], chinese),
            (record + ["--lang", "zh"], [:], chinese),
            (record + ["--lang", "en"], [:], english),
            (["--lang", "en"] + record, [:], english),
            (record + ["--lang=en"], [:], english),
            (record, ["JIFEN_LANG": "en"], english),
            (record + ["--lang", "zh"], ["JIFEN_LANG": "en"], chinese),
        ] as [([String], [String: String], String)] {
            let run = try office.run(jifenBinary.path, arguments, environment: environment)
            expectRefused(run, mentioning: "H009")
            #expect(run.err == said, "\(arguments) \(environment)")
        }
        // Redeeming more points than the household has, as the shopkeeper is told it.
        expectOK(try office.jifen("shop", "add", "oil", "--name", "食用油", "--price", "85", "--by", "李店长"))
        expectOK(try office.jifen("shop", "restock", "oil", "--qty", "5", "--by", "李店长"))
        let count = try office.eventCount()
        expectRefused(try office.jifen("shop", "redeem", "H001", "oil", "--by", "李店长"),
                      mentioning: "农户 H001 的可用积分是 0 分，不够所需的 85 分；请少兑换一些，或换便宜些的物品。")
        expectRefused(try office.jifen("shop", "redeem", "H001", "oil", "--by", "李店长", "--lang", "en"),
                      mentioning: "Household H001 has 0 points available, fewer than the 85 needed")
        #expect(try office.eventCount() == count && count == before + 2)
    }

    @Test func aCapIsEnforcedThroughTheCLI() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-02", "--by", "王会计"))
        expectRefused(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-30", "--by", "王会计", "--lang", "en"),
                      mentioning: "at most once per month")
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-04-01", "--by", "王会计"))
    }

    /// End to end (the binary): the usage status as a shell sees it.
    @Test func badUsageExitsSixtyFour() throws {
        let office = try Office(.binary)
        #expect(try office.jifen("record").status == 64)
        #expect(try office.jifen("balance", "--as-of", "2025-02-30").status == 64)
        #expect(try office.jifen("no-such-command").status == 64)
        #expect(try office.jifen("record", "H001", "A1.1", "--points", "many", "--by", "x").status == 64)
    }

    @Test func aMissingLedgerIsNeverCreatedByAReadOrAWrite() throws {
        let office = try Office()
        expectRefused(try office.jifen("balance"), mentioning: "jifen.sqlite 没有账本")
        expectRefused(try office.jifen("balance", "--lang", "en"), mentioning: "There is no ledger at jifen.sqlite")
        expectRefused(try office.jifen("record", "H001", "A1.1", "--by", "王会计"), mentioning: "jifen init")
        #expect(!FileManager.default.fileExists(atPath: office.path("jifen.sqlite")))
        // A refused init leaves no file behind either.
        expectRefused(try office.jifen("init", "--village", " ", "--admin", "某", "--lang", "en"), mentioning: "village name is required")
        #expect(!FileManager.default.fileExists(atPath: office.path("jifen.sqlite")))
    }

    @Test func aFileThatIsNotALedgerIsRefused() throws {
        let office = try Office()
        try office.write("notes.sqlite", "just some text, not a database at all ......................................")
        expectRefused(try office.jifen("balance", "--ledger", "notes.sqlite", "--lang", "en"), mentioning: "is not a Jifen ledger")
    }

    /// End to end (the binary): writes to a ledger named by the process's environment.
    @Test func theLedgerCanBeNamedBeforeOrAfterTheCommandOrInTheEnvironment() throws {
        let office = try Office(.binary)
        expectOK(try office.jifen("--ledger", "a.sqlite", "init", "--village", "甲村", "--admin", "x"))
        expectOK(try office.jifen("init", "--village", "乙村", "--admin", "x", "--ledger", "b.sqlite"))
        expectOK(try office.jifen("init", "--village", "丙村", "--admin", "x", environment: ["JIFEN_LEDGER": "c.sqlite"]))
        for (file, village) in [("a.sqlite", "甲村"), ("b.sqlite", "乙村"), ("c.sqlite", "丙村")] {
            let run = try office.jifen("--ledger", file, "log", "--limit", "1")
            #expect(run.out.contains("建账：\(village)"), "\(file): \(run.out)")
        }
    }
}

@Suite struct Verification {
    /// In either stored format: in format 2 the score's payload is its facts' and its rule's text, written out altered.
    @Test(arguments: StoredFormat.allCases)
    func anAlteredRowMakesVerifyExitTwoNamingTheEvent(_ format: StoredFormat) throws {
        let office = try Office()
        try format.making { try office.smallVillage() }
        expectOK(try office.jifen("record", "H002", "C1.2", "--points", "6", "--date", "2025-03-05", "--by", "王会计"))
        expectOK(try office.jifen("record", "H003", "C2.3", "--date", "2025-03-06", "--by", "王会计"))
        expectOK(try office.jifen("verify"))
        // Someone with the file and the sqlite3 tool drops the trigger and edits a score.
        let log = try office.logTable()
        #expect(log == format.table)
        let sql = "DROP TRIGGER events_are_never_updated; UPDATE \(log) SET payload = replace(\(hashedPayload(log)), '\"points\":6', '\"points\":10') WHERE seq = 12;"
        #expect(try office.run("/usr/bin/sqlite3", ["jifen.sqlite", sql]).status == 0)
        let run = try office.jifen("verify")
        #expect(run.status == 2)
        #expect(run.out.contains("第 12 条事件"), "\(run.out)")
        #expect(try office.jifen("verify", "--lang", "en").out.contains("event #12"))
        let json = try office.jifen("verify", "--json")
        #expect(json.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["seq"] as? Int == 12 })
    }

    /// In either stored format: the log's table refuses by its triggers (in stored format 2 `rule_texts` too, and the
    /// view `events` takes no edit at all).
    @Test(arguments: StoredFormat.allCases)
    func theSqlite3ToolCannotUpdateOrDelete(_ format: StoredFormat) throws {
        let office = try Office()
        try format.making { try office.smallVillage() }
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
        let tables = [format.table] + (format == .compact ? ["events"] : [])
        #expect(try office.logTable() == format.table)
        for table in tables {
            let update = try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "UPDATE \(table) SET actor = '某人';"])
            let delete = try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "DELETE FROM \(table) WHERE seq > 3;"])
            #expect(update.status != 0 && delete.status != 0, "\(table)")
            if table != "events" || format == .wide {
                #expect(update.err.contains("append-only") && delete.err.contains("append-only"), "\(table): \(update.err)\(delete.err)")
            }
        }
        if format == .compact {
            // A text for each rule of the scheme, filed when the scheme was adopted.
            #expect(try office.sqlite("SELECT count(*) > 1 AND count(*) = count(DISTINCT rule) FROM rule_texts") == ["1"])
            let update = try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "UPDATE rule_texts SET text = '{}';"])
            let delete = try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "DELETE FROM rule_texts;"])
            #expect(update.err.contains("append-only") && delete.err.contains("append-only"), "\(update.err)\(delete.err)")
        }
        expectOK(try office.jifen("verify"))
    }
}

@Suite struct Rebuild {
    @Test func rebuildLeavesBalanceJSONByteIdentical() throws {
        let office = try Office()
        try office.smallVillage()
        for (household, rule, date) in [("H001", "C2.3", "2025-02-01"), ("H002", "B2.1", "2025-02-03"), ("H001", "A1.2", "2025-02-04")] {
            expectOK(try office.jifen("record", household, rule, "--date", date, "--by", "王会计"))
        }
        try office.finalize("2025-02")
        expectOK(try office.jifen("shop", "add", "salt", "--name", "食盐", "--price", "3", "--by", "李店长"))
        expectOK(try office.jifen("shop", "restock", "salt", "--qty", "9", "--by", "李店长"))
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--qty", "2", "--by", "李店长"))
        expectOK(try office.jifen("reverse", "14", "--reason", "记错户", "--by", "王会计"))
        expectOK(try office.jifen("approve", "20", "--by", "赵主任"))
        expectOK(try office.jifen("record", "H003", "C2.3", "--date", "2025-03-03", "--by", "王会计"))
        let reads = [["balance", "--json"], ["balance", "--as-of", "2025-02-03", "--json"], ["history", "H001", "--json"],
                     ["shop", "list", "--json"], ["household", "list", "--json"]]
        let before = try reads.map { try office.jifen(arguments: $0).out }
        expectOK(try office.jifen("rebuild"))
        let after = try reads.map { try office.jifen(arguments: $0).out }
        #expect(before == after)
        #expect(before[0].contains("\"available\""))
    }
}

@Suite struct JSONReads {
    @Test func everyReadCommandPrintsJSON() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-02-01", "--by", "王会计"))
        for read in [["balance"], ["balance", "H001"], ["balance", "--as-of", "2025-01-31"], ["history", "H001"], ["log"],
                     ["log", "--household", "H001"], ["verify"], ["scheme"], ["unit", "list"], ["household", "list"], ["shop", "list"]] {
            let run = try office.jifen(arguments: read + ["--json"])
            #expect(run.status == 0, "\(read): \(run.err)")
            #expect((try? JSONSerialization.jsonObject(with: Data(run.out.utf8))) != nil, "\(read) prints JSON")
        }
        let all = try #require(try office.json("balance") as? [[String: Any]])
        #expect(all.map { $0["household"] as? String } == ["H001", "H002", "H003"])
        #expect(all[0]["earned"] as? Int == 10 && all[0]["deducted"] as? Int == 0 && all[0]["redeemed"] as? Int == 0)
        let early = try #require(try office.json("balance", "--as-of", "2025-01-31") as? [[String: Any]])
        #expect(early[0]["earned"] as? Int == 0)
    }

    @Test func balancesAlignChineseByDisplayWidth() throws {
        let office = try Office()
        try office.smallVillage()
        let lines = try office.jifen("balance").out.split(separator: "\n").map(String.init)
        // Every line of the table puts the last column's right edge in the same terminal column.
        let widths = Set(lines.dropLast().map { line in line.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x4E00 && $1.value <= 0x9FFF) ? 2 : 1) } })
        #expect(widths.count == 1, "\(lines)")
    }
}

@Suite struct Demo {
    @Test func theDemoIsTheSameEveryRunAndReplacesOnlyADemo() throws {
        let first = try Office(), second = try Office()
        let a = try first.jifen("demo")
        let b = try second.jifen("demo", "--lang", "zh")
        expectOK(a)
        #expect(a.out.contains("300 户农户") && a.out.contains("20 个联户") && a.out.contains("积分标准 33 条"))
        func head(_ run: Run) -> String? { run.out.split(separator: "\n").first { $0.contains("链头") }.map(String.init) }
        #expect(head(a) != nil && head(a) == head(b), "the same events and chain every run")
        // Running it again replaces the demo; a real ledger is never replaced.
        expectOK(try first.jifen("demo"))
        try first.smallVillage()
        expectRefused(try first.jifen("demo", "--ledger", "jifen.sqlite"), mentioning: "不是演示账本")
        let verify = try first.jifen("--ledger", "jifen-demo.sqlite", "verify", "--json")
        expectOK(verify)
    }
}

@Suite struct VerifyMore {
    @Test func aBalanceEditedBehindTheLogFailsVerifyUntilRebuilt() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-03-05", "--by", "王会计"))
        #expect(try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "UPDATE p_households SET earned = 500 WHERE code = 'H001';"]).status == 0)
        let run = try office.jifen("verify")
        #expect(run.status == 2 && run.out.contains("H001") && run.out.contains("jifen rebuild"), "\(run.out)")
        expectOK(try office.jifen("rebuild"))
        expectOK(try office.jifen("verify"))
    }

    @Test(arguments: StoredFormat.allCases)
    func aHeadNotedEarlierCatchesACutLog(_ format: StoredFormat) throws {
        let office = try Office()
        try format.making { try office.smallVillage() }
        #expect(try office.logTable() == format.table)
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-03-05", "--by", "王会计"))
        let report = try #require(try office.json("verify") as? [String: Any])
        let noted = "\(report["events"] as! Int):\(report["head"] as! String)"
        expectOK(try office.jifen("verify", "--head", noted))
        expectOK(try office.jifen("record", "H002", "C2.3", "--date", "2025-03-06", "--by", "王会计"))
        expectOK(try office.jifen("verify", "--head", noted))
        // Cut the last two events and put the triggers back as they were: only the noted head shows it.
        let triggers = try office.run("/usr/bin/sqlite3", ["jifen.sqlite", "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger' AND name = 'events_are_never_deleted';"]).out
        let cut = "DROP TRIGGER events_are_never_deleted; DELETE FROM \(format.table) WHERE seq >= 12; DELETE FROM p_households; DELETE FROM p_reviews; \(triggers)"
        #expect(try office.run("/usr/bin/sqlite3", ["jifen.sqlite", cut]).status == 0)
        expectOK(try office.jifen("rebuild"))
        expectOK(try office.jifen("verify"))
        let caught = try office.jifen("verify", "--head", noted)
        #expect(caught.status == 2 && caught.out.contains("第 12 条事件"), "\(caught.out)")
        #expect(try office.jifen("verify", "--head", "banana").status == 64)
    }

    @Test func reversingSpentPointsWarnsTheClerk() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("shop", "add", "salt", "--name", "食盐", "--price", "3", "--by", "李店长"))
        expectOK(try office.jifen("shop", "restock", "salt", "--qty", "5", "--date", "2025-03-01", "--by", "李店长"))
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-03-05", "--by", "王会计"))
        try office.finalize("2025-03")
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--qty", "3", "--date", "2025-04-09", "--by", "李店长"))
        expectOK(try office.jifen("reverse", "14", "--reason", "记错户", "--date", "2025-04-10", "--by", "王会计"))
        let run = try office.jifen("approve", "18", "--date", "2025-04-10", "--by", "赵主任")
        expectOK(run)
        #expect(run.out.contains("H001 的可用积分现为 -9"), "\(run.out)")
    }
}

/// A code or a name typed in another Unicode spelling of the same characters — an accent as a letter and a combining
/// mark, as some keyboards and pasted text give it — is the one the register holds: the same household, the same
/// person, and a ledger that still verifies. (Before, `Hé` could be registered once each way: one household to the fold,
/// two to the tables, and `verify` refused the untouched file.)
@Suite struct TypedSpellings {
    @Test func aCodeOrANameTypedDecomposedIsTheRegisteredOne() throws {
        let office = try Office(.binary)
        try office.smallVillage()
        let composed = "H\u{E9}", decomposed = "He\u{301}"
        expectOK(try office.jifen("household", "add", decomposed, "--head", "周小梅", "--unit", "U01", "--date", "2025-01-02", "--by", "张书记"))
        expectOK(try office.jifen("actor", "add", "Zo\u{E9}", "--role", "clerk", "--by", "张书记", "--date", "2025-01-02"))
        let before = try office.eventCount()
        expectRefused(try office.jifen("household", "add", composed, "--head", "周小梅", "--unit", "U01", "--by", "张书记", "--lang", "en"),
                      mentioning: "is already in the register")
        #expect(try office.eventCount() == before)
        // The person typed the other way is the registered clerk; the household typed either way is the one.
        expectOK(try office.jifen("record", decomposed, "A1.1", "--date", "2025-03-02", "--by", "Zoe\u{301}"))
        for typed in [composed, decomposed] {
            let balance = try office.jifen("balance", typed, "--json")
            expectOK(balance)
            let account = try JSONSerialization.jsonObject(with: Data(balance.out.utf8)) as? [String: Any]
            #expect((account?["household"] as? String)?.utf8.elementsEqual(composed.utf8) == true && (account?["earned"] as? Int ?? 0) > 0,
                    "\(balance.out)")
        }
        expectOK(try office.jifen("verify"))
    }
}
