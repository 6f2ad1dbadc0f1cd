import Foundation
import JifenCore

/// Why links taken verbatim from another store (`StoreSession.append(links:)`) were refused: the first link that does
/// not extend this log as it is. Nothing of the batch was appended.
public struct LinkRefusal: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Reason: Equatable, Sendable {
        /// Its seq is not the next one (the log's head + 1).
        case notNext(expected: Int64)
        /// Its previous hash is not the hash of the log's head.
        case wrongPrevious
        /// Its hash is not SHA-256 of the previous hash and its canonical bytes.
        case wrongHash
        /// Its type is not one this jifen knows.
        case unknownType(String)
        /// Its payload is not its type's.
        case undecodable
        /// Its envelope or facts are not what appending its event here gives (`what` names the field).
        case notAsAppended(String)
    }

    /// The seq the link carries.
    public let seq: Int64
    public let reason: Reason

    public init(seq: Int64, _ reason: Reason) {
        self.seq = seq
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .notNext(let expected): "event #\(seq) does not follow the head: the next event is #\(expected)"
        case .wrongPrevious: "event #\(seq) does not link to the head: its previous hash is another event's"
        case .wrongHash: "event #\(seq)'s hash is not the hash of its fields"
        case .unknownType(let type): "event #\(seq) is of a type this jifen does not know (\(type))"
        case .undecodable: "event #\(seq)'s payload is not its type's"
        case .notAsAppended(let what): "event #\(seq)'s \(what) is not what appending its event gives"
        }
    }

    /// The same, in Chinese.
    public var chinese: String {
        switch reason {
        case .notNext(let expected): "第 \(seq) 条事件接不上链头：下一条应是第 \(expected) 条"
        case .wrongPrevious: "第 \(seq) 条事件的前一哈希不是链头的哈希"
        case .wrongHash: "第 \(seq) 条事件的哈希与它的内容不符"
        case .unknownType(let type): "第 \(seq) 条事件的类型（\(type)）本版 jifen 不认识"
        case .undecodable: "第 \(seq) 条事件的内容读不出来"
        case .notAsAppended(let what): "第 \(seq) 条事件的 \(what) 与按它记账的结果不符"
        }
    }
}

/// What every store checks of a link it takes verbatim from another (`StoreSession.append(links:)`, the county's
/// PostgreSQL copy): one rule, so that a link one store refuses no other takes. A checker holds the buffer the canonical
/// bytes are built in, and the rule snapshots decoded, for a batch.
package struct LinkCheck {
    var canonical = CanonicalBuffer()
    /// The rule snapshots the batch's scores named, each decoded once.
    let memo = PayloadMemo()

    package init() {}

    /// Checks `link` as the next after `head`, against `state` (the log folded to `head`), and returns the event it
    /// holds as appending it would record it, or throws the `LinkRefusal` of the first thing that fails: it must be the
    /// next (seq and previous hash), hold (its hash is SHA-256 of the previous hash and its canonical bytes), be of a
    /// type whose payload this jifen decodes, and be what appending its event gives (its date as written, its stream and
    /// that stream's next version (`version` gives a stream's last), its scheme version and its facts).
    package mutating func check(_ link: ChainLink, after head: (seq: Int64, hash: Data), version: (String) throws -> Int64,
                                state: some LedgerState) throws -> RecordedEvent {
        let fields = link.fields
        guard fields.seq == head.seq + 1 else { throw LinkRefusal(seq: fields.seq, .notNext(expected: head.seq + 1)) }
        guard link.previousHash == head.hash else { throw LinkRefusal(seq: fields.seq, .wrongPrevious) }
        guard canonical.hash(previous: head.hash, fields) == link.hash else { throw LinkRefusal(seq: fields.seq, .wrongHash) }
        guard let type = EventType(rawValue: fields.type) else { throw LinkRefusal(seq: fields.seq, .unknownType(fields.type)) }
        let event: LedgerEvent
        do {
            event = try EventCodec.event(type: type, payload: fields.payload, memo: memo)
        } catch {
            throw LinkRefusal(seq: fields.seq, .undecodable)
        }
        guard let occurredOn = LocalDate(fields.occurredOn), occurredOn.description == fields.occurredOn else {
            throw LinkRefusal(seq: fields.seq, .notAsAppended("occurredOn"))
        }
        guard fields.stream == event.stream else { throw LinkRefusal(seq: fields.seq, .notAsAppended("stream")) }
        guard fields.streamVersion == (try version(event.stream)) + 1 else {
            throw LinkRefusal(seq: fields.seq, .notAsAppended("streamVersion"))
        }
        guard fields.schemeVersion == (try state.schemes().inForce(on: occurredOn)?.version ?? 0) else {
            throw LinkRefusal(seq: fields.seq, .notAsAppended("schemeVersion"))
        }
        let facts = try JifenCore.facts(of: event, state: state)
        let stored = EventFacts(household: fields.household.map { HouseholdCode(rawValue: $0) }, item: fields.item.map { ItemCode(rawValue: $0) },
                                rule: fields.rule.map { RuleCode(rawValue: $0) }, earned: fields.earned, deducted: fields.deducted,
                                redeemed: fields.redeemed, stock: fields.stock, reverses: fields.reverses)
        guard stored == facts else { throw LinkRefusal(seq: fields.seq, .notAsAppended("facts")) }
        return RecordedEvent(seq: fields.seq, id: fields.id, stream: fields.stream, streamVersion: fields.streamVersion,
                             occurredOn: occurredOn, recordedAt: fields.recordedAt, actor: ActorName(rawValue: fields.actor),
                             schemeVersion: fields.schemeVersion, key: fields.key, event: event, facts: facts)
    }
}
