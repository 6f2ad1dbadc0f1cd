import Foundation

/// Why links taken verbatim from another store (`StoreSession.append(links:)`) were refused: the first link that does
/// not extend this log as it is. Nothing of the batch was appended.
public struct LinkRefusal: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Reason: Equatable, Sendable {
        /// Its seq is not the next one (the log's head + 1).
        case notNext(expected: Int64)
        /// Its previous hash is not the hash of the log's head.
        case wrongPrevious
        /// Its hash is not SHA-256 of the previous hash and its canonical bytes.
        case wrongHash
        /// Its type is not one this jifen knows.
        case unknownType(String)
        /// Its payload is not its type's.
        case undecodable
        /// Its envelope or facts are not what appending its event here gives (`what` names the field).
        case notAsAppended(String)
    }

    /// The seq the link carries.
    public let seq: Int64
    public let reason: Reason

    public init(seq: Int64, _ reason: Reason) {
        self.seq = seq
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .notNext(let expected): "event #\(seq) does not follow the head: the next event is #\(expected)"
        case .wrongPrevious: "event #\(seq) does not link to the head: its previous hash is another event's"
        case .wrongHash: "event #\(seq)'s hash is not the hash of its fields"
        case .unknownType(let type): "event #\(seq) is of a type this jifen does not know (\(type))"
        case .undecodable: "event #\(seq)'s payload is not its type's"
        case .notAsAppended(let what): "event #\(seq)'s \(what) is not what appending its event gives"
        }
    }

    /// The same, in Chinese.
    public var chinese: String {
        switch reason {
        case .notNext(let expected): "第 \(seq) 条事件接不上链头：下一条应是第 \(expected) 条"
        case .wrongPrevious: "第 \(seq) 条事件的前一哈希不是链头的哈希"
        case .wrongHash: "第 \(seq) 条事件的哈希与它的内容不符"
        case .unknownType(let type): "第 \(seq) 条事件的类型（\(type)）本版 jifen 不认识"
        case .undecodable: "第 \(seq) 条事件的内容读不出来"
        case .notAsAppended(let what): "第 \(seq) 条事件的 \(what) 与按它记账的结果不符"
        }
    }
}
