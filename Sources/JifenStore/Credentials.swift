import Foundation
import GRDB
import JifenCore

// Passwords beside the chain (schema/0004_credentials.sql): each person's bcrypt hash in `credentials`, and wrong
// passwords in `login_failures`. Neither is a projection (`rebuild` leaves both alone) nor part of the log (the exports
// never read them; `verify` holds `credentials` to the log's v1.passwordSet events). Only the facade reaches these.
extension StoreSession {
    /// Keeps `actor`'s new hash, replacing any earlier one: called by `append` with the `v1.passwordSet` event.
    func setCredential(_ actor: ActorName, hash: PasswordHash, at recordedAt: String, seq: Int64) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO credentials (actor, hash, set_at, set_seq) VALUES (?, ?, ?, ?)",
                       arguments: [actor.rawValue, hash.encoded, recordedAt, seq])
    }

    /// `actor`'s stored hash; nil when they have none (or the row is not text: damage reads as no password).
    public func credential(_ actor: ActorName) throws -> PasswordHash? {
        let value = try DatabaseValue.fetchOne(db, sql: "SELECT hash FROM credentials WHERE actor = ?", arguments: [actor.rawValue])
        guard let value, case .string(let text) = value.storage else { return nil }
        return PasswordHash(encoded: text)
    }

    /// The seq of the `v1.passwordSet` that set `actor`'s stored password (nil: none): it changes whenever the password
    /// is set anew, so a server can tell a session opened with an older one.
    public func credentialSeq(_ actor: ActorName) throws -> Int64? {
        let value = try DatabaseValue.fetchOne(db, sql: "SELECT set_seq FROM credentials WHERE actor = ?", arguments: [actor.rawValue])
        guard let value, case .int64(let seq) = value.storage else { return nil }
        return seq
    }

    /// The instants (seconds since 1970) of `actor`'s wrong passwords since `instant`. A row whose time is not a
    /// number counts as a failure now (damage never lifts the limit).
    public func loginFailures(_ actor: ActorName, since instant: Double, now: Double) throws -> [Double] {
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

extension EventStore {
    /// What of the passwords' table does not agree with the log: a person whose latest `v1.passwordSet` has no password
    /// kept (or one kept from another event), a password kept for no one the log gave one, a hash that is not bcrypt's.
    /// The log holds that a password was set, not the hash: a hash replaced in the file by one of the same event is
    /// beyond what the file alone can show (docs/ARCHITECTURE.md, "Passwords").
    static func credentialProblems(_ db: Database) throws -> [VerifyReport.Problem] {
        let table = try LogFormat.of(db).table
        var latest: [String: (seq: Int64, at: String)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT stream, seq, recorded_at FROM events WHERE seq IN (
                SELECT seq FROM \(table) WHERE stream >= 'actor:' AND stream < 'actor;' AND type = '\(EventType.passwordSet.rawValue)')
            ORDER BY seq
            """) {
            guard let stream = try? row.decode(String.self, atIndex: 0), let seq = try? row.decode(Int64.self, atIndex: 1),
                  let at = try? row.decode(String.self, atIndex: 2) else { continue }
            latest[String(stream.dropFirst("actor:".count))] = (seq, at)
        }
        var problems: [VerifyReport.Problem] = []
        var kept: Set<String> = []
        for row in try Row.fetchAll(db, sql: "SELECT actor, hash, set_at, set_seq FROM credentials ORDER BY actor") {
            let actor = (try? row.decode(String.self, atIndex: 0)) ?? ""
            kept.insert(actor)
            let hash = (try? row.decode(String.self, atIndex: 1)) ?? ""
            let setAt = try? row.decode(String.self, atIndex: 2), setSeq = try? row.decode(Int64.self, atIndex: 3)
            guard let event = latest[actor] else {
                problems.append(.init(seq: 0, zh: "密码表里有 \(actor) 的密码，而流水里没有为此人设过密码（文件已被改动）",
                                      en: "the passwords' table holds one for \(actor), whom the log never gave one (the file was altered)"))
                continue
            }
            if setSeq != event.seq || setAt != event.at {
                problems.append(.init(seq: event.seq, zh: "密码表里 \(actor) 的密码不是这一条设下的（文件已被改动）",
                                      en: "the password the table holds for \(actor) is not the one this event set (the file was altered)"))
            }
            let bcrypt = hash.utf8.count == 60 && hash.hasPrefix("$2b$") && (Int(hash.dropFirst(4).prefix(2)) ?? 0) >= 10
            if !bcrypt {
                problems.append(.init(seq: event.seq, zh: "密码表里 \(actor) 的密码不是 bcrypt 的慢哈希（文件已被改动）",
                                      en: "the password the table holds for \(actor) is not a bcrypt hash (the file was altered)"))
            }
        }
        for (actor, event) in latest.sorted(by: { $0.value.seq < $1.value.seq }) where !kept.contains(actor) {
            problems.append(.init(seq: event.seq, zh: "它为 \(actor) 设了密码，而密码表里没有此人的密码（文件已被改动）",
                                  en: "it set a password for \(actor), which the passwords' table no longer holds (the file was altered)"))
        }
        return problems
    }
}
