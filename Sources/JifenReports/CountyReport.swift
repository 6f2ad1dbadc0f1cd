import Foundation
import JifenCore

/// What a county report covers: the villages of one township (nil: every village of the county), and the business
/// dates of the figures by month, the redemptions by item and the joint-unit standings. The villages' totals are as
/// their chains stand now, whatever the dates.
public struct CountyReportQuery: Sendable, Equatable {
    public var township: String?
    public var dates: ClosedRange<LocalDate>

    public init(township: String? = nil, dates: ClosedRange<LocalDate>) {
        self.township = township
        self.dates = dates
    }

    /// The year to `today` (1 January to `today`): the default period of the county's page.
    public static func yearToDate(_ today: LocalDate, township: String? = nil) -> CountyReportQuery {
        let first = LocalDate(year: today.year, month: 1, day: 1) ?? today
        return CountyReportQuery(township: township, dates: first...today)
    }
}

/// The county's figures over its villages: every village's totals, points awarded and redeemed per month per village,
/// redemptions by item, and (for a township) the joint-unit standings of all its villages ranked together.
public struct CountyReport: Codable, Sendable, Equatable {
    /// The township reported on (nil: the whole county).
    public var township: String?
    /// The period of `months`, `items` and `standings`: YYYY-MM-DD, both days included.
    public var from: String
    public var to: String
    /// Every village in scope, by code.
    public var villages: [VillageTotals]
    /// Per village and month (YYYY-MM), by village then month; months with no entries are left out.
    public var months: [VillageMonth]
    /// Redemptions by item code, most points first (ties by code).
    public var items: [ItemRedemptions]
    /// The joint units of the township's villages ranked together (empty for the whole county: see `CountyReports`).
    public var standings: [TownshipStanding]

    public init(township: String?, from: String, to: String, villages: [VillageTotals], months: [VillageMonth], items: [ItemRedemptions],
                standings: [TownshipStanding]) {
        self.township = township
        self.from = from
        self.to = to
        self.villages = villages
        self.months = months
        self.items = items
        self.standings = standings
    }

    /// The sum of every village's totals (its `village` is empty and it has no head).
    public var total: VillageTotals {
        villages.reduce(into: VillageTotals(village: "", name: nil, township: township, households: 0, awarded: 0, deducted: 0,
                                            redeemed: 0, expired: 0, balance: 0, events: 0, head: "")) { sum, v in
            sum.households += v.households
            sum.awarded += v.awarded
            sum.deducted += v.deducted
            sum.redeemed += v.redeemed
            sum.expired += v.expired
            sum.balance += v.balance
            sum.events += v.events
        }
    }
}

/// A village's totals as its chain stands: the sums of its households' figures (`HouseholdAccount`) over every entry.
public struct VillageTotals: Codable, Sendable, Equatable {
    /// Its code in the county.
    public var village: String
    /// Its name, as its ledger was opened with (nil before its first event).
    public var name: String?
    public var township: String?
    /// Open households (registered, less closed, plus reopened).
    public var households: Int
    /// Points awarded and deducted (what was taken back is taken off), spent at the shop, and cleared at year end.
    public var awarded: Int
    public var deducted: Int
    public var redeemed: Int
    public var expired: Int
    /// Points the households hold: awarded less deducted, spent, expired (scores not yet final are counted).
    public var balance: Int
    /// Events in its chain, and the hash of the last (hex; empty before the first).
    public var events: Int64
    public var head: String

    public init(village: String, name: String?, township: String?, households: Int, awarded: Int, deducted: Int, redeemed: Int,
                expired: Int, balance: Int, events: Int64, head: String) {
        self.village = village
        self.name = name
        self.township = township
        self.households = households
        self.awarded = awarded
        self.deducted = deducted
        self.redeemed = redeemed
        self.expired = expired
        self.balance = balance
        self.events = events
        self.head = head
    }
}

/// A village's month: points awarded, deducted and spent at the shop, by the entries' business dates.
public struct VillageMonth: Codable, Sendable, Equatable {
    public var village: String
    /// YYYY-MM.
    public var month: String
    public var awarded: Int
    public var deducted: Int
    public var redeemed: Int

    public init(village: String, month: String, awarded: Int, deducted: Int, redeemed: Int) {
        self.village = village
        self.month = month
        self.awarded = awarded
        self.deducted = deducted
        self.redeemed = redeemed
    }
}

/// An item's redemptions in the period, those taken back left out: how many, the quantity and the points.
public struct ItemRedemptions: Codable, Sendable, Equatable {
    public var item: String
    /// The name the redemptions gave it (the least by its UTF-8 bytes, should villages name one code differently).
    public var name: String
    public var count: Int
    public var quantity: Int
    public var points: Int

    public init(item: String, name: String, count: Int, quantity: Int, points: Int) {
        self.item = item
        self.name = name
        self.count = count
        self.quantity = quantity
        self.points = points
    }
}

/// A joint unit's place among every unit of a township: as a village ranks its own (`unitStandings`), with its village.
public struct TownshipStanding: Codable, Sendable, Equatable {
    /// Units with exactly the same average share a rank.
    public var rank: Int
    public var village: String
    public var villageName: String?
    public var unit: String
    public var name: String
    public var leader: String?
    public var leaderHead: String?
    public var households: Int
    public var points: Int
    /// Average final points per household, in tenths (rounded), as the village's standings print it.
    public var tenths: Int

    public init(rank: Int, village: String, villageName: String?, unit: String, name: String, leader: String?, leaderHead: String?,
                households: Int, points: Int, tenths: Int) {
        self.rank = rank
        self.village = village
        self.villageName = villageName
        self.unit = unit
        self.name = name
        self.leader = leader
        self.leaderHead = leaderHead
        self.households = households
        self.points = points
        self.tenths = tenths
    }
}

/// Where a county's reports come from: its PostgreSQL database (`PostgresCounty`), or nothing (a county folder of
/// SQLite files has none yet).
public protocol CountyReportSource: Sendable {
    /// Every township named by a village, sorted.
    func reportTownships() throws -> [String]

    /// The report of `query`. The standings are made for a township only: for the whole county they would fold
    /// every village.
    func report(_ query: CountyReportQuery) throws -> CountyReport
}
