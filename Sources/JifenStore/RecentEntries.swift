import GRDB
import JifenCore

extension StoreSession {
    /// The events of `types` for `household` with business date `date`, recorded at or after `instant` (UTC, ISO 8601
    /// as `recorded_at` holds it), newest first: what a retry of a score or a redemption would repeat.
    ///
    /// The look-up goes through the `events_household` index (household, occurred_on), so it reads only that
    /// household's events of that one day, whatever the size of the log.
    public func events(of types: [String], household: HouseholdCode, on date: LocalDate,
                       recordedSince instant: String) throws -> [RecordedEvent] {
        guard !types.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: types.count).joined(separator: ", ")
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM events WHERE seq IN (
                SELECT seq FROM \(try format().table) INDEXED BY events_household
                WHERE household = ? AND occurred_on = ? AND type IN (\(marks)))
            AND recorded_at >= ?
            ORDER BY seq DESC
            """), arguments: StatementArguments([household.rawValue, date.description] + types + [instant]))
        return try rows.map(Self.recordedEvent)
    }
}
