import Foundation
import JifenCore

/// Writes the payloads of the frequent events by hand, byte for byte as `JSONEncoder` with sorted keys and
/// unescaped slashes writes them (a test holds the two to the same bytes), at a fraction of the cost: a
/// county's import spends most of its time here otherwise. Other events go through `JSONEncoder`.
enum PayloadWriter {
    static func payload(of event: LedgerEvent) -> String? {
        var out = JSONText()
        // The five frequent payloads; the rest are written by JSONEncoder.
        if let e = event.score {
            out.open()
            out.key("household"); out.string(e.household.rawValue)
            out.key("note"); out.string(e.note)
            out.key("points"); out.number(e.points)
            out.key("rule"); out.open()
            out.key("category"); out.string(e.rule.category)
            out.key("code"); out.string(e.rule.code.rawValue)
            out.key("en"); out.string(e.rule.en)
            out.key("indicator"); out.string(e.rule.indicator)
            out.key("points"); out.string(e.rule.points.description)
            out.key("zh"); out.string(e.rule.zh)
            out.close()
            if let source = e.source {
                out.key("source"); out.open()
                out.key("line"); out.number(source.line)
                out.key("sheet"); out.string(source.sheet)
                out.close()
            }
            out.close()
        } else if case .redeemed(let e) = event {
            out.open()
            out.key("household"); out.string(e.household.rawValue)
            out.key("item"); out.string(e.item.rawValue)
            out.key("name"); out.string(e.name)
            out.key("points"); out.number(e.points)
            out.key("price"); out.number(e.price)
            out.key("quantity"); out.number(e.quantity)
            out.close()
        } else if case .stockReceived(let e) = event {
            out.open()
            out.key("item"); out.string(e.item.rawValue)
            out.key("quantity"); out.number(e.quantity)
            out.key("source"); out.string(e.source)
            out.close()
        } else if case .entryReversed(let e) = event {
            // A reversal carried out on request is rare: JSONEncoder writes it.
            guard e.request == nil else { return nil }
            out.open()
            out.key("reason"); out.string(e.reason)
            out.key("target"); out.number(Int(e.target))
            out.key("targetId"); out.string(e.targetId)
            out.key("targetType"); out.string(e.targetType)
            out.close()
        } else if case .householdRegistered(let e) = event {
            out.open()
            out.key("head"); out.string(e.head)
            out.key("household"); out.string(e.household.rawValue)
            out.key("members"); out.number(e.members)
            out.key("unit"); out.string(e.unit.rawValue)
            out.close()
        } else {
            return nil
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    struct JSONText {
        var bytes: [UInt8] = []
        private var first = true

        init() { bytes.reserveCapacity(256) }

        mutating func open() {
            bytes.append(UInt8(ascii: "{"))
            first = true
        }

        mutating func close() {
            bytes.append(UInt8(ascii: "}"))
            first = false
        }

        mutating func key(_ name: StaticString) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }

        mutating func null() {
            ("null" as StaticString).withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        /// An integer in decimal, written digit by digit (as `String(value)` writes it, with no string made).
        mutating func number(_ value: Int) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude, divisor: UInt = 1
            while magnitude / divisor >= 10 { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
                magnitude %= divisor
                divisor /= 10
            }
        }

        mutating func string(_ value: String) {
            var value = value
            value.withUTF8 { string(utf8: UnsafeRawBufferPointer($0)) }
        }

        /// A JSON string of UTF-8 bytes, escaped byte by byte with no array made per character.
        mutating func string(utf8 value: UnsafeRawBufferPointer) {
            bytes.append(UInt8(ascii: "\""))
            // Most text needs no escape: it is copied whole (byte by byte, a score's payload took 8,000 instructions).
            if !value.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: value)
                bytes.append(UInt8(ascii: "\""))
                return
            }
            for byte in value {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(byte)
                case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0..<0x20:
                    bytes.append(0x5C); bytes.append(UInt8(ascii: "u")); bytes.append(UInt8(ascii: "0")); bytes.append(UInt8(ascii: "0"))
                    bytes.append(JSONText.hexDigit(byte >> 4)); bytes.append(JSONText.hexDigit(byte & 0x0F))
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }

        /// A JSON string holding `raw` in lower-case hex (a hash).
        mutating func hexString(_ raw: UnsafeRawBufferPointer) {
            bytes.append(UInt8(ascii: "\""))
            for byte in raw {
                bytes.append(JSONText.hexDigit(byte >> 4))
                bytes.append(JSONText.hexDigit(byte & 0x0F))
            }
            bytes.append(UInt8(ascii: "\""))
        }

        static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10 }

        /// Starts again on the same buffer.
        mutating func reset() {
            bytes.removeAll(keepingCapacity: true)
            first = true
        }
    }
}
