import JifenCore

/// Everything a household's statement for a period shows, gathered from the ledger by the facade and laid out by
/// the renderers (text at 80, 48 and 32 columns; HTML). A value: the same ledger gives the same statement.
public struct Statement: Hashable, Sendable, Codable {
    public var village: String
    public var household: HouseholdCode
    public var head: String
    public var unit: UnitCode
    public var unitName: String
    public var closed: Bool
    /// `2025-03`, `2025-Q1` or `2025`, and its first and last day.
    public var period: String
    public var from: LocalDate
    public var to: LocalDate
    /// Available (final, redeemable) points at the end of the day before the period, and at its end.
    public var opening: Int
    public var closing: Int
    public var lines: [StatementLine]
    /// Today's figures: what may be spent now, and what is not yet final.
    public var available: Int
    public var pending: Int
    public var proposed: Int
    /// The period's last year: its cumulative final points, stars, and rank in the unit and the village.
    public var year: Int
    public var yearPoints: Int
    public var stars: Int
    public var starsMax: Int
    public var unitRank: Int
    public var unitHouseholds: Int
    public var villageRank: Int
    public var villageHouseholds: Int
    /// The ledger's head when the statement was made: an auditor checks the paper against the log with it.
    public var headSeq: Int64
    public var headHash: String
    /// The latest signed checkpoint filed in the ledger, if any: an auditor holding its file proves the log up to
    /// it was never rewritten.
    public var checkpoint: StatementCheckpoint?
    public var printedOn: LocalDate
    /// With the server's public address given: the link the QR code holds instead of the bare head, which opens the
    /// server's check of this statement (`BASE/s/HOUSEHOLD/PERIOD/SEQ/HASH`).
    public var verificationLink: String?
    /// The year's final scores by month and by category, for the statement's small charts (PDF and HTML); nil when
    /// the statement was made without them.
    public var chart: YearChart?

    public init(village: String, household: HouseholdCode, head: String, unit: UnitCode, unitName: String, closed: Bool,
                period: String, from: LocalDate, to: LocalDate, opening: Int, closing: Int, lines: [StatementLine],
                available: Int, pending: Int, proposed: Int, year: Int, yearPoints: Int, stars: Int, starsMax: Int,
                unitRank: Int, unitHouseholds: Int, villageRank: Int, villageHouseholds: Int, headSeq: Int64, headHash: String,
                checkpoint: StatementCheckpoint? = nil, printedOn: LocalDate) {
        self.village = village
        self.household = household
        self.head = head
        self.unit = unit
        self.unitName = unitName
        self.closed = closed
        self.period = period
        self.from = from
        self.to = to
        self.opening = opening
        self.closing = closing
        self.lines = lines
        self.available = available
        self.pending = pending
        self.proposed = proposed
        self.year = year
        self.yearPoints = yearPoints
        self.stars = stars
        self.starsMax = starsMax
        self.unitRank = unitRank
        self.unitHouseholds = unitHouseholds
        self.villageRank = villageRank
        self.villageHouseholds = villageHouseholds
        self.headSeq = headSeq
        self.headHash = headHash
        self.checkpoint = checkpoint
        self.printedOn = printedOn
    }

    /// The verification line's content: `jifen verify --head SEQ:HASH` checks the log against it.
    public var verification: String { "\(headSeq):\(headHash)" }

    /// What the QR code holds: the link to the server's check when there is one, else the verification line.
    public var verificationCode: String { verificationLink ?? verification }

    /// The link to the server's check of this statement under `base` (the server's public address).
    public func link(base: String) -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return "\(trimmed)/s/\(household.rawValue)/\(period)/\(headSeq)/\(headHash)"
    }
}

/// A signed checkpoint as a statement prints it: the event it signs, the head hash there, the day it was signed
/// (Beijing time) and how many signatures it carries (the village committee's, the township's).
public struct StatementCheckpoint: Hashable, Sendable, Codable {
    public var seq: Int64
    public var head: String
    public var signedOn: LocalDate
    public var signatures: Int

    public init(seq: Int64, head: String, signedOn: LocalDate, signatures: Int) {
        self.seq = seq
        self.head = head
        self.signedOn = signedOn
        self.signatures = signatures
    }

    /// The head as printed: its first sixteen hex digits in two groups (the checkpoint file holds it whole).
    public var shortHead: String { "\(head.prefix(8)) \(head.dropFirst(8).prefix(8))…" }
}

/// One entry of a statement.
public struct StatementLine: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case score, redemption, reversal, expiry, transfer
    }

    /// Where the entry stands. Only final entries move the balance.
    public enum Status: String, Hashable, Sendable, Codable {
        case final, pending, posted, proposed, objected, reversed
    }

    public var seq: Int64
    public var date: LocalDate
    public var kind: Kind
    /// A rule's code, or an item's.
    public var code: String
    public var zh: String
    public var en: String
    /// Signed change of the household's points (a redemption is negative).
    public var points: Int
    public var note: String
    public var by: String
    public var status: Status
    /// For a reversed entry, the entry that reversed it; for a reversal, the entry it undoes.
    public var other: Int64?
    /// The running available balance after the line (unchanged by a line that is not final).
    public var balance: Int

    public init(seq: Int64, date: LocalDate, kind: Kind, code: String, zh: String, en: String, points: Int, note: String, by: String,
                status: Status, other: Int64?, balance: Int) {
        self.seq = seq
        self.date = date
        self.kind = kind
        self.code = code
        self.zh = zh
        self.en = en
        self.points = points
        self.note = note
        self.by = by
        self.status = status
        self.other = other
        self.balance = balance
    }

    /// Whether the line moves the available balance: final entries, and the reversals of final entries.
    public var counts: Bool {
        switch status {
        case .final, .reversed: return true
        case .pending, .posted, .proposed, .objected: return false
        }
    }
}

/// A household's final scores of one year, up to a statement's last day: awards and deductions by month (January to
/// December; months after the statement's end are zero) and by the scheme's categories, in the scheme's order.
public struct YearChart: Hashable, Sendable, Codable {
    public struct Month: Hashable, Sendable, Codable {
        public var month: Int
        public var awards: Int
        public var deductions: Int

        public init(month: Int, awards: Int = 0, deductions: Int = 0) {
            self.month = month
            self.awards = awards
            self.deductions = deductions
        }
    }

    public struct Category: Hashable, Sendable, Codable {
        public var code: String
        public var zh: String
        public var en: String
        public var awards: Int
        public var deductions: Int

        public init(code: String, zh: String, en: String, awards: Int = 0, deductions: Int = 0) {
            self.code = code
            self.zh = zh
            self.en = en
            self.awards = awards
            self.deductions = deductions
        }
    }

    public var year: Int
    /// The last day counted (the statement's end, or the year's).
    public var through: LocalDate
    public var months: [Month]
    public var categories: [Category]

    public init(year: Int, through: LocalDate, months: [Month], categories: [Category]) {
        self.year = year
        self.through = through
        self.months = months
        self.categories = categories
    }

    /// The largest award or deduction of any month or category: what the charts' scales reach.
    public var monthPeak: Int { months.map { max($0.awards, $0.deductions) }.max() ?? 0 }
    public var categoryPeak: Int { categories.map { max($0.awards, $0.deductions) }.max() ?? 0 }
}
