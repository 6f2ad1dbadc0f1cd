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

    public static func event(type: String, payload: String) throws -> LedgerEvent {
        let data = Data(payload.utf8)
        switch type {
        case "v1.ledgerOpened": return .ledgerOpened(try decoder.decode(LedgerOpened.self, from: data))
        case "v1.schemeAdopted": return .schemeAdopted(try decoder.decode(SchemeAdopted.self, from: data))
        case "v1.unitAdded": return .unitAdded(try decoder.decode(UnitAdded.self, from: data))
        case "v1.unitLeaderChanged": return .unitLeaderChanged(try decoder.decode(UnitLeaderChanged.self, from: data))
        case "v1.householdRegistered": return .householdRegistered(try decoder.decode(HouseholdRegistered.self, from: data))
        case "v1.householdMoved": return .householdMoved(try decoder.decode(HouseholdMoved.self, from: data))
        case "v1.householdClosed": return .householdClosed(try decoder.decode(HouseholdClosed.self, from: data))
        case "v1.scoreRecorded": return .scoreRecorded(try decoder.decode(ScoreRecorded.self, from: data))
        case "v1.itemListed": return .itemListed(try decoder.decode(ItemListed.self, from: data))
        case "v1.stockReceived": return .stockReceived(try decoder.decode(StockReceived.self, from: data))
        case "v1.redeemed": return .redeemed(try decoder.decode(Redeemed.self, from: data))
        case "v1.entryReversed": return .entryReversed(try decoder.decode(EntryReversed.self, from: data))
        case "v1.sheetImported": return .sheetImported(try decoder.decode(SheetImported.self, from: data))
        case "v1.actorRegistered": return .actorRegistered(try decoder.decode(ActorRegistered.self, from: data))
        case "v1.actorRetired": return .actorRetired(try decoder.decode(ActorRetired.self, from: data))
        case "v1.scoreProposed": return .scoreProposed(try decoder.decode(ScoreRecorded.self, from: data))
        case "v1.scoreApproved": return .scoreApproved(try decoder.decode(ScoreApproved.self, from: data))
        case "v1.scoreRejected": return .scoreRejected(try decoder.decode(ScoreWithdrawn.self, from: data))
        case "v1.reversalRequested": return .reversalRequested(try decoder.decode(ReversalRequested.self, from: data))
        case "v1.reversalDeclined": return .reversalDeclined(try decoder.decode(ReversalDeclined.self, from: data))
        case "v1.noticeOpened": return .noticeOpened(try decoder.decode(NoticeOpened.self, from: data))
        case "v1.noticeClosed": return .noticeClosed(try decoder.decode(NoticeClosed.self, from: data))
        case "v1.objectionRaised": return .objectionRaised(try decoder.decode(ObjectionRaised.self, from: data))
        case "v1.objectionDismissed": return .objectionDismissed(try decoder.decode(ObjectionDismissed.self, from: data))
        case "v1.objectionUpheld": return .objectionUpheld(try decoder.decode(ScoreWithdrawn.self, from: data))
        case "v1.scoreAmended": return .scoreAmended(try decoder.decode(ScoreAmended.self, from: data))
        case "v1.yearSettled": return .yearSettled(try decoder.decode(YearSettled.self, from: data))
        case "v1.pointsExpired": return .pointsExpired(try decoder.decode(PointsExpired.self, from: data))
        case "v1.pointsSent": return .pointsSent(try decoder.decode(PointsSent.self, from: data))
        case "v1.pointsReceived": return .pointsReceived(try decoder.decode(PointsReceived.self, from: data))
        case "v1.passbookPrinted": return .passbookPrinted(try decoder.decode(PassbookPrinted.self, from: data))
        case "v1.checkpointRecorded": return .checkpointRecorded(try decoder.decode(CheckpointRecorded.self, from: data))
        default: throw UnknownType(type: type)
        }
    }
}
