import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore
import JifenPostgres
import JifenStatements
import JifenStore
import MultipartKit
import NIOCore

// The desks: the clerk's (and a unit leader's), the reviewer's, the shop's and the auditor's. Each GET reads what its
// page shows in one call through the door; each form's POST checks the person's desk and the CSRF token, makes one
// write as the session's person (the ledger checks the role again, as for the API), and on success sends the browser
// back to its page (303) with what was done; a refusal from the ledger shows the page again with the refusal's
// sentence and the form as it was filled in.

/// What the clerk's page shows, read in one call.
struct ClerkDesk: Sendable {
    let today: LocalDate
    /// A unit leader who is not also a clerk: their scores are proposals, for their own unit's households only.
    let leaderOnly: Bool
    let unit: UnitCode?
    let households: [HouseholdAccount]
    let scheme: Scheme?
    /// What this person recorded today (recorded at, Beijing time).
    let entries: [RecordedEvent]
}

/// What the reviewer's page shows.
struct ReviewDesk: Sendable {
    let today: LocalDate
    let items: [ReviewItemView]
    let notes: [Int64: String]
    let heads: [String: String]
    let ruleNames: [String: String]
    let notices: [NoticeView]
}

extension VillagePages {
    func addDesks(to router: some RouterMethods<ServerContext>) {
        // MARK: The clerk

        router.get("clerk") { request, context in
            let (village, site) = try await enter(request, context, .read)
            let session = try Pages.at(.clerk, context)
            let query = request.uri.queryParameters
            var ok: String?
            if let scores = query["sheet"].flatMap({ Int(String($0)) }) { ok = "记分表已记入，共 \(scores) 条记分。" }
            let done = query["done"].flatMap { Int64(String($0)) }
            let proposed = query["proposed"].flatMap { Int64(String($0)) }
            return try await clerkPage(session, village, site: site, ok: ok, fresh: done ?? proposed, freshProposed: proposed != nil)
        }

        router.post("clerk/score") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.clerk, context)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            do {
                let points = try Pages.number(form["points"], name: "分值")
                let date = try JifenService.date(form["date"].flatMap { $0.isEmpty ? nil : $0 }, name: "日期")
                let typed = (form["household"] ?? "").trimmingCharacters(in: .whitespaces)
                let rule = RuleCode(typed: form["rule"] ?? "")
                let note = form["note"] ?? ""
                let key = form["key"].flatMap { $0.isEmpty ? nil : $0 }
                let household = try await village.door.read { ledger in try JifenService.household(typed, in: ledger) }
                let written = try await village.writes.write(WriteRequest(.recordScore(household, rule, points: points, note: note, source: nil),
                                                                          by: session.actor, on: date, key: key))
                guard let event = written.events.first else { return PageResponse.redirect(site.base + "/clerk") }
                let proposed = event.event.typeName.hasSuffix("scoreProposed")
                return PageResponse.redirect(site.base + "/clerk?\(proposed ? "proposed" : "done")=\(event.seq)")
            } catch {
                return try await clerkPage(session, village, site: site, error: APIError(error), form: form)
            }
        }

        router.post("clerk/sheet") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.clerk, context)
            let upload = try await JifenService.upload(request, context)
            let session = try Pages.acting(["csrf": upload.csrf], context)
            do {
                let summary = try await village.door.run { books in
                    try books.importTallySheet(.csv(upload.data), fileName: upload.fileName, by: session.actor, progress: nil)
                }
                return PageResponse.redirect(site.base + "/clerk?sheet=\(summary.scores)")
            } catch {
                return try await clerkPage(session, village, site: site, error: APIError(error))
            }
        }

        // MARK: The reviewer

        router.get("review") { request, context in
            let (village, site) = try await enter(request, context, .read)
            let session = try Pages.at(.review, context)
            let query = request.uri.queryParameters
            let seq = query["seq"].map(String.init) ?? ""
            let ok: String? = switch query["ok"].map(String.init) {
            case "approved": "已批准第 \(seq) 号。"
            case "rejected": "已驳回第 \(seq) 号。"
            case "settled": "第 \(seq) 号的异议已处理。"
            case "opened": "\(seq) 的公示已开始。"
            case "closed": "\(seq) 的公示已结束，积分生效。"
            default: nil
            }
            return try await reviewPage(session, village, site: site, ok: ok)
        }

        router.post("review/approve") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.review, context)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            return try await reviewWrite(session, village, site: site, form: form) { seq in
                (.approve(.seq(try JifenService.formSeq(seq))), "approved", seq ?? "")
            }
        }

        router.post("review/reject") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.review, context)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            return try await reviewWrite(session, village, site: site, form: form) { seq in
                (.reject(.seq(try JifenService.formSeq(seq)), reason: form["reason"] ?? ""), "rejected", seq ?? "")
            }
        }

        router.post("review/objection") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.review, context)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            return try await reviewWrite(session, village, site: site, form: form) { seq in
                let resolution: Resolution
                switch form["resolution"] {
                case "uphold": resolution = .uphold
                case "dismiss": resolution = .dismiss
                case "amend":
                    guard let points = try Pages.number(form["points"], name: "改后的分值") else {
                        throw APIError.badRequest("改分须填写改后的分值。", "Amending needs the new points.")
                    }
                    resolution = .amend(points: points)
                default:
                    throw APIError.badRequest("请选择维持、撤销或改分。", "Choose uphold, dismiss or amend.")
                }
                return (.resolveObjection(.seq(try JifenService.formSeq(seq)), resolution, reason: form["reason"] ?? ""), "settled", seq ?? "")
            }
        }

        router.post("review/notice") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.review, context)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            return try await reviewWrite(session, village, site: site, form: form) { _ in
                guard let text = form["period"], let period = NoticePeriod(text) else {
                    throw APIError.badRequest("请选择公示的月份。", "Choose the notice's month.")
                }
                switch form["action"] {
                case "open": return (.openNotice(period), "opened", period.label)
                case "close": return (.closeNotice(period), "closed", period.label)
                default: throw APIError.badRequest("请选择开始或结束公示。", "Choose open or close.")
                }
            }
        }

        // MARK: The shop

        router.get("shop") { request, context in
            let (village, site) = try await enter(request, context, .read)
            let session = try Pages.at(.shop, context)
            let query = request.uri.queryParameters
            let code = (query["household"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
            let redeemed = query["ok"] == "redeemed" ? query["seq"].flatMap { Int64(String($0)) } : nil
            return try await shopPage(session, village, site: site, code: code, redeemed: redeemed)
        }

        router.post("shop/redeem") { request, context in
            let (village, site) = try await enter(request, context, .write)
            _ = try Pages.at(.shop, context)
            let form = try await Pages.form(request)
            let session = try Pages.acting(form, context)
            let code = (form["household"] ?? "").trimmingCharacters(in: .whitespaces)
            do {
                let quantity = try Pages.number(form["quantity"], name: "数量") ?? 1
                let item = ItemCode(typed: form["item"] ?? "")
                let key = form["key"].flatMap { $0.isEmpty ? nil : $0 }
                let written = try await village.writes.write(WriteRequest(.redeem(HouseholdCode(typed: code), item, quantity: quantity),
                                                                          by: session.actor, key: key))
                let seq = written.events.first?.seq ?? 0
                return PageResponse.redirect(site.base + "/shop?household=\(JifenService.queryValue(code))&ok=redeemed&seq=\(seq)")
            } catch {
                return try await shopPage(session, village, site: site, code: code, error: APIError(error))
            }
        }

        router.get("shop/receipt/:seq") { request, context in
            let (village, site) = try await enter(request, context, .read)
            _ = try Pages.at(.shop, context)
            let seq = try JifenService.number(context.parameters.get("seq"), name: "seq", default: 0, range: 1...Int64.max)
            let receipt = try await village.door.read { try $0.receipt(for: [seq]) }
            return PageResponse.render("receipt", ["seq": seq, "household": receipt.household, "text": receipt.text(paper: .mm58)]
                                       .merging(Pages.base(site: site, session: context.session, current: .shop)) { a, _ in a })
        }

        // MARK: The auditor

        router.get("audit") { request, context in
            let (village, site) = try await enter(request, context, .read)
            let session = try Pages.at(.audit, context)
            let verify = request.uri.queryParameters["verify"] != nil
            let (head, report, file) = try await village.door.heavy { books -> (LogHead, VerifyReport?, Bool) in
                guard let ledger = books.file else { return (try books.head(), nil, false) }
                return (try ledger.head(), verify ? try ledger.verify(audit: false) : nil, true)
            }
            var data = Pages.base(site: site, session: session, current: .audit)
            data["events"] = report?.events ?? head.seq
            data["head"] = report?.headHex ?? head.hex
            data["file"] = file
            if let report {
                data["verified"] = ["valid": report.isValid,
                                    "problems": report.problems.map { ["hasSeq": $0.seq > 0, "seq": $0.seq, "text": $0.chinese] as [String: Any] }]
                    as [String: Any]
            } else if verify {
                // A county's village: its chain checked link by link from the first event to the head (`replay`), which
                // stops at the first that does not hold.
                let problem: (seq: Int64, text: String)? = try await village.door.heavy { books in
                    do {
                        _ = try books.replay(through: head.seq)
                        return nil
                    } catch PostgresStoreError.damaged(_, let seq, _) {
                        return (seq, "这条记录接不上前一条，或它的哈希不是按它的内容算的；请马上告诉县里的管理员。")
                    }
                }
                data["verified"] = ["valid": problem == nil,
                                    "problems": problem.map { [["hasSeq": $0.seq > 0, "seq": $0.seq, "text": $0.text] as [String: Any]] } ?? []]
                    as [String: Any]
            }
            return PageResponse.render("audit", data)
        }

        router.get("audit/export.jsonl") { request, context in
            let (village, _) = try await enter(request, context, .read)
            _ = try Pages.at(.audit, context)
            return try await Self.exportResponse(village.door, csv: false)
        }

        router.get("audit/export.csv") { request, context in
            let (village, _) = try await enter(request, context, .read)
            _ = try Pages.at(.audit, context)
            return try await Self.exportResponse(village.door, csv: true)
        }
    }


    func clerkPage(_ session: Sessions.Session, _ village: VillageReach<Books>, site: PageSite, ok: String? = nil, fresh: Int64? = nil, freshProposed: Bool = false,
                   error: APIError? = nil, form: [String: String] = [:]) async throws -> Response {
        let desk = try await village.door.read { ledger -> ClerkDesk in
            let today = ledger.environment.today()
            let me = try ledger.actors().first { $0.name.rawValue == session.actor }
            let leaderOnly = session.roles.contains(.leader) && !session.roles.contains(.clerk)
            let unit = leaderOnly ? me?.unit : nil
            let households = try ledger.households().filter { $0.status == .open && (unit == nil || $0.unit == unit) }
            let start = try ledger.lastSeq(recordedBy: LocalDate(daysSinceEpoch: today.daysSinceEpoch - 1)) + 1
            let entries = try ledger.logPage(from: start).filter { $0.actor.rawValue == session.actor && $0.event.score != nil }
            return ClerkDesk(today: today, leaderOnly: leaderOnly, unit: unit, households: households,
                             scheme: try ledger.schemes().last?.scheme, entries: entries)
        }
        var data = Pages.base(site: site, session: session, current: .clerk)
        data["leader"] = desk.leaderOnly
        data["unit"] = desk.unit?.rawValue ?? ""
        data["today"] = desk.today.description
        data["key"] = Pages.formKey()
        if let ok { data["ok"] = ok }
        if let error { data["error"] = Pages.errorBox(error) }
        data["households"] = desk.households.map { ["code": $0.code.rawValue, "head": $0.head] }
        let heads = Dictionary(desk.households.map { ($0.code.rawValue, $0.head) }, uniquingKeysWith: { a, _ in a })
        let chosen = form["rule"] ?? ""
        var chosenRule: Rule?
        var groups: [[String: Any]] = []
        if let scheme = desk.scheme {
            for indicator in scheme.indicators {
                let rules = scheme.rules.filter { $0.indicator == indicator.code }
                guard !rules.isEmpty else { continue }
                groups.append(["label": "\(indicator.code) \(indicator.zh)", "rules": rules.map { rule -> [String: Any] in
                    if rule.code.rawValue == chosen { chosenRule = rule }
                    return ["code": rule.code.rawValue, "name": rule.zh, "range": JifenService.range(rule.points), "min": rule.points.min,
                            "max": rule.points.max, "deduction": rule.points.direction == .deduction ? "true" : "false",
                            "selected": rule.code.rawValue == chosen]
                }])
            }
        }
        data["groups"] = groups
        data["form"] = ["household": form["household"] ?? "", "points": form["points"] ?? "", "note": form["note"] ?? "",
                        "date": form["date"].flatMap { $0.isEmpty ? nil : $0 } ?? desk.today.description,
                        "hasRange": chosenRule.map { !$0.points.isFixed } ?? false,
                        "min": chosenRule?.points.min ?? 0, "max": chosenRule?.points.max ?? 0,
                        "noteRequired": chosenRule?.points.direction == .deduction] as [String: Any]
        let entries: [[String: Any]] = desk.entries.reversed().compactMap { recorded in
            guard let score = recorded.event.score else { return nil }
            let household = score.household.rawValue
            return ["seq": recorded.seq, "household": household, "head": heads[household] ?? "", "rule": score.rule.code.rawValue,
                    "ruleName": score.rule.zh, "points": Pages.signed(score.points), "note": score.note, "hasNote": !score.note.isEmpty,
                    "proposed": recorded.event.typeName.hasSuffix("scoreProposed"), "fresh": recorded.seq == fresh]
        }
        data["entries"] = entries
        data["hasEntries"] = !entries.isEmpty
        // What was just recorded, said in full; the number alone when it is not among today's (another day's page).
        if let fresh {
            let what = desk.entries.first { $0.seq == fresh }?.event.score.map { score in
                "：\(score.household) \(heads[score.household.rawValue] ?? "") \(score.rule.code) \(score.rule.zh) \(Pages.signed(score.points)) 分"
            } ?? ""
            data["ok"] = freshProposed ? "已提交第 \(fresh) 号\(what)，等审核员批准后生效。" : "已记入第 \(fresh) 号\(what)。"
        }
        return PageResponse.render("clerk", data, status: error?.status ?? .ok)
    }

    func reviewPage(_ session: Sessions.Session, _ village: VillageReach<Books>, site: PageSite, ok: String? = nil, error: APIError? = nil,
                    form: [String: String] = [:]) async throws -> Response {
        let desk = try await village.door.read { ledger -> ReviewDesk in
            let items = try ledger.reviewQueue().items
            var notes: [Int64: String] = [:]
            for item in items where item.kind != .reversal {
                if let note = try ledger.logPage(from: item.seq, limit: 1).first?.event.score?.note, !note.isEmpty { notes[item.seq] = note }
            }
            let heads = Dictionary(try ledger.households().map { ($0.code.rawValue, $0.head) }, uniquingKeysWith: { a, _ in a })
            var ruleNames: [String: String] = [:]
            for version in try ledger.schemes() { for rule in version.scheme.rules { ruleNames[rule.code.rawValue] = rule.zh } }
            return ReviewDesk(today: ledger.environment.today(), items: items, notes: notes, heads: heads, ruleNames: ruleNames,
                              notices: try ledger.notices().map(NoticeView.init).reversed())
        }
        var data = Pages.base(site: site, session: session, current: .review)
        if let ok { data["ok"] = ok }
        if let error { data["error"] = Pages.errorBox(error) }
        data["today"] = desk.today.description
        // The month before this one is the one usually put on notice.
        let month = desk.today.month == 1 ? (desk.today.year - 1, 12) : (desk.today.year, desk.today.month - 1)
        data["period"] = form["period"] ?? String(format: "%04d-%02d", month.0, month.1)
        data["count"] = desk.items.count
        data["hasItems"] = !desk.items.isEmpty
        data["items"] = desk.items.map { item -> [String: Any] in
            let kindLabel = switch item.kind {
            case .proposed: "联户长建议的记分"
            case .objected: "有异议的记分"
            case .reversal: "更正申请"
            }
            return ["seq": item.seq, "kindLabel": kindLabel, "date": item.date, "hasHousehold": item.household != nil,
                    "household": item.household ?? "", "head": item.household.flatMap { desk.heads[$0] } ?? "",
                    "hasRule": item.rule != nil, "rule": item.rule ?? "", "ruleName": item.rule.flatMap { desk.ruleNames[$0] } ?? "",
                    "points": Pages.signed(item.points ?? 0), "hasNote": desk.notes[item.seq] != nil, "note": desk.notes[item.seq] ?? "",
                    "byLabel": item.kind == .objected ? "提出异议" : (item.kind == .reversal ? "申请人" : "记录人"), "by": item.by,
                    "hasReason": item.reason != nil, "reason": item.reason ?? "",
                    "decide": item.kind != .objected, "objected": item.kind == .objected]
        }
        data["hasNotices"] = !desk.notices.isEmpty
        data["notices"] = desk.notices.map { n -> [String: Any] in
            let state = n.closedOn.map { "已于 \($0.dropFirst(5)) 结束" } ?? "公示中，\(n.closesOn.dropFirst(5)) 起可结束"
            return ["period": n.period, "openedOn": String(n.openedOn.dropFirst(5)), "state": state, "objected": n.objected,
                    "hasObjections": n.objected > 0]
        }
        return PageResponse.render("review", data, status: error?.status ?? .ok)
    }

    /// One write from the reviewer's page: `command` makes it from the form's `seq`; then back to the page.
    func reviewWrite(_ session: Sessions.Session, _ village: VillageReach<Books>, site: PageSite, form: [String: String],
                     command: (String?) throws -> (Command, String, String)) async throws -> Response {
        do {
            let (made, done, what) = try command(form["seq"])
            _ = try await village.writes.write(WriteRequest(made, by: session.actor))
            return PageResponse.redirect(site.base + "/review?ok=\(done)&seq=\(JifenService.queryValue(what))")
        } catch {
            return try await reviewPage(session, village, site: site, error: APIError(error), form: form)
        }
    }

    func shopPage(_ session: Sessions.Session, _ village: VillageReach<Books>, site: PageSite, code: String, redeemed: Int64? = nil, error: APIError? = nil) async throws -> Response {
        let (account, items, event) = try await village.door.read { ledger -> (HouseholdAccount?, [ItemStock], RecordedEvent?) in
            (code.isEmpty ? nil : try ledger.household(HouseholdCode(typed: code)), try ledger.items(),
             try redeemed.flatMap { try ledger.logPage(from: $0, limit: 1).first })
        }
        var data = Pages.base(site: site, session: session, current: .shop)
        if let redeemed {
            var what = ""
            if case .redeemed(let e)? = event?.event, event?.event.household?.rawValue == code {
                what = "：\(e.name) \(e.quantity) 份，用去 \(e.points) 分"
            }
            data["ok"] = "兑换成功（第 \(redeemed) 号）\(what)。"
            data["receiptSeq"] = redeemed
        }
        var refusal = error
        if refusal == nil, !code.isEmpty, account == nil { refusal = JifenService.unknownHousehold(code) }
        if let refusal { data["error"] = Pages.errorBox(refusal) }
        data["code"] = code
        data["key"] = Pages.formKey()
        data["items"] = items.map(ShopItemView.init).map { ["item": $0.item, "name": $0.name, "unit": $0.unit, "price": $0.price,
                                                            "stock": $0.stock > 0 ? "\($0.stock)" : "0", "inStock": $0.stock > 0] as [String: Any] }
        if let account {
            data["account"] = ["code": account.code.rawValue, "head": account.head, "unit": account.unit.rawValue,
                               "available": account.available, "pending": Pages.signed(account.pending), "redeemed": account.redeemed,
                               "open": account.status == .open] as [String: Any]
        }
        return PageResponse.render("shop", data, status: refusal?.status ?? .ok)
    }

    /// The notice sheet for a screen in the village hall: names masked as the CLI's `notice sheet --mask` prints them.
    func noticePage(_ sheet: NoticeSheet, site: PageSite, session: Sessions.Session?) -> (response: Response, html: String?) {
        let mask = NameMasking.masked
        var data = Pages.base(site: site, session: session, current: nil)
        data["village"] = sheet.village
        data["period"] = sheet.period
        data["from"] = sheet.from.description
        data["to"] = sheet.to.description
        data["posted"] = sheet.postedOn != nil
        data["postedOn"] = sheet.postedOn?.description ?? ""
        data["objectionsUntil"] = sheet.objectionsUntil?.description ?? ""
        data["closed"] = sheet.closedOn != nil
        data["closedOn"] = sheet.closedOn?.description ?? ""
        data["hasUnits"] = !sheet.units.isEmpty
        data["units"] = sheet.units.map { unit -> [String: Any] in
            ["code": unit.code.rawValue, "name": unit.name, "hasLeader": unit.leader != nil, "leader": unit.leader.map(mask.apply) ?? "",
             "households": unit.households.map { household -> [String: Any] in
                 ["code": household.code.rawValue, "head": mask.apply(household.head), "total": Pages.signed(household.total),
                  "scores": household.scores.map { score -> [String: Any] in
                      ["day": String(score.date.description.dropFirst(5)), "rule": score.rule, "zh": score.zh,
                       "points": Pages.signed(score.points), "objected": score.state == "objected",
                       "hasNote": !score.note.isEmpty, "note": score.note]
                  }]
             }]
        }
        data["hasBlacklist"] = !sheet.blacklist.isEmpty
        data["blacklist"] = sheet.blacklist.map { ["code": $0.code.rawValue, "head": mask.apply($0.head), "until": $0.until.description] }
        data["printedOn"] = sheet.printedOn.description
        return PageResponse.rendered("notice", data)
    }

    /// The audit export (JSON Lines) or the CSV export (with the BOM Excel and WPS need), a block of events at a time
    /// up to the head as it stood when the download began.
    static func exportResponse(_ door: Door<Books>, csv: Bool, block: Int64 = 20_000) async throws -> Response {
        let head = try await door.read { try $0.head().seq }
        // A county's village has no file to export from: its log's own lines, which are the audit export's (docs/FORMAT.md,
        // "Exports"; `SyncWire`); no CSV.
        guard door.ledger.file != nil else {
            if csv { throw noCSV }
            return linesResponse(door, head: head, block: block)
        }
        let name = csv ? "jifen-events.csv" : "jifen-events.jsonl"
        let headers: HTTPFields = [.contentType: csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
                                   .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store"]
        let body = ResponseBody { writer in
            if csv { try await writer.write(ByteBuffer(bytes: [0xEF, 0xBB, 0xBF])) }
            var from: Int64 = 1
            repeat {
                let first = from
                let bytes = try await door.heavy { books -> [UInt8] in
                    guard let ledger = books.file else { return [] }
                    var bytes: [UInt8] = []
                    var calls = 0
                    try ledger.exportEvents(format: csv ? .csv : .jsonl, from: first, to: min(head, first + block - 1)) { line in
                        calls += 1
                        // Each block of the CSV starts with the header line: only the first block's is kept.
                        if csv && calls == 1 && first > 1 { return }
                        bytes.append(contentsOf: line)
                    }
                    return bytes
                }
                if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
                from += block
            } while from <= head
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The export's JSON Lines from the log's own rows (a county's village), a block at a time up to `head`.
    static func linesResponse(_ door: Door<Books>, head: Int64, block: Int64) -> Response {
        let headers: HTTPFields = [.contentType: "application/x-ndjson; charset=utf-8",
                                   .contentDisposition: "attachment; filename=\"jifen-events.jsonl\"", .cacheControl: "no-store"]
        let body = ResponseBody { writer in
            var from: Int64 = 1
            while from <= head {
                let first = from
                let bytes = try await door.heavy { books in
                    try books.readBooks { session in
                        SyncWire.lines(try session.links(from: first, limit: Int(min(block, head - first + 1))))
                    }
                }
                if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
                from += block
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static var noCSV: APIError {
        APIError(.notFound, "noCSV", zh: "县里的服务器只给审计导出（JSON Lines）；表格（CSV）要在村里的电脑上导出。",
                 en: "The county's server gives the audit export (JSON Lines) only; make the CSV at the village's office.")
    }

}

extension JifenService {
    /// The audit export of the one ledger (`VillagePages.exportResponse`).
    func exportResponse(csv: Bool, block: Int64 = 20_000) async throws -> Response {
        try await VillagePages<Ledger>.exportResponse(door, csv: csv, block: block)
    }

    // MARK: Helpers

    /// The household a clerk typed: its code (in any case), "H001 张三" as the list offers it, or its head's name
    /// when one open household has it; else the text as it is, which the ledger refuses as no such household.
    static func household(_ typed: String, in ledger: some VillageBooks) throws -> HouseholdCode {
        let first = typed.split(separator: " ").first.map(String.init) ?? typed
        for candidate in [typed, first, first.uppercased()] where !candidate.isEmpty {
            let code = HouseholdCode(typed: candidate)
            if try ledger.household(code) != nil { return code }
        }
        let named = try ledger.households().filter { $0.head == typed && $0.status == .open }
        if named.count == 1 { return named[0].code }
        if named.count > 1 {
            throw APIError.badRequest("户主叫「\(typed)」的有 \(named.count) 户（\(named.map(\.code.rawValue).joined(separator: "、"))），请填户号。",
                                      "\(named.count) households have a head named \(typed); give the code.")
        }
        return HouseholdCode(typed: typed)
    }

    static func formSeq(_ text: String?) throws -> Int64 {
        guard let text, let seq = Int64(text), seq > 0 else {
            throw APIError.badRequest("缺少记录号。", "The entry's number is missing.")
        }
        return seq
    }

    /// "+2", "-1", "+15～50".
    static func range(_ points: RulePoints) -> String {
        points.description.replacingOccurrences(of: "..", with: "～")
    }

    static func queryValue(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A tally sheet sent from the clerk's form (multipart/form-data): the CSRF field and the file.
    struct Upload: Sendable {
        let csrf: String, fileName: String, data: Data
    }

    static func upload(_ request: Request, _ context: ServerContext) async throws -> Upload {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = type.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.lowercased().hasPrefix("boundary=") }).map({ String($0.dropFirst("boundary=".count)) })
        else {
            throw APIError.badRequest("请用页面上的表单上传记分表。", "Upload the sheet with the page's form.")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let parts: [Part]
        do {
            parts = try Self.parts(of: buffer, boundary: boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        } catch {
            throw APIError.badRequest("上传的内容读不出来，请重新选择文件上传。", "The upload cannot be read; choose the file and send it again.")
        }
        guard let csrf = parts.first(where: { $0.name == "csrf" }) else { throw APIError.csrf }
        guard let sheet = parts.first(where: { $0.name == "sheet" }), !sheet.body.isEmpty else {
            throw APIError.badRequest("请先选择要上传的记分表文件。", "Choose the sheet's file first.")
        }
        return Upload(csrf: String(decoding: csrf.body, as: UTF8.self), fileName: sheet.fileName ?? "sheet.csv", data: Data(sheet.body))
    }

    /// One part of a multipart/form-data body: its field's name, the file's name if it is a file, and its bytes.
    struct Part {
        var name: String?, fileName: String?
        var body: [UInt8] = []
    }

    /// The parts of a multipart/form-data body (multipart-kit's parser).
    static func parts(of buffer: ByteBuffer, boundary: String) throws -> [Part] {
        var parts: [Part] = []
        var current = Part()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in
            guard name.lowercased() == "content-disposition" else { return }
            current.name = Self.parameter("name", in: value)
            current.fileName = Self.parameter("filename", in: value).flatMap { path in
                path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)
            }
        }
        parser.onBody = { body in current.body.append(contentsOf: body.readableBytesView) }
        parser.onPartComplete = {
            parts.append(current)
            current = Part()
        }
        try parser.execute(buffer)
        return parts
    }

    /// A parameter of a Content-Disposition header: `name="csrf"` → csrf.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix(name + "=") else { continue }
            var value = trimmed.dropFirst(name.count + 1)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }
}
