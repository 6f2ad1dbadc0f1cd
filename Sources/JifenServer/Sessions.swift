import Crypto
import Foundation
import Jifen
import JifenCore

/// The people logged in: a session is a random token (32 bytes, base64url) that a browser keeps in an HttpOnly
/// cookie and a script sends as `Authorization: Bearer`. Only a SHA-256 of each token is held, so that a look-up
/// does not compare secrets byte by byte; nothing is written to disk, so a restart of the server logs everyone out.
/// A session ends after `idle` without a request (8 hours), when its person logs out, and when their password is set
/// anew.
public actor Sessions {
    public struct Session: Sendable, Equatable {
        public let actor: String
        /// The person's roles as the register had them when last looked at (`checkedAt`).
        public fileprivate(set) var roles: [Role]
        /// The token forms and cookie-authenticated API writes carry back (`X-CSRF-Token` or a form's `csrf` field).
        public let csrf: String
        public fileprivate(set) var lastSeen: Date
        /// When the register was last looked at for this person (`recheck`).
        public fileprivate(set) var checkedAt: Date
        /// The mark of the password the person logged in with (`Ledger.passwordMark`): set anew, by anyone, it ends
        /// the session.
        public let mark: Int64?
        /// On a county's server: the village the person belongs to (nil for the county's own people, and on a village's
        /// own server).
        public var village: String? = nil
        /// On a county's server: what a person of the county (not of a village) may reach.
        public var reach: CountyReach? = nil
    }

    /// What a person of the county reaches: every village as the county's administrator (who also adds villages), or
    /// the villages of one township as its auditor. Both only read a village's books; its own people write them.
    public enum CountyReach: Sendable, Equatable {
        case administrator
        case township(String)
    }

    /// How often a session's person is looked up again in the register: a person retired, or whose roles changed,
    /// through the CLI while logged in is seen within this long.
    public static let recheckAfter: TimeInterval = 60

    public static let idleLimit: TimeInterval = 8 * 3600

    private var sessions: [String: Session] = [:]
    let idle: TimeInterval
    let clock: @Sendable () -> Date

    public init(idle: TimeInterval = Sessions.idleLimit, clock: @escaping @Sendable () -> Date) {
        self.idle = idle
        self.clock = clock
    }

    /// A new session for `actor`; returns its token (shown once, to the one who logged in) and the session.
    public func open(actor: String, roles: [Role], mark: Int64? = nil, village: String? = nil,
                     reach: CountyReach? = nil) -> (token: String, session: Session) {
        forgetExpired()
        let token = Self.randomToken()
        let now = clock()
        let session = Session(actor: actor, roles: roles, csrf: Self.randomToken(), lastSeen: now, checkedAt: now, mark: mark,
                              village: village, reach: reach)
        sessions[Self.digest(token)] = session
        return (token, session)
    }

    /// The session of `token`, marked as seen now; nil when there is none or it has been idle too long.
    public func find(_ token: String) -> Session? {
        let key = Self.digest(token)
        guard var session = sessions[key] else { return nil }
        let now = clock()
        guard now.timeIntervalSince(session.lastSeen) <= idle else {
            sessions[key] = nil
            return nil
        }
        session.lastSeen = now
        sessions[key] = session
        return session
    }

    /// Whether the session of `token` is due to be checked against the register.
    public func due(_ token: String) -> Bool {
        guard let session = sessions[Self.digest(token)] else { return false }
        return clock().timeIntervalSince(session.checkedAt) >= Self.recheckAfter
    }

    /// The session of `token` after its person was looked up in the register: with their roles now, or ended (nil)
    /// when they are no longer active (`roles` nil) or their password was set anew (`mark` not the session's).
    public func recheck(_ token: String, roles: [Role]?, mark: Int64?) -> Session? {
        let key = Self.digest(token)
        guard var session = sessions[key] else { return nil }
        guard let roles, mark == session.mark else {
            sessions[key] = nil
            return nil
        }
        session.roles = roles
        session.checkedAt = clock()
        sessions[key] = session
        return session
    }

    /// Ends the session of `token` (logging out).
    public func close(_ token: String) {
        sessions[Self.digest(token)] = nil
    }

    /// Ends every session of `actor` (of `village`: a county's villages may each have someone of the same name) but the
    /// one of `keeping` (their password was set anew).
    public func closeAll(of actor: String, in village: String? = nil, keeping token: String? = nil) {
        let kept = token.map(Self.digest)
        sessions = sessions.filter { $0.value.actor != actor || $0.value.village != village || $0.key == kept }
    }

    private func forgetExpired() {
        let now = clock()
        sessions = sessions.filter { now.timeIntervalSince($0.value.lastSeen) <= idle }
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random token (`Ledger.randomToken`).
    static func randomToken() -> String { Ledger.randomToken() }
}
