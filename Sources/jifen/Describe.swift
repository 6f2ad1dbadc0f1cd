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
    case .scoreRecorded(let e), .scoreProposed(let e):
        let note = e.note.isEmpty ? "" : "（\(e.note)）"
        let proposed = event.type == .scoreProposed
        return say(l, "\(proposed ? "提议 " : "")\(who(e.household))\(e.rule.code) \(e.rule.zh) \(signed(e.points))\(note)",
                   "\(proposed ? "proposed: " : "")\(who(e.household))\(e.rule.code) \(e.rule.en) \(signed(e.points))\(e.note.isEmpty ? "" : " (\(e.note))")")
    case .itemListed(let e): return say(l, "上架 \(e.item) \(e.name) \(e.unit) \(e.price) 分", "item \(e.item) listed: \(e.name) \(e.unit) at \(e.price)")
    case .stockReceived(let e):
        return say(l, "入库 \(e.item) \(e.quantity) 件\(e.source.isEmpty ? "" : "（\(e.source)）")",
                   "received \(e.quantity) of \(e.item)\(e.source.isEmpty ? "" : " (\(e.source))")")
    case .redeemed(let e):
        return say(l, "\(who(e.household))兑换 \(e.name) \(e.quantity) 件 -\(e.points)", "\(who(e.household))redeemed \(e.quantity) of \(e.name) -\(e.points)")
    case .entryReversed(let e): return say(l, "冲正 #\(e.target)：\(e.reason)", "reversal of #\(e.target): \(e.reason)")
    case .sheetImported(let e):
        return say(l, "导入登记表 \(e.fileName)（\(e.rows) 行）", "tally sheet \(e.fileName) imported (\(e.rows) rows)")
    case .actorRegistered(let e):
        let roles = e.roles.map { l == .zh ? $0.zh : $0.rawValue }.joined(separator: l == .zh ? "、" : ", ")
        return say(l, "登记人员 \(e.actor)：\(roles)\(e.unit.map { "（联户 \($0)）" } ?? "")",
                   "\(e.actor) registered: \(roles)\(e.unit.map { " (unit \($0))" } ?? "")")
    case .actorRetired(let e): return say(l, "人员 \(e.actor) 停用：\(e.reason)", "\(e.actor) retired: \(e.reason)")
    case .scoreApproved(let e): return say(l, "审核通过 #\(e.target)", "#\(e.target) approved")
    case .scoreRejected(let e): return say(l, "审核驳回 #\(e.target)：\(e.reason)", "#\(e.target) rejected: \(e.reason)")
    case .reversalRequested(let e): return say(l, "申请冲正 #\(e.target)：\(e.reason)", "reversal of #\(e.target) asked for: \(e.reason)")
    case .reversalDeclined(let e):
        return say(l, "不予冲正 #\(e.target)（申请 #\(e.request)）：\(e.reason)", "reversal of #\(e.target) declined (request #\(e.request)): \(e.reason)")
    case .noticeOpened(let e):
        return say(l, "公示 \(e.period)：\(e.scores) 条记分（加 \(e.awarded)，扣 \(e.deducted)），\(e.closesOn) 起可结束",
                   "notice of \(e.period) posted: \(e.scores) scores (+\(e.awarded), -\(e.deducted)), may close from \(e.closesOn)")
    case .noticeClosed(let e):
        return say(l, "公示 \(e.period) 结束：\(e.scores) 条记分生效（加 \(e.awarded)，扣 \(e.deducted)）",
                   "notice of \(e.period) closed: \(e.scores) scores final (+\(e.awarded), -\(e.deducted))")
    case .objectionRaised(let e): return say(l, "对 #\(e.target) 提出异议：\(e.reason)", "objection to #\(e.target): \(e.reason)")
    case .objectionDismissed(let e):
        return say(l, "异议不成立，#\(e.target) 维持\(e.reason.isEmpty ? "" : "：\(e.reason)")", "objection to #\(e.target) dismissed\(e.reason.isEmpty ? "" : ": \(e.reason)")")
    case .objectionUpheld(let e):
        return say(l, "异议成立，撤销 #\(e.target)\(e.reason.isEmpty ? "" : "：\(e.reason)")", "objection upheld, #\(e.target) taken out\(e.reason.isEmpty ? "" : ": \(e.reason)")")
    case .scoreAmended(let e):
        return say(l, "异议改分：#\(e.target) 改为 \(signed(e.points)) 分\(e.reason.isEmpty ? "" : "（\(e.reason)）")",
                   "objection: #\(e.target) amended to \(signed(e.points))\(e.reason.isEmpty ? "" : " (\(e.reason))")")
    case .yearSettled(let e):
        let red = e.ratings.filter(\.red).count, black = e.ratings.filter { $0.blackUntil != nil }.count
        return say(l, "\(e.year) 年终结算：\(e.ratings.count) 户评星，红榜 \(red) 户，黑榜 \(black) 户，清零 \(e.expired) 分",
                   "\(e.year) settled: \(e.ratings.count) households rated, \(red) on the red list, \(black) on the black list, \(e.expired) points expired")
    case .pointsExpired(let e):
        return say(l, "\(who(e.household))\(e.year) 年可用积分清零 -\(e.points)", "\(who(e.household))\(e.year) redeemable points expired -\(e.points)")
    case .pointsSent(let e):
        return say(l, "\(who(e.household))转出 \(e.points) 分给 \(e.to)（\(e.reason)）", "\(who(e.household))sent \(e.points) to \(e.to) (\(e.reason))")
    case .passbookPrinted(let e):
        return say(l, "\(who(e.household))存折补登 \(e.entries.count) 行（第 \(e.page) 页第 \(e.line) 行起）",
                   "\(who(e.household))passbook updated: \(e.entries.count) lines from page \(e.page), line \(e.line)")
    case .checkpointRecorded(let e):
        return say(l, "签名存证：第 \(e.seq) 条事件，链头 \(e.head.prefix(16))…，\(e.signatures.count) 个签名",
                   "checkpoint filed: event \(e.seq), head \(e.head.prefix(16))…, \(e.signatures.count) signature\(e.signatures.count == 1 ? "" : "s")")
    case .pointsReceived(let e):
        return say(l, "\(who(e.household))收到 \(e.from) 转入 \(e.points) 分（\(e.reason)）", "\(who(e.household))received \(e.points) from \(e.from) (\(e.reason))")
    }
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
