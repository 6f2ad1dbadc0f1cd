import Foundation
import Testing

/// The password asked on a terminal: the real binary on a pseudo-terminal (Python's `pty`), typing as a person would.
/// The prompt is said, what is typed is not echoed, and a wrong password is refused.
@Suite struct PasswordTerminal {
    /// Runs the program on a pseudo-terminal; each time the screen shows the next prompt, types the next line. Prints
    /// the screen as it was, then exits with the program's status.
    static let drive = #"""
        import os, pty, sys, time
        program, answers = sys.argv[1], sys.argv[2].split("\n")
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(program, [program] + sys.argv[3:])
        screen = b""
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
            text = screen.decode("utf-8", "replace")
            if answers and text.rstrip().endswith(("：", ": ")):
                time.sleep(0.2)
                os.write(fd, (answers.pop(0) + "\n").encode())
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(screen.decode("utf-8", "replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """#

    func type(_ office: Office, _ answers: [String], _ arguments: String...) throws -> Run {
        try office.run("/usr/bin/env", ["python3", "drive.py", jifenBinary.path, answers.joined(separator: "\n")] + arguments)
    }

    @Test func thePasswordIsAskedOnTheTerminalWithoutEcho() throws {
        let office = try Office(.binary)
        try office.write("drive.py", Self.drive)
        try expectOK(office.jifen("init", "--village", "牛角村", "--admin", "张书记"))
        // The first password, typed twice.
        let set = try type(office, ["typed-secret-1", "typed-secret-1"], "actor", "password", "张书记", "--by", "张书记")
        #expect(set.status == 0, "\(set.out)\(set.err)")
        #expect(set.out.contains("请输入 张书记 的新密码：") && set.out.contains("请再输入一次："), "\(set.out)")
        // A write asks for the acting person's password, once.
        let write = try type(office, ["typed-secret-1"], "unit", "add", "U01", "--name", "一组", "--by", "张书记")
        #expect(write.status == 0, "\(write.out)\(write.err)")
        #expect(write.out.components(separatedBy: "请输入 张书记 的密码：").count == 2, "\(write.out)")
        #expect(write.out.contains("已添加联户 U01"))
        // A wrong one is refused, and nothing typed is ever on the screen.
        let wrong = try type(office, ["wrong-typed-2"], "unit", "add", "U02", "--name", "二组", "--by", "张书记")
        #expect(wrong.status == 1 && wrong.out.contains("姓名或密码不对"), "\(wrong.out)")
        // Two different new passwords: refused.
        let differ = try type(office, ["typed-secret-1", "new-secret-3", "new-secret-4"], "actor", "password", "张书记", "--by", "张书记")
        #expect(differ.status == 1 && differ.out.contains("两次输入的新密码不一致"), "\(differ.out)")
        for screen in [set.out, write.out, wrong.out, differ.out] {
            #expect(!screen.contains("secret") && !screen.contains("typed"), "echoed: \(screen)")
        }
        let units = try office.jifen("unit", "list")
        #expect(units.out.contains("U01") && !units.out.contains("U02"))
    }
}

/// Damage to what passwords keep beside the chain: a clean refusal or a finding of `verify`, never a crash, and never a
/// write let through without a password. (`verify` holds the passwords' table to the log's v1.passwordSet events: a
/// hash that is not bcrypt's, or none where the log set one, is a finding.)
@Suite struct PasswordDamage {
    @Test(arguments: [
        ("UPDATE credentials SET hash = 'not a hash'", 1, true),
        ("UPDATE credentials SET hash = 5", 1, true),
        ("UPDATE credentials SET hash = x'00ff'", 1, true),
        ("DELETE FROM credentials", 1, true),
        ("UPDATE p_actors SET password_since = NULL", 1, true),
        ("UPDATE p_actors SET password_since = '2025/01/01'", 2, true),
        ("DROP TABLE credentials", 2, true),
        ("DROP TABLE login_failures", 2, true),
        ("INSERT INTO login_failures VALUES ('张书记', 'banana')", 0, false),
        // SQLite refuses a name or a hash of NULL outright (NOT NULL): nothing to read then.
        ("UPDATE credentials SET actor = NULL", -1, false),
        ("UPDATE credentials SET hash = NULL", -1, false),
        ("UPDATE login_failures SET failed_at = NULL", -1, false),
    ])
    func damageIsRefusedOrFound(damage: String, writeStatus: Int32, verifyFinds: Bool) throws {
        let office = try Office()
        try expectOK(office.jifen("init", "--village", "牛角村", "--admin", "张书记"))
        expectOK(Passwords.jifen(office, ["actor", "password", "张书记", "--by", "张书记", "--password-stdin"], input: "right-password\n"))
        if writeStatus < 0 {
            _ = Passwords.jifen(office, ["unit", "add", "U07", "--name", "七组", "--by", "张书记", "--password-stdin"], input: "wrong-password\n")
            let refused = try office.run("/usr/bin/env", ["sqlite3", "jifen.sqlite", damage])
            #expect(refused.status != 0 && refused.err.contains("NOT NULL"), "\(damage): \(refused.err)")
            return
        }
        _ = try office.sqlite(damage)
        let verify = try office.jifen("verify")
        #expect(verify.status == (verifyFinds ? 2 : 0), "\(damage): verify \(verify.status) \(verify.err)")
        let before = try office.sqlite("SELECT count(*) FROM events")
        // The right password: damage to the hash refuses it as a wrong one; damage to the schema or the projection is named.
        let write = Passwords.jifen(office, ["unit", "add", "U09", "--name", "九组", "--by", "张书记", "--password-stdin"],
                                    input: "right-password\n")
        #expect(write.status == writeStatus, "\(damage): \(write.err)")
        #expect(!write.err.contains("Fatal error"))
        if write.status != 0 { #expect(try office.sqlite("SELECT count(*) FROM events") == before, "\(damage): nothing written") }
        // Without a password nothing is ever let through.
        let bare = Passwords.jifen(office, ["unit", "add", "U08", "--name", "八组", "--by", "张书记"])
        #expect(bare.status != 0, "\(damage): a write without a password went through")
    }
}
