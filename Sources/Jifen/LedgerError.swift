import JifenCore
import JifenStore

/// Why the ledger could not be read or written, for the facade's callers: what kind of failure it is (to choose an
/// exit status, or later an HTTP status), and one sentence in English and in Chinese saying what to do.
///
/// Every failure of the store (a missing or foreign file, damage, SQLite busy, read-only or out of space, stored JSON
/// that does not decode) reaches callers as one of these; refusals of the domain stay `Rejection`s.
public struct LedgerError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No ledger at the path given.
        case noLedger
        /// The file is not a ledger (empty, another program's, not SQLite).
        case notALedger
        /// Someone else wrote the same stream at the same time.
        case conflict
        /// The file holds what jifen never writes, or fails a structural check.
        case damaged
        /// The file or its folder may not be written here.
        case readOnly
        /// Another writer held the ledger too long.
        case busy
        /// The disk is full.
        case diskFull
        /// Any other failure of the file.
        case unusable
    }

    public let kind: Kind
    public let description: String
    public let chinese: String
    /// The same failure as a finding of `verify`: a file that cannot be read as a sound ledger fails verification.
    public let finding: VerifyReport.Problem

    /// Damage is exit 2, like a ledger that fails verification.
    public var isDamage: Bool { kind == .damaged }

    public static func == (left: LedgerError, right: LedgerError) -> Bool {
        left.kind == right.kind && left.description == right.description && left.chinese == right.chinese
    }

    /// The store's failure `error` as the facade says it; nil when `error` is not one (a refusal, a caller's mistake).
    public init?(_ error: any Error) {
        if let error = error as? LedgerError {
            self = error
            return
        }
        guard let failure = StoreError(reading: error) else { return nil }
        description = failure.description
        chinese = failure.chinese
        finding = VerifyReport.Problem(reading: error)
        switch failure {
        case .noLedger: kind = .noLedger
        case .notALedger: kind = .notALedger
        case .streamVersionConflict: kind = .conflict
        case .damaged, .failedCheck, .corrupt: kind = .damaged
        case .readOnly: kind = .readOnly
        case .busy: kind = .busy
        case .diskFull: kind = .diskFull
        case .unusable: kind = .unusable
        }
    }

    /// Runs `body`, throwing the store's failures as `LedgerError`s and anything else as it is.
    static func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw LedgerError(error) ?? error
        }
    }
}
