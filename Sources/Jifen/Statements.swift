import Foundation
import JifenCore
import JifenStatements
import JifenStore

extension Ledger {
    /// A household's statement for a period, as the ledger stands now (printed on `printedOn`).
    public func statement(of household: HouseholdCode, period: ReportPeriod, printedOn: LocalDate) throws -> Statement {
        try read { session in
            guard try session.household(household) != nil else {
                throw Rejection.householdUnknown(household, suggestion: Nearest.code(to: household.rawValue, among: try session.codes(of: .household)))
            }
            return try Self.statements(session, only: household, period: period, printedOn: printedOn)[0]
        }
    }

    /// Statements of every household registered by the period's end, by code, from one snapshot of the ledger.
    public func statements(period: ReportPeriod, printedOn: LocalDate, progress: ((Int, Int) -> Void)? = nil) throws -> [Statement] {
        try read { session in try Self.statements(session, only: nil, period: period, printedOn: printedOn, progress: progress) }
    }

    /// Reads what the statements need in a few queries over the period (not one set per household), then builds
    /// each statement from its share.
    static func statements(_ session: StoreSession, only household: HouseholdCode?, period: ReportPeriod, printedOn: LocalDate,
                           progress: ((Int, Int) -> Void)? = nil) throws -> [Statement] {
        guard let info = try session.ledger() else { throw Rejection.ledgerNotOpened }
        let from = period.dates.lowerBound, to = period.dates.upperBound
        let table = try YearTable(session, year: to.year)
        let accounts = try household.map { [try session.household($0)].compactMap { $0 } }
            ?? session.households().filter { $0.registeredOn <= to }
        let dayBefore = LocalDate(daysSinceEpoch: from.daysSinceEpoch - 1)
        let opening = Dictionary(firstOf: try session.households(asOf: dayBefore, only: household).map { ($0.code, $0.available) })
        let closing = Dictionary(firstOf: try session.households(asOf: to, only: household).map { ($0.code, $0.available) })
        let reviews = Dictionary(firstOf: try (household.map { try session.reviews(of: $0) } ?? session.allReviews()).map { ($0.seq, $0) })
        let entries = Dictionary(firstOf: try session.entries(in: period.dates, household: household).map { ($0.seq, $0) })
        let events = Dictionary(grouping: try session.events(household: household, dates: period.dates)
                                    .filter { entries[$0.seq] != nil && $0.facts.household != nil },
                                by: { $0.facts.household! })
        let head = try session.headOfLog()
        let checkpoint = try session.checkpoints(latestOnly: true).first.map { filed in
            StatementCheckpoint(seq: filed.checkpoint.seq, head: filed.checkpoint.head, signedOn: beijingDate(filed.checkpoint.time) ?? filed.filedOn,
                                signatures: filed.checkpoint.signatures.count)
        }
        // The year's scores for the charts: the period's own when it starts the year, else read from January on.
        let january = LocalDate(year: to.year, month: 1, day: 1) ?? from
        let yearEntries = from == january ? entries
            : Dictionary(firstOf: try session.entries(in: january...to, household: household).map { ($0.seq, $0) })
        // Each score in its rule's category under the scheme in force on its day (a scheme published later, even one
        // not yet in force, changes no chart already printed); the chart's categories are those in force on its last day.
        let schemes = try session.schemes()
        let chartScheme = schemes.inForce(on: to)?.scheme ?? info.scheme
        var charts: [HouseholdCode: YearChart] = [:]
        for (seq, entry) in yearEntries {
            guard let code = entry.household, entry.kind == .score, entry.reversedBy == nil, reviews[seq] == nil,
                  entry.occurredOn >= january else { continue }
            var chart = charts[code] ?? Self.emptyChart(chartScheme, year: to.year, through: to)
            Self.add(entry, to: &chart, scheme: schemes.inForce(on: entry.occurredOn)?.scheme ?? chartScheme)
            charts[code] = chart
        }
        var statements: [Statement] = []
        for (index, account) in accounts.enumerated() {
            let mine = (events[account.code] ?? []).sorted { ($0.occurredOn, $0.seq) < ($1.occurredOn, $1.seq) }
            var statement = statement(info: info, account: account, period: period, opening: opening[account.code] ?? 0,
                                      closing: closing[account.code] ?? 0, events: mine, entries: entries, reviews: reviews,
                                      yearTable: table, headSeq: head.seq, headHash: head.hash.hex, checkpoint: checkpoint,
                                      printedOn: printedOn)
            statement.chart = charts[account.code] ?? Self.emptyChart(chartScheme, year: to.year, through: to)
            statements.append(statement)
            if index % 50 == 49 || index == accounts.count - 1 { progress?(index + 1, accounts.count) }
        }
        return statements
    }

    /// The year's final points of every household, with stars and ranks, computed once for a batch of statements.
    struct YearTable {
        let year: Int
        let points: [HouseholdCode: Int]
        let stars: [Int]
        let unitNames: [UnitCode: String]
        /// Every household's rank in its unit and in the village, and how many households each counts.
        let unitRanks: [HouseholdCode: Int]
        let villageRanks: [HouseholdCode: Int]
        let unitSizes: [UnitCode: Int]
        let villageSize: Int
        let openUnits: [HouseholdCode: UnitCode]

        init(_ session: StoreSession, year: Int) throws {
            self.year = year
            let dates = CapPeriod.year.bounds(of: LocalDate(year: year, month: 1, day: 1)!)
            let points = try session.yearFigures(in: dates).mapValues(\.points)
            self.points = points
            let info = try session.ledger()
            stars = (try session.schemes().inForce(on: dates.upperBound)?.scheme ?? info?.scheme)?.settings.stars ?? []
            unitNames = Dictionary(firstOf: try session.units().map { ($0.code, $0.name) })
            // Ranks among open households, 1 + how many have more points: ties share a rank.
            let open = try session.households().filter { $0.status == .open }
            func ranks(_ group: [HouseholdAccount]) -> [HouseholdCode: Int] {
                let sorted = group.map { (code: $0.code, points: points[$0.code] ?? 0) }.sorted { $0.points > $1.points }
                var ranks: [HouseholdCode: Int] = [:]
                for (index, entry) in sorted.enumerated() {
                    ranks[entry.code] = index > 0 && sorted[index - 1].points == entry.points ? ranks[sorted[index - 1].code]! : index + 1
                }
                return ranks
            }
            villageRanks = ranks(open)
            villageSize = open.count
            openUnits = Dictionary(firstOf: open.map { ($0.code, $0.unit) })
            var unitRanks: [HouseholdCode: Int] = [:], unitSizes: [UnitCode: Int] = [:]
            for (unit, members) in Dictionary(grouping: open, by: \.unit) {
                unitRanks.merge(ranks(members)) { a, _ in a }
                unitSizes[unit] = members.count
            }
            self.unitRanks = unitRanks
            self.unitSizes = unitSizes
        }

        /// A closed household is ranked where its points would place it among the open ones.
        func rank(of account: HouseholdAccount) -> (unit: Int, unitOf: Int, village: Int, villageOf: Int) {
            if let unit = unitRanks[account.code], let village = villageRanks[account.code] {
                return (unit, unitSizes[account.unit] ?? 0, village, villageSize)
            }
            let mine = points[account.code] ?? 0
            let above = villageRanks.keys.filter { (points[$0] ?? 0) > mine }
            let unitAbove = above.filter { openUnits[$0] == account.unit }
            return (1 + unitAbove.count, (unitSizes[account.unit] ?? 0) + 1, 1 + above.count, villageSize + 1)
        }
    }

    static func statement(info: LedgerInfo, account: HouseholdAccount, period: ReportPeriod, opening: Int, closing: Int,
                          events: [RecordedEvent], entries: [Int64: Entry], reviews: [Int64: ScoreReview], yearTable: YearTable,
                          headSeq: Int64, headHash: String, checkpoint: StatementCheckpoint?, printedOn: LocalDate) -> Statement {
        let household = account.code
        let from = period.dates.lowerBound, to = period.dates.upperBound
        var balance = opening
        var lines: [StatementLine] = []
        for recorded in events {
            let entry = entries[recorded.seq]!
            let points = entry.earned - entry.deducted - entry.redeemed
            guard let text = recorded.event.entryText(short: false),
                  let kind = StatementLine.Kind(recorded.event.entryKind) else { continue }
            let code = kind == .expiry || kind == .transfer ? "" : entry.rule?.rawValue ?? entry.item?.rawValue ?? ""
            let (zh, en, note) = (text.zh, text.en, text.note)
            let status: StatementLine.Status
            if entry.reversedBy != nil {
                status = .reversed
            } else if let review = reviews[recorded.seq] {
                switch review.state {
                case .proposed: status = .proposed
                case .pending: status = .pending
                case .posted: status = .posted
                case .objected: status = .objected
                }
            } else {
                status = .final
            }
            var line = StatementLine(seq: recorded.seq, date: recorded.occurredOn, kind: kind, code: code, zh: zh, en: en, points: points,
                                     note: note, by: recorded.actor.rawValue, status: status,
                                     other: entry.reversedBy ?? entry.reverses, balance: balance)
            if line.counts { balance += points }
            line.balance = balance
            lines.append(line)
        }
        let unitName = yearTable.unitNames[account.unit] ?? ""
        let yearPoints = yearTable.points[household] ?? 0
        let rank = yearTable.rank(of: account)
        return Statement(village: info.village, household: household, head: account.head, unit: account.unit, unitName: unitName,
                         closed: account.status == .closed, period: period.label, from: from, to: to, opening: opening,
                         closing: closing, lines: lines, available: account.available, pending: account.pending,
                         proposed: account.proposed, year: yearTable.year, yearPoints: yearPoints,
                         stars: yearTable.stars.filter { yearPoints >= $0 }.count, starsMax: yearTable.stars.count,
                         unitRank: rank.unit, unitHouseholds: rank.unitOf, villageRank: rank.village,
                         villageHouseholds: rank.villageOf, headSeq: headSeq, headHash: headHash, checkpoint: checkpoint,
                         printedOn: printedOn)
    }

    /// A year with nothing in it: twelve months, and the scheme's categories in its order.
    static func emptyChart(_ scheme: Scheme, year: Int, through: LocalDate) -> YearChart {
        YearChart(year: year, through: through, months: (1...12).map { YearChart.Month(month: $0) },
                  categories: scheme.categories.map { YearChart.Category(code: $0.code, zh: $0.zh, en: $0.en) })
    }

    /// Counts a final score into its month and its rule's category under `scheme` (a rule whose category is not among
    /// the chart's counts in its month only).
    static func add(_ entry: Entry, to chart: inout YearChart, scheme: Scheme) {
        let month = entry.occurredOn.month
        guard (1...12).contains(month) else { return }
        chart.months[month - 1].awards += entry.earned
        chart.months[month - 1].deductions += entry.deducted
        guard let rule = entry.rule.flatMap(scheme.rule), let category = scheme.category(of: rule),
              let index = chart.categories.firstIndex(where: { $0.code == category.code }) else { return }
        chart.categories[index].awards += entry.earned
        chart.categories[index].deductions += entry.deducted
    }

    /// The day in Beijing of a UTC instant written `YYYY-MM-DDTHH:MM:SS…Z`.
    static func beijingDate(_ instant: String) -> LocalDate? {
        guard instant.count >= 13, let day = LocalDate(String(instant.prefix(10))),
              let hour = Int(instant.dropFirst(11).prefix(2)) else { return nil }
        return hour >= 16 ? LocalDate(daysSinceEpoch: day.daysSinceEpoch + 1) : day
    }
}

extension VillageBooks {
    /// The notice sheet (公示榜) of a period: its scores by joint unit and household, as the books stand now (a
    /// village's file or a county's village alike).
    public func noticeSheet(period: NoticePeriod, printedOn: LocalDate) throws -> NoticeSheet {
        try readBooks { session in
            guard let info = try session.ledger() else { throw Rejection.ledgerNotOpened }
            let notice = try session.notices().first { $0.period == period.label }
            let reviews = Dictionary(firstOf: try session.allReviews().map { ($0.seq, $0) })
            let entries = Dictionary(firstOf: try session.entries(in: period.dates, household: nil).map { ($0.seq, $0) })
            var scores: [HouseholdCode: [NoticeSheet.Score]] = [:]
            for recorded in try session.events(from: 1, household: nil, dates: period.dates, limit: nil) {
                guard let entry = entries[recorded.seq], entry.kind == .score, entry.reversedBy == nil, let household = entry.household else { continue }
                let state: String
                switch reviews[recorded.seq]?.state {
                case .proposed?: continue
                case .pending?: state = "pending"
                case .posted?: state = "posted"
                case .objected?: state = "objected"
                case nil: state = "final"
                }
                guard let e = recorded.event.score else { continue }
                scores[household, default: []].append(NoticeSheet.Score(seq: recorded.seq, date: recorded.occurredOn, rule: e.rule.code.rawValue,
                                                                         zh: e.rule.zh, en: e.rule.en, points: e.points, note: e.note, state: state))
            }
            let households = try session.households()
            let heads = Dictionary(firstOf: households.map { ($0.code, $0.head) })
            var units: [NoticeSheet.Unit] = []
            for unit in try session.units() {
                let members = households.filter { $0.unit == unit.code && scores[$0.code] != nil }
                guard !members.isEmpty else { continue }
                units.append(NoticeSheet.Unit(code: unit.code, name: unit.name, leader: unit.leader.flatMap { heads[$0] },
                                              households: members.map {
                    NoticeSheet.Household(code: $0.code, head: $0.head,
                                          scores: scores[$0.code]!.sorted { ($0.date, $0.seq) < ($1.date, $1.seq) })
                }))
            }
            var blacklist: [NoticeSheet.Blacklisted] = []
            for settlement in try session.settlements() where settlement.settledOn <= printedOn {
                for rating in try session.ratings(year: settlement.year) {
                    if let until = rating.blackUntil, until > printedOn {
                        blacklist.append(NoticeSheet.Blacklisted(code: rating.household, head: heads[rating.household] ?? "", until: until))
                    }
                }
            }
            return NoticeSheet(village: info.village, period: period.label, from: period.dates.lowerBound, to: period.dates.upperBound,
                               postedOn: notice?.openedOn, objectionsUntil: notice.map { LocalDate(daysSinceEpoch: $0.closesOn.daysSinceEpoch - 1) },
                               closedOn: notice?.closedOn, units: units, blacklist: blacklist.sorted { $0.code.rawValue < $1.code.rawValue },
                               printedOn: printedOn)
        }
    }
}

extension Ledger {
    /// Brings a household's passbook up to date (补登): the final entries not yet printed, placed after the last
    /// line printed, recorded as an event in the same transaction so that the next update continues from there.
    public func updatePassbook(of household: HouseholdCode, by actor: String, printedOn: LocalDate) throws -> Passbook {
        let recordedAt = timestamp()
        let today = today()
        let checked = try passwordChecked(for: actor)
        return try LedgerError.translating { try store.write { session in
            let book = try Self.passbookHistory(session, household: household)
            let printed = Set(book.printed.map(\.seq))
            let reviews = Set(try session.reviews(of: household).map(\.seq))
            let entries = try session.entries(of: household).filter { !printed.contains($0.seq) && !reviews.contains($0.seq) }
            let events = Dictionary(firstOf: try session.events(household: household).map { ($0.seq, $0) })
            var position = book.printed.last.map { Passbook.next(page: $0.page, line: $0.line) } ?? (1, 1)
            var balance = book.printed.last?.balance ?? 0
            var lines: [Passbook.Line] = []
            for entry in entries.sorted(by: { ($0.occurredOn, $0.seq) < ($1.occurredOn, $1.seq) }) {
                guard let recorded = events[entry.seq] else { continue }
                balance += entry.earned - entry.deducted - entry.redeemed
                lines.append(Self.passbookLine(recorded, entry: entry, page: position.0, line: position.1, balance: balance))
                position = Passbook.next(page: position.0, line: position.1)
            }
            let update = PassbookPrinted(household: household, entries: lines.map(\.seq), page: lines.first?.page ?? position.0,
                                         line: lines.first?.line ?? position.1, balance: balance)
            let context = CommandContext(actor: ActorName(rawValue: actor), today: today, occurredOn: printedOn,
                                         passwordChecked: checked)
            try session.append(try decide(.printPassbook(update), context: context, state: session), recordedAt: recordedAt, key: nil,
                               newId: environment.newId)
            guard let account = try session.household(household), let info = try session.ledger() else { throw Rejection.ledgerNotOpened }
            return Passbook(village: info.village, household: household, head: account.head, unit: account.unit, lines: lines,
                            carried: book.printed.last?.balance ?? 0, copy: false, printedOn: printedOn)
        } }
    }

    /// A page printed before, printed again and marked as a copy.
    public func passbookPage(of household: HouseholdCode, page: Int, printedOn: LocalDate) throws -> Passbook {
        try read { session in
            guard let account = try session.household(household), let info = try session.ledger() else {
                throw Rejection.householdUnknown(household, suggestion: Nearest.code(to: household.rawValue, among: try session.codes(of: .household)))
            }
            let book = try Self.passbookHistory(session, household: household)
            let lines = book.printed.filter { $0.page == page }
            guard !lines.isEmpty else {
                let pages = book.printed.last?.page ?? 0
                throw PassbookPageMissing(household: household, page: page, pages: pages)
            }
            let before = book.printed.last { $0.page < page }?.balance ?? 0
            return Passbook(village: info.village, household: household, head: account.head, unit: account.unit, lines: lines,
                            carried: before, copy: true, printedOn: printedOn)
        }
    }

    /// Every line printed in the household's passbook so far, rebuilt from its update events.
    static func passbookHistory(_ session: StoreSession, household: HouseholdCode) throws -> (printed: [Passbook.Line], updates: Int) {
        let events = try session.events(household: household)
        let byId = Dictionary(firstOf: events.map { ($0.seq, $0) })
        let entries = Dictionary(firstOf: try session.entries(of: household).map { ($0.seq, $0) })
        var printed: [Passbook.Line] = [], updates = 0
        var balance = 0
        for recorded in events {
            guard case .passbookPrinted(let update) = recorded.event else { continue }
            updates += 1
            var position = (update.page, update.line)
            for seq in update.entries {
                guard let entry = entries[seq], let event = byId[seq] else { continue }
                balance += entry.earned - entry.deducted - entry.redeemed
                printed.append(passbookLine(event, entry: entry, page: position.0, line: position.1, balance: balance))
                position = Passbook.next(page: position.0, line: position.1)
            }
        }
        return (printed, updates)
    }

    static func passbookLine(_ recorded: RecordedEvent, entry: Entry, page: Int, line: Int, balance: Int) -> Passbook.Line {
        let text = recorded.event.entryText(short: true) ?? EntryText(zh: "#\(recorded.seq)", en: "#\(recorded.seq)")
        let moves = recorded.event.entryKind == .expiry || recorded.event.entryKind == .transfer
        let code = moves ? "" : entry.rule?.rawValue ?? entry.item?.rawValue ?? ""
        let (zh, en) = (text.zh, text.en)
        return Passbook.Line(page: page, line: line, seq: recorded.seq, date: recorded.occurredOn, code: code, zh: zh, en: en,
                             points: entry.earned - entry.deducted - entry.redeemed, balance: balance, by: recorded.actor.rawValue)
    }
}

/// A reprint of a page the passbook has not reached.
public struct PassbookPageMissing: Error, CustomStringConvertible {
    public let household: HouseholdCode
    public let page: Int
    public let pages: Int
    public var description: String {
        pages == 0 ? "Household \(household)'s passbook has no page printed yet; bring it up to date first with `jifen passbook \(household)`."
            : "Household \(household)'s passbook has pages 1 to \(pages) printed, not page \(page); give --reprint 1 to \(pages)."
    }
    public var chinese: String {
        pages == 0 ? "\(household) 户的存折还没有打印过任何一页；请先用 `jifen passbook \(household)` 补登。"
            : "\(household) 户的存折只打印了第 1 到 \(pages) 页，没有第 \(page) 页；请用 --reprint 给出 1 到 \(pages) 之间的页码。"
    }
}

extension StatementLine.Kind {
    /// A statement's line for an entry of this kind; nil for stock, which is on no household's statement.
    init?(_ kind: EntryKind?) {
        switch kind {
        case .score: self = .score
        case .redemption: self = .redemption
        case .reversal: self = .reversal
        case .expiry: self = .expiry
        case .transfer: self = .transfer
        case .stock, nil: return nil
        }
    }
}

extension Ledger {
    /// A blank tally form for a joint unit and a period: the unit's households open during it, `lines` empty lines
    /// each, and the rules of the scheme in force on the period's first day.
    public func tallyForm(unit code: UnitCode, period: NoticePeriod, lines: Int, printedOn: LocalDate) throws -> TallyForm {
        try read { session in
            guard let info = try session.ledger() else { throw Rejection.ledgerNotOpened }
            guard let unit = try session.unit(code) else {
                throw Rejection.unitUnknown(code, suggestion: Nearest.code(to: code.rawValue, among: try session.codes(of: .unit)))
            }
            let from = period.dates.lowerBound, to = period.dates.upperBound
            let households = try session.households()
                .filter { $0.unit == code && $0.registeredOn <= to && ($0.closedOn.map { $0 >= from } ?? true) }
                .sorted { $0.code.rawValue < $1.code.rawValue }
            let scheme = try session.schemes().inForce(on: from)?.scheme ?? info.scheme
            var rules: [TallyForm.RuleLine] = []
            for category in scheme.categories {
                for indicator in scheme.indicators where indicator.category == category.code {
                    for rule in scheme.rules where rule.indicator == indicator.code {
                        let period = rule.cap.map { ["month": ("月", "month"), "quarter": ("季度", "quarter"), "year": ("年", "year")][$0.period.rawValue] }
                        rules.append(TallyForm.RuleLine(
                            code: rule.code.rawValue, zh: rule.zh, en: rule.en, points: rule.points.description,
                            capZh: rule.cap.map { "每\(period??.0 ?? $0.period.rawValue) \($0.count) 次" },
                            capEn: rule.cap.map { "\($0.count)/\(period??.1 ?? $0.period.rawValue)" },
                            categoryZh: category.zh, categoryEn: category.en))
                    }
                }
            }
            return TallyForm(village: info.village, unit: code.rawValue, unitName: unit.name, period: period.label, from: from, to: to,
                             households: households.map { TallyForm.Household(code: $0.code.rawValue, head: $0.head) },
                             lines: lines, rules: rules, printedOn: printedOn)
        }
    }
}
