import Tagged

/// Every refusal in Chinese, for the clerks: one sentence saying what was wrong and what to do, as `description`
/// says it in English, worded from the refusal's data. Codes, numbers and dates are kept as they are.
extension Rejection {
    public var chinese: String { chinese(how: nil) }

    /// The refusal in Chinese. `how` is the caller's own way to do what the sentence asks (a command to type, an
    /// option to give); it is put where the sentence says what to do, and nil leaves the domain's words alone.
    public func chinese(how: String?) -> String {
        let hint = how.map { "（\($0)）" } ?? ""
        switch self {
        case .ledgerNotOpened:
            return "这个账本还没有建账；请先建账，写明村名\(hint)。"
        case .ledgerAlreadyOpened(let village):
            return "这个账本已经属于\(village)；别的村请另用一个账本\(hint)。"
        case .codeInvalid(let what, let code, let problem):
            let wrong = code.isEmpty ? "\(what.chinese)不能为空" : "\(what.chinese)「\(code)」\(problem.chinese)"
            return "\(wrong)；请用不含空格的简短编号，例如 H001。"
        case .textRequired(let what):
            return "必须填写\(what.chinese)；请补上后再试一次。"
        case .textTooLong(let what, let lengthMax):
            return "\(what.chinese)超过了 \(lengthMax) 个字；请写短一些。"
        case .actorRequired:
            return "每条记录都要写明是谁记的；请写上记账人的姓名\(hint)。"
        case .dateInFuture(let date, let today):
            return "日期 \(date) 在今天（\(today)）之后；还没发生的事不能提前记录，请核对日期。"
        case .unitExists(let unit):
            return "联户 \(unit) 已经存在；请换一个编号。"
        case .unitUnknown(let unit, let suggestion):
            return "没有联户 \(unit)\(Rejection.chineseDidYouMean(suggestion))；请核对编号，或先新增这个联户\(hint)。"
        case .householdExists(let household):
            return "登记册里已有农户 \(household)；请换一个户号。"
        case .householdUnknown(let household, let suggestion):
            return "登记册里没有农户 \(household)\(Rejection.chineseDidYouMean(suggestion))；请核对户号，或\(how.map { "用 \($0) 登记" } ?? "先登记这一户")。"
        case .householdClosed(let household, let on):
            return "农户 \(household) 已于 \(on) 销户；不能再为这户记录任何事项。"
        case .householdAlreadyInUnit(let household, let unit):
            return "农户 \(household) 已经在联户 \(unit) 里；不需要调动。"
        case .householdNotClosed(let household):
            return "农户 \(household) 仍在册，没有销户；只有已销户的农户才能恢复在册。"
        case .leaderNotInUnit(let household, let unit):
            return "农户 \(household) 不在联户 \(unit) 里；联户长必须是本联户的农户。"
        case .membersOutOfRange(let members):
            return "一户 \(members) 口人不合实际；请填写 1 到 \(Rejection.membersMax) 之间的人数\(hint)。"
        case .ruleUnknown(let rule, let suggestion):
            return "积分方案里没有积分标准 \(rule)\(Rejection.chineseDidYouMean(suggestion))；请对照积分方案里的各条标准核对编号\(hint)。"
        case .pointsRequired(let rule, let points):
            return "积分标准 \(rule) 的分值是 \(points)；请在 \(points.min) 到 \(points.max) 之间选定分值\(hint)。"
        case .pointsOutsideRange(let rule, let given, let points):
            return "积分标准 \(rule) 的分值是 \(points)，\(given) 不在这个范围内；请在 \(points.min) 到 \(points.max) 之间选定分值。"
        case .pointsDifferFromFixed(let rule, let given, let points):
            return "积分标准 \(rule) 固定为 \(points) 分，不是 \(given) 分；请不要填分值\(hint)。"
        case .noteRequiredForDeduction(let rule):
            return "积分标准 \(rule) 是扣分项，每次扣分都要写明原因；请说明发生了什么事\(hint)。"
        case .capReached(let rule, let cap, let period, let count):
            return "积分标准 \(rule) \(Rejection.chinesePer(cap.period))最多记 \(cap.count) 次，这户在 \(period) 已经记了 \(count) 次；请记在别的期间，或先冲正之前的一条。"
        case .eventUnknown(let ref):
            return "账本里没有记录 \(ref)；请在流水或农户的明细里查到它的编号\(hint)。"
        case .eventNotAnEntry(let seq):
            return "事件 #\(seq) 不是记分、兑换或入库记录，不能冲正；更正登记请改为调动或注销农户\(hint)。"
        case .reversalCannotBeReversed(let seq):
            return "记录 #\(seq) 本身就是一条冲正，不能再冲正；请把原来那条记录重新记一遍。"
        case .eventAlreadyReversed(let seq, let by):
            return "记录 #\(seq) 已经被 #\(by) 冲正过；同一条记录不能冲正两次。"
        case .reversalBeforeEntry(let seq, let entryDate, let date):
            return "记录 #\(seq) 的日期是 \(entryDate)，晚于冲正日期 \(date)；冲正的日期请定在原记录当天或之后。"
        case .nameInvalid(let name, let problem):
            return "姓名「\(name)」\(problem.chinese)；请按纸面上的写法填写姓名。"
        case .keyInvalid(let key, let problem):
            return "键「\(key)」\(problem.chinese)；请用字母、数字和连字符组成的键，例如 2025-03-H001-1。"
        case .controlCharacter(let what, let character):
            return "\(what.chinese)里有控制字符（\(character)）；请删去后重新填写。"
        case .repeatedEntry(let seq, let minutesAgo, let redemption):
            let ago = minutesAgo < 1 ? "不到 1 分钟前" : "\(minutesAgo) 分钟前"
            return "\(ago)刚记过一笔相同的\(redemption ? "兑换" : "记分")（#\(seq)），这次像是重试，没有写入；如果确实要再记一笔，请注明是第二笔后再记\(hint)。"
        case .passwordRequired(let actor):
            return "这本账已设密码，每次记账都要核对操作人的密码；请输入 \(actor) 的密码\(hint)。"
        case .passwordNotSet(let actor):
            return "这本账已设密码，但 \(actor) 还没有密码；请管理员先为 \(actor) 设置密码\(hint)。"
        case .firstPasswordNotAdmins:
            return "这本账还没有设过密码，第一个密码必须是管理员为自己设置的；请管理员先设置自己的密码\(hint)。"
        case .keyUsedForAnotherEntry(let key, let seq):
            return "键 \(key) 已经用在另一条不同的记录 #\(seq) 上；请给这条记录另起一个键\(hint)。"
        case .reversalWouldEmptyStock(let item, let stock, let quantity):
            return "货架上的 \(item) 只剩 \(stock) 件，少于这次入库的 \(quantity) 件；请先冲正相关的兑换记录。"
        case .itemExists(let item):
            return "积分超市已经有物品 \(item)；请换一个编号。"
        case .itemUnknown(let item, let suggestion):
            return "积分超市没有物品 \(item)\(Rejection.chineseDidYouMean(suggestion))；请先在积分超市上架\(hint)。"
        case .priceOutOfRange(let price):
            return "价格 \(price) 分不允许；请填写 1 到 \(Rejection.priceMax) 之间的价格\(hint)。"
        case .quantityOutOfRange(let quantity):
            return "数量 \(quantity) 不允许；请填写 1 到 \(Rejection.quantityMax) 之间的数量\(hint)。"
        case .pointsShort(let household, let available, let needed):
            return "农户 \(household) 的可用积分是 \(available) 分，不够所需的 \(needed) 分；请少兑换一些，或换便宜些的物品。"
        case .pointsShortLater(let household, let date, let lowest, let needed):
            return "农户 \(household) 今天的积分够用，但 \(date) 之后有一天只剩 \(lowest) 分，不够所需的 \(needed) 分，所以记在 \(date) 的兑换会透支；请把日期往后定，或少兑换一些。"
        case .stockShortLater(let item, let date, let lowest, let needed):
            return "\(date) 之后有一天货架上的 \(item) 只剩 \(lowest) 件，不够所需的 \(needed) 件，所以记在 \(date) 会让库存变成负数；请把日期往后定，或少取一些。"
        case .stockShort(let item, let stock, let needed):
            return "货架上的 \(item) 只剩 \(stock) 件，不够所需的 \(needed) 件；请先登记入库\(hint)。"
        case .sheetAlreadyImported(let fileName, let seq):
            return "这张登记表（\(fileName)）已经作为记录 #\(seq) 导入过；同一张表只能导入一次。"
        case .rolesNotSetUp:
            return "这个账本还没有登记任何人员，所以没有人能审核；请先登记一位管理员\(hint)。"
        case .actorUnknown(let actor, let suggestion):
            return "\(actor) 没有在这个账本登记\(Rejection.chineseDidYouMean(suggestion))；请管理员为这个人登记\(hint)。"
        case .actorRetired(let actor, let on):
            return "\(actor) 已于 \(on) 停用，不能再记账；请管理员登记现在负责这项工作的人。"
        case .actorExists(let actor, let roles):
            return "\(actor) 已经登记过（\(Rejection.chineseRoles(roles))）；要换别的角色重新登记，请先把这个人停用。"
        case .rolesRequired:
            return "每个人至少要有一个角色；请指定\(Rejection.chineseEither(Role.allCases.map(\.zh)))\(hint)。"
        case .firstActorMustBeAdmin:
            return "账本里登记的第一个人必须是管理员；请先登记一位管理员角色的人\(hint)。"
        case .auditorOnlyReads:
            return "审计员只查阅和核验账本，不能兼任别的角色；请单独登记审计员。"
        case .leaderNeedsUnit(let actor):
            return "\(actor) 登记为联户长，需要写明所在的联户；请写明联户编号\(hint)。"
        case .unitOnlyForLeaders(let actor, let unit):
            return "只有联户长才归属联户，而 \(actor) 不是联户长；请去掉联户 \(unit)，或同时给这个人联户长的角色\(hint)。"
        case .lastAdmin(let actor):
            return "\(actor) 是最后一位在岗的管理员；请先登记另一位管理员，再把这个人停用。"
        case .roleNotAllowed(let actor, let roles, let action, let allowed):
            return "\(actor)（\(Rejection.chineseRoles(roles))）不能\(action.chinese)；这项工作由\(Rejection.chineseEither(allowed.sorted().map(\.zh)))负责。"
        case .leaderOutsideUnit(let actor, let unit, let household, let householdUnit):
            let leads = unit.map { "是联户 \($0) 的联户长" } ?? "没有所属的联户"
            return "\(actor) \(leads)，而农户 \(household) 属于联户 \(householdUnit)；联户长只能为本联户的农户提议记分。"
        case .ownRequest(let seq, let actor):
            return "#\(seq) 是 \(actor) 自己提出的，本人不能批准或驳回；须由另一位审核员决定。"
        case .nothingToApprove(let seq):
            return "事件 #\(seq) 既不是提议记分，也不是冲正申请，没有什么要审核的；请查看待审核的事项\(hint)。"
        case .notAwaitingReview(let seq, let state):
            return "记分 #\(seq) 目前为「\(state.zh)」，并不在等待审核；请查看待审核的事项\(hint)。"
        case .proposalNotReversed(let seq):
            return "记分 #\(seq) 是还没审核的提议；请由审核员写明原因驳回，而不是冲正\(hint)。"
        case .reversalAlreadyRequested(let seq, let request):
            return "#\(seq) 已经有冲正申请 #\(request)；请由审核员批准或驳回这个申请。"
        case .scoreOnNotice(let seq):
            return "记分 #\(seq) 正在公示；请写明原因提出异议，而不是冲正\(hint)。"
        case .periodPosted(let date, let period, let closed):
            return closed
                ? "\(period) 的记分已经公示并生效，不能再记日期为 \(date) 的事项；请记在当前期间，并在备注里说明原因。"
                : "\(period) 的记分正在公示，不能再记日期为 \(date) 的事项；请记在当前期间，或对公示中的记分提出异议。"
        case .noticeExists(let period, let closed):
            return closed
                ? "\(period) 的公示已经结束，其中的记分都已生效；不需要再公示。"
                : "\(period) 的公示已经开始；公示期满后请结束公示\(hint)。"
        case .noticeOverlaps(let period, let other):
            return "期间 \(period) 与 \(other) 的公示重叠；每条记分只公示一次，按月或按季度公示，不能两样都用。"
        case .periodNotOver(let period, let lastDay):
            return "期间 \(period) 要到 \(lastDay) 才结束；请在这天或之后开始公示，日期写实际张贴的那天\(hint)。"
        case .proposalsWaiting(let period, let count, let first):
            return "\(period) 还有 \(count) 条提议记分等待审核（第一条是 #\(first)）；请先批准或驳回，再公示这个期间。"
        case .noticeNotOpen(let period):
            return "\(period) 没有正在进行的公示；请先开始公示\(hint)。"
        case .noticeTooEarly(let period, let closesOn, let days):
            return "\(period) 的公示要张贴满 \(days) 天，到 \(closesOn) 为止；请在这天或之后结束公示。"
        case .objectionsOpen(let period, let count, let first):
            return "\(period) 的记分还有 \(count) 条异议没有处理（第一条在 #\(first)）；请审核员先逐条处理，再结束公示\(hint)。"
        case .notAScore(let seq):
            return "事件 #\(seq) 不是记分，异议和改分只针对记分；请在农户的明细里查到记分的编号\(hint)。"
        case .scoreNotOnNotice(let seq, let state):
            return "记分 #\(seq) \(state.chinese)，不在公示中；异议只能在该期公示期间提出。"
        case .alreadyObjected(let seq, let objection):
            return "记分 #\(seq) 已经有一条异议（#\(objection)）在等审核员处理；如有补充，请当面向审核员说明。"
        case .noObjection(let seq):
            return "记分 #\(seq) 没有待处理的异议；请查看待处理的异议\(hint)。"
        case .fixedRuleNotAmended(let rule, let points):
            return "积分标准 \(rule) 固定为 \(points) 分，所以不能改分；请裁定异议成立或不成立。"
        case .amendmentChangesNothing(let seq, let points):
            return "记分 #\(seq) 已经是 \(Rejection.chineseSigned(points)) 分；要维持原分，请裁定异议不成立。"
        case .schemeNotAfterLast(let effective, let version, let lastEffective):
            return "积分方案 v\(version) 从 \(lastEffective) 起施行，所以新版本不能从 \(effective) 起施行；请让新版本在这天之后施行\(hint)。"
        case .schemeInNoticedPeriod(let effective, let period):
            return "\(period) 的记分已经按现行方案公示，所以新版本不能从 \(effective) 起施行；请让新版本在该期间之后施行\(hint)。"
        case .settleTooEarly(let year, let firstDay):
            return "\(year) 年还没有过完；请在 \(firstDay) 当天或之后进行年终结算。"
        case .alreadySettled(let year, let on):
            return "\(year) 年已于 \(on) 完成年终结算；每年只结算一次。"
        case .settleWithOpenNotice(let year, let period):
            return "\(period) 的公示还没有结束；请先结束公示，再进行 \(year) 年的年终结算。"
        case .yearNotFinal(let year, let count, let first):
            return "\(year) 年还有 \(count) 条记分没有生效（第一条是 #\(first)）；请先审核、公示并结束公示，再进行年终结算。"
        case .settleBeforeClearing(let year, let clearingDay):
            return "积分方案规定 \(clearingDay) 清零可用积分，所以 \(year) 年要在这天或之后结算；结算日期请定在 \(clearingDay) 或更晚\(hint)。"
        case .blacklisted(let household, let until):
            return "农户 \(household) 在黑榜上，到 \(until) 为止，在这之前不能兑换；请等到那天再兑换。"
        case .splitMoreThanAvailable(let household, let available, let points):
            return "农户 \(household) 的可用积分是 \(available) 分，少于要转出的 \(points) 分；转出的分数请在 0 到 \(max(available, 0)) 之间。"
        case .mergeIntoItself(let household):
            return "农户 \(household) 不能并入自己；请写明要并入的那一户\(hint)。"
        case .ownObjection(let seq, let actor):
            return "对 #\(seq) 的异议是 \(actor) 提出的，本人不能处理；须由另一位审核员决定。"
        case .yearOutOfRange(let year):
            return "\(year) 不是这个账本能记录的年份；请给出 2000 到 2999 之间的年份。"
        case .yearClosed(let year, let on):
            return "\(year) 年已于 \(on) 结算，不能再记入这一年；请记在当年，并在备注里说明原因。"
        case .actionBeforeEntry(let seq, let entryDate, let date):
            return "记录 #\(seq) 的日期是 \(entryDate)，晚于 \(date)；请把这次操作的日期定在该记录当天或之后\(hint)。"
        case .openScoresOnMerge(let household, let count):
            return "农户 \(household) 还有 \(count) 条记分没有生效；请等它们公示结束（或被驳回）后再合户。"
        case .dateTooEarly(let date):
            return "日期 \(date) 早于 2000 年，这个账本不记那么早的事；请核对年份。"
        case .schemeBehindScores(let effective, let latest):
            return "按现行方案的记分已经记到 \(latest)，所以新版本不能从 \(effective) 起施行；请让新版本在 \(latest) 之后施行\(hint)。"
        case .passbookUpToDate(let household):
            return "农户 \(household) 的存折已经是最新的，生效的记录都已打印；要重印某一页，请写明页码\(hint)。"
        }
    }

    /// "（是不是 H001？）" after a code that is not there, when one close to it is.
    private static func chineseDidYouMean(_ suggestion: String?) -> String {
        suggestion.map { "（是不是 \($0)？）" } ?? ""
    }

    private static func chineseSigned(_ points: Int) -> String { points > 0 ? "+\(points)" : "\(points)" }

    /// "每月", "每季度", "每年".
    private static func chinesePer(_ period: CapPeriod) -> String {
        switch period {
        case .month: return "每月"
        case .quarter: return "每季度"
        case .year: return "每年"
        }
    }

    /// "甲、乙或丙".
    private static func chineseEither(_ words: [String]) -> String {
        guard let last = words.last else { return "" }
        return words.count == 1 ? last : words.dropLast().joined(separator: "、") + "或" + last
    }

    /// A person's roles in Chinese: "记分员、超市管理员".
    private static func chineseRoles(_ roles: [Role]) -> String { roles.map(\.zh).joined(separator: "、") }

    /// What is wrong with a code, in Chinese (`CodeProblem.chinese`).
    static func chineseCodeProblem(_ problem: CodeProblem) -> String { problem.chinese }
}
