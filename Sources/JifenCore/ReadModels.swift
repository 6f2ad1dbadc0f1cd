import Foundation

// Read models: what the ledger's reads hand back to its callers (the CLI, later the server). They are plain values,
// made by the store and named by the facade's callers, so they live below both.

/// What `verify` found: the chain's length and head, and every problem with the event that shows it.
public struct VerifyReport: Sendable {
    /// One finding, in English (`what`) and in Chinese, for the clerk and the auditor.
    public typealias Problem = AuditProblem

    /// The hash before the first event: 32 zero bytes.
    public static let genesis = Data(repeating: 0, count: 32)

    public var events: Int64 = 0
    public var head: Data = VerifyReport.genesis
    public var problems: [Problem] = []
    public var isValid: Bool { problems.isEmpty }
    /// The head in lower-case hex, as `verify` prints it after the event count.
    public var headHex: String { head.lowercaseHex }

    public init(problems: [Problem] = []) { self.problems = problems }
}

/// A joint unit's standing over a period: its open households and the final points of their scores dated
/// in it (scores taken back, or not yet final, are left out).
public struct UnitStanding: Sendable {
    public let unit: UnitRecord
    public let leaderHead: String?
    public let households: Int
    public let points: Int
    /// Average points per household, in tenths (rounded), for printing.
    public let tenths: Int

    public init(unit: UnitRecord, leaderHead: String?, households: Int, points: Int, tenths: Int) {
        self.unit = unit
        self.leaderHead = leaderHead
        self.households = households
        self.points = points
        self.tenths = tenths
    }

    /// Whether two units have exactly the same average.
    public func ties(_ other: UnitStanding) -> Bool { points * other.households == other.points * households }
}

/// The favouritism report (人情分排查) of a period: who gave points to whom.
public struct FavouritismReport: Codable, Sendable {
    public struct Recorder: Codable, Sendable {
        public let name: String
        /// The recorder's own joint unit, for a unit leader.
        public let unit: String?
        public let scores: Int
        public let awarded: Int
        public let deducted: Int
        /// Points awarded per joint unit, and the share of them that went to the recorder's own unit (0…1).
        public let awardedByUnit: [String: Int]
        public let ownUnitShare: Double?
        /// Of the recorder's scores, how many were taken back (reversed, rejected, upheld) and how many objected to.
        public let reversed: Int
        public let objected: Int

        public init(name: String, unit: String?, scores: Int, awarded: Int, deducted: Int, awardedByUnit: [String: Int],
                    ownUnitShare: Double?, reversed: Int, objected: Int) {
            self.name = name
            self.unit = unit
            self.scores = scores
            self.awarded = awarded
            self.deducted = deducted
            self.awardedByUnit = awardedByUnit
            self.ownUnitShare = ownUnitShare
            self.reversed = reversed
            self.objected = objected
        }
    }

    public struct Flag: Codable, Sendable {
        public let kind: String
        public let subject: String
        public let detail: String
        /// The events behind the flag.
        public let events: [Int64]

        public init(kind: String, subject: String, detail: String, events: [Int64]) {
            self.kind = kind
            self.subject = subject
            self.detail = detail
            self.events = events
        }
    }

    public let period: String
    public let recorders: [Recorder]
    public let flags: [Flag]

    public init(period: String, recorders: [Recorder], flags: [Flag]) {
        self.period = period
        self.recorders = recorders
        self.flags = flags
    }
}

/// One finding of a check (`verify`, `audit verify`, `audit check`), in English (`what`) and in Chinese, for the clerk
/// and the auditor, with the event that shows it.
public struct AuditProblem: Sendable, Hashable, CustomStringConvertible {
    /// The event at fault (0 when the problem is not one event's, like a missing trigger or a line that is not an event).
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
