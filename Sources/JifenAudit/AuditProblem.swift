import Foundation

/// One finding of a check, in English (`what`) and in Chinese, for the clerk and the auditor, with the event that shows it.
public struct AuditProblem: Sendable, Hashable, CustomStringConvertible {
    /// The event at fault (0 when the problem is not one event's, like a line that is not an event).
    public let seq: Int64
    public let what: String
    public let chinese: String
    public var description: String { seq > 0 ? "event #\(seq): \(what)" : what }
    public var chineseDescription: String { seq > 0 ? "第 \(seq) 条事件：\(chinese)" : chinese }

    public init(seq: Int64, zh: String, en: String) {
        self.seq = seq
        self.what = en
        self.chinese = zh
    }

    public func text(chinese: Bool) -> String { chinese ? chineseDescription : description }
}

extension Sequence<UInt8> {
    /// Lower-case hex, as hashes are printed.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
