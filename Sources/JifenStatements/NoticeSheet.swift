import JifenCore

/// The public notice sheet (公示榜) of a period, for the village notice board: every score of the period by joint
/// unit and household, and the day objections close.
public struct NoticeSheet: Hashable, Sendable, Encodable {
    public struct Score: Hashable, Sendable, Encodable {
        public var seq: Int64
        public var date: LocalDate
        public var rule: String
        public var zh: String
        public var en: String
        public var points: Int
        public var note: String
        /// pending (not yet posted), posted, objected or final.
        public var state: String

        public init(seq: Int64, date: LocalDate, rule: String, zh: String, en: String, points: Int, note: String, state: String) {
            self.seq = seq
            self.date = date
            self.rule = rule
            self.zh = zh
            self.en = en
            self.points = points
            self.note = note
            self.state = state
        }
    }

    public struct Household: Hashable, Sendable, Encodable {
        public var code: HouseholdCode
        public var head: String
        public var scores: [Score]

        public init(code: HouseholdCode, head: String, scores: [Score]) {
            self.code = code
            self.head = head
            self.scores = scores
        }

        public var total: Int { scores.reduce(0) { $0 + $1.points } }
    }

    public struct Unit: Hashable, Sendable, Encodable {
        public var code: UnitCode
        public var name: String
        public var leader: String?
        public var households: [Household]

        public init(code: UnitCode, name: String, leader: String?, households: [Household]) {
            self.code = code
            self.name = name
            self.leader = leader
            self.households = households
        }
    }

    public struct Blacklisted: Hashable, Sendable, Encodable {
        public var code: HouseholdCode
        public var head: String
        public var until: LocalDate

        public init(code: HouseholdCode, head: String, until: LocalDate) {
            self.code = code
            self.head = head
            self.until = until
        }
    }

    public var village: String
    public var period: String
    public var from: LocalDate
    public var to: LocalDate
    /// The notice's dates: posted on, objections until (the day before it may close); nil before it is posted.
    public var postedOn: LocalDate?
    public var objectionsUntil: LocalDate?
    public var closedOn: LocalDate?
    public var units: [Unit]
    /// Households on a black list on the day printed.
    public var blacklist: [Blacklisted]
    public var printedOn: LocalDate

    public init(village: String, period: String, from: LocalDate, to: LocalDate, postedOn: LocalDate?, objectionsUntil: LocalDate?,
                closedOn: LocalDate?, units: [Unit], blacklist: [Blacklisted], printedOn: LocalDate) {
        self.village = village
        self.period = period
        self.from = from
        self.to = to
        self.postedOn = postedOn
        self.objectionsUntil = objectionsUntil
        self.closedOn = closedOn
        self.units = units
        self.blacklist = blacklist
        self.printedOn = printedOn
    }
}

/// How names are shown on a public sheet.
public enum NameMasking: Sendable {
    /// 张*三: the personal-information law asks that a posted name not identify a person fully.
    case masked
    case full

    /// 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明; a Latin name keeps its first letter.
    public func apply(_ name: String) -> String {
        guard self == .masked else { return name }
        let characters = Array(name)
        switch characters.count {
        case 0, 1: return name
        case 2: return String(characters[0]) + "*"
        default: return String(characters[0]) + String(repeating: "*", count: characters.count - 2) + String(characters.last!)
        }
    }
}

/// The notice sheet as fixed-width text.
public struct TextNoticeSheet {
    public let sheet: NoticeSheet
    public let language: StatementLanguage
    public let masking: NameMasking
    /// Whether the black list is printed with full names: only when asked for explicitly.
    public let blacklistNames: Bool
    public let width: Int

    public init(_ sheet: NoticeSheet, language: StatementLanguage = .zh, masking: NameMasking, blacklistNames: Bool = false, width: Int = 80) {
        self.sheet = sheet
        self.language = language
        self.masking = masking
        self.blacklistNames = blacklistNames
        self.width = width
    }

    public func render() -> String {
        let s = sheet, l = language
        let layout = TextLayout(width: width)
        var out: [String] = []
        out.append(layout.center(l.say("\(s.village) 积分公示（\(s.period)）", "\(s.village) points notice (\(s.period))")))
        out.append(String(repeating: "=", count: width))
        out += layout.wrap(l.say("期间 \(s.from) 至 \(s.to)", "Period \(s.from) to \(s.to)"))
        if let posted = s.postedOn, let until = s.objectionsUntil {
            out += layout.wrap(s.closedOn.map { l.say("公示 \(posted) 起，已于 \($0) 结束，积分已生效。", "Posted \(posted), closed \($0); the points are final.") }
                ?? l.say("公示日期 \(posted)；如有异议，请于 \(until) 前向村委提出。", "Posted \(posted); objections to the village committee by \(until)."))
        } else {
            out += layout.wrap(l.say("（草稿：本期尚未公示）", "(Draft: this period is not posted yet.)"))
        }
        for unit in s.units {
            out.append(String(repeating: "-", count: width))
            out += layout.wrap(l.say("联户 \(unit.code) \(unit.name)", "Unit \(unit.code) \(unit.name)")
                               + (unit.leader.map { l.say("　联户长 \(masking.apply($0))", "   leader \(masking.apply($0))") } ?? ""))
            for household in unit.households {
                out.append(layout.pair("  \(household.code) \(masking.apply(household.head))", l.say("合计 \(signed(household.total))", "total \(signed(household.total))")))
                for score in household.scores {
                    let day = String(score.date.description.dropFirst(5))
                    let state = score.state == "objected" ? l.say("（有异议）", " (objected)") : ""
                    out.append(layout.pair("    \(day) \(score.rule) \(l == .zh ? score.zh : score.en)\(state)", signed(score.points)))
                    if !score.note.isEmpty { out += layout.wrap(l.say("说明：", "Note: ") + score.note, indent: 10) }
                }
            }
        }
        if !s.blacklist.isEmpty {
            out.append(String(repeating: "-", count: width))
            if masking == .masked || blacklistNames {
                out += layout.wrap(l.say("黑榜（暂停兑换）：", "Black list (no redemption): ")
                                   + s.blacklist.map { "\($0.code) \(masking == .masked ? NameMasking.masked.apply($0.head) : $0.head) " + l.say("至 \($0.until)", "until \($0.until)") }
                                    .joined(separator: l.say("；", "; ")))
            } else {
                out += layout.wrap(l.say("黑榜名单未打印：公开张贴须隐去姓名（--mask），或明示 --black-list-names。",
                                         "The black list is not printed: posting it needs masked names (--mask), or --black-list-names."))
            }
        }
        out.append(String(repeating: "=", count: width))
        out += layout.wrap(l.say("打印日期 \(s.printedOn)", "Printed \(s.printedOn)"))
        return out.map(layout.trimmed).joined(separator: "\n") + "\n"
    }
}
