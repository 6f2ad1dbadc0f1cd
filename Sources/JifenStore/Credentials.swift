import Foundation
import GRDB
import JifenCore

// Passwords beside the chain (schema/0004_credentials.sql): each person's bcrypt hash in `credentials`, and wrong
// passwords in `login_failures`. Neither is a projection (`rebuild` leaves both alone) nor part of the log (`verify`
// and the exports never read them). Only the facade reaches these.
extension StoreSession {
    /// Keeps `actor`'s new hash, replacing any earlier one: called by `append` with the `v1.passwordSet` event.
    func setCredential(_ actor: ActorName, hash: PasswordHash, at recordedAt: String, seq: Int64) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO credentials (actor, hash, set_at, set_seq) VALUES (?, ?, ?, ?)",
                       arguments: [actor.rawValue, hash.encoded, recordedAt, seq])
    }

    /// `actor`'s stored hash; nil when they have none (or the row is not text: damage reads as no password).
    package func credential(_ actor: ActorName) throws -> PasswordHash? {
        let value = try DatabaseValue.fetchOne(db, sql: "SELECT hash FROM credentials WHERE actor = ?", arguments: [actor.rawValue])
        guard let value, case .string(let text) = value.storage else { return nil }
        return PasswordHash(encoded: text)
    }

    /// The instants (seconds since 1970) of `actor`'s wrong passwords since `instant`. A row whose time is not a
    /// number counts as a failure now (damage never lifts the limit).
    package func loginFailures(_ actor: ActorName, since instant: Double, now: Double) throws -> [Double] {
        try DatabaseValue.fetchAll(db, sql: "SELECT failed_at FROM login_failures WHERE actor = ? AND (failed_at > ? OR typeof(failed_at) NOT IN ('real', 'integer'))",
                                   arguments: [actor.rawValue, instant]).map { value in
            switch value.storage {
            case .double(let seconds): return seconds
            case .int64(let seconds): return Double(seconds)
            default: return now
            }
        }
    }

    /// Notes a wrong password for `actor` at `instant`, and forgets every failure older than `forgetBefore`.
    package func recordLoginFailure(_ actor: ActorName, at instant: Double, forgetBefore: Double) throws {
        try db.execute(sql: "DELETE FROM login_failures WHERE failed_at < ?", arguments: [forgetBefore])
        try db.execute(sql: "INSERT INTO login_failures (actor, failed_at) VALUES (?, ?)", arguments: [actor.rawValue, instant])
    }

    /// Forgets `actor`'s wrong passwords (after the right one).
    package func clearLoginFailures(_ actor: ActorName) throws {
        try db.execute(sql: "DELETE FROM login_failures WHERE actor = ?", arguments: [actor.rawValue])
    }
}
