import Foundation
import JifenCore
import JifenReports
import JifenStore
import PostgresNIO

/// The county's reports over its database. The sums are the database's: a few statements over `events`, whose facts
/// columns (household, item, earned, deducted, redeemed, stock, occurred_on, type) are what a village's own reads sum,
/// all in one REPEATABLE READ snapshot. What the facts do not say (which households belong to which joint unit, whether
/// they are open, the units' names, which scores are not yet final) comes from each village's fold, for the joint-unit
/// standings of a township only: the standings' sums are then taken at each fold's head, so that fold and sums agree.
extension PostgresCounty: CountyReportSource {
    public func reportTownships() throws -> [String] {
        try pool.withConnection { connection in
            try connection.rows("SELECT DISTINCT township FROM villages WHERE township IS NOT NULL ORDER BY township")
                .map { try $0.decode(String.self) }
        }
    }

    public func report(_ query: CountyReportQuery) throws -> CountyReport {
        let from = query.dates.lowerBound.description, to = query.dates.upperBound.description
        var (villages, months, items) = try pool.withConnection { connection in
            try connection.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let figures = (try Self.totals(connection, township: query.township),
                               try Self.months(connection, township: query.township, from: from, to: to),
                               try Self.items(connection, township: query.township, from: from, to: to))
                try connection.run("COMMIT")
                return figures
            } catch {
                connection.rollback(after: error)
                throw error
            }
        }
        villages.sort { $0.village < $1.village }
        months.sort { ($0.village, $0.month) < ($1.village, $1.month) }
        items.sort { $0.points != $1.points ? $0.points > $1.points : $0.item < $1.item }
        let standings = query.township == nil ? [] : try townshipStandings(of: villages, in: query.dates)
        return CountyReport(township: query.township, from: from, to: to, villages: villages, months: months, items: items,
                            standings: standings)
    }

    /// The joint units of `villages` ranked together over `dates` (`TownshipStandings`).
    public func townshipStandings(of villages: [VillageTotals], in dates: ClosedRange<LocalDate>) throws -> [TownshipStanding] {
        // Each village's fold, and the head it stands at.
        var folds: [(village: VillageTotals, ledger: MemoryLedger, seq: Int64)] = []
        for village in villages where village.events > 0 {
            let (ledger, seq) = try self.village(village.village).read { ($0.state, $0.headOfLog().seq) }
            folds.append((village, ledger, seq))
        }
        var pendingVillages: [String] = [], pendingSeqs: [Int64] = []
        for fold in folds {
            for review in fold.ledger.sortedReviews() {
                pendingVillages.append(fold.village.village)
                pendingSeqs.append(review.seq)
            }
        }
        let codes = folds.map(\.village.village), heads = folds.map(\.seq)
        let scores = EventType.scores.map(\.rawValue).sorted()
        let from = dates.lowerBound.description, to = dates.upperBound.description
        var points: [String: [String: Int]] = [:]
        try pool.withConnection { connection in
            // A village's final points: its scores dated in the period, written by the fold's head, not taken back by
            // then, and not under review at it (as `unitStandings(in:replayed:through:)` counts them).
            let rows = try connection.rows("""
                SELECT e.village, e.household, sum(e.earned - e.deducted)::bigint
                FROM unnest(\(codes)::text[], \(heads)::bigint[]) AS h(village, head)
                JOIN events e ON e.village = h.village AND e.seq <= h.head
                WHERE e.occurred_on BETWEEN \(from) AND \(to) AND e.household IS NOT NULL AND e.type = ANY(\(scores)::text[])
                  AND NOT EXISTS (SELECT 1 FROM events r WHERE r.village = e.village AND r.stream = 'reversal:' || e.seq AND r.seq <= h.head)
                  AND NOT EXISTS (SELECT 1 FROM unnest(\(pendingVillages)::text[], \(pendingSeqs)::bigint[]) AS p(village, seq)
                                  WHERE p.village = e.village AND p.seq = e.seq)
                GROUP BY e.village, e.household
                """)
            for row in rows {
                let (village, household, sum) = try row.decode((String, String, Int64).self)
                points[village, default: [:]][household] = Int(clamping: sum)
            }
        }
        return TownshipStandings.rank(folds.map { fold in
            TownshipStandings.Village(village: fold.village.village, name: fold.village.name, households: fold.ledger.allHouseholds(),
                                      units: fold.ledger.units.values.sorted { $0.code.rawValue < $1.code.rawValue },
                                      points: points[fold.village.village] ?? [:])
        })
    }

    /// Stored type names as SQL literals, for `type IN (…)`: fixed names of `EventType`, never input.
    private static func list(_ types: [EventType]) -> String { "(" + types.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")" }
    private static let notSpent = list([.pointsExpired, .pointsSent, .pointsReceived])

    /// Every village in scope with the sums of its households' figures, its head, and its name (its first event's).
    private static func totals(_ connection: Connection, township: String?) throws -> [VillageTotals] {
        let rows = try connection.rows(PostgresQuery(unsafeSQL: """
            SELECT v.village, v.township, v.head_seq, v.head_hash,
                   (SELECT o.payload::jsonb ->> 'village' FROM events o
                    WHERE o.village = v.village AND o.seq = 1 AND o.type = '\(EventType.ledgerOpened.rawValue)'),
                   coalesce(s.households, 0), coalesce(s.earned, 0), coalesce(s.deducted, 0), coalesce(s.spent, 0),
                   coalesce(s.expired, 0), coalesce(s.redeemed, 0)
            FROM villages v
            LEFT JOIN (SELECT e.village,
                              sum(CASE e.type WHEN '\(EventType.householdRegistered.rawValue)' THEN 1
                                              WHEN '\(EventType.householdReopened.rawValue)' THEN 1
                                              WHEN '\(EventType.householdClosed.rawValue)' THEN -1 ELSE 0 END) AS households,
                              sum(e.earned)::bigint AS earned, sum(e.deducted)::bigint AS deducted,
                              sum(CASE WHEN e.type IN \(notSpent) THEN 0 ELSE e.redeemed END)::bigint AS spent,
                              sum(CASE WHEN e.type = '\(EventType.pointsExpired.rawValue)' THEN e.redeemed ELSE 0 END)::bigint AS expired,
                              sum(e.redeemed)::bigint AS redeemed
                       FROM events e \(township == nil ? "" : "JOIN villages t ON t.village = e.village AND t.township = $1")
                       WHERE e.household IS NOT NULL
                       GROUP BY e.village) s ON s.village = v.village
            \(township == nil ? "" : "WHERE v.township = $1")
            """, binds: try binds(township)))
        return try rows.map { row in
            let (village, township, seq, hash, name, households, earned, deducted, spent, expired, redeemed) =
                try row.decode((String, String?, Int64, Data, String?, Int64, Int64, Int64, Int64, Int64, Int64).self)
            return VillageTotals(village: village, name: name, township: township, households: Int(clamping: households),
                                 awarded: Int(clamping: earned), deducted: Int(clamping: deducted), redeemed: Int(clamping: spent),
                                 expired: Int(clamping: expired), balance: Int(clamping: earned - deducted - redeemed), events: seq,
                                 head: seq == 0 ? "" : hash.hex)
        }
    }

    /// Points awarded, deducted and spent at the shop per village and month of the period.
    private static func months(_ connection: Connection, township: String?, from: String, to: String) throws -> [VillageMonth] {
        var bindings = try binds(township)
        bindings.append(from)
        bindings.append(to)
        let p = township == nil ? 0 : 1
        let rows = try connection.rows(PostgresQuery(unsafeSQL: """
            SELECT e.village, substr(e.occurred_on, 1, 7) AS month, sum(e.earned)::bigint, sum(e.deducted)::bigint,
                   sum(CASE WHEN e.type IN \(notSpent) THEN 0 ELSE e.redeemed END)::bigint
            FROM events e \(township == nil ? "" : "JOIN villages t ON t.village = e.village AND t.township = $1")
            WHERE e.household IS NOT NULL AND e.occurred_on BETWEEN $\(p + 1) AND $\(p + 2)
              AND (e.earned <> 0 OR e.deducted <> 0 OR e.redeemed <> 0)
            GROUP BY e.village, month
            """, binds: bindings))
        return try rows.map { row in
            let (village, month, earned, deducted, spent) = try row.decode((String, String, Int64, Int64, Int64).self)
            return VillageMonth(village: village, month: month, awarded: Int(clamping: earned), deducted: Int(clamping: deducted),
                                redeemed: Int(clamping: spent))
        }
    }

    /// The shop's redemptions of the period by item, those taken back left out.
    private static func items(_ connection: Connection, township: String?, from: String, to: String) throws -> [ItemRedemptions] {
        var bindings = try binds(township)
        bindings.append(from)
        bindings.append(to)
        let p = township == nil ? 0 : 1
        let rows = try connection.rows(PostgresQuery(unsafeSQL: """
            SELECT e.item, min(e.payload::jsonb ->> 'name' COLLATE "C"), count(*), sum(-e.stock)::bigint, sum(e.redeemed)::bigint
            FROM events e \(township == nil ? "" : "JOIN villages t ON t.village = e.village AND t.township = $1")
            WHERE e.type = '\(EventType.redeemed.rawValue)' AND e.item IS NOT NULL AND e.occurred_on BETWEEN $\(p + 1) AND $\(p + 2)
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.village = e.village AND r.stream = 'reversal:' || e.seq)
            GROUP BY e.item
            """, binds: bindings))
        return try rows.map { row in
            let (item, name, count, quantity, points) = try row.decode((String, String?, Int64, Int64, Int64).self)
            return ItemRedemptions(item: item, name: name ?? item, count: Int(clamping: count), quantity: Int(clamping: quantity),
                                   points: Int(clamping: points))
        }
    }

    private static func binds(_ township: String?) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        if let township { bindings.append(township) }
        return bindings
    }
}
