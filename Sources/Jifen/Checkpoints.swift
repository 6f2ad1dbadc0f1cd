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

    /// `verify --since-checkpoint`: only what came after the latest checkpoint filed in the ledger that itself verifies
    /// (and that `signed` accepts: the auditor's keys signed it), so that a daily check costs the day's events — the
    /// chain from the checkpoint's signed head on, the schema and triggers, the new rows' constraints and index
    /// entries; for auditors also what the new events name. The checkpoints filed after it that do not verify are
    /// findings. With no checkpoint that verifies, the whole ledger is verified (`verify(audit:)`) and the result says
    /// why. The tables against a replay, the stock and the balance identities are left to the full verify.
    public func verifySinceCheckpoint(audit: Bool, signed: (Checkpoint) -> Bool = { _ in true },
                                      progress: (@Sendable (Int64, Int64) -> Void)? = nil) throws -> IncrementalVerification {
        let info = try info()
        let (anchor, passedOver, problems) = try LedgerError.translating {
            try store.latestVerifyingCheckpoint(ledgerId: info.ledgerId, village: info.village, signed: signed)
        }
        guard let anchor else {
            var report = try verify(audit: audit, progress: progress)
            // (An auditor's full verify names the checkpoints that do not hold already.)
            if !audit { report.problems += problems }
            let filed = try checkpoints().count
            let why: (english: String, chinese: String) = filed == 0
                ? ("no checkpoint is filed in the ledger", "账本中还没有登记签名存证")
                : passedOver > 0 && problems.isEmpty
                ? ("none of the \(filed) checkpoints filed carries every signature asked for", "登记的 \(filed) 个签名存证都缺少所要求的签名")
                : ("none of the \(filed) checkpoints filed verifies", "登记的 \(filed) 个签名存证没有一个核验通过")
            return IncrementalVerification(anchor: nil, noAnchor: why, report: report, through: report.events)
        }
        var (report, through) = try LedgerError.translating { try store.verifyEvents(after: anchor, audit: audit, progress: progress) }
        report.problems = problems + report.problems
        return IncrementalVerification(anchor: anchor, noAnchor: nil, report: report, through: through)
    }
}
