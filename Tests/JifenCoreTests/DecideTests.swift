import Testing
@testable import JifenCore

/// Given the standard test village, when a command, then the rejection (one row per reason).
@Suite struct RejectionTable {
    typealias Case = RejectionCase

    static let cases = RejectionRows.cases

    @Test(arguments: cases)
    func refused(_ c: Case) throws {
        var village = try Village()
        try c.setup(&village)
        let before = village
        #expect(village.rejection(c.command, on: c.date ?? "2025-01-01", by: c.actor) == c.expected)
        let unchanged = village.isUnchanged(since: before)
        #expect(unchanged, "a refused command changes nothing")
    }

    @Test func everyReasonReadsAsOneSentenceSayingWhatToDo() throws {
        for c in Self.cases {
            let text = c.expected.description
            #expect(text.hasSuffix(".") && !text.dropLast().contains(". "), "\(c.name): \(text)")
            #expect(text.contains(";"), "\(c.name) says what to do after the semicolon: \(text)")
        }
    }

    /// The core words what to do in the domain's words: a program adds its own commands and options
    /// (`english(how:)`, `chinese(how:)`), so no sentence names one.
    @Test func noReasonNamesACommandOrAnOption() throws {
        let reasons = Self.cases.map(\.expected) + [.ledgerNotOpened, .keyUsedForAnotherEntry(key: "k1", seq: 8)]
            + RejectionsInChinese.facadeOnly + (try RejectionsInChinese.wordedByDecide())
        #expect(Set(reasons.map(Self.reason)).count == Self.allReasons)
        for rejection in reasons {
            for text in [rejection.description, rejection.chinese] {
                #expect(!text.contains("jifen ") && !text.contains("--") && !text.contains("`"), "\(Self.reason(rejection)): \(text)")
            }
        }
    }

    /// A refusal's kind (the core's exhaustive `Rejection.kind`): a new reason is a new kind, and the test below
    /// then fails until the table has a row for it.
    static func reason(_ rejection: Rejection) -> String { rejection.kind.rawValue }

    /// Every kind of refusal there is, from the core's own list (no count kept by hand).
    static let allReasons = Rejection.Kind.allCases.count

    @Test func everyReasonHasARow() {
        // ledgerNotOpened has its own test below; keyUsedForAnotherEntry, keyInvalid and repeatedEntry are the facade's
        // (JifenStoreTests).
        let covered = Set(Self.cases.map { Self.reason($0.expected) }
                          + ["ledgerNotOpened", "keyUsedForAnotherEntry", "keyInvalid", "repeatedEntry"])
        let missing = Rejection.Kind.allCases.map(\.rawValue).filter { !covered.contains($0) }
        #expect(missing.isEmpty, "reasons without a row: \(missing)")
    }

    @Test func ledgerMustBeOpenedFirst() {
        let state = MemoryLedger()
        let context = CommandContext(actor: "王会计", today: "2025-03-01")
        #expect(throws: Rejection.ledgerNotOpened) {
            try decide(.addUnit("U01", name: "一", leader: nil), context: context, state: state)
        }
    }
}

/// Everything a `MemoryLedger` answers with, compared: every projection it keeps, not only some of them (a refusal
/// that let a scheme version, a settlement, a rating or a sheet through would otherwise compare equal).
extension MemoryLedger: Equatable {
    public static func == (a: MemoryLedger, b: MemoryLedger) -> Bool {
        a.info == b.info && a.units == b.units && a.households == b.households && a.items == b.items && a.entries == b.entries
            && a.actorRecords == b.actorRecords && a.noticeRecords == b.noticeRecords && a.notices() == b.notices()
            && a.reviewRecords == b.reviewRecords && a.requestRecords == b.requestRecords && a.schemeVersions == b.schemeVersions
            && a.settlementRecords == b.settlementRecords && a.ratingRecords == b.ratingRecords && a.sheetSeqs == b.sheetSeqs
            && a.lastSeq() == b.lastSeq() && a.entries.values.allSatisfy { a.score($0.seq) == b.score($0.seq) }
    }
}

extension Village {
    /// Whether nothing the village holds changed since `before`: its projections, its last sequence number and its
    /// log. `decide` refuses before anything is applied, so a refused command that changed any of them was partly
    /// written (an event applied before a later step threw, a sequence number used up).
    func isUnchanged(since before: Village) -> Bool {
        state == before.state && seq == before.seq && events == before.events
    }
}

@Suite struct Caps {
    /// For each period: the n-th score is allowed, the (n+1)-th refused, the next period allowed again.
    @Test(arguments: [
        ("A1.2", 4, ["2025-03-01", "2025-03-10", "2025-03-20", "2025-03-31"], "2025-03-15", "2025-04-01", "2025-03"),
        ("B2.2", 1, ["2025-01-05"], "2025-03-31", "2025-04-01", "2025-Q1"),
        ("C2.3", 2, ["2025-01-05", "2025-12-31"], "2025-07-01", "2026-01-01", "2025"),
    ] as [(String, Int, [String], String, String, String)])
    func edges(rule: String, count: Int, allowed: [String], refusedOn: String, nextPeriod: String, label: String) throws {
        var village = try Village()
        village.today = "2026-12-31"
        let command = Command.recordScore("H001", RuleCode(rawValue: rule), points: nil, note: "", source: nil)
        for date in allowed { try village.run(command, on: LocalDate(date)!) }
        let cap = village.scheme.rule(RuleCode(rawValue: rule))!.cap!
        #expect(village.rejection(command, on: LocalDate(refusedOn)!) == .capReached(RuleCode(rawValue: rule), cap, period: label, count: count))
        #expect(village.rejection(command, on: LocalDate(nextPeriod)!) == nil)
        // Another household is not affected by H001's cap.
        #expect(village.rejection(.recordScore("H002", RuleCode(rawValue: rule), points: nil, note: "", source: nil),
                                  on: LocalDate(refusedOn)!) == nil)
    }

    @Test func aReversedScoreNoLongerCountsTowardsTheCap() throws {
        var village = try Village()
        let command = Command.recordScore("H001", "A1.1", points: nil, note: "", source: nil)
        let first = try village.run(command, on: "2025-05-02")[0]
        #expect(village.rejection(command, on: "2025-05-20") != nil)
        try village.run(.reverse(.seq(first.seq), reason: "记错户"), on: "2025-05-20")
        #expect(village.rejection(command, on: "2025-05-20") == nil)
    }
}

@Suite struct Scoring {
    @Test func fixedAndRangedPointsTakeTheRulesSign() throws {
        var village = try Village()
        let award = try village.run(.recordScore("H001", "C1.2", points: 7, note: "调解纠纷", source: nil))
        let deduction = try village.run(.recordScore("H001", "A2.3", points: 6, note: "占道晾晒", source: nil))
        let signedDeduction = try village.run(.recordScore("H001", "A2.3", points: -8, note: "违规燃放", source: nil))
        let fixed = try village.run(.recordScore("H001", "B1.3", points: nil, note: "倒污水", source: nil))
        func points(_ events: [RecordedEvent]) -> Int {
            guard case .scoreRecorded(let score) = events[0].event else { return 0 }
            return score.points
        }
        #expect([points(award), points(deduction), points(signedDeduction), points(fixed)] == [7, -6, -8, -2])
        let account = village.account("H001")
        #expect((account.earned, account.deducted, account.available) == (7, 16, -9))
    }

    @Test func theEventKeepsTheRuleAsItWas() throws {
        var village = try Village()
        let events = try village.run(.recordScore("H001", "A1.2", points: nil, note: "", source: nil))
        guard case .scoreRecorded(let score) = events[0].event else { Issue.record("not a score"); return }
        #expect(score.rule.code == "A1.2" && score.rule.zh == "按时参加村民会议、院坝会" && score.rule.en == "Attends village meetings on time")
        #expect(score.rule.category == "A" && score.rule.indicator == "A1" && score.rule.points.description == "+1")
    }

    @Test func todayIsAllowedButNotTomorrow() throws {
        var village = try Village()
        #expect(village.rejection(.recordScore("H001", "D2.3", points: nil, note: "", source: nil), on: "2025-12-31") == nil)
    }
}

@Suite struct Shop {
    @Test func redemptionLowersBalanceAndStockAndItsReversalGivesThemBack() throws {
        var village = try Village()
        try village.run(.receiveStock("salt", quantity: 10, source: "县慈善总会捐赠"))
        try village.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil))
        let redemption = try village.run(.redeem("H001", "salt", quantity: 3))[0]
        #expect(village.account("H001").available == 1)
        #expect(village.account("H001").redeemed == 9)
        #expect(village.state.item("salt")!.stock == 7)
        try village.run(.reverse(.seq(redemption.seq), reason: "退货"))
        #expect(village.account("H001").available == 10)
        #expect(village.account("H001").redeemed == 0)
        #expect(village.state.item("salt")!.stock == 10)
    }

    @Test func exactlyTheAvailableBalanceCanBeSpent() throws {
        var village = try Village()
        try village.run(.receiveStock("salt", quantity: 10, source: ""))
        try village.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil))
        try village.run(.recordScore("H001", "A1.2", points: nil, note: "", source: nil))
        #expect(village.rejection(.redeem("H001", "salt", quantity: 1)) == nil)
        #expect(village.rejection(.redeem("H001", "salt", quantity: 1)) == .pointsShort("H001", available: 0, needed: 3))
    }

    @Test func reversingAStockReceiptTakesTheGoodsOff() throws {
        var village = try Village()
        let receipt = try village.run(.receiveStock("oil", quantity: 4, source: "采购"))[0]
        try village.run(.reverse(.seq(receipt.seq), reason: "数量写错"))
        #expect(village.state.item("oil")!.stock == 0)
    }
}

@Suite struct Register {
    @Test func movingAndClosingKeepTheAccount() throws {
        var village = try Village()
        try village.run(.recordScore("H001", "C2.3", points: nil, note: "", source: nil))
        try village.run(.moveHousehold("H001", to: "U02"))
        try village.run(.closeHousehold("H001", reason: "迁往县城"), on: "2025-06-01")
        let account = village.account("H001")
        #expect(account.unit == "U02" && account.status == .closed && account.closedOn == "2025-06-01" && account.available == 10)
        #expect(village.rejection(.moveHousehold("H001", to: "U01")) == .householdClosed("H001", on: "2025-06-01"))
    }

    @Test func aLeaderMustBelongToTheUnit() throws {
        var village = try Village()
        try village.run(.changeUnitLeader("U01", leader: "H002"))
        #expect(village.state.unit("U01")!.leader == "H002")
    }
}

/// Every refusal in Chinese too (`chinese`, what `jifen` prints unless English is asked for): one plain sentence for
/// the clerk, in Chinese punctuation, with no English left in it.
@Suite struct RejectionsInChinese {
    @Test func everyReasonReadsAsOneChineseSentence() throws {
        let reasons = RejectionTable.cases.map(\.expected) + [.ledgerNotOpened, .keyUsedForAnotherEntry(key: "k1", seq: 8)]
            + Self.facadeOnly
        #expect(Set(reasons.map(RejectionTable.reason)).count == RejectionTable.allReasons)
        for rejection in reasons + (try Self.wordedByDecide()) {
            let text = rejection.chinese
            #expect(Self.notPlainChinese(text).isEmpty, "\(RejectionTable.reason(rejection)): \(text) — \(Self.notPlainChinese(text))")
        }
    }

    /// Every value a refusal carries that a language words: each kind of free text, each problem with a code, each
    /// thing a role may be refused, every role; none is left in English.
    @Test func everyWordTheDataCarriesIsSaidInChinese() {
        let texts = FreeText.allCases.flatMap { what -> [Rejection] in
            [.textRequired(what: what), .textTooLong(what: what, lengthMax: 500), .controlCharacter(what: what, character: "U+0000")]
        }
        let problems: [CodeProblem] = [.empty, .longerThan(32), .startsLikeAFormula, .spaceOrControlCharacter, .controlCharacter,
                                       .controlCharacterOrLineBreak]
        let codes = problems.flatMap { problem -> [Rejection] in
            [CodeKind.household, .unit, .item].map { .codeInvalid(what: $0, code: "x", problem: problem) }
                + [.nameInvalid(name: "x", problem: problem), .keyInvalid(key: "x", problem: problem)]
        }
        let deeds = (Command.Kind.allCases.map(Deed.command) + [.correctScores, .correctShopEntries]).map {
            Rejection.roleNotAllowed("某", roles: Role.allCases, action: $0, allowed: Role.allCases)
        }
        for rejection in texts + codes + deeds {
            let text = rejection.chinese
            #expect(Self.notPlainChinese(text).isEmpty, "\(RejectionTable.reason(rejection)): \(text) — \(Self.notPlainChinese(text))")
            #expect(!Role.allCases.contains { text.contains($0.rawValue) }, "roles in Chinese: \(text)")
        }
    }

    /// Refusals of the facade (`Ledger.execute`) rather than of `decide`, each way they are worded.
    static let facadeOnly: [Rejection] = [
        .keyInvalid(key: "=k", problem: .startsLikeAFormula), .keyInvalid(key: "k\n1", problem: KeySyntax.problem(with: "k\n1") ?? .empty),
        .keyInvalid(key: String(repeating: "k", count: KeySyntax.lengthMax + 1),
                    problem: KeySyntax.problem(with: String(repeating: "k", count: KeySyntax.lengthMax + 1)) ?? .empty),
        .repeatedEntry(seq: 12, minutesAgo: 0, redemption: false), .repeatedEntry(seq: 12, minutesAgo: 59, redemption: true),
    ]

    /// What keeps a sentence from being plain Chinese: the empty list when nothing does.
    static func notPlainChinese(_ text: String) -> [String] {
        var problems: [String] = []
        if !text.hasSuffix("。") { problems.append("it does not end with 。") }
        if text.dropLast().contains("。") { problems.append("more than one sentence") }
        if !text.unicodeScalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }) { problems.append("no Chinese") }
        if text.contains("?") { problems.append("an ASCII ?") }
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        if parts.count % 2 == 0 { problems.append("a backtick without its pair") }
        // What is not a command line in backticks: Chinese punctuation, and never two English words in a row.
        let prose = parts.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
        for mark in [";", ",", "(", ")", ":"] where prose.contains(mark) { problems.append("an ASCII \(mark)") }
        // Words: runs of ASCII letters. Two of them one space apart are English, unless the first names an option
        // (`--role admin`).
        let characters = Array(prose)
        func isLetter(_ index: Int) -> Bool { characters[index].isASCII && (characters[index].isLetter || characters[index] == "'") }
        var index = 0, previous: (end: Int, option: Bool)?
        while index < characters.count {
            guard isLetter(index) else { index += 1; continue }
            let start = index
            while index < characters.count && isLetter(index) { index += 1 }
            if let previous, !previous.option, previous.end + 1 == start, characters[previous.end] == " " {
                problems.append("English words: …\(String(characters[start..<index]))")
            }
            previous = (index, start > 0 && characters[start - 1] == "-")
        }
        return problems
    }

    /// Refusals whose English carries words `decide` chooses (what a code or a text names, what is wrong with a code,
    /// where a score stands, who may do what): each as `decide` words it, so that the Chinese must say every one.
    static func wordedByDecide() throws -> [Rejection] {
        var found: [Rejection] = []
        for code in ["", "H 1", String(repeating: "H", count: CodeSyntax.lengthMax + 1)] {
            found.append(try refusal(.registerHousehold(HouseholdCode(rawValue: code), head: "某", unit: "U01", members: 1)))
        }
        found.append(try refusal(.addUnit("U 1", name: "一", leader: nil)))
        found.append(try refusal(.listItem("oil 2", name: "油", unit: "", price: 1)))
        let long = String(repeating: "长", count: Rejection.textLengthMax + 1)
        for text in ["", long] {
            found.append(try refusal(.closeHousehold("H001", reason: text)))
            found.append(try refusal(.addUnit("U09", name: text, leader: nil)))
            found.append(try refusal(.registerHousehold("H009", head: text, unit: "U01", members: 1)))
            found.append(try refusal(.listItem("rice", name: text, unit: "", price: 1)))
            let opening = Command.openLedger(ledgerId: "x", village: text, scheme: Village.reference, demo: false, admin: nil)
            do {
                _ = try decide(opening, context: CommandContext(actor: "张书记", today: "2025-03-01"), state: MemoryLedger())
                Issue.record("a village named \(text.count) characters is refused")
            } catch let rejection as Rejection {
                found.append(rejection)
            }
        }
        found.append(try refusal(.recordScore("H001", "A1.1", points: nil, note: long, source: nil)))
        found.append(try refusal(.receiveStock("salt", quantity: 1, source: long)))
        found.append(try refusal(.registerActor(ActorName(rawValue: String(repeating: "名", count: CodeSyntax.lengthMax + 1)),
                                                roles: [.admin], unit: nil)))
        // Codes and names a spreadsheet would run as formulas, or holding control characters; control characters in
        // every kind of free text.
        for code in ["=1+1", "@A1", "H\u{1B}1"] {
            found.append(try refusal(.registerHousehold(HouseholdCode(rawValue: code), head: "某", unit: "U01", members: 1)))
            found.append(try refusal(.registerActor(ActorName(rawValue: code), roles: [.admin], unit: nil)))
        }
        found += try HostileText.fields.map { try refusal($0.setup, $0.command("甲\u{1B}乙"), on: $0.date, by: $0.actor) }
        // Where a score stands: proposed, pending, posted, objected, final, taken back, not yet posted on the day.
        for state in [ReviewState.proposed, .pending, .posted, .objected] {
            found += [.notAwaitingReview(seq: 17, state: state), .scoreNotOnNotice(seq: 17, state: .review(state))]
        }
        let states: [Rejection] = [
            try refusal({ try $0.govern(); try $0.recordA11(); try $0.postMarch(); try $0.run(.closeNotice(march), on: "2025-04-08", by: "赵主任") },
                        .object(.seq(17), reason: "不对"), on: "2025-04-09"),
            try refusal({
                    try $0.govern(); try $0.recordA11()
                    try $0.run(.reverse(.seq(17), reason: "记错户"), on: "2025-03-20")
                    try $0.run(.approve(.seq(18)), on: "2025-03-21", by: "赵主任")
                }, .object(.seq(17), reason: "不对"), on: "2025-03-22"),
            try refusal({ try $0.govern(); try $0.recordA11(); try $0.postMarch() }, .object(.seq(17), reason: "不对"), on: "2025-03-31"),
        ]
        #expect(states == [.scoreNotOnNotice(seq: 17, state: .final), .scoreNotOnNotice(seq: 17, state: .takenBack),
                           .scoreNotOnNotice(seq: 17, state: .notYetPosted(on: "2025-03-31", posted: "2025-04-01"))])
        found += states
        // Who may do what: the auditor asks for every command; a clerk who reviews too lists goods; a reversal by the
        // wrong one of the clerk and the shopkeeper.
        for command in everyCommand {
            if case .openLedger = command { continue }
            let refused = try refusal({ try $0.govern() }, command, by: "刘审计")
            guard case .roleNotAllowed(_, let roles, let action, _) = refused, roles == [.auditor], action == .command(command.kind) else {
                Issue.record("the auditor may not \(command.action): \(refused)")
                continue
            }
            found.append(refused)
            #expect(!Role.allCases.contains { refused.chinese.contains($0.rawValue) }, "roles in Chinese: \(refused.chinese)")
        }
        found.append(try refusal({ try $0.govern() }, .listItem("rice", name: "大米", unit: "", price: 1), by: "钱委员"))
        found.append(try refusal({ try $0.govern(); try $0.recordA11() }, .reverse(.seq(17), reason: "记错户"), on: "2025-03-20", by: "李店长"))
        found.append(try refusal({ try $0.govern(); try $0.run(.receiveStock("salt", quantity: 2, source: ""), by: "李店长") },
                                 .reverse(.seq(17), reason: "数错"), by: "王会计"))
        return found
    }

    /// The refusal a command gets in the test village after `setup`.
    static func refusal(_ setup: (inout Village) throws -> Void, _ command: Command, on date: LocalDate? = nil,
                        by actor: String = "王会计", sourceLocation: SourceLocation = #_sourceLocation) throws -> Rejection {
        var village = try Village()
        try setup(&village)
        let refused = village.rejection(command, on: date, by: actor)
        return try #require(refused, "\(command) is refused", sourceLocation: sourceLocation)
    }

    static func refusal(_ command: Command, on date: LocalDate? = nil, by actor: String = "王会计",
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Rejection {
        try refusal({ _ in }, command, on: date, by: actor, sourceLocation: sourceLocation)
    }

    /// One command of every kind.
    static let everyCommand: [Command] = [
        .openLedger(ledgerId: "x", village: "别村", scheme: Village.reference, demo: false, admin: nil),
        .registerActor("孙", roles: [.clerk], unit: nil), .retireActor("王会计", reason: "换届"),
        .addUnit("U09", name: "第九联户", leader: nil), .changeUnitLeader("U01", leader: "H001"),
        .registerHousehold("H009", head: "赵", unit: "U01", members: 1), .moveHousehold("H001", to: "U02"),
        .closeHousehold("H001", reason: "迁出"), .reopenHousehold("H001", note: ""),
        .recordScore("H001", "A1.1", points: nil, note: "", source: nil),
        .reverse(.seq(3), reason: "错"), .listItem("rice", name: "大米", unit: "10 kg", price: 50),
        .receiveStock("salt", quantity: 1, source: ""), .redeem("H001", "salt", quantity: 1),
        .importSheet(sha256: "abc", fileName: "3月.csv", rows: 1), .approve(.seq(3)), .reject(.seq(3), reason: "不对"),
        .openNotice(march), .closeNotice(march), .object(.seq(3), reason: "不对"), .resolveObjection(.seq(3), .dismiss, reason: ""),
        .publishScheme(Village.reference, effective: "2025-06-01"), .settleYear(2025),
        .splitHousehold("H001", new: "H009", head: "王小福", unit: nil, members: 2, points: 0), .mergeHousehold("H002", into: "H001"),
        .printPassbook(PassbookPrinted(household: "H001", entries: [], page: 1, line: 1, balance: 0)),
        .recordCheckpoint(CheckpointRecorded(seq: 1, head: "00", time: "2025-01-01T00:00:00Z", signatures: [])),
        .setPassword("王会计", PasswordHash(encoded: "$2b$10$x")),
    ]

    /// A command's kind (the core's exhaustive `Command.kind`): a new command is a new kind, and the test below then
    /// fails until `everyCommand` has one of it.
    static func kind(_ command: Command) -> String { command.kind.rawValue }

    @Test func everyCommandHasOneToAskFor() {
        let asked = Set(Self.everyCommand.map(Self.kind))
        let missing = Command.Kind.allCases.map(\.rawValue).filter { !asked.contains($0) }
        #expect(missing.isEmpty, "commands with none to ask for: \(missing)")
    }
}
