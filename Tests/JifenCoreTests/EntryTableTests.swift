import Testing
@testable import JifenCore

/// `EntryTable` answers as the dictionary it replaced, whatever the sequence numbers: dense ones in its slots, gaps,
/// one far beyond them or before the first, taken back and set again.
@Suite struct EntryTableTests {
    static func entry(_ seq: Int64, household: String = "H001") -> Entry {
        Entry(seq: seq, id: "id-\(seq)", type: .scoreRecorded, kind: .score, household: HouseholdCode(rawValue: household),
              rule: RuleCode(rawValue: "A1.1"), item: nil, quantity: 0, earned: 2, deducted: 0, redeemed: 0,
              occurredOn: LocalDate(daysSinceEpoch: 20_000 + Int(seq % 300)), reverses: nil, reversedBy: nil)
    }

    /// Random writes of every kind, each followed by the same on a dictionary: every look-up, the count and the values
    /// agree after each one. Entries are kept as a fold keeps them (`keep(_:within:)`, with as many events folded as the
    /// run has numbered, or fewer) or set through the subscript, taken back, set again.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func itAnswersAsADictionaryDoes(_ seed: UInt64) {
        var random = RecordedInstantTests.Sample(state: seed)
        var table = EntryTable(), model: [Int64: Entry] = [:]
        var next: Int64 = Int64.random(in: 1...50, using: &random)
        var asked: Set<Int64> = [0, -1, Int64.min, Int64.max]
        for step in 0..<3_000 {
            let seq: Int64
            var within = next
            switch Int.random(in: 0..<20, using: &random) {
            case 0: seq = next + Int64.random(in: 1...9_000, using: &random)          // beyond what was folded
            case 1: seq = Int64.random(in: -5...0, using: &random)                   // before any
            case 2: seq = [Int64.min, Int64.max, Int64.max - 1][step % 3]
                within = Int64.max
            case 3, 4: seq = model.keys.randomElement(using: &random) ?? next      // one kept: taken back or set again
            default:
                next += Int64.random(in: 1...3, using: &random)                      // the next, past a few that are not entries
                seq = next
                within = next + Int64.random(in: 0...2, using: &random)
            }
            asked.insert(seq)
            let value: Entry? = Int.random(in: 0..<8, using: &random) == 0 ? nil : Self.entry(seq, household: "H\(step % 7)")
            if let value, Bool.random(using: &random) { table.keep(value, within: within) } else { table[seq] = value }
            model[seq] = value
            #expect(table[seq] == model[seq])
            #expect(table.count == model.count && table.isEmpty == model.isEmpty)
        }
        for seq in asked.union(model.keys) { #expect(table[seq] == model[seq], "seq \(seq)") }
        #expect(Array(table.values).count == model.count)
        #expect(Set(table.values.map(\.seq)) == Set(model.keys))
        #expect(table.values.allSatisfy { model[$0.seq] == $0 })
    }

    /// The numbers at the ends of Int64, in either order, through either door: kept, found, never a trap.
    @Test func theEndsOfTheNumbersAreKeptWithoutATrap() {
        for order in [[Int64.max, Int64.min, 1], [Int64.min, Int64.max, 1], [1, Int64.max, Int64.min], [Int64.max - 2, Int64.max, 0]] {
            var kept = EntryTable(), set = EntryTable()
            for seq in order {
                kept.keep(Self.entry(seq), within: Int64.max)
                set[seq] = Self.entry(seq)
            }
            for seq in order {
                #expect(kept[seq] == Self.entry(seq) && set[seq] == Self.entry(seq))
            }
            #expect(kept.count == order.count && set.count == order.count && kept == set)
        }
    }

    /// A log's long run of events that are not entries (a batch of approvals, a village's households registered) does
    /// not send the entries after it aside: a fold's entries stay in slots as long as the log is numbered as the chain
    /// numbers it. One numbered past what was folded is kept aside, and the slots do not grow to it.
    @Test func aFoldsEntriesStayInSlotsPastALongRunOfOtherEvents() {
        var table = EntryTable()
        var folded: Int64 = 0
        for seq in Int64(1)...30_000 {
            folded += 1
            if seq <= 100 || (seq > 20_000 && seq % 2 == 0) { table.keep(Self.entry(seq), within: folded) }
        }
        #expect(table.count == 100 + 5_000 && table.asideCount == 0)
        table.keep(Self.entry(1_000_000_000), within: folded)
        #expect(table.asideCount == 1 && table[1_000_000_000] == Self.entry(1_000_000_000))
        #expect(table.values.map(\.seq).last == 1_000_000_000)
    }

    /// The entries in slots come in sequence order; an entry's change in place (a reversal marking its target) holds.
    @Test func slotsComeInOrderAndChangeInPlace() {
        var table = EntryTable()
        for seq in [Int64(3), 4, 7, 8, 9, 12] { table.keep(Self.entry(seq), within: seq) }
        #expect(table.asideCount == 0)
        #expect(table.values.map(\.seq) == [3, 4, 7, 8, 9, 12])
        table[7]?.reversedBy = 12
        #expect(table[7]?.reversedBy == 12 && table.count == 6)
        table[5]?.reversedBy = 12
        #expect(table[5] == nil && table.count == 6)
    }

    /// Two tables holding the same entries are equal however they were filled; one entry more or different, not.
    @Test func tablesOfTheSameEntriesAreEqual() {
        var inOrder = EntryTable(), backwards = EntryTable()
        for seq in Int64(1)...40 where seq % 3 != 0 { inOrder.keep(Self.entry(seq), within: seq) }
        for seq in (Int64(1)...40).reversed() where seq % 3 != 0 { backwards[seq] = Self.entry(seq) }
        #expect(inOrder == backwards)
        var changed = backwards
        changed[10]?.reversedBy = 40
        #expect(inOrder != changed)
        changed[10] = Self.entry(10)
        #expect(inOrder == changed)
        changed[41] = Self.entry(41)
        #expect(inOrder != changed)
    }
}
