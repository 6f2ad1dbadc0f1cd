import Foundation
import Jifen
import JifenAudit
import JifenDemo
import JifenCore
@testable import JifenStore
import Testing

/// `AuditExport.check` reads an export's bytes with its own JSON reader: these tests hold it to the hash rule on real
/// exports, on exports written again by another JSON writer, and on every kind of damage.
@Suite struct ExportChecks {
    static let brokenLink = "its link to the event before it is broken (an event was removed, inserted or reordered)"
    static let altered = "its contents do not match its hash: it was altered after it was written"

    /// A ledger whose payloads hold every character JSON must escape, a surrogate pair, Chinese, a key, reversals (negative
    /// facts) and redemptions; its export as lines, and the head `verify` gives.
    static func exported() throws -> (lines: [String], head: String, events: Int) {
        let scratch = try Scratch()
        let (ledger, script) = try makeVillage(at: scratch.path("v.sqlite"))
        try ledger.execute(.receiveStock("salt", quantity: 20, source: "县慈善总会捐赠 \"特供\" \\ a/b 😀"), by: "李店长",
                           on: LocalDate("2025-02-01")!)
        for (month, household) in [(2, "H001"), (3, "H002"), (4, "H003")] {
            let date = LocalDate(year: 2025, month: month, day: 10)!
            script.setEvening(of: date)
            try ledger.execute(score(household, "C1.2", points: 10, note: "调解\"纠纷\"，路径 C:\\tmp/x，emoji 😀𝄞"), by: "王会计", on: date,
                               key: "票据-\(month)")
            try ledger.execute(score(household, "A2.3", points: 6, note: "占道晾晒"), by: "王会计", on: date)
            try ledger.execute(.redeem(HouseholdCode(rawValue: household), "salt", quantity: 1), by: "李店长", on: date)
        }
        script.setEvening(of: LocalDate("2025-12-31")!)
        // Control characters are refused at input now, but a ledger written before may hold them: this reversal goes in as
        // such a ledger holds it, appended past `decide`.
        let target = try #require(try ledger.read { try $0.entry(.seq(9)) })
        let reversal = EntryReversed(target: 9, targetId: target.id, targetType: target.type.rawValue, reason: "记错户\t（第二行）\n见\u{1F}附件")
        _ = try ledger.store.write { session in
            try session.append(.entryReversed(reversal), meta: EventMeta(id: script.environment.newId(), occurredOn: LocalDate("2025-07-01")!,
                                                                          recordedAt: "2025-12-31T09:30:00.000Z", actor: "王会计", key: nil))
        }
        try ledger.execute(.reverse(.seq(10), reason: "退货 \\ \"整包\""), by: "李店长", on: LocalDate("2025-07-01")!)
        var lines: [String] = []
        try ledger.store.exportEvents(.jsonl) { lines.append(String(decoding: $0.dropLast(), as: UTF8.self)) }
        let report = try ledger.store.verify()
        #expect(report.isValid)
        return (lines, report.head.hex, Int(report.events))
    }

    static func check(_ lines: [String], partial: Bool = false, parts: Int? = nil, newline: String = "\n") -> JifenAudit.ExportCheck {
        AuditExport.check(data: Data((lines.joined(separator: newline) + newline).utf8), partial: partial, parts: parts)
    }

    static func problems(_ report: JifenAudit.ExportCheck) -> [String] { report.problems.map(\.description) }

    /// The same report whether the file is read in one part or in several (parts join at line boundaries).
    static func expectSameInParts(_ data: Data, partial: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let one = AuditExport.check(data: data, partial: partial, parts: 1)
        for parts in [2, 3, 5, 16] {
            let many = AuditExport.check(data: data, partial: partial, parts: parts)
            #expect(many.events == one.events && many.first == one.first && many.last == one.last && many.head == one.head
                    && many.whole == one.whole && problems(many) == problems(one),
                    "in \(parts) parts: \(problems(many)) against \(problems(one))", sourceLocation: sourceLocation)
        }
    }

    @Test func anExportFromAStoreChecksWithTheStoresHead() throws {
        let (lines, head, events) = try ExportChecks.exported()
        #expect(lines.count == events)
        let report = ExportChecks.check(lines)
        #expect(report.isValid, "\(ExportChecks.problems(report))")
        #expect(report.events == events && report.first == 1 && report.last == Int64(events) && report.whole && report.head == head)
        // The payloads did need escapes: quotes, backslashes, a tab, a line feed, a control character, astral characters.
        let text = lines.joined(separator: "\n")
        for escaped in [#"\\\""#, #"\\\\"#, #"\\t"#, #"\\n"#, #"\\u001f"#, "😀", "𝄞"] { #expect(text.contains(escaped), "\(escaped)") }
        // CRLF line ends, blank lines and no final line feed change nothing.
        #expect(ExportChecks.check(lines, newline: "\r\n").head == head)
        #expect(ExportChecks.check(lines, newline: "\r\n").isValid)
        let spaced = AuditExport.check(data: Data(("\n" + lines.joined(separator: "\n\n  \n")).utf8))
        #expect(spaced.isValid && spaced.head == head, "\(ExportChecks.problems(spaced))")
        ExportChecks.expectSameInParts(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    @Test func anExportWrittenAgainByAnotherJSONWriterStillChecks() throws {
        let (lines, head, _) = try ExportChecks.exported()
        // Keys reversed, every non-ASCII character as \u escapes (surrogate pairs beyond the BMP), "/" as "\/", spaces.
        let rewritten = try lines.map { try Rewriter.rewrite($0, order: .reversed) }
        #expect(rewritten.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } })
        #expect(rewritten.joined().contains(#"\ud83d\ude00"#))
        #expect(rewritten.joined().contains(#"\/"#))
        let report = ExportChecks.check(rewritten)
        #expect(report.isValid && report.head == head, "\(ExportChecks.problems(report))")
        // Keys sorted, upper-case \u escapes and upper-case hashes, and null fields left out, as some writers do.
        let sorted = try lines.map { try Rewriter.rewrite($0, order: .sorted, upperCase: true, dropNulls: true) }
        #expect(sorted[0].contains(#""actor" : "\u5F20"#) && !sorted[0].contains("\"key\""))
        let again = ExportChecks.check(sorted)
        #expect(again.isValid && again.head == head, "\(ExportChecks.problems(again))")
        ExportChecks.expectSameInParts(Data((rewritten.joined(separator: "\n") + "\n").utf8))
    }

    @Test func everySingleByteAlterationOfALineIsCaught() throws {
        let (lines, _, _) = try ExportChecks.exported()
        // A score with the escaped note and a key, a reversal (negative facts), and the last line (its hash is the head).
        for index in [8, lines.count - 2, lines.count - 1] {
            let line = Array(lines[index].utf8)
            let before = Data(lines[..<index].map { $0 + "\n" }.joined().utf8), after = Data(lines[(index + 1)...].map { "\n" + $0 }.joined().utf8)
            for position in line.indices {
                var changed = line
                changed[position] ^= 0x01
                let data = before + Data(changed) + after
                let report = AuditExport.check(data: data, parts: 1)
                #expect(!report.isValid, "byte \(position) of line \(index + 1) changed to \(changed[position]) went unnoticed")
            }
        }
        // Named precisely: one altered character of the actor, of the payload, of a number.
        var altered = lines
        altered[9] = altered[9].replacingOccurrences(of: "\"actor\":\"王会计\"", with: "\"actor\":\"李会计\"")
        #expect(altered[9] != lines[9])
        #expect(ExportChecks.problems(ExportChecks.check(altered)) == ["event #10: \(ExportChecks.altered)"])
        var payload = lines
        payload[9] = payload[9].replacingOccurrences(of: "占道晾晒", with: "占道晾哂")
        #expect(payload[9] != lines[9])
        #expect(ExportChecks.problems(ExportChecks.check(payload)) == ["event #10: \(ExportChecks.altered)"])
        var stock = lines
        stock[10] = stock[10].replacingOccurrences(of: "\"stock\":-1", with: "\"stock\":-2")
        #expect(stock[10] != lines[10])
        #expect(ExportChecks.problems(ExportChecks.check(stock)) == ["event #11: \(ExportChecks.altered)"])
        // A changed hash: that event is altered and the next one no longer links to it.
        var hash = lines
        let written = try #require(hash[11].range(of: "\"hash\":\""))
        let digit = hash[11].index(written.upperBound, offsetBy: 10)
        hash[11].replaceSubrange(digit...digit, with: hash[11][digit] == "0" ? "1" : "0")
        #expect(ExportChecks.problems(ExportChecks.check(hash)) == ["event #12: \(ExportChecks.altered)", "event #13: \(ExportChecks.brokenLink)"])
        ExportChecks.expectSameInParts(Data(hash.joined(separator: "\n").utf8))
    }

    @Test func droppedSwappedAndTruncatedLinesAreNamed() throws {
        let (lines, _, events) = try ExportChecks.exported()
        var dropped = lines
        dropped.remove(at: 4)
        #expect(ExportChecks.problems(ExportChecks.check(dropped)) == ["event #6: event #5 is missing", "event #6: \(ExportChecks.brokenLink)"])
        var three = lines
        three.removeSubrange(4..<7)
        #expect(ExportChecks.problems(ExportChecks.check(three)) == ["event #8: events #5…#7 are missing", "event #8: \(ExportChecks.brokenLink)"])

        var swapped = lines
        swapped.swapAt(4, 5)
        #expect(ExportChecks.problems(ExportChecks.check(swapped)) == [
            "event #6: event #5 is missing", "event #6: \(ExportChecks.brokenLink)",
            "event #5: sequence number out of order after #6", "event #5: \(ExportChecks.brokenLink)",
            "event #7: event #6 is missing", "event #7: \(ExportChecks.brokenLink)",
        ])

        var truncated = lines
        truncated[7] = String(truncated[7].prefix(truncated[7].count / 2))
        #expect(ExportChecks.problems(ExportChecks.check(truncated)) == [
            "line 8 is not an event of this format", "event #9: event #8 is missing", "event #9: \(ExportChecks.brokenLink)",
        ])
        // A file cut short in its last line.
        let whole = Data(lines.joined(separator: "\n").utf8)
        let cut = ExportChecks.check([String(decoding: whole.prefix(whole.count - 30), as: UTF8.self)], newline: "")
        #expect(ExportChecks.problems(cut) == ["line \(events) is not an event of this format"] && cut.events == events - 1)

        for damaged in [dropped, three, swapped, truncated] { ExportChecks.expectSameInParts(Data(damaged.joined(separator: "\n").utf8)) }
    }

    @Test func aFieldOfTheWrongTypeOrAnUnknownOrRepeatedKeyIsNotAnEvent() throws {
        let (lines, head, _) = try ExportChecks.exported()
        let line = lines[8]
        #expect(line.contains("\"seq\":9,") && line.contains("\"earned\":10,") && line.contains("\"key\":\"票据-2\""))
        let wrong = [
            ("\"earned\":10,", "\"earned\":\"10\","),          // a number as a string
            ("\"seq\":9,", "\"seq\":9.0,"),                    // not an integer
            ("\"seq\":9,", "\"seq\":9e0,"),
            ("\"seq\":9,", "\"seq\":05,"),                     // a leading zero
            ("\"seq\":9,", "\"seq\":99999999999999999999,"),   // beyond 64 bits
            ("\"key\":\"票据-2\"", "\"key\":2"),                // text as a number
            ("\"actor\":\"王会计\"", "\"actor\":null"),         // null where it may not be
            ("\"actor\":\"王会计\"", "\"actor\":true"),
            ("\"actor\":\"王会计\"", "\"actor\":[\"王会计\"]"),
            ("\"household\":\"H001\"", "\"household\":{\"code\":\"H001\"}"),
            ("\"seq\":9,", "\"seq\":9,\"note\":\"x\","),       // an unknown key
            ("\"seq\":9,", "\"seq\":9,\"seq\":9,"),            // a repeated key
            ("\"id\":", "\"ID\":"),
            ("\"seq\":9,", ""),                                // a required key left out
            ("\"actor\":\"王会计\"", "\"actor\":\"王\\ud800会计\""), // a lone surrogate
            ("\"actor\":\"王会计\"", "\"actor\":\"王\\x会计\""),     // no such escape
            ("\"actor\":\"王会计\"", "\"actor\":\"王\t会计\""),      // a raw control character
            ("\"actor\":\"王会计\"", "\"actor\":'王会计'"),
            ("\"hash\":\"", "\"hash\":\"00"),                  // 66 hex digits
        ]
        for (from, to) in wrong {
            var tampered = lines
            tampered[8] = line.replacingOccurrences(of: from, with: to)
            #expect(tampered[8] != line, "\(to)")
            let report = ExportChecks.check(tampered)
            #expect(ExportChecks.problems(report).first == "line 9 is not an event of this format", "\(to): \(ExportChecks.problems(report))")
            #expect(report.events == lines.count - 1)
        }
        // A hash with a character that is not a hex digit; and one whose digit is written as an escape, which is still the hash.
        let hashed = try #require(line.range(of: "\"hash\":\""))
        for bad in ["g", "G", ":", "/", "@", "`", "~", " ", "é", "\\u0067"] {
            var tampered = lines
            tampered[8] = line.replacingCharacters(in: hashed.upperBound..<line.index(after: hashed.upperBound), with: bad)
            #expect(ExportChecks.problems(ExportChecks.check(tampered)).first == "line 9 is not an event of this format", "\(bad)")
        }
        var escapedDigit = lines
        let digit = line[hashed.upperBound]
        escapedDigit[8] = line.replacingCharacters(in: hashed.upperBound..<line.index(after: hashed.upperBound),
                                                   with: String(format: "\\u%04x", digit.unicodeScalars.first!.value))
        #expect(escapedDigit[8].contains("\"hash\":\"\\u00"))
        #expect(ExportChecks.check(escapedDigit).isValid, "\(ExportChecks.problems(ExportChecks.check(escapedDigit)))")
        // Invalid UTF-8 in a string, raw.
        var bytes = Array(line.utf8)
        let actor = try #require(line.utf8.firstRange(of: "王会计".utf8))
        let offset = line.utf8.distance(from: line.utf8.startIndex, to: actor.lowerBound)
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xE7, 0x8E]] {
            bytes = Array(line.utf8)
            bytes.replaceSubrange(offset..<offset + 3, with: bad)
            let data = Data(lines[..<8].map { $0 + "\n" }.joined().utf8) + Data(bytes) + Data(lines[9...].map { "\n" + $0 }.joined().utf8)
            #expect(ExportChecks.problems(AuditExport.check(data: data)).first == "line 9 is not an event of this format", "\(bad)")
        }
        // Null fields that may be null can be left out; spaces and tabs between tokens are allowed.
        var loose = ""
        var inString = false, escaped = false
        for character in line.replacingOccurrences(of: "\"reverses\":null,", with: "") {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                loose.append(character)
            } else if character == "," || character == ":" {
                loose += " \(character)\t"
            } else {
                if character == "\"" { inString = true }
                loose.append(character)
            }
        }
        #expect(loose.contains(" ,\t") && loose.contains(" :\t"))
        var relaxed = lines
        relaxed[8] = "  " + loose + " \t"
        #expect(!relaxed[8].contains("reverses"))
        let report = ExportChecks.check(relaxed)
        #expect(report.isValid && report.head == head, "\(ExportChecks.problems(report))")
    }

    @Test func theStartOfTheChainAndAnEmptyExport() throws {
        let (lines, head, events) = try ExportChecks.exported()
        #expect(ExportChecks.problems(AuditExport.check(data: Data())) == ["the export holds no event"])
        #expect(ExportChecks.problems(AuditExport.check(data: Data("\n\n \n".utf8))) == ["the export holds no event"])
        #expect(ExportChecks.problems(ExportChecks.check(["not json", "{}"])) == [
            "line 1 is not an event of this format", "line 2 is not an event of this format", "the export holds no event",
        ])
        // A part of the log checks with `partial` only.
        let part = Array(lines[4..<9])
        #expect(ExportChecks.problems(ExportChecks.check(part)) == [
            "event #5: the export does not start at the ledger's first event but at #5; check a part of the log with --partial",
        ])
        let partial = ExportChecks.check(part, partial: true)
        #expect(partial.isValid && !partial.whole && partial.first == 5 && partial.last == 9)
        // A first event whose link is not the genesis.
        var first = lines
        first[0] = first[0].replacingOccurrences(of: "\"prevHash\":\"0000", with: "\"prevHash\":\"0001")
        #expect(ExportChecks.problems(ExportChecks.check(first)) == [
            "event #1: the first event does not start the chain", "event #1: \(ExportChecks.altered)",
            "event #1: the export does not start at the ledger's first event but at #1; check a part of the log with --partial",
        ])
        let whole = ExportChecks.check(lines, parts: 4)
        #expect(whole.isValid && whole.head == head && whole.events == events)
        for damaged in [part, first] { ExportChecks.expectSameInParts(Data(damaged.joined(separator: "\n").utf8)) }
        ExportChecks.expectSameInParts(Data(part.joined(separator: "\n").utf8), partial: true)
    }

    /// Every JSON escape decodes to the bytes the hash rule takes: two events made by hand, hashed with `Chain.hash`, written
    /// with the escapes and without them.
    @Test func everyEscapeDecodesToTheBytesThatAreHashed() throws {
        let tricky = "引号\"反斜杠\\斜杠/退格\u{8}换页\u{C}回车\r换行\n制表\t\u{1}\u{1F}😀𝄞 é A"
        var first = Chain.Fields(seq: 1, id: "00000000-0000-4000-8000-000000000001", stream: "ledger", streamVersion: 1, type: "v1.ledgerOpened",
                                 occurredOn: "2025-01-01", recordedAt: "2025-01-01T09:30:00.000Z", actor: "张书记" + tricky, schemeVersion: 0,
                                 key: nil, household: nil, item: nil, rule: nil, earned: 0, deducted: 0, redeemed: 0, stock: 0, reverses: nil,
                                 payload: "{\"note\":" + tricky + "}")
        let hash1 = Chain.hash(previous: Chain.genesis, fields: first)
        first.seq = 2
        first.key = "键" + tricky
        first.earned = -9_223_372_036_854_775_807 - 1
        first.stock = 9_223_372_036_854_775_807
        first.reverses = -1
        let hash2 = Chain.hash(previous: hash1, fields: first)
        func line(_ fields: Chain.Fields, previous: Data, hash: Data, escapeAll: Bool) -> String {
            func text(_ value: String?) -> String { value.map { Rewriter.quote($0, false, escapeAll: escapeAll) } ?? "null" }
            func number(_ value: Int64?) -> String { value.map { "\($0)" } ?? "null" }
            let members = [
                ("seq", number(fields.seq)), ("id", text(fields.id)), ("stream", text(fields.stream)),
                ("streamVersion", number(fields.streamVersion)), ("type", text(fields.type)), ("occurredOn", text(fields.occurredOn)),
                ("recordedAt", text(fields.recordedAt)), ("actor", text(fields.actor)), ("schemeVersion", number(Int64(fields.schemeVersion))),
                ("key", text(fields.key)), ("household", text(fields.household)), ("item", text(fields.item)), ("rule", text(fields.rule)),
                ("earned", number(Int64(fields.earned))), ("deducted", number(Int64(fields.deducted))), ("redeemed", number(Int64(fields.redeemed))),
                ("stock", number(Int64(fields.stock))), ("reverses", number(fields.reverses)), ("payload", text(fields.payload)),
                ("prevHash", text(previous.hex)), ("hash", text(hash.hex)),
            ]
            return "{" + members.map { "\(Rewriter.quote($0.0, false, escapeAll: escapeAll)):\($0.1)" }.joined(separator: ",") + "}"
        }
        var second = first
        second.seq = 1
        second.key = nil
        second.earned = 0
        second.stock = 0
        second.reverses = nil
        for escapeAll in [false, true] {
            let lines = [line(second, previous: Chain.genesis, hash: hash1, escapeAll: escapeAll),
                         line(first, previous: hash1, hash: hash2, escapeAll: escapeAll)]
            if escapeAll {
                #expect(lines.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x80 } })
                for escape in [#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\r"#, #"\n"#, #"\t"#, #"\u0001"#, #"\ud83d\ude00"#, #"\u0041"#] {
                    #expect(lines[1].contains(escape), "\(escape)")
                }
            }
            let report = ExportChecks.check(lines)
            #expect(report.isValid && report.head == hash2.hex && report.last == 2, "\(ExportChecks.problems(report))")
        }
    }

    /// A second JSON writer, in the manner of Python's `json.dumps(ensure_ascii=True)`: every non-ASCII character as
    /// `\uXXXX` (UTF-16, so a surrogate pair beyond the BMP), `/` as `\/`, keys in another order, spaces.
    enum Rewriter {
        enum Order { case reversed, sorted }

        static func rewrite(_ line: String, order: Order, upperCase: Bool = false, dropNulls: Bool = false) throws -> String {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let keys = ["seq", "id", "stream", "streamVersion", "type", "occurredOn", "recordedAt", "actor", "schemeVersion", "key",
                        "household", "item", "rule", "earned", "deducted", "redeemed", "stock", "reverses", "payload", "prevHash", "hash"]
            #expect(Set(object.keys) == Set(keys))
            var members: [String] = []
            for key in order == .reversed ? keys.reversed() : keys.sorted() {
                let value = object[key]!
                if value is NSNull {
                    if !dropNulls { members.append("\(quote(key, upperCase)) : null") }
                } else if let text = value as? String {
                    let written = upperCase && (key == "hash" || key == "prevHash") ? text.uppercased() : text
                    members.append("\(quote(key, upperCase)) : \(quote(written, upperCase))")
                } else {
                    members.append("\(quote(key, upperCase)) : \(try #require(value as? Int))")
                }
            }
            return "{ " + members.joined(separator: " , ") + " }"
        }

        /// `escapeAll`: every escape JSON has, and "A" as `\u0041`; else only what JSON requires, the rest as UTF-8.
        static func quote(_ text: String, _ upperCase: Bool, escapeAll: Bool? = nil) -> String {
            if let escapeAll {
                var out = "\""
                for scalar in text.unicodeScalars {
                    switch scalar.value {
                    case 0x22: out += "\\\""
                    case 0x5C: out += "\\\\"
                    case 0x2F where escapeAll: out += "\\/"
                    case 0x08: out += "\\b"
                    case 0x0C: out += "\\f"
                    case 0x0D: out += "\\r"
                    case 0x0A: out += "\\n"
                    case 0x09: out += "\\t"
                    case 0x41 where escapeAll: out += "\\u0041"
                    case 0..<0x20: out += String(format: "\\u%04x", scalar.value)
                    case 0x20..<0x7F: out.unicodeScalars.append(scalar)
                    default:
                        if !escapeAll { out.unicodeScalars.append(scalar); continue }
                        for unit in String(scalar).utf16 { out += String(format: "\\u%04x", unit) }
                    }
                }
                return out + "\""
            }
            var out = "\""
            for unit in text.utf16 {
                switch unit {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x2F: out += "\\/"
                case 0x0A: out += "\\n"
                case 0x09: out += "\\t"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                default:
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + (upperCase ? hex.uppercased() : hex)
                }
            }
            return out + "\""
        }
    }
}
