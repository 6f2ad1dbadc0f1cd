import Foundation
import GRDB
import Jifen
import JifenCore
import JifenDemo
@testable import JifenStore
import Synchronization
import Testing

/// Stored format 2 (`LogFormat.compact`, schema/0001_compact_log.sql) keeps the log in fewer bytes, and must give every
/// event back exactly as stored format 1 holds it: the view `events`, column for column, what a file of format 1 holds
/// for the same commands; the same links, exports, heads. And what it cannot hold it refuses, writing nothing.
@Suite struct CompactLog {
    /// All a file gives of its log in format 1's terms: the rows of `events` with each column's SQLite type, the links,
    /// both exports, and what verify says.
    struct Reading {
        var rows: [Row] = []
        var types: [[String]] = []
        var links: [ChainLink] = []
        var jsonl = Data(), csv = Data()
        var report = VerifyReport()

        init(_ store: EventStore) throws {
            try store.withDatabase { db in
                rows = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq")
                types = try Row.fetchAll(db, sql: """
                    SELECT typeof(id), typeof(recorded_at), typeof(payload), typeof(prev_hash), typeof(hash) FROM events ORDER BY seq
                    """).map { row in (0..<5).map { (try? row.decode(String.self, atIndex: $0)) ?? "?" } }
            }
            links = try store.read { session in
                var links: [ChainLink] = []
                while true {
                    let page = try session.links(from: Int64(links.count) + 1, limit: 700)
                    if page.isEmpty { return links }
                    links += page
                }
            }
            try store.exportEvents(.jsonl) { jsonl.append(contentsOf: $0) }
            try store.exportEvents(.csv) { csv.append(contentsOf: $0) }
            report = try store.verify()
        }

        /// Where another reading differs from this one, as text (empty when they agree).
        func differences(from other: Reading) -> [String] {
            var found: [String] = []
            if rows.count != other.rows.count { found.append("\(rows.count) rows ≠ \(other.rows.count)") }
            for (mine, theirs) in zip(rows, other.rows) where mine != theirs {
                found.append("\(mine)\n  ≠ \(theirs)")
            }
            if types != other.types { found.append("the columns' types differ") }
            if links.count != other.links.count { found.append("\(links.count) links ≠ \(other.links.count)") }
            for (mine, theirs) in zip(links, other.links)
            where mine.canonicalBytes != theirs.canonicalBytes || mine.hash != theirs.hash || mine.previousHash != theirs.previousHash {
                found.append("link #\(mine.fields.seq) differs")
            }
            if jsonl != other.jsonl { found.append("the JSON Lines exports differ") }
            if csv != other.csv { found.append("the CSV exports differ") }
            if report.head != other.report.head || report.events != other.report.events { found.append("the heads differ") }
            return Array(found.prefix(10))
        }
    }

    /// What a compact log stores: (rows, rows whose UUID is 16 bytes, scores, scores whose payload is left out).
    static func stored(_ store: EventStore) throws -> (rows: Int, blobIds: Int, scores: Int, compactScores: Int) {
        try store.withDatabase { db in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT count(*), sum(typeof(id) = 'blob'), sum(type = 'v1.scoreRecorded'), sum(payload IS NULL) FROM event_log
                """))
            return (row[0], row[1], row[2], row[3])
        }
    }

    /// A village's year by hand, every kind of score among it: awards with and without notes, deductions (which always
    /// have one), the rule's own points and points chosen in its range, a tally sheet's lines; redemptions, reversals,
    /// a move.
    static func scriptedYear(at path: String, format: LogFormat) throws -> Ledger {
        let (ledger, script) = try makeVillage(at: path, format: format)
        try ledger.execute(.receiveStock("salt", quantity: 40, source: "县慈善总会捐赠"), by: "李店长", on: LocalDate("2025-02-01")!)
        for month in 2...11 {
            let date = LocalDate(year: 2025, month: month, day: 10)!
            script.setEvening(of: date)
            let household = ["H001", "H002", "H003"][month % 3]
            try ledger.execute(score(household, "C1.2", points: 5 + month % 6, note: "调解纠纷"), by: "王会计", on: date)
            try ledger.execute(score(household, "C1.2", points: 5 + month % 6), by: "王会计", on: date)
            try ledger.execute(score(household, "A2.3", points: 5 + month % 5, note: "占道晾晒"), by: "王会计", on: date)
            try ledger.execute(score(household, "D1.2"), by: "王会计", on: date)
            try ledger.execute(score(household, "B1.3", note: "乱扔垃圾"), by: "王会计", on: date)
            try ledger.execute(score(household, "D1.2", note: "\"引号\" 与 \\ 反斜杠"), by: "王会计", on: date)
            let sheet = SheetLine(sheet: String(repeating: "ab", count: 32), line: month + 1)
            try ledger.execute(.recordScore(HouseholdCode(rawValue: household), "D2.3", points: nil, note: "", source: sheet), by: "王会计", on: date)
            try ledger.execute(.redeem(HouseholdCode(rawValue: household), "salt", quantity: 1), by: "李店长", on: date)
        }
        script.setEvening(of: LocalDate("2025-12-31")!)
        try ledger.execute(.reverse(.seq(10), reason: "记错户"), by: "王会计", on: LocalDate("2025-12-01")!)
        try ledger.execute(.reverse(.seq(12), reason: "重复"), by: "王会计", on: LocalDate("2025-12-01")!)
        try ledger.execute(.addUnit("U02", name: "第二联户", leader: nil), by: "张书记")
        try ledger.execute(.moveHousehold("H003", to: "U02"), by: "张书记")
        return ledger
    }

    @Test func aScriptedYearReadsAsInFormat1() throws {
        let scratch = try Scratch()
        let wide = try Self.scriptedYear(at: scratch.path("wide.sqlite"), format: .wide)
        let compact = try Self.scriptedYear(at: scratch.path("compact.sqlite"), format: .compact)
        #expect(wide.format == .wide && compact.format == .compact)
        let (expected, found) = (try Reading(wide.store), try Reading(compact.store))
        #expect(expected.report.isValid && found.report.isValid, "\(found.report.problems)")
        #expect(!found.rows.isEmpty && found.types.allSatisfy { $0 == ["text", "text", "text", "blob", "blob"] })
        let differences = found.differences(from: expected)
        #expect(differences.isEmpty, "\(differences)")
        // The comparison covers what format 2 stores otherwise: every UUID in 16 bytes, scores with and without payload.
        let stored = try Self.stored(compact.store)
        #expect(stored.blobIds == stored.rows)
        #expect(stored.compactScores > 0 && stored.compactScores < stored.scores)
    }

    /// Generated years of governed villages (roles, reviews, notices), from several seeds.
    @Test(arguments: [UInt64(1), 2, 5])
    func generatedYearsReadAsInFormat1(_ seed: UInt64) throws {
        let scratch = try Scratch()
        var stores: [EventStore] = []
        for format in LogFormat.allCases {
            let path = scratch.path("\(format).sqlite")
            let plan = GeneratorPlan(households: 30, years: 1, firstYear: 2024, seed: seed, format: format)
            _ = try LedgerGenerator.build(at: path, plan: plan)
            stores.append(try EventStore(path: path, create: false, readOnly: true))
        }
        let wide = try #require(stores.first { $0.format == .wide }), compact = try #require(stores.first { $0.format == .compact })
        let (expected, found) = (try Reading(wide), try Reading(compact))
        #expect(found.report.isValid, "\(found.report.problems)")
        let differences = found.differences(from: expected)
        #expect(differences.isEmpty, "\(differences)")
        let stored = try Self.stored(compact)
        #expect(stored.blobIds == stored.rows && stored.compactScores > stored.scores / 2)
    }

    /// A score's payload is left out only when its facts and its rule's text spell it out: with a note (every deduction
    /// has one), with a tally sheet's line, it is stored whole; without, it is not.
    @Test func whichScoresKeepTheirPayload() throws {
        let scratch = try Scratch()
        let ledger = try Self.scriptedYear(at: scratch.path("v.sqlite"), format: .compact)
        try ledger.store.withDatabase { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT l.seq, l.payload IS NULL, v.payload, l.earned - l.deducted, l.rule FROM event_log l JOIN events v USING (seq)
                WHERE l.type = 'v1.scoreRecorded' ORDER BY l.seq
                """)
            #expect(!rows.isEmpty)
            for row in rows {
                let (seq, left, payload, points, rule): (Int64, Bool, String, Int, String) = (row[0], row[1], row[2], row[3], row[4])
                let spelled = payload.contains("\"note\":\"\",") && !payload.contains("\"source\":")
                #expect(left == spelled, "#\(seq): \(payload)")
                #expect(payload.hasPrefix("{\"household\":") && payload.contains("\"points\":\(points),"), "#\(seq): \(payload)")
                if rule == "A2.3" || rule == "B1.3" { #expect(points < 0, "#\(seq): a deduction") }
            }
            let left = try Set(String.fetchAll(db, sql: "SELECT DISTINCT rule FROM event_log WHERE payload IS NULL"))
            #expect(left == ["C1.2", "D1.2"], "a note, a sheet's line: stored whole; \(left)")
        }
    }

    /// The reference scheme's snapshot of a rule, as a score names it.
    static func snapshot(_ code: RuleCode) throws -> RuleSnapshot {
        let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
        let rule = try #require(scheme.rule(code))
        return RuleSnapshot(rule: rule, category: scheme.category(of: rule)?.code ?? "")
    }

    /// Negative points are spelled out as positive ones are. (Jifen's `decide` asks a note of every deduction, so such
    /// a score comes from another writer; format 2 must still give it back as format 1 holds it.)
    @Test func aDeductionWithoutANoteIsSpelledOut() throws {
        let scratch = try Scratch()
        let rule = try Self.snapshot("A2.3")
        var readings: [LogFormat: Reading] = [:]
        for format in LogFormat.allCases {
            let (ledger, _) = try makeVillage(at: scratch.path("\(format).sqlite"), format: format)
            for (index, points) in [-6, -1, -1000].enumerated() {
                let event = LedgerEvent.scoreRecorded(ScoreRecorded(household: "H001", rule: rule, points: points, note: "", source: nil))
                let meta = EventMeta(id: "00000000-0000-4000-8000-00000000000\(index)", occurredOn: LocalDate("2025-03-06")!,
                                     recordedAt: "2025-12-31T09:30:00.00\(index)Z", actor: ActorName(rawValue: "王会计"), key: nil)
                try ledger.store.write { _ = try $0.append(event, meta: meta) }
            }
            readings[format] = try Reading(ledger.store)
            if format == .compact {
                try ledger.store.withDatabase { db in
                    let rows = try Row.fetchAll(db, sql: "SELECT l.payload IS NULL, v.payload FROM event_log l JOIN events v USING (seq) WHERE seq > 7 ORDER BY seq")
                    #expect(rows.map { $0[0] as Bool } == [true, true, true])
                    #expect(rows.map { ($0[1] as String).contains("\"points\":-") } == [true, true, true], "\(rows)")
                }
            }
        }
        let (found, expected) = (try #require(readings[.compact]), try #require(readings[.wide]))
        #expect(found.report.isValid && found.rows.count == 10)
        let differences = found.differences(from: expected)
        #expect(differences.isEmpty, "\(differences)")
    }

    /// `rule_texts` holds each rule's text as the payloads have it, one JSON object (the rule's), never more of a
    /// payload: a score from a tally sheet, whose payload goes on after its rule with its `source`, must not file its
    /// sheet's line there as part of the rule's text.
    @Test func theRulesTextIsTheRuleAlone() throws {
        let scratch = try Scratch()
        let (ledger, script) = try makeVillage(at: scratch.path("v.sqlite"))
        let date = LocalDate("2025-03-05")!
        script.setEvening(of: date)
        let sheet = SheetLine(sheet: String(repeating: "cd", count: 32), line: 7)
        // The first score of D2.3 comes from a tally sheet, the next by hand.
        try ledger.execute(.recordScore("H001", "D2.3", points: nil, note: "", source: sheet), by: "王会计", on: date)
        try ledger.execute(score("H002", "D2.3"), by: "王会计", on: date)
        try ledger.store.withDatabase { db in
            for text in try String.fetchAll(db, sql: "SELECT text FROM rule_texts") {
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(object?["code"] as? String != nil && !text.contains("source"), "\(text)")
            }
            let payloads = try Row.fetchAll(db, sql: "SELECT seq, payload IS NULL FROM event_log WHERE type = 'v1.scoreRecorded' ORDER BY seq")
            #expect(payloads.map { $0[1] as Bool } == [false, true], "the sheet's score stored whole, the next spelled out")
        }
        #expect(try ledger.store.verify().isValid)
    }

    /// A score of the same scheme version and rule whose rule text is not the one filed (an event appended by another
    /// writer than jifen's `decide`) is stored whole, verifies, and reads back byte for byte; the scores after it are
    /// spelled out by the filed text as before.
    @Test func aScoreWhoseRuleTextDiffersIsStoredWhole() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-05")!)
        let first = try #require(try ledger.read { try $0.events() }.last)
        guard case .scoreRecorded(let recorded) = first.event else { Issue.record("not a score: \(first.event)"); return }
        let rule = recorded.rule
        let other = RuleSnapshot(rule: Rule(code: rule.code, indicator: rule.indicator, zh: rule.zh + "（旧文）", en: rule.en, points: rule.points, cap: nil),
                                 category: rule.category)
        let event = LedgerEvent.scoreRecorded(ScoreRecorded(household: "H002", rule: other, points: recorded.points, note: "", source: nil))
        let meta = EventMeta(id: "00000000-0000-4000-8000-0000000000aa", occurredOn: LocalDate("2025-03-06")!,
                             recordedAt: "2025-12-31T09:30:00.000Z", actor: ActorName(rawValue: "王会计"), key: nil)
        let written = try ledger.store.write { try $0.append(event, meta: meta) }
        try ledger.execute(score("H003", "C2.3"), by: "王会计", on: LocalDate("2025-03-07")!)
        try ledger.store.withDatabase { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT l.seq, l.payload, v.payload, l.scheme_version FROM event_log l JOIN events v USING (seq)
                WHERE l.type = 'v1.scoreRecorded' ORDER BY l.seq
                """)
            #expect(rows.map { $0[0] as Int64 } == [written.seq - 1, written.seq, written.seq + 1])
            #expect(Set(rows.map { $0[3] as Int }).count == 1, "one scheme version")
            #expect(rows.map { ($0[1] as String?) == nil } == [true, false, true])
            let stored: String? = rows[1][1], read: String = rows[1][2]
            let payload = try EventCodec.payload(of: event)
            #expect(stored == read && read == payload && read.contains("（旧文）"))
            #expect(!(rows[2][2] as String).contains("（旧文）"))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM rule_texts WHERE rule = 'C2.3'") == 1)
        }
        #expect(try ledger.read { try $0.events() }.first { $0.seq == written.seq }?.event == event)
        #expect(try ledger.store.verify().isValid)
        #expect(try ledger.store.verifyProjections().isEmpty)
    }

    /// A scheme version's rule texts are filed when its event is appended, one for each of its rules, each the bytes a
    /// score's payload holds for the rule; a score never files one. A text missing (damage) leaves the scores after it
    /// stored whole, so that a write never files it again over the damage for the earlier scores to read as sound; and
    /// a transaction that is refused takes nothing of `rule_texts` with it or away.
    @Test func ruleTextsComeFromTheSchemeAndAScoreNeverFilesOne() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
        let march = LocalDate("2025-03-10")!
        let filed = try ledger.store.withDatabase { try String.fetchAll($0, sql: "SELECT rule FROM rule_texts WHERE scheme_version = 1 ORDER BY rule") }
        #expect(filed == scheme.rules.map(\.code.rawValue).sorted())
        // Each text is what a score of its rule holds there.
        for rule in ["A1.2", "D1.2", "B2.1"] {
            let written = try ledger.execute(score("H001", rule), by: "王会计", on: march)
            try ledger.store.withDatabase { db in
                let stored = try Row.fetchOne(db, sql: "SELECT payload IS NULL, (SELECT text FROM rule_texts WHERE scheme_version = 1 AND rule = ?) FROM event_log WHERE seq = ?",
                                              arguments: [rule, written.events[0].seq])
                #expect(stored?[0] as Bool? == true, "\(rule): spelled out")
                let payload = try String.fetchOne(db, sql: "SELECT payload FROM events WHERE seq = ?", arguments: [written.events[0].seq]) ?? ""
                #expect(payload.contains(",\"rule\":" + (stored?[1] as String? ?? "?") + "}"), "\(rule): \(payload)")
            }
        }
        // A refused batch leaves rule_texts as it was.
        let before = try ledger.store.withDatabase { try Row.fetchAll($0, sql: "SELECT * FROM rule_texts") }
        let batch = [BatchItem(command: score("H001", "D1.2"), occurredOn: march, line: 2),
                     BatchItem(command: score("H999", "D1.2"), occurredOn: march, line: 3)]
        #expect(throws: (any Error).self) { try ledger.executeAll(batch, by: "王会计", fileName: "sheet.csv") }
        #expect(try ledger.store.withDatabase { try Row.fetchAll($0, sql: "SELECT * FROM rule_texts") } == before)
        // D1.2's text deleted behind jifen's back: the score that leans on it no longer verifies, the next score of the
        // rule is stored whole (nothing filed again), and verify still finds the first.
        let leaning = try ledger.store.withDatabase { try Int64.fetchOne($0, sql: "SELECT max(seq) FROM event_log WHERE rule = 'D1.2' AND payload IS NULL") }
        try ledger.store.withDatabase { db in
            try db.execute(sql: "DROP TRIGGER rule_texts_are_never_deleted")
            try db.execute(sql: "DELETE FROM rule_texts WHERE rule = 'D1.2'")
        }
        let next = try ledger.execute(score("H002", "D1.2"), by: "王会计", on: march)
        let (texts, whole) = try ledger.store.withDatabase { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM rule_texts WHERE rule = 'D1.2'"),
             try Bool.fetchOne(db, sql: "SELECT payload IS NOT NULL FROM event_log WHERE seq = ?", arguments: [next.events[0].seq]))
        }
        #expect(texts == 0 && whole == true)
        let report = try ledger.store.verify()
        #expect(!report.isValid && report.problems.contains { $0.seq == leaning }, "\(report.problems)")
        #expect(!report.problems.contains { $0.seq == next.events[0].seq })
    }

    /// Ids come from the environment: only the lower-case text of 16 bytes is kept as a BLOB; any other id as its text,
    /// given back as it was, found by itself, and hashed as it was.
    @Test func anIdThatIsNotALowerCaseUUIDIsStoredAsText() throws {
        let ids = ["0f8e5a2c-1b3d-4c5e-8f70-9a1b2c3d4e5f", "0F8E5A2C-1B3D-4C5E-8F70-9A1B2C3D4E60", "0f8e5a2c-1b3d-4c5e-8f70-9a1b2c3D4e61",
                   "e7", "0f8e5a2c_1b3d_4c5e_8f70_9a1b2c3d4e62", "0f8e5a2c-1b3d-4c5e-8f70-9a1b2c3d4e6g", "0f8e5a2c-1b3d-4c5e-8f70-9a1b2c3d4e6",
                   " 0f8e5a2c-1b3d-4c5e-8f70-9a1b2c3d4e6", "身份-1"]
        let scratch = try Scratch()
        let script = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 1)
        script.setEvening(of: LocalDate("2025-12-31")!)
        let queue = Mutex(ids)
        // The village's own events take the scripted ids; the scores then take one of `ids` each.
        let (village, _) = try makeVillage(at: scratch.path("v.sqlite"))
        _ = village
        let environment = LedgerEnvironment(now: script.environment.now, newId: {
            queue.withLock { $0.isEmpty ? "spare" : $0.removeFirst() }
        })
        let ledger = try Ledger(path: scratch.path("v.sqlite"), environment: environment)
        #expect(ledger.format == .compact)
        var seqs: [Int64] = []
        for (index, _) in ids.enumerated() {
            let written = try ledger.execute(score(["H001", "H002", "H003"][index % 3], "D1.2"), by: "王会计", on: LocalDate("2025-03-05")!,
                                             again: true)
            seqs.append(try #require(written.events.first).seq)
        }
        try ledger.store.withDatabase { db in
            for (id, seq) in zip(ids, seqs) {
                let row = try #require(try Row.fetchOne(db, sql: "SELECT typeof(l.id), v.id FROM event_log l JOIN events v USING (seq) WHERE seq = ?",
                                                        arguments: [seq]))
                #expect(row[0] as String == (id == ids[0] ? "blob" : "text"), "\(id)")
                #expect(row[1] as String == id)
            }
        }
        try ledger.store.read { (session: StoreSession) throws -> Void in
            for (id, seq) in zip(ids, seqs) {
                #expect(try session.entry(.id(id))?.seq == seq, "\(id)")
            }
            // (The lower-case form of an id kept as upper case is another id.)
            #expect(try session.entry(.id(ids[1].lowercased())) == nil)
        }
        #expect(try ledger.store.verify().isValid)
    }

    /// An event whose `recorded_at` is not an instant of 1970–9999 in the form every event has is refused with an error
    /// that says so, and nothing of it is written: not the event, not a rule's text, not the projections. The first and
    /// the last millisecond of those years are held.
    @Test func anInstantOutsideTheYearsIsRefusedAndNothingWritten() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        let rule = try Self.snapshot("C2.3")
        func append(_ recordedAt: String, household: HouseholdCode = "H001") throws -> RecordedEvent {
            let event = LedgerEvent.scoreRecorded(ScoreRecorded(household: household, rule: rule, points: 10, note: "", source: nil))
            let meta = EventMeta(id: UUID().uuidString.lowercased(), occurredOn: LocalDate("2025-03-06")!, recordedAt: recordedAt,
                                 actor: ActorName(rawValue: "王会计"), key: nil)
            return try ledger.store.write { try $0.append(event, meta: meta) }
        }
        func state() throws -> String {
            try ledger.store.withDatabase { db in
                try String(describing: Row.fetchAll(db, sql: "SELECT seq, hash FROM event_log UNION ALL SELECT rule, text FROM rule_texts"))
            } + (try dumpProjections(ledger))
        }
        let before = try state()
        for text in ["1969-12-31T23:59:59.999Z", "+10000-01-01T00:00:00.000Z", "10000-01-01T00:00:00.000Z", "0000-01-01T00:00:00.000Z"] {
            do {
                _ = try append(text)
                Issue.record("\(text) was written")
            } catch let error as StoreError {
                #expect("\(error)".contains("1970–9999") && "\(error)".contains(text), "\(error)")
            }
            #expect(try state() == before, "\(text): nothing written")
        }
        let first = try append("1970-01-01T00:00:00.000Z"), last = try append("9999-12-31T23:59:59.999Z", household: "H002")
        try ledger.store.withDatabase { db in
            let rows = try Row.fetchAll(db, sql: "SELECT l.recorded_at, v.recorded_at FROM event_log l JOIN events v USING (seq) WHERE seq IN (?, ?) ORDER BY seq",
                                        arguments: [first.seq, last.seq])
            #expect(rows.map { $0[0] as Int64 } == [0, RecordedInstant.latest])
            #expect(rows.map { $0[1] as String } == ["1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"])
        }
        #expect(try ledger.store.verify().isValid)
    }

    /// `rule_texts` is append-only as the log is: its texts spell out hashed payloads.
    @Test func ruleTextsRefuseUpdateAndDelete() throws {
        let scratch = try Scratch()
        let (ledger, _) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(score("H001", "C2.3"), by: "王会计", on: LocalDate("2025-03-05")!)
        let first = try ledger.read { try $0.lastSeq() }
        try ledger.store.withDatabase { db in
            let before = try Row.fetchAll(db, sql: "SELECT * FROM rule_texts")
            #expect(before.count == (try SchemeFile.parse(ReferenceSeed.schemeYAML)).rules.count, "a text for each rule of the scheme")
            for sql in ["UPDATE rule_texts SET text = '{}'", "UPDATE rule_texts SET rule = 'C2.4'", "DELETE FROM rule_texts",
                        "DELETE FROM rule_texts WHERE rule = 'C2.3'"] {
                #expect(sqliteRefusal(db, sql)?.contains("append-only") == true, "\(sql)")
            }
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM rule_texts") == before)
        }
        #expect(try ledger.store.verify().isValid)
        // A text put in its place by INSERT OR REPLACE (a delete that fires no trigger) changes the scores it spells out:
        // if SQLite lets it in, verify names the first of them.
        let replaced = try ledger.store.withDatabase { db in
            sqliteRefusal(db, "INSERT OR REPLACE INTO rule_texts SELECT scheme_version, rule, replace(text, '\"zh\":\"', '\"zh\":\"x') FROM rule_texts")
        }
        if let replaced {
            #expect(replaced.contains("append-only"), "\(replaced)")
            #expect(try ledger.store.verify().isValid)
        } else {
            // Named as a text that is not its scheme's rule (at the scheme's event), and at the first score it spells.
            let report = try ledger.store.verify()
            #expect(report.problems.contains { $0.what.contains("rule_texts' text of rule") }, "\(report.problems)")
            #expect(report.problems.filter { $0.seq > 0 && !$0.what.contains("rule_texts") }.first?.seq == first, "\(report.problems)")
        }
    }
}

/// What `rule_texts` may file as a rule's text: one JSON object, braces in its strings and escaped quotes included,
/// and nothing after it.
@Suite struct RuleTextShape {
    @Test(arguments: [(#"{}"#, true), (#"{"a":1}"#, true), (#"{"a":{"b":[1,{"c":2}]}}"#, true), (#"{"zh":"}"}"#, true),
                      (#"{"zh":"\"}"}"#, true), (#"{"zh":"\\"}"#, true), (#"{"zh":"{"}"#, true),
                      (#"{"a":1},"source":{"line":7,"sheet":"x"}"#, false), (#"{"a":1}}"#, false), (#"{"a":1} "#, false),
                      (#"{"a":1"#, false), (#"{"zh":"\"}"#, false), (#"[{"a":1}]"#, false), ("", false), (#"x{}"#, false)])
    func oneObjectAndNothingMore(_ text: String, _ one: Bool) {
        #expect(CompactFields.isOneObject(text.utf8) == one, "\(text)")
    }
}
