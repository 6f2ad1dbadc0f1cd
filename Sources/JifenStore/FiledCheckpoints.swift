import Foundation
import GRDB
import JifenAudit
import JifenCore

extension EventStore {
    /// Whether the ledger still extends a checkpoint: the same ledger, holding the checkpoint's event with the
    /// checkpoint's hash. (The chain from there on is `verify`'s to check.)
    public func extends(_ checkpoint: Checkpoint, ledgerId: String) throws -> (english: String, chinese: String)? {
        guard checkpoint.ledgerId == ledgerId else {
            return ("the checkpoint is of another ledger (\(checkpoint.village), \(checkpoint.ledgerId))",
                    "这份签名存证属于另一本账（\(checkpoint.village)，\(checkpoint.ledgerId)）")
        }
        guard let hash = try hash(at: checkpoint.seq) else {
            return ("the ledger no longer holds event #\(checkpoint.seq) of the checkpoint: its log was cut",
                    "账本里已经没有签名存证所签的第 \(checkpoint.seq) 条事件：流水被截短了")
        }
        guard hash.hex == checkpoint.head else {
            return ("event #\(checkpoint.seq) is not the one the checkpoint signed: the log up to it was rewritten, or the ledger forked",
                    "第 \(checkpoint.seq) 条事件已不是签名时的那一条：此前的流水被改写过，或账本被分叉了")
        }
        return nil
    }
}

/// A checkpoint filed in the ledger: the event that filed it, the day, and what it holds.
public struct FiledCheckpoint: Sendable, Hashable {
    public let seq: Int64
    public let filedOn: LocalDate
    public let checkpoint: CheckpointRecorded
}

extension StoreSession {
    /// Every checkpoint filed in the ledger, oldest first (read through the unique index on the stream).
    public func checkpoints(latestOnly: Bool = false) throws -> [FiledCheckpoint] {
        let sql = "SELECT * FROM events WHERE stream = 'checkpoint' ORDER BY stream_version" + (latestOnly ? " DESC LIMIT 1" : "")
        return try Row.fetchAll(db, sql: sql).map(StoreSession.recordedEvent).compactMap { recorded in
            guard case .checkpointRecorded(let checkpoint) = recorded.event else { return nil }
            return FiledCheckpoint(seq: recorded.seq, filedOn: recorded.occurredOn, checkpoint: checkpoint)
        }
    }
}

extension EventStore {
    /// Each checkpoint filed in the ledger still holds: it signs an earlier event of this very log, with that event's
    /// hash, and every signature on it verifies. Each problem names the event that filed the checkpoint.
    public func verifyFiledCheckpoints(ledgerId: String, village: String) throws -> [VerifyReport.Problem] {
        let filed = try read { try $0.checkpoints() }
        return try filed.flatMap { try problems(of: $0, as: Checkpoint($0.checkpoint, ledgerId: ledgerId, village: village), ledgerId: ledgerId) }
    }

    /// What is wrong with one filed checkpoint (`point`, read from `entry`): no signature, a signature that does not
    /// verify, a signed event that is not before the filing one, or a signed head this log does not hold. Empty when
    /// it holds.
    func problems(of entry: FiledCheckpoint, as point: Checkpoint, ledgerId: String) throws -> [VerifyReport.Problem] {
        var problems: [VerifyReport.Problem] = []
        if point.signatures.isEmpty {
            problems.append(.init(seq: entry.seq, zh: "它登记的签名存证上没有任何签名", en: "the checkpoint it files carries no signature"))
        }
        for key in point.badSignatures {
            problems.append(.init(seq: entry.seq, zh: "它登记的签名存证上，密钥 \(key) 的签名核验不通过",
                                  en: "the signature of key \(key) on the checkpoint it files does not verify"))
        }
        if point.seq >= entry.seq {
            problems.append(.init(seq: entry.seq, zh: "它登记的签名存证签的是第 \(point.seq) 条事件，不在它之前",
                                  en: "the checkpoint it files signs event #\(point.seq), which is not before it"))
        } else if let broken = try extends(point, ledgerId: ledgerId) {
            problems.append(.init(seq: entry.seq, zh: "它登记的签名存证不成立：\(broken.chinese)", en: "the checkpoint it files does not hold: \(broken.english)"))
        }
        return problems
    }
}
