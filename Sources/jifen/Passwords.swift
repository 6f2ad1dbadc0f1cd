import ArgumentParser
import Foundation
import Jifen
import JifenCore

/// Setting a password: `jifen actor password NAME --by ACTOR`.
struct ActorPassword: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Set a person's password (设置密码): an administrator's for anyone, anyone's for themselves.",
        discussion: """
            Once a ledger has any password, every write (record, approve, notice, shop, actor, …) asks for the \
            password of the one acting (--by): on a terminal without echo, or with --password-stdin from standard \
            input. Reads stay open to whoever holds the file.

            The first password of a ledger is set by an administrator with --by alone (there is nothing to prove yet), \
            e.g. `jifen actor password 张书记 --by 张书记`; from then on an administrator sets the others' \
            (`jifen actor password 王会计 --by 张书记`), and each person may change their own.

            On a terminal the new password is asked twice, without echo. With --password-stdin, standard input holds \
            one password a line: first the password of the one acting (--by), when the ledger already has passwords, \
            then the new password (once). E.g. `printf '%s\\n%s\\n' "$ADMIN_PW" "$NEW_PW" | jifen actor password 王会计 \
            --by 张书记 --password-stdin`. A password has at least \(PasswordRule.minimumLength) characters and at most \
            \(PasswordRule.maximumBytes) bytes. Only a slow salted hash (bcrypt) is kept, beside the chain, which \
            records only that the password was set, for whom and by whom.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The person whose password is set (e.g. 王会计).") var name: String
    @OptionGroup var actor: ActorOption
    @Option(help: ArgumentHelp("The day (default today).", valueName: "YYYY-MM-DD")) var date: LocalDate?

    func run() throws {
        let ledger = try options.open()
        let by = try actor.name()
        // The one acting first (their own password, when the ledger has passwords), then the new one.
        try ledger.prove(by)
        let password = try PasswordPrompt.newPassword(of: ActorName(typed: name))
        try ledger.setPassword(of: name, to: password, by: by, on: date)
        print(say(options.language, "已设置 \(name) 的密码。", "\(name)'s password is set."))
    }
}

/// Asks for passwords: from standard input, a line each, with `--password-stdin`; else on the terminal without echo;
/// else not at all (a refusal saying how to give one).
enum PasswordPrompt {
    /// The acting person's password, for a write on a ledger with passwords.
    static func password(of actor: ActorName) throws -> String? {
        let console = Console.current
        if console.passwordFromInput {
            guard let line = nextInputLine() else { throw PasswordRefusal.unavailable(actor) }
            return line
        }
        guard let typed = try Terminal.read(prompt: say(console.isEnglish ? .en : .zh, "请输入 \(actor) 的密码：", "Password of \(actor): ")) else {
            throw PasswordRefusal.unavailable(actor)
        }
        return typed
    }

    /// A new password for `actor`: the next line of standard input, or typed twice on the terminal.
    static func newPassword(of actor: ActorName) throws -> String {
        let console = Console.current
        let language: Language = console.isEnglish ? .en : .zh
        if console.passwordFromInput {
            guard let line = nextInputLine() else { throw PasswordRefusal.unavailable(actor) }
            return line
        }
        guard let first = try Terminal.read(prompt: say(language, "请输入 \(actor) 的新密码：", "New password of \(actor): ")) else {
            throw PasswordRefusal.unavailable(actor)
        }
        if let problem = PasswordRule.problem(with: first) { throw problem }
        guard let second = try Terminal.read(prompt: say(language, "请再输入一次：", "Once more: ")), second == first else {
            throw PasswordRefusal.mismatch
        }
        return first
    }

    /// The next line of standard input (without its line end), read whole the first time; nil when none is left.
    static func nextInputLine() -> String? {
        let console = Console.current
        if console.inputLines == nil {
            let text = String(decoding: console.readInput(), as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
            }
            if lines.last == "" { lines.removeLast() }
            console.inputLines = lines
        }
        guard var lines = console.inputLines, !lines.isEmpty else { return nil }
        let line = lines.removeFirst()
        console.inputLines = lines
        return line
    }

    /// A refusal of a password as `jifen` says it, with the option to use where it says how.
    static func sentence(_ refusal: PasswordRefusal, _ language: Language) -> String {
        let how: (zh: String, en: String)?
        switch refusal {
        case .unavailable: how = ("用 --password-stdin，从标准输入的第一行提供", "--password-stdin, with the password on the first line of standard input")
        case .wrong, .throttled, .tooShort, .tooLong, .mismatch, .controlCharacter: how = nil
        }
        return language == .zh ? refusal.chinese(how: how?.zh) : refusal.english(how: how?.en)
    }
}

/// The controlling terminal, read without echo.
enum Terminal {
    /// What is typed on the terminal after `prompt` (echo off), up to the line's end; nil when the run has no
    /// terminal (an in-process run, a cron job, a pipe with no controlling terminal).
    static func read(prompt: String) throws -> String? {
        guard Console.current.isProcess else { return nil }
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        _ = Output.writeAll(fd, Array(prompt.utf8))
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        _ = tcsetattr(fd, TCSAFLUSH, &quiet)
        defer { _ = tcsetattr(fd, TCSAFLUSH, &saved) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Foundation.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A || byte == 0x0D { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
