import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the county's helper programs (`jifen-sync`, `jifen-county`, which `jifen` hands `sync` and `county … --postgres`
/// over to) say to a person: one sentence in their language, Chinese unless told otherwise.
public enum Talk {
    /// Whether to speak Chinese; set once from `--lang` or `JIFEN_LANG` before anything is said.
    nonisolated(unsafe) public static var chinese = true

    /// Prints the sentence in the chosen language, at once.
    public static func say(_ zh: String, _ en: String) {
        print(chinese ? zh : en)
        fflush(nil)
    }
}

/// A refusal: one sentence in the user's language; exit 1, or 2 when a ledger or the county's copy is damaged or they
/// disagree.
public struct Refusal: Error {
    public let text: String, status: Int32

    public init(_ zh: String, _ en: String, status: Int32 = 1) {
        text = Talk.chinese ? zh : en
        self.status = status
    }
}

extension Refusal {
    /// Says the refusal on standard error, as `jifen` says its own, and exits with its status.
    public func exit() -> Never {
        FileHandle.standardError.write(Data("jifen: \(text)\n".utf8))
        Foundation.exit(status)
    }
}

/// A password typed by a person: on a terminal, asked for with echo off (twice when it is being set); otherwise one line
/// of standard input.
public enum Secret {
    /// `again`: the prompt to type it a second time (a password being set); nil to ask once (a login).
    public static func read(prompt: String, again: String?) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw Refusal("请从标准输入给出密码（一行）。", "Give the password on standard input (one line).")
            }
            return line
        }
        let first = quietLine(prompt)
        guard let first, !first.isEmpty else { throw Refusal("没有输入密码；什么也没有改动。", "No password was typed; nothing was changed.") }
        guard let again else { return first }
        guard first == quietLine(again) else { throw Refusal("两次输入的密码不一样；什么也没有改动，请重来。", "The two passwords differ; nothing was changed, try again.") }
        return first
    }

    /// The terminal as it was before echo was turned off, for the signal handler to put back.
    nonisolated(unsafe) private static var saved = termios()

    /// One line of the terminal, not shown as it is typed. Interrupted (Ctrl-C, a kill), the terminal is given its echo
    /// back before the process ends, so that the shell it returns to shows what is typed.
    private static func quietLine(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        let quiet = tcgetattr(STDIN_FILENO, &saved) == 0
        var handlers: [(Int32, sig_t?)] = []
        if quiet {
            for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
                handlers.append((signal, Glibc.signal(signal) { number in
                    _ = tcsetattr(STDIN_FILENO, TCSANOW, &Secret.saved)
                    _exit(128 + number)
                }))
            }
            var off = saved
            off.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &off)
        }
        defer {
            if quiet {
                _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                for (signal, handler) in handlers { _ = Glibc.signal(signal, handler) }
            }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }
}
