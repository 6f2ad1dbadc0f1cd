import Foundation
import Jifen
import JifenCore
import PostgresNIO

/// The county's own people (schema/postgres/0004_people.sql): its administrator, who adds villages and reads every one,
/// and each township's auditor, who reads every village of the township. They belong to no village and write no
/// village's books; their passwords are bcrypt hashes, checked by the same rule as a village person's.
public struct CountyPerson: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case administrator, auditor
    }

    public let name: String
    public let role: Role
    /// The auditor's township; nil for the administrator.
    public let township: String?
    public let active: Bool
    /// Moves on whenever the password is set anew.
    public let mark: Int64
}

/// What the county refuses of its own people.
public enum CountyPersonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An auditor without a township, or an administrator with one; a name empty or too long.
    case badPerson(String)

    public var description: String {
        switch self {
        case .badPerson(let why): "The county's person cannot be kept: \(why)."
        }
    }
}

/// The county's people are found by their names composed (`Composed`), as a village's are, and their townships so too.
extension PostgresCounty {
    /// Adds the county's person `name` (or sets their role, township and password anew: the sessions opened with the
    /// old password end). The password is refused as a village's are (`PasswordRule`).
    public func setPerson(_ name: String, role: CountyPerson.Role, township: String? = nil, password: String) throws {
        let name = Composed.text(name), township = township.map(Composed.text)
        guard !name.isEmpty, name.count <= 64 else { throw CountyPersonError.badPerson("a name has 1 to 64 characters") }
        guard (role == .auditor) == (township != nil) else {
            throw CountyPersonError.badPerson("a township's auditor has a township, the administrator none")
        }
        if let problem = PasswordRule.problem(with: password) { throw problem }
        let hash = try Bcrypt.hash(password, cost: PasswordRule.bcryptCost)
        _ = try pool.withConnection { connection in
            try connection.run("""
                INSERT INTO county_people (name, role, township, hash) VALUES (\(name), \(role.rawValue), \(township), \(hash))
                ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, township = EXCLUDED.township, hash = EXCLUDED.hash,
                    active = true, mark = county_people.mark + 1, set_at = now()
                """)
        }
    }

    /// Every person of the county, by name, the retired ones too.
    public func people() throws -> [CountyPerson] {
        try pool.withConnection { connection in
            try connection.rows("SELECT name, role, township, active, mark FROM county_people ORDER BY name").map { row in
                let (name, role, township, active, mark) = try row.decode((String, String, String?, Bool, Int64).self)
                guard let role = CountyPerson.Role(rawValue: role) else {
                    throw PostgresStoreError.damaged(village: "", seq: 0, problem: "the county's person \(name) has no role jifen knows")
                }
                return CountyPerson(name: name, role: role, township: township, active: active, mark: mark)
            }
        }
    }

    /// Retires the county's person `name`: they log in no more, and their open sessions end (their mark moves on).
    /// False when the county has no such person; retiring a retired person changes nothing.
    @discardableResult
    public func retirePerson(_ name: String) throws -> Bool {
        let name = Composed.text(name)
        return try pool.withConnection { connection in
            try connection.rows("""
                UPDATE county_people SET active = false, mark = mark + CASE WHEN active THEN 1 ELSE 0 END
                WHERE name = \(name) RETURNING name
                """).first != nil
        }
    }

    /// The county's person `name`; nil when there is none.
    public func person(_ name: String) throws -> CountyPerson? {
        let name = Composed.text(name)
        return try pool.withConnection { connection in
            try connection.rows("SELECT name, role, township, active, mark FROM county_people WHERE name = \(name)").first.map { row in
                let (name, role, township, active, mark) = try row.decode((String, String, String?, Bool, Int64).self)
                guard let role = CountyPerson.Role(rawValue: role) else {
                    throw PostgresStoreError.damaged(village: "", seq: 0, problem: "the county's person \(name) has no role jifen knows")
                }
                return CountyPerson(name: name, role: role, township: township, active: active, mark: mark)
            }
        }
    }

    /// Checks the county's person's password by the rule a village's people are checked by (`VillageBooks.checkPassword`):
    /// throttled after five failures in fifteen minutes, a wrong password and an unknown name refused alike after the
    /// same slow hash. Returns the person when it is theirs and they are active.
    public func checkPerson(name: String, password: String, now: Double = Date().timeIntervalSince1970) throws -> CountyPerson {
        let name = Composed.text(name)
        guard name.count <= 64, password.utf8.count <= PasswordRule.maximumBytes else { throw PasswordRefusal.wrong }
        let (failures, hash): ([Double], String?) = try pool.withConnection { connection in
            let failures = try connection.rows("""
                SELECT failed_at FROM login_failures WHERE village = '' AND actor = \(name) AND failed_at > \(now - PasswordRule.window)
                """).map { try $0.decode(Double.self) }
            let hash = try connection.rows("SELECT hash FROM county_people WHERE name = \(name) AND active")
                .first.map { try $0.decode(String.self) }
            return (failures, hash)
        }
        if let refusal = PasswordRule.refusal(failures: failures, now: now) { throw refusal }
        guard Bcrypt.verify(password, hash: hash ?? Ledger.decoy), hash != nil, let person = try person(name), person.active else {
            try noteLoginFailure(name, village: "", at: now, forgetBefore: now - PasswordRule.window)
            throw PasswordRefusal.wrong
        }
        if !failures.isEmpty { try clearLoginFailures(name, village: "") }
        return person
    }

    /// The township of `village`; nil when the county has no such village (`.some(nil)`: a village of no township).
    /// Whether `village` keeps its books in its own office and syncs them to the county (it has a sync key,
    /// `jifen county add`): the county holds a copy, which only the village's pushes extend.
    public func syncs(_ village: String) throws -> Bool {
        try pool.withConnection { connection in
            try connection.rows("SELECT EXISTS (SELECT 1 FROM sync_keys WHERE village = \(village))").first.map { try $0.decode(Bool.self) } ?? false
        }
    }

    public func township(of village: String) throws -> String?? {
        try pool.withConnection { connection in
            try connection.rows("SELECT township FROM villages WHERE village = \(village)").first.map { try $0.decode(String?.self) }
        }
    }

    /// Notes a wrong password typed for `actor` in `village` ('' for the county's own people), forgetting old ones.
    func noteLoginFailure(_ actor: String, village: String, at instant: Double, forgetBefore: Double) throws {
        _ = try pool.withConnection { connection in
            try connection.run("DELETE FROM login_failures WHERE failed_at < \(forgetBefore)")
            return try connection.run("INSERT INTO login_failures (village, actor, failed_at) VALUES (\(village), \(actor), \(instant))")
        }
    }

    /// Forgets `actor`'s wrong passwords in `village`.
    func clearLoginFailures(_ actor: String, village: String) throws {
        _ = try pool.withConnection { connection in
            try connection.run("DELETE FROM login_failures WHERE village = \(village) AND actor = \(actor)")
        }
    }
}
