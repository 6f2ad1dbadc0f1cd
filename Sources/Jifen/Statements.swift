import Foundation
import JifenCore
import JifenStatements
import JifenStore

extension Ledger {
    /// A household's statement for a period, as the ledger stands now (printed on `printedOn`).
    public func statement(of household: HouseholdCode, period: ReportPeriod, printedOn: LocalDate) throws -> Statement {
        try read { session in try Self.statement(session, household: household, period: period, printedOn: printedOn,
                                                 yearTable: try YearTable(session, year: period.dates.upperBound.year)) }
    }

    /// Statements of every household registered by the period's end, by code, from one snapshot of the ledger.
    public func statements(period: ReportPeriod, printedOn: LocalDate, progress: ((Int, Int) -> Void)? = nil) throws -> [Statement] {
        try read { session in
            let table = try YearTable(session, year: period.dates.upperBound.year)
            let households = try session.households().filter { $0.registeredOn <= period.dates.upperBound }
            var statements: [Statement] = []
            for (index, account) in households.enumerated() {
                statements.append(try Self.statement(session, household: account.code, period: period, printedOn: printedOn, yearTable: table))
                progress?(index + 1, households.count)
            }
            return statements
        }
    }

    /// The year's final points of every household, with stars and ranks, computed once for a batch of statements.
    struct YearTable {
        let year: Int
        let points: [HouseholdCode: Int]
        let accounts: [HouseholdAccount]
        let stars: [Int]

        init(_ session: StoreSession, year: Int) throws {
            self.year = year
            let dates = CapPeriod.year.bounds(of: LocalDate(year: year, month: 1, day: 1)!)
            points = try session.yearFigures(in: dates).mapValues(\.points)
            accounts = try session.households()
            let info = try session.ledger()
            stars = (try session.schemes().inForce(on: dates.upperBound)?.scheme ?? info?.scheme)?.settings.stars ?? []
        }

        /// 1 + the number of open households (of the unit, when given) with more points: ties share a rank.
        func rank(of household: HouseholdCode, in unit: UnitCode?) -> (rank: Int, of: Int) {
            let mine = points[household] ?? 0
            let peers = accounts.filter { ($0.status == .open || $0.code == household) && (unit == nil || $0.unit == unit) }
            return (1 + peers.filter { (points[$0.code] ?? 0) > mine }.count, peers.count)
        }
    }

    static func statement(_ session: StoreSession, household: HouseholdCode, period: ReportPeriod, printedOn: LocalDate,
                          yearTable: YearTable) throws -> Statement {
        guard let info = try session.ledger() else { throw Rejection.ledgerNotOpened }
        guard let account = try session.household(household) else {
            throw Rejection.householdUnknown(household, suggestion: Nearest.code(to: household.rawValue, among: try session.codes(of: .household)))
        }
        let from = period.dates.lowerBound, to = period.dates.upperBound
        func available(on day: LocalDate) throws -> Int {
            try session.households(asOf: day, only: household).first?.available ?? 0
        }
        let opening = try available(on: LocalDate(daysSinceEpoch: from.daysSinceEpoch - 1))
        let reviews = Dictionary(uniqueKeysWithValues: try session.reviews(of: household).map { ($0.seq, $0) })
        let entries = Dictionary(uniqueKeysWithValues: try session.entries(of: household).map { ($0.seq, $0) })
        let events = try session.events(household: household).filter { entries[$0.seq] != nil && period.dates.contains($0.occurredOn) }
            .sorted { ($0.occurredOn, $0.seq) < ($1.occurredOn, $1.seq) }
        var balance = opening
        var lines: [StatementLine] = []
        for recorded in events {
            let entry = entries[recorded.seq]!
            let points = entry.earned - entry.deducted - entry.redeemed
            var kind = StatementLine.Kind.score, code = "", zh = "", en = "", note = ""
            switch recorded.event {
            case .scoreRecorded(let e), .scoreProposed(let e):
                code = e.rule.code.rawValue; zh = e.rule.zh; en = e.rule.en; note = e.note
            case .redeemed(let e):
                kind = .redemption; code = e.item.rawValue; zh = "兑换 \(e.name) ×\(e.quantity)"; en = "redeemed \(e.name) ×\(e.quantity)"
            case .entryReversed(let e):
                kind = .reversal; code = entry.rule?.rawValue ?? entry.item?.rawValue ?? ""; zh = "冲正 #\(e.target)"; en = "reversal of #\(e.target)"
                note = e.reason
            case .scoreRejected(let e):
                kind = .reversal; code = entry.rule?.rawValue ?? ""; zh = "驳回 #\(e.target)"; en = "#\(e.target) rejected"; note = e.reason
            case .objectionUpheld(let e):
                kind = .reversal; code = entry.rule?.rawValue ?? ""; zh = "异议成立，撤销 #\(e.target)"; en = "objection upheld: #\(e.target) out"
                note = e.reason
            case .scoreAmended(let e):
                kind = .reversal; code = entry.rule?.rawValue ?? ""; zh = "异议改分 #\(e.target)"; en = "#\(e.target) amended"; note = e.reason
            case .pointsExpired(let e):
                kind = .expiry; zh = "\(e.year) 年终清零"; en = "\(e.year) year-end expiry"
            case .pointsSent(let e):
                kind = .transfer; zh = "分户/合户 转出给 \(e.to)"; en = "sent to \(e.to)"; note = e.reason
            case .pointsReceived(let e):
                kind = .transfer; zh = "分户/合户 由 \(e.from) 转入"; en = "received from \(e.from)"; note = e.reason
            default:
                continue
            }
            let status: StatementLine.Status
            if let by = entry.reversedBy {
                status = .reversed
                _ = by
            } else if let review = reviews[recorded.seq] {
                switch review.state {
                case .proposed: status = .proposed
                case .pending: status = .pending
                case .posted: status = .posted
                case .objected: status = .objected
                }
            } else {
                status = .final
            }
            var line = StatementLine(seq: recorded.seq, date: recorded.occurredOn, kind: kind, code: code, zh: zh, en: en, points: points,
                                     note: note, by: recorded.actor.rawValue, status: status,
                                     other: entry.reversedBy ?? entry.reverses, balance: balance)
            if line.counts { balance += points }
            line.balance = balance
            lines.append(line)
        }
        let unitName = try session.units().first { $0.code == account.unit }?.name ?? ""
        let yearPoints = yearTable.points[household] ?? 0
        let unitRank = yearTable.rank(of: household, in: account.unit), villageRank = yearTable.rank(of: household, in: nil)
        let head = try session.headOfLog()
        return Statement(village: info.village, household: household, head: account.head, unit: account.unit, unitName: unitName,
                         closed: account.status == .closed, period: period.label, from: from, to: to, opening: opening,
                         closing: try available(on: to), lines: lines, available: account.available, pending: account.pending,
                         proposed: account.proposed, year: yearTable.year, yearPoints: yearPoints,
                         stars: yearTable.stars.filter { yearPoints >= $0 }.count, starsMax: yearTable.stars.count,
                         unitRank: unitRank.rank, unitHouseholds: unitRank.of, villageRank: villageRank.rank,
                         villageHouseholds: villageRank.of, headSeq: head.seq, headHash: head.hash.hex, printedOn: printedOn)
    }
}
