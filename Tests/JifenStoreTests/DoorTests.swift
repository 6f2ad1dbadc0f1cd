import Foundation
import GRDB
import Jifen
import JifenCore
import JifenStore
import Testing

/// The facade as its callers see it: reads named for what they want, and the store's failures as `LedgerError`s.
@Suite struct TheDoor {
    /// SQLite's result codes and what the facade makes of them: the kind, whether it is damage (exit 2), and the
    /// start of the English sentence the CLI prints.
    static let sqliteFailures: [(code: ResultCode, kind: LedgerError.Kind, damage: Bool, says: String)] = [
        (.SQLITE_READONLY, .readOnly, false, "The ledger file (or its folder) cannot be written here"),
        (.SQLITE_BUSY, .busy, false, "The ledger is busy"),
        (.SQLITE_LOCKED, .busy, false, "The ledger is busy"),
        (.SQLITE_FULL, .diskFull, false, "The disk is full"),
        (.SQLITE_CORRUPT, .damaged, true, "The ledger file is damaged (SQLite: "),
        (.SQLITE_NOTADB, .damaged, true, "The ledger file is damaged (SQLite: "),
        (.SQLITE_IOERR, .unusable, false, "The ledger file could not be used (SQLite: "),
    ]

    @Test(arguments: sqliteFailures.indices)
    func sqliteFailuresAreSaidAsWhatToDo(index: Int) throws {
        let expected = Self.sqliteFailures[index]
        let failure = try #require(LedgerError(DatabaseError(resultCode: expected.code, message: "test")))
        #expect(failure.kind == expected.kind)
        #expect(failure.isDamage == expected.damage)
        #expect(failure.description.hasPrefix(expected.says))
        #expect(!failure.chinese.isEmpty && failure.chinese != failure.description)
    }

    @Test func storedDataThatDoesNotDecodeIsDamage() throws {
        let context = DecodingError.Context(codingPath: [], debugDescription: "not JSON")
        let failure = try #require(LedgerError(DecodingError.dataCorrupted(context)))
        #expect(failure.kind == .damaged && failure.isDamage)
        #expect(failure.description.hasPrefix("The ledger file is damaged: JSON holds"))
    }

    @Test func refusalsAndTheCallersOwnErrorsAreNotTheStores() {
        #expect(LedgerError(Rejection.actorRequired) == nil)
        #expect(LedgerError(CocoaError(.fileNoSuchFile)) == nil)
    }

    @Test func openingWhatIsNotALedgerSaysWhy() throws {
        let scratch = try Scratch()
        #expect {
            _ = try Ledger(path: scratch.path("missing.sqlite"))
        } throws: { error in
            (error as? LedgerError)?.kind == .noLedger && !((error as? LedgerError)?.isDamage ?? true)
        }
        let text = scratch.path("notes.txt")
        try Data(String(repeating: "not a database ", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        #expect {
            _ = try Ledger(path: text, readOnly: true)
        } throws: { error in
            (error as? LedgerError)?.kind == .notALedger
        }
    }

    @Test(arguments: LogFormat.allCases)
    func aWriteToALedgerOpenedToReadIsReadOnly(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let path = scratch.path("v.sqlite")
        _ = try makeVillage(at: path, format: format)
        let reader = try Ledger(path: path, readOnly: true)
        #expect(reader.format == format)
        #expect {
            try reader.execute(score("H001", "D2.3"), by: "王会计")
        } throws: { error in
            LedgerError(error)?.kind == .readOnly
        }
    }

    @Test func balancesOfOneHouseholdOrAllNowOrThen() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(score("H001", "D2.3"), by: "王会计", on: LocalDate("2025-03-01")!)
        let all = try ledger.balances()
        #expect(all.map(\.code.rawValue) == ["H001", "H002", "H003"])
        #expect(all == (try ledger.households()))
        let one = try ledger.balances(of: "H001")
        #expect(one.count == 1 && one.first?.earned ?? 0 > 0)
        // Before the score's date, H001 has earned nothing yet.
        #expect(try ledger.balances(of: "H001", asOf: LocalDate("2025-02-01")!).map(\.earned) == [0])
        // Before any household was registered, there is none.
        #expect(try ledger.balances(asOf: LocalDate("2024-12-31")!).isEmpty)
        #expect {
            _ = try ledger.balances(of: "H009")
        } throws: { error in
            guard case .householdUnknown(let code, _)? = error as? Rejection else { return false }
            return code.rawValue == "H009"
        }
    }

    @Test func historyAndLogPagesAreTheHouseholdsAndTheLogs() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let written = try ledger.execute(score("H002", "D2.3"), by: "王会计", on: LocalDate("2025-03-01")!)
        let seq = try #require(written.events.first?.seq)
        let history = try ledger.history(of: "H002")
        #expect(history.account.code.rawValue == "H002")
        #expect(!history.events.isEmpty && history.events.allSatisfy { $0.event.household?.rawValue == "H002" })
        #expect(history.entries[seq] != nil)
        #expect(try ledger.entry(seq)?.household?.rawValue == "H002")
        let head = try ledger.head()
        #expect(head.seq == seq)
        let page = try ledger.logPage(from: 2, limit: 3)
        #expect(page.map(\.seq) == [2, 3, 4])
        #expect(try ledger.logPage(household: "H002").map(\.seq) == history.events.map(\.seq))
        #expect(try ledger.occurredOn(seq) == LocalDate("2025-03-01"))
        #expect(try ledger.hashHex(at: head.seq) == head.hex)
        #expect(try ledger.hashHex(at: head.seq + 1) == nil)
        #expect(head.hex.count == 64)
    }

    @Test(arguments: LogFormat.allCases)
    func verifyingASoundLedgerAFileThatIsNotOneAndNone(_ format: LogFormat) throws {
        let scratch = try Scratch()
        let path = scratch.path("v.sqlite")
        let (ledger, _) = try makeVillage(at: path, format: format)
        let head = try ledger.head()
        for audit in [false, true] {
            let report = try Ledger.verifying(path: path) { try $0.verify(audit: audit) }
            #expect(report.isValid, "\(report.problems)")
            #expect(report.events == head.seq && report.headHex == head.hex)
        }
        let empty = scratch.path("empty.sqlite")
        try Data().write(to: URL(fileURLWithPath: empty))
        let failed = try Ledger.verifying(path: empty) { try $0.verify(audit: false) }
        #expect(!failed.isValid)
        #expect {
            _ = try Ledger.verifying(path: scratch.path("missing.sqlite")) { try $0.verify(audit: false) }
        } throws: { error in
            (error as? LedgerError)?.kind == .noLedger
        }
        // The caller's own errors are thrown as they are when it says so, else they are findings.
        struct Mine: Error {}
        #expect(throws: Mine.self) { _ = try Ledger.verifying(path: path, keep: { $0 is Mine }) { _ in throw Mine() } }
        #expect(try !Ledger.verifying(path: path) { _ in throw Mine() }.isValid)
    }

    @Test func anExportStreamsEveryEventInBothFormats() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let events = try ledger.head().seq
        for format in [EventExportFormat.jsonl, .csv] {
            var lines = 0
            try ledger.exportEvents(format: format) { bytes in lines += bytes.filter { $0 == 0x0A }.count }
            // CSV has a header line.
            #expect(Int64(lines) == events + (format == .csv ? 1 : 0))
        }
    }
}
