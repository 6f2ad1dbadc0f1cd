import Crypto
import Foundation

/// One line of an export, read and hashed: the strict JSON reader behind `AuditExport.check`.
extension AuditExport {
    /// 32 bytes of a hash, compared as four words.
    struct Digest: Equatable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

        var hex: String {
            var copy = self
            return withUnsafeBytes(of: &copy) { $0.lowercaseHex }
        }
    }

    /// The format's keys, in canonical order: the 19 hashed fields, then the two hashes.
    static let keys = columns.map(\.description)
    /// Fields that are integers, and fields that may be null (by their index in `keys`), as bit sets.
    static let numericFields: UInt32 = 1 << 0 | 1 << 3 | 1 << 8 | 1 << 13 | 1 << 14 | 1 << 15 | 1 << 16 | 1 << 17
    static let nullableFields: UInt32 = 1 << 9 | 1 << 10 | 1 << 11 | 1 << 12 | 1 << 17
    static var hashedFields: Int { 19 }
    static var keyCount: Int { 21 }

    /// A value read for one key: where its decoded bytes are (in the line, or in the reader's scratch buffer), or its integer.
    struct Slot {
        static let missing: UInt8 = 0, null: UInt8 = 1, number: UInt8 = 2, text: UInt8 = 3
        var kind = Slot.missing
        var start: UnsafePointer<UInt8>?
        var count = 0
        var value: Int64 = 0
    }

    enum LineKind { case blank, notAnEvent, event }

    /// Reads one line into its slots, builds `prevHash ‖ canonical` in a buffer kept from line to line, and hashes it.
    /// Its buffers only grow (to the longest line's length and a little), so a line allocates nothing.
    struct LineReader {
        private let slots: UnsafeMutablePointer<Slot>
        private let names: UnsafeMutablePointer<UInt8>
        private let nameOffsets: UnsafeMutablePointer<Int>
        /// Each key with its quotes, as it is most often written (`"seq"`), in two little-endian words and their masks,
        /// and its length: the expected next key is recognised with two loads and compares.
        private let quotedKeys: UnsafeMutablePointer<UInt64>
        private let quotedLengths: UnsafeMutablePointer<Int>
        /// Each byte's value as a hex digit, 0xFF when it is not one.
        private let hexDigits: UnsafeMutablePointer<UInt8>
        private var scratch: UnsafeMutablePointer<UInt8>
        private var scratchCapacity = 0
        private var canonical: UnsafeMutablePointer<UInt8>
        private var canonicalCapacity = 0

        private(set) var seq: Int64 = 0
        private(set) var link = Digest()
        private(set) var hash = Digest()
        private(set) var sound = false

        init() {
            let count = AuditExport.keyCount
            slots = .allocate(capacity: count)
            slots.initialize(repeating: Slot(), count: count)
            let all = AuditExport.keys.flatMap(\.utf8)
            names = .allocate(capacity: all.count)
            names.initialize(from: all, count: all.count)
            nameOffsets = .allocate(capacity: count + 1)
            var offset = 0
            for (index, key) in AuditExport.keys.enumerated() {
                nameOffsets[index] = offset
                offset += key.utf8.count
            }
            nameOffsets[count] = offset
            quotedKeys = .allocate(capacity: 4 * count)
            quotedLengths = .allocate(capacity: count)
            for (index, key) in AuditExport.keys.enumerated() {
                let quoted = [UInt8(ascii: "\"")] + Array(key.utf8) + [UInt8(ascii: "\"")]
                var words: [UInt64] = [0, 0, 0, 0]
                for (position, byte) in quoted.enumerated() {
                    words[position / 8] |= UInt64(byte) << (8 * UInt64(position % 8))
                    words[2 + position / 8] |= 0xFF << (8 * UInt64(position % 8))
                }
                (quotedKeys + 4 * index).initialize(from: words, count: 4)
                quotedLengths[index] = quoted.count
            }
            hexDigits = .allocate(capacity: 256)
            for byte in 0..<256 {
                hexDigits[byte] = switch UInt8(byte) {
                case 0x30...0x39: UInt8(byte) - 0x30
                case 0x61...0x66: UInt8(byte) - 0x61 + 10
                case 0x41...0x46: UInt8(byte) - 0x41 + 10
                default: 0xFF
                }
            }
            scratchCapacity = 4096
            scratch = .allocate(capacity: scratchCapacity)
            canonicalCapacity = 4096
            canonical = .allocate(capacity: canonicalCapacity)
        }

        func deallocate() {
            slots.deallocate()
            names.deallocate()
            nameOffsets.deallocate()
            hexDigits.deallocate()
            quotedKeys.deallocate()
            quotedLengths.deallocate()
            scratch.deallocate()
            canonical.deallocate()
        }

        /// The index in `keys` of the key in `start..<start+count`, -1 if none; `hint` is tried first.
        private func field(_ start: UnsafePointer<UInt8>, _ count: Int, hint: Int) -> Int {
            @inline(__always) func named(_ index: Int) -> Bool {
                let offset = nameOffsets[index]
                guard nameOffsets[index + 1] - offset == count else { return false }
                let name = names + offset
                for position in 0..<count where name[position] != start[position] { return false }
                return true
            }
            if hint < AuditExport.keyCount && named(hint) { return hint }
            for index in 0..<AuditExport.keyCount where named(index) { return index }
            return -1
        }

        @inline(__always)
        private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

        @inline(__always)
        private static func skipSpace(_ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) {
            while p < end && isSpace(p.pointee) { p += 1 }
        }

        mutating func read(_ lineStart: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> LineKind {
            var p = lineStart
            LineReader.skipSpace(&p, end)
            if p == end { return .blank }
            // Decoded strings are never longer than their JSON text: the scratch buffer holds all of a line's (and 8
            // bytes of slack, since runs of plain bytes are copied 8 at a time).
            let length = end - lineStart
            if scratchCapacity < length + 16 {
                scratch.deallocate()
                scratchCapacity = max(length + 16, scratchCapacity * 2)
                scratch = .allocate(capacity: scratchCapacity)
            }
            guard parseObject(&p, end) else { return .notAnEvent }
            return finish(length) ? .event : .notAnEvent
        }

        private mutating func parseObject(_ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Bool {
            let keyCount = AuditExport.keyCount
            for index in 0..<keyCount { slots[index].kind = Slot.missing }
            guard p < end && p.pointee == UInt8(ascii: "{") else { return false }
            p += 1
            LineReader.skipSpace(&p, end)
            guard p < end else { return false }
            if p.pointee == UInt8(ascii: "}") {
                p += 1
            } else {
                var out = scratch
                var hint = 0
                while true {
                    // The key: most often the one after the last, as the export writes them.
                    guard p < end && p.pointee == UInt8(ascii: "\"") else { return false }
                    var index = -1
                    if hint < AuditExport.keyCount && end - p >= 16 {
                        let raw = UnsafeRawPointer(p), pattern = quotedKeys + 4 * hint
                        if UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) & pattern[2] == pattern[0]
                            && UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & pattern[3] == pattern[1] {
                            index = hint
                            p += quotedLengths[hint]
                        }
                    }
                    if index < 0 {
                        p += 1
                        guard let key = LineReader.string(&p, end, &out) else { return false }
                        index = field(key.start, key.count, hint: hint)
                    }
                    guard index >= 0, slots[index].kind == Slot.missing else { return false }
                    hint = index + 1
                    LineReader.skipSpace(&p, end)
                    guard p < end && p.pointee == UInt8(ascii: ":") else { return false }
                    p += 1
                    LineReader.skipSpace(&p, end)
                    guard p < end else { return false }
                    // The value: a string, an integer or null; nothing else belongs in an event.
                    let c = p.pointee
                    if c == UInt8(ascii: "\""), index >= 19, end - p >= 66, p[65] == UInt8(ascii: "\""),
                       let digest = LineReader.hexDigest(p + 1) {
                        // A hash as the export writes it: 64 hex digits, read straight into its 32 bytes.
                        if index == 19 { link = digest } else { hash = digest }
                        slots[index] = Slot(kind: Slot.text, count: -1)
                        p += 66
                    } else if c == UInt8(ascii: "\"") {
                        p += 1
                        guard let text = LineReader.string(&p, end, &out) else { return false }
                        slots[index] = Slot(kind: Slot.text, start: text.start, count: text.count)
                    } else if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
                        guard let value = LineReader.integer(&p, end) else { return false }
                        slots[index] = Slot(kind: Slot.number, value: value)
                    } else if c == UInt8(ascii: "n") {
                        guard end - p >= 4, p[1] == UInt8(ascii: "u"), p[2] == UInt8(ascii: "l"), p[3] == UInt8(ascii: "l") else { return false }
                        p += 4
                        slots[index].kind = Slot.null
                    } else {
                        return false
                    }
                    LineReader.skipSpace(&p, end)
                    guard p < end else { return false }
                    if p.pointee == UInt8(ascii: ",") {
                        p += 1
                        LineReader.skipSpace(&p, end)
                    } else if p.pointee == UInt8(ascii: "}") {
                        p += 1
                        break
                    } else {
                        return false
                    }
                }
            }
            LineReader.skipSpace(&p, end)
            return p == end
        }

        /// Checks every slot's type, decodes the two hashes, builds `prevHash ‖ canonical` and hashes it.
        private mutating func finish(_ lineLength: Int) -> Bool {
            let keyCount = AuditExport.keyCount
            for index in 0..<keyCount {
                let kind = slots[index].kind, bit = UInt32(1) << UInt32(index)
                let nullable = AuditExport.nullableFields & bit != 0
                switch kind {
                case Slot.missing, Slot.null: if !nullable { return false }
                case Slot.number: if AuditExport.numericFields & bit == 0 { return false }
                default: if AuditExport.numericFields & bit != 0 { return false }
                }
            }
            // A hash not read straight away (written with escapes, say) is read from its decoded text.
            if slots[19].count >= 0 {
                guard let link = digest(slots[19]) else { return false }
                self.link = link
            }
            if slots[20].count >= 0 {
                guard let hash = digest(slots[20]) else { return false }
                self.hash = hash
            }
            seq = slots[0].value
            // Each netstring adds at most 20 digits, a colon and a comma to its value; an integer's value is at most 20 bytes.
            let needed = 32 + lineLength + AuditExport.hashedFields * 44
            if canonicalCapacity < needed {
                canonical.deallocate()
                canonicalCapacity = max(needed, canonicalCapacity * 2)
                canonical = .allocate(capacity: canonicalCapacity)
            }
            var link32 = link
            withUnsafeBytes(of: &link32) { UnsafeMutableRawPointer(canonical).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            var out = canonical + 32
            for index in 0..<AuditExport.hashedFields {
                let slot = slots[index]
                switch slot.kind {
                case Slot.number:
                    // Digits written backwards into 24 bytes on the stack (an Int64 takes at most 20).
                    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
                    withUnsafeMutableBytes(of: &digits) { buffer in
                        let end = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + buffer.count
                        var q = end
                        var magnitude = slot.value.magnitude
                        repeat {
                            q -= 1
                            q.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                            magnitude /= 10
                        } while magnitude > 0
                        if slot.value < 0 {
                            q -= 1
                            q.pointee = UInt8(ascii: "-")
                        }
                        let count = end - q
                        LineReader.netstringLength(&out, count)
                        LineReader.copy(out, q, count)
                        out += count
                    }
                case Slot.text:
                    LineReader.netstringLength(&out, slot.count)
                    if slot.count > 0 { LineReader.copy(out, slot.start!, slot.count) }
                    out += slot.count
                default:
                    out.pointee = UInt8(ascii: "0")
                    out[1] = UInt8(ascii: ":")
                    out += 2
                }
                out.pointee = UInt8(ascii: ",")
                out += 1
            }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: canonical, count: out - canonical))
            let digest = hasher.finalize()
            sound = digest.withUnsafeBytes { bytes in
                var expected = hash
                return withUnsafeBytes(of: &expected) { memcmp($0.baseAddress!, bytes.baseAddress!, 32) == 0 }
            }
            return true
        }

        /// Copies a field's bytes: the short ones, most of them, with a few loads and stores instead of a call to memmove.
        @inline(__always)
        private static func copy(_ to: UnsafeMutablePointer<UInt8>, _ from: UnsafePointer<UInt8>, _ count: Int) {
            let source = UnsafeRawPointer(from), target = UnsafeMutableRawPointer(to)
            if count > 32 {
                to.update(from: from, count: count)
            } else if count >= 16 {
                let a = source.loadUnaligned(as: SIMD16<UInt8>.self), b = source.loadUnaligned(fromByteOffset: count - 16, as: SIMD16<UInt8>.self)
                target.storeBytes(of: a, as: SIMD16<UInt8>.self)
                target.storeBytes(of: b, toByteOffset: count - 16, as: SIMD16<UInt8>.self)
            } else if count >= 8 {
                let a = source.loadUnaligned(as: UInt64.self), b = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                target.storeBytes(of: a, as: UInt64.self)
                target.storeBytes(of: b, toByteOffset: count - 8, as: UInt64.self)
            } else {
                for index in 0..<count { to[index] = from[index] }
            }
        }

        /// Writes `count` in decimal and a colon.
        @inline(__always)
        private static func netstringLength(_ out: inout UnsafeMutablePointer<UInt8>, _ count: Int) {
            if count < 10 {
                out.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: count)
                out += 1
            } else {
                var digits = 1, rest = count
                while rest >= 10 { rest /= 10; digits += 1 }
                var value = count
                for position in stride(from: digits - 1, through: 0, by: -1) {
                    out[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                }
                out += digits
            }
            out.pointee = UInt8(ascii: ":")
            out += 1
        }

        /// 64 hex digits at `p`, either case, as 32 bytes; nil if they are not all hex digits. Eight at a time: each byte
        /// is checked to be `0`…`9`, or `a`…`f` once lower-cased, with additions that carry into the byte's top bit.
        @inline(__always)
        private static func hexDigest(_ p: UnsafePointer<UInt8>) -> Digest? {
            let raw = UnsafeRawPointer(p)
            var digest = Digest()
            var invalid: UInt64 = 0
            withUnsafeMutableBytes(of: &digest) { out in
                for index in 0..<8 {
                    let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))
                    let highs: UInt64 = 0x8080_8080_8080_8080
                    let lower = x | 0x2020_2020_2020_2020
                    let digit = (x &+ 0x5050_5050_5050_5050) & ~(x &+ 0x4646_4646_4646_4646) & highs
                    let letter = (lower &+ 0x1F1F_1F1F_1F1F_1F1F) & ~(lower &+ 0x1919_1919_1919_1919) & highs
                    invalid |= (x & highs) | ((digit | letter) ^ highs)
                    // Nibbles, then pairs of nibbles into bytes, then the even bytes together.
                    let nibbles = (x & 0x0F0F_0F0F_0F0F_0F0F) &+ (letter >> 7) &* 9
                    var bytes = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
                    bytes = (bytes | bytes >> 8) & 0x0000_FFFF_0000_FFFF
                    bytes = (bytes | bytes >> 16) & 0xFFFF_FFFF
                    out.storeBytes(of: UInt32(truncatingIfNeeded: bytes).littleEndian, toByteOffset: 4 * index, as: UInt32.self)
                }
            }
            return invalid == 0 ? digest : nil
        }

        /// 64 hex digits, either case, as 32 bytes.
        private func digest(_ slot: Slot) -> Digest? {
            guard slot.kind == Slot.text, slot.count == 64, let start = slot.start else { return nil }
            var digest = Digest()
            let invalid = withUnsafeMutableBytes(of: &digest) { bytes -> UInt8 in
                var invalid: UInt8 = 0
                for index in 0..<32 {
                    let high = hexDigits[Int(start[2 * index])], low = hexDigits[Int(start[2 * index + 1])]
                    invalid |= high | low
                    bytes[index] = high << 4 | low
                }
                return invalid
            }
            return invalid & 0xF0 == 0 ? digest : nil
        }

        @inline(__always)
        private static func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }

        /// A JSON integer, `-?(0|[1-9][0-9]*)`, within 64 bits; what follows it is left to the caller (a fraction or an
        /// exponent is then not a separator, and the line is refused).
        @inline(__always)
        private static func integer(_ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int64? {
            let negative = p.pointee == UInt8(ascii: "-")
            if negative { p += 1 }
            guard p < end else { return nil }
            let first = p.pointee &- 0x30
            guard first <= 9 else { return nil }
            p += 1
            var magnitude = UInt64(first)
            if first != 0 {
                while p < end {
                    let digit = p.pointee &- 0x30
                    if digit > 9 { break }
                    let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
                    guard !overflow1 && !overflow2 else { return nil }
                    magnitude = sum
                    p += 1
                }
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return Int64(truncatingIfNeeded: 0 &- magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }

        /// The rest of a string after its opening quote; `p` ends after the closing quote. Its value's bytes stay in the
        /// line when it has no escape, else they are decoded into the scratch buffer at `out`. Nil when it is not a
        /// valid JSON string of UTF-8.
        @inline(__always)
        private static func string(_ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ out: inout UnsafeMutablePointer<UInt8>)
            -> (start: UnsafePointer<UInt8>, count: Int)? {
            let start = p
            var decoding = false
            var decoded = out
            while true {
                // Plain bytes, eight at a time: stop at a quote, a backslash, a control character or a non-ASCII byte.
                while end - p >= 8 {
                    let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
                    if decoding { UnsafeMutableRawPointer(decoded).storeBytes(of: word.littleEndian, as: UInt64.self) }
                    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                    let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                    let special = ((word &- ones &* 0x20) & ~word) | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | word
                    let mask = special & highs
                    if mask == 0 {
                        p += 8
                        if decoding { decoded += 8 }
                    } else {
                        let skip = mask.trailingZeroBitCount >> 3
                        p += skip
                        if decoding { decoded += skip }
                        break
                    }
                }
                guard p < end else { return nil }
                let c = p.pointee
                if c == UInt8(ascii: "\"") {
                    p += 1
                    if !decoding { return (start, p - 1 - start) }
                    let value = (UnsafePointer(out), decoded - out)
                    out = decoded
                    return value
                } else if c == UInt8(ascii: "\\") {
                    if !decoding {
                        // The first escape: what came before it is copied, and the rest decoded.
                        decoding = true
                        decoded.update(from: start, count: p - start)
                        decoded += p - start
                    }
                    guard end - p >= 2 else { return nil }
                    let escaped = p[1]
                    p += 2
                    // \" and \\ first: a payload is full of them.
                    if escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") {
                        decoded.pointee = escaped
                        decoded += 1
                        continue
                    }
                    switch escaped {
                    case UInt8(ascii: "/"): decoded.pointee = escaped
                    case UInt8(ascii: "b"): decoded.pointee = 0x08
                    case UInt8(ascii: "f"): decoded.pointee = 0x0C
                    case UInt8(ascii: "n"): decoded.pointee = 0x0A
                    case UInt8(ascii: "r"): decoded.pointee = 0x0D
                    case UInt8(ascii: "t"): decoded.pointee = 0x09
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4(&p, end) else { return nil }
                        if scalar >= 0xD800 && scalar <= 0xDBFF {
                            // A high surrogate must be followed by an escaped low one.
                            guard end - p >= 2, p[0] == UInt8(ascii: "\\"), p[1] == UInt8(ascii: "u") else { return nil }
                            p += 2
                            guard let low = hex4(&p, end), low >= 0xDC00 && low <= 0xDFFF else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                            return nil
                        }
                        decoded += utf8(scalar, into: decoded) - 1
                    default:
                        return nil
                    }
                    decoded += 1
                } else if c < 0x20 {
                    return nil
                } else if c < 0x80 {
                    // A plain byte among the last few of the line, which are read one by one.
                    if decoding {
                        decoded.pointee = c
                        decoded += 1
                    }
                    p += 1
                } else {
                    // A non-ASCII byte: a whole, shortest, valid UTF-8 sequence (Unicode table 3-7), copied as it is.
                    let length = utf8Length(p, end)
                    guard length > 0 else { return nil }
                    if decoding {
                        decoded.update(from: p, count: length)
                        decoded += length
                    }
                    p += length
                }
            }
        }

        /// Four hex digits after `\u`.
        @inline(__always)
        private static func hex4(_ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> UInt32? {
            guard end - p >= 4 else { return nil }
            var value: UInt32 = 0
            for index in 0..<4 {
                guard let digit = hexValue(p[index]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            p += 4
            return value
        }

        /// Writes a scalar (not a surrogate) as UTF-8; returns how many bytes.
        @inline(__always)
        private static func utf8(_ scalar: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
            switch scalar {
            case 0..<0x80:
                out[0] = UInt8(scalar)
                return 1
            case 0x80..<0x800:
                out[0] = 0xC0 | UInt8(scalar >> 6)
                out[1] = 0x80 | UInt8(scalar & 0x3F)
                return 2
            case 0x800..<0x10000:
                out[0] = 0xE0 | UInt8(scalar >> 12)
                out[1] = 0x80 | UInt8(scalar >> 6 & 0x3F)
                out[2] = 0x80 | UInt8(scalar & 0x3F)
                return 3
            default:
                out[0] = 0xF0 | UInt8(scalar >> 18)
                out[1] = 0x80 | UInt8(scalar >> 12 & 0x3F)
                out[2] = 0x80 | UInt8(scalar >> 6 & 0x3F)
                out[3] = 0x80 | UInt8(scalar & 0x3F)
                return 4
            }
        }

        /// The length of the valid UTF-8 sequence starting at `p` (a byte of 0x80 or more), 0 if it is not one.
        @inline(__always)
        private static func utf8Length(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Int {
            let lead = p.pointee, available = end - p
            @inline(__always) func continuation(_ offset: Int) -> Bool { p[offset] & 0xC0 == 0x80 }
            switch lead {
            case 0xC2...0xDF:
                return available >= 2 && continuation(1) ? 2 : 0
            case 0xE0...0xEF:
                guard available >= 3, continuation(1), continuation(2) else { return 0 }
                if lead == 0xE0 && p[1] < 0xA0 { return 0 }   // overlong
                if lead == 0xED && p[1] > 0x9F { return 0 }   // a surrogate
                return 3
            case 0xF0...0xF4:
                guard available >= 4, continuation(1), continuation(2), continuation(3) else { return 0 }
                if lead == 0xF0 && p[1] < 0x90 { return 0 }   // overlong
                if lead == 0xF4 && p[1] > 0x8F { return 0 }   // beyond U+10FFFF
                return 4
            default:
                return 0
            }
        }
    }
}
