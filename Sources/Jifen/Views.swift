import Foundation
import JifenCore

// The shapes the CLI's `--json` and the server's JSON share, so that `balance --json` and
// `GET /api/v1/households/{code}/balance` cannot drift apart.

/// A household's balance as `balance --json` prints it. Deducted and redeemed are positive numbers.
public struct BalanceView: Encodable, Sendable {
    public let household: String, head: String, unit: String, status: String
    public let earned: Int, deducted: Int, redeemed: Int
    /// Final and redeemable.
    public let available: Int
    /// Not yet final: waiting for or on the public notice, and proposed and waiting for review (signed).
    public let pending: Int, proposed: Int
    /// Cleared at year-end settlements; moved to other households (net) when households split or merge.
    public let expired: Int, moved: Int
    public let asOf: String?

    public init(_ account: HouseholdAccount, asOf: LocalDate?) {
        household = account.code.rawValue
        head = account.head
        unit = account.unit.rawValue
        status = account.status.rawValue
        earned = account.earned
        deducted = account.deducted
        redeemed = account.redeemed
        available = account.available
        pending = account.pending
        proposed = account.proposed
        expired = account.expired
        moved = account.moved
        self.asOf = asOf?.description
    }
}

/// Everything recorded for one household, oldest first, with the running balance: `history --json`.
public struct HistoryView: Encodable, Sendable {
    public struct Line: Encodable, Sendable {
        public let seq: Int64, id: String, date: String, recordedAt: String, actor: String, type: String
        public let rule: String?, ruleName: String?, item: String?, quantity: Int?
        public let points: Int, note: String?, reverses: Int64?, reversedBy: Int64?
        /// For a score not yet final: proposed, pending, posted or objected.
        public let state: String?
        public let balance: Int
    }

    public let household: String, head: String, unit: String, status: String
    public let earned: Int, deducted: Int, redeemed: Int, available: Int, pending: Int, proposed: Int
    public let entries: [Line]

    /// The view of `history`, with rule names in Chinese, or in English when `english`.
    public init(_ history: HouseholdHistory, english: Bool) {
        let (account, entries, reviews) = (history.account, history.entries, history.reviews)
        var balance = 0
        var lines: [Line] = []
        lines.reserveCapacity(history.events.count)
        for recorded in history.events {
            let entry = entries[recorded.seq]
            let effect = entry.map { $0.earned - $0.deducted - $0.redeemed } ?? 0
            balance += effect
            let rule = recorded.event.score?.rule
            var item: ItemCode?, quantity: Int?
            if case .redeemed(let e) = recorded.event { item = e.item; quantity = e.quantity }
            lines.append(Line(seq: recorded.seq, id: recorded.id, date: recorded.occurredOn.description, recordedAt: recorded.recordedAt,
                              actor: recorded.actor.rawValue, type: recorded.event.typeName, rule: rule?.code.rawValue,
                              ruleName: rule.map { english ? $0.en : $0.zh }, item: item?.rawValue, quantity: quantity,
                              points: effect, note: recorded.event.historyNote, reverses: entry?.reverses,
                              reversedBy: entry?.reversedBy, state: reviews[recorded.seq]?.state.rawValue, balance: balance))
        }
        household = account.code.rawValue
        head = account.head
        unit = account.unit.rawValue
        status = account.status.rawValue
        earned = account.earned
        deducted = account.deducted
        redeemed = account.redeemed
        available = account.available
        pending = account.pending
        proposed = account.proposed
        self.entries = lines
    }
}

/// One thing waiting for a reviewer, as `review --json` prints it.
public struct ReviewItemView: Encodable, Sendable {
    /// What waits: its JSON name is the case's.
    public enum Kind: String, Encodable, Sendable {
        case proposed, objected, reversal
    }

    public let seq: Int64, kind: Kind, date: String, household: String?, rule: String?, points: Int?, by: String, reason: String?
}

extension ReviewQueue {
    /// What waits, by number: proposed and objected scores, and reversal requests.
    public var items: [ReviewItemView] {
        var rows: [ReviewItemView] = []
        for r in reviews {
            let objected = r.state == .objected
            rows.append(ReviewItemView(seq: r.seq, kind: objected ? .objected : .proposed, date: r.occurredOn.description,
                                       household: r.household.rawValue, rule: r.rule.rawValue, points: r.points,
                                       by: (objected ? r.objectedBy : r.recordedBy)?.rawValue ?? "",
                                       reason: objected ? r.objection.map { "#\($0)" } : nil))
        }
        for q in requests {
            rows.append(ReviewItemView(seq: q.seq, kind: .reversal, date: q.requestedOn.description, household: nil, rule: nil,
                                       points: nil, by: q.requestedBy.rawValue, reason: "#\(q.target): \(q.reason)"))
        }
        return rows.sorted { $0.seq < $1.seq }
    }
}

/// An item of the shop's price list with its stock, as `shop list --json` prints it.
public struct ShopItemView: Encodable, Sendable {
    public let item: String, name: String, unit: String, price: Int, stock: Int

    public init(_ stock: ItemStock) {
        item = stock.code.rawValue
        name = stock.name
        unit = stock.unit
        price = stock.price
        self.stock = stock.stock
    }
}

/// A public notice and what it posted, as `notice list --json` prints it.
public struct NoticeView: Encodable, Sendable {
    public let period: String, from: String, to: String, openedOn: String, closesOn: String, closedOn: String?
    public let posted: Int, objected: Int

    public init(_ summary: NoticeSummary) {
        let n = summary.notice
        period = n.period
        from = n.from.description
        to = n.to.description
        openedOn = n.openedOn.description
        closesOn = n.closesOn.description
        closedOn = n.closedOn?.description
        posted = summary.posted
        objected = summary.objected
    }
}
