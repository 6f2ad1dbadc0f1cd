import Foundation
import GRDB
import JifenCore

extension StoreSession {
    /// Inserts one event row into a compact log (`LogFormat.compact`): the UUID as its 16 bytes, the instant in
    /// milliseconds, and a score's payload left out when its facts and its rule's text give it back byte for byte.
    func insertCompact(_ fields: Chain.Fields, hash: Data) throws {
        guard let milliseconds = RecordedInstant.milliseconds(fields.recordedAt) else {
            throw StoreError.unusable(message: "the instant \(fields.recordedAt) lies outside the years 1970–9999 that a compact log holds")
        }
        let bind = try eventBinder()
        bind.integer(1, fields.seq)
        if let bytes = CompactFields.uuidBytes(fields.id) { bind.blob(2, bytes) } else { bind.text(2, fields.id) }
        bind.text(3, fields.stream)
        bind.integer(4, fields.streamVersion)
        bind.text(5, fields.type)
        bind.text(6, fields.occurredOn)
        bind.integer(7, milliseconds)
        bind.text(8, fields.actor)
        bind.integer(9, Int64(fields.schemeVersion))
        bind.text(10, fields.key)
        bind.text(11, fields.household)
        bind.text(12, fields.item)
        bind.text(13, fields.rule)
        bind.integer(14, Int64(fields.earned))
        bind.integer(15, Int64(fields.deducted))
        bind.integer(16, Int64(fields.redeemed))
        bind.integer(17, Int64(fields.stock))
        bind.integer(18, fields.reverses)
        bind.text(19, try storesWholePayload(fields) ? fields.payload : nil)
        bind.blob(20, hash)
        try bind.run(db, sql: StoreSession.compactInsertSQL)
    }

    /// Whether a compact log must hold this event's payload: false for a score whose payload its facts and its rule's
    /// text in `rule_texts` spell out (the text is filed there by the first such score of its scheme version and rule).
    private func storesWholePayload(_ fields: Chain.Fields) throws -> Bool {
        guard let text = CompactFields.ruleText(of: fields), let rule = fields.rule else { return true }
        let key = RuleTextKey(schemeVersion: fields.schemeVersion, rule: rule)
        let known: String?
        if let remembered = memory.ruleTexts[key] {
            known = remembered
        } else {
            known = try value(String.self, "SELECT text FROM rule_texts WHERE scheme_version = ? AND rule = ?",
                              arguments: [fields.schemeVersion, rule])
        }
        if let known {
            remember(known, for: key)
            return known != text
        }
        try run("INSERT INTO rule_texts (scheme_version, rule, text) VALUES (?, ?, ?)", arguments: [fields.schemeVersion, rule, text])
        remember(text, for: key)
        return false
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
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var bytes = Data(capacity: 16)
        var high: UInt8?
        for (index, byte) in utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }

    /// The lower-case text of a UUID's 16 bytes into `buffer` (36 bytes).
    static func uuidText(_ bytes: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) {
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
        let prefix = scorePrefix(household: household, points: fields.earned - fields.deducted)
        let payload = fields.payload.utf8
        guard payload.count > prefix.utf8.count + 1, payload.starts(with: prefix.utf8), payload.last == UInt8(ascii: "}") else { return nil }
        let text = String(decoding: payload.dropFirst(prefix.utf8.count).dropLast(), as: UTF8.self)
        // The view puts the text between the two: it must be the whole rule object, not spill over into more keys (a
        // tally sheet's `source` comes after the rule).
        guard isOneObject(text.utf8) else { return nil }
        return text
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
