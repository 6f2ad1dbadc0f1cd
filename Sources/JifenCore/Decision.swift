/// What `decide` made of a command: the events to append, each with its business date, and the head of the log they
/// were decided against.
///
/// Only the core makes one (its initialiser is not public), and a store's `append` takes nothing else: so every event
/// in a ledger is one that `decide` produced, on the ledger as it stood.
public struct Decision: Hashable, Sendable {
    public let command: Command
    public let context: CommandContext
    /// The events, in the order they are appended.
    public let events: [LedgerEvent]
    /// Each event's business date: the command's, except that the score an amendment records again keeps the
    /// amended score's date (`businessDates`).
    public let dates: [LocalDate]
    /// The sequence number of the last event of the log that `decide` read (0 for an empty log). A store appends the
    /// events right after it, and refuses them once the log has moved on: a decision is not carried to another ledger
    /// or a later state.
    public let lastSeq: Int64

    init(command: Command, context: CommandContext, events: [LedgerEvent], lastSeq: Int64) {
        self.command = command
        self.context = context
        self.events = events
        self.dates = businessDates(of: events, context: context)
        self.lastSeq = lastSeq
    }

    /// The events with their business dates.
    public var dated: [(event: LedgerEvent, occurredOn: LocalDate)] {
        zip(events, dates).map { (event: $0, occurredOn: $1) }
    }
}

/// The domain rules: what a command becomes, given the ledger as it stands (`decideEvents` in Decide.swift), with the
/// head of the log it read.
///
/// Pure: no clock, no ids, no I/O of its own. It reads the ledger only through `state`, and either returns the
/// decision to append or throws a `Rejection` that says what rule was broken.
public func decide(_ command: Command, context: CommandContext, state: some LedgerState) throws -> Decision {
    // Codes and names as the tables compare them (`Composed`): decided on, and written, composed.
    let command = command.composed
    let lastSeq = try state.lastSeq()
    let events = try decideEvents(command, context: context, state: state)
    return Decision(command: command, context: context, events: events, lastSeq: lastSeq)
}
