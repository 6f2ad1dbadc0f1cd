import Foundation
import GRDB
import JifenCore
import Tagged

extension StoreSession {
    /// Scores dated in `dates`, per recorder and per household, with the flags an auditor would look at first.
    public func favouritism(period: String, dates: ClosedRange<LocalDate>) throws -> FavouritismReport {
        let rows = try Row.fetchAll(db, sql: """
            SELECT e.seq, e.actor, e.household, e.earned, e.deducted,
                   EXISTS (SELECT 1 FROM events r WHERE r.stream = 'reversal:' || e.seq) AS undone,
                   EXISTS (SELECT 1 FROM events o WHERE o.stream = 'objection:' || e.seq) AS objected
            FROM events e
            WHERE e.type IN \(EventType.scoreList) AND e.occurred_on BETWEEN ? AND ?
            ORDER BY e.seq
            """, arguments: [dates.lowerBound.description, dates.upperBound.description])
        let units = Dictionary(firstOf: try households().map { ($0.code.rawValue, $0.unit.rawValue) })
        let actorUnits = Dictionary(firstOf: try actors().map { ($0.name.rawValue, $0.unit?.rawValue) })
        struct Score { let seq: Int64, actor: String, household: String, earned: Int, deducted: Int, undone: Bool, objected: Bool }
        let scores = try rows.map { Score(seq: try $0.at(0), actor: try $0.at(1), household: try $0.at(2), earned: try $0.at(3), deducted: try $0.at(4), undone: try $0.at(5), objected: try $0.at(6)) }
        var recorders: [FavouritismReport.Recorder] = []
        var flags: [FavouritismReport.Flag] = []
        for (name, mine) in Dictionary(grouping: scores, by: \.actor).sorted(by: { $0.key < $1.key }) {
            let kept = mine.filter { !$0.undone }
            var byUnit: [String: Int] = [:]
            for score in kept where score.earned > 0 { byUnit[units[score.household] ?? "?", default: 0] += score.earned }
            let awarded = kept.reduce(0) { $0 + $1.earned }
            let ownUnit = actorUnits[name] ?? nil
            let share = ownUnit.map { awarded == 0 ? 0 : Double(byUnit[$0] ?? 0) / Double(awarded) }
            recorders.append(.init(name: name, unit: ownUnit, scores: mine.count, awarded: awarded, deducted: kept.reduce(0) { $0 + $1.deducted },
                                   awardedByUnit: byUnit, ownUnitShare: share, reversed: mine.filter(\.undone).count,
                                   objected: mine.filter(\.objected).count))
            if mine.count >= 10, Double(mine.filter(\.undone).count) / Double(mine.count) > 0.2 {
                flags.append(.init(kind: "reversals", subject: name, detail: "\(mine.filter(\.undone).count) of \(mine.count) scores taken back",
                                   events: mine.filter(\.undone).map(\.seq)))
            }
        }
        // Households whose awards come mostly (over 80 %, at least 5 scores) from a recorder who gives under half of
        // the village's awards: in a village with one clerk, everyone's points come from that clerk.
        let villageAwards = scores.filter { !$0.undone }.reduce(0) { $0 + $1.earned }
        let byRecorderInVillage = Dictionary(grouping: scores.filter { !$0.undone }, by: \.actor).mapValues { $0.reduce(0) { $0 + $1.earned } }
        for (household, theirs) in Dictionary(grouping: scores.filter { !$0.undone && $0.earned > 0 }, by: \.household).sorted(by: { $0.key < $1.key })
            where theirs.count >= 5 {
            let total = theirs.reduce(0) { $0 + $1.earned }
            let byRecorder = Dictionary(grouping: theirs, by: \.actor).mapValues { $0.reduce(0) { $0 + $1.earned } }
            if let (top, points) = byRecorder.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }), villageAwards > 0,
               Double(points) / Double(total) > 0.8, Double(byRecorderInVillage[top] ?? 0) / Double(villageAwards) < 0.5 {
                flags.append(.init(kind: "one recorder", subject: household, detail: "\(points) of \(total) award points from \(top)",
                                   events: theirs.filter { $0.actor == top }.map(\.seq)))
            }
        }
        // Households whose awards are more than three standard deviations above the village's.
        let awards = Dictionary(grouping: scores.filter { !$0.undone }, by: \.household).mapValues { $0.reduce(0) { $0 + $1.earned } }
        let all = units.keys.map { Double(awards[$0] ?? 0) }
        if all.count > 2 {
            let mean = all.reduce(0, +) / Double(all.count)
            let deviation = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)).squareRoot()
            for (household, points) in awards.sorted(by: { $0.key < $1.key }) where deviation > 0 && Double(points) > mean + 3 * deviation {
                flags.append(.init(kind: "outlier", subject: household,
                                   detail: String(format: "%d award points against a village mean of %.1f (σ %.1f)", points, mean, deviation),
                                   events: scores.filter { $0.household == household && !$0.undone && $0.earned > 0 }.map(\.seq)))
            }
        }
        return FavouritismReport(period: period, recorders: recorders, flags: flags)
    }
}
