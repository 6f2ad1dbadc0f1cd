import Foundation
import Testing

/// `jifen export --format ledger` read by hledger and ledger-cli as an auditor would: strict checks pass, and the
/// cleared balance of each household's account is its available points.
@Suite struct Journal {
    /// The export of a ledger, as text.
    static func export(_ office: Office, _ arguments: [String] = []) throws -> String {
        let run = try office.jifen(arguments: arguments + ["export", "--format", "ledger", "--out", "export.journal", "--force"])
        #expect(run.status == 0, "\(run.err)")
        return try String(contentsOfFile: office.path("export.journal"), encoding: .utf8)
    }

    /// Each household's points from `hledger bal`, with `options` (e.g. --cleared).
    static func hledgerBalances(_ office: Office, _ options: [String]) throws -> [String: Int] {
        let run = try office.run("/usr/bin/env", ["hledger", "-f", "export.journal", "bal", "points", "--flat", "-N"] + options)
        #expect(run.status == 0, "\(run.err)")
        var balances: [String: Int] = [:]
        for line in run.out.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 3, words[1] == "PTS", words[2].hasPrefix("points:"), let points = Int(words[0]) else { continue }
            balances[String(words[2].dropFirst("points:".count))] = points
        }
        return balances
    }

    /// Every household of `balance --json` with a figure, by code.
    static func jifenBalances(_ office: Office, _ figure: (([String: Any]) -> Int)) throws -> [String: Int] {
        let rows = try #require(try office.json("balance") as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { (($0["household"] as? String) ?? "", figure($0)) })
    }

    static func available(_ row: [String: Any]) -> Int { row["available"] as? Int ?? .min }

    @Test func pendingScoresAreMarkedAndEventsThatMoveNothingAreLeftOut() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "A1.2", "--date", "2025-03-05", "--by", "王会计"))
        try office.finalize("2025-03")
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2025-04-05", "--by", "王会计"))
        let journal = try Journal.export(office)
        // Registrations, actors, units, the notice: no transaction, none at 0 PTS.
        #expect(!journal.contains(" 0 PTS"))
        #expect(!journal.contains("v1.householdRegistered") && !journal.contains("v1.noticeOpened"))
        let headers = journal.split(separator: "\n").filter { $0.hasPrefix("2025-") }
        #expect(headers == ["2025-03-05 * #12 v1.scoreRecorded H001 A1.2", "2025-04-05 ! #15 v1.scoreRecorded H002 A1.2"])
        #expect(journal.contains("account points:H001") && journal.contains("commodity PTS"))
        #expect(journal.contains("\(try office.eventCount() - 2) that move nothing"), "\(journal.prefix(300))")
    }

    @Test(.enabled(if: Hledger.usable, Hledger.reason))
    func theDemosJournalPassesHledgersStrictCheckAndClearedIsAvailable() throws {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "jifen.sqlite"))
        _ = try Journal.export(office)
        let check = try office.run("/usr/bin/env", ["hledger", "-f", "export.journal", "check", "--strict"])
        #expect(check.status == 0, "\(check.err)")
        let cleared = try Journal.hledgerBalances(office, ["--cleared"])
        let available = try Journal.jifenBalances(office, Journal.available)
        #expect(available.count > 100)
        let differ = available.filter { cleared[$0.key, default: 0] != $0.value }
        #expect(differ.isEmpty, "\(differ.count) households differ, e.g. \(differ.first.map { "\($0.key): jifen \($0.value), hledger \(cleared[$0.key] ?? 0)" } ?? "")")
        // Some household has points not yet final: without --cleared hledger counts them too, as pending.
        let all = try Journal.hledgerBalances(office, [])
        let open = try Journal.jifenBalances(office) { Journal.available($0) + ($0["pending"] as? Int ?? 0) + ($0["proposed"] as? Int ?? 0) }
        #expect(open != available)
        #expect(open.filter { all[$0.key, default: 0] != $0.value }.isEmpty)
    }

    @Test(.enabled(if: Hledger.ledgerUsable, Hledger.ledgerReason))
    func ledgerCliAcceptsItStrictly() throws {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "jifen.sqlite"))
        _ = try Journal.export(office)
        let run = try office.run("/usr/bin/env", ["ledger", "--strict", "-f", "export.journal", "bal", "points"])
        #expect(run.status == 0 && run.err.isEmpty, "\(run.err)")
        #expect(run.out.contains("PTS"))
    }

    @Test(.enabled(if: Hledger.usable, Hledger.reason))
    func yearEndExpiryKeepsClearedEqualToAvailable() throws {
        let office = try Office()
        // The reference scheme, clearing redeemable points on 10 January.
        let scheme = try String(contentsOf: packageRoot.appendingPathComponent("seed/reference-scheme.yaml"), encoding: .utf8)
        #expect(scheme.contains("year_end: carry_over"))
        try office.write("scheme.yaml", scheme.replacingOccurrences(of: "year_end: carry_over", with: "year_end: clear 01-10"))
        expectOK(try office.jifen("init", "--village", "牛角村", "--admin", "张书记", "--scheme", "scheme.yaml", "--date", "2025-01-01"))
        expectOK(try office.jifen("actor", "add", "王会计", "--role", "clerk", "--by", "张书记", "--date", "2025-01-02"))
        expectOK(try office.jifen("actor", "add", "赵主任", "--role", "reviewer", "--by", "张书记", "--date", "2025-01-02"))
        expectOK(try office.jifen("unit", "add", "U01", "--name", "第一联户", "--by", "张书记"))
        for code in ["H001", "H002"] {
            expectOK(try office.jifen("household", "add", code, "--head", "王德福", "--unit", "U01", "--date", "2025-01-02", "--by", "张书记"))
        }
        expectOK(try office.jifen("record", "H001", "C1.3", "--points", "8", "--date", "2025-03-05", "--by", "王会计"))
        try office.finalize("2025-03")
        expectOK(try office.jifen("settle", "2025", "--date", "2026-01-10", "--by", "张书记"))
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2026-01-12", "--by", "王会计"))
        let journal = try Journal.export(office)
        #expect(journal.contains("v1.pointsExpired H001\n    points:H001  -8 PTS\n    village:expired  8 PTS"), "\(journal)")
        let check = try office.run("/usr/bin/env", ["hledger", "-f", "export.journal", "check", "--strict"])
        #expect(check.status == 0, "\(check.err)")
        let cleared = try Journal.hledgerBalances(office, ["--cleared"])
        let available = try Journal.jifenBalances(office, Journal.available)
        #expect(available == ["H001": 0, "H002": 0])
        #expect(available.filter { cleared[$0.key, default: 0] != $0.value }.isEmpty, "\(available) \(cleared)")
        #expect(try Journal.hledgerBalances(office, [])["H002"] == 1)
    }

    @Test(.enabled(if: Hledger.usable, Hledger.reason))
    func transfersKeepClearedEqualToAvailable() throws {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("record", "H001", "C1.3", "--points", "8", "--date", "2025-03-05", "--by", "王会计"))
        expectOK(try office.jifen("record", "H002", "A1.2", "--date", "2025-03-06", "--by", "王会计"))
        try office.finalize("2025-03")
        expectOK(try office.jifen("household", "split", "H001", "--new", "H009", "--head", "王小福", "--points", "5",
                                  "--date", "2025-04-10", "--by", "张书记"))
        expectOK(try office.jifen("household", "merge", "H002", "--into", "H003", "--date", "2025-04-11", "--by", "张书记"))
        let journal = try Journal.export(office)
        #expect(journal.contains("village:transfers  5 PTS") && journal.contains("village:transfers  -5 PTS"), "\(journal)")
        let check = try office.run("/usr/bin/env", ["hledger", "-f", "export.journal", "check", "--strict"])
        #expect(check.status == 0, "\(check.err)")
        let cleared = try Journal.hledgerBalances(office, ["--cleared"])
        let available = try Journal.jifenBalances(office, Journal.available)
        #expect(available["H009"] == 5)
        #expect(available.filter { cleared[$0.key, default: 0] != $0.value }.isEmpty, "\(available) \(cleared)")
    }
}
