import Foundation
import GRDB
import JifenCore

extension StoreSession {
    /// Whether a compact log must hold this event's payload: false for a score whose payload its facts and its rule's
    /// text in `rule_texts` spell out byte for byte.
    ///
    /// The payload is compared byte for byte with the one the view would spell out from the facts and the filed text
    /// (`CompactFields.spellsOut`), with no string made: cutting the rule's text out of the payload first and comparing
    /// it took 15,000 instructions an event, 4% of an import's. The same answer: a filed text is one JSON object (one
    /// that is not, which only damage leaves, counts as no text), so a payload that is the prefix, that text and `}`
    /// is exactly one whose cut-out text is the filed one.
    func storesWholePayload(_ fields: Chain.Fields) throws -> Bool {
        guard fields.type == EventType.scoreRecorded.rawValue, let household = fields.household, let rule = fields.rule,
              household.utf8.allSatisfy({ $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return true }
        let key = RuleTextKey(schemeVersion: fields.schemeVersion, rule: rule)
        let known: String?
        if let remembered = memory.ruleTexts[key] {
            known = remembered
        } else {
            let filed = try value(String.self, "SELECT text FROM rule_texts WHERE scheme_version = ? AND rule = ?",
                                  arguments: [fields.schemeVersion, rule])
            known = filed.flatMap { CompactFields.isOneObject($0.utf8) ? $0 : nil }
            remember(known, for: key)
        }
        guard let known else { return true }
        return !CompactFields.spellsOut(fields.payload, household: household, points: fields.earned - fields.deducted, text: known)
    }

    /// Files the texts of a scheme version's rules, as its scores' payloads will hold them, when the version's event is
    /// appended: the texts come from the hashed scheme event alone, so an auditor can make them again, and a score is
    /// never what files one — a text missing from `rule_texts` (damage) leaves the scores after it stored whole,
    /// rather than filed again over the damage for the earlier ones to read as sound.
    func fileRuleTexts(ofScheme payload: String) throws {
        guard case .schemeAdopted(let adopted)? = try? EventCodec.event(type: EventType.schemeAdopted.rawValue, payload: payload) else {
            return
        }
        for (rule, text) in CompactFields.ruleTexts(of: adopted) {
            // (A text already filed stays: rule_texts refuses any insert over one.)
            try run("""
                INSERT INTO rule_texts (scheme_version, rule, text) SELECT ?1, ?2, ?3
                WHERE NOT EXISTS (SELECT 1 FROM rule_texts WHERE scheme_version = ?1 AND rule = ?2)
                """, arguments: [adopted.version, rule, text])
            forgetRuleText(RuleTextKey(schemeVersion: adopted.version, rule: rule))
        }
    }
}

/// A scheme version and a rule: the key of `rule_texts`.
struct RuleTextKey: Hashable {
    let schemeVersion: Int
    let rule: String
}

/// How a compact log stores what stored format 1 holds as text (`LogFormat.compact`, docs/FORMAT.md).
enum CompactFields {
    /// The 16 bytes of a UUID written in lower case (8-4-4-4-12 hex digits), or nil for any other text.
    static func uuidBytes(_ text: String) -> Data? {
        // Read in place, into one buffer of 16 (an array of the text and a growing `Data` were 9,000 instructions an
        // event, 2.5% of an import's).
        var text = text
        return text.withUTF8 { utf8 -> Data? in
            guard utf8.count == 36 else { return nil }
            var bytes = Data(count: 16)
            let parsed = bytes.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) -> Bool in
                var at = 0, high: UInt8 = 0, isHigh = true
                for index in 0..<36 {
                    let byte = utf8[index]
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        guard byte == UInt8(ascii: "-") else { return false }
                        continue
                    }
                    let value: UInt8
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
                    default: return false
                    }
                    if isHigh {
                        high = value
                    } else {
                        out[at] = high << 4 | value
                        at += 1
                    }
                    isHigh.toggle()
                }
                return true
            }
            return parsed ? bytes : nil
        }
    }

    /// The lower-case text of a UUID's 16 bytes into `buffer` (36 bytes).
    /// (Through the pointers: the chain's pass of `verify` writes one for every event of a compact log, and the loop over
    /// the bytes with a branch a digit took about 1% of its instructions.)
    static func uuidText(_ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) {
        guard bytes.count == 16, buffer.count >= 36, let source = bytes.baseAddress, let target = buffer.baseAddress else {
            func digit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
            var at = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[at] = UInt8(ascii: "-")
                    at += 1
                }
                buffer[at] = digit(byte >> 4)
                buffer[at + 1] = digit(byte & 0x0F)
                at += 2
            }
            return
        }
        // Four bytes at a time made into their eight digits within one 64-bit word (`hexDigits`): a table and a branch a
        // byte for the dashes were about 350 instructions a UUID.
        let digits = { (from: Int) -> UInt64 in
            CompactFields.hexDigits(of: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: from, as: UInt32.self)))
        }
        let pair = { (from: Int) -> UInt32 in
            let two = UInt32(source.load(fromByteOffset: from, as: UInt8.self)) | UInt32(source.load(fromByteOffset: from + 1, as: UInt8.self)) << 8
            return UInt32(truncatingIfNeeded: CompactFields.hexDigits(of: two))
        }
        target.storeBytes(of: digits(0).littleEndian, toByteOffset: 0, as: UInt64.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 8, as: UInt8.self)
        target.storeBytes(of: pair(4).littleEndian, toByteOffset: 9, as: UInt32.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 13, as: UInt8.self)
        target.storeBytes(of: pair(6).littleEndian, toByteOffset: 14, as: UInt32.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 18, as: UInt8.self)
        target.storeBytes(of: pair(8).littleEndian, toByteOffset: 19, as: UInt32.self)
        target.storeBytes(of: UInt8(ascii: "-"), toByteOffset: 23, as: UInt8.self)
        target.storeBytes(of: digits(10).littleEndian, toByteOffset: 24, as: UInt64.self)
        target.storeBytes(of: pair(14).littleEndian, toByteOffset: 32, as: UInt32.self)
    }

    /// The lower-case hex digits of four bytes (the first in the low eight bits), in their order, as the bytes of a
    /// 64-bit word from its low end: each byte spread to 16 bits, its two nibbles to a byte each, and each nibble made a
    /// digit in every byte at once ('0' + n, and 39 more from 10 up, where n + 6 carries into the fifth bit).
    @inline(__always)
    static func hexDigits(of four: UInt32) -> UInt64 {
        var spread = UInt64(four)
        spread = (spread | spread << 16) & 0x0000_FFFF_0000_FFFF
        spread = (spread | spread << 8) & 0x00FF_00FF_00FF_00FF
        let nibbles = (spread >> 4) & 0x000F_000F_000F_000F | (spread & 0x000F_000F_000F_000F) << 8
        let letters = ((nibbles &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return nibbles &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
    }

    /// Each rule of a scheme version with its text as a score's payload holds it: cut from the payload of a score of
    /// that rule made by the same writer, so that the two are the same bytes.
    static func ruleTexts(of adopted: SchemeAdopted) -> [(rule: String, text: String)] {
        adopted.scheme.rules.compactMap { rule in
            let snapshot = RuleSnapshot(rule: rule, category: adopted.scheme.category(of: rule)?.code ?? "")
            let score = ScoreRecorded(household: HouseholdCode(rawValue: "H"), rule: snapshot, points: 1, note: "", source: nil)
            guard let payload = try? EventCodec.payload(of: .scoreRecorded(score)),
                  let text = ruleText(in: payload, household: "H", points: 1) else { return nil }
            return (rule.code.rawValue, text)
        }
    }

    /// The start of a score's payload that its facts spell out, up to its rule's text.
    static func scorePrefix(household: some StringProtocol, points: Int) -> String {
        "{\"household\":\"\(household)\",\"note\":\"\",\"points\":\(points),\"rule\":"
    }

    /// The rule's text in a score's payload when the payload is exactly the one its facts and that text spell out
    /// (`scorePrefix`, the text, `}`); nil for any other event or payload.
    static func ruleText(of fields: Chain.Fields) -> String? {
        guard fields.type == EventType.scoreRecorded.rawValue, let household = fields.household, fields.rule != nil,
              household.utf8.allSatisfy({ $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return nil }
        return ruleText(in: fields.payload, household: household, points: fields.earned - fields.deducted)
    }

    /// The rule's text in a score's `payload` when it is `scorePrefix(household, points)`, one JSON object, and `}`.
    static func ruleText(in payload: String, household: String, points: Int) -> String? {
        let prefix = scorePrefix(household: household, points: points)
        let utf8 = payload.utf8
        guard utf8.count > prefix.utf8.count + 1, utf8.starts(with: prefix.utf8), utf8.last == UInt8(ascii: "}") else { return nil }
        let text = String(decoding: utf8.dropFirst(prefix.utf8.count).dropLast(), as: UTF8.self)
        // The view puts the text between the two: it must be the whole rule object, not spill over into more keys (a
        // tally sheet's `source` comes after the rule).
        return isOneObject(text.utf8) ? text : nil
    }

    /// Whether `payload` is, byte for byte, `scorePrefix(household, points)`, `text` and `}`.
    static func spellsOut(_ payload: String, household: String, points: Int, text: String) -> Bool {
        var payload = payload, household = household, text = text
        return payload.withUTF8 { whole in
            household.withUTF8 { household in
                text.withUTF8 { text in
                    var at = 0
                    func take(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
                        guard whole.count - at >= part.count else { return false }
                        for index in 0..<part.count where whole[at + index] != part[index] { return false }
                        at += part.count
                        return true
                    }
                    func take(_ part: StaticString) -> Bool {
                        part.withUTF8Buffer { take($0) }
                    }
                    guard take("{\"household\":\""), take(household), take("\",\"note\":\"\",\"points\":") else { return false }
                    // The points in decimal, as `scorePrefix` writes them.
                    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                    let written = withUnsafeMutableBytes(of: &digits) { buffer -> Bool in
                        var magnitude = points.magnitude, count = 0
                        repeat {
                            buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                            magnitude /= 10
                            count += 1
                        } while magnitude > 0
                        if points < 0 {
                            buffer[19 - count] = UInt8(ascii: "-")
                            count += 1
                        }
                        return take(UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[(20 - count)...]))
                    }
                    guard written, take(",\"rule\":"), take(text), take("}") else { return false }
                    return at == whole.count
                }
            }
        }
    }

    /// Whether `text` is one JSON object and nothing more: the `{` it starts with closes at its last byte.
    static func isOneObject(_ text: String.UTF8View) -> Bool {
        guard text.first == UInt8(ascii: "{") else { return false }
        var depth = 0, inString = false, escaped = false, index = 0
        for byte in text {
            index += 1
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return index == text.count }
            }
        }
        return false
    }
}

extension EventStore {
    /// What of a compact log's `rule_texts` is not as its scheme events give it: a text whose scheme version and rule no
    /// scheme of the log has, or which is not, byte for byte, the text the writer files for that rule when the scheme's
    /// event is appended (`CompactFields.ruleTexts`). A text that compact scores lean on is held by their hashes too;
    /// this finds one that none does yet.
    static func ruleTextProblems(_ db: Database) throws -> [VerifyReport.Problem] {
        guard try LogFormat.of(db) == .compact else { return [] }
        var schemes: [Int: (seq: Int64, texts: [String: String])] = [:]
        let events = try RawRows(db, sql: "SELECT seq, payload FROM event_log WHERE stream = 'ledger' AND type = '\(EventType.schemeAdopted.rawValue)' ORDER BY seq")
        while try events.next() {
            guard let payload = events.string(1),
                  case .schemeAdopted(let adopted)? = try? EventCodec.event(type: EventType.schemeAdopted.rawValue, payload: payload) else { continue }
            let texts = CompactFields.ruleTexts(of: adopted)
            schemes[adopted.version] = (events.int64(0), Dictionary(texts.map { ($0.rule, $0.text) }, uniquingKeysWith: { first, _ in first }))
        }
        var problems: [VerifyReport.Problem] = []
        var versionsMissing: Set<Int> = []
        let texts = try RawRows(db, sql: """
            SELECT scheme_version, rule, text, typeof(scheme_version) = 'integer' AND typeof(rule) = 'text' AND typeof(text) = 'text'
            FROM rule_texts ORDER BY scheme_version, rule
            """)
        while try texts.next() {
            let version = texts.int(0), rule = texts.string(1) ?? ""
            guard texts.int(3) == 1 else {
                problems.append(.init(seq: 0, zh: "rule_texts 里标准 \(rule) 的一行存的不是文字（文件已损坏）",
                                      en: "rule_texts' row of rule \(rule) does not hold text where text belongs (the file is damaged)"))
                continue
            }
            guard let scheme = schemes[version] else {
                // (Once for the version: its scheme's event is missing, which the chain names too.)
                if versionsMissing.insert(version).inserted {
                    problems.append(.init(seq: 0, zh: "rule_texts 里有第 \(version) 版积分方案的标准文字，而流水里没有这一版积分方案（文件已损坏）",
                                          en: "rule_texts holds the rules' texts of scheme version \(version), which the log has no scheme of (the file is damaged)"))
                }
                continue
            }
            guard let expected = scheme.texts[rule] else {
                problems.append(.init(seq: scheme.seq, zh: "rule_texts 里有标准 \(rule) 的文字，而这一版积分方案没有这一条（文件已损坏）",
                                      en: "rule_texts holds a text for rule \(rule), which this scheme version does not have (the file is damaged)"))
                continue
            }
            if texts.isNull(2) || !expected.utf8.elementsEqual(texts.bytes(2)) {
                problems.append(.init(seq: scheme.seq, zh: "rule_texts 里标准 \(rule) 的文字与这一版积分方案所定的不同（文件已损坏）",
                                      en: "rule_texts' text of rule \(rule) is not the rule this scheme version gives (the file is damaged)"))
            }
        }
        return problems
    }
}
