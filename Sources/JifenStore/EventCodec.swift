import Foundation
import JifenCore

/// Turns events into their stored form (a fixed type name and a JSON payload) and back.
///
/// The payload's bytes are hashed as stored, so the chain never depends on re-encoding: an event written
/// today verifies in ten years whatever encoder is in use then.
public enum EventCodec {
    static let decoder = JSONDecoder()
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static func payload(of event: LedgerEvent) throws -> String {
        if let fast = PayloadWriter.payload(of: event) { return fast }
        return try encodedPayload(of: event)
    }

    /// The payload as `JSONEncoder` writes it: the reference `PayloadWriter` is held to.
    public static func encodedPayload(of event: LedgerEvent) throws -> String {
        String(decoding: try encoder.encode(event.payload), as: UTF8.self)
    }

    public struct UnknownType: Error, CustomStringConvertible {
        public let type: String
        public var description: String { "unknown event type '\(type)'; this ledger was written by a newer jifen" }
    }

    /// The event stored under this type name; an unknown name is an `UnknownType` error.
    public static func event(type: String, payload: String) throws -> LedgerEvent {
        guard let known = EventType(rawValue: type) else { throw UnknownType(type: type) }
        return try event(type: known, payload: payload)
    }

    /// The event stored under this type: its payload decoded as the type its case carries (by `StrictPayload` where it
    /// can, else by `JSONDecoder`, which then accepts or refuses it).
    public static func event(type: EventType, payload: String) throws -> LedgerEvent {
        try event(type: type, payload: payload, memo: nil)
    }

    /// The same, keeping the rule snapshots decoded in `memo` for the payloads after (`PayloadMemo`).
    static func event(type: EventType, payload: String, memo: PayloadMemo?) throws -> LedgerEvent {
        if let event = strictEvent(type: type, payload: payload, memo: memo) { return event }
        return try jsonEvent(type: type, payload: payload)
    }

    /// The event as `StrictPayload` reads it, or nil where it leaves the payload to `JSONDecoder`.
    package static func strictEvent(type: EventType, payload: String, memo: PayloadMemo? = nil) -> LedgerEvent? {
        try? LedgerEvent(type: type, reading: StrictPayload(text: payload, memo: memo))
    }

    /// The event as `JSONDecoder` reads it: the reference `StrictPayload` is held to.
    package static func jsonEvent(type: EventType, payload: String) throws -> LedgerEvent {
        try LedgerEvent(type: type, reading: JSONPayload(data: Data(payload.utf8)))
    }

    /// A stored payload, read by `JSONDecoder`.
    struct JSONPayload: EventPayloadReader {
        let data: Data

        func payload<Payload: EventPayload>() throws -> Payload {
            try EventCodec.decoder.decode(Payload.self, from: data)
        }
    }
}

extension EventType {
    /// The type stored under `name` in the log; a name this version does not know is `EventCodec.UnknownType`.
    static func stored(_ name: String) throws -> EventType {
        guard let type = EventType(rawValue: name) else { throw EventCodec.UnknownType(type: name) }
        return type
    }

    /// The stored name as an SQL string literal: `'v1.noticeClosed'`.
    var sql: String { "'\(rawValue)'" }

    /// The stored names as an SQL list, for `type IN …`: `('v1.scoreRecorded', 'v1.scoreProposed')`.
    static func sqlList(_ types: some Sequence<EventType>) -> String {
        "(" + types.map(\.sql).joined(separator: ", ") + ")"
    }

    /// Scores (recorded and proposed), as an SQL list.
    static let scoreList = sqlList(allCases.filter(\.isScore))
    /// Entries of points and stock, as an SQL list.
    static let entryList = sqlList(entries)
}
