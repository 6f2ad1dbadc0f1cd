import Foundation
import Testing

/// A village through a year, as its staff run it with `jifen`: monthly tallies and notices with objections, a
/// unit leader's proposals, corrections approved by a second person, a scheme revision in July, a household that
/// splits, redemptions from final points, and the year-end settlement that clears redeemable points. Then the
/// log is folded again from scratch and every report must come out byte for byte the same.
@Suite struct AVillagesYear {
    @Test func aYearOfGovernanceReplaysByteForByte() throws {
        let office = try Office()
        func run(_ arguments: [String], by: String) throws {
            expectOK(try office.jifen(arguments: arguments + ["--by", by]))
        }
        func ok(_ arguments: String..., by: String) throws { try run(arguments, by: by) }
        // A scheme that clears redeemable points on 10 January, and its July revision (A1.1 is worth +3).
        let reference = try String(contentsOf: packageRoot.appendingPathComponent("seed/reference-scheme.yaml"), encoding: .utf8)
        let clearing = reference.replacingOccurrences(of: "year_end: carry_over", with: "year_end: clear 01-10")
        try office.write("scheme.yaml", clearing)
        try office.write("scheme-july.yaml", clearing.replacingOccurrences(
            of: #"{code: A1.1, indicator: A1, points: "+2""#, with: #"{code: A1.1, indicator: A1, points: "+3""#))
        expectOK(try office.jifen("init", "--village", "牛角村", "--admin", "张书记", "--scheme", "scheme.yaml", "--date", "2025-01-01"))
        for (name, role) in [("王会计", "clerk"), ("赵主任", "reviewer"), ("钱委员", "reviewer"), ("李店长", "shopkeeper")] {
            try ok("actor", "add", name, "--role", role, "--date", "2025-01-02", by: "张书记")
        }
        try ok("unit", "add", "U01", "--name", "第一联户", by: "张书记")
        try ok("unit", "add", "U02", "--name", "第二联户", by: "张书记")
        try ok("household", "import", packageRoot.appendingPathComponent("docs/examples/households.csv").path, "--date", "2025-01-02",
               by: "张书记")
        try ok("actor", "add", "王德福", "--role", "unit-leader", "--unit", "U01", "--date", "2025-01-02", by: "张书记")
        try ok("shop", "add", "salt", "--name", "食盐", "--unit", "500 g", "--price", "3", by: "李店长")
        try ok("shop", "restock", "salt", "--qty", "200", "--date", "2025-01-03", by: "李店长")

        func seqOf(_ run: Run) -> String { String(run.out.split(separator: "#")[1].prefix { $0.isNumber }) }
        var objected: [String] = []
        // What `balance --json` said at each month's end, and the log's position then: a replay must say the same.
        var monthEnds: [(seq: Int, balances: NSArray)] = []
        for month in 1...12 {
            let m = String(format: "2025-%02d", month)
            // The tally: every household tidies its courtyard, H005 misses the meeting, H003 gives blood in spring.
            for household in ["H001", "H002", "H003", "H004", "H005", "H006", "H007", "H008"] {
                try ok("record", household, "B2.1", "--date", "\(m)-05", by: "王会计")
            }
            try ok("record", "H001", "A1.1", "--date", "\(m)-10", by: "王会计")
            try ok("record", "H005", "A1.3", "--date", "\(m)-12", "--note", "无故缺席院坝会", by: "王会计")
            if month == 4 { try ok("record", "H003", "C2.3", "--date", "\(m)-15", by: "王会计") }
            // In October H005 is punished under public-security law: a large deduction, approved by a second person.
            if month == 10 {
                let punished = try office.jifen("record", "H005", "A2.4", "--points", "40", "--date", "\(m)-16", "--note", "酒后滋事被行政拘留",
                                                "--by", "王会计")
                expectOK(punished)
                #expect(punished.out.contains("待审核"), "\(punished.out)")
                try ok("approve", seqOf(punished), "--date", "\(m)-17", by: "钱委员")
            }
            // The unit leader proposes; the reviewer approves.
            let proposal = try office.jifen("record", "H002", "C1.1", "--date", "\(m)-18", "--note", "帮邻居", "--by", "王德福")
            expectOK(proposal)
            try ok("approve", seqOf(proposal), "--date", "\(m)-20", by: "赵主任")
            // In May a score put on the wrong household is reversed: asked by the clerk, approved by a second person.
            if month == 5 {
                let wrong = try office.jifen("record", "H008", "C1.3", "--points", "6", "--date", "\(m)-21", "--note", "拾金不昧", "--by", "王会计")
                expectOK(wrong)
                let request = try office.jifen("reverse", seqOf(wrong), "--reason", "记错户", "--date", "\(m)-25", "--by", "王会计")
                expectOK(request)
                try ok("approve", String(request.out.split(separator: "#")[2].prefix { $0.isNumber }), "--date", "\(m)-25", by: "钱委员")
            }
            // June: H001 splits; its son's household takes 5 points.
            if month == 6 {
                try ok("household", "split", "H001", "--new", "H009", "--head", "王小福", "--members", "3", "--points", "5", "--date", "\(m)-28",
                       by: "王会计")
            }
            // The notice: posted on the first of the next month, closed on the eighth.
            let next = month == 12 ? "2026-01" : String(format: "2025-%02d", month + 1)
            try ok("notice", "open", "--period", m, "--date", "\(next)-01", by: "赵主任")
            if month % 4 == 3 {
                // An objection to H005's missed meeting: dismissed in March, upheld in July, amended in November.
                let log = try office.json("log", "--household", "H005") as! [[String: Any]]
                let score = try #require(log.last { ($0["summary"] as? String)?.contains("A1.3") == true }?["seq"] as? Int)
                try ok("object", "\(score)", "--reason", "当天在医院", "--date", "\(next)-02", by: "王德福")
                objected.append("\(score)")
                let outcome = month == 3 ? ["--dismiss"] : month == 7 ? ["--uphold"] : []
                if outcome.isEmpty {
                    // A fixed rule cannot be amended: the reviewer is told so, and dismisses it.
                    expectRefused(try office.jifen("resolve", "\(score)", "--amend", "0", "--date", "\(next)-03", "--by", "赵主任", "--lang", "en"),
                                  mentioning: "cannot be amended")
                    try ok("resolve", "\(score)", "--dismiss", "--date", "\(next)-03", by: "赵主任")
                } else {
                    try run(["resolve", "\(score)"] + outcome + ["--date", "\(next)-03"], by: "赵主任")
                }
            }
            try ok("notice", "close", "--period", m, "--date", "\(next)-08", by: "赵主任")
            // The exchange day, from final points only.
            try ok("shop", "redeem", "H002", "salt", "--qty", "1", "--date", "\(next)-09", by: "李店长")
            // The revision in July, published in June.
            if month == 6 { try ok("scheme", "publish", "scheme-july.yaml", "--effective", "2025-07-01", by: "张书记") }
            let seq = (try office.json("log") as? [[String: Any]])?.count ?? 0
            monthEnds.append((seq, try #require(try office.json("balance") as? NSArray)))
        }
        for end in monthEnds {
            let replay = try #require(try office.json("audit", "replay", "--seq", "\(end.seq)") as? [String: Any])
            #expect((replay["balances"] as? NSArray) == end.balances, "the replay through #\(end.seq) gives the balances the books had then")
        }
        // June's A1.1 gave +2, July's +3.
        let h001 = try #require(try office.json("history", "H001") as? [String: Any])
        let a11 = (h001["entries"] as! [[String: Any]]).filter { $0["rule"] as? String == "A1.1" }.map { $0["points"] as! Int }
        #expect(a11 == [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3])
        let h009 = try #require(try office.json("balance", "H009") as? [String: Any])
        #expect(h009["available"] as? Int == 5)

        expectRefused(try office.jifen("settle", "2025", "--date", "2026-01-09", "--by", "张书记", "--lang", "en"), mentioning: "clears redeemable points on 2026-01-10")
        try ok("settle", "2025", "--date", "2026-01-10", by: "张书记")
        expectRefused(try office.jifen("settle", "2025", "--date", "2026-01-11", "--by", "张书记", "--lang", "en"), mentioning: "already settled")
        let balances = try #require(try office.json("balance") as? [[String: Any]])
        for row in balances {
            let available = row["available"] as! Int
            #expect(available <= 0, "\(row["household"]!) keeps no redeemable points after the clearing")
        }
        #expect(balances.first { $0["household"] as? String == "H005" }?["available"] as? Int ?? 0 < 0,
                "H005 owes points and still does: the reset never wipes out a debt nor deepens it")
        let settlement = try #require(try office.json("settlement", "2025") as? [[String: Any]])
        #expect(settlement.count == 9)

        // The notice board: the black list is printed only with names masked, or by name when asked explicitly.
        let plain = try office.jifen("notice", "sheet", "--period", "2025-12", "--date", "2026-01-15")
        expectOK(plain)
        #expect(plain.out.contains("黑榜名单未打印") && !plain.out.contains("陈永海 至"), "\(plain.out)")
        let masked = try office.jifen("notice", "sheet", "--period", "2025-12", "--mask", "--date", "2026-01-15").out
        #expect(masked.contains("黑榜（暂停兑换）：H005 陈*海 至 2026-04-10") && !masked.contains("陈永海"), "\(masked)")
        let named = try office.jifen("notice", "sheet", "--period", "2025-12", "--black-list-names", "--date", "2026-01-15").out
        #expect(named.contains("H005 陈永海 至 2026-04-10"), "\(named)")

        // The whole history, folded again from the log, gives the same reports byte for byte.
        let reads = [["balance", "--json"], ["balance"], ["settlement", "2025", "--json"], ["settlement", "2025"],
                     ["standings", "--period", "2025", "--json"], ["history", "H001", "--json"], ["history", "H009"],
                     ["notice", "list", "--json"], ["review", "--json"], ["household", "list", "--json"], ["actor", "list", "--json"],
                     ["scheme", "--version", "1", "--json"], ["scheme", "diff", "1", "2"], ["balance", "--as-of", "2025-06-30", "--json"],
                     ["statement", "--all", "--period", "2025", "--date", "2026-01-15"],
                     ["notice", "sheet", "--period", "2025-07", "--mask", "--date", "2026-01-15", "--json"]]
        let before = try reads.map { try office.jifen(arguments: $0) }
        for run in before { expectOK(run) }
        expectOK(try office.jifen("rebuild"))
        let after = try reads.map { try office.jifen(arguments: $0).out }
        #expect(before.map(\.out) == after)
        let verify = try office.jifen("verify")
        expectOK(verify)
        // The auditor's checks (balance identities at every step, what events name, stock) hold for the whole year.
        expectOK(try office.jifen("audit", "verify"))
        // Replayed to its last event, the log gives the settlement's ratings and the year's standings as printed.
        let replay = try #require(try office.json("audit", "replay", "--seq", "100000", "--period", "2025") as? [String: Any])
        let ratings = try #require((replay["ratings"] as? [[String: Any]])?.first)
        #expect(ratings["year"] as? Int == 2025)
        func canonical(_ value: Any) throws -> Data { try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) }
        #expect(try canonical(ratings["ratings"]!) == canonical(try office.json("settlement", "2025")))
        #expect(try canonical(replay["standings"]!) == canonical(try office.json("standings", "--period", "2025")))
        #expect(before[12].out.contains("A1.1"), "scheme diff names the revised rule: \(before[12].out)")
    }
}

/// A ledger written before roles existed (by jifen at commit 2737401, running that version's README walkthrough:
/// Tests/JifenTests/Fixtures/ledger-before-roles.sqlite) still opens, reads and verifies with the same head; it
/// takes any name until its first administrator is registered, and from then on the rules hold.
@Suite struct ALedgerFromBeforeRoles {
    static let head = "899bcf385039f8d8538ac6ce804033ce4c11363ad93a164900bba524843702ed"

    @Test func opensVerifiesAndTakesOnRoles() throws {
        let office = try Office()
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("Tests/JifenTests/Fixtures/ledger-before-roles.sqlite").path,
                                         toPath: office.path("jifen.sqlite"))
        // A read brings the file's projections up to date; the log is untouched.
        let h001 = try #require(try office.json("balance", "H001") as? [String: Any])
        #expect(h001["earned"] as? Int == 14 && h001["redeemed"] as? Int == 6 && h001["available"] as? Int == 8)
        #expect(h001["pending"] as? Int == 0)
        let report = try #require(try office.json("verify") as? [String: Any])
        #expect(report["events"] as? Int == 32 && report["head"] as? String == Self.head && report["valid"] as? Bool == true)
        expectOK(try office.jifen("scheme", "--version", "1"))

        // Before roles, any name writes and a score is final at once.
        expectOK(try office.jifen("record", "H002", "A1.1", "--date", "2025-04-05", "--by", "王会计"))
        let h002 = try #require(try office.json("balance", "H002") as? [String: Any])
        #expect(h002["available"] as? Int == 16 && h002["pending"] as? Int == 0)
        expectRefused(try office.jifen("notice", "open", "--period", "2025-04", "--date", "2025-05-01", "--by", "王会计", "--lang", "en"),
                      mentioning: "No one is registered")

        // The first administrator turns the rules on.
        expectRefused(try office.jifen("actor", "add", "王会计", "--role", "clerk", "--by", "王会计", "--lang", "en"), mentioning: "must be an administrator")
        expectOK(try office.jifen("actor", "add", "张书记", "--role", "admin", "--by", "张书记"))
        expectRefused(try office.jifen("record", "H003", "A1.1", "--date", "2025-04-06", "--by", "王会计", "--lang", "en"),
                      mentioning: "王会计 is not registered")
        expectOK(try office.jifen("actor", "add", "王会计", "--role", "clerk", "--by", "张书记"))
        let run = try office.jifen("record", "H003", "A1.1", "--date", "2025-04-06", "--by", "王会计")
        expectOK(run)
        #expect(run.out.contains("待公示"), "\(run.out)")
        let h003 = try #require(try office.json("balance", "H003") as? [String: Any])
        #expect(h003["pending"] as? Int == 2)

        let before = try office.jifen("balance", "--json").out
        expectOK(try office.jifen("rebuild"))
        #expect(try office.jifen("balance", "--json").out == before)
        let after = try #require(try office.json("verify") as? [String: Any])
        #expect(after["valid"] as? Bool == true && (after["events"] as? Int ?? 0) == 36)
        expectOK(try office.jifen("verify", "--head", "32:\(Self.head)"))
    }
}
