import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import JifenCore
import JifenStore

/// How a ledger file stores its log (docs/FORMAT.md).
public typealias LogFormat = JifenStore.LogFormat

/// Where time and ids come from. The live one reads the clock and makes random UUIDs; the demo and
/// the tests pass their own, which is what makes their ledgers identical run after run.
public struct LedgerEnvironment: Sendable {
    public var now: @Sendable () -> Date
    public var newId: @Sendable () -> String

    public init(now: @escaping @Sendable () -> Date, newId: @escaping @Sendable () -> String) {
        self.now = now
        self.newId = newId
    }

    public static let live = LedgerEnvironment(now: { Date() }, newId: { randomUUID() })

    /// Today in the village (Asia/Shanghai) by this environment's clock.
    public func today() -> LocalDate {
        LedgerEnvironment.day(of: now())
    }

    /// The village's date (Asia/Shanghai) of an instant: the zone's offset then whole days since 1970, as
    /// `LocalDate(daysSinceEpoch:)` counts them (the proleptic Gregorian calendar). Making a `Calendar` cost a quarter of a
    /// `record`'s own work beyond what every write reads (1.9 M of 7.7 M instructions, callgrind, the 10^6 ledger), so it
    /// is left to instants outside 1600–9999, where Foundation's Gregorian calendar may count otherwise; a test holds
    /// the two to the same day over instants around every offset change and midnight.
    package static func day(of date: Date) -> LocalDate {
        let seconds = date.timeIntervalSince1970 + Double(Ledger.zone.secondsFromGMT(for: date))
        if seconds.isFinite, abs(seconds) < 1e13 {
            let day = LocalDate(daysSinceEpoch: Int((seconds / 86_400).rounded(.down)))
            if (1600...9999).contains(day.year) { return day }
        }
        return calendarDay(of: date)
    }

    /// The same by Foundation's Gregorian calendar in the village's zone.
    package static func calendarDay(of date: Date) -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Ledger.zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day,
              let date = LocalDate(year: year, month: month, day: day) else { return LocalDate(daysSinceEpoch: 0) }
        return date
    }

    /// An instant as `recorded_at` holds it: UTC, ISO 8601 with milliseconds.
    public func timestamp(of date: Date) -> String {
        LedgerEnvironment.recordedAt(date)
    }

    /// A random (version 4) UUID in lower case, as `UUID().uuidString.lowercased()` writes it, from the system's random
    /// generator (getrandom): Foundation's opens /dev/urandom for each one, a tenth of a large import's time.
    ///
    /// The random bits come from `RandomPool`: the system's generator asked for a UUID's 16 bytes at a time took two
    /// `getrandom` calls per UUID, 400,006 system calls and 5% of the CPU of a 200,000-row tally sheet's import.
    package static func randomUUID() -> String {
        var (high, low) = RandomPool.shared.twoWords()
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000   // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000     // RFC 4122 variant
        var text = [UInt8]()
        text.reserveCapacity(36)
        for nibble in 0..<32 {
            if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 { text.append(UInt8(ascii: "-")) }
            let word = nibble < 16 ? high : low
            let digit = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * (nibble % 16))) & 0xF
            text.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A command that was refused as part of a batch (a tally sheet, a register import), with its line: what is wrong,
/// in English and in Chinese.
public struct LineProblem: Sendable, CustomStringConvertible {
    public let line: Int
    public let problem: String
    public let chinese: String
    /// The refusal, when the domain refused the line: a caller may word it its own way.
    public let rejection: Rejection?

    public init(line: Int, problem: String, chinese: String) {
        self.line = line
        self.problem = problem
        self.chinese = chinese
        self.rejection = nil
    }

    /// A line the domain refused: the refusal's own sentence in both languages.
    init(line: Int, rejection: Rejection) {
        self.line = line
        self.problem = rejection.description
        self.chinese = rejection.chinese
        self.rejection = rejection
    }

    /// A sheet with its header only.
    static let noRows = LineProblem(line: 1, problem: "the sheet has a header but no rows", chinese: "这张表只有表头，没有数据行；请填上要导入的行。")
    static let noFilledRows = LineProblem(line: 1, problem: "no line of the form is filled in (a date, a rule, points or a note)",
                                          chinese: "这张记录表没有一行填写过（日期、规则、分值或备注）；请填好后再导入。")

    public var description: String { "line \(line): \(problem)" }
    public var chineseDescription: String { "第 \(line) 行：\(chinese)" }
}

/// A batch in which some lines were refused; nothing of it was written. Only the first
/// `ProblemList.listed` problems (by line) are kept; `unlisted` counts the rest.
public struct BatchRejected: Error, Sendable, CustomStringConvertible {
    public let fileName: String
    public let problems: [LineProblem]
    public let unlisted: Int

    public init(fileName: String, problems: [LineProblem], unlisted: Int = 0) {
        self.fileName = fileName
        self.problems = problems
        self.unlisted = unlisted
    }

    /// How many lines were refused in all.
    public var total: Int { problems.count + unlisted }

    public var description: String {
        if unlisted > 0 {
            return "\(fileName): \(total) lines refused (the first \(problems.count) are listed, \(unlisted) more are not), nothing was written; fix them and import the file again."
        }
        return "\(fileName): \(total) line\(total == 1 ? "" : "s") refused, nothing was written; fix \(total == 1 ? "it" : "them") and import the file again."
    }
    public var chinese: String {
        if unlisted > 0 {
            return "\(fileName)：有 \(total) 行未通过（上面列出前 \(problems.count) 行，另有 \(unlisted) 行未列出），整个文件都没有写入；请改正后重新导入。"
        }
        return "\(fileName)：有 \(total) 行未通过，整个文件都没有写入；请改正后重新导入。"
    }
}

/// The problems of a batch in the order of their lines, at most `listed` of them (the first by line) and a count
/// of the rest: a sheet of 200,000 bad rows is reported in a screenful, not 22 MB.
public struct ProblemList: Sendable {
    public static let listed = 100
    public private(set) var problems: [LineProblem] = []
    public private(set) var unlisted = 0

    public init() {}

    public var isEmpty: Bool { problems.isEmpty }

    public mutating func append(_ problem: LineProblem) {
        // After every problem of an earlier or the same line: lines mostly come in order, so this is the end.
        var index = problems.count
        while index > 0, problems[index - 1].line > problem.line { index -= 1 }
        if index == problems.count, problems.count >= ProblemList.listed {
            unlisted += 1
            return
        }
        problems.insert(problem, at: index)
        if problems.count > ProblemList.listed {
            problems.removeLast()
            unlisted += 1
        }
    }

    func rejection(fileName: String) -> BatchRejected {
        BatchRejected(fileName: fileName, problems: problems, unlisted: unlisted)
    }
}

/// One line of a batch as it is read: a command to decide, or what is wrong with the line before any command.
public enum BatchLine: Sendable {
    case item(BatchItem)
    case problem(LineProblem)
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

/// The one door to a village ledger: the CLI (and later the server) call this and nothing below it.
///
/// Every write is: read the state, `decide` (pure), append the decision and fold it into the projections,
/// all in one IMMEDIATE transaction (`LedgerWriter`, the write path every store shares).
public final class Ledger: Sendable {
    /// How the file stores its log (stored format 1 or 2; the chain is the same).
    public var format: LogFormat { store.format }

    /// The store: the facade's alone (and its package's tests'); callers go through the facade's reads and writes.
    package let store: EventStore
    public let environment: LedgerEnvironment
    /// Whose passwords this ledger has checked, and where it asks for one (`Passwords.swift`).
    let proof = Proof()

    /// Opens a ledger; with `create`, a missing one is made, in `format` (an existing one keeps its own).
    public init(path: String, create: Bool = false, readOnly: Bool = false, refolding: Bool = false,
                environment: LedgerEnvironment = .live, format: LogFormat = .compact) throws {
        self.store = try LedgerError.translating {
            try EventStore(path: path, create: create, readOnly: readOnly, refolding: refolding, format: format)
        }
        self.environment = environment
    }

    public static let zone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    /// Today in the village (Asia/Shanghai).
    public func today() -> LocalDate {
        environment.today()
    }

    /// Now, as `recorded_at` holds it.
    func timestamp() -> String {
        environment.timestamp(of: environment.now())
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

    /// The write path over this ledger's SQLite store.
    var writer: LedgerWriter<EventStore> {
        var writer = LedgerWriter(store: store, environment: environment)
        writer.passwordChecked = proof.checked
        return writer
    }

    /// Decides one command and appends its events (`LedgerWriter.execute`).
    @discardableResult
    public func execute(_ command: Command, by actor: String, on date: LocalDate? = nil, key: String? = nil,
                        again: Bool = false) throws -> Written {
        try passwordChecked(for: actor)
        return try LedgerError.translating { try writer.execute(command, by: actor, on: date, key: key, again: again) }
    }

    /// Decides and appends a batch in one transaction, all or nothing (`LedgerWriter.executeAll`).
    @discardableResult
    public func executeAll(_ items: [BatchItem], by actor: String, fileName: String, problems earlier: [LineProblem] = [],
                           progress: ((Int, Int) -> Void)? = nil) throws -> [RecordedEvent] {
        try passwordChecked(for: actor)
        return try LedgerError.translating {
            try writer.executeAll(items, by: actor, fileName: fileName, problems: earlier, progress: progress)
        }
    }

    /// The same for a batch read as it goes (`LedgerWriter.executeBatch`). Not public: `check` sees the store's
    /// session; callers import sheets and registers through the methods of Imports.swift.
    func executeBatch(by actor: String, fileName: String, count: Int, progress: ((Int, Int) -> Void)? = nil,
                             check: ((StoreSession) throws -> Void)? = nil,
                             next: () throws -> BatchLine?, written: (RecordedEvent) -> Void) throws {
        try passwordChecked(for: actor)
        try LedgerError.translating {
            try writer.executeBatch(by: actor, fileName: fileName, count: count, progress: progress, check: check, next: next,
                                    written: written)
        }
    }

    /// Runs `body` on a consistent snapshot; the store's failures come out as `LedgerError`s. Not public: callers use
    /// the reads named for what they want (Reads.swift).
    package func read<T>(_ body: (StoreSession) throws -> T) throws -> T {
        try LedgerError.translating { try store.read(body) }
    }

    public func info() throws -> LedgerInfo {
        guard let info = try read({ try $0.ledger() }) else { throw Rejection.ledgerNotOpened }
        return info
    }
}

/// Random bits from the kernel's generator, fetched 4 KiB at a time and handed out in order, each byte once: the
/// same source as `SystemRandomNumberGenerator` (`getrandom`), without a system call for every eight bytes. glibc's
/// `arc4random_buf` (≥ 2.36) fills the buffer with one `getrandom` call, and ends the process rather than return less.
final class RandomPool: Sendable {
    static let shared = RandomPool()

    private struct Buffer {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }
    private let buffer = Mutex(Buffer())

    /// Two fresh 64-bit words.
    func twoWords() -> (UInt64, UInt64) {
        buffer.withLock { buffer in
            if buffer.next + 2 > buffer.words.count {
                buffer.words.withUnsafeMutableBytes { bytes in
                    if let base = bytes.baseAddress { arc4random_buf(base, bytes.count) }
                }
                buffer.next = 0
            }
            defer { buffer.next += 2 }
            return (buffer.words[buffer.next], buffer.words[buffer.next + 1])
        }
    }
}
