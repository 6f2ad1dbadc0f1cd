import Foundation
import Jifen
import JifenCore
import JifenDemo
import JifenPostgres
import JifenPostgresTestSupport
import JifenStore
import JifenTestSupport
import Tagged
import Synchronization
import Testing

/// Every store the conformance suite runs against. A new store is a new case here and in `Harness`; every test then
/// runs against it. SQLite runs in both stored formats of its log: 2 (compact), what a new ledger is made in, and 1
/// (wide), what ledgers made before it are in. PostgreSQL (a village of a county's database) runs where it is installed
/// or required (`PostgresCluster`); where it is not, `PostgresOnly` shows why it was left out.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite = "sqlite (format 2)"
    case sqliteFormat1 = "sqlite (format 1)"
    case postgres = "postgresql"

    /// Every kind that runs here.
    static let allCases: [StoreKind] = [.memory, .sqlite, .sqliteFormat1] + (PostgresCluster.runs ? [.postgres] : [])

    var testDescription: String { rawValue }

    /// How the file stores its log; nil for memory.
    var format: LogFormat? {
        switch self {
        case .memory, .postgres: nil
        case .sqlite: .compact
        case .sqliteFormat1: .wide
        }
    }

    /// The SQLite stores, one for each stored format.
    static let sqliteKinds = allCases.filter { $0.format != nil }
}

/// A fresh folder, removed when the last reference goes.
final class Scratch: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Something a test does with a store and its write path, whatever the store's type.
protocol StoreVisit {
    associatedtype Result
    func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> Result
}

/// One empty ledger of a kind, with a scripted clock and ids (the same seed gives the same ids in every store), and
/// the write path over it: the one `Ledger` uses.
final class Harness: Sendable {
    enum Backing: Sendable {
        case memory(MemoryStore)
        case sqlite(EventStore)
        case postgres(PostgresStore)
    }

    let kind: StoreKind
    let backing: Backing
    let clock: ScriptedEnvironment
    let scratch: Scratch?
    /// With it, ids are `e1`, `e2`, … by sequence number, as the test `Village` gives them (its rows name events so).
    let numbering: Numbering?

    /// Today is 2025-12-31 (17:30 in Beijing) until a test moves the clock.
    init(_ kind: StoreKind, seed: UInt64 = 1, numbered: Bool = false) throws {
        self.kind = kind
        numbering = numbered ? Numbering() : nil
        clock = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: seed)
        clock.setEvening(of: "2025-12-31")
        switch kind {
        case .memory:
            scratch = nil
            backing = .memory(MemoryStore())
        case .sqlite, .sqliteFormat1:
            let scratch = try Scratch()
            self.scratch = scratch
            let format = kind.format ?? .compact
            let store = try EventStore(path: scratch.path("village.sqlite"), create: true, format: format)
            guard store.format == format else { throw StoreError.unusable(message: "made in format \(store.format), not \(format)") }
            backing = .sqlite(store)
        case .postgres:
            // A village of its own in the process's county: tests run side by side without seeing each other.
            scratch = nil
            backing = .postgres(try PostgresCluster.county.get().createVillage("t-\(UUID().uuidString.lowercased())"))
        }
    }

    /// A harness over a store made elsewhere (a PostgreSQL village of a county of the test's own), today 2025-12-31.
    convenience init(kind: StoreKind, backing: Backing) {
        let clock = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 1)
        clock.setEvening(of: "2025-12-31")
        self.init(kind: kind, backing: backing, clock: clock, scratch: nil, numbering: nil)
    }

    private init(kind: StoreKind, backing: Backing, clock: ScriptedEnvironment, scratch: Scratch?, numbering: Numbering?) {
        self.kind = kind
        self.backing = backing
        self.clock = clock
        self.scratch = scratch
        self.numbering = numbering
    }

    /// Where the write path takes time and ids from.
    var environment: LedgerEnvironment {
        guard let numbering else { return clock.environment }
        return LedgerEnvironment(now: clock.environment.now, newId: { numbering.next() })
    }

    /// Another writer of the same ledger, with the same clock and ids: for SQLite another connection to the file (as
    /// another process would open it), for PostgreSQL the village in a county opened again (its own connections and
    /// folds, as another process's), for memory the same store.
    func secondWriter() throws -> Harness {
        switch backing {
        case .memory:
            return self
        case .sqlite(let store):
            return Harness(kind: kind, backing: .sqlite(try EventStore(path: store.path, create: false)), clock: clock, scratch: scratch,
                           numbering: numbering)
        case .postgres(let store):
            let county = try PostgresCounty(url: try PostgresCluster.shared.get().url, connections: 2)
            return Harness(kind: kind, backing: .postgres(county.village(store.village)), clock: clock, scratch: scratch, numbering: numbering)
        }
    }

    func visit<V: StoreVisit>(_ visit: V) throws -> V.Result {
        switch backing {
        case .memory(let store): return try visit.visit(LedgerWriter(store: store, environment: environment))
        case .sqlite(let store): return try visit.visit(LedgerWriter(store: store, environment: environment))
        case .postgres(let store): return try visit.visit(LedgerWriter(store: store, environment: environment))
        }
    }

    @discardableResult
    func execute(_ command: Command, by actor: String, on date: LocalDate? = nil, key: String? = nil, again: Bool = false) throws -> Written {
        struct Execute: StoreVisit {
            let command: Command, actor: String, date: LocalDate?, key: String?, again: Bool
            func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> Written {
                try writer.execute(command, by: actor, on: date, key: key, again: again)
            }
        }
        return try visit(Execute(command: command, actor: actor, date: date, key: key, again: again))
    }

    @discardableResult
    func executeAll(_ items: [BatchItem], by actor: String, fileName: String = "batch") throws -> [RecordedEvent] {
        struct ExecuteAll: StoreVisit {
            let items: [BatchItem], actor: String, fileName: String
            func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> [RecordedEvent] {
                try writer.executeAll(items, by: actor, fileName: fileName)
            }
        }
        return try visit(ExecuteAll(items: items, actor: actor, fileName: fileName))
    }

    /// The whole log as stored.
    func links() throws -> [ChainLink] {
        struct Links: StoreVisit {
            func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> [ChainLink] {
                try writer.store.read { session in
                    var links: [ChainLink] = []
                    while true {
                        let page = try session.links(from: Int64(links.count) + 1, limit: 500)
                        if page.isEmpty { return links }
                        links += page
                    }
                }
            }
        }
        return try visit(Links())
    }

    func head() throws -> (seq: Int64, hash: Data) {
        struct Head: StoreVisit {
            func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> (seq: Int64, hash: Data) {
                try writer.store.read { try $0.headOfLog() }
            }
        }
        return try visit(Head())
    }

    /// What `decide` can read of the ledger.
    func projections() throws -> Projections {
        struct Read: StoreVisit {
            func visit<Store: LedgerStore>(_ writer: LedgerWriter<Store>) throws -> Projections {
                try writer.store.read { try Projections(of: $0) }
            }
        }
        return try visit(Read())
    }

    /// The head as `jifen verify` prints it.
    func headText() throws -> String {
        let head = try head()
        return "\(head.seq):\(head.hash.hex)"
    }
}

/// Ids by sequence number: `e<seq>`, the next one set before each command from the head of the log.
final class Numbering: Sendable {
    private let seq = Mutex<Int64>(1)

    func start(after head: Int64) { seq.withLock { $0 = head + 1 } }

    func next() -> String {
        seq.withLock { seq in
            defer { seq += 1 }
            return "e\(seq)"
        }
    }
}

/// Everything `decide` may read of a ledger through `LedgerState`, gathered so that two stores (or a store before and
/// after a rebuild) can be compared as a whole.
struct Projections: Equatable, CustomStringConvertible {
    var info: LedgerInfo?
    var lastSeq: Int64
    var units: [UnitRecord]
    var households: [HouseholdAccount]
    var items: [ItemStock]
    var entries: [Entry]
    var actors: [ActorRecord]
    var notices: [NoticeRecord]
    var reviews: [ScoreReview]
    var requests: [ReversalRequest]
    var scores: [String]
    var schemes: [SchemeVersion]
    var settlements: [SettlementRecord]
    var lowest: [String]
    var figures: [YearFigures]
    var balances: [String]
    var latestScore: LocalDate?

    static let years = 2024...2027
    static let days: [LocalDate] = ["2025-01-01", "2025-03-15", "2025-04-08", "2025-06-30", "2025-12-31"]

    init(of state: some LedgerState) throws {
        info = try state.ledger()
        lastSeq = try state.lastSeq()
        units = try state.codes(of: .unit).compactMap { try state.unit(UnitCode(rawValue: $0)) }
        households = try state.allHouseholds()
        items = try state.codes(of: .item).compactMap { try state.item(ItemCode(rawValue: $0)) }
        let seqs = lastSeq > 0 ? Array(1...lastSeq) : []
        entries = try seqs.compactMap { try state.entry(.seq($0)) }
        actors = try state.actors()
        notices = try state.notices()
        reviews = try state.reviews(in: "2000-01-01"..."2099-12-31")
        requests = try seqs.compactMap { try state.request($0) }
        scores = try seqs.compactMap { seq in try state.score(seq).map { "#\(seq) \($0)" } }
        schemes = try state.schemes()
        settlements = try Self.years.compactMap { try state.settlement(year: $0) }
        var lowest: [String] = []
        for day in Self.days {
            for household in households { lowest.append("\(household.code) \(day) \(try state.lowestAvailable(household: household.code, from: day))") }
            for item in items { lowest.append("\(item.code) \(day) \(try state.lowestStock(item: item.code, from: day))") }
        }
        self.lowest = lowest
        figures = try state.yearFigures(in: "2025-01-01"..."2025-12-31").values.sorted { $0.household.rawValue < $1.household.rawValue }
        balances = try Self.days.flatMap { day in
            try state.balances(asOf: day).values.sorted { $0.code.rawValue < $1.code.rawValue }.map { "\(day) \($0)" }
        }
        latestScore = try state.latestScoreDate()
    }

    /// The parts that differ, each as the two values: what a failing comparison prints.
    func differences(from other: Projections) -> [String] {
        zip(Mirror(reflecting: self).children, Mirror(reflecting: other).children).compactMap { mine, theirs in
            let (a, b) = (String(describing: mine.value), String(describing: theirs.value))
            return a == b ? nil : "\(mine.label ?? "?"): \(a)\n  ≠ \(b)"
        }
    }

    var description: String {
        "\(lastSeq) events, \(households.count) households, \(entries.count) entries, \(reviews.count) reviews"
    }
}

func score(_ household: String, _ rule: String, points: Int? = nil, note: String = "") -> Command {
    .recordScore(HouseholdCode(rawValue: household), RuleCode(rawValue: rule), points: points, note: note, source: nil)
}

/// The reference scheme, parsed from the seed carried in the binary.
let referenceScheme: Scheme = {
    do { return try SchemeFile.parse(ReferenceSeed.schemeYAML) } catch { preconditionFailure("the reference scheme does not parse: \(error)") }
}()
