import Foundation
import JifenCore
import JifenStore

/// A household's card, as issued: its token is shown this once (only a slow hash of it is kept).
public struct IssuedCard: Sendable {
    public let household: HouseholdCode
    public let head: String
    public let village: String
    /// 32 random bytes in base64url: what the card's link carries after the household's code.
    public let token: String
    public let issuedAt: String
    public let issuedBy: String

    /// The card's link under `base` (the server's public address): `BASE/h/CODE/TOKEN`.
    public func link(base: String) -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return "\(trimmed)/h/\(household.rawValue)/\(token)"
    }
}

extension Ledger {
    /// Who may issue cards: an administrator or a clerk (those who keep the register).
    public static let cardIssuers: [Role] = [.admin, .clerk]

    /// Issues a new card for `household`, replacing any earlier one (which stops working): a random token, kept only as
    /// a bcrypt hash beside the chain (schema/0005_household_cards.sql). The one who issues it is held to the ledger's
    /// rules as for a write: registered, active, an administrator or a clerk, and proven by their password once the
    /// ledger has passwords. A closed household gets no card.
    public func issueCard(for household: HouseholdCode, by actor: String) throws -> IssuedCard {
        try passwordChecked(for: actor)
        let name = ActorName(typed: actor)
        let (people, record, account, info, inForce) = try read { session in
            (try session.hasActors(), try session.actor(name), try session.household(household), try session.ledger(),
             try session.passwordsInForce())
        }
        guard let info else { throw Rejection.ledgerNotOpened }
        if people {
            guard let record else { throw Rejection.actorUnknown(name, suggestion: nil) }
            guard record.status == .active else { throw Rejection.actorRetired(name, on: record.retiredOn ?? record.registeredOn) }
            guard record.roles.contains(where: Self.cardIssuers.contains) else {
                throw Rejection.roleNotAllowed(name, roles: record.roles, action: .issueCards, allowed: Self.cardIssuers)
            }
            if inForce {
                guard record.passwordSince != nil else { throw Rejection.passwordNotSet(name) }
                guard proof.contains(actor) else { throw Rejection.passwordRequired(name) }
            }
        }
        guard let account else { throw Rejection.householdUnknown(household, suggestion: nil) }
        if account.status == .closed { throw Rejection.householdClosed(household, on: account.closedOn ?? today()) }
        let token = Self.randomToken()
        let hash = try Bcrypt.hash(token, cost: PasswordRule.bcryptCost)
        let issuedAt = timestamp()
        try LedgerError.translating {
            try store.write { try $0.setCard(household, hash: hash, at: issuedAt, by: name) }
        }
        return IssuedCard(household: household, head: account.head, village: info.village, token: token, issuedAt: issuedAt,
                          issuedBy: actor)
    }

    /// Whether `token` is `household`'s current card (a slow hash check: the server remembers what it checked).
    /// Returns the hash it was checked against, for that memory; nil when the card does not open.
    public func cardOpens(_ household: HouseholdCode, token: String) throws -> String? {
        guard let card = try read({ try $0.card(household) }) else {
            _ = Bcrypt.verify(token, hash: Self.decoy)
            return nil
        }
        return Bcrypt.verify(token, hash: card.hash) ? card.hash : nil
    }

    /// The hash of `household`'s current card, if any: what a remembered check is compared with.
    public func cardHash(_ household: HouseholdCode) throws -> String? {
        try read { try $0.card(household)?.hash }
    }

    /// 32 random bytes from the system's generator, in base64url without padding (43 characters): a card's token, and
    /// the server's session and CSRF tokens.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
