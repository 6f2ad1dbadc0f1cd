import Foundation
import Jifen
import JifenCore
import Testing
@testable import jifen

/// Passwords (issue 14's first slice): once any is set, every write of the CLI needs the acting person's password,
/// from standard input (`--password-stdin`) here; a ledger with none works as before.
@Suite struct Passwords {
    static let admin = "zhang-secret-1", clerk = "wang-secret-22", reviewer = "zhao-secret-333"

    /// Runs `jifen` in the office with `input` on standard input.
    static func jifen(_ office: Office, _ arguments: [String], input: String? = nil) -> Run {
        let run = Main.run(arguments, in: office.url.path, environment: office.environment([:]), input: input.map { Data($0.utf8) })
        return Run(status: run.status, out: run.out, err: run.err)
    }

    /// The small village with one score recorded in March 2025, and passwords for 张书记, 王会计 and 赵主任.
    static func village(format: String = "2") throws -> Office {
        let office = try Office()
        try expectOK(office.jifen("init", "--village", "牛角村", "--admin", "张书记", "--log-format", format, "--date", "2025-01-02"))
        for (name, role) in [("王会计", "clerk"), ("赵主任", "reviewer"), ("李店长", "shopkeeper")] {
            try expectOK(office.jifen("actor", "add", name, "--role", role, "--by", "张书记", "--date", "2025-01-02"))
        }
        try expectOK(office.jifen("unit", "add", "U01", "--name", "第一联户", "--by", "张书记"))
        try expectOK(office.jifen("household", "add", "H001", "--head", "王德福", "--unit", "U01", "--date", "2025-01-02", "--by", "张书记"))
        try expectOK(office.jifen("record", "add", "H001", "A1.1", "--date", "2025-03-05", "--by", "王会计"))
        // The first password: an administrator with --by alone, the new password on standard input.
        expectOK(jifen(office, ["actor", "password", "张书记", "--by", "张书记", "--password-stdin"], input: admin + "\n"))
        // From then on the administrator proves who they are first, then gives the new password.
        expectOK(jifen(office, ["actor", "password", "王会计", "--by", "张书记", "--password-stdin"], input: admin + "\n" + clerk + "\n"))
        expectOK(jifen(office, ["actor", "password", "赵主任", "--by", "张书记", "--password-stdin"], input: "\(admin)\n\(reviewer)\n"))
        return office
    }

    /// The sequence of the issue: an administrator made by someone else, the real one retired, a reversal requested as
    /// the clerk and approved as the reviewer, a notice opened and closed by typed dates. Each is refused with `--by`
    /// alone, and with a wrong password; each goes through with the acting person's own.
    /// The passwords' table emptied behind jifen's back, the projection cleared too: writes are refused (the need for
    /// passwords follows the log's v1.passwordSet, never lifted by a table), and verify names the event whose password
    /// the table no longer holds, also after a rebuild; a hash not bcrypt's is named too.
    @Test(arguments: ["1", "2"])
    func thePasswordsTableHeldToTheLog(format: String) throws {
        let office = try Self.village(format: format)
        expectOK(try office.jifen("verify"))
        try office.write("strip.py", """
            import sqlite3
            db = sqlite3.connect("jifen.sqlite")
            db.execute("DELETE FROM credentials WHERE actor = '王会计'")
            db.execute("UPDATE p_actors SET password_since = NULL")
            db.execute("UPDATE credentials SET hash = 'plain-text' WHERE actor = '赵主任'")
            db.commit()
            """)
        expectOK(try office.run("/usr/bin/env", ["python3", "strip.py"]))
        expectRefused(Self.jifen(office, ["record", "add", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计"]), mentioning: "密码")
        expectOK(try office.jifen("rebuild"))
        let verify = try office.jifen("verify", "--lang", "en")
        #expect(verify.status == 2, "\(verify.out)")
        #expect(verify.out.contains("set a password for 王会计, which the passwords' table no longer holds"), "\(verify.out)")
        #expect(verify.out.contains("the password the table holds for 赵主任 is not a bcrypt hash"), "\(verify.out)")
        expectRefused(Self.jifen(office, ["record", "add", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计"]), mentioning: "密码")
    }

    @Test(arguments: ["1", "2"])
    func theImpersonationSequenceNeedsEachPersonsPassword(format: String) throws {
        let office = try Self.village(format: format)
        let events = try #require(try office.json("log") as? [[String: Any]])
        let score = try #require(events.first { ($0["type"] as? String) == "v1.scoreRecorded" }?["seq"] as? Int)
        let steps: [(arguments: [String], password: String)] = [
            (["actor", "add", "冒充者", "--role", "admin", "--by", "张书记"], Self.admin),
            (["actor", "retire", "张书记", "--reason", "调离", "--by", "冒充者"], "fake-admin-1"),
            (["reverse", "\(score)", "--reason", "记错户", "--by", "王会计"], Self.clerk),
            (["approve", "\(0)", "--by", "赵主任"], Self.reviewer),
            (["notice", "open", "--period", "2025-03", "--date", "2025-04-01", "--by", "赵主任"], Self.reviewer),
            (["notice", "close", "--period", "2025-03", "--date", "2025-04-08", "--by", "赵主任"], Self.reviewer),
        ]
        var impostorHasPassword = false
        for var step in steps {
            if step.arguments.first == "approve" {
                // The request just made is the last event.
                let log = try #require(try office.json("log") as? [[String: Any]])
                step.arguments[1] = "\(try #require(log.last?["seq"] as? Int))"
            }
            let before = try office.eventCount()
            if step.arguments.last == "冒充者" && !impostorHasPassword {
                // The new administrator has no password: refused, with or without one, until one is set for them.
                expectRefused(Self.jifen(office, step.arguments), mentioning: "还没有密码")
                expectRefused(Self.jifen(office, step.arguments + ["--password-stdin"], input: "whatever-1\n"), mentioning: "还没有密码")
                expectOK(Self.jifen(office, ["actor", "password", "冒充者", "--by", "张书记", "--password-stdin"], input: "\(Self.admin)\nfake-admin-1\n"))
                impostorHasPassword = true
            }
            // No password, and no terminal to ask on: refused, saying how to give one.
            expectRefused(Self.jifen(office, step.arguments), mentioning: "--password-stdin")
            // A wrong password: refused.
            expectRefused(Self.jifen(office, step.arguments + ["--password-stdin"], input: "not-the-password\n"), mentioning: "姓名或密码不对")
            #expect(try office.eventCount() == before + (step.arguments.last == "冒充者" ? 1 : 0), "nothing written: \(step.arguments)")
            let run = Self.jifen(office, step.arguments + ["--password-stdin"], input: step.password + "\n")
            #expect(run.status == 0, "\(step.arguments): \(run.err)")
            #expect(try office.eventCount() > before, "written: \(step.arguments)")
        }
    }

    @Test func aPersonChangesTheirOwnAndAnAdministratorResetsAnothers() throws {
        let office = try Self.village()
        // Their own: the old one first, then the new.
        expectOK(Self.jifen(office, ["actor", "password", "王会计", "--by", "王会计", "--password-stdin"], input: "\(Self.clerk)\nnew-clerk-pw\n"))
        expectRefused(Self.jifen(office, ["record", "add", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计", "--password-stdin"],
                                 input: Self.clerk + "\n"), mentioning: "姓名或密码不对")
        expectOK(Self.jifen(office, ["record", "add", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计", "--password-stdin"],
                            input: "new-clerk-pw\n"))
        // Not another's, unless an administrator.
        expectRefused(Self.jifen(office, ["actor", "password", "赵主任", "--by", "王会计", "--password-stdin"], input: "new-clerk-pw\nother-pw-123\n"),
                      mentioning: "设置别人的密码")
        expectOK(Self.jifen(office, ["actor", "password", "王会计", "--by", "张书记", "--password-stdin"], input: "\(Self.admin)\nreset-by-admin\n"))
        expectOK(Self.jifen(office, ["record", "add", "H001", "A1.2", "--date", "2025-03-07", "--by", "王会计", "--password-stdin"],
                            input: "reset-by-admin\n"))
        // Too short: said with the minimum.
        expectRefused(Self.jifen(office, ["actor", "password", "王会计", "--by", "王会计", "--password-stdin"], input: "reset-by-admin\nshort\n"),
                      mentioning: "至少要 \(PasswordRule.minimumLength) 个字符")
        // The chain says who set whose, never the secret.
        let log = try #require(try office.json("log") as? [[String: Any]])
        let sets = log.filter { ($0["type"] as? String) == "v1.passwordSet" }
        #expect(sets.count == 5)
        #expect(sets.last?["actor"] as? String == "张书记")
    }

    @Test func anUnknownNameIsRefusedAsAWrongPasswordIs() throws {
        let office = try Self.village()
        let unknown = Self.jifen(office, ["record", "add", "H001", "A1.2", "--by", "无此人", "--password-stdin"], input: "anything-at-all\n")
        let wrong = Self.jifen(office, ["record", "add", "H001", "A1.2", "--by", "王会计", "--password-stdin"], input: "anything-at-all\n")
        expectRefused(unknown, mentioning: "姓名或密码不对")
        #expect(unknown.err == wrong.err)
        #expect(unknown.status == wrong.status)
    }

    @Test func readsStayOpenAndALedgerWithoutPasswordsWorksAsBefore() throws {
        let office = try Self.village()
        for arguments in [["balance", "H001"], ["log"], ["actor", "list"], ["verify"]] {
            expectOK(try office.jifen(arguments: arguments))
        }
        let plain = try Office()
        try plain.smallVillage()
        try expectOK(plain.jifen("record", "add", "H001", "A1.1", "--by", "王会计"))
        let list = try plain.jifen("actor", "list")
        #expect(!list.out.contains("密码"), "no column of passwords before there are any")
    }

    /// `rebuild` folds the projections again and leaves the passwords; `verify` finds the ledger valid; the hash is in
    /// no export and no JSON.
    @Test(arguments: ["1", "2"])
    func rebuildKeepsPasswordsAndNoOutputHoldsAHash(format: String) throws {
        let office = try Self.village(format: format)
        let hashes = try office.sqlite("SELECT hash FROM credentials")
        #expect(hashes.count == 3 && hashes.allSatisfy { $0.hasPrefix("$2b$") })
        try expectOK(office.jifen("rebuild"))
        try expectOK(office.jifen("verify"))
        #expect(try office.sqlite("SELECT hash FROM credentials") == hashes)
        expectOK(Self.jifen(office, ["record", "add", "H001", "A1.2", "--date", "2025-03-06", "--by", "王会计", "--password-stdin"],
                            input: Self.clerk + "\n"))
        let actors = try #require(try office.json("actor", "list") as? [[String: Any]])
        #expect(actors.filter { $0["passwordSince"] != nil }.count == 3)
        try expectOK(office.jifen("audit", "export", "--out", "all.jsonl"))
        try expectOK(office.jifen("audit", "export", "--format", "csv", "--out", "all.csv"))
        var outputs = [try String(contentsOfFile: office.path("all.jsonl"), encoding: .utf8),
                       try String(contentsOfFile: office.path("all.csv"), encoding: .utf8)]
        for arguments in [["log"], ["actor", "list"], ["verify"], ["history", "H001"], ["balance", "H001"]] {
            let run = try office.jifen(arguments: arguments + ["--json"])
            expectOK(run)
            outputs.append(run.out)
        }
        for output in outputs {
            #expect(!output.contains("$2b$") && !hashes.contains { output.contains(String($0.suffix(31))) }, "a hash in an output")
        }
    }

    /// More than five failures of a name within fifteen minutes refuse it, even with the right password, until the
    /// window passes; the clock is the ledger's environment's, moved by hand.
    @Test func wrongPasswordsRefuseTheNameForTheRestOfTheWindow() throws {
        let office = try Self.village()
        let clock = Clock(Date(timeIntervalSince1970: 1_800_000_000))
        let ledger = try Ledger(path: office.path("jifen.sqlite"), environment: LedgerEnvironment(now: { clock.now }, newId: { UUID().uuidString.lowercased() }))
        for _ in 0..<PasswordRule.failuresAllowed {
            #expect(throws: PasswordRefusal.wrong) { try ledger.checkPassword(name: "王会计", password: "guess-guess") }
            clock.advance(60)
        }
        // Five failures in five minutes: the right password is refused too, for the rest of the window.
        #expect(throws: PasswordRefusal.throttled(minutes: 10)) { try ledger.checkPassword(name: "王会计", password: Self.clerk) }
        // Another name is not affected.
        try ledger.checkPassword(name: "赵主任", password: Self.reviewer)
        clock.advance(10 * 60 + 1)
        try ledger.checkPassword(name: "王会计", password: Self.clerk)
        // The right one cleared the failures: four more are allowed again before the limit.
        for _ in 0..<(PasswordRule.failuresAllowed - 1) {
            #expect(throws: PasswordRefusal.wrong) { try ledger.checkPassword(name: "王会计", password: "guess-again") }
        }
        try ledger.checkPassword(name: "王会计", password: Self.clerk)
        // An unknown name is counted and refused the same way.
        for _ in 0..<PasswordRule.failuresAllowed {
            #expect(throws: PasswordRefusal.wrong) { try ledger.checkPassword(name: "无此人", password: "guess-guess") }
        }
        #expect(throws: PasswordRefusal.throttled(minutes: 15)) { try ledger.checkPassword(name: "无此人", password: "guess-guess") }
    }

    /// Through the facade, as the server will call it: a write is refused until the actor is proven, by a password
    /// checked here or by the caller's own session.
    @Test func theFacadeRefusesAnUnprovenWriteAndTakesAProvenOne() throws {
        let office = try Self.village()
        let ledger = try Ledger(path: office.path("jifen.sqlite"))
        #expect(try ledger.passwordsInForce())
        #expect(throws: Rejection.passwordRequired("张书记")) { try ledger.execute(.addUnit("U08", name: "八组", leader: nil), by: "张书记") }
        #expect(throws: Rejection.passwordNotSet("李店长")) { try ledger.execute(.receiveStock("salt", quantity: 1, source: ""), by: "李店长") }
        ledger.askForPasswords(with: { _ in "not-it-at-all" })
        #expect(throws: PasswordRefusal.wrong) { try ledger.execute(.addUnit("U08", name: "八组", leader: nil), by: "张书记") }
        ledger.trustAuthenticated("张书记")
        try ledger.execute(.addUnit("U08", name: "八组", leader: nil), by: "张书记")
        let other = try Ledger(path: office.path("jifen.sqlite"))
        other.askForPasswords(with: { _ in Self.clerk })
        try other.execute(.recordScore("H001", "A1.2", points: nil, note: "", source: nil), by: "王会计", on: LocalDate("2025-03-09"))
    }

    @Test func theRuleOfTheWindow() {
        let now = 10_000.0
        #expect(PasswordRule.refusal(failures: [], now: now) == nil)
        #expect(PasswordRule.refusal(failures: Array(repeating: now - 1, count: 4), now: now) == nil)
        #expect(PasswordRule.refusal(failures: Array(repeating: now - 1, count: 5), now: now) == .throttled(minutes: 15))
        #expect(PasswordRule.refusal(failures: Array(repeating: now - PasswordRule.window, count: 9), now: now) == nil, "outside the window")
        #expect(PasswordRule.problem(with: "1234567") == .tooShort(minimum: 8))
        #expect(PasswordRule.problem(with: "12345678") == nil)
        #expect(PasswordRule.problem(with: String(repeating: "密", count: 25)) == .tooLong(maximumBytes: 72))
        #expect(PasswordRule.problem(with: "abc\u{7}defgh") == .controlCharacter)
    }
}

/// A clock a test moves by hand.
final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: Date
    init(_ start: Date) { instant = start }
    var now: Date { lock.lock(); defer { lock.unlock() }; return instant }
    func advance(_ seconds: TimeInterval) { lock.lock(); instant += seconds; lock.unlock() }
}
