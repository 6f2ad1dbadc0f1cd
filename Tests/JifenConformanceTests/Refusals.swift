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

/// The core's whole rejection table (`RejectionRows`), against every store: each store refuses each row's command
/// with the row's rejection and writes nothing.
@Suite struct StoreRefusals {
    @Test(arguments: StoreKind.allCases, RejectionRows.cases)
    func refused(_ kind: StoreKind, _ row: RejectionCase) throws {
        let answer = try storeRefusal(row, in: kind)
        #expect(answer.rejection == row.expected)
        #expect(answer.unchanged, "a refused command writes nothing")
    }
}
