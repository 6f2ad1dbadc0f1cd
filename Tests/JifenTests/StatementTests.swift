import Foundation
import Testing

@Suite struct Statements {
    /// The statement adds up: opening + the final entries = closing, and the verification line is the log's head.
    @Test func theFiguresAddUpAndTheVerificationLineIsTheHead() throws {
        let office = try Golden().village()
        let statement = try #require(try office.json("statement", "H001", "--period", "2025", "--date", "2025-04-30") as? [String: Any])
        let lines = try #require(statement["lines"] as? [[String: Any]])
        let counted = lines.filter { ["final", "reversed"].contains($0["status"] as? String ?? "") }.reduce(0) { $0 + ($1["points"] as! Int) }
        #expect(statement["opening"] as? Int == 0)
        #expect((statement["opening"] as! Int) + counted == statement["closing"] as? Int)
        #expect(statement["closing"] as? Int == 4 && statement["available"] as? Int == 4)
        let verify = try #require(try office.json("verify") as? [String: Any])
        #expect(statement["headHash"] as? String == verify["head"] as? String)
        #expect(statement["headSeq"] as? Int == verify["events"] as? Int)
        let text = try office.jifen("statement", "H001", "--period", "2025").out
        let groups = (verify["head"] as! String).chunked(8)
        #expect(text.contains(groups.joined(separator: " ")), "the whole hash is printed")
        // The auditor's check of the paper against the log.
        expectOK(try office.jifen("verify", "--head", "\(verify["events"]!):\(verify["head"]!)"))
    }

    @Test func everyHouseholdInOneFileSeparatedByFormFeeds() throws {
        let office = try Golden().village()
        let run = try office.jifen("statement", "--all", "--period", "2025-03", "--out", "march.txt", "--date", "2025-04-30")
        expectOK(run)
        let text = try String(contentsOfFile: office.path("march.txt"), encoding: .utf8)
        #expect(text.components(separatedBy: "\u{0C}").count == 3)
        #expect(text.contains("户号 H001") && text.contains("户号 H002") && text.contains("户号 H003"))
        let html = try office.jifen("statement", "--all", "--period", "2025-03", "--format", "html", "--date", "2025-04-30").out
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.components(separatedBy: "<section class=\"statement\">").count == 4)
        #expect(html.contains("@page { size: A4") && html.contains("第 3 页 共 3 页"))
        expectRefused(try office.jifen("statement", "H009", "--period", "2025-03", "--lang", "en"), mentioning: "no household H009")
        #expect(try office.jifen("statement", "H001", "--period", "2025-13").status == 64)
    }
}

extension String {
    func chunked(_ size: Int) -> [String] {
        var out: [String] = [], rest = Substring(self)
        while !rest.isEmpty { out.append(String(rest.prefix(size))); rest = rest.dropFirst(size) }
        return out
    }
}

/// The PDF statement: every line of the statement in the text `pdftotext` extracts, the fonts embedded, the page
/// rendered to an image, and the QR code read back to the verification line.
@Suite struct PDFStatements {
    @Test func aPDFStatementReadsBackWhole() throws {
        let office = try Golden().village()
        expectOK(try office.jifen("statement", "H001", "--period", "2025", "--format", "pdf", "--out", "h001.pdf", "--date", "2025-04-30"))
        let statement = try #require(try office.json("statement", "H001", "--period", "2025", "--date", "2025-04-30") as? [String: Any])
        let text = try office.run("/usr/bin/pdftotext", ["h001.pdf", "-"])
        expectOK(text)
        let squeezed = text.out.filter { !$0.isWhitespace }
        for line in try #require(statement["lines"] as? [[String: Any]]) {
            for field in ["date", "code", "zh", "note", "by"] {
                let value = ((line[field] as? String) ?? "").filter { !$0.isWhitespace }
                if !value.isEmpty { #expect(squeezed.contains(value), "\(field) \(value) is in the PDF's text") }
            }
            let points = line["points"] as! Int
            #expect(squeezed.contains(points > 0 ? "+\(points)" : "\(points)"))
        }
        for phrase in ["牛角村积分对账单", "户号H001", "户主王德福", "期初可用积分", "期末可用积分", "第1页共1页", "\(statement["headSeq"]!):"] {
            #expect(squeezed.contains(phrase), "\(phrase) is in the PDF's text")
        }
        let fonts = try office.run("/usr/bin/pdffonts", ["h001.pdf"])
        let fontLines = fonts.out.split(separator: "\n").dropFirst(2)
        #expect(!fontLines.isEmpty && fontLines.allSatisfy { $0.contains(" yes yes ") }, "every font embedded: \(fonts.out)")
        #expect(fonts.out.contains("NotoSansCJK"))
        expectOK(try office.run("/usr/bin/pdftoppm", ["-r", "150", "-png", "h001.pdf", "page"]))
        #expect(FileManager.default.fileExists(atPath: office.path("page-1.png")))
        let scan = try office.run("/usr/bin/zbarimg", ["-q", "--raw", "page-1.png"])
        #expect(scan.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(statement["headSeq"]!):\(statement["headHash"]!)")
    }

    @Test func passbookAndNoticeSheetAsPDF() throws {
        let office = try Golden().village()
        expectOK(try office.jifen("passbook", "H001", "--format", "pdf", "--out", "passbook.pdf", "--date", "2025-04-30", "--by", "王会计"))
        expectOK(try office.jifen("notice", "sheet", "--period", "2025-03", "--mask", "--format", "pdf", "--out", "notice.pdf", "--date", "2025-04-02"))
        for (file, phrases) in [("passbook.pdf", ["牛角村 积分存折", "户号 H001", "兑换 食盐 ×2"]),
                                ("notice.pdf", ["牛角村 积分公示（2025-03）", "H001 王*福", "合计 +10"])] {
            let text = try office.run("/usr/bin/pdftotext", ["-layout", file, "-"])
            expectOK(text)
            for phrase in phrases { #expect(text.out.contains(phrase), "\(file) holds \(phrase): \(text.out)") }
            let fonts = try office.run("/usr/bin/pdffonts", [file]).out
            #expect(fonts.contains("NotoSansMonoCJK") && fonts.split(separator: "\n").dropFirst(2).allSatisfy { $0.contains(" yes yes ") })
        }
        #expect(!(try office.run("/usr/bin/pdftotext", ["notice.pdf", "-"]).out.contains("王德福")), "masked names stay masked")
        #expect(try office.jifen("passbook", "H002", "--format", "pdf", "--by", "王会计").status == 64, "a PDF needs --out")
    }

    @Test func aVillageInOneFileOneHouseholdAPageAtLeast() throws {
        let office = try Golden().village()
        expectOK(try office.jifen("statement", "--all", "--period", "2025-03", "--format", "pdf", "--out", "march.pdf"))
        let info = try office.run("/usr/bin/pdfinfo", ["march.pdf"])
        #expect(info.out.contains("Pages:           3"), "\(info.out)")
        #expect(try office.jifen("statement", "H001", "--period", "2025-03", "--format", "pdf").status == 64, "a PDF needs --out")
    }
}

/// The auditors' export: `audit check` and an independent verifier written with Python's standard library (printed
/// in docs/FORMAT.md) agree on a good export and on tampered ones.
@Suite struct AuditExports {
    @Test func anExportVerifiesWithoutTheDatabaseAndTamperingIsCaught() throws {
        let office = try Golden().village()
        expectOK(try office.jifen("audit", "export", "--out", "log.jsonl"))
        let format = try String(contentsOf: packageRoot.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
        let marker = try #require(format.range(of: "# audit-export verifier"))
        let end = try #require(format[marker.lowerBound...].range(of: "```"))
        try office.write("verify-export.py", String(format[marker.lowerBound..<end.lowerBound]))
        let verify = try #require(try office.json("verify") as? [String: Any])
        let python = try office.run("/usr/bin/env", ["python3", "verify-export.py", "log.jsonl"])
        #expect(python.status == 0 && python.out == "export: \(verify["events"]!) events, head \(verify["head"]!)\n", "\(python.out) \(python.err)")
        let check = try #require(try office.json("audit", "check", "log.jsonl") as? [String: Any])
        #expect(check["valid"] as? Bool == true && check["whole"] as? Bool == true && check["head"] as? String == verify["head"] as? String)

        let lines = try String(contentsOfFile: office.path("log.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        var altered = lines
        altered[11] = altered[11].replacingOccurrences(of: "\"actor\":\"王会计\"", with: "\"actor\":\"李会计\"")
        #expect(altered[11] != lines[11])
        var removed = lines
        removed.remove(at: 12)
        var swapped = lines
        swapped.swapAt(12, 13)
        for (name, tampered) in [("altered", altered), ("removed", removed), ("swapped", swapped)] {
            try office.write("\(name).jsonl", tampered.joined(separator: "\n") + "\n")
            let ours = try office.jifen("audit", "check", "\(name).jsonl")
            let theirs = try office.run("/usr/bin/env", ["python3", "verify-export.py", "\(name).jsonl"])
            #expect(ours.status == 2 && theirs.status != 0, "\(name): both refuse it (\(ours.out) / \(theirs.err))")
        }
        // A range of the log checks on its own, and the CSV opens in Excel and WPS (UTF-8 with a BOM).
        expectOK(try office.jifen("audit", "export", "--from", "5", "--to", "9", "--out", "part.jsonl"))
        #expect(try office.jifen("audit", "check", "part.jsonl").status == 2, "a part is not the whole log")
        expectOK(try office.jifen("audit", "check", "part.jsonl", "--partial"))
        expectOK(try office.jifen("audit", "export", "--format", "csv", "--out", "log.csv"))
        let csv = try Data(contentsOf: URL(fileURLWithPath: office.path("log.csv")))
        #expect(csv.starts(with: [0xEF, 0xBB, 0xBF]))
        // Read back by Python's csv module (as a spreadsheet would), every cell equals the JSON Lines export's.
        expectOK(try office.jifen("audit", "export", "--out", "all.jsonl"))
        try office.write("same.py", """
            import csv, json
            rows = list(csv.DictReader(open("log.csv", encoding="utf-8-sig", newline="")))
            events = [json.loads(line) for line in open("all.jsonl", encoding="utf-8")]
            assert len(rows) == len(events) > 0, (len(rows), len(events))
            for row, event in zip(rows, events):
                for key, value in event.items():
                    assert row[key] == ("" if value is None else str(value)), (key, row[key], value)
            print(len(rows))
            """)
        let same = try office.run("/usr/bin/env", ["python3", "same.py"])
        let events = try office.eventCount()
        #expect(same.status == 0 && Int(same.out.trimmingCharacters(in: .whitespacesAndNewlines)) == events, "\(same.out)\(same.err)")
    }
}

/// Signed checkpoints catch what the file alone cannot: a log rewritten with every hash recomputed.
@Suite struct Checkpoints {
    @Test func aRewrittenLogWithFreshHashesFailsTheCheckpoint() throws {
        let office = try Golden().village()
        expectOK(try office.jifen("key", "new", "--out", "committee"))
        expectOK(try office.jifen("key", "new", "--out", "township"))
        let mode = try FileManager.default.attributesOfItem(atPath: office.path("committee.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private key is readable by its owner only")
        expectRefused(try office.jifen("key", "new", "--out", "committee"), mentioning: "密钥文件从不覆盖")
        // Signing needs an administrator to file it; refused, it leaves neither a file nor an event.
        let events = try office.eventCount()
        expectRefused(try office.jifen("checkpoint", "--key", "committee.key", "--out", "cp.json", "--by", "王会计", "--lang", "en"), mentioning: "may not")
        #expect(!FileManager.default.fileExists(atPath: office.path("cp.json")) && !FileManager.default.fileExists(atPath: office.path("cp.json.part")))
        #expect(try office.eventCount() == events)
        expectOK(try office.jifen("checkpoint", "--key", "committee.key", "--out", "cp.json", "--by", "张书记"))
        #expect(try office.eventCount() == events + 1, "the checkpoint is filed in the ledger")
        expectRefused(try office.jifen("checkpoint", "--key", "committee.key", "--out", "cp.json", "--by", "张书记", "--lang", "en"), mentioning: "never overwritten")
        // The township countersigns the file (it need not hold the ledger); the village files it again.
        expectRefused(try office.jifen("checkpoint", "--key", "committee.key", "--countersign", "cp.json", "--lang", "en"), mentioning: "already carries")
        expectOK(try office.jifen("checkpoint", "--key", "township.key", "--countersign", "cp.json", "--ledger", "nowhere.sqlite"))
        expectOK(try office.jifen("checkpoint", "record", "cp.json", "--by", "张书记"))
        expectRefused(try office.jifen("checkpoint", "record", "cp.json", "--by", "张书记"), mentioning: "已经登记过")
        let filed = try #require(try office.json("checkpoint", "list") as? [[String: Any]])
        #expect(filed.count == 2 && (filed[1]["keys"] as? [String])?.count == 2 && filed[0]["seq"] as? Int == events, "\(filed)")
        let both = ["--pubkey", "committee.pub", "--pubkey", "township.pub"]
        expectOK(try office.jifen(arguments: ["audit", "verify", "--checkpoint", "cp.json"] + both))
        // Statements print the latest checkpoint.
        let statement = try office.jifen("statement", "H001", "--period", "2025-04").out
        #expect(statement.contains("签名存证：第 \(events) 条事件") && statement.contains("2 个签名"), "\(statement)")
        expectOK(try office.jifen("statement", "H001", "--period", "2025-04", "--format", "pdf", "--out", "H001.pdf"))
        let page = try office.run("/usr/bin/env", ["pdftotext", "H001.pdf", "-"]).out
        #expect(page.contains("签名存证：第 \(events) 条事件") && page.contains("2 个签名"), "\(page)")
        // The log grows: it still extends the checkpoint.
        expectOK(try office.jifen("record", "H003", "A1.1", "--date", "2025-05-06", "--by", "王会计"))
        expectOK(try office.jifen(arguments: ["audit", "verify", "--checkpoint", "cp.json"] + both))

        // Someone with the file rewrites who recorded #12 and recomputes every hash after it, triggers put back:
        // the chain is consistent again and plain `verify` cannot tell.
        try office.forgeLog("UPDATE \(try office.logTable()) SET actor = '李会计' WHERE seq = 12")
        expectOK(try office.jifen("verify"))
        let caught = try office.jifen(arguments: ["audit", "verify", "--checkpoint", "cp.json", "--lang", "en"] + both)
        #expect(caught.status == 2 && caught.out.contains("rewritten"), "\(caught.out)")
        // Even without the file, the checkpoints filed in the ledger no longer hold.
        let unfiled = try office.jifen("audit", "verify", "--lang", "en")
        #expect(unfiled.status == 2 && unfiled.out.contains("event #\(events + 1): the checkpoint it files does not hold"), "\(unfiled.out)")
        // A checkpoint of this (now forked) ledger cannot be filed again as if nothing happened.
        expectRefused(try office.jifen("checkpoint", "record", "cp.json", "--by", "张书记", "--lang", "en"), mentioning: "cannot be filed")

        // A checkpoint changed after signing, and a key that did not sign, are refused too.
        var json = try String(contentsOfFile: office.path("cp.json"), encoding: .utf8)
        json = json.replacingOccurrences(of: "\"seq\" : ", with: "\"seq\" : 1")
        try office.write("forged.json", json)
        let forged = try office.jifen("audit", "verify", "--checkpoint", "forged.json", "--pubkey", "committee.pub", "--lang", "en")
        #expect(forged.status == 2 && forged.out.contains("not signed by committee.pub"), "\(forged.out)")
        expectOK(try office.jifen("key", "new", "--out", "stranger"))
        let stranger = try office.jifen("audit", "verify", "--checkpoint", "cp.json", "--pubkey", "stranger.pub", "--lang", "en")
        #expect(stranger.status == 2 && stranger.out.contains("not signed by stranger.pub"))
    }
}

/// The tamper drill (scripts/tamper-drill): 100 random single alterations of a ledger — an edited field, a
/// deleted, inserted or swapped event, a tail cut after a signed checkpoint — each with the triggers put back, and
/// every one is caught. In stored format 2, and in format 1 with 40 (each kind of alteration 8 times; the drill's seed
/// is fixed) to keep the suite's time down.
@Suite struct TamperDrill {
    @Test(arguments: [(StoredFormat.compact, 100), (.wide, 40)])
    func everyAlterationIsCaught(_ format: StoredFormat, _ runs: Int) throws {
        let office = try format.making { try Golden().village() }
        #expect(try office.logTable() == format.table)
        let run = try office.run("/usr/bin/env", ["python3", packageRoot.appendingPathComponent("scripts/tamper-drill").path,
                                                  "jifen.sqlite", "--runs", "\(runs)", "--jifen", jifenBinary.path])
        #expect(run.status == 0, "\(run.out)\(run.err)")
        #expect(run.out.hasSuffix("caught \(runs) of \(runs)\n"), "\(run.out.suffix(400))")
    }
}

/// The favouritism report flags a household whose awards come almost all from one unit leader.
@Suite struct Favouritism {
    @Test func aUnitLeadersFavouriteIsFlaggedWithTheEventsBehindIt() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("actor", "add", "王德福", "--role", "unit-leader", "--unit", "U01", "--by", "张书记"))
        var proposals: [Int] = []
        for month in ["2025-03", "2025-04", "2025-05"] {
            for day in ["05", "12", "19", "26"] {
                for household in ["H002", "H003"] {
                    expectOK(try office.jifen("record", household, "B2.3", "--date", "\(month)-\(day)", "--by", "王会计"))
                }
            }
            for day in ["10", "20"] {
                let run = try office.jifen("record", "H001", "C1.1", "--date", "\(month)-\(day)", "--note", "帮邻居", "--by", "王德福")
                expectOK(run)
                let seq = Int(run.out.split(separator: "#")[1].prefix { $0.isNumber })!
                proposals.append(seq)
                expectOK(try office.jifen("approve", "\(seq)", "--date", "\(month)-28", "--by", "赵主任"))
            }
        }
        expectOK(try office.jifen("record", "H001", "A1.1", "--date", "2025-03-03", "--by", "王会计"))
        let report = try #require(try office.json("audit", "report", "--period", "2025") as? [String: Any])
        let recorders = try #require(report["recorders"] as? [[String: Any]])
        let leader = try #require(recorders.first { $0["name"] as? String == "王德福" })
        #expect(leader["ownUnitShare"] as? Double == 1.0 && leader["awarded"] as? Int == 30)
        let flags = try #require(report["flags"] as? [[String: Any]])
        let flag = try #require(flags.first { $0["kind"] as? String == "one recorder" && $0["subject"] as? String == "H001" })
        #expect((flag["events"] as? [Int]) == proposals, "the flag lists the leader's scores in the period")
        #expect(!flags.contains { $0["subject"] as? String == "H002" }, "\(flags)")
        let text = try office.jifen("audit", "report", "--period", "2025")
        expectOK(text)
        #expect(text.out.contains("[one recorder] H001"))
    }
}

/// `audit verify` checks what the chain cannot: that events naming others name the right kind.
@Suite struct AuditVerify {
    /// Over both stored formats: the forger rewrites each format's own columns (format 1's `prev_hash` too).
    @Test(arguments: StoredFormat.allCases)
    func aReversalRepointedWithFreshHashesIsCaught(_ format: StoredFormat) throws {
        let office = try format.making { try Golden().village() }
        let log = try office.logTable()
        #expect(log == format.table)
        expectOK(try office.jifen("audit", "verify"))
        // #17 reverses #12; someone points it at #3 (a person's registration) and recomputes every hash.
        try office.forgeLog("UPDATE \(log) SET reverses = 3 WHERE seq = 17")
        // The forger folds the tables again too: plain verify then finds the file consistent.
        expectOK(try office.jifen("rebuild"))
        expectOK(try office.jifen("verify"))
        let caught = try office.jifen("audit", "verify", "--lang", "en")
        #expect(caught.status == 2 && caught.out.contains("event #17: it takes back event #3, a v1.actorRegistered"), "\(caught.out)")
        // The same finding, in Chinese by default.
        let chinese = try office.jifen("audit", "verify")
        #expect(chinese.status == 2 && chinese.out.contains("第 17 条事件：它冲回第 3 条事件（v1.actorRegistered）"), "\(chinese.out)")
    }

    /// Two events with one id, every hash recomputed: stored format 1's log holds its ids in a unique index (such a
    /// forgery cannot be written without breaking it, which verify finds); stored format 2's has no index on the id, and
    /// `audit verify` finds the id given twice.
    @Test func twoEventsWithOneIdAreCaught() throws {
        let office = try Golden().village()
        try office.forgeLog("UPDATE event_log SET id = (SELECT id FROM event_log WHERE seq = 12) WHERE seq = 13")
        #expect(try office.sqlite("SELECT count(DISTINCT id) FROM events WHERE seq IN (12, 13)") == ["1"])
        // audit verify holds every id against every other.
        let caught = try office.jifen("audit", "verify", "--lang", "en")
        #expect(caught.status == 2 && caught.out.contains("event #13: its id is the same as event #12's"), "\(caught.out)")
    }

    /// Forgeries that keep the chain and the tables consistent but break the books' arithmetic: each is named by
    /// `audit verify` with its event, and plain `verify` (chain and tables) cannot tell.
    @Test(arguments: StoredFormat.allCases)
    func forgedFiguresWithFreshHashesAreCaught(_ format: StoredFormat) throws {
        let office = try format.making { try Golden().village() }
        let log = try office.logTable()
        #expect(log == format.table)
        let redemption = try #require(try office.sqlite("SELECT seq FROM events WHERE type = 'v1.redeemed'").first)
        let notice = try #require(try office.sqlite("SELECT seq FROM events WHERE type = 'v1.noticeOpened'").first)
        let forgeries: [(sql: String, caught: String)] = [
            // The shop's redemption made to cost more than the household had.
            ("UPDATE \(log) SET redeemed = 500 WHERE seq = \(redemption)",
             "event #\(redemption): it spends 500 points of H001, which had only"),
            // The reversal of #12 made to take back less than #12 gave.
            ("UPDATE \(log) SET earned = earned + 1 WHERE seq = 17",
             "event #17: it takes back event #12 but does not move exactly the opposite"),
            // Points slipped onto an event that moves none.
            ("UPDATE \(log) SET earned = 50, household = 'H002' WHERE seq = \(notice)",
             "event #\(notice): its facts (household H002, item none, earned 50"),
        ]
        for (index, forgery) in forgeries.enumerated() {
            try office.forgeLog(forgery.sql)
            expectOK(try office.jifen("rebuild"))
            expectOK(try office.jifen("verify"))
            let caught = try office.jifen("audit", "verify", "--lang", "en")
            #expect(caught.status == 2, "\(caught.out)")
            // Every forgery so far is named, each with its event.
            for earlier in forgeries.prefix(index + 1) {
                #expect(caught.out.contains(earlier.caught), "\(earlier.sql)\n\(caught.out)")
            }
        }
        // For scripts: the same findings as JSON, each with its event.
        let json = try office.jifen("audit", "verify", "--json")
        #expect(json.status == 2)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let seqs = (report["problems"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int }
        #expect(report["valid"] as? Bool == false && seqs == [Int(redemption)!, Int(notice)!, 17], "\(json.out)")
    }
}

extension Office {
    /// What a careful forger with the file and Python does: drops the triggers, runs `sql` on the log's table
    /// (`logTable()`), recomputes every link and hash by the rule in docs/FORMAT.md over the events as `SELECT * FROM
    /// events` gives them, and puts the triggers back. In stored format 1 each row's `prev_hash` and `hash` are
    /// rewritten; in stored format 2, which keeps no `prev_hash` (the view `events` takes it from the row before), the
    /// `hash` of `event_log`.
    func forgeLog(_ sql: String) throws {
        let script = """
            import hashlib, sqlite3
            def netstring(v):
                d = ("" if v is None else str(v)).encode(); return str(len(d)).encode() + b":" + d + b","
            db = sqlite3.connect("jifen.sqlite")
            compact = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_log'").fetchone()[0] == 1
            triggers = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
            for name in [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
                db.execute(f"DROP TRIGGER {name}")
            db.execute(\"\"\"\(sql)\"\"\")
            previous = bytes(32)
            for row in db.execute("SELECT * FROM events ORDER BY seq").fetchall():
                *fields, _, _ = row
                digest = hashlib.sha256(previous + b"".join(netstring(v) for v in fields)).digest()
                if compact:
                    db.execute("UPDATE event_log SET hash = ? WHERE seq = ?", (digest, row[0]))
                else:
                    db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (previous, digest, row[0]))
                previous = digest
            for trigger in triggers: db.execute(trigger)
            db.commit()
            """
        try write("forge.py", script)
        expectOK(try run("/usr/bin/env", ["python3", "forge.py"]))
    }
}
