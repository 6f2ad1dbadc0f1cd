import Foundation
import Jifen
import JifenCore
import JifenStore
import JifenTestSupport
import Testing

/// How the core's rejection table runs against a store: the row's village (the standard one and the row's setup) is
/// built in memory by the core's `Village`, its accepted commands are written into the store through the write path,
/// and the row's command is given to the store the same way. The store must refuse it with the row's rejection and
/// write nothing.
extension Harness {
    /// Writes every command the village accepted, each on its own day, with the village's ids.
    func write(_ village: Village) throws {
        for step in village.steps {
            clock.setEvening(of: step.today)
            numbering?.start(after: try head().seq)
            // `again`: the table is about `decide`; the retry guard has its own tests.
            try execute(step.command, by: step.actor, on: step.occurredOn, again: true)
        }
    }

    /// What the store answers to one command given on `today`: its refusal (nil when it was accepted), and whether the
    /// log and everything `decide` reads are as they were before it.
    func refusal(_ command: Command, on date: LocalDate, by actor: String, today: LocalDate) throws
        -> (rejection: Rejection?, unchanged: Bool) {
        let (head, before) = (try headText(), try projections())
        clock.setEvening(of: today)
        numbering?.start(after: try self.head().seq)
        let rejection: Rejection?
        do {
            try execute(command, by: actor, on: date, again: true)
            rejection = nil
        } catch let refused as Rejection {
            rejection = refused
        }
        return (rejection, try headText() == head && projections() == before)
    }
}

/// A row of the table run against a store: the village as the row sets it up, then the command.
func storeRefusal(_ row: RejectionCase, in kind: StoreKind) throws -> (rejection: Rejection?, unchanged: Bool) {
    var village = try Village()
    try row.setup(&village)
    let store = try Harness(kind, numbered: true)
    try store.write(village)
    // The store holds the same log as the village folded: the same events, the same ids.
    let links = try store.links()
    #expect(links.map(\.fields.id) == village.events.keys.sorted().compactMap { village.events[$0]?.id })
    #expect(links.map(\.fields.type) == village.events.keys.sorted().compactMap { village.events[$0]?.event.typeName })
    return try store.refusal(row.command, on: row.date ?? "2025-01-01", by: row.actor, today: village.today)
}

/// The rejection table, against every store.
@Suite struct StoreRefusals {
    /// A few rows of the core's table, with setups of every kind (a reversal named by id, roles, another day), until the
    /// table itself is shared.
    static let rows: [RejectionCase] = [
        RejectionCase("unknown household", .recordScore("H009", "A1.1", points: nil, note: "", source: nil),
                      .householdUnknown("H009", suggestion: "H001")),
        RejectionCase("reversing twice", setup: {
            try $0.run(.recordScore("H001", "A1.1", points: nil, note: "", source: nil))
            try $0.run(.reverse(.id("e10"), reason: "记错户"))
        }, .reverse(.seq(10), reason: "再冲"), .eventAlreadyReversed(seq: 10, by: 11)),
        RejectionCase("settling twice", setup: {
            $0.today = "2026-12-31"; try $0.govern(); try $0.run(.settleYear(2025), on: "2026-01-05", by: "张书记")
        }, .settleYear(2025), on: "2026-01-06", by: "张书记", .alreadySettled(year: 2025, on: "2026-01-05")),
    ]

    @Test(arguments: StoreKind.allCases, rows)
    func refused(_ kind: StoreKind, _ row: RejectionCase) throws {
        let answer = try storeRefusal(row, in: kind)
        #expect(answer.rejection == row.expected)
        #expect(answer.unchanged, "a refused command writes nothing")
    }
}
