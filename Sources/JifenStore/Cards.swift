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

extension EventStore {
    /// What of the cards' table cannot be a card jifen issued: a household not on the register, a hash that is not
    /// bcrypt's, a time or an issuer that is not text. (Which card is current is beyond the file: a hash replaced by
    /// another card's is not damage anyone can see, and opens no more than that card did.)
    static func cardProblems(_ db: Database) throws -> [VerifyReport.Problem] {
        guard try db.tableExists("household_cards") else { return [] }
        var problems: [VerifyReport.Problem] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT household, hash, issued_at, issued_by,
                   typeof(household) = 'text' AND household IN (SELECT code FROM p_households) AS registered
            FROM household_cards ORDER BY rowid
            """) {
            let household = (try? row.decode(String.self, atIndex: 0)) ?? "?"
            let hash = (try? row.decode(String.self, atIndex: 1)) ?? ""
            let at = (try? row.decode(String.self, atIndex: 2)) ?? ""
            let by = (try? row.decode(String.self, atIndex: 3)) ?? ""
            let registered = (try? row.decode(Int64.self, atIndex: 4)) == 1
            let bcrypt = hash.utf8.count == 60 && hash.hasPrefix("$2b$") && (Int(hash.dropFirst(4).prefix(2)) ?? 0) >= 10
            if !registered || !bcrypt || RecordedInstant.milliseconds(at) == nil || by.isEmpty {
                problems.append(.init(seq: 0, zh: "积分卡表里 \(household) 的一行不是 jifen 发的卡（文件已被改动）",
                                      en: "the cards' table holds a row for \(household) that is no card jifen issued (the file was altered)"))
            }
        }
        return problems
    }
}
