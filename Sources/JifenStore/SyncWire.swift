import Foundation
import JifenAudit

/// Links on the wire between a village and its county: JSON Lines, one event a line, with exactly the 19 hashed fields
/// and both hashes in hex — the lines of `jifen audit export --format jsonl` (`AuditExport.columns`, in the same order,
/// written by the same writer), so that a push or a pull can be checked with `jifen audit check` as it is.
public enum SyncWire {
    /// The most links one request carries (a push is sent in pieces of this many, a pull asks for as many).
    public static let piece = 5_000
    /// The most bytes a push's body may be: a piece of links of the longest payloads jifen writes, with room.
    public static let maxBody = 32 << 20

    public struct Malformed: Error, CustomStringConvertible, Sendable {
        /// The line (from 1) that is not a link.
        public let line: Int
        public let detail: String
        public init(line: Int, detail: String) {
            self.line = line
            self.detail = detail
        }
        public var description: String { "line \(line) of the links is not an event line (\(detail))" }
    }

    /// The links as lines, each ending in a newline.
    public static func lines(_ links: some Sequence<ChainLink>) -> [UInt8] {
        var out = PayloadWriter.JSONText()
        var all: [UInt8] = []
        for link in links {
            out.reset()
            write(link, into: &out)
            all += out.bytes
        }
        return all
    }

    static func write(_ link: ChainLink, into out: inout PayloadWriter.JSONText) {
        let f = link.fields
        let names = AuditExport.columns
        out.open()
        func text(_ index: Int, _ value: String?) {
            out.key(names[index])
            if var value { value.withUTF8 { out.string(utf8: UnsafeRawBufferPointer($0)) } } else { out.null() }
        }
        func number(_ index: Int, _ value: Int64?) {
            out.key(names[index])
            if let value { out.number(Int(value)) } else { out.null() }
        }
        number(0, f.seq)
        text(1, f.id)
        text(2, f.stream)
        number(3, f.streamVersion)
        text(4, f.type)
        text(5, f.occurredOn)
        text(6, f.recordedAt)
        text(7, f.actor)
        number(8, Int64(f.schemeVersion))
        text(9, f.key)
        text(10, f.household)
        text(11, f.item)
        text(12, f.rule)
        number(13, Int64(f.earned))
        number(14, Int64(f.deducted))
        number(15, Int64(f.redeemed))
        number(16, Int64(f.stock))
        number(17, f.reverses)
        text(18, f.payload)
        out.key(names[19])
        link.previousHash.withUnsafeBytes { out.hexString($0) }
        out.key(names[20])
        link.hash.withUnsafeBytes { out.hexString($0) }
        out.close()
        out.bytes.append(0x0A)
    }

    /// One line as it is decoded: every key must be there (`key`, `household`, `item`, `rule` and `reverses` may be null).
    struct Line: Decodable {
        let seq: Int64
        let id: String
        let stream: String
        let streamVersion: Int64
        let type: String
        let occurredOn: String
        let recordedAt: String
        let actor: String
        let schemeVersion: Int
        let key: String?
        let household: String?
        let item: String?
        let rule: String?
        let earned: Int
        let deducted: Int
        let redeemed: Int
        let stock: Int
        let reverses: Int64?
        let payload: String
        let prevHash: String
        let hash: String

        func link(number: Int) throws -> ChainLink {
            guard let previous = SyncWire.hexBytes(prevHash), let hash = SyncWire.hexBytes(hash) else {
                throw Malformed(line: number, detail: "a hash is not 64 hex digits")
            }
            return ChainLink(fields: Chain.Fields(
                seq: seq, id: id, stream: stream, streamVersion: streamVersion, type: type, occurredOn: occurredOn,
                recordedAt: recordedAt, actor: actor, schemeVersion: schemeVersion, key: key, household: household, item: item,
                rule: rule, earned: earned, deducted: deducted, redeemed: redeemed, stock: stock, reverses: reverses,
                payload: payload),
                previousHash: previous, hash: hash)
        }
    }

    /// The links of a body of lines (blank lines are skipped); any line that is not one is `Malformed`, naming it.
    public static func links(_ body: some BidirectionalCollection<UInt8>) throws -> [ChainLink] {
        let decoder = JSONDecoder()
        var links: [ChainLink] = []
        var number = 0
        for slice in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            let bytes = slice.last == 0x0D ? Data(slice.dropLast()) : Data(slice)
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let line: Line
            do {
                line = try decoder.decode(Line.self, from: bytes)
            } catch {
                throw Malformed(line: number, detail: "\(error)".prefix(80).description)
            }
            links.append(try line.link(number: number))
        }
        return links
    }

    /// A page of the server's `GET …/log` (the same lines, as the elements of `events`), with the log's head when it was
    /// read and the last seq the page reaches.
    public struct LogPage: Sendable {
        public let links: [ChainLink]
        public let head: (seq: Int64, hash: Data)
        public let last: Int64
    }

    /// Reads a page of `GET …/log`; any event that is not a line, or a head that is not one, is `Malformed`.
    public static func logPage(_ body: [UInt8]) throws -> LogPage {
        struct Head: Decodable { let seq: Int64; let hash: String }
        struct Page: Decodable { let events: [Line]; let head: Head; let last: Int64 }
        let page: Page
        do {
            page = try JSONDecoder().decode(Page.self, from: Data(body))
        } catch {
            throw Malformed(line: 1, detail: "\(error)".prefix(80).description)
        }
        guard let hash = hexBytes(page.head.hash) else { throw Malformed(line: 1, detail: "the head's hash is not 64 hex digits") }
        return LogPage(links: try page.events.enumerated().map { try $1.link(number: $0 + 1) }, head: (page.head.seq, hash), last: page.last)
    }

    /// 32 bytes from 64 hex digits (lower or upper case); nil otherwise.
    public static func hexBytes(_ text: String) -> Data? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes = Data(capacity: 32)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
