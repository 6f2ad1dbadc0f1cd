import Foundation
import JifenCore

/// A stored payload read without `JSONDecoder`, for the payloads jifen writes (`PayloadWriter`: no whitespace, keys
/// once each, strings without escapes, whole numbers): parsed in one pass over its bytes into spans, then decoded by the
/// payload's own `Decodable` through a small `Decoder`. Anything outside that form, and anything the payload's type
/// asks for that is not a string, a whole number, a Boolean, null, an array or an object of ASCII keys, is `Unread`,
/// and the caller reads the payload with `JSONDecoder` instead (`EventCodec.event`): so what this accepts, `JSONDecoder`
/// accepts the same (a stricter grammar, the same `Decodable` code), and what it cannot read is refused, or not, by
/// `JSONDecoder` alone. Loading a village file, the link check spent 18% of its time in `JSONDecoder` (docs/PERFORMANCE.md).
struct StrictPayload: EventPayloadReader {
    /// Not read here: read the payload with `JSONDecoder`.
    struct Unread: Error {}

    let text: String
    /// Rule snapshots already decoded, by their bytes (nil: none kept).
    var memo: PayloadMemo? = nil

    func payload<Payload: EventPayload>() throws -> Payload {
        var text = text
        return try text.withUTF8 { bytes in
            if Payload.self == ScoreRecorded.self, let memo, let score = Self.writtenScore(bytes, memo: memo) as? Payload { return score }
            var parser = Parser(bytes: bytes)
            let root = try parser.value()
            guard parser.at == bytes.count else { throw Unread() }
            let reader = Reader(bytes: bytes, nodes: parser.nodes, node: root, memo: memo)
            if Payload.self == ScoreRecorded.self, let score = try Self.score(reader) as? Payload { return score }
            return try Payload(from: reader)
        }
    }

    /// A score, most of a village's log, read as its synthesized `init(from:)` reads it (each property under its name,
    /// in order, `source` only when present and not null) but through `Keyed` itself rather than the boxed
    /// `KeyedDecodingContainer` `Decodable` hands out: the box and its generic dispatch were most of the 19,000
    /// instructions a score took to decode (callgrind, `jifen-county load`; docs/PERFORMANCE.md). What either refuses,
    /// the other refuses, so `JSONDecoder` is asked in the same cases (`StrictPayloads` holds both to it).
    private static func score(_ reader: Reader) throws -> ScoreRecorded {
        guard reader.nodes[reader.node].kind == .object else { throw Unread() }
        let keyed = Keyed<ScoreKey>(reader: reader)
        let household = HouseholdCode(rawValue: try keyed.decode(String.self, forKey: .household))
        let rule = try keyed.decode(RuleSnapshot.self, forKey: .rule)
        let points = try keyed.decode(Int.self, forKey: .points)
        let note = try keyed.decode(String.self, forKey: .note)
        let source = try keyed.contains(.source) && !keyed.decodeNil(forKey: .source) ? try keyed.decode(SheetLine.self, forKey: .source) : nil
        return ScoreRecorded(household: household, rule: rule, points: points, note: note, source: source)
    }

    /// A score as `PayloadWriter` writes it and stored format 2 spells it out — exactly `{"household":"H","note":"N",
    /// "points":P,"rule":R}`, with `H` and `N` strings the parser reads (no escape, no control character), `P` a whole
    /// number it reads and `R` the bytes of a rule snapshot `memo` holds — read without parsing, or nil for anything
    /// else, which is then parsed. What it reads, parsing reads the same: the four keys once each and in that order, the
    /// strings' bytes as they are, the number by the same rule, and `R` exactly a value parsed and decoded before.
    /// A county's load spent 150 M of its 1,035 M instructions parsing the scores of an 11,038-event file and looking
    /// their rules up (callgrind; docs/PERFORMANCE.md), nearly all of them this shape.
    static func writtenScore(_ bytes: UnsafeBufferPointer<UInt8>, memo: PayloadMemo) -> ScoreRecorded? {
        guard let base = bytes.baseAddress else { return nil }
        var at = 0
        func literal(_ piece: StaticString) -> Bool {
            let count = piece.utf8CodeUnitCount
            guard at + count <= bytes.count, memcmp(base + at, piece.utf8Start, count) == 0 else { return false }
            at += count
            return true
        }
        // A string's bytes up to its closing quote (which is passed), by the parser's own rule.
        func string() -> UnsafeBufferPointer<UInt8>? {
            guard let end = Grammar.stringEnd(bytes, from: at, key: false) else { return nil }
            defer { at = end + 1 }
            return UnsafeBufferPointer(rebasing: bytes[at..<end])
        }
        guard literal("{\"household\":\""), let household = string(), literal(",\"note\":\""), let note = string(),
              literal(",\"points\":"), let digits = Grammar.numberEnd(bytes, from: at),
              let points = Grammar.wholeNumber(Int.self, bytes, at..<digits) else { return nil }
        at = digits
        guard literal(",\"rule\":"), bytes[bytes.count - 1] == UInt8(ascii: "}"), at < bytes.count - 1,
              let rule = memo.rule(UnsafeBufferPointer(rebasing: bytes[at..<(bytes.count - 1)])) else { return nil }
        return ScoreRecorded(household: HouseholdCode(rawValue: String(decoding: household, as: UTF8.self)), rule: rule, points: points,
                             note: String(decoding: note, as: UTF8.self), source: nil)
    }

    /// The pieces of the grammar that both the parser and `writtenScore` read (a string, a whole number), here once so
    /// that the two agree by construction.
    enum Grammar {
        /// Where the string whose bytes start at `start` closes (the index of its closing quote), or nil: a string
        /// without escapes or control characters, a key ASCII only (so that keys compare as bytes do), closed.
        static func stringEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, key: Bool) -> Int? {
            var at = start
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") { return at }
                guard byte >= 0x20, byte != UInt8(ascii: "\\"), !key || byte < 0x80 else { return nil }
                at += 1
            }
            return nil
        }

        /// Where the whole number starting at `start` ends, or nil: `-`? then `0` or digits not starting with `0`; no
        /// fraction, no exponent, not `-0`. (What follows it is the caller's to check.)
        static func numberEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
            var at = start
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
            let digits = at
            while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
            guard at > digits, bytes[digits] != UInt8(ascii: "0") || (at == digits + 1 && digits == start) else { return nil }
            return at
        }

        /// The value of a whole number `numberEnd` found, or nil where it does not fit `T`.
        static func wholeNumber<T: FixedWidthInteger>(_ type: T.Type, _ bytes: UnsafeBufferPointer<UInt8>, _ span: Range<Int>) -> T? {
            var index = span.lowerBound
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            var result: T = 0
            while index < span.upperBound {
                let digit = T(bytes[index] - UInt8(ascii: "0"))
                let (times, overflow) = result.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflow, !overflow2 else { return nil }
                result = next
                index += 1
            }
            return result
        }
    }

    /// `ScoreRecorded`'s coding keys, as synthesized: its properties' names.
    private enum ScoreKey: String, CodingKey { case household, rule, points, note, source }

    /// One value: its kind, and where it is (a string's bytes between its quotes, a number's digits), or for an object
    /// or array where its members are in `Parser.nodes` (an object's as key, value, key, value…).
    struct Node {
        enum Kind { case object, array, string, number, bool, null }
        let kind: Kind
        var start: Int
        var end: Int
        /// A container's members (indices into `nodes`), filled when it closes.
        var members: [Int] = []
    }

    struct Parser {
        /// The deepest nesting read here, and the most keys an object may have: jifen's payloads are a few levels deep
        /// with a dozen keys at most. Beyond them a payload is left to `JSONDecoder`, which refuses nesting past 512
        /// levels itself, so that a hostile payload (a push of 200 KB of `[`, an object of 50,000 keys) neither runs
        /// this parser's recursion off the stack nor its repeated-key check into quadratic time.
        static let maximumDepth = 32, maximumKeys = 64

        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0
        var nodes: [Node] = []
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            nodes.reserveCapacity(16)
        }

        mutating func value() throws -> Int {
            guard at < bytes.count else { throw Unread() }
            switch bytes[at] {
            case UInt8(ascii: "{"): return try container(.object, close: UInt8(ascii: "}"))
            case UInt8(ascii: "["): return try container(.array, close: UInt8(ascii: "]"))
            case UInt8(ascii: "\""): return try string(key: false)
            case UInt8(ascii: "t"): return try word("true", .bool)
            case UInt8(ascii: "f"): return try word("false", .bool)
            case UInt8(ascii: "n"): return try word("null", .null)
            default: return try number()
            }
        }

        private mutating func add(_ node: Node) -> Int {
            nodes.append(node)
            return nodes.count - 1
        }

        private mutating func container(_ kind: Node.Kind, close: UInt8) throws -> Int {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw Unread() }
            let index = add(Node(kind: kind, start: at, end: at))
            at += 1
            var members: [Int] = []
            if at < bytes.count && bytes[at] == close {
                at += 1
            } else {
                while true {
                    if kind == .object {
                        guard at < bytes.count, bytes[at] == UInt8(ascii: "\""), members.count < 2 * Self.maximumKeys else { throw Unread() }
                        let key = try string(key: true)
                        // A key once: JSONDecoder's choice between two is not this reader's to guess.
                        for other in stride(from: 0, to: members.count, by: 2) where same(nodes[members[other]], nodes[key]) { throw Unread() }
                        members.append(key)
                        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw Unread() }
                        at += 1
                    }
                    members.append(try value())
                    guard at < bytes.count else { throw Unread() }
                    if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                    guard bytes[at] == close else { throw Unread() }
                    at += 1
                    break
                }
            }
            nodes[index].members = members
            nodes[index].end = at
            return index
        }

        private func same(_ a: Node, _ b: Node) -> Bool {
            a.end - a.start == b.end - b.start && (0..<(a.end - a.start)).allSatisfy { bytes[a.start + $0] == bytes[b.start + $0] }
        }

        /// A string without escapes or control characters (a key: ASCII only, so that keys compare as bytes do).
        private mutating func string(key: Bool) throws -> Int {
            let start = at + 1
            guard let end = Grammar.stringEnd(bytes, from: start, key: key) else { throw Unread() }
            at = end + 1
            return add(Node(kind: .string, start: start, end: end))
        }

        private mutating func word(_ word: StaticString, _ kind: Node.Kind) throws -> Int {
            let count = word.utf8CodeUnitCount
            guard at + count <= bytes.count else { throw Unread() }
            for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset] { throw Unread() }
            let index = add(Node(kind: kind, start: at, end: at + count))
            at += count
            return index
        }

        /// A whole number: `-`? then `0` or digits not starting with `0`; no fraction, no exponent, not `-0`.
        private mutating func number() throws -> Int {
            let start = at
            guard let end = Grammar.numberEnd(bytes, from: start) else { throw Unread() }
            at = end
            return add(Node(kind: .number, start: start, end: end))
        }
    }

    /// The `Decoder` the payload's `init(from:)` reads a node through.
    struct Reader: Decoder {
        let bytes: UnsafeBufferPointer<UInt8>
        let nodes: [Node]
        let node: Int
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        let memo: PayloadMemo?

        func at(_ index: Int) -> Reader { Reader(bytes: bytes, nodes: nodes, node: index, memo: memo) }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard nodes[node].kind == .object else { throw Unread() }
            return KeyedDecodingContainer(Keyed<Key>(reader: self))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard nodes[node].kind == .array else { throw Unread() }
            return Unkeyed(reader: self)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(reader: self) }

        var isNull: Bool { nodes[node].kind == .null }

        func string() throws -> String {
            let value = nodes[node]
            guard value.kind == .string else { throw Unread() }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[value.start..<value.end]), as: UTF8.self)
        }

        func bool() throws -> Bool {
            let value = nodes[node]
            guard value.kind == .bool else { throw Unread() }
            return bytes[value.start] == UInt8(ascii: "t")
        }

        func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            let value = nodes[node]
            guard value.kind == .number, let result = Grammar.wholeNumber(T.self, bytes, value.start..<value.end) else { throw Unread() }
            return result
        }

        /// A value of the payload's own types, through their `init(from:)`; the types `JSONDecoder` reads in a way of
        /// its own (dates, data, URLs, decimals) and floating-point numbers are left to it.
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let value: Any
            switch type {
            case is String.Type: value = try string()
            case is Bool.Type: value = try bool()
            case is Int.Type: value = try integer(Int.self)
            case is Int64.Type: value = try integer(Int64.self)
            case is Int32.Type: value = try integer(Int32.self)
            case is UInt.Type: value = try integer(UInt.self)
            case is UInt64.Type: value = try integer(UInt64.self)
            case is UInt32.Type: value = try integer(UInt32.self)
            case is Int16.Type, is Int8.Type, is UInt16.Type, is UInt8.Type: throw Unread()
            case is Double.Type, is Float.Type, is Date.Type, is Data.Type, is URL.Type, is Decimal.Type: throw Unread()
            case is RuleSnapshot.Type:
                guard let memo else { return try T(from: self) }
                let span = nodes[node]
                let key = UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])
                if let known = memo.rule(key) as? T { return known }
                let rule = try T(from: self)
                memo.keep(rule as? RuleSnapshot, bytes: key)
                return rule
            default: return try T(from: self)
            }
            guard let typed = value as? T else { throw Unread() }
            return typed
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let reader: Reader
        var codingPath: [any CodingKey] { [] }

        /// The value under `key`, if the object has it.
        private func member(_ key: Key) -> Int? {
            let members = reader.nodes[reader.node].members
            let wanted = key.stringValue.utf8
            for index in stride(from: 0, to: members.count, by: 2) {
                let node = reader.nodes[members[index]]
                if node.end - node.start == wanted.count && zip(reader.bytes[node.start..<node.end], wanted).allSatisfy({ $0 == $1 }) {
                    return members[index + 1]
                }
            }
            return nil
        }

        private func value(_ key: Key) throws -> Reader {
            guard let index = member(key) else { throw Unread() }
            return reader.at(index)
        }

        var allKeys: [Key] {
            let members = reader.nodes[reader.node].members
            return stride(from: 0, to: members.count, by: 2).compactMap { Key(stringValue: (try? reader.at(members[$0]).string()) ?? "") }
        }

        func contains(_ key: Key) -> Bool { member(key) != nil }
        func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(key).decode(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try value(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try value(key).unkeyedContainer() }
        func superDecoder() throws -> any Decoder { throw Unread() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Unread() }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let reader: Reader
        var codingPath: [any CodingKey] { [] }
        var currentIndex = 0
        var count: Int? { reader.nodes[reader.node].members.count }
        var isAtEnd: Bool { currentIndex >= reader.nodes[reader.node].members.count }

        init(reader: Reader) { self.reader = reader }

        private mutating func next() throws -> Reader {
            guard !isAtEnd else { throw Unread() }
            defer { currentIndex += 1 }
            return reader.at(reader.nodes[reader.node].members[currentIndex])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw Unread() }
            guard reader.at(reader.nodes[reader.node].members[currentIndex]).isNull else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { throw Unread() }
    }

    struct Single: SingleValueDecodingContainer {
        let reader: Reader
        var codingPath: [any CodingKey] { [] }
        func decodeNil() -> Bool { reader.isNull }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try reader.decode(type) }
    }
}

/// The rule snapshots a run of payloads named, each decoded once (`StrictPayload.memo`): a village's scores name a few
/// dozen rules over and over, and decoding a rule's snapshot through its `init(from:)` was 25,000 of the 190,000
/// instructions an event of a load (callgrind, `jifen-county load` of an 11,038-event file; docs/PERFORMANCE.md). Keyed by
/// the snapshot's exact bytes, and decoding is a function of them alone, so a snapshot found here is the one decoding
/// gives. Holds at most `limit` of them (a hostile file of distinct rules only makes the rest decode as before).
package final class PayloadMemo {
    package static let limit = 4_096
    /// The snapshots kept, by their bytes' hash (a dictionary of arrays would make an array of each snapshot's bytes
    /// to look it up, and hash them a byte at a time).
    private var rules: [Int: [(bytes: [UInt8], rule: RuleSnapshot)]] = [:]
    private(set) var count = 0

    package init() {}

    /// Every snapshot kept, with its bytes.
    var kept: [(bytes: [UInt8], rule: RuleSnapshot)] { rules.values.flatMap { $0 } }

    /// The snapshot decoded from exactly these bytes, if kept.
    func rule(_ bytes: UnsafeBufferPointer<UInt8>) -> RuleSnapshot? {
        rules[Self.hash(bytes)]?.first { kept in
            kept.bytes.count == bytes.count && kept.bytes.withUnsafeBufferPointer { mine in
                guard let mine = mine.baseAddress, let theirs = bytes.baseAddress else { return bytes.isEmpty }
                return memcmp(mine, theirs, bytes.count) == 0
            }
        }?.rule
    }

    func keep(_ rule: RuleSnapshot?, bytes: UnsafeBufferPointer<UInt8>) {
        guard let rule, count < Self.limit, self.rule(bytes) == nil else { return }
        rules[Self.hash(bytes), default: []].append((Array(bytes), rule))
        count += 1
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }
}
