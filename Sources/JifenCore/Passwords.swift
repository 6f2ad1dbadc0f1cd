/// A password's slow salted hash (bcrypt, `$2b$…`), as the facade made it. It travels with `Command.setPassword` to
/// the store, which keeps it in the `credentials` table, outside the chain and outside the projections; no event
/// carries it. It never says itself: its description, as printed or logged, is a placeholder.
public struct PasswordHash: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The hash as stored (bcrypt's modular crypt format).
    public let encoded: String

    public init(encoded: String) {
        self.encoded = encoded
    }

    public var description: String { "PasswordHash(…)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Why a password was not accepted, or could not be had: the facade's refusals (checking a password is not the
/// domain's `decide`), typed and worded in both languages as `Rejection` is. Each says in one sentence what was wrong
/// and what to do; `how` is the caller's own way to do it (an option to give).
public enum PasswordRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name or the password is wrong: one message for both, so that it does not tell which names exist.
    case wrong
    /// More than `PasswordRule.failuresAllowed` failures for this name within `PasswordRule.window`: refused,
    /// even with the right password, for `minutes` more.
    case throttled(minutes: Int)
    /// A new password shorter than `PasswordRule.minimumLength` characters.
    case tooShort(minimum: Int)
    /// A new password longer than bcrypt reads (`PasswordRule.maximumBytes` bytes of UTF-8).
    case tooLong(maximumBytes: Int)
    /// The new password was typed twice, differently.
    case mismatch
    /// A password is needed and there is no way to ask for one (no terminal, and none on standard input).
    case unavailable(ActorName)
    /// A password with a control character or a line break (it could not be typed again the same way).
    case controlCharacter

    public var description: String { english(how: nil) }
    public var chinese: String { chinese(how: nil) }

    public func english(how: String?) -> String {
        let hint = how.map { " (\($0))" } ?? ""
        switch self {
        case .wrong: return "The name or the password is wrong; check both and try again."
        case .throttled(let minutes):
            return "Too many wrong passwords for this name in the last \(PasswordRule.windowMinutes) minutes; wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again."
        case .tooShort(let minimum): return "A password needs at least \(minimum) characters; choose a longer one."
        case .tooLong(let maximum): return "A password may be at most \(maximum) bytes long; choose a shorter one."
        case .mismatch: return "The two passwords typed differ; type the same new password twice."
        case .unavailable(let actor):
            return "This ledger has passwords and there is no terminal to ask for \(actor)'s; pass it on standard input\(hint)."
        case .controlCharacter: return "A password may not hold control characters or line breaks; choose another."
        }
    }

    public func chinese(how: String?) -> String {
        let hint = how.map { "（\($0)）" } ?? ""
        switch self {
        case .wrong: return "姓名或密码不对；请核对后重试。"
        case .throttled(let minutes):
            return "这个姓名在 \(PasswordRule.windowMinutes) 分钟内输错密码次数过多；请等 \(minutes) 分钟后再试。"
        case .tooShort(let minimum): return "密码至少要 \(minimum) 个字符；请换一个更长的密码。"
        case .tooLong(let maximum): return "密码最长 \(maximum) 个字节；请换一个短一些的密码。"
        case .mismatch: return "两次输入的新密码不一致；请把同一个新密码输入两次。"
        case .unavailable(let actor):
            return "这本账已设密码，但没有终端可以询问 \(actor) 的密码；请从标准输入提供密码\(hint)。"
        case .controlCharacter: return "密码里不能有控制字符或换行；请换一个密码。"
        }
    }
}

/// The rules of passwords, in one place for the CLI and the server: how long a new one must be, and how many wrong
/// ones a name may have before it is refused for a while.
public enum PasswordRule {
    /// The fewest characters of a new password.
    public static let minimumLength = 8
    /// bcrypt reads at most 72 bytes of a password; a longer one is refused rather than cut short unseen.
    public static let maximumBytes = 72
    /// More than this many failures of one name within `window` seconds, and the name is refused until the oldest
    /// of them is older than the window.
    public static let failuresAllowed = 5
    public static let windowMinutes = 15
    public static let window: Double = Double(windowMinutes * 60)

    /// What is wrong with a new password, if anything.
    public static func problem(with password: String) -> PasswordRefusal? {
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            return .controlCharacter
        }
        if password.count < minimumLength { return .tooShort(minimum: minimumLength) }
        if password.utf8.count > maximumBytes { return .tooLong(maximumBytes: maximumBytes) }
        return nil
    }

    /// Whether a name with failures at these instants (seconds since 1970) is refused at `now`, and for how many whole
    /// minutes more (at least 1): refused once `failuresAllowed` failures lie within the window, until the oldest of
    /// the last `failuresAllowed` of them leaves it.
    public static func refusal(failures: [Double], now: Double) -> PasswordRefusal? {
        let recent = failures.filter { $0 > now - window && $0 <= now }.sorted()
        guard recent.count >= failuresAllowed else { return nil }
        let oldest = recent[recent.count - failuresAllowed]
        let seconds = oldest + window - now
        return .throttled(minutes: max(1, Int((seconds / 60).rounded(.up))))
    }
}
