import Foundation
import JifenCore
@testable import JifenStore
import Testing

/// Every event type, enumerated (no hand-kept count): its stored name goes through the codec and back, and it says
/// what it is.
@Suite struct EventTypes {
    /// An event of each type. The switch has no `default:`, so a new type does not build until it has one here.
    static func sample(_ type: EventType) throws -> LedgerEvent {
        let rule = RuleSnapshot(rule: Rule(code: "C1.2", indicator: "C1", zh: "成功调解邻里纠纷", en: "Settles a neighbours' dispute",
                                           points: RulePoints(direction: .award, min: 5, max: 10), cap: nil), category: "C")
        let score = ScoreRecorded(household: "H001", rule: rule, points: 7, note: "", source: nil)
        let day = LocalDate(year: 2025, month: 3, day: 5)!
        switch type {
        case .ledgerOpened: return .ledgerOpened(LedgerOpened(ledgerId: "ledger-1", village: "牛角村", demo: false))
        case .schemeAdopted:
            return .schemeAdopted(SchemeAdopted(version: 1, effective: day, scheme: try SchemeFile.parse(ReferenceSeed.schemeYAML)))
        case .unitAdded: return .unitAdded(UnitAdded(unit: "U01", name: "一组", leader: nil))
        case .unitLeaderChanged: return .unitLeaderChanged(UnitLeaderChanged(unit: "U01", leader: "H001"))
        case .householdRegistered:
            return .householdRegistered(HouseholdRegistered(household: "H001", head: "王大山", unit: "U01", members: 3))
        case .householdMoved: return .householdMoved(HouseholdMoved(household: "H001", from: "U01", to: "U02"))
        case .householdClosed: return .householdClosed(HouseholdClosed(household: "H001", reason: "迁出"))
        case .householdReopened: return .householdReopened(HouseholdReopened(household: "H001", note: "误销户"))
        case .scoreRecorded: return .scoreRecorded(score)
        case .itemListed: return .itemListed(ItemListed(item: "oil", name: "食用油", unit: "5 L", price: 85))
        case .stockReceived: return .stockReceived(StockReceived(item: "oil", quantity: 12, source: "捐赠"))
        case .redeemed: return .redeemed(Redeemed(household: "H001", item: "oil", name: "食用油", quantity: 1, price: 85))
        case .entryReversed:
            return .entryReversed(EntryReversed(target: 8, targetId: "x", targetType: EventType.scoreRecorded.rawValue, reason: "记错户"))
        case .sheetImported: return .sheetImported(SheetImported(sheet: "ab", fileName: "三月.csv", rows: 2))
        case .actorRegistered: return .actorRegistered(ActorRegistered(actor: "王会计", roles: [.clerk], unit: nil))
        case .actorRetired: return .actorRetired(ActorRetired(actor: "王会计", reason: "退休"))
        case .scoreProposed: return .scoreProposed(score)
        case .scoreApproved: return .scoreApproved(ScoreApproved(target: 8, targetId: "x"))
        case .scoreRejected: return .scoreRejected(ScoreWithdrawn(target: 8, targetId: "x", reason: "不实"))
        case .reversalRequested:
            return .reversalRequested(ReversalRequested(target: 8, targetId: "x", targetType: EventType.redeemed.rawValue, reason: "错"))
        case .reversalDeclined: return .reversalDeclined(ReversalDeclined(request: 9, target: 8, reason: "不予"))
        case .noticeOpened:
            return .noticeOpened(NoticeOpened(period: "2025-03", from: day, to: day, closesOn: day, scores: 1, awarded: 7, deducted: 0))
        case .noticeClosed: return .noticeClosed(NoticeClosed(period: "2025-03", scores: 1, awarded: 7, deducted: 0))
        case .objectionRaised: return .objectionRaised(ObjectionRaised(target: 8, targetId: "x", reason: "有误"))
        case .objectionDismissed: return .objectionDismissed(ObjectionDismissed(target: 8, objection: 9, reason: "属实"))
        case .objectionUpheld: return .objectionUpheld(ScoreWithdrawn(target: 8, targetId: "x", reason: "不实", objection: 9))
        case .scoreAmended:
            return .scoreAmended(ScoreAmended(target: 8, targetId: "x", objection: 9, points: 5, reason: "改分", scoreDate: day))
        case .yearSettled:
            return .yearSettled(YearSettled(year: 2025, schemeVersion: 1, ratings: [
                HouseholdRating(household: "H001", points: 7, stars: 1, red: false, blackUntil: nil),
            ], expired: 0))
        case .pointsExpired:
            return .pointsExpired(PointsExpired(household: "H001", year: 2025, carried: 0, earned: 7, deducted: 0, spent: 0, points: 7))
        case .pointsSent: return .pointsSent(PointsSent(household: "H001", to: "H002", points: 3, reason: "分户"))
        case .pointsReceived: return .pointsReceived(PointsReceived(household: "H002", from: "H001", points: 3, reason: "分户"))
        case .passbookPrinted:
            return .passbookPrinted(PassbookPrinted(household: "H001", entries: [8], page: 1, line: 1, balance: 7))
        case .checkpointRecorded:
            return .checkpointRecorded(CheckpointRecorded(seq: 8, head: "00", time: "2025-03-05T00:00:00.000Z", signatures: []))
        case .passwordSet: return .passwordSet(PasswordSet(actor: "王会计"))
        }
    }

    @Test func everyTypeRoundTripsThroughTheCodecsName() throws {
        #expect(!EventType.allCases.isEmpty)
        #expect(Set(EventType.allCases.map(\.rawValue)).count == EventType.allCases.count, "each stored name is used once")
        for type in EventType.allCases {
            let event = try Self.sample(type)
            #expect(event.type == type)
            #expect(event.typeName == type.rawValue)
            #expect(type.rawValue.hasPrefix("v1."), "stored names are versioned: \(type)")
            #expect(try EventType.stored(type.rawValue) == type)
            // The codec writes it under its name and reads it back, from the JSONEncoder reference and the fast writer.
            let decoded = try EventCodec.event(type: event.typeName, payload: EventCodec.payload(of: event))
            #expect(decoded == event, "\(type)")
            #expect(decoded.type == type)
            #expect(try EventCodec.event(type: type.rawValue, payload: EventCodec.encodedPayload(of: event)) == event)
        }
    }

    @Test func anUnknownStoredTypeIsAnErrorNotATrap() {
        #expect(throws: EventCodec.UnknownType.self) { try EventCodec.event(type: "v2.somethingNew", payload: "{}") }
        #expect(throws: EventCodec.UnknownType.self) { try EventType.stored("scoreRecorded") }
    }

    /// Each type says what it is, and the answers agree with each other and with the events themselves.
    @Test func everyTypeIsClassified() throws {
        for type in EventType.allCases {
            let event = try Self.sample(type)
            #expect(event.entryKind == type.entryKind)
            // Scores are filed; only scores.
            #expect((type.scoreFiling != nil) == (type.entryKind == .score), "\(type)")
            // What takes an entry back is a reversal entry, takes back only entries that do not themselves take back,
            // and its event says which entry.
            #expect(!type.takesBack.isEmpty == (type.entryKind == .reversal), "\(type)")
            #expect((event.undoes != nil) == !type.takesBack.isEmpty, "\(type)")
            for taken in type.takesBack { #expect(taken.entryKind != nil && taken.takesBack.isEmpty, "\(type) takes back \(taken)") }
            if type.withdrawsScore { #expect(type.takesBack == EventType.scores, "\(type)") }
            // What names an event without taking it back is not an entry, and names entries.
            if !type.names.isEmpty { #expect(type.entryKind == nil && type.takesBack.isEmpty, "\(type)") }
            for named in type.names { #expect(named.entryKind != nil, "\(type) names \(named)") }
            // Only entries are booked elsewhere than at the shop; only scores and redemptions can be repeated by a retry.
            if type.route != .shop { #expect(type.entryKind == .expiry || type.entryKind == .transfer, "\(type)") }
            if let repeats = type.repeats { #expect(repeats.contains(type) && repeats.allSatisfy { $0.entryKind == type.entryKind }) }
            // What is not an entry moves nothing.
            if type.entryKind == nil {
                #expect(type.factsHaveTheirShape(household: true, item: false, earned: 0, deducted: 0, redeemed: 0, stock: 0))
                #expect(!type.factsHaveTheirShape(household: true, item: false, earned: 1, deducted: 0, redeemed: 0, stock: 0))
            }
        }
        #expect(EventType.entries == EventType.allCases.filter { $0.entryKind != nil })
        #expect(EventType.scores == Set(EventType.allCases.filter { $0.entryKind == .score }))
    }

    /// Each payload says what it names and how it reads: its stream, the household it is about, a line for the log in
    /// each language, and a statement's and a passbook's line exactly when it is an entry of a household's points.
    @Test func everyPayloadSaysWhatItIs() throws {
        for type in EventType.allCases {
            let event = try Self.sample(type)
            #expect(!event.stream.isEmpty, "\(type)")
            if let household = event.household { #expect(event.stream.hasSuffix(":\(household)"), "\(type)") }
            if event.stream.hasPrefix("household:") { #expect(event.household != nil, "\(type) names its household") }
            let zh = event.summary(chinese: true), en = event.summary(chinese: false)
            #expect(!zh.isEmpty && !en.isEmpty && zh != en, "\(type)")
            #expect(!event.historyLine(chinese: true).what.isEmpty, "\(type)")
            let householdEntry = type.entryKind != nil && type.entryKind != .stock
            #expect((event.entryText(short: false) != nil) == householdEntry, "\(type)")
            #expect((event.entryText(short: true) != nil) == householdEntry, "\(type)")
        }
    }

    /// The SQL lists the store builds from the enum hold exactly the types they stand for.
    @Test func theStoresSQLListsComeFromTheEnum() {
        func names(_ list: String) -> Set<String> {
            Set(list.dropFirst().dropLast().split(separator: ", ").map { String($0.dropFirst().dropLast()) })
        }
        #expect(names(EventType.entryList) == Set(EventType.entries.map(\.rawValue)))
        #expect(names(EventType.scoreList) == Set(EventType.scores.map(\.rawValue)))
    }
}
