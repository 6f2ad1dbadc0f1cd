import Foundation
import GRDB
import Jifen
import JifenCore
import JifenDemo
import JifenStore
import Testing

/// Links read from one ledger and accepted verbatim into another (`StoreSession.append(links:)`): what a county's copy
/// and a pulled copy are written with.
@Suite struct VerbatimAppendTests {
    /// Every link of a store, read in pages.
    static func allLinks(_ store: EventStore, from first: Int64 = 1) throws -> [ChainLink] {
        try store.read { session in
            var links: [ChainLink] = []
            while true {
                let page = try session.links(from: first + Int64(links.count), limit: 500)
                if page.isEmpty { return links }
                links += page
            }
        }
    }

    /// The log as the `events` view gives it and every projection table, as text.
    static func dump(_ store: EventStore) throws -> (events: [String], projections: [String]) {
        try store.withDatabase { db in
            let events = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq").map { "\($0)" }
            var projections: [String] = []
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'p\\_%' ESCAPE '\\' ORDER BY name")
            #expect(tables.contains("p_households"))
            for table in tables {
                projections.append("== \(table)")
                projections += try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2").map { "\($0)" }
            }
            return (events, projections)
        }
    }

    @Test(arguments: [(LogFormat.compact, LogFormat.compact), (.wide, .wide), (.wide, .compact), (.compact, .wide)])
    func copiedLinksGiveTheSameLedger(formats: (LogFormat, LogFormat)) throws {
        let scratch = try Scratch()
        let source = scratch.path("village.sqlite"), copy = scratch.path("copy.sqlite")
        _ = try LedgerGenerator.build(at: source, plan: GeneratorPlan(households: 40, years: 1, firstYear: 2025, seed: 7, format: formats.0))
        let from = try EventStore(path: source, create: false)
        let links = try Self.allLinks(from)
        #expect(links.count > 1_000)
        let to = try EventStore(path: copy, create: true, format: formats.1)
        // In pieces, as a push sends them.
        var next = 0
        while next < links.count {
            let piece = Array(links[next..<min(next + 777, links.count)])
            try to.write { try $0.append(links: piece) }
            next += piece.count
        }
        let heads = try (from.read { try $0.headOfLog() }, to.read { try $0.headOfLog() })
        #expect(heads.0.seq == heads.1.seq && heads.0.hash == heads.1.hash)
        let (a, b) = (try Self.dump(from), try Self.dump(to))
        #expect(a.events == b.events)
        #expect(a.projections == b.projections)
        if formats.0 == formats.1 {
            // The same rows in the log's own table, payloads left NULL where the source left them.
            let table = formats.0.table
            let rows = try [from, to].map { store in
                try store.withDatabase { try Row.fetchAll($0, sql: "SELECT * FROM \(table) ORDER BY seq").map { "\($0)" } }
            }
            #expect(rows[0] == rows[1])
        }
        #expect(try to.verify().isValid)
    }

    /// A ledger with a few events, and its links.
    static func small(_ scratch: Scratch) throws -> (EventStore, [ChainLink]) {
        let (ledger, _) = try makeVillage(at: scratch.path("village.sqlite"))
        try ledger.execute(score("H001", "A1.1"), by: "王会计")
        try ledger.execute(score("H002", "B1.1"), by: "王会计")
        return (ledger.store, try allLinks(ledger.store))
    }

    static func altered(_ link: ChainLink, _ change: (inout Chain.Fields) -> Void, rehash: Bool = true) -> ChainLink {
        var fields = link.fields
        change(&fields)
        return ChainLink(fields: fields, previousHash: link.previousHash,
                         hash: rehash ? Chain.hash(previous: link.previousHash, fields: fields) : link.hash)
    }

    @Test func aLinkThatDoesNotExtendTheHeadAppendsNoneOfTheBatch() throws {
        let scratch = try Scratch()
        let (_, links) = try Self.small(scratch)
        let count = links.count
        #expect(count >= 6)
        let last = links[count - 1]
        var flipped = last.hash
        flipped[0] ^= 1
        let cases: [(String, [ChainLink], LinkRefusal.Reason)] = [
            ("a wrong hash", Array(links.dropLast()) + [ChainLink(fields: last.fields, previousHash: last.previousHash, hash: flipped)], .wrongHash),
            ("fields changed, hash kept", Array(links.dropLast()) + [Self.altered(last, { $0.actor = "李四" }, rehash: false)], .wrongHash),
            ("a gap", Array(links.prefix(count - 2)) + [last], .notNext(expected: Int64(count - 1))),
            ("a wrong previous hash", Array(links.prefix(count - 2)) + [links[count - 2]]
                + [ChainLink(fields: last.fields, previousHash: flipped, hash: Chain.hash(previous: flipped, fields: last.fields))], .wrongPrevious),
            ("an unknown type", Array(links.dropLast()) + [Self.altered(last, { $0.type = "v9.somethingNew" })], .unknownType("v9.somethingNew")),
            ("a payload not its type's", Array(links.dropLast()) + [Self.altered(last, { $0.payload = "{}" })], .undecodable),
            ("facts not the payload's", Array(links.dropLast()) + [Self.altered(last, { $0.earned += 100 })], .notAsAppended("facts")),
            ("a stream version skipped", Array(links.dropLast()) + [Self.altered(last, { $0.streamVersion += 1 })], .notAsAppended("streamVersion")),
        ]
        for (what, batch, reason) in cases {
            let copy = try EventStore(path: scratch.path("copy-\(UUID().uuidString).sqlite"), create: true)
            do {
                try copy.write { try $0.append(links: batch) }
                Issue.record("\(what) was accepted")
            } catch let refusal as LinkRefusal {
                #expect(refusal.reason == reason, "\(what)")
                #expect(refusal.seq == batch.last?.fields.seq, "\(what)")
            }
            #expect(try copy.read { try $0.headOfLog() }.seq == 0, "\(what): nothing appended")
            // The same batch after a good first piece: the first piece stays, none of the second lands.
            try copy.write { try $0.append(links: Array(links.prefix(2))) }
            #expect(throws: LinkRefusal.self) { try copy.write { try $0.append(links: Array(batch.dropFirst(2))) } }
            #expect(try copy.read { try $0.headOfLog() }.seq == 2, "\(what): the second piece appended nothing")
        }
    }
}
