import Foundation

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
