import Foundation
import GRDB
import JifenCore
import Tagged

extension StoreSession {
    /// Entries whose `redeemed` is not spent at the shop (year end, splits and merges), and each of the two, as SQL lists.
    static let notSpentList = EventType.sqlList(EventType.entries.filter { $0.route != .shop })
    static let expiryList = EventType.sqlList(EventType.entries.filter { $0.route == .expiry })
    static let transferList = EventType.sqlList(EventType.entries.filter { $0.route == .transfer })

    public func households() throws -> [HouseholdAccount] {
        try flush()
        return try Row.fetchAll(db, sql: "SELECT \(Self.householdColumns) FROM p_households ORDER BY code").map(Self.household)
    }

    public func units() throws -> [UnitRecord] {
        try Row.fetchAll(db, sql: "SELECT code, name, leader FROM p_units ORDER BY code").map(Self.unit)
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
                   coalesce(e.earned, 0), coalesce(e.deducted, 0), coalesce(e.redeemed, 0),
                   coalesce(r.pending, 0), coalesce(r.proposed, 0), coalesce(e.expired, 0), coalesce(e.moved, 0)
            FROM p_households h
            LEFT JOIN (SELECT household, sum(earned) AS earned, sum(deducted) AS deducted,
                              sum(CASE WHEN type IN \(Self.notSpentList) THEN 0 ELSE redeemed END) AS redeemed,
                              sum(CASE WHEN type IN \(Self.expiryList) THEN redeemed ELSE 0 END) AS expired,
                              sum(CASE WHEN type IN \(Self.transferList) THEN redeemed ELSE 0 END) AS moved,
                              count(*) AS entries
                       FROM events WHERE household IS NOT NULL AND occurred_on <= ? AND \(Self.entryTypes)
                       GROUP BY household) e ON e.household = h.code
            LEFT JOIN (SELECT household, sum(CASE WHEN state = 'proposed' THEN 0 ELSE points END) AS pending,
                              sum(CASE WHEN state = 'proposed' THEN points ELSE 0 END) AS proposed
                       FROM p_reviews WHERE occurred_on <= ? GROUP BY household) r ON r.household = h.code
            WHERE (h.registered_on <= ? OR e.entries > 0)
            """
        var arguments: StatementArguments = [day, day, day]
        if let code {
            sql = sql.replacingOccurrences(of: "WHERE household IS NOT NULL", with: "WHERE household = ?")
                .replacingOccurrences(of: "FROM p_reviews WHERE occurred_on <= ?", with: "FROM p_reviews WHERE household = ? AND occurred_on <= ?")
                + " AND h.code = ?"
            arguments = [code.rawValue, day, code.rawValue, day, day, code.rawValue]
        }
        sql += " ORDER BY h.code"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            var account = try Self.household(row)
            if let closed = account.closedOn, closed > date {
                account.status = .open
                account.closedOn = nil
            }
            return account
        }
    }

    public func latestScoreDate() throws -> LocalDate? {
        try value(String.self, "SELECT max(occurred_on) FROM events WHERE type IN \(EventType.scoreList)")
            .flatMap { LocalDate($0) }
    }

    public func balances(asOf date: LocalDate) throws -> [HouseholdCode: HouseholdAccount] {
        Dictionary(firstOf: try households(asOf: date).map { ($0.code, $0) })
    }

    /// A household's scores not yet final, oldest first.
    public func reviews(of household: HouseholdCode) throws -> [ScoreReview] {
        try Row.fetchAll(db, sql: "SELECT \(Self.reviewColumns) FROM p_reviews WHERE household = ? ORDER BY seq",
                         arguments: [household.rawValue]).map(Self.review)
    }

    /// The entries dated within `dates` (of one household, or of all), with the reversal that undid each, if any.
    public func entries(in dates: ClosedRange<LocalDate>, household: HouseholdCode? = nil) throws -> [Entry] {
        var sql = "SELECT \(Self.entryColumns) FROM events e WHERE e.occurred_on BETWEEN ? AND ? AND \(Self.isEntry)"
        var arguments: StatementArguments = [dates.lowerBound.description, dates.upperBound.description]
        if let household {
            sql += " AND e.household = ?"
            arguments += [household.rawValue]
        }
        return try Row.fetchAll(db, sql: sql + " ORDER BY e.seq", arguments: arguments).map(Self.entry)
    }

    /// All entries that moved a household's points, oldest first.
    public func entries(of household: HouseholdCode) throws -> [Entry] {
        try Row.fetchAll(db, sql: "SELECT \(Self.entryColumns) FROM events e WHERE household = ? AND \(Self.isEntry) ORDER BY seq",
                         arguments: [household.rawValue]).map(Self.entry)
    }

    /// Events from `from` on, optionally only those about one household (its register changes and entries), and
    /// only those dated within `dates`.
    public func events(from: Int64 = 1, household: HouseholdCode? = nil, dates: ClosedRange<LocalDate>? = nil,
                       limit: Int? = nil) throws -> [RecordedEvent] {
        var sql = "SELECT * FROM events WHERE seq >= ?"
        var arguments: StatementArguments = [from]
        if let household {
            sql += " AND household = ?"
            arguments += [household.rawValue]
        }
        if let dates {
            sql += " AND occurred_on BETWEEN ? AND ?"
            arguments += [dates.lowerBound.description, dates.upperBound.description]
        }
        sql += " ORDER BY seq"
        if let limit { sql += " LIMIT \(limit)" }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.recordedEvent)
    }

    /// How many events of each stored type the log holds.
    public func eventCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT type, count(*) FROM events GROUP BY type") {
            counts[try row.at(0)] = try row.at(1)
        }
        return counts
    }

    /// The units ranked by average final points per household, best first (ties by unit code).
    public func unitStandings(in dates: ClosedRange<LocalDate>) throws -> [UnitStanding] {
        try flush()
        let rows = try Row.fetchAll(db, sql: """
            SELECT household, sum(earned - deducted) FROM events e
            WHERE occurred_on BETWEEN ? AND ? AND household IS NOT NULL AND type IN \(EventType.scoreList)
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq)
              AND NOT EXISTS (SELECT 1 FROM p_reviews v WHERE v.seq = e.seq)
            GROUP BY household
            """, arguments: [dates.lowerBound.description, dates.upperBound.description])
        var points: [String: Int] = [:]
        for row in rows { points[try row.at(0)] = try row.at(1) }
        return Self.rank(points: points, households: try households(), units: try units())
    }

    /// The standings as they stood after event `through`, from the ledger `replayed` to that event: the same rule
    /// over the scores written by then, not taken back by then, and final then.
    public func unitStandings(in dates: ClosedRange<LocalDate>, replayed memory: MemoryLedger, through: Int64) throws -> [UnitStanding] {
        let notFinal = "[" + memory.sortedReviews().map { String($0.seq) }.joined(separator: ",") + "]"
        let rows = try Row.fetchAll(db, sql: """
            SELECT household, sum(earned - deducted) FROM events e
            WHERE seq <= ? AND occurred_on BETWEEN ? AND ? AND household IS NOT NULL
              AND type IN \(EventType.scoreList)
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq AND r.seq <= ?)
              AND seq NOT IN (SELECT value FROM json_each(?))
            GROUP BY household
            """, arguments: [through, dates.lowerBound.description, dates.upperBound.description, through, notFinal])
        var points: [String: Int] = [:]
        for row in rows { points[try row.at(0)] = try row.at(1) }
        return Self.rank(points: points, households: memory.allHouseholds(),
                         units: memory.units.values.sorted { $0.code.rawValue < $1.code.rawValue })
    }

    /// Ranks the units by their open households' average points (exact fractions; ties by unit code).
    static func rank(points: [String: Int], households: [HouseholdAccount], units: [UnitRecord]) -> [UnitStanding] {
        let heads = Dictionary(firstOf: households.map { ($0.code, $0.head) })
        var standings: [UnitStanding] = []
        for unit in units {
            let members = households.filter { $0.unit == unit.code && $0.status == .open }
            guard !members.isEmpty else { continue }
            let total = members.reduce(0) { $0 + (points[$1.code.rawValue] ?? 0) }
            let tenths = Int((Double(total) * 10 / Double(members.count)).rounded())
            standings.append(UnitStanding(unit: unit, leaderHead: unit.leader.flatMap { heads[$0] }, households: members.count,
                                          points: total, tenths: tenths))
        }
        // Exact averages are compared as fractions: two units tie only when their averages are equal.
        return standings.sorted {
            let left = $0.points * $1.households, right = $1.points * $0.households
            return left != right ? left > right : $0.unit.code.rawValue < $1.unit.code.rawValue
        }
    }
}
