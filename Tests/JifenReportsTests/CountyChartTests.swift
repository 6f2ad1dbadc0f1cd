import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import JifenCore
import JifenPostgresTestSupport
import JifenReports
import Testing

/// The county's pictures: the same events give the same bytes (a golden file), nothing in them reaches outside, and
/// hundreds of villages or items become the largest ones plus "others".
@Suite struct CountyChartTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let recording = ProcessInfo.processInfo.environment["JIFEN_UPDATE_GOLDEN"] == "1"

    /// The three pictures of a township's report over the generated villages, one after the other.
    static func pictures(chinese: Bool) throws -> String {
        let setup = try ReportVillages.shared.get()
        let report = try setup.county.report(CountyReportQuery(township: setup.townships[0], dates: CountyReportTests.dates))
        return CountyCharts.monthly(report, chinese: chinese) + CountyCharts.villages(report, chinese: chinese)
            + CountyCharts.items(report, chinese: chinese)
    }

    @Test(.enabled(if: PostgresCluster.runs, PostgresCluster.skipReason))
    func theTownshipsPicturesAreTheGoldenFile() throws {
        let file = Self.golden.appendingPathComponent("township-charts.svg")
        let drawn = try Self.pictures(chinese: true)
        // Drawn twice from the database, the same bytes.
        #expect(try Self.pictures(chinese: true) == drawn)
        if Self.recording || !FileManager.default.fileExists(atPath: file.path) {
            try Data(drawn.utf8).write(to: file)
        }
        #expect(drawn == (try String(contentsOf: file, encoding: .utf8)), "Tests/JifenReportsTests/Golden/township-charts.svg differs (JIFEN_UPDATE_GOLDEN=1 rewrites it)")
        #expect(drawn.contains("红旗村") && drawn.contains("每月发放与兑换积分"))
        #expect(try Self.pictures(chinese: false).contains("Points awarded and redeemed by month"))
    }

    /// A report of `villages` villages and `items` items, each with figures made from its number.
    static func report(villages: Int, items: Int) -> CountyReport {
        let totals = (1...villages).map { n in
            VillageTotals(village: "v\(n)", name: "第\(n)村", township: nil, households: n, awarded: n * 7, deducted: n, redeemed: n * 3,
                          expired: 0, balance: n * 3, events: Int64(n), head: "")
        }
        let months = (1...villages).flatMap { n in
            (1...3).map { m in VillageMonth(village: "v\(n)", month: "2025-0\(m)", awarded: n * m * 10, deducted: n, redeemed: n * m * 4) }
        }
        let sold = (1...items).map { n in ItemRedemptions(item: "i\(n)", name: "商品<\(n)>&", count: n, quantity: n * 2, points: n * 100) }
            .sorted { $0.points > $1.points }
        return CountyReport(township: nil, from: "2025-01-01", to: "2025-03-31", villages: totals, months: months, items: sold, standings: [])
    }

    @Test func manyVillagesBecomeTheLargestAndTheOthers() throws {
        let villages = CountyCharts.most + 7, items = CountyCharts.most + 3
        let report = Self.report(villages: villages, items: items)
        let picture = CountyCharts.villages(report, chinese: true)
        // The villages with most awarded are the last made here; the rest are summed, by their count.
        #expect(picture.contains("第\(villages)村") && !picture.contains("第1村<"))
        #expect(picture.contains("其他 \(villages - CountyCharts.most) 村"))
        let rest = report.months.filter { Int($0.village.dropFirst()) ?? 0 <= villages - CountyCharts.most }
        #expect(picture.contains(">\(rest.reduce(0) { $0 + $1.awarded })</text>"))
        // Two bars a row, one row for each of the largest and one for the others (each bar with its own title).
        #expect(picture.components(separatedBy: "</title></rect>").count - 1 == 2 * (CountyCharts.most + 1))
        let itemPicture = CountyCharts.items(report, chinese: true)
        #expect(itemPicture.contains("其他 \(items - CountyCharts.most) 项"))
        // Names are escaped, never markup.
        #expect(itemPicture.contains("商品&lt;\(items)&gt;&amp;") && !itemPicture.contains("商品<"))
    }

    @Test func picturesReachNothingOutside() throws {
        let report = Self.report(villages: 3, items: 2)
        for picture in [CountyCharts.monthly(report, chinese: true), CountyCharts.villages(report, chinese: false), CountyCharts.items(report, chinese: true)] {
            #expect(picture.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && picture.hasSuffix("</svg>\n"))
            let lowered = picture.lowercased()
            #expect(!lowered.contains("<script") && !lowered.contains("href") && !lowered.contains("@import") && !lowered.contains("url("))
            #expect(lowered.components(separatedBy: "http").count == 2, "the namespace is the one address")
            // Well-formed XML.
            let parser = XMLParser(data: Data(picture.utf8))
            #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        }
        // Every month of the period has its place, named in Chinese.
        let monthly = CountyCharts.monthly(report, chinese: true)
        #expect(["1月", "2月", "3月", "2025年"].allSatisfy { monthly.contains(">\($0)</text>") })
    }
}
