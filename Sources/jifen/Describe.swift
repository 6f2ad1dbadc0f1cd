import Foundation
import Jifen
import JifenCore

/// One line saying what an event was, for `log`.
func summary(of event: LedgerEvent, _ l: Language) -> String {
    let who: (HouseholdCode) -> String = { "\($0) " }
    switch event {
    case .ledgerOpened(let e): return say(l, "建账：\(e.village)", "ledger opened: \(e.village)")
    case .schemeAdopted(let e):
        return say(l, "采用积分方案 v\(e.version)「\(e.scheme.name)」（\(e.scheme.rules.count) 条）",
                   "scheme v\(e.version) adopted: \(e.scheme.name) (\(e.scheme.rules.count) rules)")
    case .unitAdded(let e): return say(l, "新增联户 \(e.unit) \(e.name)", "joint unit \(e.unit) added: \(e.name)")
    case .unitLeaderChanged(let e): return say(l, "联户 \(e.unit) 联户长：\(e.leader)", "unit \(e.unit) leader: \(e.leader)")
    case .householdRegistered(let e):
        return say(l, "登记农户 \(e.household) 户主 \(e.head)，联户 \(e.unit)，\(e.members) 人",
                   "household \(e.household) registered: head \(e.head), unit \(e.unit), \(e.members) members")
    case .householdMoved(let e): return say(l, "\(e.household) 由联户 \(e.from) 调入 \(e.to)", "\(e.household) moved from \(e.from) to \(e.to)")
    case .householdClosed(let e): return say(l, "\(e.household) 销户：\(e.reason)", "\(e.household) closed: \(e.reason)")
    case .scoreRecorded(let e):
        let note = e.note.isEmpty ? "" : "（\(e.note)）"
        return say(l, "\(who(e.household))\(e.rule.code) \(e.rule.zh) \(signed(e.points))\(note)",
                   "\(who(e.household))\(e.rule.code) \(e.rule.en) \(signed(e.points))\(e.note.isEmpty ? "" : " (\(e.note))")")
    case .itemListed(let e): return say(l, "上架 \(e.item) \(e.name) \(e.unit) \(e.price) 分", "item \(e.item) listed: \(e.name) \(e.unit) at \(e.price)")
    case .stockReceived(let e):
        return say(l, "入库 \(e.item) \(e.quantity) 件\(e.source.isEmpty ? "" : "（\(e.source)）")",
                   "received \(e.quantity) of \(e.item)\(e.source.isEmpty ? "" : " (\(e.source))")")
    case .redeemed(let e):
        return say(l, "\(who(e.household))兑换 \(e.name) \(e.quantity) 件 -\(e.points)", "\(who(e.household))redeemed \(e.quantity) of \(e.name) -\(e.points)")
    case .entryReversed(let e): return say(l, "冲正 #\(e.target)：\(e.reason)", "reversal of #\(e.target): \(e.reason)")
    case .sheetImported(let e):
        return say(l, "导入登记表 \(e.fileName)（\(e.rows) 行）", "tally sheet \(e.fileName) imported (\(e.rows) rows)")
    }
}

/// What an entry of a household's history was, and its note, as two columns: the household, the points and
/// the running balance have columns of their own there.
func historyLine(of event: LedgerEvent, _ l: Language) -> (what: String, note: String) {
    switch event {
    case .scoreRecorded(let e): return ("\(e.rule.code) \(l == .zh ? e.rule.zh : e.rule.en)", e.note)
    case .redeemed(let e): return (say(l, "兑换 \(e.name) \(e.quantity) 件", "redeemed \(e.quantity) of \(e.name)"), "")
    case .entryReversed(let e): return (say(l, "冲正 #\(e.target)", "reversal of #\(e.target)"), e.reason)
    case .householdRegistered(let e):
        return (say(l, "登记入册（联户 \(e.unit)，\(e.members) 人）", "registered (unit \(e.unit), \(e.members) members)"), "")
    case .householdMoved(let e): return (say(l, "由联户 \(e.from) 调入 \(e.to)", "moved from unit \(e.from) to \(e.to)"), "")
    case .householdClosed(let e): return (say(l, "销户", "closed"), e.reason)
    case .ledgerOpened, .schemeAdopted, .unitAdded, .unitLeaderChanged, .itemListed, .stockReceived, .sheetImported:
        return (summary(of: event, l), "")
    }
}
