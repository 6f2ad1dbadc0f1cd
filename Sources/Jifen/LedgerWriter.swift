import Foundation
import JifenCore
import JifenStore

/// What a write did: the events it appended, or the one already recorded under the same key.
public struct Written: Sendable {
    public let events: [RecordedEvent]
    /// True when the idempotency key had been used: nothing new was written.
    public let alreadyRecorded: Bool
}

/// The write path, over any `LedgerStore`: read the state, `decide` (pure), append the decision and fold it into the
/// projections, all in one write transaction of the store. `Ledger` writes through it to SQLite; the conformance suite
/// runs the same code on every store.
public struct LedgerWriter<Store: LedgerStore>: Sendable {
    public let store: Store
    public let environment: LedgerEnvironment
    /// The people whose password the caller checked: their commands are decided as proven (`CommandContext`).
    public var passwordChecked: Set<String> = []

    public init(store: Store, environment: LedgerEnvironment) {
        self.store = store
        self.environment = environment
    }

    /// Decides one command and appends its events. A refusal throws a `Rejection` and writes nothing.
    /// A `key` already used returns the event recorded under it, and writes nothing. Without a key, a score or a
    /// redemption identical to one recorded in the last hour (`Ledger.retryWindow`, by `recorded_at` and the
    /// environment's clock) is refused as a likely retry after a crash, unless `again` says a second one is meant.
    @discardableResult
    public func execute(_ command: Command, by actor: String, on date: LocalDate? = nil, key: String? = nil,
                        again: Bool = false) throws -> Written {
        let now = environment.now()
        return try store.write { session in
            try decideAndAppend(command, by: actor, on: date, key: key, again: again, now: now, in: session)
        }
    }

    /// `execute`'s work inside a write transaction of the store: look up the key, decide, refuse a likely retry, append.
    /// A refusal throws before anything is appended, so the transaction may go on with other commands (`executeEach`).
    func decideAndAppend(_ command: Command, by actor: String, on date: LocalDate?, key: String?, again: Bool, now: Date,
                         in session: Store.Session) throws -> Written {
        let today = environment.today()
        let recordedAt = environment.timestamp(of: now)
        let windowOpened = environment.timestamp(of: now.addingTimeInterval(-Ledger.retryWindow))
        let context = CommandContext(actor: ActorName(rawValue: actor), today: today, occurredOn: date,
                                     passwordChecked: passwordChecked.contains(actor))
        if let key, let existing = try session.recorded(key: key) {
            // The same person's same entry again is a retry; anyone else's, or another entry, is a mistake.
            guard existing.actor.rawValue == actor.trimmingCharacters(in: .whitespaces),
                  command.isRecorded(by: existing, on: context.occurredOn) else {
                throw Rejection.keyUsedForAnotherEntry(key: key, seq: existing.seq)
            }
            return Written(events: [existing], alreadyRecorded: true)
        }
        if let key, let problem = KeySyntax.problem(with: key) { throw Rejection.keyInvalid(key: key, problem: problem) }
        let decision = try decide(command, context: context, state: session)
        if key == nil, !again, let earlier = try Self.repeated(decision.events, on: context.occurredOn, since: windowOpened, in: session) {
            let minutes = Ledger.instant(earlier.recordedAt).map { Int(now.timeIntervalSince($0) / 60) } ?? 0
            var redemption = false
            if case .redeemed = earlier.event { redemption = true }
            throw Rejection.repeatedEntry(seq: earlier.seq, minutesAgo: max(0, minutes), redemption: redemption)
        }
        let written = try session.append(decision, recordedAt: recordedAt, key: key, newId: environment.newId)
        return Written(events: written, alreadyRecorded: false)
    }

    /// The newest entry recorded since `instant` that the single score or redemption in `events` would repeat, one
    /// that has not been reversed since; nil when there is none, or when `events` is not such an entry.
    static func repeated(_ events: [LedgerEvent], on date: LocalDate, since instant: String,
                         in session: Store.Session) throws -> RecordedEvent? {
        guard events.count == 1, let event = events.first, let types = event.repeatableTypes else { return nil }
        guard let household = event.household else { return nil }
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
        var lines = (earlier.map(BatchLine.problem) + items.map(BatchLine.item)).makeIterator()
        var written: [RecordedEvent] = []
        try executeBatch(by: actor, fileName: fileName, count: items.count, progress: progress,
                         next: { lines.next() }, written: { written.append($0) })
        return written
    }

    /// The same for a batch read as it goes: `next` gives its lines one by one (nil at the end), `written` is told of
    /// each event appended (they are all undone if the batch is refused), and `check` runs first in the
    /// transaction. Only what one line needs is held in memory. `count` is the number of items, for `progress`.
    public func executeBatch(by actor: String, fileName: String, count: Int, progress: ((Int, Int) -> Void)? = nil,
                             check: ((Store.Session) throws -> Void)? = nil,
                             next: () throws -> BatchLine?, written: (RecordedEvent) -> Void) throws {
        let today = environment.today()
        let recordedAt = environment.timestamp(of: environment.now())
        let actorName = ActorName(rawValue: actor)
        let checked = passwordChecked.contains(actor)
        try store.write { session in
            try check?(session)
            var problems = ProblemList()
            var number = 0
            while let line = try next() {
                let item: BatchItem
                switch line {
                case .problem(let problem):
                    problems.append(problem)
                    continue
                case .item(let next):
                    item = next
                }
                let context = CommandContext(actor: actorName, today: today, occurredOn: item.occurredOn, passwordChecked: checked)
                do {
                    let decision = try decide(item.command, context: context, state: session)
                    for recorded in try session.append(decision, recordedAt: recordedAt, key: nil, newId: environment.newId) {
                        written(recorded)
                    }
                } catch let rejection as Rejection {
                    // A sheet imported before: its rows' own problems would only be noise.
                    if case .sheetAlreadyImported = rejection { throw rejection }
                    problems.append(LineProblem(line: item.line, rejection: rejection))
                }
                if let progress, number % 500 == 499 { progress(number + 1, count) }
                number += 1
            }
            if !problems.isEmpty { throw problems.rejection(fileName: fileName) }
        }
    }
}

extension LedgerEnvironment {
    /// An instant as `recorded_at` holds it — UTC, ISO 8601 with milliseconds — written as `ISO8601DateFormatter` writes
    /// it (the instant rounded to the nearest millisecond, as its ICU formatter does), byte for byte: a test holds the
    /// two to the same text over thousands of instants. Written by hand because the formatter costs a millisecond of
    /// every write (ICU's formatter is made for each), a tenth of a `record`'s work beyond process start at 10^6 events.
    package static func recordedAt(_ date: Date) -> String {
        let millis = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        guard millis.isFinite, abs(millis) < 1e15 else { return formatted(date) }
        let total = Int64(millis)
        let days = total >= 0 ? total / 86_400_000 : (total - 86_399_999) / 86_400_000
        let ms = total - days * 86_400_000
        let day = LocalDate(daysSinceEpoch: Int(days))
        // Before 1600 ICU counts in the Julian calendar; after 9999 it writes more digits.
        guard (1600...9999).contains(day.year) else { return formatted(date) }
        var text = Array(day.description.utf8)
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        text.append(UInt8(ascii: "T"))
        digits(ms / 3_600_000, 2); text.append(UInt8(ascii: ":"))
        digits(ms / 60_000 % 60, 2); text.append(UInt8(ascii: ":"))
        digits(ms / 1000 % 60, 2); text.append(UInt8(ascii: "."))
        digits(ms % 1000, 3); text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// The same by Foundation's formatter, for instants outside the years 1600–9999.
    package static func formatted(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        return formatter.string(from: date)
    }
}
