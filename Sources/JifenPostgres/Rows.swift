import Foundation
import JifenCore
import JifenStore
import PostgresNIO

/// A row of `events` as `EventRows.write` writes it: each column's value, in table order.
protocol EventRowWriter {
    mutating func text(_ value: String?)
    mutating func int(_ value: Int64?)
    mutating func bytea(_ value: Data) throws
}

/// An INSERT's bindings, written as a row.
private struct BoundRow: EventRowWriter {
    var bindings: PostgresBindings
    mutating func text(_ value: String?) { bindings.append(value) }
    mutating func int(_ value: Int64?) { bindings.append(value) }
    mutating func bytea(_ value: Data) throws { try bindings.append(value) }
}

/// How an event is stored in the county's `events` table and read back: stored format 1's columns, as hashed.
enum EventRows {
    /// Every column after `village`, in table order (schema/postgres/0001_county.sql).
    static let columns = "seq, id, stream, stream_version, type, occurred_on, recorded_at, actor, scheme_version, idempotency_key, "
        + "household, item, rule, earned, deducted, redeemed, stock, reverses, payload, prev_hash, hash"
    static let columnCount = 21

    /// The most rows one INSERT carries: PostgreSQL takes at most 65,535 parameters in a statement.
    static let rowsPerInsert = 65_535 / (columnCount + 1)

    /// `link`'s row in `village`, column by column in table order: the village, then `columns`. The one list of an
    /// event's columns that an INSERT's bindings (`insert`) and a COPY's text (`VerbatimRows.copy`) are both written from.
    static func write(_ link: ChainLink, village: String, into row: inout some EventRowWriter) throws {
        let f = link.fields
        row.text(village)
        row.int(f.seq)
        row.text(f.id)
        row.text(f.stream)
        row.int(f.streamVersion)
        row.text(f.type)
        row.text(f.occurredOn)
        row.text(f.recordedAt)
        row.text(f.actor)
        row.int(Int64(f.schemeVersion))
        row.text(f.key)
        row.text(f.household)
        row.text(f.item)
        row.text(f.rule)
        row.int(Int64(f.earned))
        row.int(Int64(f.deducted))
        row.int(Int64(f.redeemed))
        row.int(Int64(f.stock))
        row.int(f.reverses)
        row.text(f.payload)
        try row.bytea(link.previousHash)
        try row.bytea(link.hash)
    }

    /// One INSERT of `links` into `village`'s chain, in order (the insert trigger checks each in turn).
    static func insert(_ links: ArraySlice<ChainLink>, village: String) throws -> PostgresQuery {
        // One writer for every row: a writer made for each row from `bindings` would copy all the rows bound before.
        var bound = BoundRow(bindings: PostgresBindings(capacity: links.count * (columnCount + 1)))
        var sql = "INSERT INTO events (village, \(columns)) VALUES "
        var parameter = 0
        for (row, link) in links.enumerated() {
            if row > 0 { sql += ", " }
            sql += "("
            for column in 0...columnCount {
                parameter += 1
                sql += column == 0 ? "$\(parameter)" : ", $\(parameter)"
            }
            sql += ")"
            try write(link, village: village, into: &bound)
        }
        return PostgresQuery(unsafeSQL: sql, binds: bound.bindings)
    }

    /// A row of `SELECT \(columns)` as stored.
    static func link(_ row: PostgresRow, village: String) throws -> ChainLink {
        let (seq, id, stream, streamVersion, type, occurredOn, recordedAt, actor, schemeVersion, key, household, item, rule,
             earned, deducted, redeemed, stock, reverses, payload, previousHash, hash) =
            try row.decode((Int64, String, String, Int64, String, String, String, String, Int64, String?, String?, String?, String?,
                            Int64, Int64, Int64, Int64, Int64?, String, Data, Data).self)
        func int(_ value: Int64, _ column: String) throws -> Int {
            guard let int = Int(exactly: value) else {
                throw PostgresStoreError.damaged(village: village, seq: seq, problem: "its \(column) \(value) is out of range")
            }
            return int
        }
        let fields = Chain.Fields(seq: seq, id: id, stream: stream, streamVersion: streamVersion, type: type, occurredOn: occurredOn,
                                  recordedAt: recordedAt, actor: actor, schemeVersion: try int(schemeVersion, "scheme_version"), key: key,
                                  household: household, item: item, rule: rule, earned: try int(earned, "earned"),
                                  deducted: try int(deducted, "deducted"), redeemed: try int(redeemed, "redeemed"),
                                  stock: try int(stock, "stock"), reverses: reverses, payload: payload)
        return ChainLink(fields: fields, previousHash: previousHash, hash: hash)
    }

    /// The event a stored link holds, as `decide` and the fold read it.
    static func recorded(_ link: ChainLink, village: String) throws -> RecordedEvent {
        let f = link.fields
        guard let occurredOn = LocalDate(f.occurredOn) else {
            throw PostgresStoreError.damaged(village: village, seq: f.seq, problem: "its date \(f.occurredOn) is not a date")
        }
        let event: LedgerEvent
        do {
            event = try EventCodec.event(type: f.type, payload: f.payload)
        } catch {
            throw PostgresStoreError.damaged(village: village, seq: f.seq, problem: "its payload does not read: \(error)")
        }
        let facts = EventFacts(household: f.household.map { HouseholdCode(rawValue: $0) }, item: f.item.map { ItemCode(rawValue: $0) },
                               rule: f.rule.map { RuleCode(rawValue: $0) }, earned: f.earned, deducted: f.deducted,
                               redeemed: f.redeemed, stock: f.stock, reverses: f.reverses)
        return RecordedEvent(seq: f.seq, id: f.id, stream: f.stream, streamVersion: f.streamVersion, occurredOn: occurredOn,
                             recordedAt: f.recordedAt, actor: ActorName(rawValue: f.actor), schemeVersion: f.schemeVersion, key: f.key,
                             event: event, facts: facts)
    }
}
