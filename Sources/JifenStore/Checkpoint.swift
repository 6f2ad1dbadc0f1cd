import Crypto
import Foundation

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
    public func extends(_ checkpoint: Checkpoint, ledgerId: String) throws -> String? {
        guard checkpoint.ledgerId == ledgerId else { return "the checkpoint is of another ledger (\(checkpoint.village), \(checkpoint.ledgerId))" }
        guard let hash = try hash(at: checkpoint.seq) else {
            return "the ledger no longer holds event #\(checkpoint.seq) of the checkpoint: its log was cut"
        }
        guard hash.hex == checkpoint.head else {
            return "event #\(checkpoint.seq) is not the one the checkpoint signed: the log up to it was rewritten, or the ledger forked"
        }
        return nil
    }
}
