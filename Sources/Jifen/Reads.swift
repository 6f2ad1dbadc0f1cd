import Foundation
import JifenCore
import JifenStore

// The facade's reads, named for what their callers want to know. Each reads one consistent snapshot and returns read
// models (JifenCore's values); the store's failures come out as `LedgerError`s.

/// One household's account with everything its history prints: its events, and by event number the entries that
/// moved its points and the scores not yet final.
public struct HouseholdHistory: Sendable {
    public let account: HouseholdAccount
    public let events: [RecordedEvent]
    public let entries: [Int64: Entry]
    public let reviews: [Int64: ScoreReview]
}

/// A public notice with how many of its period's scores are on it and how many are objected to.
public struct NoticeSummary: Sendable {
    public let notice: NoticeRecord
    public let posted: Int
    public let objected: Int
}

/// What waits for a reviewer: proposed and objected scores, and requests to reverse an entry.
public struct ReviewQueue: Sendable {
    public let reviews: [ScoreReview]
    public let requests: [ReversalRequest]
}

/// A settled year: the settlement, each household's rating and the register to print them with.
public struct YearSettlement: Sendable {
    public let settlement: SettlementRecord
    public let ratings: [HouseholdRating]
    public let households: [HouseholdAccount]
}

/// Where the log stands: its last event and that event's hash (the genesis hash for an empty log).
public struct LogHead: Sendable, Equatable {
    public let seq: Int64
    public let hash: Data
    /// The hash in lower-case hex, as `verify` prints and checkpoints sign it.
    public var hex: String { hash.lowercaseHex }
}

/// How `exportEvents` writes each event.
public enum EventExportFormat: Sendable {
    /// One JSON object per line (docs/FORMAT.md, "Exports").
    case jsonl
    /// A header line, then one line per event: the same columns, for Excel and WPS (CRLF; the caller adds the BOM).
    case csv
}

extension Ledger {
    // MARK: The log

    /// The hash of event `seq` in hex, to compare with a head noted earlier (on a printout, in a checkpoint); nil when
    /// the log no longer holds that event.
    public func hashHex(at seq: Int64) throws -> String? {
        try LedgerError.translating { try store.hash(at: seq) }.map { LogHead(seq: seq, hash: $0).hex }
    }

    // MARK: Review, notices, standings, settlements

    /// The joint units ranked by average final points per household over `dates`, best first.
    public func standings(in dates: ClosedRange<LocalDate>) throws -> [UnitStanding] {
        try read { try $0.unitStandings(in: dates) }
    }

    /// A year's settlement with its ratings; nil when the year is not settled.
    public func settlement(year: Int) throws -> YearSettlement? {
        try read { session in
            guard let settlement = try session.settlement(year: year) else { return nil }
            return YearSettlement(settlement: settlement, ratings: try session.ratings(year: year), households: try session.households())
        }
    }

    // MARK: Audit

    /// The favouritism report (人情分排查) of a period.
    public func favouritism(period: String, dates: ClosedRange<LocalDate>) throws -> FavouritismReport {
        try read { try $0.favouritism(period: period, dates: dates) }
    }

    /// The last event recorded by the end of `date` in the village (Beijing time), 0 if none.
    public func lastSeq(recordedBy date: LocalDate) throws -> Int64 {
        // The end of a day in Beijing is 16:00 UTC.
        try LedgerError.translating { try store.lastSeq(recordedBefore: "\(date)T16:00:00.000Z") }
    }

    /// The books as they stood after event `seq`, folded afresh from the log in memory; nothing is written.
    public func replay(through seq: Int64) throws -> MemoryLedger {
        try LedgerError.translating { try store.replay(through: seq) }
    }

    /// The standings over `dates` as they stood after event `through`, from the books `replayed` to that event.
    public func standings(in dates: ClosedRange<LocalDate>, replayed: MemoryLedger, through: Int64) throws -> [UnitStanding] {
        try read { try $0.unitStandings(in: dates, replayed: replayed, through: through) }
    }

    /// Everything `verify` checks: the chain and the append-only triggers, the tables against a fresh replay; for
    /// auditors also the balance identities at every step, what events name, the stock, and the checkpoints filed in
    /// the ledger (when the ledger's structure is whole). `progress` gets (events read, events to read).
    public func verify(audit: Bool, progress: (@Sendable (Int64, Int64) -> Void)? = nil) throws -> VerifyReport {
        try LedgerError.translating {
            var report = try store.verifyAll(audit: audit, progress: progress)
            guard audit, report.isValid || report.problems.allSatisfy({ !$0.what.hasPrefix("the ledger's structure") }) else {
                return report
            }
            let info = try info()
            report.problems += try store.verifyFiledCheckpoints(ledgerId: info.ledgerId, village: info.village)
            return report
        }
    }

    /// Opens the ledger at `path` to read and verifies it with `body`. A file that cannot be opened or read as a sound
    /// ledger (empty, another program's, damaged so that SQLite cannot read it) fails verification with that finding
    /// rather than being an error to retry; a missing file is still an error (`LedgerError.Kind.noLedger`), and so is
    /// any error of `keep` (errors the caller's own, to be thrown as they are).
    public static func verifying(path: String, keep: (any Error) -> Bool = { _ in false },
                                 _ body: (Ledger) throws -> VerifyReport) throws -> VerifyReport {
        do {
            return try body(try Ledger(path: path, create: false, readOnly: true))
        } catch let error as LedgerError {
            if error.kind == .noLedger { throw error }
            return VerifyReport(problems: [error.finding])
        } catch {
            if keep(error) { throw error }
            return VerifyReport(problems: [VerifyReport.Problem(reading: error)])
        }
    }

    /// Drops the projection tables and folds them again from the log; returns the number of events folded.
    public func rebuild(progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try LedgerError.translating { try store.rebuild(progress: progress) }
    }

    // MARK: Exports

    /// Writes events `from`…`to` (inclusive) as `format`, each line's bytes with its line ending, streaming: nothing of
    /// the log is held but the line being written. `progress` gets (events written, events to write).
    public func exportEvents(format: EventExportFormat, from: Int64 = 1, to: Int64? = nil,
                             progress: ((Int64, Int64) -> Void)? = nil, line: (UnsafeRawBufferPointer) throws -> Void) throws {
        let stored: EventStore.ExportFormat = switch format {
        case .jsonl: .jsonl
        case .csv: .csv
        }
        try LedgerError.translating { try store.exportEvents(stored, from: from, to: to, progress: progress, write: line) }
    }

    /// Writes the log as a plain-text accounting journal, a block at a time; returns the number of events.
    @discardableResult
    public func exportJournal(progress: ((Int64, Int64) -> Void)? = nil, write: (String) throws -> Void) throws -> Int64 {
        try LedgerError.translating { try store.exportJournal(progress: progress, write: write) }
    }
}
