import Foundation
import Jifen
import JifenCore

/// One line saying what an event was, for `log`: the payload says it (`EventPayload.summary`).
func summary(of event: LedgerEvent, _ l: Language) -> String {
    event.summary(chinese: l == .zh)
}

/// What an entry of a household's history was, and its note, as two columns: the household, the points and
/// the running balance have columns of their own there.
func historyLine(of event: LedgerEvent, _ l: Language) -> (what: String, note: String) {
    switch event {
    case .scoreRecorded(let e), .scoreProposed(let e): return ("\(e.rule.code) \(l == .zh ? e.rule.zh : e.rule.en)", e.note)
    case .scoreRejected(let e): return (say(l, "驳回 #\(e.target)", "#\(e.target) rejected"), e.reason)
    case .objectionUpheld(let e): return (say(l, "异议成立，撤销 #\(e.target)", "objection upheld: #\(e.target) out"), e.reason)
    case .scoreAmended(let e): return (say(l, "异议改分 #\(e.target)", "#\(e.target) amended"), e.reason)
    case .pointsExpired(let e):
        return (say(l, "\(e.year) 年终清零", "\(e.year) year-end expiry"),
                say(l, "结转 \(e.carried)，加 \(e.earned)，扣 \(e.deducted)，兑换 \(e.spent)", "carried \(e.carried), +\(e.earned), -\(e.deducted), spent \(e.spent)"))
    case .pointsSent(let e): return (say(l, "转出给 \(e.to)", "sent to \(e.to)"), e.reason)
    case .pointsReceived(let e): return (say(l, "由 \(e.from) 转入", "received from \(e.from)"), e.reason)
    case .redeemed(let e): return (say(l, "兑换 \(e.name) \(e.quantity) 件", "redeemed \(e.quantity) of \(e.name)"), "")
    case .entryReversed(let e): return (say(l, "冲正 #\(e.target)", "reversal of #\(e.target)"), e.reason)
    case .householdRegistered(let e):
        return (say(l, "登记入册（联户 \(e.unit)，\(e.members) 人）", "registered (unit \(e.unit), \(e.members) members)"), "")
    case .householdMoved(let e): return (say(l, "由联户 \(e.from) 调入 \(e.to)", "moved from unit \(e.from) to \(e.to)"), "")
    case .householdClosed(let e): return (say(l, "销户", "closed"), e.reason)
    case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .itemListed, .stockReceived, .sheetImported,
         .actorRegistered, .actorRetired, .scoreApproved, .reversalRequested, .reversalDeclined, .noticeOpened, .noticeClosed,
         .objectionRaised, .objectionDismissed, .yearSettled, .passbookPrinted, .checkpointRecorded:
        return (summary(of: event, l), "")
    }
}
