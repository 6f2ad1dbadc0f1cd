import Testing
@testable import JifenCore

@Suite struct ReferenceScheme {
    @Test func hasFourCategoriesNineIndicatorsAndThirtyThreeRules() throws {
        let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
        #expect(scheme.categories.count == 4)
        #expect(scheme.indicators.count == 9)
        #expect(scheme.rules.count == 33)
        #expect(scheme.rules.filter { $0.points.direction == .deduction }.count == 10)
        #expect(scheme.rules.filter { !$0.points.isFixed }.count == 8)
        #expect(scheme.rule("A2.2")?.en == "Joins anti-drug, anti-fraud or legal-education work")
        #expect(scheme.rule("A1.4")?.points == RulePoints(direction: .award, min: 15, max: 50))
        #expect(scheme.rule("B2.2")?.cap == Cap(count: 1, period: .quarter))
        #expect(scheme.settings == SchemeSettings())
    }
}

@Suite struct SchemeValidation {
    static let minimal = """
        name: 小方案
        categories:
          - {code: A, zh: 品行, en: Conduct}
        indicators:
          - {code: A1, category: A, zh: 形象, en: Image}
        rules:
          - {code: A1.1, indicator: A1, points: "+2", cap: 1/month, zh: 整洁, en: Tidy}
          - {code: A1.2, indicator: A1, points: "-5..20", zh: 违规, en: Breach}
        """

    @Test func aSchemeOfAnyShapeLoads() throws {
        let scheme = try SchemeFile.parse(Self.minimal)
        #expect((scheme.categories.count, scheme.indicators.count, scheme.rules.count) == (1, 1, 2))
    }

    /// Each broken file names the field at fault.
    @Test(arguments: [
        ("duplicate rule code", "code: A1.2, indicator: A1, points: \"-5..20\"", "code: A1.1, indicator: A1, points: \"-5..20\"", "rules[1].code"),
        ("unknown indicator", "code: A1.2, indicator: A1,", "code: A1.2, indicator: A9,", "rules[1] (A1.2).indicator"),
        ("reversed range", "\"-5..20\"", "\"-20..5\"", "rules[1] (A1.2).points"),
        ("no sign", "\"-5..20\"", "\"5..20\"", "rules[1] (A1.2).points"),
        ("bad cap", "cap: 1/month", "cap: 1/fortnight", "rules[0] (A1.1).cap"),
        ("zero cap", "cap: 1/month", "cap: 0/month", "rules[0] (A1.1).cap"),
        ("missing name", "zh: 整洁, en: Tidy", "zh: 整洁", "rules[0] (A1.1).en"),
        ("unknown category", "category: A,", "category: Z,", "indicators[0] (A1).category"),
        ("unquoted comma", "en: Tidy}", "en: Tidy, clean}", "rules[0].clean"),
        ("unknown top-level key", "name: 小方案", "name: 小方案\nrulez: []", "rulez"),
        ("a control character in a name", "zh: 整洁, en: Tidy", "zh: \"整\\e[2J洁\", en: Tidy", "rules[0] (A1.1).zh"),
        ("a rule code a spreadsheet runs", "code: A1.2, indicator: A1,", "code: \"=A1.2\", indicator: A1,", "rules[1].code"),
    ])
    func brokenFilesNameTheField(_ name: String, _ from: String, _ to: String, _ field: String) {
        let text = Self.minimal.replacingOccurrences(of: from, with: to)
        #expect(text != Self.minimal, "the case \(name) changes the file")
        #expect(throws: SchemeProblem.self) { try SchemeFile.parse(text) }
        do {
            _ = try SchemeFile.parse(text)
        } catch {
            #expect(error.field == field, "\(name): \(error)")
        }
    }

    @Test(arguments: [
        ("settings:\n  notice_days: -1\n", "settings.notice_days"),
        ("settings:\n  stars: [40, 20]\n", "settings.stars"),
        ("settings:\n  year_end: sometimes\n", "settings.year_end"),
        ("settings:\n  posting_days: 7\n", "settings.posting_days"),
    ])
    func badSettingsNameTheSetting(_ settings: String, _ field: String) {
        do {
            _ = try SchemeFile.parse(Self.minimal + "\n" + settings)
            Issue.record("accepted \(settings)")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func settingsAreRead() throws {
        let scheme = try SchemeFile.parse(Self.minimal + "\nsettings:\n  notice_days: 5\n  year_end: clear 01-10\n  stars: [10, 30]\n")
        #expect(scheme.settings.noticeDays == 5)
        #expect(scheme.settings.yearEnd == .clear(month: 1, day: 10))
        #expect(scheme.settings.stars == [10, 30])
    }

    @Test func notYAMLOrEmptyIsRefused() {
        #expect(throws: SchemeProblem.self) { try SchemeFile.parse("") }
        #expect(throws: SchemeProblem.self) { try SchemeFile.parse("rules: [") }
        #expect(throws: SchemeProblem.self) { try SchemeFile.parse("- just a list") }
    }
}

@Suite struct Dates {
    @Test(arguments: ["2025-02-29", "2025-13-01", "2025-00-10", "2025-1-5", "25-01-05", "2025/01/05", "2025-01-32", ""])
    func invalidDatesAreRefused(_ text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test func leapDaysAndRoundTrips() {
        #expect(day("2024-02-29") != nil)
        #expect(day("2000-02-29") != nil)
        #expect(day("1900-02-29") == nil)
        for days in stride(from: -800, through: 30_000, by: 37) {
            let date = LocalDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(LocalDate(date.description) == date)
            #expect(date.next.daysSinceEpoch == days + 1)
        }
        #expect(day("1970-01-01")!.daysSinceEpoch == 0)
    }

    @Test func periods() {
        let date = day("2024-08-15")!
        #expect(CapPeriod.month.bounds(of: date) == day("2024-08-01")!...day("2024-08-31")!)
        #expect(CapPeriod.quarter.bounds(of: date) == day("2024-07-01")!...day("2024-09-30")!)
        #expect(CapPeriod.quarter.bounds(of: day("2024-02-10")!) == day("2024-01-01")!...day("2024-03-31")!)
        #expect(CapPeriod.year.bounds(of: date) == day("2024-01-01")!...day("2024-12-31")!)
        #expect(CapPeriod.quarter.label(of: date) == "2024-Q3")
        #expect(CapPeriod.month.label(of: date) == "2024-08")
    }

    @Test func nearestCode() {
        #expect(Nearest.code(to: "H01", among: ["H001", "H010", "H100"]) == "H001")
        #expect(Nearest.code(to: "a1.1", among: ["A1.1", "A1.2"]) == "A1.1")
        #expect(Nearest.code(to: "ZZZZZZ", among: ["H001"]) == nil)
    }
}

/// Parses a date from text (not the test-only string literal, which cannot fail).
func day(_ text: String) -> LocalDate? { LocalDate(text) }
