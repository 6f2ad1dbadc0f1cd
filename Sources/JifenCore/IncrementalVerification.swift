import Foundation

/// What `verify --since-checkpoint` did: which filed checkpoint it started from (nil: none verifies, and the whole
/// ledger was verified), the events it checked, and its findings.
public struct IncrementalVerification: Sendable {
    /// The checkpoint the check starts after: its event's hash is the checkpoint's signed head.
    public struct Anchor: Sendable {
        public init(seq: Int64, head: String, filedAs: Int64, filedOn: LocalDate, keys: [String]) {
            self.seq = seq
            self.head = head
            self.filedAs = filedAs
            self.filedOn = filedOn
            self.keys = keys
        }

        /// The event the checkpoint signs, and its hash (hex).
        public let seq: Int64
        public let head: String
        /// The event that filed it, and its business date.
        public let filedAs: Int64
        public let filedOn: LocalDate
        /// The fingerprints of the keys whose signatures on it verify.
        public let keys: [String]
    }

    public let anchor: Anchor?
    /// Why no checkpoint could be the anchor, when none is (in English and in Chinese).
    public let noAnchor: (english: String, chinese: String)?
    /// The findings, the events checked (after the anchor, or all), and the head of the log as read.
    public var report: VerifyReport
    /// The last event read.
    public let through: Int64

    public init(anchor: Anchor?, noAnchor: (english: String, chinese: String)?, report: VerifyReport, through: Int64) {
        self.anchor = anchor
        self.noAnchor = noAnchor
        self.report = report
        self.through = through
    }
}
