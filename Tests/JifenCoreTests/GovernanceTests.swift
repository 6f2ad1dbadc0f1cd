import Testing
@testable import JifenCore

/// Who may do what: for every role, every command it may and may not run. The expected roles are written out
/// here, not read from `Command.allowedRoles`, so that a change to the rules shows up as a failing row.
@Suite struct RoleTable {
    static let people: [Role: ActorName] = [.admin: "张书记", .clerk: "王会计", .leader: "陈组长", .reviewer: "赵主任",
                                            .shopkeeper: "李店长", .auditor: "刘审计"]

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let command: Command
        let allowed: Set<Role>
        /// What the refusal says the role may not do, when it names more than the command.
        var action: Deed?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "actor add", command: .registerActor("孙", roles: [.clerk], unit: nil), allowed: [.admin]),
        Row(name: "actor retire", command: .retireActor("王会计", reason: "换届"), allowed: [.admin]),
        Row(name: "unit add", command: .addUnit("U09", name: "第九联户", leader: nil), allowed: [.admin]),
        Row(name: "unit leader", command: .changeUnitLeader("U01", leader: "H002"), allowed: [.admin]),
        Row(name: "household add", command: .registerHousehold("H009", head: "孙", unit: "U01", members: 2), allowed: [.admin, .clerk]),
        Row(name: "household move", command: .moveHousehold("H002", to: "U02"), allowed: [.admin, .clerk]),
        Row(name: "household close", command: .closeHousehold("H002", reason: "迁出"), allowed: [.admin, .clerk]),
        Row(name: "household reopen", command: .reopenHousehold("H002", note: "误销户"), allowed: [.admin, .clerk]),
        Row(name: "record", command: .recordScore("H001", "C1.1", points: nil, note: "", source: nil), allowed: [.clerk, .leader]),
        Row(name: "record import", command: .importSheet(sha256: "abc", fileName: "3月.csv", rows: 1), allowed: [.clerk, .leader]),
        Row(name: "reverse a score", command: .reverse(.seq(17), reason: "记错户"), allowed: [.clerk],
            action: .correctScores),
        Row(name: "reverse a stock receipt", command: .reverse(.seq(19), reason: "数错"), allowed: [.shopkeeper],
            action: .correctShopEntries),
        Row(name: "approve", command: .approve(.seq(18)), allowed: [.reviewer]),
        Row(name: "reject", command: .reject(.seq(18), reason: "不属实"), allowed: [.reviewer]),
        Row(name: "notice open", command: .openNotice(NoticePeriod("2025-02")!), allowed: [.reviewer]),
        Row(name: "notice close", command: .closeNotice(NoticePeriod("2025-02")!), allowed: [.reviewer]),
        Row(name: "object", command: .object(.seq(17), reason: "不属实"), allowed: [.admin, .clerk, .leader, .reviewer, .shopkeeper]),
        Row(name: "resolve", command: .resolveObjection(.seq(17), .dismiss, reason: ""), allowed: [.reviewer]),
        Row(name: "shop add", command: .listItem("rice", name: "大米", unit: "10 kg", price: 50), allowed: [.admin, .shopkeeper]),
        Row(name: "shop restock", command: .receiveStock("salt", quantity: 5, source: "捐赠"), allowed: [.shopkeeper]),
        Row(name: "shop redeem", command: .redeem("H001", "salt", quantity: 1), allowed: [.shopkeeper]),
        Row(name: "scheme publish", command: .publishScheme(Village.reference, effective: "2025-07-01"), allowed: [.admin]),
        Row(name: "settle", command: .settleYear(2024), allowed: [.admin]),
        Row(name: "household split", command: .splitHousehold("H002", new: "H009", head: "李小英", unit: nil, members: 1, points: 0),
            allowed: [.admin, .clerk]),
        Row(name: "household merge", command: .mergeHousehold("H003", into: "H002"), allowed: [.admin, .clerk]),
        Row(name: "passbook", command: .printPassbook(PassbookPrinted(household: "H002", entries: [17], page: 1, line: 1, balance: 2)),
            allowed: [.admin, .clerk, .shopkeeper]),
        Row(name: "checkpoint", command: .recordCheckpoint(CheckpointRecorded(seq: 17, head: String(repeating: "0", count: 64),
                                                                               time: "2025-03-08T09:30:00.000Z", signatures: [])),
            allowed: [.admin]),
        Row(name: "actor password", command: .setPassword("张书记", PasswordHash(encoded: "$2b$10$x")), allowed: [.admin]),
    ]

    /// A governed village with a pending score (#17), a unit leader's proposal (#18) and a stock receipt (#19).
    static func village() throws -> Village {
        var village = try Village()
        try village.govern()
        try village.recordA11()
        try village.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-06", by: "陈组长")
        try village.run(.receiveStock("salt", quantity: 10, source: "捐赠"), on: "2025-03-07", by: "李店长")
        return village
    }

    @Test(arguments: rows)
    func everyRoleMayOrMayNot(_ row: Row) throws {
        for role in Role.allCases {
            var village = try Self.village()
            let person = Self.people[role]!
            let rejection = village.rejection(row.command, on: "2025-04-01", by: person.rawValue)
            if row.allowed.contains(role) {
                if case .roleNotAllowed = rejection { Issue.record("\(role) should be allowed to \(row.name): \(rejection!)") }
            } else {
                guard case .roleNotAllowed(let name, _, let action, _) = rejection else {
                    Issue.record("\(role) should not be allowed to \(row.name), got \(rejection.map { "\($0)" } ?? "accepted")")
                    continue
                }
                #expect(name == person && (action == .command(row.command.kind) || action == row.action))
            }
        }
    }

    @Test func theTableCoversEveryCommandButOpening() {
        // `openLedger` is refused to everyone once the ledger exists; every other command has a row.
        #expect(Set(Self.rows.map(\.command.kind)) == Set(Command.Kind.allCases).subtracting([.openLedger]))
        #expect(Set(Self.rows.flatMap { $0.allowed }) == Set(Role.allCases).subtracting([.auditor]), "an auditor may do nothing")
    }

    @Test func aLedgerFromBeforeRolesTakesAnyNameUntilAnAdministratorIsRegistered() throws {
        var village = try Village()
        try village.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-05", by: "谁都行")
        #expect(village.account("H001").available == 2, "before roles a score is final at once")
        try village.run(.registerActor("张书记", roles: [.admin], unit: nil), by: "张书记")
        #expect(village.rejection(.recordScore("H002", "A1.1", points: nil, note: "", source: nil), on: "2025-03-05", by: "谁都行")
                == .actorUnknown("谁都行", suggestion: nil))
        #expect(village.account("H001").available == 2, "earlier events stay valid as they are")
    }

    @Test func aRetiredPersonsEntriesStay() throws {
        var village = try Self.village()
        try village.run(.retireActor("王会计", reason: "换届"), on: "2025-03-10", by: "张书记")
        #expect(village.state.review(17)?.recordedBy == "王会计")
        #expect(village.state.actor("王会计")?.status == .retired)
    }
}

/// The public notice: pending → posted → objected → (dismissed: posted | upheld: gone | amended: a new posted
/// score) → final; proposed → approved: pending | rejected: gone.
@Suite struct NoticeFlow {
    @Test func aScoreBecomesFinalOnlyWhenItsNoticeCloses() throws {
        var v = try Village()
        try v.govern()
        try v.recordA11()
        #expect(v.state.review(17)?.state == .pending)
        #expect(v.account("H001").available == 0 && v.account("H001").pending == 2)
        try v.postMarch()
        #expect(v.state.review(17)?.state == .posted)
        #expect(v.account("H001").available == 0)
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.state.review(17) == nil)
        #expect(v.account("H001").available == 2 && v.account("H001").pending == 0 && v.account("H001").final == 2)
    }

    @Test func anObjectionDismissedLeavesTheScorePosted() throws {
        var v = try Village()
        try v.govern()
        try v.recordA11()
        try v.postMarch()
        try v.run(.object(.seq(17), reason: "当天不在家"), on: "2025-04-02", by: "陈组长")
        #expect(v.state.review(17)?.state == .objected && v.state.review(17)?.objection == 19)
        try v.run(.resolveObjection(.seq(17), .dismiss, reason: "核实属实"), on: "2025-04-03", by: "赵主任")
        #expect(v.state.review(17)?.state == .posted && v.state.review(17)?.objection == nil)
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.account("H001").available == 2)
    }

    @Test func anObjectionUpheldTakesTheScoreOut() throws {
        var v = try Village()
        try v.govern()
        try v.recordA11()
        try v.postMarch()
        try v.run(.object(.seq(17), reason: "当天不在家"), on: "2025-04-02", by: "陈组长")
        try v.run(.resolveObjection(.seq(17), .uphold, reason: "记错户"), on: "2025-04-03", by: "赵主任")
        #expect(v.state.review(17) == nil)
        #expect(v.state.entry(.seq(17))?.reversedBy == 20)
        #expect(v.account("H001").earned == 0 && v.account("H001").pending == 0)
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.account("H001").available == 0)
        // The cap is free again: the score no longer counts.
        #expect(v.state.scoreCount(household: "H001", rule: "A1.1", in: CapPeriod.month.bounds(of: "2025-03-05")) == 0)
    }

    @Test func anAmendmentReplacesTheScoreOnTheNotice() throws {
        var v = try Village()
        try v.govern()
        try v.run(.recordScore("H001", "C1.2", points: 10, note: "调解纠纷", source: nil), on: "2025-03-05")
        try v.postMarch()
        try v.run(.object(.seq(17), reason: "只调解了一半"), on: "2025-04-02", by: "陈组长")
        let amended = try v.run(.resolveObjection(.seq(17), .amend(points: 6), reason: "议事会核定"), on: "2025-04-03", by: "赵主任")
        #expect(amended.map(\.event.typeName) == ["v1.scoreAmended", "v1.scoreRecorded"])
        #expect(amended[1].occurredOn == "2025-03-05", "the new score keeps the date of the one it replaces")
        #expect(v.state.review(17) == nil)
        #expect(v.state.review(21)?.state == .posted && v.state.review(21)?.points == 6)
        #expect(v.account("H001").earned == 6 && v.account("H001").pending == 6)
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.account("H001").available == 6)
    }

    @Test func aProposalWaitsForAReviewerAndRejectedGivesNothing() throws {
        var v = try Village()
        try v.govern()
        try v.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-06", by: "陈组长")
        try v.run(.recordScore("H002", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-06", by: "陈组长")
        #expect(v.state.review(17)?.state == .proposed && v.account("H001").proposed == 5 && v.account("H001").available == 0)
        try v.run(.approve(.seq(17)), on: "2025-03-07", by: "赵主任")
        #expect(v.state.review(17)?.state == .pending && v.account("H001").proposed == 0 && v.account("H001").pending == 5)
        try v.run(.reject(.seq(18), reason: "不属实"), on: "2025-03-07", by: "赵主任")
        #expect(v.state.review(18) == nil && v.account("H002").earned == 0 && v.account("H002").proposed == 0)
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.account("H001").available == 5 && v.account("H002").available == 0)
    }

    @Test func onlyFinalPointsCanBeSpent() throws {
        var v = try Village()
        try v.govern()
        try v.run(.receiveStock("salt", quantity: 10, source: "捐赠"), on: "2025-03-01", by: "李店长")
        try v.recordA11()
        #expect(v.rejection(.redeem("H001", "salt", quantity: 1), on: "2025-03-20", by: "李店长")
                == .pointsShort("H001", available: 0, needed: 3))
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        try v.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-04-09")
        // Final points are spent; the April score is still pending and does not count, on any day.
        #expect(v.rejection(.redeem("H001", "salt", quantity: 1), on: "2025-04-10", by: "李店长")
                == .pointsShort("H001", available: 2, needed: 3))
    }
}

/// Four eyes: large deductions and every reversal take effect only when a second person approves them.
@Suite struct FourEyes {
    @Test func aDeductionOfTwentyOrMoreWaitsForASecondPerson() throws {
        var v = try Village()
        try v.govern()
        try v.run(.recordScore("H001", "A2.3", points: 19, note: "占道晾晒", source: nil), on: "2025-03-05")
        try v.run(.recordScore("H002", "A2.3", points: 20, note: "违规燃放", source: nil), on: "2025-03-05")
        #expect(v.state.review(17)?.state == .pending)
        #expect(v.state.review(18)?.state == .proposed && v.account("H002").proposed == -20)
        try v.run(.approve(.seq(18)), on: "2025-03-06", by: "赵主任")
        #expect(v.state.review(18)?.state == .pending && v.account("H002").pending == -20)
    }

    @Test func aReversalIsAskedForAndApprovedByAnother() throws {
        var v = try Village()
        try v.govern()
        try v.run(.recordScore("H001", "A2.2", points: nil, note: "", source: nil), on: "2025-03-05", by: "钱委员")
        let request = try v.run(.reverse(.seq(17), reason: "记错户"), on: "2025-03-07", by: "钱委员")[0]
        #expect(request.event.typeName == "v1.reversalRequested" && v.state.entry(.seq(17))?.reversedBy == nil)
        #expect(v.account("H001").earned == 2, "a request moves nothing")
        #expect(v.rejection(.approve(.seq(18)), on: "2025-03-07", by: "钱委员") == .ownRequest(seq: 18, actor: "钱委员"))
        let done = try v.run(.approve(.seq(18)), on: "2025-03-08", by: "赵主任")[0]
        guard case .entryReversed(let reversal) = done.event else { Issue.record("not a reversal: \(done.event)"); return }
        #expect(reversal.request == 18 && reversal.reason == "记错户")
        #expect(v.state.entry(.seq(17))?.reversedBy == 19 && v.state.request(18) == nil)
        #expect(v.account("H001").earned == 0 && v.account("H001").pending == 0)
    }

    @Test func aDeclinedReversalLeavesTheEntry() throws {
        var v = try Village()
        try v.govern()
        try v.recordA11()
        try v.run(.reverse(.seq(17), reason: "记错户"), on: "2025-03-07")
        try v.run(.reject(.seq(18), reason: "核实无误"), on: "2025-03-08", by: "赵主任")
        #expect(v.state.request(18) == nil && v.state.entry(.seq(17))?.reversedBy == nil && v.account("H001").pending == 2)
        // It may be asked again.
        #expect(v.rejection(.reverse(.seq(17), reason: "再核"), on: "2025-03-09") == nil)
    }
}

@Suite struct CapsUnderReview {
    @Test func proposedAndPendingScoresCountTowardsTheCap() throws {
        var v = try Village()
        try v.govern()
        try v.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-02", by: "陈组长")
        #expect(v.rejection(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-20")
                == .capReached("A1.1", Cap(count: 1, period: .month), period: "2025-03", count: 1))
        try v.run(.reject(.seq(17), reason: "不属实"), on: "2025-03-21", by: "赵主任")
        #expect(v.rejection(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-21") == nil)
        #expect(v.rejection(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-03-22")
                == .capReached("A1.1", Cap(count: 1, period: .month), period: "2025-03", count: 1))
    }
}

/// Bugs other points systems shipped, as tests.
@Suite struct KnownBugs {
    @Test func aRedemptionLowersTheBalance() throws {
        var v = try Village()
        try v.run(.receiveStock("salt", quantity: 10, source: "捐赠"))
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil))
        try v.run(.redeem("H001", "salt", quantity: 2))
        #expect(v.account("H001").available == 4 && v.account("H001").redeemed == 6)
        #expect(v.state.item("salt")?.stock == 8)
    }

    @Test func recordingAndReversingFarmsNothing() throws {
        var v = try Village()
        try v.govern()
        for round in 0..<5 {
            let day = LocalDate(year: 2025, month: 3, day: 2 + round)!
            let score = try v.run(.recordScore("H001", "C1.1", points: nil, note: "", source: nil), on: day)[0]
            let request = try v.run(.reverse(.seq(score.seq), reason: "撤回"), on: day)[0]
            try v.run(.approve(.seq(request.seq)), on: day, by: "赵主任")
            #expect(v.rejection(.reverse(.seq(score.seq + 2), reason: "冲回来"), on: day) == .reversalCannotBeReversed(seq: score.seq + 2))
        }
        #expect(v.account("H001").earned == 0 && v.account("H001").pending == 0 && v.account("H001").available == 0)
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.account("H001").available == 0)
    }

    /// A redemption entered late and dated back to a day before its points were final (their notice closed later)
    /// is refused: on that day the points could not be spent.
    @Test func aRedemptionIsNotDatedBeforeItsPointsWereFinal() throws {
        var v = try Village()
        try v.govern()
        try v.run(.receiveStock("salt", quantity: 10, source: "捐赠"), on: "2025-03-01", by: "李店长")
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-03-05")
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        #expect(v.account("H001").available == 10)
        for day: LocalDate in ["2025-03-20", "2025-04-07"] {
            #expect(v.rejection(.redeem("H001", "salt", quantity: 1), on: day, by: "李店长")
                    == .pointsShortLater("H001", date: day, lowest: 0, needed: 3), "\(day)")
        }
        // From the day the notice closed, the points are there to spend.
        try v.run(.redeem("H001", "salt", quantity: 2), on: "2025-04-08", by: "李店长")
        #expect(v.account("H001").available == 4)
    }

    /// A score taken back before it was final never counted, nor did its takeback; a score final later and reversed
    /// after counts only between the two. On 20 March only January's points were final (February's became final on
    /// the 22nd), so a slip dated then cannot spend more, however the later days look.
    @Test func aBackDatedRedemptionSeesOnlyThePointsFinalOnItsDay() throws {
        for reversedWhile in ["pending", "final"] {
            var v = try Village()
            try v.govern()
            func notice(_ month: String, opens: LocalDate, closes: LocalDate) throws {
                try v.run(.openNotice(NoticePeriod(month)!), on: opens, by: "赵主任")
                try v.run(.closeNotice(NoticePeriod(month)!), on: closes, by: "赵主任")
            }
            try v.run(.receiveStock("salt", quantity: 10, source: "捐赠"), on: "2025-01-02", by: "李店长")
            try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-01-05")
            try notice("2025-01", opens: "2025-02-01", closes: "2025-02-08")
            try v.run(.recordScore("H001", "C1.2", points: 8, note: "调解纠纷", source: nil), on: "2025-02-05")
            try notice("2025-02", opens: "2025-03-01", closes: "2025-03-22")
            let march = try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-03-05")[0].seq
            func reverse(on day: LocalDate) throws {
                let request = try v.run(.reverse(.seq(march), reason: "记错户"), on: day)[0].seq
                try v.run(.approve(.seq(request)), on: day, by: "赵主任")
            }
            if reversedWhile == "pending" {
                try reverse(on: "2025-03-25")
            } else {
                try notice("2025-03", opens: "2025-04-01", closes: "2025-04-08")
                try reverse(on: "2025-04-20")
            }
            #expect(v.account("H001").available == 18, "\(reversedWhile)")
            #expect(v.rejection(.redeem("H001", "salt", quantity: 4), on: "2025-03-20", by: "李店长")
                    == .pointsShortLater("H001", date: "2025-03-20", lowest: 10, needed: 12), "\(reversedWhile)")
            try v.run(.redeem("H001", "salt", quantity: 3), on: "2025-03-20", by: "李店长")
            #expect(v.account("H001").available == 9, "\(reversedWhile)")
        }
    }

    /// Before roles, a score is final at once: a redemption may be dated any day after it.
    @Test func withoutRolesABackDatedRedemptionNeedsOnlyTheScoreBeforeIt() throws {
        var v = try Village()
        try v.run(.receiveStock("salt", quantity: 10, source: "捐赠"), on: "2025-03-01")
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-03-05")
        try v.run(.redeem("H001", "salt", quantity: 2), on: "2025-03-06")
        #expect(v.account("H001").available == 4)
    }

    @Test func pointsGoToTheHouseholdNamedAndNoOther() throws {
        var v = try Village()
        try v.govern()
        let before = v.state.households
        try v.run(.recordScore("H002", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-06", by: "陈组长")
        for (code, account) in v.state.households where code != "H002" { #expect(account == before[code]) }
        #expect(v.account("H002").proposed == 5)
        // A unit leader cannot put points on a household of another unit.
        #expect(v.rejection(.recordScore("H003", "C1.1", points: nil, note: "", source: nil), on: "2025-03-06", by: "陈组长")
                == .leaderOutsideUnit("陈组长", unit: "U01", household: "H003", householdUnit: "U02"))
    }
}

/// `rebuild` and `verify` fold entries from their stored columns (`applyEntry`), the live path through
/// `project`: both call `projectEntry` and must end with the same reviews, requests and balances.
@Suite struct FoldParity {
    @Test func theFastFoldAgreesWithTheLiveOne() throws {
        var v = try Village()
        try v.govern()
        try v.recordA11()
        try v.run(.recordScore("H002", "A2.3", points: 20, note: "违规燃放", source: nil), on: "2025-03-05")
        try v.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-06", by: "陈组长")
        try v.run(.approve(.seq(18)), on: "2025-03-07", by: "赵主任")
        try v.run(.approve(.seq(19)), on: "2025-03-07", by: "赵主任")
        try v.run(.reverse(.seq(17), reason: "记错户"), on: "2025-03-08")
        try v.run(.approve(.seq(22)), on: "2025-03-08", by: "钱委员")
        try v.run(.recordScore("H003", "C1.2", points: 9, note: "调解", source: nil), on: "2025-03-09")
        try v.postMarch()
        try v.run(.object(.seq(24), reason: "分太高"), on: "2025-04-02", by: "李店长")
        try v.run(.resolveObjection(.seq(24), .amend(points: 6), reason: ""), on: "2025-04-03", by: "赵主任")
        try v.run(.recordScore("H003", "C1.1", points: nil, note: "", source: nil), on: "2025-04-04")

        var fast = MemoryLedger(keepsEntries: false)
        for seq in 1...v.seq {
            let recorded = v.events[seq]!
            if recorded.event.entryKind != nil {
                try fast.applyEntry(recorded.facts, seq: seq, filing: ScoreFiling(type: recorded.event.type),
                                    route: recorded.event.type.route, occurredOn: recorded.occurredOn, actor: recorded.actor)
            } else {
                try fast.apply(recorded)
            }
        }
        #expect(fast.households == v.state.households)
        #expect(fast.reviewRecords == v.state.reviewRecords)
        #expect(fast.requestRecords == v.state.requestRecords)
        #expect(fast.noticeRecords == v.state.noticeRecords)
        #expect(!v.state.reviewRecords.isEmpty)
    }
}

@Suite struct SchemeVersions {
    /// The reference scheme with A1.1 raised to +3.
    static let july: Scheme = try! SchemeFile.parse(ReferenceSeed.schemeYAML.replacingOccurrences(
        of: #"{code: A1.1, indicator: A1, points: "+2""#, with: #"{code: A1.1, indicator: A1, points: "+3""#))

    @Test func aScoreIsJudgedByTheVersionInForceOnItsDate() throws {
        var v = try Village()
        try v.govern()
        #expect(Self.july.rule("A1.1")?.points.min == 3)
        try v.run(.publishScheme(Self.july, effective: "2025-07-01"), on: "2025-06-20", by: "张书记")
        let june = try v.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-06-30")[0]
        let july = try v.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil), on: "2025-07-01")[0]
        guard case .scoreRecorded(let a) = june.event, case .scoreRecorded(let b) = july.event else {
            Issue.record("not scores"); return
        }
        #expect(a.points == 2 && a.rule.points.description == "+2")
        #expect(b.points == 3 && b.rule.points.description == "+3")
        #expect(v.state.schemes().map(\.version) == [1, 2])
        // A back-dated score still gets the old version.
        let backdated = try v.run(.recordScore("H002", "A1.1", points: nil, note: "", source: nil), on: "2025-03-01")[0]
        #expect(backdated.facts.earned == 2)
    }
}

@Suite struct Settlement {
    /// A governed village whose March scores are final: H001 +12 (A1.1, C2.3), H002 −20 (D1.3), H003 +2 (A1.1).
    static func village(scheme: Scheme) throws -> Village {
        var v = try Village(scheme: scheme)
        v.today = "2026-12-31"
        try v.govern()
        try v.recordA11()
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-03-06")
        try v.run(.recordScore("H002", "D1.3", points: nil, note: "不赡养老人", source: nil), on: "2025-03-07")
        try v.run(.recordScore("H003", "A1.1", points: nil, note: "", source: nil), on: "2025-03-08")
        try v.run(.approve(.seq(19)), on: "2025-03-09", by: "赵主任")
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        try v.run(.receiveStock("salt", quantity: 10, source: "捐赠"), on: "2025-04-09", by: "李店长")
        try v.run(.redeem("H001", "salt", quantity: 1), on: "2025-04-10", by: "李店长")
        return v
    }

    @Test func clearingExpiresPositiveBalancesOnlyAndNeverTouchesCumulativePoints() throws {
        var v = try Self.village(scheme: Village.clearing)
        let before = v.state.households
        let events = try v.run(.settleYear(2025), on: "2026-01-10", by: "张书记")
        #expect(events.map(\.event.typeName) == ["v1.yearSettled", "v1.pointsExpired", "v1.pointsExpired"])
        guard case .pointsExpired(let h001) = events[1].event else { Issue.record("no expiry"); return }
        #expect(h001.household == "H001" && h001.points == 9 && h001.earned == 12 && h001.spent == 3 && h001.carried == 0)
        #expect(v.account("H001").available == 0 && v.account("H003").available == 0)
        // The household that owes points still owes exactly that: a reset never makes a balance negative, or more so.
        #expect(v.account("H002").available == -20 && v.account("H002").expired == 0)
        for code in ["H001", "H002", "H003"] as [HouseholdCode] {
            #expect(v.account(code).final == before[code]!.final, "cumulative points of \(code) are untouched")
        }
    }

    @Test func carryingOverExpiresNothingAndRatesTheYear() throws {
        var v = try Self.village(scheme: Village.reference)
        let events = try v.run(.settleYear(2025), on: "2026-01-05", by: "张书记")
        #expect(events.count == 1)
        guard case .yearSettled(let settled) = events[0].event else { Issue.record("not a settlement"); return }
        let byHousehold = Dictionary(uniqueKeysWithValues: settled.ratings.map { ($0.household, $0) })
        #expect(byHousehold["H001"]?.points == 12 && byHousehold["H001"]?.stars == 0)
        #expect(byHousehold["H002"]?.blackUntil == "2026-04-05", "a deduction of 20 black-lists for 3 months")
        #expect(byHousehold["H003"]?.blackUntil == nil && byHousehold["H003"]?.red == false)
        #expect(v.account("H001").available == 9)
        #expect(v.state.blacklisted("H002", on: "2026-04-04") == "2026-04-05" && v.state.blacklisted("H002", on: "2026-04-05") == nil)
    }

    @Test func theHighestStarPutsAHouseholdOnTheRedList() throws {
        var v = try Village()
        v.today = "2026-12-31"
        try v.govern()
        try v.run(.recordScore("H001", "A1.4", points: 50, note: "县级文明家庭", source: nil), on: "2025-03-02")
        try v.run(.recordScore("H001", "C2.2", points: 20, note: "捐款", source: nil), on: "2025-03-03")
        try v.run(.recordScore("H001", "D1.2", points: nil, note: "婚事简办", source: nil), on: "2025-03-04")
        try v.run(.recordScore("H001", "D2.2", points: nil, note: "带动就业", source: nil), on: "2025-03-05")
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-03-06")
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        guard case .yearSettled(let settled) = try v.run(.settleYear(2025), on: "2026-01-05", by: "张书记")[0].event else { return }
        #expect(settled.ratings.first { $0.household == "H001" }.map { ($0.points, $0.stars, $0.red) } ?? (0, 0, false) == (100, 5, true))
    }
}

@Suite struct SplitAndMerge {
    static func village() throws -> Village {
        var v = try Village()
        try v.govern()
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-03-06")
        try v.run(.recordScore("H002", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-07")
        try v.postMarch()
        try v.run(.closeNotice(march), on: "2025-04-08", by: "赵主任")
        return v
    }

    @Test func aSplitMovesTheAgreedShareAndBothSidesShowIt() throws {
        var v = try Self.village()
        let events = try v.run(.splitHousehold("H001", new: "H009", head: "王小福", unit: nil, members: 2, points: 4), on: "2025-05-01",
                               by: "王会计")
        #expect(events.map(\.event.typeName) == ["v1.householdRegistered", "v1.pointsSent", "v1.pointsReceived"])
        #expect(v.account("H001").available == 6 && v.account("H001").moved == 4 && v.account("H001").final == 10)
        #expect(v.account("H009").available == 4 && v.account("H009").moved == -4 && v.account("H009").unit == "U01")
        #expect(v.state.entries.values.contains { $0.household == "H001" && $0.kind == .transfer })
        #expect(v.state.entries.values.contains { $0.household == "H009" && $0.kind == .transfer })
        // A move is part of the split: it is not reversed on its own.
        #expect(v.rejection(.reverse(.seq(events[1].seq), reason: "错"), on: "2025-05-02") == .eventNotAnEntry(seq: events[1].seq))
    }

    @Test func aMergeMovesEverythingAndClosesTheFirst() throws {
        var v = try Self.village()
        try v.run(.mergeHousehold("H002", into: "H001"), on: "2025-05-01", by: "张书记")
        #expect(v.account("H002").status == .closed && v.account("H002").available == 0 && v.account("H002").final == 5)
        #expect(v.account("H001").available == 15)
    }
}

/// Holes a review found, kept closed.
@Suite struct ReviewFindings {
    @Test func settlementExpiresOnlyWhatWasLeftOfTheYear() throws {
        var v = try Village(scheme: Village.clearing)
        v.today = "2026-12-31"
        try v.govern()
        try v.run(.recordScore("H001", "C2.3", points: nil, note: "献血", source: nil), on: "2025-12-05")
        try v.run(.openNotice(NoticePeriod("2025-12")!), on: "2026-01-01", by: "赵主任")
        try v.run(.closeNotice(NoticePeriod("2025-12")!), on: "2026-01-08", by: "赵主任")
        try v.run(.recordScore("H001", "D1.1", points: nil, note: "", source: nil), on: "2026-01-05")
        try v.run(.receiveStock("salt", quantity: 5, source: "捐赠"), on: "2026-01-06", by: "李店长")
        try v.run(.redeem("H001", "salt", quantity: 1), on: "2026-01-09", by: "李店长")
        try v.run(.openNotice(NoticePeriod("2026-01")!), on: "2026-02-01", by: "赵主任")
        try v.run(.closeNotice(NoticePeriod("2026-01")!), on: "2026-02-08", by: "赵主任")
        #expect(v.account("H001").available == 12)
        let events = try v.run(.settleYear(2025), on: "2026-02-10", by: "张书记")
        guard case .pointsExpired(let expiry) = events.last?.event else { Issue.record("no expiry"); return }
        // 10 points at the year's end, 3 of them spent since: 7 expire; January's 5 stay.
        #expect(expiry.points == 7 && expiry.carried == 0 && expiry.earned == 10)
        #expect(v.account("H001").available == 5)
    }

    @Test func nothingLandsOnAClosedHousehold() throws {
        var v = try SplitAndMerge.village()
        try v.run(.mergeHousehold("H002", into: "H001"), on: "2025-05-01", by: "张书记")
        #expect(v.rejection(.reverse(.seq(18), reason: "记错"), on: "2025-05-02") == .householdClosed("H002", on: "2025-05-01"))
    }

    @Test func aSplitDoesNotCarryPointsPastTheBlackList() throws {
        var v = try Settlement.village(scheme: Village.reference)
        try v.run(.recordScore("H002", "D1.1", points: nil, note: "", source: nil), on: "2025-06-05")
        try v.run(.recordScore("H002", "C2.2", points: 20, note: "捐款", source: nil), on: "2025-06-06")
        try v.run(.openNotice(NoticePeriod("2025-06")!), on: "2025-07-01", by: "赵主任")
        try v.run(.closeNotice(NoticePeriod("2025-06")!), on: "2025-07-08", by: "赵主任")
        try v.run(.settleYear(2025), on: "2026-01-05", by: "张书记")
        #expect(v.account("H002").available == 5)
        #expect(v.rejection(.splitHousehold("H002", new: "H009", head: "李小英", unit: nil, members: 1, points: 1), on: "2026-01-06",
                            by: "王会计") == .blacklisted("H002", until: "2026-04-05"))
        #expect(v.rejection(.splitHousehold("H003", new: "H009", head: "张小华", unit: nil, members: 1, points: 1), on: "2026-01-06",
                            by: "王会计") == nil)
    }
}
