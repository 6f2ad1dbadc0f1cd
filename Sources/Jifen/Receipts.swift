import Foundation
import JifenCore
import JifenStatements
import JifenStore

/// A receipt that cannot be made from the entries asked for: said in one sentence in each language.
public struct ReceiptRefusal: Error, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// No event of that number in the log.
        case noEvent(Int64)
        /// The event is not a redemption at the shop.
        case notRedemption(Int64)
        /// The redemption was reversed (by the event given).
        case reversed(Int64, by: Int64)
        /// Redemptions of more than one household.
        case households(HouseholdCode, HouseholdCode)
        /// An entry given twice.
        case repeated(Int64)
        /// Redemptions of different days.
        case days(LocalDate, LocalDate)
    }

    public let problem: Problem

    public var description: String {
        switch problem {
        case .noEvent(let seq): "There is no entry #\(seq) in the log; give the number printed when the goods were redeemed."
        case .notRedemption(let seq): "Entry #\(seq) is not a redemption at the shop; a receipt is printed only for redemptions."
        case .reversed(let seq, let by): "Redemption #\(seq) was reversed by #\(by), so it gets no receipt; print the reversal's record instead."
        case .households(let a, let b): "The entries are of households \(a) and \(b); one receipt is for one household's redemptions."
        case .repeated(let seq): "Entry #\(seq) is given twice; give each redemption once."
        case .days(let a, let b): "The redemptions are of \(a) and \(b); one receipt is for one day's redemptions, so print one for each day."
        }
    }

    public var chinese: String {
        switch problem {
        case .noEvent(let seq): "账本里没有第 \(seq) 号记录；请给出兑换时打印的记账号。"
        case .notRedemption(let seq): "第 \(seq) 号记录不是积分超市的兑换，只有兑换才打印小票。"
        case .reversed(let seq, let by): "第 \(seq) 号兑换已被第 \(by) 号记录冲正，不再打印小票。"
        case .households(let a, let b): "这些记录分属 \(a) 和 \(b) 两户；一张小票只记一户的兑换。"
        case .repeated(let seq): "第 \(seq) 号记录给了两次；每笔兑换只给一次。"
        case .days(let a, let b): "这些兑换分别在 \(a) 和 \(b)；一张小票只记同一天的兑换，请每天各打一张。"
        }
    }
}

extension VillageBooks {
    /// The receipt for one household's redemptions (entries `seqs`, in the order given): what each took, the points
    /// spent, and the points the household could still spend right after the last of them — today's figure when
    /// nothing was written since, else the log folded to that entry (`replay(through:)`), so a receipt printed again
    /// later says what the first one said.
    public func receipt(for seqs: [Int64]) throws -> Receipt {
        guard let last = seqs.max() else { throw ReceiptRefusal(problem: .noEvent(0)) }
        var seen = Set<Int64>()
        for seq in seqs where !seen.insert(seq).inserted { throw ReceiptRefusal(problem: .repeated(seq)) }
        let gathered = try readBooks { session -> (lines: [Receipt.Line], household: HouseholdAccount?, village: String, head: Int64,
                                                   final: RecordedEvent, hash: Data?) in
            var lines: [Receipt.Line] = []
            var household: HouseholdCode?
            var day: LocalDate?
            var final: RecordedEvent?
            for seq in seqs {
                guard seq >= 1, let event = try session.events(from: seq, household: nil, dates: nil, limit: 1).first, event.seq == seq else {
                    throw ReceiptRefusal(problem: .noEvent(seq))
                }
                guard case .redeemed(let redemption) = event.event else { throw ReceiptRefusal(problem: .notRedemption(seq)) }
                if let reversal = try session.entry(.seq(seq))?.reversedBy { throw ReceiptRefusal(problem: .reversed(seq, by: reversal)) }
                if let household, household != redemption.household {
                    throw ReceiptRefusal(problem: .households(household, redemption.household))
                }
                if let day, day != event.occurredOn { throw ReceiptRefusal(problem: .days(day, event.occurredOn)) }
                day = event.occurredOn
                household = redemption.household
                let unit = try session.item(redemption.item)?.unit ?? ""
                lines.append(Receipt.Line(seq: seq, item: redemption.item.rawValue, name: redemption.name, unit: unit,
                                          quantity: redemption.quantity, points: redemption.points))
                if seq == last { final = event }
            }
            guard let household, let final else { throw ReceiptRefusal(problem: .noEvent(last)) }
            return (lines, try session.household(household), try session.ledger()?.village ?? "", try session.headOfLog().seq, final,
                    try session.links(from: last, limit: 1).first?.hash)
        }
        guard case .redeemed(let redemption) = gathered.final.event else { throw ReceiptRefusal(problem: .notRedemption(last)) }
        let left = gathered.head == last
            ? gathered.household?.available ?? 0
            : try replay(through: last).household(redemption.household)?.available ?? 0
        return Receipt(village: gathered.village, date: gathered.final.occurredOn, household: redemption.household.rawValue,
                       head: gathered.household?.head ?? "", lines: gathered.lines, left: left,
                       shopkeeper: gathered.final.actor.rawValue, hash: gathered.hash.map { LogHead(seq: last, hash: $0).hex } ?? "")
    }
}
