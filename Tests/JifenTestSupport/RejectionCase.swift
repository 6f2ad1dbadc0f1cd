import JifenCore
import Testing

/// One row of the rejection table: given the standard test village and the row's setup, when the command, then the
/// rejection. The core runs the rows against `MemoryLedger`, the conformance suite against every store.
public struct RejectionCase: CustomTestStringConvertible, Sendable {
    public let name: String
    public let setup: @Sendable (inout Village) throws -> Void
    public let command: Command
    public let date: LocalDate?
    public let actor: String
    public let expected: Rejection
    public var testDescription: String { name }

    public init(_ name: String, setup: @escaping @Sendable (inout Village) throws -> Void = { _ in }, _ command: Command,
                on date: LocalDate? = nil, by actor: String = "王会计", _ expected: Rejection) {
        self.name = name
        self.setup = setup
        self.command = command
        self.date = date
        self.actor = actor
        self.expected = expected
    }
}
