extension Rejection {
    /// Each case's name without its values: `Rejection.Kind.allCases` is every kind there is, so that a test can ask
    /// for one of each without keeping a count by hand.
    public enum Kind: String, CaseIterable, Sendable {
        case ledgerNotOpened
        case ledgerAlreadyOpened
        case codeInvalid
        case textRequired
        case textTooLong
        case actorRequired
        case dateInFuture
        case unitExists
        case unitUnknown
        case householdExists
        case householdUnknown
        case householdClosed
        case householdAlreadyInUnit
        case householdNotClosed
        case leaderNotInUnit
        case membersOutOfRange
        case ruleUnknown
        case pointsRequired
        case pointsOutsideRange
        case pointsDifferFromFixed
        case noteRequiredForDeduction
        case capReached
        case eventUnknown
        case eventNotAnEntry
        case reversalCannotBeReversed
        case eventAlreadyReversed
        case reversalBeforeEntry
        case keyUsedForAnotherEntry
        case reversalWouldEmptyStock
        case itemExists
        case itemUnknown
        case priceOutOfRange
        case quantityOutOfRange
        case pointsShort
        case pointsShortLater
        case stockShort
        case stockShortLater
        case sheetAlreadyImported
        case rolesNotSetUp
        case actorUnknown
        case actorRetired
        case actorExists
        case rolesRequired
        case firstActorMustBeAdmin
        case auditorOnlyReads
        case leaderNeedsUnit
        case unitOnlyForLeaders
        case lastAdmin
        case roleNotAllowed
        case leaderOutsideUnit
        case ownRequest
        case nothingToApprove
        case notAwaitingReview
        case proposalNotReversed
        case reversalAlreadyRequested
        case scoreOnNotice
        case periodPosted
        case noticeExists
        case noticeOverlaps
        case periodNotOver
        case proposalsWaiting
        case noticeNotOpen
        case noticeTooEarly
        case objectionsOpen
        case notAScore
        case scoreNotOnNotice
        case alreadyObjected
        case noObjection
        case fixedRuleNotAmended
        case amendmentChangesNothing
        case schemeNotAfterLast
        case schemeInNoticedPeriod
        case settleTooEarly
        case alreadySettled
        case settleWithOpenNotice
        case yearNotFinal
        case settleBeforeClearing
        case blacklisted
        case splitMoreThanAvailable
        case mergeIntoItself
        case ownObjection
        case yearOutOfRange
        case yearClosed
        case actionBeforeEntry
        case openScoresOnMerge
        case dateTooEarly
        case schemeBehindScores
        case passbookUpToDate
        case nameInvalid
        case keyInvalid
        case controlCharacter
        case repeatedEntry
        case passwordRequired
        case passwordNotSet
        case firstPasswordNotAdmins
    }

    public var kind: Kind {
        switch self {
        case .ledgerNotOpened: return .ledgerNotOpened
        case .ledgerAlreadyOpened: return .ledgerAlreadyOpened
        case .codeInvalid: return .codeInvalid
        case .textRequired: return .textRequired
        case .textTooLong: return .textTooLong
        case .actorRequired: return .actorRequired
        case .dateInFuture: return .dateInFuture
        case .unitExists: return .unitExists
        case .unitUnknown: return .unitUnknown
        case .householdExists: return .householdExists
        case .householdUnknown: return .householdUnknown
        case .householdClosed: return .householdClosed
        case .householdAlreadyInUnit: return .householdAlreadyInUnit
        case .householdNotClosed: return .householdNotClosed
        case .leaderNotInUnit: return .leaderNotInUnit
        case .membersOutOfRange: return .membersOutOfRange
        case .ruleUnknown: return .ruleUnknown
        case .pointsRequired: return .pointsRequired
        case .pointsOutsideRange: return .pointsOutsideRange
        case .pointsDifferFromFixed: return .pointsDifferFromFixed
        case .noteRequiredForDeduction: return .noteRequiredForDeduction
        case .capReached: return .capReached
        case .eventUnknown: return .eventUnknown
        case .eventNotAnEntry: return .eventNotAnEntry
        case .reversalCannotBeReversed: return .reversalCannotBeReversed
        case .eventAlreadyReversed: return .eventAlreadyReversed
        case .reversalBeforeEntry: return .reversalBeforeEntry
        case .keyUsedForAnotherEntry: return .keyUsedForAnotherEntry
        case .reversalWouldEmptyStock: return .reversalWouldEmptyStock
        case .itemExists: return .itemExists
        case .itemUnknown: return .itemUnknown
        case .priceOutOfRange: return .priceOutOfRange
        case .quantityOutOfRange: return .quantityOutOfRange
        case .pointsShort: return .pointsShort
        case .pointsShortLater: return .pointsShortLater
        case .stockShort: return .stockShort
        case .stockShortLater: return .stockShortLater
        case .sheetAlreadyImported: return .sheetAlreadyImported
        case .rolesNotSetUp: return .rolesNotSetUp
        case .actorUnknown: return .actorUnknown
        case .actorRetired: return .actorRetired
        case .actorExists: return .actorExists
        case .rolesRequired: return .rolesRequired
        case .firstActorMustBeAdmin: return .firstActorMustBeAdmin
        case .auditorOnlyReads: return .auditorOnlyReads
        case .leaderNeedsUnit: return .leaderNeedsUnit
        case .unitOnlyForLeaders: return .unitOnlyForLeaders
        case .lastAdmin: return .lastAdmin
        case .roleNotAllowed: return .roleNotAllowed
        case .leaderOutsideUnit: return .leaderOutsideUnit
        case .ownRequest: return .ownRequest
        case .nothingToApprove: return .nothingToApprove
        case .notAwaitingReview: return .notAwaitingReview
        case .proposalNotReversed: return .proposalNotReversed
        case .reversalAlreadyRequested: return .reversalAlreadyRequested
        case .scoreOnNotice: return .scoreOnNotice
        case .periodPosted: return .periodPosted
        case .noticeExists: return .noticeExists
        case .noticeOverlaps: return .noticeOverlaps
        case .periodNotOver: return .periodNotOver
        case .proposalsWaiting: return .proposalsWaiting
        case .noticeNotOpen: return .noticeNotOpen
        case .noticeTooEarly: return .noticeTooEarly
        case .objectionsOpen: return .objectionsOpen
        case .notAScore: return .notAScore
        case .scoreNotOnNotice: return .scoreNotOnNotice
        case .alreadyObjected: return .alreadyObjected
        case .noObjection: return .noObjection
        case .fixedRuleNotAmended: return .fixedRuleNotAmended
        case .amendmentChangesNothing: return .amendmentChangesNothing
        case .schemeNotAfterLast: return .schemeNotAfterLast
        case .schemeInNoticedPeriod: return .schemeInNoticedPeriod
        case .settleTooEarly: return .settleTooEarly
        case .alreadySettled: return .alreadySettled
        case .settleWithOpenNotice: return .settleWithOpenNotice
        case .yearNotFinal: return .yearNotFinal
        case .settleBeforeClearing: return .settleBeforeClearing
        case .blacklisted: return .blacklisted
        case .splitMoreThanAvailable: return .splitMoreThanAvailable
        case .mergeIntoItself: return .mergeIntoItself
        case .ownObjection: return .ownObjection
        case .yearOutOfRange: return .yearOutOfRange
        case .yearClosed: return .yearClosed
        case .actionBeforeEntry: return .actionBeforeEntry
        case .openScoresOnMerge: return .openScoresOnMerge
        case .dateTooEarly: return .dateTooEarly
        case .schemeBehindScores: return .schemeBehindScores
        case .passbookUpToDate: return .passbookUpToDate
        case .nameInvalid: return .nameInvalid
        case .keyInvalid: return .keyInvalid
        case .controlCharacter: return .controlCharacter
        case .repeatedEntry: return .repeatedEntry
        case .passwordRequired: return .passwordRequired
        case .passwordNotSet: return .passwordNotSet
        case .firstPasswordNotAdmins: return .firstPasswordNotAdmins
        }
    }
}

extension Command {
    /// Each case's name without its values: `Command.Kind.allCases` is every kind there is, so that a test can ask
    /// for one of each without keeping a count by hand.
    public enum Kind: String, CaseIterable, Sendable {
        case openLedger
        case registerActor
        case retireActor
        case addUnit
        case changeUnitLeader
        case registerHousehold
        case moveHousehold
        case closeHousehold
        case reopenHousehold
        case recordScore
        case reverse
        case listItem
        case receiveStock
        case redeem
        case importSheet
        case approve
        case reject
        case openNotice
        case closeNotice
        case object
        case resolveObjection
        case publishScheme
        case settleYear
        case splitHousehold
        case mergeHousehold
        case printPassbook
        case recordCheckpoint
        case setPassword
    }

    public var kind: Kind {
        switch self {
        case .openLedger: return .openLedger
        case .registerActor: return .registerActor
        case .retireActor: return .retireActor
        case .addUnit: return .addUnit
        case .changeUnitLeader: return .changeUnitLeader
        case .registerHousehold: return .registerHousehold
        case .moveHousehold: return .moveHousehold
        case .closeHousehold: return .closeHousehold
        case .reopenHousehold: return .reopenHousehold
        case .recordScore: return .recordScore
        case .reverse: return .reverse
        case .listItem: return .listItem
        case .receiveStock: return .receiveStock
        case .redeem: return .redeem
        case .importSheet: return .importSheet
        case .approve: return .approve
        case .reject: return .reject
        case .openNotice: return .openNotice
        case .closeNotice: return .closeNotice
        case .object: return .object
        case .resolveObjection: return .resolveObjection
        case .publishScheme: return .publishScheme
        case .settleYear: return .settleYear
        case .splitHousehold: return .splitHousehold
        case .mergeHousehold: return .mergeHousehold
        case .printPassbook: return .printPassbook
        case .recordCheckpoint: return .recordCheckpoint
        case .setPassword: return .setPassword
        }
    }
}
