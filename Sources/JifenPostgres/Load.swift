import Foundation
import JifenCore
import JifenStore
import PostgresNIO
import Synchronization

/// Loading a village's existing SQLite ledger into the county (`jifen county load FILE --village V --postgres URL`):
/// the file's links taken verbatim, in pieces of `piece` events: every link checked — its seq, previous hash and hash,
/// its payload, and that it is what appending its event gives (`LinkCheck`) — and folded once, here; each piece then
/// copied into the table in one statement (`VerbatimRows`), in a transaction of its own that finds the village's head, locked `FOR UPDATE`, where
/// the piece before left it (the chain's trigger checks each row's link again: schema/postgres/0006). A cut (a kill, a
/// lost connection) leaves the pieces committed before it and nothing of the one under way, and loading again
/// continues from the county's head; the same seq and hash end up on both sides.
extension PostgresCountyChains {
    /// Why a load was refused; nothing was loaded.
    public enum LoadRefusal: Error, Equatable, CustomStringConvertible, Sendable {
        /// The county holds more events of the village than the file, the file's last being the county's (the file is
        /// an older copy, or was cut).
        case countyAhead(village: String, county: Int64, file: Int64)
        /// Another program appended to the village while it was being loaded (the pieces before are kept: loading
        /// again goes on from the county's head, refusing the file if those events are not its own).
        case written(village: String)

        public var description: String {
            switch self {
            case .written(let village): "another program appended to \(village) during the load"
            case .countyAhead(let village, let county, let file):
                "the county holds \(county) events of \(village) and the file ends at #\(file): the file is an older copy, or was cut"
            }
        }
    }

    /// How far a load has come: the county's head after each committed piece, out of the file's.
    public struct LoadProgress: Sendable {
        /// Where the county's copy stood when the load began, where it stands now, and the file's head.
        public let from: Int64, seq: Int64, total: Int64
    }

    /// Loads the events of `file` the county lacks into `village` (which must be in the county), and returns the county's
    /// head after: the file's. Refused, changing nothing, when the county's copy is not a beginning of the file
    /// (`CountyError.fork` naming the first differing seq, or `LoadRefusal.countyAhead`); a link of the file that does not
    /// hold is a `LinkRefusal` naming it, the pieces before it kept.
    ///
    /// Two things at once: this thread reads the next piece from the file, checks each link (`LinkCheck`, as
    /// `PostgresSession.append(links:)` does) and folds it, while the piece before is copied into the table and committed by a writer
    /// of its own (`PieceWriter`). Each piece is one transaction that first finds the village's head, under its lock,
    /// where the piece before left it, so the pieces commit in order and whole; the first refusal, on either side, ends
    /// the load after the pieces before it have committed, and the fold is published only when every piece has.
    ///
    /// Why 10,000 events a piece: the chain's trigger (migration 0006) checks a statement's rows and moves the head once
    /// per statement, so a longer transaction no longer makes each row dearer; a piece is one statement (a COPY,
    /// `VerbatimRows`), and its rows are held twice in the client while the one before is written.
    /// Measured on a 102,314-event file in docs/PERFORMANCE.md.
    @discardableResult
    public func load(_ file: EventStore, into village: String, piece: Int = 10_000, progress: (LoadProgress) -> Void = { _ in })
        throws -> (seq: Int64, hash: Data) {
        let start = try head(of: village)
        let fileHead = try file.read { try $0.headOfLog() }
        try agrees(file, fileHead: fileHead, village: village, countyHead: start)
        // The village's fold at the county's head (read back and checked, on a miss), then held here from piece to
        // piece as its only owner: the fold the county caches is shared, and changing it in a session would copy it
        // whole, piece after piece (a 10^5-event file loaded through `PostgresStore.write` took 5.4 s of the client's
        // CPU at 1,000 events a piece, 3.1 s at 5,000). It is published to the cache once, at the end.
        var fold = try county.village(village).write { session in session.fold }
        fold.ledger.reserveEntries(Int(clamping: fileHead.seq - start.seq))
        let writer = PieceWriter(pool: county.pool, village: village)
        let report = { (seq: Int64) in progress(LoadProgress(from: start.seq, seq: seq, total: fileHead.seq)) }
        var check = LinkCheck()
        do {
            while fold.seq < fileHead.seq {
                let links = try file.read { try $0.links(from: fold.seq + 1, limit: max(1, piece)) }
                guard !links.isEmpty else { break }
                let before = (seq: fold.seq, hash: fold.hash)
                // Each link read where it lies (a `for link in links` copied every one, and retained and released each
                // of its strings).
                for index in links.indices {
                    let recorded = try check.check(links[index], after: (fold.seq, fold.hash), version: { fold.versions[$0] ?? 0 },
                                                   state: fold.ledger)
                    try fold.apply(links[index], recorded: recorded)
                }
                let rows = try VerbatimRows.copy(links[...], village: village)
                try writer.submit(PieceWriter.Piece(before: before, after: fold.seq, rows: rows), committed: report)
            }
        } catch {
            // The writer's refusal comes first: it is of an earlier piece.
            try writer.finish(committed: report)
            throw error
        }
        try writer.finish(committed: report)
        county.folds.publish(fold, of: village)
        return (fold.seq, fold.hash)
    }

    /// Refuses a load when the county's copy of the village is not a beginning of the file: the first seq where they
    /// differ, or the county holding more.
    private func agrees(_ file: EventStore, fileHead: (seq: Int64, hash: Data), village: String, countyHead: (seq: Int64, hash: Data))
        throws {
        guard countyHead.seq > 0 else { return }
        let mine = try fileHash(file, at: countyHead.seq)
        if mine == countyHead.hash { return }
        // The chains agree at 0 and disagree (or the file ends) at `differ`: halve until they meet.
        var agree: Int64 = 0
        var differ = min(countyHead.seq, fileHead.seq + 1)
        while differ - agree > 1 {
            let middle = agree + (differ - agree) / 2
            if let hash = try fileHash(file, at: middle), try self.hash(of: village, at: middle) == hash { agree = middle } else { differ = middle }
        }
        if differ > fileHead.seq { throw LoadRefusal.countyAhead(village: village, county: countyHead.seq, file: fileHead.seq) }
        throw CountyError.fork(village: village, seq: differ)
    }

    private func fileHash(_ file: EventStore, at seq: Int64) throws -> Data? {
        try file.read { try $0.links(from: seq, limit: 1).first.flatMap { $0.fields.seq == seq ? $0.hash : nil } }
    }
}

/// The database's half of a load: each piece, in the order given, in a transaction of its own on one thread, while the
/// loader reads and checks the next. At most two pieces are handed over and not yet committed; after the first
/// refusal the pieces after it are dropped unwritten.
final class PieceWriter: Sendable {
    struct Piece: Sendable {
        /// The village's head the piece extends, and the seq of its last event.
        let before: (seq: Int64, hash: Data)
        let after: Int64
        /// Its events as the rows of one COPY (`VerbatimRows`).
        let rows: [UInt8]
    }

    private struct State {
        var failure: (any Error)?
        var committed: [Int64] = []
    }

    private let pool: ConnectionPool
    private let village: String
    private let queue = DispatchQueue(label: "jifen.load.writer")
    private let slots = DispatchSemaphore(value: 2)
    private let state = Mutex(State())

    init(pool: ConnectionPool, village: String) {
        self.pool = pool
        self.village = village
    }

    /// Hands `piece` over once a slot is free, after telling `committed` of each piece committed since the last call;
    /// throws the refusal of a piece before, if there was one (and `piece` is not written).
    func submit(_ piece: Piece, committed: (Int64) -> Void) throws {
        slots.wait()
        if let failure = drain(committed) {
            slots.signal()
            throw failure
        }
        queue.async { [self] in
            defer { slots.signal() }
            guard state.withLock({ $0.failure == nil }) else { return }
            do {
                try write(piece)
                state.withLock { $0.committed.append(piece.after) }
            } catch {
                state.withLock { $0.failure = error }
            }
        }
    }

    /// Waits for every piece handed over, tells `committed` of those committed, and throws the refusal, if any.
    func finish(committed: (Int64) -> Void) throws {
        queue.sync {}
        if let failure = drain(committed) { throw failure }
    }

    private func drain(_ committed: (Int64) -> Void) -> (any Error)? {
        let (seqs, failure) = state.withLock { state in
            defer { state.committed.removeAll() }
            return (state.committed, state.failure)
        }
        seqs.forEach(committed)
        return failure
    }

    private func write(_ piece: Piece) throws {
        try pool.withConnection { connection in
            try connection.run("BEGIN")
            do {
                // The chain's trigger reads the statement's rows (its transition table) three times and sorts them: a
                // piece's 10,000 rows (about 5 MB) held in memory rather than spilled to a temporary file took about an
                // eighth less of the server's CPU (docs/PERFORMANCE.md). For this transaction only.
                try connection.run("SET LOCAL work_mem = '64MB'")
                guard let row = try connection.rows("SELECT head_seq, head_hash FROM villages WHERE village = \(village) FOR UPDATE").first
                else { throw CountyError.noVillage(village) }
                let (seq, hash) = try row.decode((Int64, Data).self)
                guard seq == piece.before.seq && hash == piece.before.hash else {
                    throw PostgresCountyChains.LoadRefusal.written(village: village)
                }
                try connection.copy(into: "events", columns: VerbatimRows.columns, rows: piece.rows)
                try connection.run("COMMIT")
            } catch {
                connection.rollback(after: error)
                throw error
            }
        }
    }
}
