import Crypto
import Foundation
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
        return String(SHA256.hash(data: raw).lowercaseHex.prefix(16))
    }

    /// Whether `key` signed exactly this checkpoint.
    public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
        let raw = key.rawRepresentation.base64EncodedString()
        return signatures.contains { signature in
            signature.publicKey == raw && Data(base64Encoded: signature.signature).map { key.isValidSignature($0, for: message) } == true
        }
    }
}
