import Foundation
import JifenCore

/// A village's event store, seen by the write path: the log and the projections `decide` reads, kept in one chain.
///
/// SQLite (`EventStore`), memory (`MemoryStore`) and a county's PostgreSQL database (`PostgresStore` in JifenPostgres:
/// one chain per village, its appends serialised by a lock on that village's head row, the hashes computed here in
/// Swift by `Linking` and `Chain`) implement it. Every store passes the same conformance suite
/// (Tests/JifenConformanceTests): the same commands in the same environment give the same chain, byte for byte, in
/// every store.
public protocol LedgerStore: AnyObject, Sendable {
    associatedtype Session: LedgerTransaction

    /// Runs `body` in one write transaction. Its appends land together or, when `body` throws, not at all; the
    /// writes of one ledger are serialised (the store's own lock: SQLite's write lock, a row lock in PostgreSQL), so
    /// each transaction reads what the ones before it wrote and nothing of another interleaves with it.
    func write<T>(_ body: (Session) throws -> T) throws -> T

    /// Runs `body` on a consistent snapshot of what was committed. Appending in it is refused.
    func read<T>(_ body: (Session) throws -> T) throws -> T
}

/// The reader of a store's log (Eventuous's reader): its head, its events by sequence number as stored, and the look-ups
/// the write path makes before it decides (an idempotency key, a likely retry).
public protocol LogReader {
    /// The last event's sequence number and hash (0 and `Chain.genesis` for an empty log).
    func headOfLog() throws -> (seq: Int64, hash: Data)

    /// The events from `seq` on, in order, at most `limit` of them, as stored: the hashed fields and both hashes.
    func links(from seq: Int64, limit: Int) throws -> [ChainLink]

    /// The event recorded under an idempotency key, if any. Keys never expire: they are part of the history.
    func recorded(key: String) throws -> RecordedEvent?

    /// The events of `types` (stored names) for `household` with business date `date`, recorded at or after `instant`
    /// (UTC, ISO 8601 as `recorded_at` holds it), newest first: what a retry of a score or a redemption would repeat.
    func events(of types: [String], household: HouseholdCode, on date: LocalDate, recordedSince instant: String) throws
        -> [RecordedEvent]
}

/// One transaction of a `LedgerStore`: the `LedgerState` that `decide` reads, the reader of the log, and the only
/// appender (Eventuous's writer), which takes nothing but a `Decision`.
public protocol LedgerTransaction: LedgerState, LogReader {
    /// Appends a decision's events at the head of the chain and folds them into the projections, in this transaction.
    /// The first event carries `key`; ids come from `newId`, one per event. Refused (`StoreError.streamVersionConflict`
    /// on the stream `log`) when the log has moved on since the decision was made: the decision's `lastSeq` is the
    /// version of the village's log it expects, as Eventuous's `expectedVersion` is a stream's.
    @discardableResult
    func append(_ decision: Decision, recordedAt: String, key: String?, newId: () -> String) throws -> [RecordedEvent]
}

/// One event as a store holds it: the fields the hash covers, exactly as stored, and its link in the chain.
public struct ChainLink: Sendable {
    public let fields: Chain.Fields
    public let previousHash: Data
    public let hash: Data

    public init(fields: Chain.Fields, previousHash: Data, hash: Data) {
        self.fields = fields
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The bytes the hash covers (docs/FORMAT.md).
    public var canonicalBytes: [UInt8] { Chain.canonicalBytes(fields) }

    /// Whether the link holds: its hash is SHA-256 of the previous hash and its fields.
    public var holds: Bool { Chain.hash(previous: previousHash, fields: fields) == hash }
}

extension StoreError {
    /// A decision made on a log whose head has moved since: it is decided again, never appended as it is.
    package static func outdated(_ decision: Decision, head: Int64) -> StoreError {
        .streamVersionConflict(stream: "log", expected: decision.lastSeq, actual: head)
    }
}

/// How a store turns an event into the next link of its chain: one rule for every store, so that their chains agree
/// byte for byte.
package enum Linking {
    /// `link(…)` with a buffer of its own, for a store outside this module (PostgreSQL): the same rule, the same bytes.
    package static func link(_ event: LedgerEvent, id: String, occurredOn: LocalDate, recordedAt: String, actor: ActorName,
                             key: String?, after head: (seq: Int64, hash: Data), version: Int64, state: some LedgerState)
        throws -> (link: ChainLink, recorded: RecordedEvent) {
        var canonical = CanonicalBuffer()
        return try link(event, id: id, occurredOn: occurredOn, recordedAt: recordedAt, actor: actor, key: key, after: head,
                        version: version, state: state, canonical: &canonical)
    }

    /// The row `event` becomes after `head`, as the `version`-th event of its stream, and what it moves.
    static func link(_ event: LedgerEvent, id: String, occurredOn: LocalDate, recordedAt: String, actor: ActorName, key: String?,
                     after head: (seq: Int64, hash: Data), version: Int64, state: some LedgerState,
                     canonical: inout CanonicalBuffer) throws -> (link: ChainLink, recorded: RecordedEvent) {
        // The version of the scheme in force on the event's business date (0 before the first).
        let schemeVersion = try state.schemes().inForce(on: occurredOn)?.version ?? 0
        let facts = try JifenCore.facts(of: event, state: state)
        let stream = event.stream
        let fields = Chain.Fields(seq: head.seq + 1, id: id, stream: stream, streamVersion: version + 1, type: event.typeName,
                                  occurredOn: occurredOn.description, recordedAt: recordedAt,
                                  actor: actor.rawValue, schemeVersion: schemeVersion, key: key,
                                  household: facts.household?.rawValue, item: facts.item?.rawValue, rule: facts.rule?.rawValue,
                                  earned: facts.earned, deducted: facts.deducted, redeemed: facts.redeemed, stock: facts.stock,
                                  reverses: facts.reverses, payload: try EventCodec.payload(of: event))
        // Hashed in the caller's buffer as the row is built: the same bytes as `Chain.hash`, none of its strings.
        let hash = canonical.hash(previous: head.hash, fields)
        let recorded = RecordedEvent(seq: fields.seq, id: id, stream: stream, streamVersion: fields.streamVersion,
                                     occurredOn: occurredOn, recordedAt: recordedAt, actor: actor,
                                     schemeVersion: schemeVersion, key: key, event: event, facts: facts)
        return (ChainLink(fields: fields, previousHash: head.hash, hash: hash), recorded)
    }
}
