import Foundation
import GRDB
import JifenCore

/// The event log as JSON Lines for auditors: one object per event with every stored column — the 19 hashed
/// fields, `prevHash` and `hash` in hex — so that the chain can be recomputed with no database
/// (docs/FORMAT.md, "Exports"). Keys come in the canonical order; the payload is the stored JSON text as a string.
extension EventStore {
    public static let exportFormat = "jifen-events/1"

    /// Writes events `from`…`to` (inclusive) as JSON Lines, one `write` per line (without its newline).
    public func exportJSONL(from: Int64 = 1, to: Int64? = nil, write: (String) throws -> Void) throws {
        try queue.read { db in
            let rows = try RawRows(db, sql: """
                SELECT seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version,
                       idempotency_key, household, item, rule, earned, deducted, redeemed, stock, reverses,
                       payload, prev_hash, hash FROM events WHERE seq >= \(from) AND seq <= \(to ?? Int64.max) ORDER BY seq
                """)
            let names: [StaticString] = ["seq", "id", "stream", "streamVersion", "type", "occurredOn", "recordedAt", "actor",
                                         "schemeVersion", "key", "household", "item", "rule", "earned", "deducted", "redeemed",
                                         "stock", "reverses", "payload"]
            let numeric: Set<Int> = [0, 3, 8, 13, 14, 15, 16, 17]
            while try rows.next() {
                var out = PayloadWriter.JSONText()
                out.open()
                for (index, name) in names.enumerated() {
                    out.key(name)
                    let column = Int32(index)
                    if rows.isNull(column) {
                        out.null()
                    } else if numeric.contains(index) {
                        out.number(Int(rows.int64(column)))
                    } else {
                        out.string(rows.string(column) ?? "")
                    }
                }
                out.key("prevHash"); out.string(Data(rows.bytes(19)).hex)
                out.key("hash"); out.string(Data(rows.bytes(20)).hex)
                out.close()
                try write(String(decoding: out.bytes, as: UTF8.self))
            }
        }
    }
}

extension EventStore {
    /// The projections as they stood after event `seq`, folded afresh from the log in memory (the file is only read).
    public func replay(through seq: Int64) throws -> MemoryLedger {
        try queue.read { db in try EventStore.fold(db, through: seq) }
    }

    /// The last event recorded before `instant` (UTC, ISO 8601 as `recorded_at` holds it), 0 if none.
    public func lastSeq(recordedBefore instant: String) throws -> Int64 {
        try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM events WHERE recorded_at < ?", arguments: [instant]) ?? 0
        }
    }
}

/// What `audit check` found in an export: how many events, from where, the head, and every problem by event.
public struct ExportCheck: Sendable {
    public var events = 0
    public var first: Int64 = 0
    public var last: Int64 = 0
    public var head = ""
    /// Whether the export starts at the first event (its first link is the genesis hash).
    public var whole = false
    public var problems: [VerifyReport.Problem] = []
    public var isValid: Bool { problems.isEmpty && events > 0 }
}

public enum AuditExport {
    /// Verifies a JSON Lines export with no database: each line's hash over its canonical fields and the line
    /// before it, sequence numbers without gaps, and links that join.
    /// Unless `partial`, the export must be the whole log: it starts at event #1, on the genesis link.
    public static func check(lines: some Sequence<Substring>, partial: Bool = false, problemsMax: Int = 100) -> ExportCheck {
        var report = ExportCheck()
        var previous: String?
        var expected: Int64?
        func problem(_ seq: Int64, _ what: String) {
            if report.problems.count < problemsMax { report.problems.append(.init(seq: seq, what: what)) }
        }
        for (number, line) in lines.enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let fields = fields(object), let prevHash = object["prevHash"] as? String, let hash = object["hash"] as? String else {
                problem(0, "line \(number + 1) is not an event of this format")
                continue
            }
            let seq = fields.seq
            if let expected, seq != expected {
                problem(seq, seq > expected
                        ? (seq == expected + 1 ? "event #\(expected) is missing" : "events #\(expected)…#\(seq - 1) are missing")
                        : "sequence number out of order after #\(expected - 1)")
            }
            if report.events == 0 {
                report.first = seq
                report.whole = seq == 1 && prevHash == Chain.genesis.hex
                if seq == 1 && prevHash != Chain.genesis.hex { problem(seq, "the first event does not start the chain") }
            } else if prevHash != previous {
                problem(seq, "its link to the event before it is broken (an event was removed, inserted or reordered)")
            }
            guard let previousBytes = Data(hex: prevHash), Chain.hash(previous: previousBytes, fields: fields).hex == hash else {
                problem(seq, "its contents do not match its hash: it was altered after it was written")
                previous = hash
                expected = seq + 1
                report.events += 1
                continue
            }
            previous = hash
            expected = seq + 1
            report.events += 1
            report.last = seq
        }
        report.head = previous ?? ""
        if report.events == 0 { problem(0, "the export holds no event") }
        if report.events > 0 && !report.whole && !partial {
            problem(report.first, "the export does not start at the ledger's first event but at #\(report.first); check a part of the log with --partial")
        }
        return report
    }

    static func fields(_ o: [String: Any]) -> Chain.Fields? {
        func int(_ key: String) -> Int? { (o[key] as? NSNumber)?.intValue }
        func text(_ key: String) -> String? { o[key] as? String }
        guard let seq = int("seq"), let id = text("id"), let stream = text("stream"), let version = int("streamVersion"),
              let type = text("type"), let occurredOn = text("occurredOn"), let recordedAt = text("recordedAt"),
              let actor = text("actor"), let scheme = int("schemeVersion"), let earned = int("earned"), let deducted = int("deducted"),
              let redeemed = int("redeemed"), let stock = int("stock"), let payload = text("payload") else { return nil }
        return Chain.Fields(seq: Int64(seq), id: id, stream: stream, streamVersion: Int64(version), type: type, occurredOn: occurredOn,
                            recordedAt: recordedAt, actor: actor, schemeVersion: scheme, key: text("key"), household: text("household"),
                            item: text("item"), rule: text("rule"), earned: earned, deducted: deducted, redeemed: redeemed, stock: stock,
                            reverses: int("reverses").map { Int64($0) }, payload: payload)
    }
}

extension Data {
    /// Bytes from lower- or upper-case hex; nil when it is not hex.
    init?(hex: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for c in hex.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            default: return nil
            }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        guard high == nil else { return nil }
        self.init(bytes)
    }
}

extension EventStore {
    /// What the chain cannot show: events that name other events name ones of the right kind, earlier in the log,
    /// and no item's stock ever goes below zero. Each problem names the event that shows it.
    public func auditConsistency(problemsMax: Int = 100) throws -> [VerifyReport.Problem] {
        try queue.read { db in
            var problems: [VerifyReport.Problem] = []
            func problem(_ seq: Int64, _ what: String) {
                if problems.count < problemsMax { problems.append(.init(seq: seq, what: what)) }
            }
            let scores: Set<String> = ["v1.scoreRecorded", "v1.scoreProposed"]
            let entries: Set<String> = scores.union(["v1.redeemed", "v1.stockReceived", "v1.pointsExpired", "v1.pointsSent", "v1.pointsReceived"])
            let undoing: [String: Set<String>] = [
                "v1.entryReversed": scores.union(["v1.redeemed", "v1.stockReceived"]), "v1.scoreRejected": scores,
                "v1.objectionUpheld": scores, "v1.scoreAmended": scores,
            ]
            let naming: [String: Set<String>] = [
                "v1.scoreApproved": scores, "v1.objectionRaised": scores, "v1.objectionDismissed": scores,
                "v1.reversalRequested": entries,
            ]
            var types: [Int64: String] = [:]
            var stock: [String: Int] = [:]
            let rows = try RawRows(db, sql: """
                SELECT seq, type, item, stock, reverses, payload, household, earned, deducted, redeemed FROM events ORDER BY seq
                """)
            while try rows.next() {
                let seq = rows.int64(0)
                let type = rows.string(1) ?? ""
                types[seq] = type
                let earned = rows.int(7), deducted = rows.int(8), redeemed = rows.int(9), moved = rows.int(3)
                if !EventStore.factsHaveTheirShape(type: type, household: !rows.isNull(6), item: !rows.isNull(2),
                                                   earned: earned, deducted: deducted, redeemed: redeemed, stock: moved) {
                    problem(seq, "its facts (household \(rows.string(6) ?? "none"), item \(rows.string(2) ?? "none"), earned \(earned), "
                            + "deducted \(deducted), redeemed \(redeemed), stock \(moved)) are not what a \(type) moves")
                }
                if let item = rows.string(2), rows.int(3) != 0 {
                    stock[item, default: 0] += rows.int(3)
                    if stock[item]! < 0 { problem(seq, "the stock of \(item) falls to \(stock[item]!) here; goods cannot go below none") }
                }
                if let allowed = undoing[type] {
                    let target = rows.isNull(4) ? nil : rows.int64(4)
                    guard let target, target < seq, let kind = types[target] else {
                        problem(seq, "it takes back event #\(target.map(String.init) ?? "?"), which is not an earlier event of the log"); continue
                    }
                    if !allowed.contains(kind) { problem(seq, "it takes back event #\(target), a \(kind), which cannot be taken back so") }
                } else if let allowed = naming[type] {
                    let payload = rows.string(5) ?? "{}"
                    let target = (try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])?["target"] as? Int
                    guard let target, Int64(target) < seq, let kind = types[Int64(target)] else {
                        problem(seq, "it names event #\(target.map(String.init) ?? "?"), which is not an earlier event of the log"); continue
                    }
                    if !allowed.contains(kind) { problem(seq, "it names event #\(target), a \(kind), where a score or an entry belongs") }
                }
            }
            // What takes an entry back moves exactly the opposite of that entry.
            let undone = try RawRows(db, sql: """
                SELECT r.seq, t.seq FROM events r JOIN events t ON t.seq = r.reverses
                WHERE r.reverses IS NOT NULL AND (r.household IS NOT t.household OR r.item IS NOT t.item OR r.rule IS NOT t.rule
                   OR r.earned != -t.earned OR r.deducted != -t.deducted OR r.redeemed != -t.redeemed OR r.stock != -t.stock)
                ORDER BY r.seq
                """)
            while try undone.next() {
                problem(undone.int64(0), "it takes back event #\(undone.int64(1)) but does not move exactly the opposite of what that moved")
            }
            return problems
        }
    }

    /// The signs and subjects an event of each type moves, by the rule of `facts(of:state:)`: a score awards or deducts
    /// (never both) for a household; the shop's redemption spends points and takes goods; stock arrives; year end clears
    /// and a split or merge sends or receives points (a debt too); what takes an entry back is checked against the entry itself; the
    /// rest move nothing.
    static func factsHaveTheirShape(type: String, household: Bool, item: Bool, earned: Int, deducted: Int, redeemed: Int,
                                    stock: Int) -> Bool {
        switch type {
        case "v1.scoreRecorded", "v1.scoreProposed":
            return household && !item && earned >= 0 && deducted >= 0 && (earned == 0 || deducted == 0) && redeemed == 0 && stock == 0
        case "v1.redeemed":
            return household && item && earned == 0 && deducted == 0 && redeemed > 0 && stock < 0
        case "v1.stockReceived":
            return !household && item && earned == 0 && deducted == 0 && redeemed == 0 && stock > 0
        case "v1.pointsExpired":
            return household && !item && earned == 0 && deducted == 0 && redeemed > 0 && stock == 0
        case "v1.pointsSent", "v1.pointsReceived":
            // A merge moves a debt too.
            return household && !item && earned == 0 && deducted == 0 && stock == 0
        case "v1.entryReversed", "v1.scoreRejected", "v1.objectionUpheld", "v1.scoreAmended":
            return true
        default:
            return earned == 0 && deducted == 0 && redeemed == 0 && stock == 0
        }
    }
}
