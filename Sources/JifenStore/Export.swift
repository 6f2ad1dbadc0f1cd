import Foundation
import GRDB
import JifenCore

extension EventStore {
    /// Writes the log as a plain-text accounting journal for hledger and ledger-cli, streaming: `write` gets the text a
    /// block at a time. Returns the number of transactions.
    ///
    /// Every account and commodity is declared first, so that `hledger check --strict` and `ledger --strict` pass.
    /// Each event that moves points or goods is one transaction, oldest first, named by its number and type: a
    /// household's points move between points:HOUSEHOLD and village:awarded or village:deducted (scores),
    /// shop:redeemed (the shop), village:expired (cleared at year end) or village:transfers (split and merge), in PTS;
    /// goods between stock:ITEM and stock:moved, in the item's own commodity. A score that is not yet final (on review
    /// or on notice: it is in `p_reviews`) is a pending transaction (`!`), every other one cleared (`*`), so the cleared
    /// balance of points:HOUSEHOLD is the household's available points. Events that move nothing (registrations,
    /// approvals, notices, …) are left out; the journal's first lines say how many.
    @discardableResult
    public func exportJournal(progress: ((Int64, Int64) -> Void)? = nil, write: (String) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let total = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
            let village = try String.fetchOne(db, sql: "SELECT village FROM p_ledger") ?? ""
            let moving = try Int64.fetchOne(db, sql: """
                SELECT count(*) FROM events
                WHERE (household IS NOT NULL AND (earned <> 0 OR deducted <> 0 OR redeemed <> 0)) OR (item IS NOT NULL AND stock <> 0)
                """) ?? 0
            let pending = Set(try Int64.fetchAll(db, sql: "SELECT seq FROM p_reviews"))
            let households = try String.fetchAll(db, sql: "SELECT DISTINCT household FROM events WHERE household IS NOT NULL ORDER BY household")
            let items = try String.fetchAll(db, sql: "SELECT DISTINCT item FROM events WHERE item IS NOT NULL AND stock <> 0 ORDER BY item")
            var block = """
                ; Jifen log of \(village): \(total) events, \(moving) of them moving points or goods, one transaction each;
                ; the \(total - moving) that move nothing (registrations, approvals, notices, …) are left out. A score not yet
                ; final is pending (!): `hledger bal --cleared points` gives each household's available points.

                commodity PTS

                """
            for item in items { block += "commodity \(EventStore.commodity(item))\n" }
            block += "\n"
            for account in ["village:awarded", "village:deducted", "village:expired", "village:transfers", "shop:redeemed", "stock:moved"] {
                block += "account \(account)\n"
            }
            for household in households { block += "account points:\(household)\n" }
            for item in items { block += "account stock:\(item)\n" }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, type, occurred_on, household, item, rule, earned, deducted, redeemed, stock, reverses FROM events
                WHERE (household IS NOT NULL AND (earned <> 0 OR deducted <> 0 OR redeemed <> 0)) OR (item IS NOT NULL AND stock <> 0)
                ORDER BY seq
                """)
            var count: Int64 = 0
            while let row = try rows.next() {
                let seq: Int64 = try row.at(0)
                let type: String = try row.at(1), date: String = try row.at(2)
                let household: String? = row[3], item: String? = row[4], rule: String? = row[5]
                let earned: Int = try row.at(6), deducted: Int = try row.at(7), redeemed: Int = try row.at(8), stock: Int = try row.at(9)
                let reverses: Int64? = row[10]
                block += "\n\(date) \(pending.contains(seq) ? "!" : "*") #\(seq) \(type)"
                if let household { block += " \(household)" }
                if let rule { block += " \(rule)" }
                if let item { block += " \(item)" }
                if let reverses { block += " reverses #\(reverses)" }
                block += "\n"
                if let household, earned != 0 || deducted != 0 || redeemed != 0 {
                    block += "    points:\(household)  \(earned - deducted - redeemed) PTS\n"
                    if earned != 0 { block += "    village:awarded  \(-earned) PTS\n" }
                    if deducted != 0 { block += "    village:deducted  \(deducted) PTS\n" }
                    if redeemed != 0 {
                        let counter = type == "v1.pointsExpired" ? "village:expired"
                            : type == "v1.pointsSent" || type == "v1.pointsReceived" ? "village:transfers" : "shop:redeemed"
                        block += "    \(counter)  \(redeemed) PTS\n"
                    }
                }
                if let item, stock != 0 {
                    let commodity = EventStore.commodity(item)
                    block += "    stock:\(item)  \(stock) \(commodity)\n    stock:moved  \(-stock) \(commodity)\n"
                }
                count += 1
                if block.utf8.count > 1 << 20 {
                    try write(block)
                    block = ""
                    progress?(count, moving)
                }
            }
            try write(block)
            return count
        }
    }

    /// An item's commodity in the journal: its code in double quotes (codes may hold digits, which a bare commodity
    /// symbol may not).
    static func commodity(_ item: String) -> String { "\"\(item)\"" }
}
