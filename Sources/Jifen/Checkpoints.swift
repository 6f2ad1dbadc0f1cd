import JifenAudit
import JifenCore
import JifenStore

// The facade's reads about signed checkpoints. `Checkpoint` and `FiledCheckpoint` are the audit code's types.

extension Ledger {
    /// Every checkpoint filed in the ledger, oldest first.
    public func checkpoints() throws -> [FiledCheckpoint] {
        try read { try $0.checkpoints() }
    }

    /// Whether this ledger still extends `checkpoint` (the same ledger, holding its event with its hash); nil when it
    /// does, else why not, in English and in Chinese.
    public func extends(_ checkpoint: Checkpoint) throws -> (english: String, chinese: String)? {
        let info = try info()
        return try LedgerError.translating { try store.extends(checkpoint, ledgerId: info.ledgerId) }
    }
}
