import Foundation
import JifenCore
import JifenStore

/// Where time and ids come from. The live one reads the clock and makes random UUIDs; the demo and
/// the tests pass their own, which is what makes their ledgers identical run after run.
public struct LedgerEnvironment: Sendable {
    public var now: @Sendable () -> Date
    public var newId: @Sendable () -> String

    public init(now: @escaping @Sendable () -> Date, newId: @escaping @Sendable () -> String) {
        self.now = now
        self.newId = newId
    }

    public static let live = LedgerEnvironment(now: { Date() }, newId: { UUID().uuidString.lowercased() })
}

/// A command that was refused as part of a batch (a tally sheet, a register import), with its line: what is wrong,
/// in English and in Chinese.
public struct LineProblem: Sendable, CustomStringConvertible {
    public let line: Int
    public let problem: String
    public let chinese: String

    init(line: Int, problem: String, chinese: String) {
        self.line = line
        self.problem = problem
        self.chinese = chinese
    }

    /// A line the domain refused: the refusal's own sentence in both languages.
    init(line: Int, rejection: Rejection) {
        self.init(line: line, problem: rejection.description, chinese: rejection.chinese)
    }

    /// A sheet with its header only.
    static let noRows = LineProblem(line: 1, problem: "the sheet has a header but no rows", chinese: "这张表只有表头，没有数据行；请填上要导入的行。")

    public var description: String { "line \(line): \(problem)" }
    public var chineseDescription: String { "第 \(line) 行：\(chinese)" }
}

/// A batch in which some lines were refused; nothing of it was written.
public struct BatchRejected: Error, Sendable, CustomStringConvertible {
    public let fileName: String
    public let problems: [LineProblem]
    public var description: String {
        "\(fileName): \(problems.count) line\(problems.count == 1 ? "" : "s") refused, nothing was written; fix \(problems.count == 1 ? "it" : "them") and import the file again."
    }
    public var chinese: String {
        "\(fileName)：有 \(problems.count) 行未通过，整个文件都没有写入；请改正后重新导入。"
    }
}

/// One command of a batch, with its business date and the line it came from.
public struct BatchItem: Sendable {
    public let command: Command
    public let occurredOn: LocalDate?
    public let line: Int

    public init(command: Command, occurredOn: LocalDate?, line: Int) {
        self.command = command
        self.occurredOn = occurredOn
        self.line = line
    }
}

/// What a write did: the events it appended, or the one already recorded under the same key.
public struct Written: Sendable {
    public let events: [RecordedEvent]
    /// True when the idempotency key had been used: nothing new was written.
    public let alreadyRecorded: Bool
}

/// The one door to a village ledger: the CLI (and later the server) call this and nothing below it.
///
/// Every write is: read the state, `decide` (pure), append the events and fold them into the projections,
/// all in one IMMEDIATE transaction.
public final class Ledger: Sendable {
    public let store: EventStore
    public let environment: LedgerEnvironment

    public init(path: String, create: Bool = false, readOnly: Bool = false, environment: LedgerEnvironment = .live) throws {
        self.store = try EventStore(path: path, create: create, readOnly: readOnly)
        self.environment = environment
    }

    public static let zone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    /// Today in the village (Asia/Shanghai).
    public func today() -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Ledger.zone
        let parts = calendar.dateComponents([.year, .month, .day], from: environment.now())
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    func timestamp() -> String {
        timestamp(of: environment.now())
    }

    /// An instant as `recorded_at` holds it: UTC, ISO 8601 with milliseconds.
    func timestamp(of date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        return formatter.string(from: date)
    }

    /// A `recorded_at` value read back (with or without fractional seconds); nil when it is not one.
    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// How long a score or a redemption is remembered as one that a retry would repeat.
    public static let retryWindow: TimeInterval = 3600

    /// Decides one command and appends its events. A refusal throws a `Rejection` and writes nothing.
    /// A `key` already used returns the event recorded under it, and writes nothing. Without a key, a score or a
    /// redemption identical to one recorded in the last hour (`retryWindow`, by `recorded_at` and the environment's
    /// clock) is refused as a likely retry after a crash, unless `again` says a second one is meant.
    @discardableResult
    public func execute(_ command: Command, by actor: String, on date: LocalDate? = nil, key: String? = nil,
                        again: Bool = false) throws -> Written {
        let now = environment.now()
        let today = today()
        let recordedAt = timestamp(of: now)
        let windowOpened = timestamp(of: now.addingTimeInterval(-Ledger.retryWindow))
        return try store.write { session in
            let context = CommandContext(actor: ActorName(rawValue: actor), today: today, occurredOn: date)
            if let key, let existing = try session.recorded(key: key) {
                guard command.isRecorded(by: existing, on: context.occurredOn) else {
                    throw Rejection.keyUsedForAnotherEntry(key: key, seq: existing.seq)
                }
                return Written(events: [existing], alreadyRecorded: true)
            }
            if let key, let problem = KeySyntax.problem(with: key) { throw Rejection.keyInvalid(key: key, problem: problem) }
            var written: [RecordedEvent] = []
            let events = try decide(command, context: context, state: session)
            if key == nil, !again, let earlier = try repeated(events, on: context.occurredOn, since: windowOpened, in: session) {
                let minutes = Ledger.instant(earlier.recordedAt).map { Int(now.timeIntervalSince($0) / 60) } ?? 0
                var redemption = false
                if case .redeemed = earlier.event { redemption = true }
                throw Rejection.repeatedEntry(seq: earlier.seq, minutesAgo: max(0, minutes), redemption: redemption)
            }
            for (index, (event, date)) in zip(events, businessDates(of: events, context: context)).enumerated() {
                let meta = EventMeta(id: environment.newId(), occurredOn: date, recordedAt: recordedAt,
                                     actor: context.actor, key: index == 0 ? key : nil)
                written.append(try session.append(event, meta: meta))
            }
            return Written(events: written, alreadyRecorded: false)
        }
    }

    /// The newest entry recorded since `instant` that the single score or redemption in `events` would repeat, one
    /// that has not been reversed since; nil when there is none, or when `events` is not such an entry.
    private func repeated(_ events: [LedgerEvent], on date: LocalDate, since instant: String,
                          in session: StoreSession) throws -> RecordedEvent? {
        guard events.count == 1, let event = events.first, let types = event.repeatableTypes else { return nil }
        let household: HouseholdCode
        switch event {
        case .scoreRecorded(let score), .scoreProposed(let score): household = score.household
        case .redeemed(let redemption): household = redemption.household
        default: return nil
        }
        for earlier in try session.events(of: types, household: household, on: date, recordedSince: instant)
        where event.repeats(earlier.event) {
            if try session.entry(.seq(earlier.seq))?.reversedBy != nil { continue }
            return earlier
        }
        return nil
    }

    /// Decides and appends a batch in one transaction: all of it, or — when any line is refused — none of it,
    /// with every refused line reported. Lines are decided in order, each seeing the ones before it.
    @discardableResult
    public func executeAll(_ items: [BatchItem], by actor: String, fileName: String, problems earlier: [LineProblem] = [],
                           progress: ((Int, Int) -> Void)? = nil) throws -> [RecordedEvent] {
        let today = today()
        let recordedAt = timestamp()
        return try store.write { session in
            var problems = earlier
            var written: [RecordedEvent] = []
            for (number, item) in items.enumerated() {
                let context = CommandContext(actor: ActorName(rawValue: actor), today: today, occurredOn: item.occurredOn)
                do {
                    let events = try decide(item.command, context: context, state: session)
                    for (event, date) in zip(events, businessDates(of: events, context: context)) {
                        let meta = EventMeta(id: environment.newId(), occurredOn: date, recordedAt: recordedAt,
                                             actor: context.actor, key: nil)
                        written.append(try session.append(event, meta: meta))
                    }
                } catch let rejection as Rejection {
                    // A sheet imported before: its rows' own problems would only be noise.
                    if case .sheetAlreadyImported = rejection { throw rejection }
                    problems.append(LineProblem(line: item.line, rejection: rejection))
                }
                if let progress, number % 500 == 499 { progress(number + 1, items.count) }
            }
            if !problems.isEmpty {
                throw BatchRejected(fileName: fileName, problems: problems.sorted { $0.line < $1.line })
            }
            return written
        }
    }

    /// Runs `body` on a consistent snapshot.
    public func read<T>(_ body: (StoreSession) throws -> T) throws -> T {
        try store.read(body)
    }

    public func info() throws -> LedgerInfo {
        guard let info = try read({ try $0.ledger() }) else { throw Rejection.ledgerNotOpened }
        return info
    }
}
