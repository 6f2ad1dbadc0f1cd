import Foundation

/// The county's migrations of schema/postgres/, carried in the code by SwiftPM (`.embedInCode` in Package.swift), as the
/// SQLite migrations of schema/ are: a program copied alone still has them.
enum CountySchema {
    /// Every migration in the order it is applied: its version (recorded in `jifen_migrations`), its file's name in
    /// schema/postgres/, and its text.
    static let migrations: [(version: Int, file: String, sql: String)] = [
        (1, "0001_county.sql", text(PackageResources._001_county_sql)),
        (2, "0002_townships.sql", text(PackageResources._002_townships_sql)),
        (3, "0003_sync_keys.sql", text(PackageResources._003_sync_keys_sql)),
        (4, "0004_people.sql", text(PackageResources._004_people_sql)),
        (5, "0005_pinned_triggers.sql", text(PackageResources._005_pinned_triggers_sql)),
        (6, "0006_chain_by_statement.sql", text(PackageResources._006_chain_by_statement_sql)),
        (7, "0007_village_checked_by_the_chain.sql", text(PackageResources._007_village_checked_by_the_chain_sql)),
        (8, "0008_dates_checked_without_regular_expressions.sql", text(PackageResources._008_dates_checked_without_regular_expressions_sql)),
        (9, "0009_text_compared_as_bytes.sql", text(PackageResources._009_text_compared_as_bytes_sql)),
    ]

    /// The newest version this program knows: a database at a later one was made by a newer jifen.
    static var latest: Int { migrations.last?.version ?? 0 }

    /// Where applied migrations are recorded; made before the first is applied, and the one table no migration makes.
    static let versionTable = """
        CREATE TABLE IF NOT EXISTS jifen_migrations (
            version    integer     PRIMARY KEY,
            file       text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A migration's statements, one by one: PostgreSQL's extended protocol (what postgres-nio speaks) takes one
    /// statement per query. Split at each `;` that ends a line outside a dollar-quoted body (`$$ … $$`, the functions'),
    /// with lines that are only a comment dropped.
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !inBody && (trimmed.isEmpty || trimmed.hasPrefix("--")) { continue }
            current.append(line)
            // Each `$$` opens or closes a body.
            inBody = line.split(separator: "$$", omittingEmptySubsequences: false).count % 2 == 0 ? !inBody : inBody
            if !inBody && trimmed.hasSuffix(";") {
                statements.append(current.joined(separator: "\n"))
                current = []
            }
        }
        let rest = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
