import Foundation
import JifenCore
import JifenReports
import JifenStore

/// The county's reports over a county folder (`jifen serve --county`: one SQLite ledger per village): each village's
/// own reads of its file (its households, its entries of the period), summed here. Every report reads every village's
/// file, so it is slower than a county database's, which sums in SQL; and a folder names no townships, so it has no
/// township reports and no joint-unit standings.
public struct CountyFolderReports: CountyReportSource {
    let folder: CountyFolder

    public init(folder: CountyFolder) { self.folder = folder }

    public func reportTownships() throws -> [String] { [] }

    public func report(_ query: CountyReportQuery) throws -> CountyReport {
        var villages: [VillageTotals] = [], months: [VillageMonth] = []
        var items: [String: ItemRedemptions] = [:]
        // A folder's villages belong to no township.
        for code in query.township == nil ? try folder.villages() : [] {
            let (head, name, households, entries) = try folder.store(code).read { session in
                (try session.headOfLog(), try session.ledger()?.village, try session.households(), try session.entries(in: query.dates))
            }
            villages.append(VillageTotals(village: code, name: name, township: nil, households: households.filter { $0.status == .open }.count,
                                          awarded: households.reduce(0) { $0 + $1.earned }, deducted: households.reduce(0) { $0 + $1.deducted },
                                          redeemed: households.reduce(0) { $0 + $1.redeemed }, expired: households.reduce(0) { $0 + $1.expired },
                                          balance: households.reduce(0) { $0 + $1.earned - $1.deducted - $1.redeemed - $1.expired - $1.moved },
                                          events: head.seq, head: head.seq == 0 ? "" : head.hash.hex))
            var byMonth: [String: VillageMonth] = [:]
            for entry in entries where entry.household != nil {
                let month = String(entry.occurredOn.description.prefix(7))
                var figures = byMonth[month] ?? VillageMonth(village: code, month: month, awarded: 0, deducted: 0, redeemed: 0)
                figures.awarded += entry.earned
                figures.deducted += entry.deducted
                if entry.type.route == .shop { figures.redeemed += entry.redeemed }
                byMonth[month] = figures
            }
            months += byMonth.values.filter { $0.awarded != 0 || $0.deducted != 0 || $0.redeemed != 0 }
            let kept = entries.filter { $0.kind == .redemption && $0.reversedBy == nil && $0.item != nil }
            for entry in kept {
                let item = entry.item?.rawValue ?? ""
                var figures = items[item] ?? ItemRedemptions(item: item, name: "", count: 0, quantity: 0, points: 0)
                figures.count += 1
                figures.quantity -= entry.quantity
                figures.points += entry.redeemed
                items[item] = figures
            }
            // The name the redemptions gave the item: the least by its UTF-8 bytes, as the database's report takes it (COLLATE "C").
            guard !kept.isEmpty else { continue }
            let seqs = Set(kept.map(\.seq))
            let redemptions = try folder.store(code).read { try $0.events(dates: query.dates) }
            for event in redemptions where seqs.contains(event.seq) {
                guard case .redeemed(let redeemed) = event.event, let figures = items[redeemed.item.rawValue] else { continue }
                if figures.name.isEmpty || Array(redeemed.name.utf8).lexicographicallyPrecedes(Array(figures.name.utf8)) { items[redeemed.item.rawValue]?.name = redeemed.name }
            }
        }
        return CountyReport(township: query.township, from: query.dates.lowerBound.description, to: query.dates.upperBound.description,
                            villages: villages.sorted { $0.village < $1.village },
                            months: months.sorted { ($0.village, $0.month) < ($1.village, $1.month) },
                            items: items.values.map { $0.name.isEmpty ? ItemRedemptions(item: $0.item, name: $0.item, count: $0.count, quantity: $0.quantity, points: $0.points) : $0 }.sorted { $0.points != $1.points ? $0.points > $1.points : $0.item < $1.item }, standings: [])
    }
}
