import Foundation
import Hummingbird
import Jifen
import JifenCore
import JifenStatements
import Mustache

// The residents' page (扫码积分): a household's card (`jifen household card`) holds a link BASE/h/CODE/TOKEN that opens
// this read-only page of that household's points, with no login: its balance, what is not yet final, and this year's
// entries. Nothing else is reachable from it. The token is checked against the bcrypt hash kept for the household's
// current card; a card issued again replaces it, and the old link then opens nothing.

/// What the server has checked of cards: a link checked once is known by its SHA-256 and the hash it matched, so that
/// later visits cost no bcrypt (a card issued anew has another hash, and the memory no longer matches); and wrong
/// tokens per household, so that a flood of them is refused before any slow hash is spent on it.
actor CardMemory {
    private var opened: [String: (hash: String, digest: String)] = [:]
    private var failures: [String: [Date]] = [:]
    let clock: @Sendable () -> Date
    static let failuresAllowed = 5
    static let window: TimeInterval = 15 * 60

    init(clock: @escaping @Sendable () -> Date) {
        self.clock = clock
    }

    func knows(_ household: String, token: String, hash: String) -> Bool {
        guard let entry = opened[household] else { return false }
        return entry.hash == hash && JifenService.same(entry.digest, Sessions.digest(token))
    }

    func remember(_ household: String, token: String, hash: String) {
        opened[household] = (hash, Sessions.digest(token))
        failures[household] = nil
    }

    /// Whether `household` has had too many wrong tokens lately.
    func refuses(_ household: String) -> Bool {
        let since = clock().addingTimeInterval(-Self.window)
        return (failures[household] ?? []).filter { $0 > since }.count >= Self.failuresAllowed
    }

    func failed(_ household: String) {
        let since = clock().addingTimeInterval(-Self.window)
        failures[household] = (failures[household] ?? []).filter { $0 > since } + [clock()]
    }
}

extension JifenService {
    func addResidentPages(to router: Router<ServerContext>, site: PageSite) {
        router.get("h/:household/:token") { _, context in
            let household = try JifenService.pathCode(context, "household")
            let token = try context.parameters.require("token")
            // The same answer for an unknown household, a household with no card and a wrong or replaced token.
            let nothing = APIError.notFound("这张积分卡无效或已被补发的新卡替换；请找村里的记分员。",
                                            "This card is not valid, or a new card replaced it; ask the village's clerk.")
            let code = HouseholdCode(rawValue: household)
            guard token.count >= 40, token.count <= 64, household.count <= 32 else { throw nothing }
            if await cards.refuses(household) {
                throw APIError(.tooManyRequests, "throttled", zh: "这户的积分卡最近被试错太多次；请过一刻钟再扫。",
                               en: "Too many wrong links for this household lately; scan again in a quarter of an hour.")
            }
            let current = try await door.read { try $0.cardHash(code) }
            var known = false
            if let current { known = await cards.knows(household, token: token, hash: current) }
            if !known {
                guard let matched = try await door.hash({ try $0.cardOpens(code, token: token) }) else {
                    await cards.failed(household)
                    throw nothing
                }
                await cards.remember(household, token: token, hash: matched)
            }
            let (history, today) = try await door.read { ledger in
                (HistoryView(try ledger.history(of: code), english: false), ledger.today())
            }
            // The shopkeeper who scans a card with the phone's camera lands here logged in: one tap to the shop.
            let shop = context.session?.roles.contains(.shopkeeper) == true
            return Self.householdPage(history, today: today, site: site, shop: shop)
        }
    }

    /// The check a statement's QR code opens (`jifen statement --public-url`): whether the log still holds, at the
    /// event the statement was printed at, the hash printed on it — the history it was printed from not rewritten —
    /// and the period's figures by the ledger now, to compare with the paper. It shows what the paper shows, so it
    /// needs no login.
    func addStatementCheck(to router: Router<ServerContext>, site: PageSite) {
        router.get("s/:household/:period/:seq/:hash") { _, context in
            let code = HouseholdCode(rawValue: try JifenService.pathCode(context, "household"))
            let hash = try context.parameters.require("hash").lowercased()
            guard let period = ReportPeriod(try context.parameters.require("period")),
                  let seq = Int64(try context.parameters.require("seq")), seq > 0, hash.count == 64 else {
                throw APIError.notFound("这个核对地址不完整；请直接扫对账单上的二维码。", "This check's address is incomplete; scan the statement's QR code itself.")
            }
            let found = try await door.read { ledger -> (Statement, String?, Int64)? in
                guard try ledger.household(code) != nil else { return nil }
                return (try ledger.statement(of: code, period: period, printedOn: ledger.today()), try ledger.hashHex(at: seq),
                        try ledger.head().seq)
            }
            guard let (statement, held, now) = found else { throw Self.unknownHousehold(code.rawValue) }
            var data: [String: Any] = [
                "village": site.village, "household": code.rawValue, "head": statement.head, "period": period.label,
                "seq": seq, "now": now, "opening": statement.opening, "closing": statement.closing,
            ]
            if held == hash {
                data["intact"] = true
            } else {
                data["problem"] = held == nil
                    ? "不一致：账本现在只有 \(now) 条事件，没有这张对账单打印时的第 \(seq) 条——账本被截断过。请马上告诉乡里的审计员。"
                    : "不一致：账本第 \(seq) 条事件的哈希不是这张对账单上印的——打印之后记录被改写过，或对账单不是这本账打印的。请马上告诉乡里的审计员。"
            }
            return PageResponse.render("check", data)
        }
    }

    static func householdPage(_ view: HistoryView, today: LocalDate, site: PageSite, shop: Bool = false) -> Response {
        let year = String(today.description.prefix(4))
        let entries: [[String: Any]] = view.entries.filter { $0.date.hasPrefix(year) && ($0.points != 0 || $0.rule != nil) }.reversed().map { line in
            let what: String
            if let rule = line.rule { what = "\(rule) \(line.ruleName ?? "")" }
            else if let item = line.item { what = "兑换 \(item) × \(line.quantity ?? 1)" }
            else { what = line.type }
            return ["date": line.date, "what": what, "points": line.points > 0 ? "+\(line.points)" : "\(line.points)",
                    "balance": "\(line.balance)", "note": line.note ?? "",
                    "state": line.reversedBy.map { _ in "已冲正" } ?? line.state.flatMap { ReviewState(rawValue: $0)?.zh } ?? ""]
        }
        let data: [String: Any] = [
            "village": site.village, "base": site.base, "household": view.household, "head": view.head, "unit": view.unit,
            "closed": view.status == "closed", "today": today.description, "year": year,
            "available": view.available, "pending": view.pending > 0 ? "+\(view.pending)" : "\(view.pending)",
            "proposed": view.proposed > 0 ? "+\(view.proposed)" : "\(view.proposed)",
            "hasPending": view.pending != 0, "hasProposed": view.proposed != 0,
            "earned": view.earned, "deducted": view.deducted, "redeemed": view.redeemed,
            "entries": entries, "hasEntries": !entries.isEmpty,
            "shop": shop, "shopLink": site.base + "/shop?household=\(view.household.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
        ]
        return PageResponse.render("household", data)
    }
}

extension VillagePages {
    /// A household's page for the people who keep or read the village's books (a county's server, which keeps no
    /// household cards: a resident's card link opens their village's own server): the same page a card opens.
    func addHousehold(to router: some RouterMethods<ServerContext>) {
        router.get("households/:household") { request, context in
            let (village, site) = try await enter(request, context, .read)
            let session = try context.requireSession()
            let code = HouseholdCode(rawValue: try JifenService.pathCode(context, "household"))
            let found = try await village.door.read { ledger -> (HistoryView, LocalDate)? in
                guard try ledger.household(code) != nil else { return nil }
                return (HistoryView(try ledger.history(of: code), english: false), ledger.environment.today())
            }
            guard let (history, today) = found else { throw JifenService.unknownHousehold(code.rawValue) }
            return JifenService.householdPage(history, today: today, site: site, shop: session.roles.contains(.shopkeeper))
        }
    }
}
