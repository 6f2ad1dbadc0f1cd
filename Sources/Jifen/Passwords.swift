import Foundation
import JifenCore
import JifenStore

/// Where a ledger asks for the acting person's password when a write needs it: the CLI reads it from the terminal
/// without echo, or from standard input. It returns nil when it has no way to ask (the write is then refused), or
/// throws its own refusal.
public typealias PasswordSource = @Sendable (ActorName) throws -> String?

/// Whose passwords a `Ledger` has checked (each once, whatever the number of writes), and its `PasswordSource`.
final class Proof: @unchecked Sendable {
    private let lock = NSLock()
    private var names: Set<String> = []
    private var asker: PasswordSource?

    var checked: Set<String> {
        lock.lock(); defer { lock.unlock() }
        return names
    }

    func contains(_ name: String) -> Bool { checked.contains(name) }

    func insert(_ name: String) {
        lock.lock(); defer { lock.unlock() }
        names.insert(name)
    }

    var source: PasswordSource? {
        get { lock.lock(); defer { lock.unlock() }; return asker }
        set { lock.lock(); defer { lock.unlock() }; asker = newValue }
    }
}

extension PasswordRule {
    /// bcrypt's cost (log2 of its rounds): 10 takes about 50 ms a check on the office PC, slow enough to make guessing
    /// a stolen hash costly and quick enough for every write.
    public static let bcryptCost: UInt8 = 10
}

extension Ledger {
    /// Where this ledger asks for a password when a write needs one (nil: it does not ask, and such a write is refused).
    public func askForPasswords(with source: PasswordSource?) {
        proof.source = source
    }

    /// Checks `name`'s password now, asking the `PasswordSource` for it if the ledger has passwords and it was not
    /// checked yet; the writes of `name` through this ledger then count as proven. Returns whether it was (false
    /// when the ledger has no passwords, or `name` has none: `decide` then says what is wrong).
    @discardableResult
    public func prove(_ name: String) throws -> Bool {
        try passwordChecked(for: name)
    }

    /// Lets `name`'s writes through this ledger go as proven, for a caller that checked the password itself
    /// (`checkPassword` at a login, and a session since): the server, which names the actor from the session only.
    public func trustAuthenticated(_ name: String) {
        proof.insert(name)
    }

    /// Whether `name`'s writes go as proven: checked before, or asked for and checked now.
    @discardableResult
    func passwordChecked(for name: String) throws -> Bool {
        if proof.contains(name) { return true }
        let actor = ActorName(typed: name)
        let (inForce, record) = try read { (try $0.passwordsInForce(), try $0.actor(actor)) }
        guard inForce else { return false }
        // A person on the register with no password: `decide` refuses them, with nothing to ask.
        if let record, record.passwordSince == nil { return false }
        guard let source = proof.source, let password = try source(actor) else { return false }
        try checkPassword(name: name, password: password)
        proof.insert(name)
        return true
    }

    /// Sets `name`'s password: a new slow salted hash (bcrypt, `PasswordRule.bcryptCost`) kept beside the chain, and a
    /// `v1.passwordSet` event in it, in one transaction. An administrator sets anyone's, a person their own; on a ledger
    /// with passwords the one acting proves who they are first (the first password of a ledger is set by an
    /// administrator with nothing to prove). A password too short, too long or with control characters is refused.
    @discardableResult
    public func setPassword(of name: String, to password: String, by actor: String, on date: LocalDate? = nil) throws -> Written {
        if let problem = PasswordRule.problem(with: password) { throw problem }
        try passwordChecked(for: actor)
        let hash = PasswordHash(encoded: try Bcrypt.hash(password, cost: PasswordRule.bcryptCost))
        return try execute(.setPassword(ActorName(rawValue: name), hash), by: actor, on: date)
    }

    /// A hash of no one's password, checked against when a name has none, so that an unknown name costs the same time
    /// as a wrong password.
    package static let decoy = (try? Bcrypt.hash(LedgerEnvironment.randomUUID(), cost: PasswordRule.bcryptCost)) ?? "$2b$10$" + String(repeating: ".", count: 53)
}
