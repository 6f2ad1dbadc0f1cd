import Crypto
import Foundation
import GRDB
import JifenCore

/// A signing key of the village committee or the township (Ed25519), kept in a file readable by its owner only.
public struct SigningKey {
    public let key: Curve25519.Signing.PrivateKey

    public static let privateHeader = "jifen ed25519 private key", publicHeader = "jifen ed25519 public key"

    public init() { key = Curve25519.Signing.PrivateKey() }

    public init(file text: String) throws {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2, lines[0] == Self.privateHeader, let raw = Data(base64Encoded: lines[1]),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw CheckpointError("that is not a key written by `jifen key new`")
        }
        self.key = key
    }

    public var privateFile: String { "\(Self.privateHeader)\n\(key.rawRepresentation.base64EncodedString())\n" }
    public var publicFile: String { "\(Self.publicHeader)\n\(key.publicKey.rawRepresentation.base64EncodedString())\n" }

    public static func publicKey(file text: String) throws -> Curve25519.Signing.PublicKey {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2, lines[0] == publicHeader, let raw = Data(base64Encoded: lines[1]),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw CheckpointError("that is not a public key written by `jifen key new`")
        }
        return key
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A signed statement of where the log stood: the ledger, the position, the head hash and the time. Whoever holds
/// it can later prove the ledger still extends it — nothing up to that position was rewritten, reordered or
/// removed — however the village's computer was treated since.
public struct Checkpoint: Codable, Sendable, Equatable {
    public struct Signature: Codable, Sendable, Equatable {
        /// The signer's public key and signature, base64.
        public let publicKey: String
        public let signature: String
    }

    public var format = "jifen-checkpoint/1"
    public let ledgerId: String
    public let village: String
    public let seq: Int64
    public let head: String
    /// UTC, ISO 8601.
    public let time: String
    public var signatures: [Signature]

    public init(ledgerId: String, village: String, seq: Int64, head: String, time: String) {
        self.ledgerId = ledgerId
        self.village = village
        self.seq = seq
        self.head = head
        self.time = time
        self.signatures = []
    }

    /// The exact bytes that are signed: the fields, one per line, in this order.
    public var message: Data {
        Data("\(format)\nledger \(ledgerId)\nvillage \(village)\nseq \(seq)\nhead \(head)\ntime \(time)\n".utf8)
    }

    /// Adds a signature (a first one, or the township's countersignature).
    public mutating func sign(with key: SigningKey) throws {
        let signature = try key.key.signature(for: message)
        signatures.append(Signature(publicKey: key.key.publicKey.rawRepresentation.base64EncodedString(),
                                    signature: signature.base64EncodedString()))
    }

    /// The checkpoint as it is filed in the ledger it signs (the ledger's id and name are the ledger's own).
    public var recorded: CheckpointRecorded {
        CheckpointRecorded(seq: seq, head: head, time: time, signatures: signatures.map {
            CheckpointRecorded.Signature(publicKey: $0.publicKey, signature: $0.signature) })
    }

    /// A checkpoint filed in a ledger, with that ledger's id and name.
    public init(_ recorded: CheckpointRecorded, ledgerId: String, village: String) {
        self.init(ledgerId: ledgerId, village: village, seq: recorded.seq, head: recorded.head, time: recorded.time)
        signatures = recorded.signatures.map { Signature(publicKey: $0.publicKey, signature: $0.signature) }
    }

    /// The signatures that do not verify over this checkpoint's message (by their public key), and whether there is
    /// at least one signature at all.
    public var badSignatures: [String] {
        signatures.filter { signature in
            guard let raw = Data(base64Encoded: signature.publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
                  let bytes = Data(base64Encoded: signature.signature) else { return true }
            return !key.isValidSignature(bytes, for: message)
        }.map { Checkpoint.fingerprint(publicKey: $0.publicKey) }
    }

    /// A short name for a public key (base64 as in the key file): the first 16 hex digits of SHA-256 over its raw
    /// bytes, as `jifen checkpoint list` prints it.
    public static func fingerprint(publicKey: String) -> String {
        guard let raw = Data(base64Encoded: publicKey) else { return "?" }
        return String(Data(SHA256.hash(data: raw)).hex.prefix(16))
    }

    /// Whether `key` signed exactly this checkpoint.
    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        let raw = key.rawRepresentation.base64EncodedString()
        return signatures.contains { signature in
            signature.publicKey == raw && Data(base64Encoded: signature.signature).map { key.isValidSignature($0, for: message) } == true
        }
    }
}

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
        var problems: [VerifyReport.Problem] = []
        for entry in filed {
            let point = Checkpoint(entry.checkpoint, ledgerId: ledgerId, village: village)
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
        }
        return problems
    }
}
