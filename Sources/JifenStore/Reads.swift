import Foundation
import GRDB
import JifenCore

extension StoreSession {
    public func households() throws -> [HouseholdAccount] {
        try flush()
        return try Row.fetchAll(db, sql: "SELECT \(Self.householdColumns) FROM p_households ORDER BY code").map(Self.household)
    }

    public func units() throws -> [UnitRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM p_units ORDER BY code").map(Self.unit)
    }

    public func items() throws -> [ItemStock] {
        try flush()
        return try Row.fetchAll(db, sql: "SELECT \(Self.itemColumns) FROM p_items ORDER BY code").map(Self.item)
    }

    /// Every household registered by `date` (or with entries dated by then: a month entered after the fact), with earned, deducted and redeemed summed over the entries
    /// whose business date is on or before it. Register details (unit, status) are as they are now.
    public func households(asOf date: LocalDate, only code: HouseholdCode? = nil) throws -> [HouseholdAccount] {
        try flush()
        let day = date.description
        var sql = """
            SELECT h.code, h.head, h.unit, h.members, h.status, h.registered_on, h.closed_on,
                   coalesce(e.earned, 0), coalesce(e.deducted, 0), coalesce(e.redeemed, 0)
            FROM p_households h
            LEFT JOIN (SELECT household, sum(earned) AS earned, sum(deducted) AS deducted, sum(redeemed) AS redeemed,
                              count(*) AS entries
                       FROM events WHERE household IS NOT NULL AND occurred_on <= ? AND \(Self.entryTypes)
                       GROUP BY household) e ON e.household = h.code
            WHERE (h.registered_on <= ? OR e.entries > 0)
            """
        var arguments: StatementArguments = [day, day]
        if let code {
            sql = sql.replacingOccurrences(of: "WHERE household IS NOT NULL", with: "WHERE household = ?") + " AND h.code = ?"
            arguments = [code.rawValue] + arguments + [code.rawValue]
        }
        sql += " ORDER BY h.code"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            var account = Self.household(row)
            if let closed = account.closedOn, closed > date {
                account.status = .open
                account.closedOn = nil
            }
            return account
        }
    }

    /// All entries that moved a household's points, oldest first.
    public func entries(of household: HouseholdCode) throws -> [Entry] {
        try Row.fetchAll(db, sql: "SELECT \(Self.entryColumns) FROM events e WHERE household = ? AND \(Self.isEntry) ORDER BY seq",
                         arguments: [household.rawValue]).map(Self.entry)
    }

    /// Events from `from` on, optionally only those about one household (its register changes and entries).
    public func events(from: Int64 = 1, household: HouseholdCode? = nil, limit: Int? = nil) throws -> [RecordedEvent] {
        var sql = "SELECT * FROM events WHERE seq >= ?"
        var arguments: StatementArguments = [from]
        if let household {
            sql += " AND household = ?"
            arguments += [household.rawValue]
        }
        sql += " ORDER BY seq"
        if let limit { sql += " LIMIT \(limit)" }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.recordedEvent)
    }

    /// How many events of each stored type the log holds.
    public func eventCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT type, count(*) FROM events GROUP BY type") {
            counts[row[0]] = row[1]
        }
        return counts
    }
}
