import Jifen
import JifenCore

/// What to type to do what a refusal asks. The core says it in the domain's words ("add the household to the
/// register"); here, at the edge, `jifen` adds its own command or option (`jifen household add`), in Chinese and in
/// English. One row for every kind of refusal: a new kind does not build until it has its row (nil when the
/// sentence needs no command).
enum Hints {
    /// The refusal as `jifen` says it, with the command or option to use where the sentence says what to do.
    static func sentence(_ rejection: Rejection, _ language: Language) -> String {
        let how = hint(for: rejection)
        return language == .zh ? rejection.chinese(how: how?.zh) : rejection.english(how: how?.en)
    }

    /// A refused line of a batch as `jifen` says it: "第 3 行：…", "line 3: …".
    static func line(_ problem: LineProblem, _ language: Language) -> String {
        guard let rejection = problem.rejection else { return say(language, problem.chineseDescription, problem.description) }
        return say(language, "第 \(problem.line) 行：", "line \(problem.line): ") + sentence(rejection, language)
    }

    /// The command or option to use, in Chinese and in English; nil when there is none to add.
    static func hint(for rejection: Rejection) -> (zh: String, en: String)? {
        func both(_ text: String) -> (zh: String, en: String) { (text, text) }
        switch rejection.kind {
        case .ledgerNotOpened: return ("`jifen init --village 村名`", "`jifen init --village NAME`")
        case .ledgerAlreadyOpened: return ("--ledger 文件名", "--ledger FILE")
        case .actorRequired: return ("--by 姓名，或设置 JIFEN_ACTOR", "--by NAME, or set JIFEN_ACTOR")
        case .unitUnknown: return both("`jifen unit add`")
        case .householdUnknown: return both("`jifen household add`")
        case .membersOutOfRange: return both("--members")
        case .ruleUnknown: return both("`jifen scheme`")
        case .pointsRequired: return ("用 --points，或填在登记表的分值列", "--points, or the points column of a sheet")
        case .pointsDifferFromFixed: return ("不加 --points，或让登记表的分值格空着", "no --points, or an empty points cell")
        case .noteRequiredForDeduction: return ("用 --note，或填在登记表的备注列", "--note, or the note column of a sheet")
        case .eventUnknown: return ("`jifen log` 或 `jifen history`", "`jifen log` or `jifen history`")
        case .eventNotAnEntry:
            return ("`jifen household move` 或 `jifen household close`", "`jifen household move` or `jifen household close`")
        case .keyUsedForAnotherEntry, .keyInvalid: return both("--key")
        case .itemUnknown: return both("`jifen shop add`")
        case .priceOutOfRange: return both("--price")
        case .quantityOutOfRange: return both("--qty")
        case .stockShort: return both("`jifen shop restock`")
        case .rolesNotSetUp: return ("`jifen actor add 姓名 --role admin --by 姓名`", "`jifen actor add NAME --role admin --by NAME`")
        case .actorUnknown: return both("`jifen actor add`")
        case .rolesRequired: return both("--role")
        case .firstActorMustBeAdmin: return both("--role admin")
        case .leaderNeedsUnit: return ("--unit 联户编号", "--unit CODE")
        case .unitOnlyForLeaders:
            guard case .unitOnlyForLeaders(_, let unit) = rejection else { return nil }
            return ("--unit \(unit) 或 --role unit-leader", "--unit \(unit) or --role unit-leader")
        case .nothingToApprove, .notAwaitingReview, .noObjection: return both("`jifen review`")
        case .proposalNotReversed:
            guard case .proposalNotReversed(let seq) = rejection else { return nil }
            return ("`jifen reject \(seq) --reason 原因`", "`jifen reject \(seq) --reason TEXT`")
        case .scoreOnNotice:
            guard case .scoreOnNotice(let seq) = rejection else { return nil }
            return ("`jifen object \(seq) --reason 原因`", "`jifen object \(seq) --reason TEXT`")
        case .noticeExists:
            guard case .noticeExists(let period, closed: false) = rejection else { return nil }
            return both("`jifen notice close --period \(period)`")
        case .noticeNotOpen:
            guard case .noticeNotOpen(let period) = rejection else { return nil }
            return both("`jifen notice open --period \(period)`")
        case .periodNotOver, .settleBeforeClearing, .actionBeforeEntry: return both("--date")
        case .objectionsOpen: return both("`jifen resolve`")
        case .notAScore: return both("`jifen history`")
        case .schemeNotAfterLast, .schemeInNoticedPeriod, .schemeBehindScores: return both("--effective")
        case .mergeIntoItself: return both("--into")
        case .repeatedEntry: return both("--again")
        case .passbookUpToDate: return ("--reprint 页码", "--reprint PAGE")
        case .passwordRequired: return ("在终端输入，或用 --password-stdin 从标准输入提供", "type it on the terminal, or pass it with --password-stdin")
        case .passwordNotSet: return ("`jifen actor password 姓名 --by 管理员`", "`jifen actor password NAME --by ADMIN`")
        case .firstPasswordNotAdmins: return ("`jifen actor password 管理员 --by 管理员`", "`jifen actor password ADMIN --by ADMIN`")
        case .codeInvalid, .textRequired, .textTooLong, .dateInFuture, .unitExists, .householdExists, .householdClosed,
             .householdAlreadyInUnit, .householdNotClosed, .leaderNotInUnit, .pointsOutsideRange, .capReached, .reversalCannotBeReversed,
             .eventAlreadyReversed, .reversalBeforeEntry, .reversalWouldEmptyStock, .itemExists, .pointsShort,
             .pointsShortLater, .stockShortLater, .sheetAlreadyImported, .actorRetired, .actorExists, .auditorOnlyReads,
             .lastAdmin, .roleNotAllowed, .leaderOutsideUnit, .ownRequest, .reversalAlreadyRequested, .periodPosted,
             .noticeOverlaps, .proposalsWaiting, .noticeTooEarly, .scoreNotOnNotice, .alreadyObjected, .fixedRuleNotAmended,
             .amendmentChangesNothing, .settleTooEarly, .alreadySettled, .settleWithOpenNotice, .yearNotFinal, .blacklisted,
             .splitMoreThanAvailable, .ownObjection, .yearOutOfRange, .yearClosed, .openScoresOnMerge, .dateTooEarly,
             .nameInvalid, .controlCharacter:
            return nil
        }
    }
}
