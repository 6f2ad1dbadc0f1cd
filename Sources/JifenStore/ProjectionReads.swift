import Foundation
import JifenCore

/// The reads a village's books are shown with, over any store: what `decide` reads (`LedgerState`), the log's head
/// and look-ups (`LogReader`), and the lists and pages the facade's reads are built on. SQLite's `StoreSession` answers
/// them from its projection tables; a county's PostgreSQL village answers them from its fold in memory and the log's
/// rows. The facade's reads (Jifen's `VillageBooks`) are written once over this protocol.
public protocol ProjectionReads: LedgerState, LogReader {
    /// Every household's account, by code.
    func households() throws -> [HouseholdAccount]
    /// Every household registered by `date` (or with entries dated by then), with the entries dated on or before it
    /// summed; register details as they are now, open if it closed after `date`. `only`: that household alone.
    func households(asOf date: LocalDate, only code: HouseholdCode?) throws -> [HouseholdAccount]
    /// The shop's items and their stock, by code.
    func items() throws -> [ItemStock]
    /// The joint units, by code.
    func units() throws -> [UnitRecord]
    /// All entries that moved a household's points, oldest first.
    func entries(of household: HouseholdCode) throws -> [Entry]
    /// Events from `from` on, optionally only those about one household and dated within `dates`, at most `limit`.
    func events(from: Int64, household: HouseholdCode?, dates: ClosedRange<LocalDate>?, limit: Int?) throws -> [RecordedEvent]
    /// Every score not yet final, by seq.
    func allReviews() throws -> [ScoreReview]
    /// Every open request to reverse an entry, by seq.
    func requests() throws -> [ReversalRequest]
    /// The entries dated within `dates` (of one household, or of all), with the reversal that undid each, by seq.
    func entries(in dates: ClosedRange<LocalDate>, household: HouseholdCode?) throws -> [Entry]
    /// Every settled year, oldest first.
    func settlements() throws -> [SettlementRecord]
    /// The ratings of a settled year, by household.
    func ratings(year: Int) throws -> [HouseholdRating]
}

/// A person's password as a store keeps it beside the chain (never in it), and the wrong passwords typed for a name.
public protocol CredentialReads {
    /// `actor`'s stored hash; nil when they have none.
    func credential(_ actor: ActorName) throws -> PasswordHash?
    /// The seq of the `v1.passwordSet` that set `actor`'s stored password (nil: none).
    func credentialSeq(_ actor: ActorName) throws -> Int64?
    /// The instants (seconds since 1970) of `actor`'s wrong passwords since `instant`.
    func loginFailures(_ actor: ActorName, since instant: Double, now: Double) throws -> [Double]
}

extension StoreSession: ProjectionReads, CredentialReads {}
