import JifenCore

/// March 2025, the period the table's notices post.
public let march = NoticePeriod("2025-03")!

/// The rejection table: given the standard test village (and the row's setup), when a command, then the rejection —
/// one row per reason. The core runs it against `MemoryLedger` (JifenCoreTests), the conformance suite against
/// every store.
public enum RejectionRows {
    public typealias Case = RejectionCase

    public static let cases: [Case] = [
        Case("no actor", .recordScore("H001", "A1.1", points: nil, note: "", source: nil), by: "  ", .actorRequired),
        Case("future date", .recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2026-01-01",
             .dateInFuture(date: "2026-01-01", today: "2025-12-31")),
        Case("opening twice", .openLedger(ledgerId: "x", village: "别村", scheme: Village.reference, demo: false, admin: nil),
             .ledgerAlreadyOpened(village: "牛角村")),
        Case("bad unit code", .addUnit("U 3", name: "第三联户", leader: nil),
             .codeInvalid(what: .unit, code: "U 3", problem: .spaceOrControlCharacter)),
        Case("empty household code", .registerHousehold("", head: "某", unit: "U01", members: 1),
             .codeInvalid(what: .household, code: "", problem: .empty)),
        Case("a household code a spreadsheet runs as a formula", .registerHousehold("=1+1", head: "某", unit: "U01", members: 1),
             .codeInvalid(what: .household, code: "=1+1", problem: .startsLikeAFormula)),
        Case("a person's name a spreadsheet runs as a formula", .registerActor(#"=cmd|'/c'!A0"#, roles: [.admin], unit: nil),
             .nameInvalid(name: #"=cmd|'/c'!A0"#, problem: .startsLikeAFormula)),
        Case("a NUL byte in a note", .recordScore("H001", "A1.1", points: nil, note: "帮邻居\u{0}抢收", source: nil),
             .controlCharacter(what: .note, character: "U+0000")),
        Case("unit exists", .addUnit("U01", name: "又一个", leader: nil), .unitExists("U01")),
        Case("unit name missing", .addUnit("U09", name: "  ", leader: nil), .textRequired(what: .unitName)),
        Case("unknown unit", .registerHousehold("H009", head: "赵", unit: "U03", members: 1),
             .unitUnknown("U03", suggestion: "U01")),
        Case("household exists", .registerHousehold("H001", head: "赵", unit: "U01", members: 1), .householdExists("H001")),
        Case("head missing", .registerHousehold("H009", head: "", unit: "U01", members: 1), .textRequired(what: .headName)),
        Case("members zero", .registerHousehold("H009", head: "赵", unit: "U01", members: 0), .membersOutOfRange(0)),
        Case("unknown household", .recordScore("H009", "A1.1", points: nil, note: "", source: nil),
             .householdUnknown("H009", suggestion: "H001")),
        Case("closed household", setup: { try $0.run(.closeHousehold("H002", reason: "迁出"), on: "2025-02-01") },
             .recordScore("H002", "A1.1", points: nil, note: "", source: nil), on: "2025-03-01",
             .householdClosed("H002", on: "2025-02-01")),
        Case("move to same unit", .moveHousehold("H001", to: "U01"), .householdAlreadyInUnit("H001", "U01")),
        Case("reopen a household that is not closed", .reopenHousehold("H001", note: ""), .householdNotClosed("H001")),
        Case("leader outside unit", .changeUnitLeader("U02", leader: "H001"), .leaderNotInUnit("H001", unit: "U02")),
        Case("unknown rule", .recordScore("H001", "A1.9", points: nil, note: "", source: nil),
             .ruleUnknown("A1.9", suggestion: "A1.1")),
        Case("ranged rule without points", .recordScore("H001", "C1.2", points: nil, note: "", source: nil),
             .pointsRequired("C1.2", RulePoints(direction: .award, min: 5, max: 10))),
        Case("points above range", .recordScore("H001", "C1.2", points: 11, note: "", source: nil),
             .pointsOutsideRange("C1.2", given: 11, RulePoints(direction: .award, min: 5, max: 10))),
        Case("points below range", .recordScore("H001", "A2.3", points: 4, note: "占道", source: nil),
             .pointsOutsideRange("A2.3", given: 4, RulePoints(direction: .deduction, min: 5, max: 20))),
        Case("wrong sign for award", .recordScore("H001", "C1.2", points: -6, note: "", source: nil),
             .pointsOutsideRange("C1.2", given: -6, RulePoints(direction: .award, min: 5, max: 10))),
        Case("points for a fixed rule", .recordScore("H001", "A1.1", points: 3, note: "", source: nil),
             .pointsDifferFromFixed("A1.1", given: 3, RulePoints(direction: .award, min: 2, max: 2))),
        Case("deduction without note", .recordScore("H001", "B1.3", points: nil, note: " ", source: nil),
             .noteRequiredForDeduction("B1.3")),
        Case("note too long", .recordScore("H001", "A1.1", points: nil, note: String(repeating: "长", count: 501), source: nil),
             .textTooLong(what: .note, lengthMax: 500)),
        Case("cap reached", setup: { try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-02") },
             .recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-30",
             .capReached("A1.1", Cap(count: 1, period: .month), period: "2025-03", count: 1)),
        Case("unknown event", .reverse(.seq(999), reason: "错"), .eventUnknown(.seq(999))),
        Case("not an entry", .reverse(.seq(3), reason: "错"), .eventNotAnEntry(seq: 3)),
        Case("reversing a reversal", setup: {
                try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil))
                try $0.run(.reverse(.seq(10), reason: "记错户"))
             }, .reverse(.seq(11), reason: "再冲"), .reversalCannotBeReversed(seq: 11)),
        Case("reversing twice", setup: {
                try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil))
                try $0.run(.reverse(.id("e10"), reason: "记错户"))
             }, .reverse(.seq(10), reason: "再冲"), .eventAlreadyReversed(seq: 10, by: 11)),
        Case("reversal without reason", setup: { try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil)) },
             .reverse(.seq(10), reason: ""), .textRequired(what: .reason)),
        Case("reversing stock already given out", setup: {
                try $0.run(.receiveStock("salt", quantity: 2, source: "捐赠"))
                try $0.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil))
                try $0.run(.redeem("H001", "salt", quantity: 1))
             }, .reverse(.seq(10), reason: "数错"), .reversalWouldEmptyStock("salt", stock: 1, quantity: 2)),
        Case("reversal dated before its entry", setup: {
                try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-05")
             }, .reverse(.seq(10), reason: "记错户"), on: "2025-03-04",
             .reversalBeforeEntry(seq: 10, entryDate: "2025-03-05", date: "2025-03-04")),
        Case("back-dated redemption before the points were earned", setup: {
                try $0.run(.receiveStock("salt", quantity: 5, source: ""), on: "2025-01-01")
                try $0.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil), on: "2025-06-01")
             }, .redeem("H001", "salt", quantity: 1), on: "2025-05-01",
             .pointsShortLater("H001", date: "2025-05-01", lowest: 0, needed: 3)),
        Case("back-dated redemption that a later one already spent", setup: {
                try $0.run(.receiveStock("salt", quantity: 5, source: ""), on: "2025-01-01")
                try $0.run(.recordScore("H001", "A1.2", points: nil, note: "", source: nil), on: "2025-02-01")
                try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-02-02")
                try $0.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil), on: "2025-06-01")
                try $0.run(.redeem("H001", "salt", quantity: 1), on: "2025-03-01")
             }, .redeem("H001", "salt", quantity: 1), on: "2025-02-10",
             .pointsShortLater("H001", date: "2025-02-10", lowest: 0, needed: 3)),
        Case("back-dated redemption before the goods came", setup: {
                try $0.run(.receiveStock("salt", quantity: 5, source: ""), on: "2025-04-01")
                try $0.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil), on: "2025-02-01")
             }, .redeem("H001", "salt", quantity: 1), on: "2025-03-01",
             .stockShortLater("salt", date: "2025-03-01", lowest: 0, needed: 1)),
        Case("item exists", .listItem("oil", name: "油", unit: "", price: 80), .itemExists("oil")),
        Case("price zero", .listItem("rice", name: "大米", unit: "10 kg", price: 0), .priceOutOfRange(0)),
        Case("unknown item", .receiveStock("slat", quantity: 5, source: ""), .itemUnknown("slat", suggestion: "salt")),
        Case("restock nothing", .receiveStock("oil", quantity: 0, source: ""), .quantityOutOfRange(0)),
        Case("redeem nothing", .redeem("H001", "salt", quantity: -1), .quantityOutOfRange(-1)),
        Case("points short", setup: { try $0.run(.receiveStock("oil", quantity: 5, source: "")) },
             .redeem("H001", "oil", quantity: 1), .pointsShort("H001", available: 0, needed: 85)),
        Case("stock short", setup: { try $0.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil)) },
             .redeem("H001", "salt", quantity: 1), .stockShort("salt", stock: 0, needed: 1)),
        Case("sheet twice", setup: { try $0.run(.importSheet(sha256: "abc", fileName: "3月.csv", rows: 2)) },
             .importSheet(sha256: "abc", fileName: "3月.csv", rows: 2), .sheetAlreadyImported(fileName: "3月.csv", seq: 10)),
        // Roles, review and public notice. `govern` registers people as events #10–#16; the first entry after is #17.
        Case("no one to review yet", .openNotice(march), on: "2025-04-01", by: "赵主任", .rolesNotSetUp),
        Case("an unregistered name", setup: { try $0.govern() }, .recordScore("H001", "A1.1", points: nil, note: "", source: nil),
             by: "王会记", .actorUnknown("王会记", suggestion: "王会计")),
        Case("a retired clerk", setup: { try $0.govern(); try $0.run(.retireActor("王会计", reason: "换届"), on: "2025-02-01", by: "张书记") },
             .recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-01", .actorRetired("王会计", on: "2025-02-01")),
        Case("registering a name twice", setup: { try $0.govern() }, .registerActor("王会计", roles: [.reviewer], unit: nil), by: "张书记",
             .actorExists("王会计", roles: [.clerk])),
        Case("a person without a role", setup: { try $0.govern() }, .registerActor("孙", roles: [], unit: nil), by: "张书记", .rolesRequired),
        Case("the first person is not an administrator", .registerActor("王会计", roles: [.clerk], unit: nil), .firstActorMustBeAdmin),
        Case("an auditor who also clerks", setup: { try $0.govern() }, .registerActor("孙", roles: [.auditor, .clerk], unit: nil),
             by: "张书记", .auditorOnlyReads),
        Case("a unit leader without a unit", setup: { try $0.govern() }, .registerActor("孙", roles: [.leader], unit: nil), by: "张书记",
             .leaderNeedsUnit("孙")),
        Case("a unit for a clerk", setup: { try $0.govern() }, .registerActor("孙", roles: [.clerk], unit: "U01"), by: "张书记",
             .unitOnlyForLeaders("孙", "U01")),
        Case("retiring the last administrator", setup: { try $0.govern() }, .retireActor("张书记", reason: "调离"), by: "张书记",
             .lastAdmin("张书记")),
        Case("a clerk posting the notice", setup: { try $0.govern() }, .openNotice(march), on: "2025-04-01",
             .roleNotAllowed("王会计", roles: [.clerk], action: .command(.openNotice), allowed: [.reviewer])),
        Case("a unit leader scoring another unit", setup: { try $0.govern() },
             .recordScore("H003", "C1.1", points: nil, note: "", source: nil), by: "陈组长",
             .leaderOutsideUnit("陈组长", unit: "U01", household: "H003", householdUnit: "U02")),
        Case("approving one's own deduction", setup: {
                try $0.govern()
                try $0.run(.recordScore("H001", "A2.4", points: 30, note: "酒后滋事", source: nil), by: "钱委员")
             }, .approve(.seq(17)), by: "钱委员", .ownRequest(seq: 17, actor: "钱委员")),
        Case("approving a register event", setup: { try $0.govern() }, .approve(.seq(3)), by: "赵主任", .nothingToApprove(seq: 3)),
        Case("approving a score that needs no approval", setup: { try $0.govern(); try $0.recordA11() },
             .approve(.seq(17)), by: "赵主任", .notAwaitingReview(seq: 17, state: .pending)),
        Case("reversing a proposal", setup: {
                try $0.govern()
                try $0.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), by: "陈组长")
             }, .reverse(.seq(17), reason: "不属实"), .proposalNotReversed(seq: 17)),
        Case("asking twice for a reversal", setup: {
                try $0.govern(); try $0.recordA11(); try $0.run(.reverse(.seq(17), reason: "记错户"), on: "2025-03-20")
             }, .reverse(.seq(17), reason: "记错户"), on: "2025-03-20", .reversalAlreadyRequested(seq: 17, request: 18)),
        Case("reversing a posted score", setup: { try $0.govern(); try $0.recordA11(); try $0.postMarch() },
             .reverse(.seq(17), reason: "记错户"), on: "2025-04-02", .scoreOnNotice(seq: 17)),
        Case("scoring into a posted month", setup: { try $0.govern(); try $0.postMarch() },
             .recordScore("H001", "A1.2", points: nil, note: "", source: nil), on: "2025-03-10",
             .periodPosted(date: "2025-03-10", period: "2025-03", closed: false)),
        Case("posting a month twice", setup: { try $0.govern(); try $0.postMarch() }, .openNotice(march), on: "2025-04-02",
             by: "赵主任", .noticeExists(period: "2025-03", closed: false)),
        Case("posting a quarter over a posted month", setup: { try $0.govern(); try $0.postMarch() },
             .openNotice(NoticePeriod("2025-Q1")!), on: "2025-04-02", by: "赵主任", .noticeOverlaps(period: "2025-Q1", other: "2025-03")),
        Case("posting a month before it ends", setup: { try $0.govern() }, .openNotice(march), on: "2025-03-20", by: "赵主任",
             .periodNotOver(period: "2025-03", lastDay: "2025-03-31")),
        Case("posting with proposals unreviewed", setup: {
                try $0.govern()
                try $0.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-05", by: "陈组长")
             }, .openNotice(march), on: "2025-04-01", by: "赵主任", .proposalsWaiting(period: "2025-03", count: 1, first: 17)),
        Case("closing a notice never opened", setup: { try $0.govern() }, .closeNotice(march), on: "2025-04-09", by: "赵主任",
             .noticeNotOpen(period: "2025-03")),
        Case("closing a notice early", setup: { try $0.govern(); try $0.postMarch() }, .closeNotice(march), on: "2025-04-05",
             by: "赵主任", .noticeTooEarly(period: "2025-03", closesOn: "2025-04-08", days: 7)),
        Case("closing with an objection open", setup: {
                try $0.govern(); try $0.recordA11(); try $0.postMarch()
                try $0.run(.object(.seq(17), reason: "当天不在家"), on: "2025-04-02", by: "李店长")
             }, .closeNotice(march), on: "2025-04-08", by: "赵主任", .objectionsOpen(period: "2025-03", count: 1, first: 17)),
        Case("objecting to a register event", setup: { try $0.govern() }, .object(.seq(3), reason: "不对"), .notAScore(seq: 3)),
        Case("objecting before the notice", setup: { try $0.govern(); try $0.recordA11() }, .object(.seq(17), reason: "不对"),
             on: "2025-03-20", .scoreNotOnNotice(seq: 17, state: .review(.pending))),
        Case("objecting twice", setup: {
                try $0.govern(); try $0.recordA11(); try $0.postMarch()
                try $0.run(.object(.seq(17), reason: "当天不在家"), on: "2025-04-02", by: "李店长")
             }, .object(.seq(17), reason: "再议"), on: "2025-04-03", .alreadyObjected(seq: 17, objection: 19)),
        Case("settling where no one objected", setup: { try $0.govern(); try $0.recordA11(); try $0.postMarch() },
             .resolveObjection(.seq(17), .dismiss, reason: ""), on: "2025-04-03", by: "赵主任", .noObjection(seq: 17)),
        Case("amending a fixed rule", setup: {
                try $0.govern(); try $0.recordA11(); try $0.postMarch()
                try $0.run(.object(.seq(17), reason: "分太高"), on: "2025-04-02", by: "李店长")
             }, .resolveObjection(.seq(17), .amend(points: 1), reason: ""), on: "2025-04-03", by: "赵主任",
             .fixedRuleNotAmended("A1.1", RulePoints(direction: .award, min: 2, max: 2))),
        Case("amending to the same points", setup: {
                try $0.govern()
                try $0.run(.recordScore("H001", "C1.2", points: 8, note: "调解纠纷", source: nil), on: "2025-03-05")
                try $0.postMarch()
                try $0.run(.object(.seq(17), reason: "分太高"), on: "2025-04-02", by: "李店长")
             }, .resolveObjection(.seq(17), .amend(points: 8), reason: ""), on: "2025-04-03", by: "赵主任",
             .amendmentChangesNothing(seq: 17, points: 8)),
        // Scheme versions, year-end settlement, households that split or merge.
        Case("a version not after the last", setup: { try $0.govern() }, .publishScheme(Village.reference, effective: "2025-01-01"),
             by: "张书记", .schemeNotAfterLast(effective: "2025-01-01", version: 1, lastEffective: "2025-01-01")),
        Case("a version reaching into a posted month", setup: { try $0.govern(); try $0.postMarch() },
             .publishScheme(Village.reference, effective: "2025-03-15"), on: "2025-04-02", by: "张书记",
             .schemeInNoticedPeriod(effective: "2025-03-15", period: "2025-03")),
        Case("settling before the year is over", setup: { try $0.govern() }, .settleYear(2025), on: "2025-12-31", by: "张书记",
             .settleTooEarly(year: 2025, firstDay: "2026-01-01")),
        Case("settling twice", setup: {
                $0.today = "2026-12-31"; try $0.govern(); try $0.run(.settleYear(2025), on: "2026-01-05", by: "张书记")
             }, .settleYear(2025), on: "2026-01-06", by: "张书记", .alreadySettled(year: 2025, on: "2026-01-05")),
        Case("settling with a notice open", setup: { $0.today = "2026-12-31"; try $0.govern(); try $0.postMarch() },
             .settleYear(2025), on: "2026-01-05", by: "张书记", .settleWithOpenNotice(year: 2025, period: "2025-03")),
        Case("settling with scores not final", setup: { $0.today = "2026-12-31"; try $0.govern(); try $0.recordA11() },
             .settleYear(2025), on: "2026-01-05", by: "张书记", .yearNotFinal(year: 2025, count: 1, first: 17)),
        Case("settling before the clearing day", setup: {
                $0.today = "2026-12-31"; try $0.govern()
                try $0.run(.publishScheme(Village.clearing, effective: "2025-06-01"), on: "2025-05-20", by: "张书记")
             }, .settleYear(2025), on: "2026-01-05", by: "张书记", .settleBeforeClearing(year: 2025, clearingDay: "2026-01-10")),
        Case("redeeming on the black list", setup: {
                $0.today = "2026-12-31"; try $0.govern()
                try $0.run(.recordScore("H001", "D1.3", points: nil, note: "不赡养老人", source: nil), on: "2025-03-05")
                try $0.run(.approve(.seq(17)), on: "2025-03-06", by: "赵主任")
                try $0.postMarch()
                try $0.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
                try $0.run(.receiveStock("salt", quantity: 5, source: "捐赠"), on: "2025-04-09", by: "李店长")
                try $0.run(.settleYear(2025), on: "2026-01-05", by: "张书记")
             }, .redeem("H001", "salt", quantity: 1), on: "2026-02-01", by: "李店长", .blacklisted("H001", until: "2026-04-05")),
        Case("splitting off more than is available", setup: { try $0.govern() },
             .splitHousehold("H001", new: "H009", head: "王小福", unit: nil, members: 2, points: 5), by: "张书记",
             .splitMoreThanAvailable("H001", available: 0, points: 5)),
        Case("merging into itself", setup: { try $0.govern() }, .mergeHousehold("H001", into: "H001"), by: "张书记",
             .mergeIntoItself("H001")),
        Case("merging with scores not final", setup: {
                try $0.govern(); try $0.recordA11()
                try $0.run(.recordScore("H001", "B1.3", points: nil, note: "乱扔垃圾", source: nil), on: "2025-03-06")
             }, .mergeHousehold("H001", into: "H002"), on: "2025-03-20", by: "张书记", .openScoresOnMerge("H001", count: 2)),
        Case("settling one's own objection", setup: {
                try $0.govern(); try $0.recordA11(); try $0.postMarch()
                try $0.run(.object(.seq(17), reason: "当天不在家"), on: "2025-04-02", by: "钱委员")
             }, .resolveObjection(.seq(17), .uphold, reason: ""), on: "2025-04-03", by: "钱委员", .ownObjection(seq: 17, actor: "钱委员")),
        Case("settling a year out of range", setup: { try $0.govern() }, .settleYear(99999), by: "张书记", .yearOutOfRange(99999)),
        Case("scoring into a settled year", setup: {
                $0.today = "2026-12-31"; try $0.govern(); try $0.run(.settleYear(2025), on: "2026-01-05", by: "张书记")
             }, .recordScore("H001", "A1.1", points: nil, note: "补记", source: nil), on: "2025-06-05",
             .yearClosed(year: 2025, on: "2026-01-05")),
        Case("approving before the proposal's date", setup: {
                try $0.govern()
                try $0.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-20", by: "陈组长")
             }, .approve(.seq(17)), on: "2025-03-10", by: "赵主任", .actionBeforeEntry(seq: 17, entryDate: "2025-03-20", date: "2025-03-10")),
        Case("a date before 2000", .recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "1999-12-31",
             .dateTooEarly("1999-12-31")),
        Case("a version behind recorded scores", setup: { try $0.govern(); try $0.recordA11() },
             .publishScheme(Village.reference, effective: "2025-03-01"), on: "2025-03-10", by: "张书记",
             .schemeBehindScores(effective: "2025-03-01", latest: "2025-03-05")),
        Case("a passbook update with nothing to print", .printPassbook(PassbookPrinted(household: "H001", entries: [], page: 1, line: 1, balance: 0)),
             .passbookUpToDate("H001")),
        Case("a write by someone without a password once the ledger has passwords", setup: {
                try $0.govern(); try $0.run(.setPassword("张书记", PasswordHash(encoded: "$2b$10$x")), by: "张书记")
             }, .recordScore("H001", "A1.1", points: nil, note: "", source: nil), .passwordNotSet("王会计")),
        Case("a write without the acting person's password once the ledger has passwords", setup: {
                try $0.govern(); try $0.run(.setPassword("张书记", PasswordHash(encoded: "$2b$10$x")), by: "张书记")
             }, .registerActor("孙", roles: [.clerk], unit: nil), by: "张书记", .passwordRequired("张书记")),
        Case("a first password that is not an administrator's own", setup: { try $0.govern() },
             .setPassword("王会计", PasswordHash(encoded: "$2b$10$x")), by: "张书记", .firstPasswordNotAdmins("张书记")),
    ]
}
