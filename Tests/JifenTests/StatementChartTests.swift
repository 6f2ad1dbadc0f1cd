import Foundation
import Testing

/// The statement's small charts (the year's final scores by month and by category) and its large type.
@Suite struct StatementCharts {
    /// A statement's chart as its JSON gives it: the months' and the categories' awards less deductions, and its last day.
    struct Chart {
        let months: [(awards: Int, deductions: Int)]
        let categories: [(code: String, awards: Int, deductions: Int)]
        let through: String

        init(_ statement: [String: Any]) throws {
            let chart = try #require(statement["chart"] as? [String: Any])
            months = try #require(chart["months"] as? [[String: Any]]).map { ($0["awards"] as? Int ?? -1, $0["deductions"] as? Int ?? -1) }
            categories = try #require(chart["categories"] as? [[String: Any]]).map {
                ($0["code"] as? String ?? "", $0["awards"] as? Int ?? -1, $0["deductions"] as? Int ?? -1)
            }
            through = chart["through"] as? String ?? ""
        }

        var monthsNet: Int { months.reduce(0) { $0 + $1.awards - $1.deductions } }
        var categoriesNet: Int { categories.reduce(0) { $0 + $1.awards - $1.deductions } }
    }

    @Test("over a whole year the chart's months and its categories each add up to the year's final points, for every household")
    func theChartAddsUpToTheYear() throws {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "jifen.sqlite"))
        let statements = try #require(try office.json("statement", "--all", "--period", "2025") as? [[String: Any]])
        #expect(statements.count > 100)
        var households = 0
        for statement in statements {
            let chart = try Chart(statement)
            let year = try #require(statement["yearPoints"] as? Int)
            #expect(chart.months.count == 12 && chart.through == "2025-12-31")
            #expect(chart.monthsNet == year, "\(statement["household"] ?? "")")
            #expect(chart.categoriesNet == year, "\(statement["household"] ?? "")")
            #expect(chart.categories.map(\.code) == ["A", "B", "C", "D"])
            if chart.months.contains(where: { $0.deductions > 0 }) { households += 1 }
        }
        #expect(households > 0, "some household has a deduction, so the deductions are drawn somewhere")
        // A month's statement counts the year up to its end: nothing after it, and its months as the year's.
        let march = try #require(try office.json("statement", "H001", "--period", "2025-03") as? [String: Any])
        let year = try #require(statements.first { $0["household"] as? String == "H001" })
        let (partial, whole) = (try Chart(march), try Chart(year))
        #expect(partial.through == "2025-03-31")
        #expect(partial.months[3...].allSatisfy { $0.awards == 0 && $0.deductions == 0 })
        #expect(partial.months[..<3].map { [$0.awards, $0.deductions] } == whole.months[..<3].map { [$0.awards, $0.deductions] })
    }

    @Test("a scheme published later, not yet in force, changes no chart of an earlier year")
    func aLaterSchemeChangesNoPastChart() throws {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "jifen.sqlite"))
        let before = try Chart(try #require(try office.json("statement", "H001", "--period", "2025") as? [String: Any]))
        // The next scheme (the demo's, the reference) moves the indicator A1 into the category B.
        let reference = try String(contentsOf: packageRoot.appendingPathComponent("seed/reference-scheme.yaml"), encoding: .utf8)
        let moved = reference.replacingOccurrences(of: "{code: A1, category: A,", with: "{code: A1, category: B,")
        #expect(moved != reference)
        try office.write("next.yaml", moved)
        expectOK(try office.jifen("scheme", "publish", "next.yaml", "--effective", "2027-01-01", "--by", "张书记"))
        let after = try Chart(try #require(try office.json("statement", "H001", "--period", "2025") as? [String: Any]))
        #expect(after.categories.map { "\($0.code) \($0.awards) \($0.deductions)" } == before.categories.map { "\($0.code) \($0.awards) \($0.deductions)" })
    }

    @Test("the HTML statement draws both charts as SVG with their figures; --large makes it large; text takes no --large")
    func htmlCharts() throws {
        let office = try Office()
        expectOK(try office.jifen("demo", "--ledger", "jifen.sqlite"))
        let statement = try #require(try office.json("statement", "H001", "--period", "2025") as? [String: Any])
        let chart = try Chart(statement)
        let html = try office.jifen("statement", "H001", "--period", "2025", "--format", "html")
        expectOK(html)
        #expect(html.out.contains("<figure class=\"charts\">") && html.out.components(separatedBy: "<svg viewBox").count == 3)
        for month in chart.months where month.awards > 0 {
            #expect(html.out.contains(">\(month.awards)</text>"))
        }
        for month in chart.months where month.deductions > 0 {
            #expect(html.out.contains(">-\(month.deductions)</text>"))
        }
        #expect(!html.out.contains("<body class=\"large\">"))
        let large = try office.jifen("statement", "H001", "--period", "2025", "--format", "html", "--large")
        #expect(large.out.contains("<body class=\"large\">"))
        #expect(try office.jifen("statement", "H001", "--period", "2025", "--large").status == 64)
    }

    @Test("the PDF draws the charts; in large type the table leaves out the rule codes and the clerks")
    func pdfChartsAndLargeType() throws {
        let office = try Golden().village()
        for (file, large) in [("usual.pdf", false), ("large.pdf", true)] {
            expectOK(try office.jifen(arguments: ["statement", "H001", "--period", "2025", "--format", "pdf", "--out", file,
                                                  "--date", "2025-04-30"] + (large ? ["--large"] : [])))
        }
        let statement = try #require(try office.json("statement", "H001", "--period", "2025", "--date", "2025-04-30") as? [String: Any])
        let lines = try #require(statement["lines"] as? [[String: Any]])
        let clerks = Set(lines.compactMap { $0["by"] as? String })
        for (file, large) in [("usual.pdf", false), ("large.pdf", true)] {
            let text = try office.run("/usr/bin/pdftotext", [file, "-"])
            expectOK(text)
            let squeezed = text.out.filter { !$0.isWhitespace }
            #expect(squeezed.contains("2025年各月记分") && squeezed.contains("2025年各类记分"), "\(file)")
            for line in lines {
                #expect(squeezed.contains((line["zh"] as? String ?? "").filter { !$0.isWhitespace }), "\(file)")
            }
            #expect(clerks.allSatisfy { squeezed.contains($0) } == !large, "\(file): the clerks' column")
            expectOK(try office.run("/usr/bin/pdftoppm", ["-r", "50", "-png", file, String(file.dropLast(4))]))
        }
    }
}
