import Crypto
import Foundation
import GRDB
import GRDBSQLite
import JifenCore
import Synchronization

/// The passes of `verifyAll`: how far the chain and the replay have read, and what the passes on other connections found.
private final class TwoPasses: Sendable {
    let replayed = Mutex<Result<[VerifyReport.Problem], any Error>?>(nil)
    /// What SQLite's check of the pages found.
    let pages = Mutex<[VerifyReport.Problem]>([])
    /// What the auditors' consistency pass found.
    let consistency = Mutex<Result<[VerifyReport.Problem], any Error>?>(nil)
    /// The second half of the chain, walked on its own connection: its report, its rows' index digests, and its first
    /// event's sequence number and link (to be held against the first half's last event and head).
    let secondHalf = Mutex<Result<(VerifyReport, IndexDigests?, EventStore.ChainEnds), any Error>?>(nil)
    /// The log's indexes read whole (`IndexDigests.scanIndexes`), on a connection of their own.
    let indexScans = Mutex<Result<[IndexDigests.IndexScan], any Error>?>(nil)
    private let counts = Mutex((chain: Int64(0), chain2: Int64(0), replay: Int64(0), total: Int64(0)))
    private let progress: (@Sendable (Int64, Int64) -> Void)?

    init(progress: (@Sendable (Int64, Int64) -> Void)?) { self.progress = progress }

    func update(chain: Int64? = nil, chain2: Int64? = nil, replay: Int64? = nil, total: Int64? = nil) {
        let (done, all) = counts.withLock { counts -> (Int64, Int64) in
            if let chain { counts.chain = chain }
            if let chain2 { counts.chain2 = chain2 }
            if let replay { counts.replay = replay }
            if let total { counts.total = max(counts.total, total) }
            return (counts.chain + counts.chain2 + counts.replay, 2 * counts.total)
        }
        progress?(done, all)
    }
}

/// A household's register entry and figures as one comparable, printable value.
struct Balances: Equatable, CustomStringConvertible {
    let account: HouseholdAccount
    init(_ account: HouseholdAccount) { self.account = account }
    var description: String {
        "head \(account.head), unit \(account.unit), \(account.members) members, \(account.status.rawValue), earned \(account.earned), deducted \(account.deducted), redeemed \(account.redeemed), pending \(account.pending), proposed \(account.proposed), expired \(account.expired), moved \(account.moved)"
    }
}

/// Reads the fold's `type` column as an `EventType`, in Swift: the stored name is compared with the one before it
/// (a log is mostly long runs of one type), and only a new name is made into a string and looked up. Nil for a name
/// this version does not know.
struct TypeColumn {
    private var lastName: [UInt8] = []
    private var lastType: EventType?

    mutating func read(_ rows: RawRows, _ column: Int32) -> EventType? {
        let same = lastName.withUnsafeBytes { rows.equals(column, $0) }
        if !same {
            lastName = Array(rows.bytes(column))
            lastType = EventType(rawValue: String(decoding: lastName, as: UTF8.self))
        }
        return lastType
    }
}

/// An event row's fields as stored, selected as `RawRows.chainColumns` (the table's own order).
struct StoredEvent: Sendable {
    let seq: Int64, streamVersion: Int64, schemeVersion: Int
    let id: String?, stream: String?, type: String?, occurredOn: String?, recordedAt: String?, actor: String?, key: String?, payload: String?
    let facts: EventFacts

    init(_ rows: some ChainRow) {
        func string(_ column: Int32) -> String? { rows.isNull(column) ? nil : String(decoding: rows.bytes(column), as: UTF8.self) }
        func int(_ column: Int32) -> Int { Int(rows.int64(column)) }
        seq = rows.int64(0)
        id = string(1)
        stream = string(2)
        streamVersion = rows.int64(3)
        type = string(4)
        occurredOn = string(5)
        recordedAt = string(6)
        actor = string(7)
        schemeVersion = int(8)
        key = string(9)
        facts = EventFacts(household: string(10).map { HouseholdCode(rawValue: $0) },
                           item: string(11).map { ItemCode(rawValue: $0) },
                           rule: string(12).map { RuleCode(rawValue: $0) },
                           earned: int(13), deducted: int(14), redeemed: int(15), stock: int(16),
                           reverses: rows.isNull(17) ? nil : rows.int64(17))
        payload = string(18)
    }

    /// The event, as `StoreSession.recordedEvent` reads it from a GRDB row (the same errors), as a `ProjectionError` of
    /// this event when it cannot be read.
    func recorded() throws -> RecordedEvent {
        guard [facts.earned, facts.deducted, facts.redeemed, facts.stock].allSatisfy({ Int64($0).magnitude <= EventStore.factsLimit.magnitude }) else {
            throw ProjectionError(seq: seq, problem: "its figures are beyond any a ledger holds")
        }
        do {
            func text(_ value: String?, _ column: String) throws -> String {
                guard let value else { throw StoreError.damaged(column: column, found: "NULL") }
                return value
            }
            guard let occurredOn = LocalDate(try text(occurredOn, "occurred_on")) else {
                throw ProjectionError(seq: seq, problem: "its date is not a date")
            }
            let event: LedgerEvent
            do {
                event = try EventCodec.event(type: try text(type, "type"), payload: try text(payload, "payload"))
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.damagedPayload(seq: seq, error)
            }
            return RecordedEvent(seq: seq, id: try text(id, "id"), stream: try text(stream, "stream"), streamVersion: streamVersion,
                                 occurredOn: occurredOn, recordedAt: try text(recordedAt, "recorded_at"),
                                 actor: ActorName(rawValue: try text(actor, "actor")), schemeVersion: schemeVersion, key: key,
                                 event: event, facts: facts)
        } catch {
            throw ProjectionError(seq: seq, problem: "its payload cannot be read (\(error))")
        }
    }
}

/// Reads the log for the fold on a thread of its own, and hands it over in batches (`FoldBatch`: entries packed from
/// their columns, each column asked of SQLite once, `StepColumns`): at most a few batches wait, so the memory it takes
/// does not grow with the log. It alone uses the connection from `start` until `stop` returns; the folding thread
/// touches neither statement meanwhile.
final class FoldReader: @unchecked Sendable {
    /// Taken by the reading thread when it starts, and let go before it says it is done: the caller keeps its own
    /// until then, so that SQLite's statements are never finalized on the reading thread.
    private var statements: (rows: RawRows, whole: RawRows)?
    private let batches = Mutex<[FoldBatch]>([])
    /// Batches handed over and not yet taken.
    private let ready = DispatchSemaphore(value: 0)
    /// Room for batches to wait.
    private let room = DispatchSemaphore(value: 4)
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchGroup()

    /// `rows` selects `seq, household, item, rule, earned, deducted, redeemed, stock, reverses, type, occurred_on, actor`
    /// in order (`FoldPositions.narrow`); `whole` an event by `seq` as `RawRows.chainColumns`.
    init(rows: RawRows, whole: RawRows) {
        statements = (rows, whole)
    }

    /// Starts the reading thread: a thread of its own, not one of Dispatch's shared pool, which callers waiting on it
    /// (verify's replay pass, tests running side by side) could leave without a free thread.
    func start() {
        done.enter()
        let thread = Thread {
            self.read()
            self.done.leave()
        }
        thread.name = "jifen fold reader"
        thread.start()
    }

    /// The next batch, waiting for it; the last one ends with `.end` or `.failed`.
    func next() -> FoldBatch {
        ready.wait()
        let batch = batches.withLock { $0.isEmpty ? FoldBatch(capacity: 0, ending: .end) : $0.removeFirst() }
        room.signal()
        return batch
    }

    /// Stops the reader, if it is still reading, and waits until it has let go of the connection. The batches handed
    /// over and not taken (the fold threw part-way) give their room back: libdispatch stops the process when a
    /// semaphore goes away below the value it started with.
    func stop() {
        stopped.store(true, ordering: .releasing)
        room.signal()
        done.wait()
        let left = batches.withLock { batches in
            defer { batches.removeAll() }
            return batches.count
        }
        for _ in 0..<left { room.signal() }
    }

    /// Hands a batch over; false if the fold has stopped.
    private func hand(_ batch: FoldBatch) -> Bool {
        room.wait()
        if stopped.load(ordering: .acquiring) { return false }
        batches.withLock { $0.append(batch) }
        ready.signal()
        return true
    }

    private func read() {
        guard let (rows, whole) = statements else { return }
        statements = nil
        let columns = StepColumns(rows.handle, count: Int(sqlite3_column_count(rows.handle)))
        defer { columns.deallocate() }
        var packer = FoldPacker(positions: .narrow)
        do {
            while try rows.next() {
                columns.read()
                if !packer.addEntry(columns) {
                    // The register, units, items and scheme: few events, read whole.
                    let seq = columns.int64(0)
                    sqlite3_bind_int64(whole.handle, 1, seq)
                    defer { sqlite3_reset(whole.handle) }
                    if try whole.next() { packer.addWhole(StoredEvent(whole)) } else { packer.addMissing() }
                }
                if packer.full {
                    guard hand(packer.take()) else { return }
                }
            }
            _ = hand(packer.take(ending: .end))
        } catch {
            _ = hand(packer.take(ending: .failed(error)))
        }
    }
}

extension EventStore {
    /// The triggers migration 0001 of each format creates, as SQLite keeps their text.
    static let expectedTriggers: [LogFormat: [String: String]] = [.wide: triggers(in: SchemaSQL.m0001EventLog),
                                                                   .compact: triggers(in: SchemaSQL.m0001CompactLog)]

    static func triggers(in sql: String) -> [String: String] {
        var triggers: [String: String] = [:]
        var rest = sql[...]
        while let start = rest.range(of: "CREATE TRIGGER ") {
            guard let end = rest.range(of: "END;", range: start.upperBound..<rest.endIndex) else { break }
            let text = String(rest[start.lowerBound..<end.lowerBound]) + "END"
            let name = text.dropFirst("CREATE TRIGGER ".count).prefix { $0 != " " }
            triggers[String(name)] = text
            rest = rest[end.upperBound...]
        }
        return triggers
    }

    /// Walks the whole chain: sequence numbers without gaps, each event's link to the one before, each
    /// event's hash over its stored fields; and checks that the append-only triggers are in place.
    public func verify(problemsMax: Int = 100, progress: ((Int64, Int64) -> Void)? = nil) throws -> VerifyReport {
        var digests: IndexDigests?
        return try queue.read { db in try EventStore.walkChain(db, digests: &digests, problemsMax: problemsMax, progress: progress) }
    }

    /// The append-only triggers that are missing or not as migration 0001 made them.
    static func triggerProblems(_ db: Database) throws -> [VerifyReport.Problem] {
        let format = try LogFormat.of(db)
        let found = Dictionary(firstOf: try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('\(format.table)', 'rule_texts')
            """).map { ((try $0.at(0) as String), (try $0.at(1) as String)) })
        var problems: [VerifyReport.Problem] = []
        for (name, sql) in (EventStore.expectedTriggers[format] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if found[name] == nil {
                problems.append(.init(seq: 0, zh: "防篡改触发器 \(name) 不见了：流水已不再受保护，可以被改动", en: "the trigger \(name) is missing: the log is no longer protected against edits"))
            } else if found[name] != sql {
                problems.append(.init(seq: 0, zh: "防篡改触发器 \(name) 被改动过：流水已不再受应有的保护", en: "the trigger \(name) was changed: the log is no longer protected as it should be"))
            }
        }
        return problems
    }

    /// Where a walk of part of the chain began and ended, for `verifyAll` to join two halves as one walk would.
    struct ChainEnds {
        /// The first event read and the link it holds, when the walk began with `previous` nil (neither its sequence
        /// number nor its link was held against the event before: the caller does that).
        var first: (seq: Int64, link: Data)?
        /// The last event read; the one before `first` when it read none.
        var lastSeq: Int64 = 0
    }

    /// The chain's finding for events `from` through `to` missing, found at `seq` (`to + 1`).
    static func missingEvents(_ from: Int64, _ to: Int64, at seq: Int64) -> VerifyReport.Problem {
        .init(seq: seq, zh: "第 \(from)…\(to) 条事件不见了：流水从第 \(from - 1) 条直接跳到第 \(seq) 条",
              en: "events #\(from)…#\(to) are missing: the log jumps from #\(from - 1) to #\(seq)")
    }

    /// The chain's finding for an event whose link to the one before is broken.
    static func brokenLink(at seq: Int64) -> VerifyReport.Problem {
        .init(seq: seq, zh: "它与前一条事件的链接断了（有事件被删除、插入或调换了顺序）",
              en: "its link to the event before it is broken (an event was removed, inserted or reordered)")
    }

    /// The chain from event `first` through `last` (the whole log by default): sequence numbers without gaps, each
    /// event's link to the one before (to `previous` for `first`; with `previous` nil, the first event read is taken as
    /// it is, its sequence number and link handed back in `ends`, for the caller to hold against the event before),
    /// each event's hash over its stored fields; and, with `triggers`, the append-only triggers. With `digests`, each
    /// row is also added to the indexes' table-side digests (`IndexDigests`), in the same pass; with `feed`, each row is
    /// packed for the replay's fold (`ChainFeed`) and the stream ended at the walk's end (one who gives up on it closes it
    /// otherwise). `progress` gets (events read, events to read).
    static func walkChain(_ db: Database, from first: Int64 = 1, through last: Int64 = Int64.max, previous: Data? = Chain.genesis,
                          ends: UnsafeMutablePointer<ChainEnds>? = nil, triggers: Bool = true, digests: inout IndexDigests?,
                          feed: FoldStream? = nil, problemsMax: Int = 100, progress: ((Int64, Int64) -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        func problem(_ found: VerifyReport.Problem) {
            if report.problems.count < problemsMax { report.problems.append(found) }
        }
        func problem(_ seq: Int64, zh: String, en: String) { problem(.init(seq: seq, zh: zh, en: en)) }
        if triggers { report.problems = Array(try (triggerProblems(db) + ruleTextProblems(db) + credentialProblems(db) + cardProblems(db)).prefix(problemsMax)) }
        // (Only for the progress: the last sequence number, found in the b-tree, where count(*) would read every page.)
        let total = progress == nil ? 0 : max(0, min(last, try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0) - first + 1)
        var expectedSeq = first
        // The hot loop reads SQLite's columns in place and hashes them without making Swift values.
        // After the indexes' columns, whether the row breaks the table's NOT NULL and CHECK rules (`constraintTerms`).
        // Held in Swift (`LogRowRules`) when the table is as its migration made it, else selected with every row.
        let terms = try EventStore.constraintTerms(db)
        let rules = try LogRowRules.make(db, terms: terms)
        let broken = terms.isEmpty || rules != nil ? "" : ", coalesce(\(terms.map { "(\($0))" }.joined(separator: " OR ")), 0)"
        let rows = try LogRows(db, where: "seq >= \(first) AND seq <= \(last)", extra: (digests?.extraColumns ?? "") + broken)
        let brokenColumn = broken.isEmpty ? nil : rows.extraStart + Int32(digests?.extraCount ?? 0)
        let columns = rows.columns
        var canonical = CanonicalBuffer()
        var previousHash = previous.map { [UInt8]($0) } ?? []
        var linked = previous != nil
        var feeder = feed.map { FoldStream.Feeder($0) }
        while try rows.next() {
            let seq = rows.int64(0)
            if seq != expectedSeq && linked {
                if seq > expectedSeq {
                    problem(EventStore.missingEvents(expectedSeq, seq - 1, at: seq))
                } else {
                    problem(seq, zh: "第 \(expectedSeq - 1) 条之后的序号乱了", en: "sequence number out of order after #\(expectedSeq - 1)")
                }
            }
            let hash = rows.bytes(20)
            if !linked {
                ends?.pointee.first = (seq, Data(rows.bytes(19)))
                linked = true
            } else if !previousHash.withUnsafeBytes({ rows.equals(19, $0) }) {
                problem(EventStore.brokenLink(at: seq))
            }
            let digest = rows.chainDigest(&canonical)
            if !digest.withUnsafeBytes({ rows.equals(20, $0) }) {
                problem(seq, zh: "内容与它的哈希值不符：写入之后被改动过", en: "its contents do not match its hash: it was altered after it was written")
            }
            if let rules {
                if !rules.clears(columns), try rules.breaks(seq: seq) { problem(EventStore.brokenConstraint(at: seq)) }
            } else if let brokenColumn, columns.int64(brokenColumn) != 0 {
                problem(EventStore.brokenConstraint(at: seq))
            }
            digests?.addTableRow(columns)
            feeder?.add(rows)
            if hash.count == 32 && previousHash.count == 32 {
                previousHash.withUnsafeMutableBytes { $0.copyMemory(from: hash) }
            } else {
                previousHash = Array(hash)
            }
            expectedSeq = seq + 1
            report.events += 1
            if let progress, report.events % 100_000 == 0 { progress(report.events, total) }
        }
        feeder?.finish()
        report.head = Data(previousHash)
        ends?.pointee.lastSeq = expectedSeq - 1
        return report
    }

    /// Everything `verify` checks, in passes side by side on connections of their own, so that both cores stay busy:
    /// the first half of the chain and then the log's indexes on this connection; the second half of a long chain
    /// (`chainHalvesFrom`); the replay of the log against the tables (with the balance identities at every step, for
    /// auditors); SQLite's check of the file's pages; and for auditors what events name and the stock. The problems
    /// come in the same order on every run: the file's structure, the chain's, the tables', then the rest. `progress`
    /// gets the events the chain and the replay have read, of twice the log. The chain's findings, and the file's
    /// structure's, are each at most `problemsMax`.
    ///
    /// The structure is SQLite's `quick_check` of every page and constraint, its full `integrity_check` of the small
    /// tables, and `IndexDigests` for the log's indexes: what `integrity_check` would find there, read sequentially in
    /// the chain's pass rather than looked up row by row (0.6 s beside 4.6 s at 10^6 events). Each connection reads
    /// through a page cache of `verifyCacheKiB`: every pass reads pages once, in order, and a larger cache only costs
    /// memory.
    public func verifyAll(audit: Bool, chainHalvesFrom: Int64 = EventStore.chainHalvesFrom, problemsMax: Int = 100,
                          progress: (@Sendable (Int64, Int64) -> Void)? = nil) throws -> VerifyReport {
        // The schema first: a file whose schema is not whole is not replayed (its tables would only fail to be read).
        let schema = schemaFindings()
        let schemaWhole = schema.isEmpty
        let passes = TwoPasses(progress: progress)
        let group = DispatchGroup()
        let path = path
        // The replay folds what the chain's halves read (one read of the log for both), or reads the log itself.
        let feed = schemaWhole ? ChainFeed() : nil
        if schemaWhole {
            EventStore.onThread(group) {
                let result = Result {
                    let second = try EventStore(path: path, create: false, readOnly: true)
                    try second.queue.inDatabase { try $0.execute(sql: "PRAGMA cache_size = -\(EventStore.verifyCacheKiB)") }
                    return try second.verifyProjections(balances: audit, feed: feed,
                                                        progress: progress == nil ? nil : { passes.update(replay: $0, total: $1) })
                }
                feed?.stop()
                passes.replayed.withLock { $0 = result }
            }
        }
        if audit && schemaWhole {
            EventStore.onThread(group) {
                let result = Result {
                    let other = try EventStore(path: path, create: false, readOnly: true)
                    try other.queue.inDatabase { try $0.execute(sql: "PRAGMA cache_size = -\(EventStore.verifyCacheKiB)") }
                    return try other.auditConsistency()
                }
                passes.consistency.withLock { $0 = result }
            }
        }
        var report = VerifyReport()
        var structural = schema
        var indexes: [VerifyReport.Problem] = []
        do {
            var digests = try queue.read { try IndexDigests($0) }
            // SQLite's check of the pages: its full check when the indexes are not ones `IndexDigests` reads.
            let full = digests == nil
            EventStore.onThread(group) {
                let found: [VerifyReport.Problem]
                do {
                    let third = try EventStore(path: path, create: false, readOnly: true)
                    try third.queue.inDatabase { try $0.execute(sql: "PRAGMA cache_size = -\(EventStore.verifyCacheKiB)") }
                    found = third.pageProblems(full: full)
                } catch {
                    found = [VerifyReport.Problem(reading: error)]
                }
                passes.pages.withLock { $0 = found }
            }
            // The chain in two halves, the second on its own connection: with the replay and the pages beside them, the
            // two cores stay busy to the end. Both read through the head as it is now (`last`), and so do the indexes,
            // whatever a writer appends meanwhile: each connection reads a snapshot of its own.
            let last = try queue.read { try Int64.fetchOne($0, sql: "SELECT max(seq) FROM events") } ?? 0
            let middle = last >= chainHalvesFrom ? last / 2 : last
            feed?.publish(last: last)
            if middle >= last { feed?.second.close(.end) }
            let halfDigests = digests
            let halves = DispatchGroup()
            if middle < last {
                EventStore.onThread(halves) {
                    let result = Result {
                        let other = try EventStore(path: path, create: false, readOnly: true)
                        try other.queue.inDatabase { try $0.execute(sql: "PRAGMA cache_size = -\(EventStore.verifyCacheKiB)") }
                        return try other.queue.read { db in
                            var digests = halfDigests?.emptied()
                            var ends = ChainEnds()
                            let report = try EventStore.walkChain(db, from: middle + 1, through: last, previous: nil, ends: &ends, triggers: false,
                                                                  digests: &digests, feed: feed?.second, problemsMax: problemsMax,
                                                                  progress: progress == nil ? nil : { done, _ in passes.update(chain2: done) })
                            return (report, digests, ends)
                        }
                    }
                    passes.secondHalf.withLock { $0 = result }
                }
            }
            // The indexes' side of their check needs none of the chain's rows: read beside the halves, and held against
            // the table's digests once both are in.
            if let halfDigests {
                EventStore.onThread(halves) {
                    let result = Result {
                        let other = try EventStore(path: path, create: false, readOnly: true)
                        try other.queue.inDatabase { try $0.execute(sql: "PRAGMA cache_size = -\(EventStore.verifyCacheKiB)") }
                        return try other.queue.read { db in try halfDigests.scanIndexes(db, through: last) }
                    }
                    passes.indexScans.withLock { $0 = result }
                }
            }
            // Whatever this pass throws, the second half and the indexes are done with their connections (and `passes`)
            // before this returns.
            defer { halves.wait() }
            report = try withVerifyCache {
                try queue.read { db in
                    var firstEnds = ChainEnds()
                    var report = try EventStore.walkChain(db, through: middle, ends: &firstEnds, digests: &digests, feed: feed?.first,
                                                          problemsMax: problemsMax,
                                                          progress: progress == nil ? nil : { done, _ in passes.update(chain: done, total: last) })
                    if middle < last {
                        halves.wait()
                        let (second, secondDigests, ends) = try passes.secondHalf.withLock { $0 }?.get() ?? (VerifyReport(), nil, ChainEnds())
                        // The join, as one walk finds it at the second half's first event: the events missing before it
                        // (at the end of the first half or the start of the second), then its link.
                        var join: [VerifyReport.Problem] = []
                        if let (seq, link) = ends.first {
                            if seq > firstEnds.lastSeq + 1 { join.append(EventStore.missingEvents(firstEnds.lastSeq + 1, seq - 1, at: seq)) }
                            if link != report.head { join.append(EventStore.brokenLink(at: seq)) }
                        }
                        report.problems = Array((report.problems + join + second.problems).prefix(problemsMax))
                        report.events += second.events
                        if second.events > 0 { report.head = second.head }
                        if let secondDigests { digests?.add(secondDigests) }
                    }
                    if let digests {
                        halves.wait()
                        let scans = try passes.indexScans.withLock { $0 }?.get() ?? []
                        digests.report(scans) { zh, en in indexes.append(.init(seq: 0, zh: zh, en: en)) }
                    }
                    return report
                }
            }
        } catch {
            report.problems.append(VerifyReport.Problem(reading: error))
        }
        // A half that did not reach its end hands the replay nothing more: it reads the log itself.
        feed?.abandon()
        group.wait()
        // What SQLite's check of the pages found stands whether or not the chain could be read to its end.
        // (What the projections hold that does not read back as jifen writes it is the replay's finding.)
        structural = Array((structural + passes.pages.withLock { $0 } + indexes).prefix(problemsMax))
        report.problems = structural + report.problems
        switch passes.replayed.withLock({ $0 }) {
        case .success(let problems)?: report.problems += problems
        case .failure(let error)?: report.problems.append(VerifyReport.Problem(reading: error))
        case nil: break
        }
        switch passes.consistency.withLock({ $0 }) {
        case .success(let problems)?: report.problems += problems
        case .failure(let error)?: report.problems.append(VerifyReport.Problem(reading: error))
        case nil: break
        }
        return report
    }

    /// Runs `body` on a thread of its own, in `group`. `verifyAll`'s passes each get one rather than a turn on
    /// Dispatch's pool, whose width follows the cores (two here) unless a worker blocks: the chain's second half must
    /// not wait for the replay to finish, since the first half waits for it. (No difference measured in four runs side
    /// by side at 10^6 on a busy machine; it holds the passes side by side whatever the pool decides.)
    static func onThread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The length of log from which `verifyAll` walks the chain in two halves side by side.
    public static let chainHalvesFrom: Int64 = 50_000

    /// The page cache of each connection `verifyAll` reads through, in KiB.
    static let verifyCacheKiB = 2048

    /// Runs `body` with this connection's page cache at `verifyCacheKiB`, and then as it was.
    func withVerifyCache<T>(_ body: () throws -> T) throws -> T {
        let before = try queue.inDatabase { db -> Int in
            let size = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -\(EventStore.verifyCacheKiB)")
            return size
        }
        defer { try? queue.inDatabase { try $0.execute(sql: "PRAGMA cache_size = \(before)") } }
        return try body()
    }

    /// Replays the whole log in memory and compares the result with the projection tables: a balance
    /// changed behind the log's back (or a log that cannot be replayed) is reported with the row at fault.
    ///
    /// With `balances`, also the balance identities at every step of the replay: after each entry, the
    /// household's awards, deductions, spending, expiry and moves equal the sums of the log's columns up to it (so
    /// available = earned − deducted − not yet final − redeemed − expired − moved), and no spending at the
    /// shop or clearing at year end takes a household's available points below zero; what splits and merges send
    /// and receive cancels out.
    public func verifyProjections(balances: Bool = false, problemsMax: Int = 100,
                                  progress: ((Int64, Int64) -> Void)? = nil) throws -> [VerifyReport.Problem] {
        try verifyProjections(balances: balances, feed: nil, problemsMax: problemsMax, progress: progress)
    }

    /// `verifyProjections`, folding the events `verify`'s chain pass hands over (`feed`) when they are this snapshot's.
    func verifyProjections(balances: Bool, feed: ChainFeed?, problemsMax: Int = 100,
                           progress: ((Int64, Int64) -> Void)? = nil) throws -> [VerifyReport.Problem] {
        try queue.read { db in
            let session = StoreSession(db: db)
            var problems: [VerifyReport.Problem] = []
            func problem(_ seq: Int64, zh: String, en: String) {
                if problems.count < problemsMax { problems.append(.init(seq: seq, zh: zh, en: en)) }
            }
            // Each household's figures summed from the log's columns alone (`add`, with nothing of review or notice),
            // to hold against the fold's.
            var sums: [HouseholdCode: HouseholdAccount] = [:]
            func check(_ seq: Int64, _ facts: EventFacts, _ route: EntryRoute, _ memory: MemoryLedger) {
                guard let code = facts.household, let account = memory.household(code) else { return }
                var sum = sums[code] ?? HouseholdAccount(code: code, head: account.head, unit: account.unit, members: account.members,
                                                         status: .open, registeredOn: account.registeredOn, closedOn: nil,
                                                         earned: 0, deducted: 0, redeemed: 0)
                sum.add(facts, route: route)
                sums[code] = sum
                if sum.earned != account.earned || sum.deducted != account.deducted || sum.redeemed != account.redeemed
                    || sum.expired != account.expired || sum.moved != account.moved {
                    problem(seq, zh: "此后 \(code) 的数字（加分 \(account.earned)、扣分 \(account.deducted)、兑换 \(account.redeemed)、清零 "
                            + "\(account.expired)、转出 \(account.moved)）与流水各栏之和（\(sum.earned)、\(sum.deducted)、\(sum.redeemed)、"
                            + "\(sum.expired)、\(sum.moved)）不符",
                            en: "after it \(code)'s figures (earned \(account.earned), deducted \(account.deducted), redeemed "
                            + "\(account.redeemed), expired \(account.expired), moved \(account.moved)) are not the sums of the log's "
                            + "columns (\(sum.earned), \(sum.deducted), \(sum.redeemed), \(sum.expired), \(sum.moved))")
                }
                // (A merge may pass a debt on, so what a household receives is not held to this.)
                if facts.redeemed > 0 && route != .transfer && account.available < 0 {
                    let what = route == .shop ? "spends" : "clears"
                    problem(seq, zh: "它\(route == .shop ? "兑换掉" : "清零了") \(code) 的 \(facts.redeemed) 分，而该户当时只有 "
                            + "\(account.available + facts.redeemed) 分已生效的可用积分：余额变成了 \(account.available)",
                            en: "it \(what) \(facts.redeemed) points of \(code), which had only \(account.available + facts.redeemed) "
                            + "final points available: the balance goes to \(account.available)")
                }
            }
            let memory: MemoryLedger
            do {
                if let feed, let fed = try EventStore.fold(db, feed: feed, progress: progress, observe: balances ? check : nil) {
                    memory = fed
                } else {
                    // (What a fold of the feed found before its reader gave up is not kept: the log is folded again here.)
                    sums = [:]
                    problems = []
                    memory = try EventStore.fold(db, progress: progress, observe: balances ? check : nil)
                }
                if balances {
                    let moved = memory.households.values.reduce(0) { $0 + $1.moved }
                    if moved != 0 {
                        problem(0, zh: "分户、合户时转出与转入的积分对不上：有 \(abs(moved)) 分\(moved > 0 ? "转出了却没有转入" : "转入了却没有转出")",
                                en: "the points households sent and received on splits and merges do not cancel out: \(moved) points "
                                + "were \(moved > 0 ? "sent and never received" : "received and never sent")")
                    }
                }
            } catch let error as ProjectionError {
                problem(error.seq, zh: "它无法重放（\(error.problem)）", en: "it cannot be replayed (\(error.problem))")
                return problems
            }
            let fix = "; run `jifen rebuild` to fold the tables again from the log"
            let fixZh = "；请运行 `jifen rebuild` 从流水重新汇总各表"
            // Each table against the replay, by key, with no copy of the replay's own dictionaries and no key made a
            // string but those reported (a county's 10^5 open reviews, held twice as strings, were most of verify's
            // peak memory).
            func compare<K: Hashable & Comparable, T: Equatable>(_ table: String, _ stored: [K: T], _ replayed: [K: T],
                                                                 key: (K) -> String, _ describe: (T) -> String = { "\($0)" }) {
                var differing = stored.compactMap { $0.value != replayed[$0.key] ? $0.key : nil }
                differing += replayed.keys.filter { stored[$0] == nil }
                for k in differing.sorted() {
                    switch (stored[k], replayed[k]) {
                    case (nil, _):
                        problem(0, zh: "\(table) 里缺了 \(key(k))" + fixZh, en: "\(key(k)) is missing from \(table)" + fix)
                    case (_, nil):
                        problem(0, zh: "\(table) 里有 \(key(k))，流水里却没有" + fixZh, en: "\(table) holds \(key(k)), which the log does not" + fix)
                    case (let s?, let r?):
                        problem(0, zh: "\(table) 记的 \(key(k)) 是 \(describe(s))，流水算出的是 \(describe(r))" + fixZh,
                                en: "\(table) says \(describe(s)) for \(key(k)), the log gives \(describe(r))" + fix)
                    }
                }
            }
            // The large tables are read a row at a time, each row held against the replay as it is read: only the rows
            // that differ are kept.
            func compare<K: Hashable & Comparable, T: Equatable>(_ table: String, _ sql: String, _ decode: (Row) throws -> T,
                                                                 by id: (T) -> K, _ replayed: [K: T], key: (K) -> String,
                                                                 _ describe: (T) -> String) throws {
                var stored: [K: T] = [:]
                var matched = 0
                let rows = try Row.fetchCursor(db, sql: sql)
                while let row = try rows.next() {
                    let value = try decode(row)
                    if replayed[id(value)] == value { matched += 1 } else { stored[id(value)] = value }
                }
                var differing: [K: T] = [:]
                for k in stored.keys { differing[k] = replayed[k] }
                if matched + differing.count < replayed.count {
                    // Rows of the replay that the table lacks: the table's keys, read again (only when some are missing).
                    var keys = Set<K>()
                    let again = try Row.fetchCursor(db, sql: sql)
                    while let row = try again.next() { keys.insert(id(try decode(row))) }
                    for (k, value) in replayed where !keys.contains(k) { differing[k] = value }
                }
                compare(table, stored, differing, key: key, describe)
            }
            compare("p_ledger", try session.ledgerRow().map { ["ledger": $0] } ?? [:], memory.ledger().map { ["ledger": $0] } ?? [:], key: { $0 }) {
                "\($0.village), opened \($0.openedOn), scheme version \($0.schemeVersion)\($0.demo ? ", demo" : "")" }
            try compare("p_households", "SELECT \(StoreSession.householdColumns) FROM p_households", StoreSession.household, by: \.code,
                        memory.households, key: \.rawValue) { Balances($0).description }
            compare("p_items", Dictionary(firstOf: try session.items().map { ($0.code, $0) }), memory.items, key: \.rawValue) {
                "stock \($0.stock), price \($0.price)" }
            compare("p_units", Dictionary(firstOf: try session.units().map { ($0.code, $0) }), memory.units, key: \.rawValue) {
                "name \($0.name), leader \($0.leader?.rawValue ?? "none")" }
            compare("p_actors", Dictionary(firstOf: try session.actors().map { ($0.name, $0) }), memory.actorRecords, key: \.rawValue) {
                "roles \($0.roleList), unit \($0.unit?.rawValue ?? "none"), \($0.status.rawValue)" }
            compare("p_notices", Dictionary(firstOf: try session.notices().map { ($0.period, $0) }), memory.noticeRecords, key: { $0 }) {
                "opened \($0.openedOn), closed \($0.closedOn?.description ?? "not yet")" }
            try compare("p_reviews", "SELECT \(StoreSession.reviewColumns) FROM p_reviews", StoreSession.review, by: \.seq,
                        memory.reviewRecords, key: { "#\($0)" }) { "\($0.state.rawValue), \($0.points) points" }
            compare("p_requests", Dictionary(firstOf: try session.requests().map { ($0.seq, $0) }), memory.requestRecords, key: { "#\($0)" }) {
                "reversal of #\($0.target)" }
            compare("p_schemes", Dictionary(firstOf: try session.schemes().map { ($0.version, $0) }),
                    memory.schemes().reduce(into: [:]) { $0[$1.version] = $1 }, key: { "v\($0)" }) {
                "effective \($0.effective), \($0.scheme.rules.count) rules" }
            compare("p_settlements", Dictionary(firstOf: try session.settlements().map { ($0.year, $0) }), memory.settlementRecords, key: { "\($0)" }) {
                "settled \($0.settledOn), expired \($0.expired)" }
            var storedRatings: [String: HouseholdRating] = [:]
            for settlement in try session.settlements() {
                for rating in try session.ratings(year: settlement.year) { storedRatings["\(settlement.year) \(rating.household)"] = rating }
            }
            compare("p_ratings", storedRatings, memory.ratingRecords.mapValues(\.rating), key: { $0 }) {
                "\($0.points) points, \($0.stars) stars\($0.red ? ", red list" : "")\($0.blackUntil.map { ", black list until \($0)" } ?? "")" }
            compare("p_sheets", Dictionary(firstOf: try Row.fetchAll(db, sql: "SELECT sha256, seq FROM p_sheets").map {
                ((try $0.at(0) as String), (try $0.at(1) as Int64)) }), memory.sheetSeqs, key: { $0 })
            return problems
        }
    }

    /// The hash of one event, to compare with a head noted earlier (on a printout, in a checkpoint).
    public func hash(at seq: Int64) throws -> Data? {
        try queue.read { try Data.fetchOne($0, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [seq]) }
    }

    /// Folds the whole log in memory, streaming: entries by their stored facts (no JSON), the few register,
    /// unit, item and scheme events through their payloads. Nothing per entry is kept.
    ///
    /// The log is read on a thread of its own (`FoldReader`: SQLite's steps, the columns made into values, the few
    /// payloads decoded) while this one folds what it has read, a few thousand events behind: on two cores the fold
    /// takes about as long as reading the log alone.
    ///
    /// `observe` sees every entry after it is folded, with the ledger as it then stands: `audit verify` checks the
    /// balance identities there, at every step.
    static func fold(_ db: Database, through last: Int64 = Int64.max, progress: ((Int64, Int64) -> Void)? = nil,
                     observe: ((Int64, EventFacts, EntryRoute, MemoryLedger) -> Void)? = nil) throws -> MemoryLedger {
        var memory = MemoryLedger(keepsEntries: false)
        let total = progress == nil ? 0 : (try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0)
        let rows = try RawRows(db, sql: """
            SELECT seq, household, item, rule, earned, deducted, redeemed, stock, reverses, type, occurred_on, actor
            FROM events WHERE seq <= \(last) ORDER BY seq
            """)
        let whole = try RawRows(db, sql: "SELECT \(RawRows.chainColumns) FROM events WHERE seq = ?")
        // The statements live until this returns, so that they are finalized on this thread, after the reader has let go.
        return try withExtendedLifetime((rows, whole)) {
            try fold(FoldReader(rows: rows, whole: whole), into: &memory, total: total, progress: progress, observe: observe)
        }
    }

    private static func fold(_ reader: FoldReader, into memory: inout MemoryLedger, total: Int64, progress: ((Int64, Int64) -> Void)?,
                             observe: ((Int64, EventFacts, EntryRoute, MemoryLedger) -> Void)?) throws -> MemoryLedger {
        reader.start()
        // The reader is done with the connection before this returns or throws.
        defer { reader.stop() }
        try fold(batches: reader.next, into: &memory, total: total, progress: progress, observe: observe)
        return memory
    }

    /// Folds `verify`'s chain pass's events (`ChainFeed`) in memory, as `fold` folds the log it reads itself: the
    /// replay's half of one read of the log. Nil when the feed is not for this snapshot of the log (a writer appended
    /// between the two, or the log has events before #1, which the chain's walk does not read) or its reader gave up:
    /// the caller then reads the log itself.
    static func fold(_ db: Database, feed: ChainFeed, progress: ((Int64, Int64) -> Void)? = nil,
                     observe: ((Int64, EventFacts, EntryRoute, MemoryLedger) -> Void)? = nil) throws -> MemoryLedger? {
        // Whatever happens here, the chain's halves pack no more for this fold once it returns.
        defer { feed.stop() }
        let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
        let early = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE seq < 1)") ?? true
        guard let bound = feed.last(), bound == last, !early else { return nil }
        var memory = MemoryLedger(keepsEntries: false)
        var second = false
        do {
            try fold(batches: {
                let batch = second ? feed.second.next() : feed.first.next()
                switch batch.ending {
                case .more: break
                case .end:
                    // The first half ends where the second begins.
                    if !second {
                        second = true
                        batch.ending = .more
                    }
                case .failed, .abandoned:
                    // The chain could not read its half: the replay reads the log itself, as it would alone.
                    batch.ending = .abandoned
                }
                return batch
            }, into: &memory, total: last, progress: progress, observe: observe)
        } catch is FeedAbandoned {
            return nil
        }
        fedReplays.add(1, ordering: .relaxed)
        return memory
    }

    /// How many replays have folded a chain pass's feed in this process (for the tests: that `verify` does).
    static let fedReplays = Atomic<Int>(0)

    /// Folds batches of the log (`FoldBatch`) into `memory` until the last: entries by their packed columns through the
    /// entry rule (`MemoryLedger.applyEntry`), every other event through `MemoryLedger.apply`. Throws what the fold
    /// of an event throws, the reader's error after the events it read, and `FeedAbandoned` for a reader that gave up.
    private static func fold(batches next: () -> FoldBatch, into memory: inout MemoryLedger, total: Int64,
                             progress: ((Int64, Int64) -> Void)?, observe: ((Int64, EventFacts, EntryRoute, MemoryLedger) -> Void)?) throws {
        let noDate = LocalDate(year: 1970, month: 1, day: 1)!, nobody = ActorName(rawValue: "")
        let types = FoldPacker.types
        let limit = EventStore.factsLimit.magnitude
        var count: Int64 = 0
        while true {
            let batch = next()
            do {
                var reader = FoldBatchReader(batch)
                var seq: Int64 = 0, whole = 0
                var lastDate: LocalDate?, lastActor: ActorName?
                for _ in 0..<batch.rows {
                    let head = reader.byte()
                    switch head & 3 {
                    case FoldBatch.whole:
                        let stored = batch.wholes[whole]
                        whole += 1
                        seq = stored.seq
                        try memory.apply(try stored.recorded())
                    case FoldBatch.missing:
                        continue
                    default:
                        seq = head & FoldBatch.nextSeq != 0 ? seq + 1 : reader.number()
                        let type = types[Int(reader.byte())]
                        let has = reader.byte()
                        let earned = reader.number(), deducted = reader.number(), redeemed = reader.number(), stock = reader.number()
                        let reverses: Int64? = has & FoldBatch.hasReverses != 0 ? reader.number() : nil
                        func text(_ flag: UInt8) -> String? {
                            has & flag != 0 ? String(decoding: reader.bytes(), as: UTF8.self) : nil
                        }
                        let household = text(FoldBatch.hasHousehold).map { HouseholdCode(rawValue: $0) }
                        let item = text(FoldBatch.hasItem).map { ItemCode(rawValue: $0) }
                        let rule = text(FoldBatch.hasRule).map { RuleCode(rawValue: $0) }
                        var occurredOn: LocalDate?, actor: ActorName?
                        if head & FoldBatch.noDate == 0 {
                            if head & FoldBatch.sameDate == 0 { lastDate = LocalDate(String(decoding: reader.bytes(), as: UTF8.self)) }
                            occurredOn = lastDate
                        }
                        if head & FoldBatch.noActor == 0 {
                            if head & FoldBatch.sameActor == 0 { lastActor = ActorName(rawValue: String(decoding: reader.bytes(), as: UTF8.self)) }
                            actor = lastActor
                        }
                        // Figures beyond any ledger's are damage, not sums to overflow.
                        guard earned.magnitude <= limit, deducted.magnitude <= limit, redeemed.magnitude <= limit, stock.magnitude <= limit else {
                            throw ProjectionError(seq: seq, problem: "its figures are beyond any a ledger holds")
                        }
                        var facts = EventFacts(household: household, item: item, rule: rule, earned: Int(earned), deducted: Int(deducted),
                                               redeemed: Int(redeemed), stock: Int(stock), reverses: reverses)
                        // An entry: its stored facts are all it takes.
                        // Once roles are in force, scores wait for review and notice: their date, rule and recorder count too.
                        let reviewed = memory.tracksReviews
                        if !reviewed { facts.rule = nil }
                        try memory.applyEntry(facts, seq: seq, filing: type.scoreFiling, route: type.route,
                                              occurredOn: reviewed ? occurredOn ?? noDate : noDate, actor: reviewed ? actor ?? nobody : nobody)
                        observe?(seq, facts, type.route, memory)
                    }
                    count += 1
                    if let progress, count % 100_000 == 0 { progress(count, total) }
                }
            }
            switch batch.ending {
            case .more: continue
            case .end: return
            case .failed(let error): throw error
            case .abandoned: throw FeedAbandoned()
            }
        }
    }

    /// Empties the projections and folds the whole log into them again, in one transaction.
    /// Returns the number of events replayed.
    ///
    /// The many rows (households, reviews, ratings) are written through one prepared statement each with their values
    /// bound straight to SQLite, in the order and with the values `StoreSession.write` gives them; the few others
    /// through `StoreSession.write`.
    @discardableResult
    public func rebuild(progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        try write { session in
            let db = session.db
            // The log is read once, in order: a small page cache while it is folded keeps the peak memory down (the pages
            // read are not read again), and the connection's own comes back for the writes.
            let memory: MemoryLedger
            do {
                let cache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -32768
                try db.execute(sql: "PRAGMA cache_size = -4096")
                defer { try? db.execute(sql: "PRAGMA cache_size = \(cache)") }
                memory = try EventStore.fold(db, progress: progress)
            }
            // The tables are emptied once the log is folded (the fold reads none of them): the log's reading starts sooner.
            for table in EventStore.projectionTables {
                try db.execute(sql: "DELETE FROM \(table)")
            }
            var changes: [ProjectionChange] = []
            if let info = memory.info { changes.append(.ledger(info)) }
            changes += memory.units.keys.sorted { $0.rawValue < $1.rawValue }.compactMap { memory.units[$0].map { .unit($0) } }
            changes += memory.items.keys.sorted { $0.rawValue < $1.rawValue }.compactMap { memory.items[$0].map { .item($0) } }
            changes += memory.sheetSeqs.sorted { $0.key < $1.key }.map { .sheet(sha256: $0.key, seq: $0.value) }
            changes += memory.actors().map { .actor($0) }
            changes += memory.notices().map { .notice($0) }
            changes += memory.requestRecords.keys.sorted().compactMap { memory.requestRecords[$0].map { .request($0) } }
            changes += memory.schemes().map { .scheme($0) }
            changes += memory.settlementRecords.keys.sorted().compactMap { memory.settlementRecords[$0].map { .settlement($0) } }
            try session.write(changes)

            var households = try BatchInsert(db, table: "p_households", columns: """
                code, head, unit, members, status, registered_on, closed_on, earned, deducted, redeemed, pending, proposed, expired, moved
                """)
            for a in memory.allHouseholds() {
                try households.add(.text(a.code.rawValue), .text(a.head), .text(a.unit.rawValue), .int(a.members),
                                   .text(a.status.rawValue), .text(a.registeredOn.description), .text(a.closedOn?.description),
                                   .int(a.earned), .int(a.deducted), .int(a.redeemed), .int(a.pending), .int(a.proposed),
                                   .int(a.expired), .int(a.moved))
            }
            try households.finish()
            // A county's open reviews are tens of thousands: their table's indexes are made again once the rows are in
            // (sorting the keys once took 45 ms on the governed 10^6 ledger where inserting them row by row took 115 ms),
            // with the SQL they had, which `checkStructure` has just found as the migrations made it.
            let reviewIndexes = try Row.fetchAll(db, sql: """
                SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'p_reviews' AND sql IS NOT NULL ORDER BY name
                """).map { (name: try $0.at(0) as String, sql: try $0.at(1) as String) }
            for index in reviewIndexes { try db.execute(sql: "DROP INDEX \(index.name.quotedDatabaseIdentifier)") }
            var reviews = try BatchInsert(db, table: "p_reviews", columns: """
                seq, household, rule, occurred_on, points, state, recorded_by, objection, objected_by
                """)
            for r in memory.sortedReviews() {
                try reviews.add(.int(r.seq), .text(r.household.rawValue), .text(r.rule.rawValue), .text(r.occurredOn.description),
                                .int(r.points), .text(r.state.rawValue), .text(r.recordedBy.rawValue), .int(r.objection),
                                .text(r.objectedBy?.rawValue))
            }
            try reviews.finish()
            for index in reviewIndexes { try db.execute(sql: index.sql) }
            var ratings = try BatchInsert(db, table: "p_ratings", columns: "year, household, points, stars, red, black_until")
            for key in memory.ratingRecords.keys.sorted() {
                guard let r = memory.ratingRecords[key] else { continue }
                try ratings.add(.int(r.year), .text(r.household.rawValue), .int(r.rating.points), .int(r.rating.stars),
                                .int(r.rating.red ? 1 : 0), .text(r.rating.blackUntil?.description))
            }
            try ratings.finish()
            return memory.lastSeq()
        }
    }
}

/// Rows inserted into an emptied table many to a statement (`INSERT … VALUES (…), (…), …`), their values bound straight
/// to SQLite: `rebuild` writes a county's households and reviews through it. One row to a statement through GRDB's
/// arguments (which box every value, and a statement journal for each `INSERT OR REPLACE`) took a fifth of rebuild's
/// time on the governed 10^6 ledger.
struct BatchInsert {
    enum Value {
        case text(String?)
        case int(Int?)
        static func int(_ value: Int64?) -> Value { .int(value.map { Int($0) }) }
    }

    private let db: Database
    private let head: String
    private let width: Int
    private static let rowsPerStatement = 64
    private var full: Statement?
    private var values: [Value] = []

    init(_ db: Database, table: String, columns: String) throws {
        self.db = db
        head = "INSERT INTO \(table) (\(columns)) VALUES "
        width = columns.split(separator: ",").count
        values.reserveCapacity(width * Self.rowsPerStatement)
    }

    private func statement(rows: Int) throws -> Statement {
        let row = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
        return try db.makeStatement(sql: head + Array(repeating: row, count: rows).joined(separator: ", "))
    }

    mutating func add(_ row: Value...) throws {
        values += row
        if values.count >= width * Self.rowsPerStatement { try write() }
    }

    /// Writes the rows still held.
    mutating func finish() throws {
        if !values.isEmpty { try write() }
    }

    private mutating func write() throws {
        let rows = values.count / width
        let statement: Statement
        if rows == Self.rowsPerStatement, let full {
            statement = full
        } else {
            statement = try self.statement(rows: rows)
            if rows == Self.rowsPerStatement { full = statement }
        }
        let handle = statement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            values.removeAll(keepingCapacity: true)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .text(nil), .int(nil):
                sqlite3_bind_null(handle, index)
            case .int(let number?):
                sqlite3_bind_int64(handle, index, Int64(number))
            case .text(var text?):
                _ = text.withUTF8 { buffer in
                    guard let base = buffer.baseAddress, buffer.count > 0 else { return sqlite3_bind_text(handle, index, "", 0, transient) }
                    return sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                             Int32(buffer.count), transient)
                }
            }
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))),
                                sql: head)
        }
    }
}
