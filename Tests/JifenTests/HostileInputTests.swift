import Foundation
import Testing

/// Issue 11, findings 4, 5 and 7, through the command line: codes a spreadsheet would run as formulas, control
/// characters in text, and a retried command that would count twice.
@Suite struct HostileInput {
    /// Finding 4: such codes, names and keys are refused where they are typed; a ledger that already holds them (written
    /// before the rule) still opens, verifies and replays; and the CSV export defuses every text cell that a
    /// spreadsheet would run, while numbers, negative ones too, stay numbers.
    @Test func formulasAreRefusedAtInputAndDefusedInTheCSVExport() throws {
        let office = try Office()
        try office.smallVillage()
        let before = try office.eventCount()
        expectRefused(try office.jifen("household", "add", "=1+1", "--head", "某", "--unit", "U01", "--by", "张书记"),
                      mentioning: "户号「=1+1」以 =、+、- 或 @ 开头")
        expectRefused(try office.jifen("household", "add", "=1+1", "--head", "某", "--unit", "U01", "--by", "张书记", "--lang", "en"),
                      mentioning: "The household code '=1+1' starts with =, +, - or @")
        expectRefused(try office.jifen("actor", "add", "@SUM(1+1)", "--role", "clerk", "--by", "张书记"), mentioning: "姓名「@SUM(1+1)」")
        expectRefused(try office.jifen("unit", "add", "+U3", "--name", "第三联户", "--by", "张书记"), mentioning: "联户编号「+U3」")
        expectRefused(try office.jifen("shop", "add", "@oil", "--name", "油", "--price", "80", "--by", "李店长"), mentioning: "物品编号「@oil」")
        expectRefused(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-05", "--key", "=1+1", "--by", "王会计", "--lang", "en"),
                      mentioning: "The key '=1+1' starts with =, +, - or @")
        try office.write("register.csv", "户号,户主,联户,人口\nH009,赵大山,U01,3\n-H10,钱小河,U01,2\n")
        let register = try office.jifen("household", "import", "register.csv", "--by", "张书记")
        #expect(register.status == 1 && register.err.contains("第 3 行") && register.err.contains("「-H10」"), "\(register.err)")
        #expect(try office.eventCount() == before, "nothing refused was written")

        // What may start with such a character: a note, a source (inside the payload); and a redemption's stock is -2.
        for (arguments, by) in [
            (["record", "H001", "C2.3", "--date", "2025-03-22", "--note", #"=HYPERLINK("http://example.com","献血")"#], "王会计"),
            (["shop", "add", "salt", "--name", "食盐", "--price", "3"], "李店长"),
            (["shop", "restock", "salt", "--qty", "5", "--source=-3 袋受潮，余下入库", "--date", "2025-03-01"], "李店长"),
        ] {
            expectOK(try office.jifen(arguments: arguments + ["--by", by]))
        }
        try office.finalize("2025-03")
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--qty", "2", "--date", "2025-04-10", "--by", "李店长"))
        // A ledger written before the rule: a household coded =1+1, a person named like a DDE payload, keys that start
        // with -, a tab and a CR. It still opens, verifies and replays.
        let log = try office.logTable()
        try office.forgeLog("""
            UPDATE \(log) SET household = replace(household, 'H003', '=1+1'), stream = replace(stream, 'H003', '=1+1'),
                payload = replace(payload, '"H003"', '"=1+1"')
            """)
        try office.forgeLog("UPDATE \(log) SET actor = '=cmd|''/c calc''!A0' WHERE seq = 12")
        try office.forgeLog("UPDATE \(log) SET idempotency_key = '-k1' WHERE seq = 13")
        try office.forgeLog("UPDATE \(log) SET idempotency_key = char(9) || 'k2' WHERE seq = 14")
        try office.forgeLog("UPDATE \(log) SET idempotency_key = char(13) || 'k3' WHERE seq = 15")
        expectOK(try office.jifen("rebuild"))
        expectOK(try office.jifen("verify"))
        expectOK(try office.jifen("audit", "verify"))
        expectOK(try office.jifen("audit", "replay", "--as-of", "2025-04-10"))
        #expect(try office.jifen("history", "=1+1").out.contains("=1+1"))
        expectOK(try office.jifen("record", "=1+1", "A1.2", "--date", "2025-04-15", "--by", "王会计"))

        expectOK(try office.jifen("audit", "export", "--format", "csv", "--out", "log.csv"))
        expectOK(try office.jifen("audit", "export", "--out", "all.jsonl"))
        expectOK(try office.jifen("audit", "check", "all.jsonl"))
        try office.write("defused.py", #"""
            import csv, json, re
            rows = list(csv.reader(open("log.csv", encoding="utf-8-sig", newline="")))
            header, body = rows[0], rows[1:]
            events = [json.loads(line) for line in open("all.jsonl", encoding="utf-8")]
            assert len(body) == len(events) > 0, (len(body), len(events))
            numeric = {"seq", "streamVersion", "schemeVersion", "earned", "deducted", "redeemed", "stock", "reverses"}
            defused = negative = 0
            for row, event in zip(body, events):
                assert len(row) == len(header) == 21, row
                for name, cell in zip(header, row):
                    value = event[name]
                    if name in numeric:
                        assert cell == ("" if value is None else str(value)) and re.fullmatch(r"-?[0-9]*", cell), (name, cell)
                        negative += cell.startswith("-")
                        continue
                    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (event["seq"], name, cell)
                    text = "" if value is None else str(value)
                    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        assert cell == "'" + text, (name, cell, text)
                        defused += 1
                    else:
                        assert cell == text, (name, cell, text)
            print(defused, negative)
            """#)
        let check = try office.run("/usr/bin/env", ["python3", "defused.py"])
        let counts = check.out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Every household column of H003's events, the forged actor and three keys; at least one negative number.
        #expect(check.status == 0 && counts.count == 2 && counts[0] >= 5 && counts[1] >= 1, "\(check.out)\(check.err)")
    }

    /// Finding 5: a control character in a note, a name or a reason is refused from the command line and from a sheet
    /// (a NUL byte in a note was accepted from a sheet), with nothing written; a tab is kept.
    @Test func controlCharactersAreRefusedFromEveryInput() throws {
        let office = try Office()
        try office.smallVillage()
        let before = try office.eventCount()
        expectRefused(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-05", "--note", "好\u{1B}[2J人", "--by", "王会计"),
                      mentioning: "备注里有控制字符（U+001B）")
        expectRefused(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-05", "--note", "好\u{1B}[2J人", "--by", "王会计",
                                       "--lang", "en"), mentioning: "The note holds a control character (U+001B)")
        expectRefused(try office.jifen("household", "add", "H009", "--head", "赵\u{7}大山", "--unit", "U01", "--by", "张书记"),
                      mentioning: "户主姓名里有控制字符（U+0007）")
        expectRefused(try office.jifen("actor", "add", "孙\u{9B}31m", "--role", "clerk", "--by", "张书记"), mentioning: "姓名「")
        try office.write("march.csv", "date,household,rule,points,note\n2025-03-05,H001,A1.2,,\n2025-03-06,H002,A1.2,,院坝会\u{0}迟到\n")
        let sheet = try office.jifen("record", "import", "march.csv", "--by", "王会计")
        #expect(sheet.status == 1 && sheet.err.contains("第 3 行") && sheet.err.contains("U+0000"), "\(sheet.err)")
        try office.write("register.csv", "户号,户主,联户,人口\nH009,赵大\u{1B}]0;山,U01,3\n")
        let register = try office.jifen("household", "import", "register.csv", "--by", "张书记")
        #expect(register.status == 1 && register.err.contains("第 2 行") && register.err.contains("U+001B"), "\(register.err)")
        #expect(try office.eventCount() == before, "nothing refused was written")
        expectOK(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-05", "--note", "院坝会\t迟到", "--by", "王会计"))
        let history = try #require(try office.json("history", "H001") as? [String: Any])
        let entries = try #require(history["entries"] as? [[String: Any]])
        #expect(entries.contains { ($0["note"] as? String) == "院坝会\t迟到" }, "\(entries)")
    }

    /// Finding 7: the same `jifen record` or `jifen shop redeem` run again (a retry after a crash) is refused, naming the
    /// entry already recorded; `--again` records a second one; `--key` works as before.
    @Test func aRetriedRecordOrRedemptionIsRefusedUnlessAgain() throws {
        let office = try Office()
        try office.smallVillage()
        let mediation = ["record", "H002", "C1.2", "--points", "8", "--date", "2025-03-28", "--note", "调解两户宅基地纠纷", "--by", "王会计"]
        expectOK(try office.jifen(arguments: mediation))
        let count = try office.eventCount()
        let refused = try office.jifen(arguments: mediation)
        expectRefused(refused, mentioning: "相同的记分（#12）")
        #expect(refused.err.contains("--again") && refused.err.contains("分钟前"), "\(refused.err)")
        expectRefused(try office.jifen(arguments: mediation + ["--lang", "en"]), mentioning: "The same score was recorded less than a minute ago as #12")
        #expect(try office.eventCount() == count)
        let again = try office.jifen(arguments: mediation + ["--again"])
        #expect(again.status == 0 && again.out.contains("#13"), "\(again.out)\(again.err)")

        expectOK(try office.jifen("shop", "add", "salt", "--name", "食盐", "--price", "3", "--by", "李店长"))
        expectOK(try office.jifen("shop", "restock", "salt", "--qty", "50", "--date", "2025-03-01", "--by", "李店长"))
        try office.finalize("2025-03")
        let salt = ["shop", "redeem", "H002", "salt", "--qty", "2", "--date", "2025-04-10", "--by", "李店长"]
        let first = try office.jifen(arguments: salt)
        expectOK(first)
        let seq = try #require(first.out.firstMatch(of: /#(\d+)/).map { String($0.output.1) })
        expectRefused(try office.jifen(arguments: salt), mentioning: "相同的兑换（#\(seq)）")
        expectRefused(try office.jifen(arguments: salt + ["--lang", "en"]), mentioning: "The same redemption was recorded")
        expectOK(try office.jifen(arguments: salt + ["--again"]))
        let stock = try #require(try office.json("shop", "list") as? [[String: Any]])
        #expect(stock.first?["stock"] as? Int == 50 - 2 - 2)

        // A key: the same key reports the first and writes nothing, as before.
        let keyed = ["record", "H001", "A1.2", "--date", "2025-04-15", "--key", "2025-04-H001-1", "--by", "王会计"]
        expectOK(try office.jifen(arguments: keyed))
        let retried = try office.jifen(arguments: keyed)
        #expect(retried.status == 0 && retried.out.contains("未重复记账"), "\(retried.out)\(retried.err)")
    }
}
