import Foundation
import JifenCore

/// The joint units of several villages ranked together, by the rule a village ranks its own (`unitStandings` of
/// JifenStore): a unit's open households and the final points of their scores in the period, ranked by exact average
/// per household (compared as fractions), best first; ties by unit code, then by village code. A unit with no open
/// household is left out. Restricted to one village, the order is the village's own.
public enum TownshipStandings {
    /// One village's part: its register and units as its fold holds them, and each household's final points.
    public struct Village: Sendable {
        public let village: String
        public let name: String?
        public let households: [HouseholdAccount]
        public let units: [UnitRecord]
        /// Final points in the period, by household code.
        public let points: [String: Int]

        public init(village: String, name: String?, households: [HouseholdAccount], units: [UnitRecord], points: [String: Int]) {
            self.village = village
            self.name = name
            self.households = households
            self.units = units
            self.points = points
        }
    }

    public static func rank(_ villages: [Village]) -> [TownshipStanding] {
        var standings: [TownshipStanding] = []
        for village in villages {
            let heads = Dictionary(village.households.map { ($0.code, $0.head) }, uniquingKeysWith: { first, _ in first })
            var members: [UnitCode: [HouseholdAccount]] = [:]
            for household in village.households where household.status == .open { members[household.unit, default: []].append(household) }
            for unit in village.units {
                guard let open = members[unit.code], !open.isEmpty else { continue }
                let total = open.reduce(0) { $0 + (village.points[$1.code.rawValue] ?? 0) }
                let tenths = Int((Double(total) * 10 / Double(open.count)).rounded())
                standings.append(TownshipStanding(rank: 0, village: village.village, villageName: village.name, unit: unit.code.rawValue,
                                                  name: unit.name, leader: unit.leader?.rawValue, leaderHead: unit.leader.flatMap { heads[$0] },
                                                  households: open.count, points: total, tenths: tenths))
            }
        }
        standings.sort {
            let left = $0.points * $1.households, right = $1.points * $0.households
            if left != right { return left > right }
            if $0.unit != $1.unit { return $0.unit < $1.unit }
            return $0.village < $1.village
        }
        for index in standings.indices {
            let tied = index > 0 && standings[index - 1].points * standings[index].households
                == standings[index].points * standings[index - 1].households
            standings[index].rank = tied ? standings[index - 1].rank : index + 1
        }
        return standings
    }
}
