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

/// Codes are typed by clerks and printed on paper: short, no spaces, no control characters.
public enum CodeSyntax {
    public static let lengthMax = 32

    /// Why a code is not acceptable, or nil when it is.
    public static func problem(with code: String) -> String? {
        if code.isEmpty { return "is empty" }
        if code.count > lengthMax { return "is longer than \(lengthMax) characters" }
        if code.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "contains a space or a control character"
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
