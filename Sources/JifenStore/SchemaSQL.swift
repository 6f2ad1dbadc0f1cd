/// The migrations of schema/, carried in the code by SwiftPM (`.embedInCode` in Package.swift), so that `jifen` opens
/// a ledger from any folder and as a binary copied alone, with no resource bundle to find.
enum SchemaSQL {
    /// schema/0001_event_log.sql
    static let m0001EventLog = text(PackageResources._001_event_log_sql)
    /// schema/0001_compact_log.sql
    static let m0001CompactLog = text(PackageResources._001_compact_log_sql)
    /// schema/0002_projections.sql
    static let m0002Projections = text(PackageResources._002_projections_sql)
    /// schema/0003_governance.sql
    static let m0003Governance = text(PackageResources._003_governance_sql)
    /// schema/0004_credentials.sql
    static let m0004Credentials = text(PackageResources._004_credentials_sql)
    /// schema/0005_household_cards.sql
    static let m0005HouseholdCards = text(PackageResources._005_household_cards_sql)
    /// schema/0006_review_states.sql
    static let m0006ReviewStates = text(PackageResources._006_review_states_sql)

    /// Every migration by its file's name in schema/.
    static let byFile = ["0001_event_log.sql": m0001EventLog, "0001_compact_log.sql": m0001CompactLog, "0002_projections.sql": m0002Projections, "0003_governance.sql": m0003Governance,
                         "0004_credentials.sql": m0004Credentials, "0005_household_cards.sql": m0005HouseholdCards,
                         "0006_review_states.sql": m0006ReviewStates]

    /// A file's text without its final line feed, as the migrations have always been run (and the schema's text
    /// stored in the ledger's `sqlite_master`).
    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.last == 0x0A ? bytes.dropLast() : bytes[...], as: UTF8.self)
    }
}
