import JifenCore
import JifenStore

/// What an upgrade did (`Ledger.upgrade`).
public typealias UpgradeReport = JifenStore.UpgradeReport
/// Why a ledger was not brought to another stored format.
public typealias UpgradeError = JifenStore.UpgradeError

extension Ledger {
    /// Brings the ledger at `old` to stored format `format` in a new file at `new` (which must not exist), with the same
    /// events, sequence numbers and hashes: its head and its signed checkpoints verify against the new file as against
    /// the old. The old file is only read. Every event is checked as it is copied; an old file that does not verify is
    /// refused (`UpgradeError.damaged`) and nothing is left at `new` (`EventStore.upgrade`).
    public static func upgrade(from old: String, to new: String, format: LogFormat = .compact,
                               progress: ((Int64, Int64) -> Void)? = nil) throws -> UpgradeReport {
        try LedgerError.translating { try EventStore.upgrade(from: old, to: new, format: format, progress: progress) }
    }

    /// Where `upgrade` builds the new file before giving it its name (left only by a run that was killed, and removed
    /// by the next run to the same path).
    public static func upgradeWorkPath(for new: String) -> String {
        EventStore.upgradeWorkPath(for: new)
    }
}
