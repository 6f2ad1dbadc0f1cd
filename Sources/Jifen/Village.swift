import Foundation
import JifenCore
import JifenStore

/// A village's books, whatever keeps them: a village's SQLite file (`Ledger`) or a village of a county's PostgreSQL
/// database. What a service shows and does for one village goes through this, so that it is written once for both:
/// the reads over the store's `ProjectionReads` (in the extension below), the writes through the one write path
/// (`LedgerWriter`) of the store, passwords checked by the one rule (`checkPassword`).
public protocol VillageBooks: AnyObject, Sendable {
    associatedtype Reads: ProjectionReads & CredentialReads

    /// Where time and ids come from.
    var environment: LedgerEnvironment { get }

    /// Runs `body` on a consistent snapshot of the books.
    func readBooks<T>(_ body: (Reads) throws -> T) throws -> T

    /// Writes a group of independent commands in one transaction, each standing alone (`LedgerWriter.executeEach`).
    func executeEach(_ requests: [WriteRequest]) throws -> [Result<Written, any Error>]

    /// Loads a tally sheet in one transaction as `actor`: all its rows, or none with every bad row reported by its line
    /// (`LedgerWriter.importTallySheet`).
    func importTallySheet(_ input: SheetInput, fileName: String, by actor: String, progress: ((Int, Int) -> Void)?) throws
        -> Ledger.SheetImport

    /// Sets `name`'s password (a new bcrypt hash beside the chain, a `v1.passwordSet` in it), as `actor`.
    @discardableResult
    func setPassword(of name: String, to password: String, by actor: String, on date: LocalDate?) throws -> Written

    /// Lets `name`'s writes go as proven: the caller checked the password (a login, and a session since).
    func trustAuthenticated(_ name: String)

    /// Notes a wrong password typed for `actor` at `instant`, forgetting every failure older than `forgetBefore`.
    func noteLoginFailure(_ actor: ActorName, at instant: Double, forgetBefore: Double) throws

    /// Forgets `actor`'s wrong passwords (after the right one).
    func clearLoginFailures(_ actor: ActorName) throws

    /// The books as they stood after event `seq`, folded afresh from the log in memory; nothing is written.
    func replay(through seq: Int64) throws -> MemoryLedger
}

extension VillageBooks {
    // MARK: Passwords

    /// Checks `name`'s password: the one rule for the CLI and the server. A name refused for too many failures is
    /// refused again without looking (`PasswordRule.refusal`: after five within fifteen minutes); a wrong password
    /// and a name with no password (or no such person) are refused alike, with the same message and after the same
    /// slow hash, and counted as a failure of that name; the right one clears the name's failures. The clock is the
    /// books' environment's.
    public func checkPassword(name: String, password: String) throws {
        // A name longer than any the register takes, or a password longer than any that can be set, is no one's: refused
        // as a wrong one, without a hash to spend time on or a failure to write (a stranger cannot fill the store).
        guard name.count <= CodeSyntax.lengthMax, password.utf8.count <= PasswordRule.maximumBytes else {
            throw PasswordRefusal.wrong
        }
        let actor = ActorName(typed: name)
        let now = environment.now().timeIntervalSince1970
        let (failures, hash) = try readBooks { session in
            (try session.loginFailures(actor, since: now - PasswordRule.window, now: now), try session.credential(actor))
        }
        if let refusal = PasswordRule.refusal(failures: failures, now: now) { throw refusal }
        let matches = Bcrypt.verify(password, hash: hash?.encoded ?? Ledger.decoy)
        guard matches, hash != nil else {
            try noteLoginFailure(actor, at: now, forgetBefore: now - PasswordRule.window)
            throw PasswordRefusal.wrong
        }
        if !failures.isEmpty { try clearLoginFailures(actor) }
    }

    /// A mark of `name`'s current password (the event that set it; nil when they have none): a session opened with
    /// one mark ends when the mark changes, whoever set the password anew.
    public func passwordMark(of name: String) throws -> Int64? {
        try readBooks { try $0.credentialSeq(ActorName(typed: name)) }
    }

    /// Whether any password is set in these books: from then on every write needs the acting person's.
    public func passwordsInForce() throws -> Bool {
        try readBooks { try $0.passwordsInForce() }
    }

    // MARK: Households, the shop, the register

    /// Every household's account, by code.
    public func households() throws -> [HouseholdAccount] {
        try readBooks { try $0.households() }
    }

    /// One household's account; nil when no household has that code.
    public func household(_ code: HouseholdCode) throws -> HouseholdAccount? {
        try readBooks { try $0.household(code) }
    }

    /// The balances of one household (refused when the code is unknown) or of all, now or at the end of `asOf`
    /// (entries dated after it are left out; a household registered after it is not there).
    public func balances(of household: HouseholdCode? = nil, asOf: LocalDate? = nil) throws -> [HouseholdAccount] {
        try readBooks { session in
            guard let household else { return try asOf.map { try session.households(asOf: $0, only: nil) } ?? session.households() }
            guard let account = try session.household(household) else {
                throw Rejection.householdUnknown(household, suggestion: Nearest.code(to: household.rawValue,
                                                                                    among: try session.codes(of: .household)))
            }
            if let asOf { return try session.households(asOf: asOf, only: household) }
            return [account]
        }
    }

    /// A household's whole history; refused when the code is unknown.
    public func history(of household: HouseholdCode) throws -> HouseholdHistory {
        try readBooks { session in
            guard let account = try session.household(household) else {
                throw Rejection.householdUnknown(household, suggestion: Nearest.code(to: household.rawValue,
                                                                                    among: try session.codes(of: .household)))
            }
            let entries = Dictionary(firstOf: try session.entries(of: household).map { ($0.seq, $0) })
            let reviews = Dictionary(firstOf: try session.reviews(of: household).map { ($0.seq, $0) })
            return HouseholdHistory(account: account, events: try session.events(from: 1, household: household, dates: nil, limit: nil),
                                    entries: entries, reviews: reviews)
        }
    }

    /// The joint units, by code.
    public func units() throws -> [UnitRecord] {
        try readBooks { try $0.units() }
    }

    /// The shop's items and their stock, by code.
    public func items() throws -> [ItemStock] {
        try readBooks { try $0.items() }
    }

    /// One item of the shop; nil when no item has that code.
    public func item(_ code: ItemCode) throws -> ItemStock? {
        try readBooks { try $0.item(code) }
    }

    /// The people registered to act on the books.
    public func actors() throws -> [ActorRecord] {
        try readBooks { try $0.actors() }
    }

    /// Every version of the points scheme, oldest first.
    public func schemes() throws -> [SchemeVersion] {
        try readBooks { try $0.schemes() }
    }

    // MARK: The log

    /// A page of the log: at most `limit` events from `from` on, optionally only those about one household.
    public func logPage(from: Int64 = 1, household: HouseholdCode? = nil, limit: Int? = nil) throws -> [RecordedEvent] {
        try readBooks { try $0.events(from: from, household: household, dates: nil, limit: limit) }
    }

    /// The entry recorded as event `seq`; nil when that event is not an entry.
    public func entry(_ seq: Int64) throws -> Entry? {
        try readBooks { try $0.entry(.seq(seq)) }
    }

    /// The business date of event `seq` (of the first after it when it is not there); nil when there is none.
    public func occurredOn(_ seq: Int64) throws -> LocalDate? {
        try readBooks { try $0.events(from: seq, household: nil, dates: nil, limit: 1).first?.occurredOn }
    }

    /// The last event and its hash.
    public func head() throws -> LogHead {
        let head = try readBooks { try $0.headOfLog() }
        return LogHead(seq: head.seq, hash: head.hash)
    }

    // MARK: Review, notices

    /// The review queue: scores proposed or objected to, and reversal requests, each oldest first.
    public func reviewQueue() throws -> ReviewQueue {
        try readBooks { session in
            ReviewQueue(reviews: try session.allReviews().filter { $0.state == .proposed || $0.state == .objected },
                        requests: try session.requests())
        }
    }

    /// The review state of score `seq`; nil when it is final (or not a score).
    public func review(_ seq: Int64) throws -> ScoreReview? {
        try readBooks { try $0.review(seq) }
    }

    /// Every public notice, with its counts of scores on notice and objected to.
    public func notices() throws -> [NoticeSummary] {
        try readBooks { session in
            try session.notices().map { notice in
                let reviews = try session.reviews(in: notice.dates)
                return NoticeSummary(notice: notice, posted: reviews.filter { $0.state == .posted }.count,
                                     objected: reviews.filter { $0.state == .objected }.count)
            }
        }
    }
}

extension Ledger: VillageBooks {
    public func readBooks<T>(_ body: (StoreSession) throws -> T) throws -> T {
        try read(body)
    }

    public func noteLoginFailure(_ actor: ActorName, at instant: Double, forgetBefore: Double) throws {
        try LedgerError.translating { try store.write { try $0.recordLoginFailure(actor, at: instant, forgetBefore: forgetBefore) } }
    }

    public func clearLoginFailures(_ actor: ActorName) throws {
        try LedgerError.translating { try store.write { try $0.clearLoginFailures(actor) } }
    }
}
