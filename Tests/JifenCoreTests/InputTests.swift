import Testing
@testable import JifenCore

/// One free text a command carries, as a test fills it: the command around it, what `decide` calls it, and the ledger
/// in which the command would otherwise be accepted.
struct HostileText: Sendable, CustomTestStringConvertible {
    let what: FreeText
    let setup: @Sendable (inout Village) throws -> Void
    let command: @Sendable (String) -> Command
    let date: LocalDate?
    let actor: String
    let label: String
    var testDescription: String { label }

    init(_ label: String, _ what: FreeText, setup: @escaping @Sendable (inout Village) throws -> Void = { _ in }, on date: LocalDate? = nil,
         by actor: String = "王会计", _ command: @escaping @Sendable (String) -> Command) {
        self.label = label
        self.what = what
        self.setup = setup
        self.command = command
        self.date = date
        self.actor = actor
    }

    /// Every free text of every command but the village's name (which `openLedger` takes before there is a ledger).
    static let fields: [HostileText] = [
        HostileText("retirement reason", .reason, setup: { try $0.govern() }, by: "张书记") { .retireActor("王会计", reason: $0) },
        HostileText("unit name", .unitName) { .addUnit("U09", name: $0, leader: nil) },
        HostileText("head of household", .headName) { .registerHousehold("H009", head: $0, unit: "U01", members: 1) },
        HostileText("closing reason", .reason) { .closeHousehold("H001", reason: $0) },
        HostileText("note", .note) { .recordScore("H001", "A1.1", points: nil, note: $0, source: nil) },
        HostileText("reversal reason", .reason, setup: { try $0.recordA11() }, on: "2025-03-06") { .reverse(.seq(10), reason: $0) },
        HostileText("item name", .itemName) { .listItem("rice", name: $0, unit: "", price: 1) },
        HostileText("item unit", .itemUnit) { .listItem("rice", name: "大米", unit: $0, price: 1) },
        HostileText("stock source", .source) { .receiveStock("salt", quantity: 1, source: $0) },
        HostileText("sheet file name", .fileName) { .importSheet(sha256: "abc", fileName: $0, rows: 1) },
        HostileText("rejection reason", .reason, setup: {
            try $0.govern()
            try $0.run(.recordScore("H001", "C1.1", points: nil, note: "帮邻居", source: nil), on: "2025-03-20", by: "陈组长")
        }, on: "2025-03-21", by: "赵主任") { .reject(.seq(17), reason: $0) },
        HostileText("objection reason", .reason, setup: { try $0.govern(); try $0.recordA11(); try $0.postMarch() },
                    on: "2025-04-02", by: "钱委员") { .object(.seq(17), reason: $0) },
        HostileText("resolution reason", .reason, setup: {
            try $0.govern(); try $0.recordA11(); try $0.postMarch()
            try $0.run(.object(.seq(17), reason: "当天不在家"), on: "2025-04-02", by: "钱委员")
        }, on: "2025-04-03", by: "赵主任") { .resolveObjection(.seq(17), .dismiss, reason: $0) },
        HostileText("head of a split household", .headName, setup: { try $0.govern() }, by: "张书记") {
            .splitHousehold("H001", new: "H009", head: $0, unit: nil, members: 2, points: 0)
        },
    ]
}

/// Finding 5 of issue 11: control characters other than tab are refused in every free text, from every input (the CLI,
/// tally sheets and register imports all come through `decide`).
@Suite struct ControlCharacters {
    /// A NUL, a bell, an escape (which starts a terminal's escape sequences), a line feed, a carriage return, DEL, NEL
    /// (a C1 control), a line separator and a right-to-left override, each with its name in a message.
    static let forbidden: [(String, String)] = [
        ("\u{0}", "U+0000"), ("\u{7}", "U+0007"), ("\u{1B}", "U+001B"), ("\n", "U+000A"), ("\r", "U+000D"), ("\u{7F}", "U+007F"),
        ("\u{85}", "U+0085"), ("\u{2028}", "U+2028"), ("\u{202E}", "U+202E"),
    ]

    @Test(arguments: HostileText.fields)
    func everyFreeTextRefusesAControlCharacter(_ field: HostileText) throws {
        for (character, name) in Self.forbidden {
            var village = try Village()
            try field.setup(&village)
            let before = village
            let refused = village.rejection(field.command("帮邻居\(character)[2J抢收"), on: field.date, by: field.actor)
            #expect(refused == .controlCharacter(what: field.what, character: name), "\(field.label) with \(name)")
            let unchanged = village.isUnchanged(since: before)
            #expect(unchanged, "a refused command changes nothing")
        }
    }

    @Test(arguments: HostileText.fields)
    func aTabAndAnyPrintableTextAreAccepted(_ field: HostileText) throws {
        var village = try Village()
        try field.setup(&village)
        let text = "帮邻居\t抢收 — «玉米» 🌽 =1+1"
        #expect(village.rejection(field.command(text), on: field.date, by: field.actor) == nil, "\(field.label)")
    }

    @Test func theVillageNameRefusesAControlCharacter() throws {
        let opening = Command.openLedger(ledgerId: "x", village: "牛角\u{1B}]0;村", scheme: Village.reference, demo: false, admin: nil)
        #expect(throws: Rejection.controlCharacter(what: .villageName, character: "U+001B")) {
            try decide(opening, context: CommandContext(actor: "张书记", today: "2025-03-01"), state: MemoryLedger())
        }
    }
}

/// Finding 4 of issue 11: a code or a name that a spreadsheet would run as a formula, or that holds an invisible
/// character, is refused wherever it is first given; the characters are fine inside a code.
@Suite struct FormulaCodes {
    static let leads = ["=", "+", "-", "@"]

    @Test(arguments: leads)
    func everyNewCodeRefusesAFormulaLead(_ lead: String) throws {
        let code = lead + "1+1"
        let problem = CodeProblem.startsLikeAFormula
        let refusals: [(Command, String, Rejection)] = [
            (.registerHousehold(HouseholdCode(rawValue: code), head: "某", unit: "U01", members: 1), "王会计",
             .codeInvalid(what: .household, code: code, problem: problem)),
            (.addUnit(UnitCode(rawValue: code), name: "某", leader: nil), "王会计", .codeInvalid(what: .unit, code: code, problem: problem)),
            (.listItem(ItemCode(rawValue: code), name: "某", unit: "", price: 1), "王会计", .codeInvalid(what: .item, code: code, problem: problem)),
            (.registerActor(ActorName(rawValue: code), roles: [.admin], unit: nil), "王会计", .nameInvalid(name: code, problem: problem)),
            // Before roles, whoever writes is named by --by alone, and the name goes into the log as typed.
            (.registerHousehold("H009", head: "某", unit: "U01", members: 1), code, .nameInvalid(name: code, problem: problem)),
        ]
        for (command, actor, expected) in refusals {
            var village = try Village()
            #expect(village.rejection(command, by: actor) == expected)
        }
        var governed = try Village()
        try governed.govern()
        #expect(governed.rejection(.splitHousehold("H001", new: HouseholdCode(rawValue: code), head: "某", unit: nil, members: 1, points: 0),
                                   by: "张书记") == .codeInvalid(what: .household, code: code, problem: problem))
        let opening = Command.openLedger(ledgerId: "x", village: "牛角村", scheme: Village.reference, demo: false, admin: ActorName(rawValue: code))
        #expect(throws: Rejection.nameInvalid(name: code, problem: problem)) {
            try decide(opening, context: CommandContext(actor: "张书记", today: "2025-03-01"), state: MemoryLedger())
        }
    }

    @Test func invisibleCharactersAreRefusedInCodesAndNames() throws {
        for code in ["H\u{200B}1", "H\u{202E}1", "H\u{1B}1", "H\u{E000}1"] {
            var village = try Village()
            #expect(village.rejection(.registerHousehold(HouseholdCode(rawValue: code), head: "某", unit: "U01", members: 1))
                    == .codeInvalid(what: .household, code: code, problem: .spaceOrControlCharacter))
            #expect(village.rejection(.registerActor(ActorName(rawValue: "王\(code)"), roles: [.admin], unit: nil))
                    == .nameInvalid(name: "王\(code)", problem: .controlCharacter))
        }
    }

    @Test func theCharactersAreFineInsideACodeOrAName() throws {
        var village = try Village()
        #expect(village.rejection(.registerHousehold("H-1+2=3@", head: "某", unit: "U01", members: 1)) == nil)
        #expect(village.rejection(.registerActor("Wang Fang-Li", roles: [.admin], unit: nil)) == nil)
        #expect(village.rejection(.registerActor("王\u{3000}芳", roles: [.clerk], unit: nil), by: "Wang Fang-Li") == nil)
    }

    @Test func keysFollowTheirOwnRules() {
        #expect(KeySyntax.problem(with: "2025-03-H001-1") == nil)
        #expect(KeySyntax.problem(with: "sheet 3/line 4") == nil)
        #expect(KeySyntax.problem(with: "00000000-0000-4000-8000-000000000001") == nil)
        for lead in FormulaCodes.leads { #expect(KeySyntax.problem(with: lead + "k") == .startsLikeAFormula) }
        for key in ["k\n1", "k\t1", "k\u{0}", "k\u{202E}1"] { #expect(KeySyntax.problem(with: key) == .controlCharacterOrLineBreak) }
        #expect(KeySyntax.problem(with: "") == .empty)
        #expect(KeySyntax.problem(with: String(repeating: "k", count: KeySyntax.lengthMax + 1)) == .longerThan(128))
    }
}
