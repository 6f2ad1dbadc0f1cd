import Foundation
import GRDB
import Jifen
import JifenCore
import JifenDemo
@testable import JifenStore
import Testing

/// The batch append path's short cuts, each held to the longer way it replaces.
@Suite struct ImportPath {
    @Test("reviews counted by state are the reviews read one by one, counted")
    func reviewTallyAgreesWithTheReviews() throws {
        let scratch = try Scratch()
        let path = scratch.path("village.sqlite")
        var counted = 0, states: Set<ReviewState> = []
        func check(_ store: EventStore, _ day: LocalDate) throws {
            let month = CapPeriod.month.bounds(of: day), year = CapPeriod.year.bounds(of: day)
            let before = CapPeriod.month.bounds(of: LocalDate(daysSinceEpoch: month.lowerBound.daysSinceEpoch - 1))
            for dates in [month, before, year] {
                let (tally, reviews) = try store.read { (try $0.reviewTally(in: dates), try $0.reviews(in: dates)) }
                #expect(tally == ReviewTally(reviews), "\(dates) at \(day)")
                counted += reviews.count
                states.formUnion(reviews.map(\.state))
            }
        }
        _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 40, years: 1, firstYear: 2025, seed: 9), atMonthEnd: { day in
            // Read-only (GRDB's read) and writable (a transaction rolled back) alike.
            try check(try EventStore(path: path, create: false, readOnly: true), day)
            try check(try EventStore(path: path, create: false), day)
        })
        #expect(counted > 0)
        #expect(states.contains(.pending))
        // A notice posted and a score objected to, by hand, so that every state the tally sees is met.
        let script = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 9)
        script.setEvening(of: LocalDate("2026-01-02")!)
        let ledger = try Ledger(path: path, environment: script.environment)
        try ledger.execute(.openNotice(try #require(NoticePeriod("2025-12"))), by: LedgerGenerator.reviewer, on: LocalDate("2026-01-01")!)
        let store = try EventStore(path: path, create: false)
        let december = CapPeriod.month.bounds(of: LocalDate("2025-12-15")!)
        let posted = try store.read { try $0.reviews(in: december) }
        #expect(!posted.isEmpty && posted.allSatisfy { $0.state == .posted })
        try ledger.execute(.object(.seq(posted[0].seq), reason: "户主称当日不在家"), by: LedgerGenerator.unitLeader, on: LocalDate("2026-01-02")!)
        let (tally, reviews) = try store.read { (try $0.reviewTally(in: december), try $0.reviews(in: december)) }
        #expect(tally == ReviewTally(reviews))
        #expect(tally[.objected].count == 1 && tally[.objected].first == posted[0].seq)
        #expect(tally[.posted].count == posted.count - 1)
    }

    @Test("a review that would not decode fails the count as it fails the reading; one read as it is counts as read")
    func reviewTallyNamesDamage() throws {
        let scratch = try Scratch()
        let path = scratch.path("village.sqlite")
        _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 20, years: 1, firstYear: 2025, seed: 4))
        let store = try EventStore(path: path, create: false)
        let year = CapPeriod.year.bounds(of: LocalDate("2025-06-01")!)
        let seq = try #require(try store.read { try $0.reviews(in: year) }.first?.seq)
        var refused = 0
        let notDates = ["occurred_on = '2025-02-30'", "occurred_on = '2025-1-300'"]
        for (index, damage) in (notDates + ["points = 'x'", "points = 2.5", "household = 7", "objected_by = x'00'", "objection = 'y'"]).enumerated() {
            let copy = scratch.path("damaged-\(index).sqlite")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let damaged = try EventStore(path: copy, create: false)
            try damaged.withDatabase { try $0.execute(sql: "UPDATE p_reviews SET \(damage) WHERE seq = ?", arguments: [seq]) }
            func outcome(_ body: (StoreSession) throws -> ReviewTally) -> String {
                do {
                    return "\(try damaged.read(body))"
                } catch {
                    refused += 1
                    return "\(error)"
                }
            }
            #expect(outcome { try $0.reviewTally(in: year) } == outcome { ReviewTally(try $0.reviews(in: year)) }, "\(damage)")
        }
        // The dates that are not dates, each refused by both.
        #expect(refused == 2 * notDates.count)
        // Points beyond what any score holds are damage to the count (no sum of them can overflow).
        let copy = scratch.path("damaged-points.sqlite")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let damaged = try EventStore(path: copy, create: false)
        try damaged.withDatabase { try $0.execute(sql: "UPDATE p_reviews SET points = ? WHERE seq = ?", arguments: [Int64.max, seq]) }
        #expect(throws: StoreError.damaged(column: "p_reviews.points", found: String(Int64.max))) {
            try damaged.read { _ = try $0.reviewTally(in: year) }
        }
    }

    /// A notice's closing sums each household's final points from the month's review rows and takes them out of its
    /// account in memory; a row it cannot take as it is (a review's household code stored as its bytes: damage that
    /// still reads as the same code) sends it to the UPDATE in SQL instead. Both ways leave the same accounts.
    @Test("a notice's closing over reviews whose household codes are stored as bytes leaves the accounts the sound file's closing does")
    func closingOverDamagedReviewsLeavesTheSameAccounts() throws {
        let scratch = try Scratch()
        let path = scratch.path("village.sqlite")
        _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 40, years: 1, firstYear: 2025, seed: 9))
        let december = try #require(NoticePeriod("2025-12"))
        func households(_ file: String) throws -> [[DatabaseValue]] {
            try EventStore(path: file, create: false, readOnly: true).withDatabase { db in
                let rows: [Row] = try Row.fetchAll(db, sql: "SELECT * FROM p_households ORDER BY code")
                return rows.map { (row: Row) -> [DatabaseValue] in Array(row.databaseValues) }
            }
        }
        var accounts: [[[DatabaseValue]]] = []
        for (index, damage) in [false, true].enumerated() {
            let file = scratch.path("village-\(index).sqlite")
            try FileManager.default.copyItem(atPath: path, toPath: file)
            let script = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 9)
            script.setEvening(of: LocalDate("2026-01-31")!)
            let ledger = try Ledger(path: file, environment: script.environment)
            try ledger.execute(.openNotice(december), by: LedgerGenerator.reviewer, on: LocalDate("2026-01-01")!)
            let store = try EventStore(path: file, create: false)
            let posted = try store.read { try $0.reviews(in: december.dates) }
            #expect(posted.count > 2 && posted.allSatisfy { $0.state == .posted })
            if damage {
                try store.withDatabase { db in
                    try db.execute(sql: "UPDATE p_reviews SET household = CAST(household AS BLOB) WHERE seq IN (?, ?)",
                                   arguments: [posted[0].seq, posted[posted.count - 1].seq])
                    #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM p_reviews WHERE typeof(household) = 'blob'") == 2)
                }
            }
            try ledger.execute(.closeNotice(december), by: LedgerGenerator.reviewer, on: LocalDate("2026-01-31")!)
            #expect(try store.read { try $0.reviews(in: december.dates) }.isEmpty)
            accounts.append(try households(file))
        }
        // The closing moved points out of pending: the accounts differ from the file before it, and agree with each other.
        #expect(accounts[0] != (try households(path)))
        #expect(accounts[1] == accounts[0])
    }

    @Test("a score's payload is found spelled out by its facts and its rule's text exactly when the text cut out of it is that text")
    func spellsOutAgreesWithTheCut() throws {
        let text = #"{"category":"A","code":"A1.1","en":"Tidy yard","indicator":"yard","points":"5","zh":"院落整洁"}"#
        var payloads: [(String, String, Int)] = []
        let households = ["H001", "H1", "户1"], figures = [0, 5, -3, 12345, -1_000_000, Int.max, Int.min + 1]
        for household in households {
            for points in figures {
                let prefix = CompactFields.scorePrefix(household: household, points: points)
                payloads += [
                    (prefix + text + "}", household, points),
                    (prefix + text + #","source":{"line":2,"sheet":"ab"}}"#, household, points),
                    (prefix + text, household, points),
                    (prefix + text + "}}", household, points),
                    (prefix + text.dropLast() + "}", household, points),
                    (prefix + text + "}", household + "x", points),
                    (prefix + text + "}", household, points &+ 1),
                    (prefix.replacingOccurrences(of: #""note":"""#, with: #""note":"x""#) + text + "}", household, points),
                    (prefix + "{}" + "}", household, points),
                    ("", household, points),
                ]
            }
        }
        var matched = 0
        for (payload, household, points) in payloads {
            let cut = CompactFields.ruleText(in: payload, household: household, points: points)
            let spelled = CompactFields.spellsOut(payload, household: household, points: points, text: text)
            #expect(spelled == (cut == text), "\(payload)")
            if spelled { matched += 1 }
        }
        // The one form per household and figure that is the prefix, the text and `}`.
        #expect(matched == households.count * figures.count)
    }

    @Test("numbers are written into a payload as JSONEncoder writes them")
    func payloadNumbers() throws {
        let rule = RuleSnapshot(rule: Rule(code: "C1.2", indicator: "C1", zh: "成功调解邻里纠纷", en: "Settles a neighbours' dispute",
                                           points: RulePoints(direction: .award, min: 5, max: 10), cap: nil), category: "C")
        var figures = [0, 1, -1, 9, 10, -10, 99, 100, 101, 999, 1000, Int.max, Int.min, Int.min + 1, Int.max / 10]
        var random = SeededRandom(seed: 5)
        for _ in 0..<100 { figures.append(Int(truncatingIfNeeded: random.next()) >> Int(random.next() % 60)) }
        for figure in figures {
            let events: [LedgerEvent] = [
                .scoreRecorded(ScoreRecorded(household: "H001", rule: rule, points: figure, note: "", source: SheetLine(sheet: "ab", line: figure))),
                .redeemed(Redeemed(household: "H001", item: "oil", name: "油", quantity: figure, price: 1)),
            ]
            for event in events {
                #expect(try EventCodec.payload(of: event) == EventCodec.encodedPayload(of: event), "\(figure)")
            }
        }
    }

    @Test("a character is forbidden in free text exactly as its category says, with or without the short cut")
    func forbiddenCharacters() {
        var forbidden = 0
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let byCategory: Bool
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: byCategory = scalar != "\t"
            default: byCategory = (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            }
            let found = TextSyntax.forbidden(in: "a" + String(Character(scalar)) + "中") != nil
            #expect(found == byCategory, "U+\(String(value, radix: 16))")
            if found { forbidden += 1 }
        }
        #expect(forbidden > 0)
    }

    @Test("a UUID's bytes are read from its lower-case text, and nothing else is one")
    func uuidBytes() throws {
        var random = SeededRandom(seed: 21)
        for _ in 0..<200 {
            let text = random.uuid()
            let bytes = try #require(CompactFields.uuidBytes(text))
            #expect(bytes.count == 16)
            var back = [UInt8](repeating: 0, count: 36)
            bytes.withUnsafeBytes { raw in back.withUnsafeMutableBytes { CompactFields.uuidText(raw, into: $0) } }
            #expect(String(decoding: back, as: UTF8.self) == text)
            #expect(Array(bytes) == Array(UUID(uuidString: text).map { withUnsafeBytes(of: $0.uuid) { Array($0) } } ?? []))
        }
        for text in ["", "in-a-read", "9F0C3C1E-6A51-4C1B-9D0E-3C1F4E5A6B7C", "9f0c3c1e-6a51-4c1b-9d0e-3c1f4e5a6b7", "9f0c3c1e-6a51-4c1b-9d0e-3c1f4e5a6b7cd",
                     "9f0c3c1e+6a51-4c1b-9d0e-3c1f4e5a6b7c", "9f0c3c1e-6a51-4c1b-9d0e-3c1f4e5a6b7g", "9f0c3c1e-6a51-4c1b-9d0e-3c1f4e5a6b7é"] {
            #expect(CompactFields.uuidBytes(text) == nil, "\(text)")
        }
    }

    @Test("a date is written and checked in place as it is parsed")
    func dates() {
        var checked = 0
        for days in stride(from: -719_162, through: 2_932_896, by: 997) {
            let date = LocalDate(daysSinceEpoch: days)
            let text = date.description
            #expect(LocalDate(text) == date, "\(text)")
            text.utf8.withContiguousStorageIfAvailable { #expect(LocalDate.isDate(UnsafeRawBufferPointer($0)), "\(text)") }
            checked += 1
        }
        #expect(checked > 3000)
        for text in ["2025-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01", "2024-1-01", "2024/01/01", "2024-01-0x", "20240101"] {
            #expect(!Array(text.utf8).withUnsafeBytes { LocalDate.isDate($0) }, "\(text)")
            #expect(LocalDate(text) == nil, "\(text)")
        }
    }
}
