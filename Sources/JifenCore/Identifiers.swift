import Foundation
import Tagged

/// Phantom tags so that a household code can never be passed where a rule code is expected.
public enum HouseholdTag {}
public enum UnitTag {}
public enum RuleTag {}
public enum ItemTag {}
public enum ActorTag {}

/// A household's code in the village register (户号), e.g. `H001`.
public typealias HouseholdCode = Tagged<HouseholdTag, String>
/// A joint unit's code (联户), e.g. `U01`.
public typealias UnitCode = Tagged<UnitTag, String>
/// A scoring rule's code in the scheme, e.g. `A1.2`.
public typealias RuleCode = Tagged<RuleTag, String>
/// A points-shop item's code, e.g. `oil`.
public typealias ItemCode = Tagged<ItemTag, String>
/// The person who caused an event (a clerk's name, a shopkeeper's name).
public typealias ActorName = Tagged<ActorTag, String>

/// Unicode's composed form (NFC) of what a person typed. Swift compares strings by canonical equivalence — `é` as one
/// character equals `e` and a combining accent — while SQLite and PostgreSQL compare a code's bytes: two codes that
/// only differ so would be one household to the fold and two to the tables, and a ledger that `verify` rejects (the
/// projection no longer matches the replay). So every code and name that comes in is composed before it is decided
/// on or looked up (`decide`, `Tagged(typed:)`), and the log holds them composed. Events already written keep their
/// bytes: the log is never rewritten.
public enum Composed {
    /// `text` in NFC. Below U+0300 (ASCII, Latin-1, Latin Extended) and the common Chinese characters (U+4E00–U+9FFF)
    /// every character is composed already and composes with nothing (no combining mark is among them), so the usual
    /// code or name is handed back as it is, found so from its UTF-8 bytes (`decide` composes every command: a million
    /// of them in an import).
    public static func text(_ text: String) -> String {
        var text = text
        let usual = text.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                switch bytes[index] {
                case 0x00..<0x80: index += 1
                case 0xC2...0xCB: index += 2   // U+0080–U+02FF
                case 0xE4 where bytes[index + 1] >= 0xB8, 0xE5...0xE9: index += 3   // U+4E00–U+9FFF
                default: return false
                }
            }
            return true
        }
        return usual ? text : text.precomposedStringWithCanonicalMapping
    }
}

extension Tagged where RawValue == String {
    /// A code or a name as a person typed it, composed (`Composed`).
    public init(typed text: String) {
        self.init(rawValue: Composed.text(text))
    }

    /// The same code composed (`Composed`).
    public var composed: Self { Self(rawValue: Composed.text(rawValue)) }
}

/// Codes are typed by clerks and printed on paper: short, no spaces, no control characters, and never starting with
/// a character that makes a spreadsheet read the cell as a formula (`= + - @`, OWASP's CSV-injection rule).
public enum CodeSyntax {
    public static let lengthMax = 32

    /// Why a code is not acceptable, or nil when it is.
    public static func problem(with code: String) -> CodeProblem? {
        if code.isEmpty { return .empty }
        if code.count > lengthMax { return .longerThan(lengthMax) }
        if code.unicodeScalars.first.map(startsFormula) ?? false { return .startsLikeAFormula }
        if code.unicodeScalars.contains(where: { $0.properties.isWhitespace || !isPrintable($0) }) {
            return .spaceOrControlCharacter
        }
        return nil
    }

    /// `= + - @`: a cell starting with one of them is a formula to Excel and WPS.
    public static func startsFormula(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "=" || scalar == "+" || scalar == "-" || scalar == "@"
    }

    /// Not a control or format character, a line or paragraph separator, a surrogate, a private-use or an unassigned
    /// code point: something that shows as itself.
    public static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        default: return true
        }
    }
}

/// Free text — notes, reasons, names, sources, a village's name — may hold anything a person writes, tab included,
/// but no control character (a NUL, an escape sequence, a line break), no line or paragraph separator and no
/// bidirectional override, which would hide or rewrite what is shown.
public enum TextSyntax {
    /// The first character that free text may not hold, or nil when there is none.
    public static func forbidden(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { scalar in
            if scalar == "\t" { return false }
            // Printable ASCII and the common Chinese characters are never forbidden: no look-up of their category
            // (which was 3% of importing a tally sheet).
            if (0x20..<0x7F).contains(scalar.value) || (0x4E00...0x9FFF).contains(scalar.value) { return false }
            switch scalar.value {
            case 0x202A...0x202E, 0x2066...0x2069: return true
            default: break
            }
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }

    /// A character as a message names it: `U+001B`.
    public static func name(of scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// An idempotency key (`--key`) as a script gives it: printable, no control character or line break, at most
/// `lengthMax` characters, and not starting with `= + - @` (it is written to the audit export's CSV).
public enum KeySyntax {
    public static let lengthMax = 128

    /// Why a key is not acceptable, or nil when it is.
    public static func problem(with key: String) -> CodeProblem? {
        if key.isEmpty { return .empty }
        if key.count > lengthMax { return .longerThan(lengthMax) }
        if key.unicodeScalars.first.map(CodeSyntax.startsFormula) ?? false { return .startsLikeAFormula }
        if key.unicodeScalars.contains(where: { !CodeSyntax.isPrintable($0) }) {
            return .controlCharacterOrLineBreak
        }
        return nil
    }
}

/// A reference to a recorded event, as a clerk types it: its sequence number or its id.
public enum EventRef: Hashable, Sendable, CustomStringConvertible {
    case seq(Int64)
    case id(String)

    public init(_ text: String) {
        let trimmed = text.hasPrefix("#") ? String(text.dropFirst()) : text
        if let number = Int64(trimmed), number > 0 { self = .seq(number) } else { self = .id(text.lowercased()) }
    }

    public var description: String {
        switch self {
        case .seq(let seq): return "#\(seq)"
        case .id(let id): return id
        }
    }
}

/// Suggests the closest known code to a mistyped one (edit distance, ties broken by order).
public enum Nearest {
    public static func code(to wanted: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(wanted.lowercased())
        var best: (distance: Int, code: String)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.code) {
                best = (distance, candidate)
            }
        }
        guard let best, best.distance <= max(2, target.count / 2) else { return nil }
        return best.code
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
