import Foundation
import Jifen
import JifenCore

/// A village set up in the county from nothing (for a trial and for the server's figures): opened with the reference
/// scheme, an administrator and a clerk, one joint unit and `households` households, and one password for both people.
public struct NewVillage: Sendable {
    public var code: String
    public var township: String?
    public var admin = "书记"
    public var clerk = "会计"
    public var households = 20
    public var opened = LocalDate(year: 2025, month: 1, day: 1) ?? LocalDate(daysSinceEpoch: 20089)

    public init(code: String, township: String? = nil) {
        self.code = code
        self.township = township
    }

    /// The code of the `index`-th household (from 0): H001, H002, …
    public static func household(_ index: Int) -> HouseholdCode { HouseholdCode(rawValue: String(format: "H%03d", index + 1)) }

    /// The commands that make it, in order, each by the administrator on the day it opened: the ledger opened, the
    /// clerk registered, the unit and the households.
    public func commands() throws -> [Command] {
        let scheme = try SchemeFile.parse(ReferenceSeed.schemeYAML)
        return [.openLedger(ledgerId: code, village: code, scheme: scheme, demo: false, admin: ActorName(rawValue: admin)),
                .registerActor(ActorName(rawValue: clerk), roles: [.clerk], unit: nil),
                .addUnit("U01", name: "一组", leader: nil)]
            + (0..<max(0, households)).map { .registerHousehold(Self.household($0), head: "户主\($0 + 1)", unit: "U01", members: 3) }
    }

    /// Makes the village in `county` and sets both people's password to `password`; returns the village.
    @discardableResult
    public func make(in county: PostgresCounty, password: String, environment: LedgerEnvironment = .live) throws -> PostgresVillage {
        let village = PostgresVillage(store: try county.createVillage(code, township: township), environment: environment)
        for command in try commands() { try village.execute(command, by: admin, on: opened) }
        // The first password is the administrator's own; the administrator then sets the clerk's.
        try village.setPassword(of: admin, to: password, by: admin, on: opened)
        village.trustAuthenticated(admin)
        try village.setPassword(of: clerk, to: password, by: admin, on: opened)
        return village
    }
}
