import Foundation
import GRDB
import JifenCore

// Households' cards beside the chain (schema/0005_household_cards.sql): each household's current card as a bcrypt hash
// of its token. Neither a projection (`rebuild` leaves it alone) nor part of the log (the exports never read it). Only
// the facade reaches it.

/// A household's card as kept: the hash of its token, when and by whom it was issued.
package struct StoredCard: Sendable {
    package let hash: String
    package let issuedAt: String
    package let issuedBy: String
}

extension StoreSession {
    /// Keeps `household`'s new card, replacing any earlier one (which stops working).
    package func setCard(_ household: HouseholdCode, hash: String, at issuedAt: String, by actor: ActorName) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO household_cards (household, hash, issued_at, issued_by) VALUES (?, ?, ?, ?)",
                       arguments: [household.rawValue, hash, issuedAt, actor.rawValue])
    }

    /// `household`'s card; nil when it has none (or the row is not text: damage reads as no card).
    package func card(_ household: HouseholdCode) throws -> StoredCard? {
        guard let row = try Row.fetchOne(db, sql: "SELECT hash, issued_at, issued_by FROM household_cards WHERE household = ?",
                                         arguments: [household.rawValue]),
              let hash = try? row.decode(String.self, atIndex: 0), let at = try? row.decode(String.self, atIndex: 1),
              let by = try? row.decode(String.self, atIndex: 2) else { return nil }
        return StoredCard(hash: hash, issuedAt: at, issuedBy: by)
    }
}
