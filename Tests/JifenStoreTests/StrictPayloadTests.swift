import Foundation
import JifenCore
@testable import JifenStore
import Testing

/// `StrictPayload` (payloads read without `JSONDecoder`) reads every type's payload as jifen writes it, to the same
/// event `JSONDecoder` reads; and on payloads damaged in every way tried, `EventCodec.event` accepts exactly what
/// `JSONDecoder` accepts, as the same event, and refuses exactly what it refuses.
@Suite struct StrictPayloads {
    /// What `EventCodec.event` and `JSONDecoder` alone make of a payload: the same event, or both a refusal.
    static func agree(_ type: EventType, _ payload: String) -> (agree: Bool, accepted: Bool) {
        let mine = Result { try EventCodec.event(type: type, payload: payload) }
        let reference = Result { try EventCodec.jsonEvent(type: type, payload: payload) }
        switch (mine, reference) {
        case (.success(let a), .success(let b)): return (a == b, true)
        case (.failure, .failure): return (true, false)
        default: return (false, false)
        }
    }

    /// Payloads near `payload`: cut at each place, each byte dropped, each replaced by bytes that matter to JSON, and
    /// whitespace, an escape, a repeated key, an unknown key, nulls and numbers in other spellings put in. Every place of
    /// a short payload; for a long one (a scheme) places spread over it.
    static func damaged(_ payload: String) -> [String] {
        let bytes = Array(payload.utf8)
        let step = max(1, bytes.count / 400)
        let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
        var out: [String] = []
        for at in stride(from: 0, to: bytes.count, by: step) {
            out.append(text(Array(bytes[..<at])))
            out.append(text(Array(bytes[..<at] + bytes[(at + 1)...])))
            for replacement in ["\"", "\\", "0", "9", "-", "x", " ", "{", "}", "[", "]", ",", ":", "null", "\u{01}", "é", ".5", "e3"] {
                out.append(text(Array(bytes[..<at]) + Array(replacement.utf8) + Array(bytes[(at + 1)...])))
            }
            for insertion in [" ", "\n", "\\u0041", "0", "1", "\"\":0,"] {
                out.append(text(Array(bytes[..<at]) + Array(insertion.utf8) + Array(bytes[at...])))
            }
        }
        // Whole values in other spellings: each number as a fraction, with an exponent, negative zero, leading zeros,
        // beyond Int64; each string escaped; each value null; and keys unknown and repeated.
        for (pattern, template) in [(#":(-?[0-9]+)"#, ":$1.0"), (#":(-?[0-9]+)"#, ":$1e0"), (#":(-?[0-9]+)"#, ":-0"),
                                    (#":(-?[0-9]+)"#, ":0$1"), (#":(-?[0-9]+)"#, ":99999999999999999999"),
                                    (#":"([^"]*)""#, ":\"\\u0020$1\""), (#":("[^"]*"|-?[0-9]+|true|false)"#, ":null"),
                                    (#"^\{"#, "{\"zz\":1,"), (#"^\{("[^"]+"):([^,}]+),"#, "{$1:$2,$1:$2,"),
                                    (#"true"#, "1"), (#"false"#, "0"), (#"\[\]"#, "null")] {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            let range = NSRange(payload.startIndex..., in: payload)
            for match in regex.matches(in: payload, range: range).prefix(20) {
                let replaced = NSMutableString(string: payload)
                let one = regex.replacementString(for: match, in: payload, offset: 0, template: template)
                replaced.replaceCharacters(in: match.range, with: one)
                out.append(replaced as String)
            }
        }
        out += ["", " ", "{}", "[]", "null", "1", "\"\"", payload + " ", " " + payload, payload + payload, "[\(payload)]"]
        // Hostile shapes: nesting far deeper than any payload (past JSONDecoder's own limit too), and an object with
        // thousands of keys, first and wrapped around the payload's own.
        let deep = 200_000
        out += [String(repeating: "[", count: deep), String(repeating: "[", count: deep) + String(repeating: "]", count: deep),
                String(repeating: "{\"a\":", count: 40) + "1" + String(repeating: "}", count: 40)]
        let keys = (0..<5_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        out += ["{\(keys)}", "{\(keys)," + payload.dropFirst()]
        return out
    }

    /// Every type's sample payload, and a score from a tally sheet's line (the one payload read by a path of its own,
    /// `StrictPayload.score`, with its optional `source` present).
    static func samples() throws -> [(EventType, String)] {
        var samples = try EventType.allCases.map { ($0, try EventCodec.payload(of: try EventTypes.sample($0))) }
        if case .scoreRecorded(let score) = try EventTypes.sample(.scoreRecorded) {
            let sheet = String(repeating: "ab", count: 32)
            let line = ScoreRecorded(household: score.household, rule: score.rule, points: -3, note: "第 12 行", source: SheetLine(sheet: sheet, line: 12))
            samples.append((.scoreRecorded, try EventCodec.payload(of: .scoreRecorded(line))))
        }
        #expect(samples.contains { $0.0 == .scoreRecorded && $0.1.contains("\"source\"") })
        return samples
    }

    /// Every type's payload as written is read here, not left to `JSONDecoder`, and is the event written.
    @Test func everyTypesPayloadIsReadWithoutJSONDecoder() throws {
        let memo = PayloadMemo()
        for (type, written) in try Self.samples() {
            let event = try EventCodec.jsonEvent(type: type, payload: written)
            for payload in [written, try EventCodec.encodedPayload(of: event)] {
                #expect(EventCodec.strictEvent(type: type, payload: payload) == event, "\(type): \(payload)")
                // Twice with the memo: decoded, then found there.
                for _ in 0..<2 { #expect(EventCodec.strictEvent(type: type, payload: payload, memo: memo) == event, "\(type): \(payload)") }
            }
        }
        #expect(memo.count > 0)
    }

    /// On every type's payload, damaged: accepted as the same event, or refused, exactly as by `JSONDecoder`. Both kinds
    /// of outcome occur (else the damage would prove nothing), and some damaged payloads are accepted by `JSONDecoder`
    /// after this reader left them to it (whitespace, an unknown key).
    @Test func damagedPayloadsAreRefusedExactlyAsJSONDecoderRefusesThem() throws {
        var accepted = 0, refused = 0, leftToJSONDecoder = 0
        for (type, payload) in try Self.samples() {
            for damaged in Self.damaged(payload) {
                let (agree, wasAccepted) = Self.agree(type, damaged)
                #expect(agree, "\(type): \(damaged)")
                if wasAccepted {
                    accepted += 1
                    if EventCodec.strictEvent(type: type, payload: damaged) == nil { leftToJSONDecoder += 1 }
                } else {
                    refused += 1
                    #expect(EventCodec.strictEvent(type: type, payload: damaged) == nil, "\(type) read what JSONDecoder refuses: \(damaged)")
                }
            }
        }
        #expect(accepted > 0 && refused > 0 && leftToJSONDecoder > 0, "accepted \(accepted), refused \(refused), left \(leftToJSONDecoder)")
    }

    /// With one `PayloadMemo` for every payload, as a load keeps one for a whole file: the same verdicts and the same
    /// events as `JSONDecoder`'s, the memo's rule snapshots reused (fewer kept than scores read) and each the one decoding
    /// its bytes gives.
    @Test func aMemoOfRuleSnapshotsChangesNoVerdict() throws {
        let memo = PayloadMemo()
        var scores = 0
        for (type, payload) in try Self.samples() {
            for damaged in [payload, payload] + Self.damaged(payload) {
                let mine = Result { try EventCodec.event(type: type, payload: damaged, memo: memo) }
                let reference = Result { try EventCodec.jsonEvent(type: type, payload: damaged) }
                switch (mine, reference) {
                case (.success(let a), .success(let b)):
                    #expect(a == b, "\(type): \(damaged)")
                    if case .scoreRecorded = a { scores += 1 }
                case (.failure, .failure): break
                default: Issue.record("\(type): \(damaged) read otherwise with the memo")
                }
            }
        }
        #expect(memo.count > 0 && memo.count < scores, "\(memo.count) snapshots kept for \(scores) scores")
        #expect(memo.kept.count == memo.count)
        for (bytes, rule) in memo.kept {
            #expect(try EventCodec.decoder.decode(RuleSnapshot.self, from: Data(bytes)) == rule)
        }
    }

    /// A score in the form jifen writes it is read without parsing once its rule's bytes are in the memo
    /// (`StrictPayload.writtenScore`), to the score `JSONDecoder` reads; every damaged one it does not decline is read to
    /// that same score. Scores with a note and with none (the form stored format 2 spells out from a row's columns),
    /// of two rules whose snapshots differ only in their Chinese name; one from a tally sheet's line (its `source`) is parsed.
    @Test func aScoreAsWrittenIsReadWithoutParsingToTheSameScore() throws {
        guard case .scoreRecorded(let first) = try EventTypes.sample(.scoreRecorded) else { throw StrictPayload.Unread() }
        let ruleJSON = String(decoding: try EventCodec.encoder.encode(first.rule), as: UTF8.self)
        let other = try EventCodec.decoder.decode(RuleSnapshot.self, from: Data(ruleJSON.replacingOccurrences(of: "\"zh\":\"", with: "\"zh\":\"又").utf8))
        #expect(other != first.rule)
        let memo = PayloadMemo()
        var read = 0, declined = 0
        let samples = [first, ScoreRecorded(household: first.household, rule: other, points: 1, note: "", source: nil)]
        for (sample, points) in samples.flatMap({ sample in [0, 7, -5, Int.max, Int.min].map { (sample, $0) } }) {
            for note in ["", "第 3 次", "a \"quoted\" note"] {
                let score = ScoreRecorded(household: sample.household, rule: sample.rule, points: points, note: note, source: nil)
                let payload = try EventCodec.payload(of: .scoreRecorded(score))
                // Parsed once, which keeps its rule's bytes in the memo.
                #expect(try EventCodec.event(type: .scoreRecorded, payload: payload, memo: memo) == .scoreRecorded(score))
                for candidate in [payload] + Self.damaged(payload) {
                    var text = candidate
                    let quick = text.withUTF8 { StrictPayload.writtenScore($0, memo: memo) }
                    guard let quick else { declined += 1; continue }
                    read += 1
                    #expect(try EventCodec.jsonEvent(type: .scoreRecorded, payload: candidate) == .scoreRecorded(quick), "\(candidate)")
                }
                // As written (a note with quotes is written with escapes, which this leaves to the parser).
                var text = payload
                #expect(text.withUTF8 { StrictPayload.writtenScore($0, memo: memo) } == (note.contains("\"") ? nil : score))
            }
        }
        #expect(read > 0 && declined > 0, "read \(read), declined \(declined)")
        #expect(memo.count == 2)
        // Without its rule in the memo, it is parsed; and so is a score with its tally sheet's line.
        var text = try EventCodec.payload(of: .scoreRecorded(first))
        #expect(text.withUTF8 { StrictPayload.writtenScore($0, memo: PayloadMemo()) } == nil)
        let line = ScoreRecorded(household: first.household, rule: first.rule, points: 2, note: "", source: SheetLine(sheet: String(repeating: "ab", count: 32), line: 3))
        var sheet = try EventCodec.payload(of: .scoreRecorded(line))
        #expect(sheet.withUTF8 { StrictPayload.writtenScore($0, memo: memo) } == nil)
        #expect(try EventCodec.event(type: .scoreRecorded, payload: sheet, memo: memo) == .scoreRecorded(line))
    }
}
