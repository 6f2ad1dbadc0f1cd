import Crypto
import Foundation
import Jifen
import JifenCore
import JifenDemo
@testable import JifenStore
import Testing

/// The write path's own bookkeeping: the chain hashed in one reused buffer, the cap counts a transaction holds, and
/// the memory one write transaction hands to the next.
@Suite struct WritePath {
    /// Rows whose every field is exercised: absent ones, negative figures, long payloads (four-digit lengths) and
    /// Chinese text.
    static let rows: [Chain.Fields] = [
        Chain.Fields(seq: 1, id: "9f0c3c1e-6a51-4c1b-9d0e-3c1f4e5a6b7c", stream: "ledger", streamVersion: 1, type: "v1.ledgerOpened",
                     occurredOn: "2025-01-01", recordedAt: "2025-01-01T10:00:00.000Z", actor: "张书记", schemeVersion: 0, key: nil,
                     household: nil, item: nil, rule: nil, earned: 0, deducted: 0, redeemed: 0, stock: 0, reverses: nil,
                     payload: #"{"village":"牛角村"}"#),
        Chain.Fields(seq: 1_009_188, id: "", stream: "reversal:42", streamVersion: 1, type: "v1.entryReversed",
                     occurredOn: "2026-12-31", recordedAt: "2026-12-31T15:59:59.999Z", actor: "王会计", schemeVersion: 12, key: "k-1",
                     household: "H00017", item: "oil", rule: "B1.3", earned: -10, deducted: -3, redeemed: -120, stock: -2, reverses: 42,
                     payload: String(repeating: "备注 note ", count: 150)),
        Chain.Fields(seq: Int64.max, id: "x", stream: "household:H1", streamVersion: Int64.max, type: "v1.scoreRecorded",
                     occurredOn: "2000-01-01", recordedAt: "", actor: " ", schemeVersion: Int.max, key: "",
                     household: "", item: "", rule: "", earned: Int.min + 1, deducted: Int.max, redeemed: 1, stock: -1,
                     reverses: Int64.min + 1, payload: ""),
    ]

    /// The rule of docs/FORMAT.md, spelled out with strings: each field as a netstring, numbers in decimal, absent as "".
    static func documented(_ f: Chain.Fields) -> [UInt8] {
        let values: [String] = [String(f.seq), f.id, f.stream, String(f.streamVersion), f.type, f.occurredOn, f.recordedAt, f.actor,
                                String(f.schemeVersion), f.key ?? "", f.household ?? "", f.item ?? "", f.rule ?? "", String(f.earned),
                                String(f.deducted), String(f.redeemed), String(f.stock), f.reverses.map { String($0) } ?? "", f.payload]
        return Array(values.map { "\($0.utf8.count):\($0)," }.joined().utf8)
    }

    @Test("the canonical bytes built in the reused buffer are the documented ones, and so is the hash")
    func canonicalBuffer() {
        var buffer = CanonicalBuffer()
        var previous = Chain.genesis
        for fields in Self.rows {
            buffer.build(fields)
            #expect(buffer.bytes == Self.documented(fields), "#\(fields.seq)")
            #expect(Chain.canonicalBytes(fields) == Self.documented(fields), "#\(fields.seq)")
            let hash = buffer.hash(previous: previous, fields)
            #expect(hash == Data(SHA256.hash(data: previous + Self.documented(fields))), "#\(fields.seq)")
            previous = hash
        }
    }

    @Test("a tally counts by rule and month, and takes scores back out")
    func tally() {
        var tally = ScoreTally()
        let a = RuleCode(rawValue: "A1.1"), b = RuleCode(rawValue: "B2.2")
        #expect(tally.count(a, months: 1...12) == 0)
        tally.add(a, month: 3, 1)
        tally.add(a, month: 3, 1)
        tally.add(a, month: 5, 1)
        tally.add(b, month: 12, 1)
        #expect(tally.count(a, months: 3...3) == 2)
        #expect(tally.count(a, months: 1...3) == 2)
        #expect(tally.count(a, months: 4...6) == 1)
        #expect(tally.count(a, months: 1...12) == 3)
        #expect(tally.count(b, months: 10...12) == 1)
        tally.add(a, month: 3, -1)
        #expect(tally.count(a, months: 1...12) == 2)
    }

    @Test("a write that follows another connection's write reads afresh: the cap counts it held are not reused")
    func memoryNotReusedAfterAnotherWriter() throws {
        let scratch = try Scratch()
        let path = scratch.path("village.sqlite")
        let (ledger, script) = try makeVillage(at: path)
        let before = try eventCount(ledger)
        let march = LocalDate("2025-03-10")!
        // The first writer counts H001's scores of the year (A1.2 has room: 4 a month) and keeps the count.
        try ledger.execute(score("H001", "A1.2"), by: "王会计", on: march, again: true)
        // Another connection records the one A1.1 (1 a month) H001 may have in March.
        let other = try Ledger(path: path, environment: script.environment)
        try other.execute(score("H001", "A1.1"), by: "王会计", on: march, again: true)
        // The first writer must see it: a second A1.1 in March is over the cap.
        #expect(capReached { try ledger.execute(score("H001", "A1.1"), by: "王会计", on: march, again: true) })
        // And its own writes are seen by its next transaction, whose memory it keeps: A1.2 three more times, then no more.
        for _ in 0..<3 { try ledger.execute(score("H001", "A1.2"), by: "王会计", on: march, again: true) }
        #expect(capReached { try ledger.execute(score("H001", "A1.2"), by: "王会计", on: march, again: true) })
        #expect(try eventCount(ledger) == before + 5)
    }

    @Test("the memory handed on keeps the cap counts of this year and last, once a county's worth of them is held")
    func pastYearsForgotten() {
        func memory(households: Int, years: ClosedRange<Int>) -> SessionMemory {
            var memory = SessionMemory()
            for year in years {
                for index in 0..<households {
                    memory.capCounts[StoreSession.HouseholdYear(household: HouseholdCode(rawValue: "H\(index)"), year: year)] = ScoreTally()
                }
            }
            return memory
        }
        var small = memory(households: 100, years: 2020...2025)
        small.forgetPastYears()
        #expect(Set(small.capCounts.keys.map(\.year)) == Set(2020...2025), "a village's counts are all kept")
        var county = memory(households: 3300, years: 2020...2024)
        county.forgetPastYears()
        #expect(Set(county.capCounts.keys.map(\.year)) == [2023, 2024])
        #expect(county.capCounts.count == 2 * 3300)
    }

    /// Whether `body` is refused because the rule's cap is reached (and for nothing else).
    func capReached(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let rejection as Rejection {
            if case .capReached = rejection { return true }
            return false
        } catch {
            return false
        }
    }

    @Test("a transaction that is rolled back leaves nothing of its memory to the next")
    func memoryOfARefusedBatchIsDropped() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("village.sqlite"))
        let march = LocalDate("2025-03-10")!
        // A batch whose first line would fill H001's A1.1 for March and whose second line is refused: nothing is written.
        let batch = [BatchItem(command: score("H001", "A1.1"), occurredOn: march, line: 2),
                     BatchItem(command: score("H999", "A1.1"), occurredOn: march, line: 3)]
        #expect(throws: (any Error).self) { try ledger.executeAll(batch, by: "王会计", fileName: "sheet.csv") }
        // So A1.1 is still free in March, and H001's points are as they were.
        try ledger.execute(score("H001", "A1.1"), by: "王会计", on: march, again: true)
        #expect(try ledger.read { try $0.household(HouseholdCode(rawValue: "H001"))?.earned } == 2)
    }
}

@Suite struct RecordedAtText {
    @Test("recorded_at written by hand is what ISO8601DateFormatter writes, for instants of every kind")
    func sameAsFoundation() {
        var random = SeededRandom(seed: 13)
        var instants: [TimeInterval] = [0, -0.0005, 0.0005, 0.9995, 951_782_400, 4_102_444_799.9996, -30_610_224_000, 253_402_300_799.999]
        for index in 0..<20_000 {
            let whole = Double(random.next() % 4_102_444_800)
            switch index % 3 {
            case 0: instants.append(whole)
            case 1: instants.append(whole + Double(random.next() % 1000) / 1000)
            default: instants.append(whole - 1_000_000_000 + Double(random.next() % 1_000_000) / 1_000_000)
            }
        }
        var differ: [String] = []
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            let mine = LedgerEnvironment.recordedAt(date), foundation = LedgerEnvironment.formatted(date)
            if mine != foundation { differ.append("\(instant): \(mine) ≠ \(foundation)") }
        }
        #expect(differ.isEmpty, "\(differ.prefix(5))")
    }
}

@Suite struct VillageDay {
    @Test("the village's date of an instant, counted by hand, is the date Foundation's calendar gives in Asia/Shanghai")
    func sameAsCalendar() {
        var random = SeededRandom(seed: 29)
        // Midnight in Beijing and the instants either side of it, the summer times of 1986–1991 and their changes, and
        // random instants from 1600 to 2100.
        var instants: [TimeInterval] = [0, -1, 57_599, 57_600, 57_601, 515_520_000, 516_211_199, 530_467_200, 684_777_600]
        for day in stride(from: -13_000, through: 47_000, by: 97) {
            let midnight = Double(day) * 86_400 - 8 * 3600
            instants += [midnight - 3600.5, midnight - 0.001, midnight, midnight + 0.001, midnight + 3600]
        }
        for _ in 0..<20_000 {
            instants.append(Double(random.next() % 16_725_225_600) - 11_676_096_000 + Double(random.next() % 1000) / 1000)
        }
        var differ: [String] = []
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            let mine = LedgerEnvironment.day(of: date), calendar = LedgerEnvironment.calendarDay(of: date)
            if mine != calendar { differ.append("\(instant): \(mine) ≠ \(calendar)") }
        }
        #expect(differ.isEmpty, "\(differ.prefix(5))")
    }
}

@Suite struct EventIds {
    @Test("live ids are version-4 UUIDs in lower case, as Foundation writes them, and none repeats across the pool's refills")
    func liveIdsAreFreshUUIDs() throws {
        // 2,000 ids take 32,000 random bytes: the pool's 4 KiB buffer is refilled seven times on the way.
        let ids = (0..<2_000).map { _ in LedgerEnvironment.randomUUID() }
        #expect(Set(ids).count == ids.count)
        var ones = [Int](repeating: 0, count: 128)
        for id in ids {
            let parsed = try #require(UUID(uuidString: id), "\(id) is not a UUID")
            #expect(parsed.uuidString.lowercased() == id)
            let bytes = withUnsafeBytes(of: parsed.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 4, "version of \(id)")
            #expect(bytes[8] >> 6 == 0b10, "variant of \(id)")
            for bit in 0..<128 where bytes[bit / 8] >> (7 - UInt8(bit % 8)) & 1 == 1 { ones[bit] += 1 }
        }
        // Each of the 122 random bits is set in some id and clear in another (a stuck bit would show).
        let fixed: Set<Int> = [48, 49, 50, 51, 64, 65]   // the version's four bits and the variant's two
        for bit in 0..<128 where !fixed.contains(bit) { #expect(ones[bit] > 0 && ones[bit] < ids.count, "bit \(bit)") }
    }
}
