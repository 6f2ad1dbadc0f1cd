import Foundation
import JifenStore
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

/// A county folder, as the CLI's `jifen county` commands see it (the folder itself is JifenStore's `CountyFolder`).
public enum CountyFolders {
    /// A county folder could not be made, read or written: in words.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// One village as the county holds it.
    public struct Village: Encodable, Sendable {
        public let village: String, events: Int64, head: String, ledgerId: String?, name: String?
    }

    static func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CountyError {
            throw Problem(description: error.description)
        } catch let error as StoreError {
            throw Problem(description: error.description)
        }
    }

    /// Makes a county folder whose receipts are signed by the key with `publicKey` (base64); returns the administrator's
    /// token, which the folder keeps only as a bcrypt hash.
    public static func create(at path: String, publicKey: String) throws -> String {
        let token = SyncKeys.newKey(prefix: "jfa_")
        let hash = try SyncKeys.hash(token)
        _ = try translating { try CountyFolder.create(at: path, publicKey: publicKey, adminTokenHash: hash) }
        return token
    }

    /// Adds a village; returns its sync key, which the folder keeps only as a bcrypt hash.
    public static func add(village: String, folder: String, on day: String) throws -> String {
        let key = SyncKeys.newKey()
        let hash = try SyncKeys.hash(key)
        try translating { try CountyFolder(path: folder).add(village: village, syncKeyHash: hash, on: day) }
        return key
    }

    /// Every village of the folder with its head as the county holds it.
    public static func villages(folder: String) throws -> [Village] {
        try translating {
            let county = try CountyFolder(path: folder)
            return try county.villages().map { name in
                let head = try county.head(of: name)
                let identity = try county.identity(of: name)
                return Village(village: name, events: head.seq, head: head.hash.hex, ledgerId: identity?.ledgerId, name: identity?.village)
            }
        }
    }
}
