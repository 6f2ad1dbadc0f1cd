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
        let data: Data
        switch event {
        case .ledgerOpened(let e): data = try encoder.encode(e)
        case .schemeAdopted(let e): data = try encoder.encode(e)
        case .unitAdded(let e): data = try encoder.encode(e)
        case .unitLeaderChanged(let e): data = try encoder.encode(e)
        case .householdRegistered(let e): data = try encoder.encode(e)
        case .householdMoved(let e): data = try encoder.encode(e)
        case .householdClosed(let e): data = try encoder.encode(e)
        case .scoreRecorded(let e): data = try encoder.encode(e)
        case .itemListed(let e): data = try encoder.encode(e)
        case .stockReceived(let e): data = try encoder.encode(e)
        case .redeemed(let e): data = try encoder.encode(e)
        case .entryReversed(let e): data = try encoder.encode(e)
        case .sheetImported(let e): data = try encoder.encode(e)
        case .actorRegistered(let e): data = try encoder.encode(e)
        case .actorRetired(let e): data = try encoder.encode(e)
        case .scoreProposed(let e): data = try encoder.encode(e)
        case .scoreApproved(let e): data = try encoder.encode(e)
        case .scoreRejected(let e): data = try encoder.encode(e)
        case .reversalRequested(let e): data = try encoder.encode(e)
        case .reversalDeclined(let e): data = try encoder.encode(e)
        case .noticeOpened(let e): data = try encoder.encode(e)
        case .noticeClosed(let e): data = try encoder.encode(e)
        case .objectionRaised(let e): data = try encoder.encode(e)
        case .objectionDismissed(let e): data = try encoder.encode(e)
        case .objectionUpheld(let e): data = try encoder.encode(e)
        case .scoreAmended(let e): data = try encoder.encode(e)
        case .yearSettled(let e): data = try encoder.encode(e)
        case .pointsExpired(let e): data = try encoder.encode(e)
        case .pointsSent(let e): data = try encoder.encode(e)
        case .pointsReceived(let e): data = try encoder.encode(e)
        case .passbookPrinted(let e): data = try encoder.encode(e)
        case .checkpointRecorded(let e): data = try encoder.encode(e)
        }
        return String(decoding: data, as: UTF8.self)
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

    public static func event(type: EventType, payload: String) throws -> LedgerEvent {
        let data = Data(payload.utf8)
        switch type {
        case .ledgerOpened: return .ledgerOpened(try decoder.decode(LedgerOpened.self, from: data))
        case .schemeAdopted: return .schemeAdopted(try decoder.decode(SchemeAdopted.self, from: data))
        case .unitAdded: return .unitAdded(try decoder.decode(UnitAdded.self, from: data))
        case .unitLeaderChanged: return .unitLeaderChanged(try decoder.decode(UnitLeaderChanged.self, from: data))
        case .householdRegistered: return .householdRegistered(try decoder.decode(HouseholdRegistered.self, from: data))
        case .householdMoved: return .householdMoved(try decoder.decode(HouseholdMoved.self, from: data))
        case .householdClosed: return .householdClosed(try decoder.decode(HouseholdClosed.self, from: data))
        case .scoreRecorded: return .scoreRecorded(try decoder.decode(ScoreRecorded.self, from: data))
        case .itemListed: return .itemListed(try decoder.decode(ItemListed.self, from: data))
        case .stockReceived: return .stockReceived(try decoder.decode(StockReceived.self, from: data))
        case .redeemed: return .redeemed(try decoder.decode(Redeemed.self, from: data))
        case .entryReversed: return .entryReversed(try decoder.decode(EntryReversed.self, from: data))
        case .sheetImported: return .sheetImported(try decoder.decode(SheetImported.self, from: data))
        case .actorRegistered: return .actorRegistered(try decoder.decode(ActorRegistered.self, from: data))
        case .actorRetired: return .actorRetired(try decoder.decode(ActorRetired.self, from: data))
        case .scoreProposed: return .scoreProposed(try decoder.decode(ScoreRecorded.self, from: data))
        case .scoreApproved: return .scoreApproved(try decoder.decode(ScoreApproved.self, from: data))
        case .scoreRejected: return .scoreRejected(try decoder.decode(ScoreWithdrawn.self, from: data))
        case .reversalRequested: return .reversalRequested(try decoder.decode(ReversalRequested.self, from: data))
        case .reversalDeclined: return .reversalDeclined(try decoder.decode(ReversalDeclined.self, from: data))
        case .noticeOpened: return .noticeOpened(try decoder.decode(NoticeOpened.self, from: data))
        case .noticeClosed: return .noticeClosed(try decoder.decode(NoticeClosed.self, from: data))
        case .objectionRaised: return .objectionRaised(try decoder.decode(ObjectionRaised.self, from: data))
        case .objectionDismissed: return .objectionDismissed(try decoder.decode(ObjectionDismissed.self, from: data))
        case .objectionUpheld: return .objectionUpheld(try decoder.decode(ScoreWithdrawn.self, from: data))
        case .scoreAmended: return .scoreAmended(try decoder.decode(ScoreAmended.self, from: data))
        case .yearSettled: return .yearSettled(try decoder.decode(YearSettled.self, from: data))
        case .pointsExpired: return .pointsExpired(try decoder.decode(PointsExpired.self, from: data))
        case .pointsSent: return .pointsSent(try decoder.decode(PointsSent.self, from: data))
        case .pointsReceived: return .pointsReceived(try decoder.decode(PointsReceived.self, from: data))
        case .passbookPrinted: return .passbookPrinted(try decoder.decode(PassbookPrinted.self, from: data))
        case .checkpointRecorded: return .checkpointRecorded(try decoder.decode(CheckpointRecorded.self, from: data))
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
