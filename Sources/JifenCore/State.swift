import Tagged

/// The ledger's own facts: which village, under which scheme.
public struct LedgerInfo: Hashable, Sendable {
    public var ledgerId: String
    public var village: String
    public var demo: Bool
    public var openedOn: LocalDate
    public var schemeVersion: Int
    public var scheme: Scheme

    public init(ledgerId: String, village: String, demo: Bool, openedOn: LocalDate, schemeVersion: Int, scheme: Scheme) {
        self.ledgerId = ledgerId
        self.village = village
        self.demo = demo
        self.openedOn = openedOn
        self.schemeVersion = schemeVersion
        self.scheme = scheme
    }
}

/// A joint unit (联户) of 10–20 households with a leader household (联户长).
public struct UnitRecord: Hashable, Sendable, Codable {
    public var code: UnitCode
    public var name: String
    public var leader: HouseholdCode?

    public init(code: UnitCode, name: String, leader: HouseholdCode?) {
        self.code = code
        self.name = name
        self.leader = leader
    }
}

public enum HouseholdStatus: String, Hashable, Sendable, Codable {
    case open, closed
}

/// A household's account: its place in the register and its points.
///
/// `earned` and `deducted` are the sums of awards and deductions (both positive), `redeemed` what was spent
/// at the shop; reversals take their effect back out of the same figure.
public struct HouseholdAccount: Hashable, Sendable, Codable {
    public var code: HouseholdCode
    public var head: String
    public var unit: UnitCode
    public var members: Int
    public var status: HouseholdStatus
    public var registeredOn: LocalDate
    public var closedOn: LocalDate?
    public var earned: Int
    public var deducted: Int
    public var redeemed: Int

    public init(code: HouseholdCode, head: String, unit: UnitCode, members: Int, status: HouseholdStatus,
                registeredOn: LocalDate, closedOn: LocalDate?, earned: Int, deducted: Int, redeemed: Int) {
        self.code = code
        self.head = head
        self.unit = unit
        self.members = members
        self.status = status
        self.registeredOn = registeredOn
        self.closedOn = closedOn
        self.earned = earned
        self.deducted = deducted
        self.redeemed = redeemed
    }

    /// What the household may spend at the shop now.
    public var available: Int { earned - deducted - redeemed }
}

/// An item of the points shop and what is on its shelf.
public struct ItemStock: Hashable, Sendable, Codable {
    public var code: ItemCode
    public var name: String
    public var unit: String
    public var price: Int
    public var stock: Int

    public init(code: ItemCode, name: String, unit: String, price: Int, stock: Int) {
        self.code = code
        self.name = name
        self.unit = unit
        self.price = price
        self.stock = stock
    }
}

/// What kind of entry moved points or stock.
public enum EntryKind: String, Hashable, Sendable, Codable {
    case score, redemption, stock, reversal
}

/// One movement of points or stock, with its effect as signed deltas so that any set of entries
/// sums to balances (a reversal carries the negated deltas of the entry it reverses).
public struct Entry: Hashable, Sendable, Codable {
    public var seq: Int64
    public var id: String
    public var kind: EntryKind
    public var household: HouseholdCode?
    public var rule: RuleCode?
    public var item: ItemCode?
    /// Change of the item's stock.
    public var quantity: Int
    public var earned: Int
    public var deducted: Int
    public var redeemed: Int
    public var occurredOn: LocalDate
    public var reverses: Int64?
    public var reversedBy: Int64?

    public init(seq: Int64, id: String, kind: EntryKind, household: HouseholdCode?, rule: RuleCode?, item: ItemCode?,
                quantity: Int, earned: Int, deducted: Int, redeemed: Int, occurredOn: LocalDate,
                reverses: Int64?, reversedBy: Int64?) {
        self.seq = seq
        self.id = id
        self.kind = kind
        self.household = household
        self.rule = rule
        self.item = item
        self.quantity = quantity
        self.earned = earned
        self.deducted = deducted
        self.redeemed = redeemed
        self.occurredOn = occurredOn
        self.reverses = reverses
        self.reversedBy = reversedBy
    }
}

/// What `decide` may read of the ledger. The SQLite store answers from its projection tables inside the
/// write transaction; `MemoryLedger` answers from a fold in memory. Both are fed by the same `project`.
public protocol LedgerState {
    func ledger() throws -> LedgerInfo?
    func unit(_ code: UnitCode) throws -> UnitRecord?
    func household(_ code: HouseholdCode) throws -> HouseholdAccount?
    func item(_ code: ItemCode) throws -> ItemStock?
    func entry(_ ref: EventRef) throws -> Entry?
    /// How many scores of `rule` the household has in the dates given, not counting reversed ones.
    func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) throws -> Int
    /// The sequence number of the import of a tally sheet with this SHA-256, if it was imported.
    func sheet(_ sha256: String) throws -> Int64?
    /// All codes of a kind, for suggesting the nearest one to a mistyped code.
    func codes(of kind: CodeKind) throws -> [String]
    /// The sequence number of the last event in the log (0 for an empty log).
    func lastSeq() throws -> Int64
    /// The lowest `available` the household has at the end of any day from `date` on (so at most today's):
    /// what a redemption dated `date` may spend without overdrawing any later day.
    func lowestAvailable(household: HouseholdCode, from date: LocalDate) throws -> Int
    /// The lowest stock of the item at the end of any day from `date` on.
    func lowestStock(item: ItemCode, from date: LocalDate) throws -> Int
}

/// The lowest a running total stood at the end of the day `date` or of any later day, given its value now and
/// the changes dated after `date` (in any order; changes of one day count together).
public func lowestTotal(now: Int, changesAfter changes: [(date: LocalDate, amount: Int)]) -> Int {
    var byDay: [LocalDate: Int] = [:]
    for change in changes { byDay[change.date, default: 0] += change.amount }
    var total = now - byDay.values.reduce(0, +)
    var lowest = total
    for day in byDay.keys.sorted() {
        total += byDay[day]!
        lowest = min(lowest, total)
    }
    return lowest
}

public enum CodeKind: Sendable {
    case unit, household, item
}

/// A change to the projections that one event causes.
public enum ProjectionChange: Hashable, Sendable {
    case ledger(LedgerInfo)
    case unit(UnitRecord)
    case household(HouseholdAccount)
    case item(ItemStock)
    /// A new entry of points or stock (the SQLite store keeps these as the event rows themselves).
    case entry(Entry)
    /// An entry was reversed by a later one (the SQLite store derives this from the reversal's stream).
    case reversed(Int64, by: Int64)
    case sheet(sha256: String, seq: Int64)
}

/// The projections folded in memory: the reference the SQLite projections must agree with,
/// and what the core's tests run against.
public struct MemoryLedger: LedgerState, Sendable {
    public private(set) var info: LedgerInfo?
    public private(set) var units: [UnitCode: UnitRecord] = [:]
    public private(set) var households: [HouseholdCode: HouseholdAccount] = [:]
    public private(set) var items: [ItemCode: ItemStock] = [:]
    public private(set) var entries: [Int64: Entry] = [:]
    private var entryIds: [String: Int64] = [:]
    private var sheets: [String: Int64] = [:]
    private var last: Int64 = 0
    /// Whether entries are kept: `rebuild` and `verify` fold a county's log without holding its entries.
    public let keepsEntries: Bool

    public init(keepsEntries: Bool = true) {
        self.keepsEntries = keepsEntries
    }

    public var sheetSeqs: [String: Int64] { sheets }

    public func lastSeq() -> Int64 { last }

    public func ledger() -> LedgerInfo? { info }
    public func unit(_ code: UnitCode) -> UnitRecord? { units[code] }
    public func household(_ code: HouseholdCode) -> HouseholdAccount? { households[code] }
    public func item(_ code: ItemCode) -> ItemStock? { items[code] }
    public func sheet(_ sha256: String) -> Int64? { sheets[sha256] }

    public func entry(_ ref: EventRef) -> Entry? {
        switch ref {
        case .seq(let seq): return entries[seq]
        case .id(let id): return entryIds[id].flatMap { entries[$0] }
        }
    }

    public func scoreCount(household: HouseholdCode, rule: RuleCode, in dates: ClosedRange<LocalDate>) -> Int {
        entries.values.count {
            $0.kind == .score && $0.household == household && $0.rule == rule && $0.reversedBy == nil && dates.contains($0.occurredOn)
        }
    }

    public func lowestAvailable(household: HouseholdCode, from date: LocalDate) -> Int {
        lowestTotal(now: households[household]?.available ?? 0,
                    changesAfter: entries.values.filter { $0.household == household && $0.occurredOn > date }
                        .map { ($0.occurredOn, $0.earned - $0.deducted - $0.redeemed) })
    }

    public func lowestStock(item: ItemCode, from date: LocalDate) -> Int {
        lowestTotal(now: items[item]?.stock ?? 0,
                    changesAfter: entries.values.filter { $0.item == item && $0.occurredOn > date }.map { ($0.occurredOn, $0.quantity) })
    }

    public func codes(of kind: CodeKind) -> [String] {
        switch kind {
        case .unit: return units.keys.map(\.rawValue).sorted()
        case .household: return households.keys.map(\.rawValue).sorted()
        case .item: return items.keys.map(\.rawValue).sorted()
        }
    }

    public mutating func apply(_ changes: [ProjectionChange]) {
        for change in changes {
            switch change {
            case .ledger(let info): self.info = info
            case .unit(let unit): units[unit.code] = unit
            case .household(let account): households[account.code] = account
            case .item(let item): items[item.code] = item
            case .entry(let entry):
                guard keepsEntries else { continue }
                entries[entry.seq] = entry
                entryIds[entry.id] = entry.seq
            case .reversed(let target, let by):
                entries[target]?.reversedBy = by
            case .sheet(let sha, let seq): sheets[sha] = seq
            }
        }
    }

    /// Folds one recorded event in.
    public mutating func apply(_ event: RecordedEvent) throws {
        apply(try project(event, state: self))
        last = event.seq
    }

    /// Folds an entry from its stored facts alone (no payload), in place: the fast path of `rebuild` and
    /// `verify`. The same `add` as `projectEntry`, without building changes.
    public mutating func applyEntry(_ facts: EventFacts, seq: Int64) throws {
        if let code = facts.household {
            guard households[code] != nil else { throw ProjectionError(seq: seq, problem: "household \(code) is not in the ledger") }
            households[code]!.add(facts)
        }
        if let code = facts.item {
            guard items[code] != nil else { throw ProjectionError(seq: seq, problem: "item \(code) is not in the ledger") }
            items[code]!.add(facts)
        }
        last = seq
    }
}
