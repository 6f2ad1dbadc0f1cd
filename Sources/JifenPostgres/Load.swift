import Foundation
import JifenCore
import JifenStore

/// Loading a village's existing SQLite ledger into the county (`jifen county load FILE --village V --postgres URL`):
/// the file's links taken verbatim, in pieces of `piece` events, each piece in a write transaction of the village's own
/// (`PostgresSession.append(links:)` on the village's head row locked `FOR UPDATE`: every link checked — its seq, previous hash and hash, its payload, and that it is
/// what appending its event gives — folded once, and inserted many rows a statement; the insert trigger checks each
/// row's link again). A cut (a kill, a lost connection) leaves the pieces committed before it and nothing of the one
/// under way, and loading again continues from the county's head; the same seq and hash end up on both sides.
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
    /// Why 1,000 events a piece: the insert trigger moves the village's head row once per event, and each move inside a
    /// transaction leaves a row version that the next event's trigger and foreign-key check step over, so a row costs
    /// more the longer its transaction. Measured on a 102,314-event file (the server's CPU, loopback PostgreSQL 15):
    /// 8.5 s at 250 a piece (commits), 5.7 s at 500, 6.6 s at 1,000, 16.4 s at 5,000.
    @discardableResult
    public func load(_ file: EventStore, into village: String, piece: Int = 1_000, progress: (LoadProgress) -> Void = { _ in })
        throws -> (seq: Int64, hash: Data) {
        let start = try head(of: village)
        let fileHead = try file.read { try $0.headOfLog() }
        try agrees(file, fileHead: fileHead, village: village, countyHead: start)
        // The village's fold at the county's head (read back and checked, on a miss), then held here from piece to
        // piece and handed to each piece's session as its only owner: the fold the county caches is shared, and its
        // first change in a transaction would copy it whole, piece after piece (a 10^5-event file loaded through
        // `PostgresStore.write` took 5.4 s of the client's CPU at 1,000 events a piece, 3.1 s at 5,000). It is
        // published to the cache once, at the end.
        var fold = try county.village(village).write { session in session.fold }
        defer { county.folds.publish(fold, of: village) }
        while fold.seq < fileHead.seq {
            let links = try file.read { try $0.links(from: fold.seq + 1, limit: max(1, piece)) }
            guard !links.isEmpty else { break }
            fold = try county.pool.withConnection { connection in
                try connection.run("BEGIN")
                do {
                    guard let row = try connection.rows("SELECT head_seq, head_hash FROM villages WHERE village = \(village) FOR UPDATE").first
                    else { throw CountyError.noVillage(village) }
                    let (seq, hash) = try row.decode((Int64, Data).self)
                    guard seq == fold.seq && hash == fold.hash else { throw LoadRefusal.written(village: village) }
                    let session = PostgresSession(connection: connection, village: village, fold: fold, writable: true)
                    fold = Fold()
                    try session.append(links: links)
                    try connection.run("COMMIT")
                    return session.fold
                } catch {
                    connection.rollback(after: error)
                    throw error
                }
            }
            progress(LoadProgress(from: start.seq, seq: fold.seq, total: fileHead.seq))
        }
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
