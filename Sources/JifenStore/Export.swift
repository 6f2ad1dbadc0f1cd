import Foundation
import GRDB
import JifenCore

extension EventStore {
    /// Writes the log as a plain-text accounting journal, one transaction per event, streaming: `write` gets the
    /// text a block at a time. Returns the number of events.
    @discardableResult
    public func exportJournal(progress: ((Int64, Int64) -> Void)? = nil, write: (String) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let total = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
            let village = try String.fetchOne(db, sql: "SELECT village FROM p_ledger") ?? ""
            var block = "; Jifen log of \(village), \(total) events, one transaction per event\n"
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, type, occurred_on, household, item, rule, earned, deducted, redeemed, stock, reverses FROM events ORDER BY seq
                """)
            var count: Int64 = 0
            while let row = try rows.next() {
                let seq: Int64 = try row.at(0)
                let type: String = try row.at(1), date: String = try row.at(2)
                let household: String? = row[3], item: String? = row[4], rule: String? = row[5]
                let earned: Int = try row.at(6), deducted: Int = try row.at(7), redeemed: Int = try row.at(8), stock: Int = try row.at(9)
                let reverses: Int64? = row[10]
                block += "\n\(date) * #\(seq) \(type)"
                if let household { block += " \(household)" }
                if let rule { block += " \(rule)" }
                if let item { block += " \(item)" }
                if let reverses { block += " reverses #\(reverses)" }
                block += "\n"
                var posted = false
                if let household, earned != 0 || deducted != 0 || redeemed != 0 {
                    block += "    points:\(household)  \(earned - deducted - redeemed) PTS\n"
                    if earned != 0 { block += "    village:awarded  \(-earned) PTS\n" }
                    if deducted != 0 { block += "    village:deducted  \(deducted) PTS\n" }
                    if redeemed != 0 { block += "    shop:redeemed  \(redeemed) PTS\n" }
                    posted = true
                }
                if let item, stock != 0 {
                    block += "    stock:\(item)  \(stock) \"\(item)\"\n    stock:moved  \(-stock) \"\(item)\"\n"
                    posted = true
                }
                if !posted { block += "    events  0 PTS\n" }
                count += 1
                if block.utf8.count > 1 << 20 {
                    try write(block)
                    block = ""
                    progress?(count, total)
                }
            }
            try write(block)
            return count
        }
    }
}
