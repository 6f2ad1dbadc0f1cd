import Crypto
import Foundation

/// The hash chain: `hash = SHA-256(prev_hash ‖ canonical bytes)`, documented in docs/FORMAT.md.
///
/// The canonical bytes are the event's stored columns (all but the two hashes) in table order, each as a
/// netstring (`<byte length>:<bytes>,`), so that no field's content can be mistaken for another's.
public enum Chain {
    public static let genesis = Data(repeating: 0, count: 32)

    /// The fields that are hashed, exactly as stored.
    public struct Fields: Sendable {
        public var seq: Int64
        public var id: String
        public var stream: String
        public var streamVersion: Int64
        public var type: String
        public var occurredOn: String
        public var recordedAt: String
        public var actor: String
        public var schemeVersion: Int
        public var key: String?
        public var household: String?
        public var item: String?
        public var rule: String?
        public var earned: Int
        public var deducted: Int
        public var redeemed: Int
        public var stock: Int
        public var reverses: Int64?
        public var payload: String

        public init(seq: Int64, id: String, stream: String, streamVersion: Int64, type: String, occurredOn: String,
                    recordedAt: String, actor: String, schemeVersion: Int, key: String?, household: String?, item: String?,
                    rule: String?, earned: Int, deducted: Int, redeemed: Int, stock: Int, reverses: Int64?, payload: String) {
            self.seq = seq
            self.id = id
            self.stream = stream
            self.streamVersion = streamVersion
            self.type = type
            self.occurredOn = occurredOn
            self.recordedAt = recordedAt
            self.actor = actor
            self.schemeVersion = schemeVersion
            self.key = key
            self.household = household
            self.item = item
            self.rule = rule
            self.earned = earned
            self.deducted = deducted
            self.redeemed = redeemed
            self.stock = stock
            self.reverses = reverses
            self.payload = payload
        }
    }

    /// The canonical bytes the hash is taken over (docs/FORMAT.md): every field but the two hashes, in table order, each
    /// as a netstring. Written by `CanonicalBuffer`, the one writer of the form.
    public static func canonicalBytes(_ fields: Fields) -> [UInt8] {
        var buffer = CanonicalBuffer()
        buffer.build(fields)
        return buffer.bytes
    }

    public static func hash(previous: Data, fields: Fields) -> Data {
        var buffer = CanonicalBuffer()
        return buffer.hash(previous: previous, fields)
    }
}

extension Data {
    /// Lower-case hex, as hashes are printed.
    public var hex: String { lowercaseHex }
}

extension Chain {
    /// SHA-256 of a file's bytes, hex: how tally sheets are recognised when imported twice.
    public static func sha256Hex(_ data: Data) -> String {
        Data(SHA256.hash(data: data)).hex
    }
}
