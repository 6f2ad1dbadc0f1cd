import Crypto
import Foundation
import GRDB
import GRDBSQLite
import JifenCore

extension EventStore {
    /// What the chain cannot show: events that name other events name ones of the right kind, earlier in the log,
    /// and no item's stock ever goes below zero. Each problem names the event that shows it.
    ///
    /// With `after`, only the events after that one are checked, each against the events it names wherever they are
    /// (looked up one by one); the stock, which is summed from the start, is then left out.
    public func auditConsistency(after: Int64 = 0, problemsMax: Int = 100) throws -> [VerifyReport.Problem] {
        try queue.read { db in
            var problems: [VerifyReport.Problem] = []
            func problem(_ seq: Int64, zh: String, en: String) {
                if problems.count < problemsMax { problems.append(.init(seq: seq, zh: zh, en: en)) }
            }
            // Each event's type read so far, by sequence number: one byte an event (its place among the types this
            // version knows, 0 for another name, which is kept aside), rather than a dictionary of strings.
            let known = EventType.allCases
            var codes: [UInt8] = []
            var others: [Int64: String] = [:]
            let earlier = try db.makeStatement(sql: "SELECT type FROM events WHERE seq = ?")
            func typeName(of seq: Int64) throws -> String? {
                if seq > after {
                    let index = Int(seq - after - 1)
                    guard index >= 0, index < codes.count else { return nil }
                    return codes[index] == 0 ? others[seq] : known[Int(codes[index]) - 1].rawValue
                }
                return try String.fetchOne(earlier, arguments: [seq])
            }
            var stock: [String: Int] = [:]
            // From the log's own table: a compact log's payload is NULL for the scores its facts spell out, and only the
            // payloads of events that name another (never such a score) are read here.
            let rows = try RawRows(db, sql: """
                SELECT seq, type, item, stock, reverses, payload, household, earned, deducted, redeemed, rule, id FROM \(try LogFormat.of(db).table)
                WHERE seq > \(after) ORDER BY seq
                """)
            // Each event's id as 16 bytes, to find one given twice: stored format 1 has a unique index on it, a compact
            // log none (its UUIDs are 16 bytes of a BLOB, or text).
            var ids = EventIds()
            // Each event that takes another back, with its facts, to hold against that event's once the pass is done.
            struct Undoing { let seq: Int64, target: Int64, household: String?, item: String?, rule: String?, moves: [Int] }
            var undoing: [Undoing] = []
            var types = TypeColumn()
            var expected = after + 1
            while try rows.next() {
                let seq = rows.int64(0)
                ids.add(rows, 11, seq: seq)
                let knownType = types.read(rows, 1)
                // (A gap in the log is the chain's to name; the codes stay one an event.)
                while expected < seq { codes.append(0); expected += 1 }
                if seq == expected {
                    if let knownType, let index = known.firstIndex(of: knownType), index < 255 {
                        codes.append(UInt8(index + 1))
                    } else {
                        codes.append(0)
                        others[seq] = rows.string(1) ?? ""
                    }
                    expected += 1
                }
                let type = knownType?.rawValue ?? rows.string(1) ?? ""
                let earned = rows.int(7), deducted = rows.int(8), redeemed = rows.int(9), moved = rows.int(3)
                if !EventStore.factsHaveTheirShape(type: knownType, household: !rows.isNull(6), item: !rows.isNull(2),
                                                   earned: earned, deducted: deducted, redeemed: redeemed, stock: moved) {
                    problem(seq, zh: "它记下的数字（农户 \(rows.string(6) ?? "无")、物品 \(rows.string(2) ?? "无")、加分 \(earned)、扣分 \(deducted)、"
                            + "兑换 \(redeemed)、库存 \(moved)）不是 \(type) 这类事件该有的",
                            en: "its facts (household \(rows.string(6) ?? "none"), item \(rows.string(2) ?? "none"), earned \(earned), "
                            + "deducted \(deducted), redeemed \(redeemed), stock \(moved)) are not what a \(type) moves")
                }
                if after == 0, let item = rows.string(2), rows.int(3) != 0 {
                    let left = stock[item, default: 0] + rows.int(3)
                    stock[item] = left
                    if left < 0 {
                        problem(seq, zh: "到这里 \(item) 的库存变成了 \(left)；库存不可能少于零", en: "the stock of \(item) falls to \(left) here; goods cannot go below none")
                    }
                }
                if !rows.isNull(4) {
                    undoing.append(Undoing(seq: seq, target: rows.int64(4), household: rows.string(6), item: rows.string(2), rule: rows.string(10),
                                           moves: [earned, deducted, redeemed, moved]))
                }
                if let allowed = knownType?.takesBack, !allowed.isEmpty {
                    let target = rows.isNull(4) ? nil : rows.int64(4)
                    guard let target, target < seq, let kind = try typeName(of: target) else {
                        problem(seq, zh: "它冲回的第 \(target.map(String.init) ?? "?") 条事件不是流水里在它之前的事件",
                                en: "it takes back event #\(target.map(String.init) ?? "?"), which is not an earlier event of the log"); continue
                    }
                    if !allowed.contains(where: { $0.rawValue == kind }) {
                        problem(seq, zh: "它冲回第 \(target) 条事件（\(kind)），而这类事件不能这样冲回", en: "it takes back event #\(target), a \(kind), which cannot be taken back so")
                    }
                } else if let allowed = knownType?.names, !allowed.isEmpty {
                    let payload = rows.string(5) ?? "{}"
                    let target = (try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])?["target"] as? Int
                    guard let target, Int64(target) < seq, let kind = try typeName(of: Int64(target)) else {
                        problem(seq, zh: "它所指的第 \(target.map(String.init) ?? "?") 条事件不是流水里在它之前的事件",
                                en: "it names event #\(target.map(String.init) ?? "?"), which is not an earlier event of the log"); continue
                    }
                    if !allowed.contains(where: { $0.rawValue == kind }) {
                        problem(seq, zh: "它所指的第 \(target) 条事件是 \(kind)，这里应当是一条记分或账目", en: "it names event #\(target), a \(kind), where a score or an entry belongs")
                    }
                }
            }
            // What takes an entry back moves exactly the opposite of that entry: each looked up by its sequence number
            // (rather than a second pass over the log joined with itself).
            let taken = try db.makeStatement(sql: "SELECT household, item, rule, earned, deducted, redeemed, stock FROM events WHERE seq = ?")
            for undo in undoing {
                guard let target = try Row.fetchOne(taken, arguments: [undo.target]) else { continue }
                // Read with throwing decoding: a damaged value (text where a number belongs, bytes that are not UTF-8)
                // is a finding, not a trap.
                let household: String?, item: String?, rule: String?, moves: [Int]
                do {
                    household = try target.decode(String?.self, atIndex: 0)
                    item = try target.decode(String?.self, atIndex: 1)
                    rule = try target.decode(String?.self, atIndex: 2)
                    moves = try (3...6).map { try target.decode(Int?.self, atIndex: $0) ?? 0 }
                } catch {
                    problem(undo.seq, zh: "它冲回的第 \(undo.target) 条事件有一栏读不出来（文件已损坏）",
                            en: "it takes back event #\(undo.target), one of whose columns cannot be read (the file is damaged)")
                    continue
                }
                if undo.household != household || undo.item != item || undo.rule != rule || undo.moves != moves.map({ 0 &- $0 }) {
                    problem(undo.seq, zh: "它冲回第 \(undo.target) 条事件，但变动的数字不是那条事件的正好相反",
                            en: "it takes back event #\(undo.target) but does not move exactly the opposite of what that moved")
                }
            }
            let idOf = try db.makeStatement(sql: "SELECT id FROM \(try LogFormat.of(db).table) WHERE seq = ?")
            func id(_ seq: Int64) throws -> [UInt8]? {
                guard let value = try DatabaseValue.fetchOne(idOf, arguments: [seq]) else { return nil }
                switch value.storage {
                case .blob(let data): return data.withUnsafeBytes { EventIds.bytes($0, isBlob: true) }
                case .string(let text): return Array(text.utf8).withUnsafeBytes { EventIds.bytes($0, isBlob: false) }
                default: return nil
                }
            }
            for (first, again) in try ids.repeated(same: { try id($0) == id($1) }) {
                problem(again, zh: "它的编号（id）与第 \(first) 条事件的相同：每条事件的编号都应独一无二",
                        en: "its id is the same as event #\(first)'s: every event's id is its own")
            }
            return problems
        }
    }

    /// The signs and subjects an event of each type moves (`EventType.factsHaveTheirShape`); an event of a type this
    /// version does not know must move nothing.
    static func factsHaveTheirShape(type: EventType?, household: Bool, item: Bool, earned: Int, deducted: Int, redeemed: Int,
                                    stock: Int) -> Bool {
        guard let type else { return EventType.movesNothing(earned: earned, deducted: deducted, redeemed: redeemed, stock: stock) }
        return type.factsHaveTheirShape(household: household, item: item, earned: earned, deducted: deducted, redeemed: redeemed,
                                        stock: stock)
    }
}

/// Events' ids, to find one given twice: each id as a 64-bit digest of its 16 bytes with the event's sequence number
/// (16 MB at 10^6 events), sorted in place; two events whose digests meet have their whole ids compared.
struct EventIds {
    private var entries: [(key: UInt64, seq: Int64)] = []

    /// An id's 16 bytes: a UUID's as stored, or as its lower-case text gives them, or for any other text the first 16
    /// bytes of its SHA-256.
    static func bytes(_ stored: UnsafeRawBufferPointer, isBlob: Bool) -> [UInt8] {
        if isBlob && stored.count == 16 { return Array(stored) }
        if let bytes = CompactFields.uuidBytes(String(decoding: stored, as: UTF8.self)) { return Array(bytes) }
        return Array(SHA256.hash(data: Data(stored)).prefix(16))
    }

    /// Adds the current row's id (column `column`).
    mutating func add(_ rows: RawRows, _ column: Int32, seq: Int64) {
        guard !rows.isNull(column) else { return }
        let id = EventIds.bytes(rows.bytes(column), isBlob: sqlite3_column_type(rows.handle, column) == SQLITE_BLOB)
        let high = id[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = id[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        entries.append((high ^ low.multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15).low, seq))
    }

    /// Each id given again: the first event that has it and each later one (`same` compares two events' whole ids).
    mutating func repeated(same: (Int64, Int64) throws -> Bool) rethrows -> [(first: Int64, again: Int64)] {
        entries.sort { ($0.key, $0.seq) < ($1.key, $1.seq) }
        var found: [(first: Int64, again: Int64)] = []
        var start = 0
        for index in entries.indices.dropFirst() {
            guard entries[index].key == entries[start].key else {
                start = index
                continue
            }
            // The first of the run whose whole id is this one's.
            if let first = try entries[start..<index].first(where: { try same($0.seq, entries[index].seq) }) {
                found.append((first.seq, entries[index].seq))
            }
        }
        return found.sorted { $0.again < $1.again }
    }
}
