import Foundation
import JifenCore

/// A village's sync key (and the county administrator's token): 32 random bytes, written as `jfs_` and 64 hex digits,
/// shown once; the county keeps only its bcrypt hash, as passwords are kept.
public enum SyncKeys {
    public static func newKey(prefix: String = "jfs_") -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The slow salted hash the county keeps (bcrypt, at the cost passwords are hashed at).
    public static func hash(_ key: String) throws -> String {
        try Bcrypt.hash(key, cost: PasswordRule.bcryptCost)
    }

    /// Whether `key` is the one `hash` was made from (in time that does not depend on where they differ).
    public static func matches(_ key: String, hash: String) -> Bool {
        guard key.utf8.count <= 72 else { return false }
        return Bcrypt.verify(key, hash: hash)
    }
}
