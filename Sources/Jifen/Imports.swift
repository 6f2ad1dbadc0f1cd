import Foundation
import JifenCore
import JifenStore

extension Ledger {
    /// Column names a sheet may use, in English or Chinese.
    enum Columns {
        static let date = ["date", "日期"]
        static let household = ["household", "户号", "户编号"]
        static let rule = ["rule", "规则", "规则编号", "编号"]
        static let points = ["points", "分值", "积分", "分数"]
        static let note = ["note", "备注", "说明", "事由"]
        static let code = ["code", "household", "户号", "户编号"]
        static let head = ["head", "户主", "户主姓名"]
        static let unit = ["unit", "联户", "联户编号"]
        static let members = ["members", "人口", "人数"]
    }

    /// Dates as spreadsheets write them: 2025-03-05, 2025/3/5, 2025.3.5.
    static func sheetDate(_ text: String) -> LocalDate? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    static func table(_ data: Data, fileName: String, required: [(String, [String])]) throws -> (CSVTable, [String: Int]) {
        let table = try CSVTable(parsing: try SheetText.decode(data, fileName: fileName))
        var columns: [String: Int] = [:]
        for (name, aliases) in required {
            guard let index = table.column(aliases) else {
                throw CSVTable.Malformed(line: 1, problem: "the header has no '\(name)' column; the first line must name the columns \(required.map(\.0).joined(separator: ", "))")
            }
            columns[name] = index
        }
        return (table, columns)
    }

    /// Loads a month's tally sheet (columns date, household, rule, points, note) in one transaction:
    /// all rows, or none with every bad row reported by its line. The same sheet twice is refused, even
    /// saved again in another encoding.
    public func importTallySheet(_ data: Data, fileName: String, by actor: String,
                                 progress: ((Int, Int) -> Void)? = nil) throws -> [RecordedEvent] {
        let (table, columns) = try Ledger.table(data, fileName: fileName, required: [
            ("date", Columns.date), ("household", Columns.household), ("rule", Columns.rule)])
        let pointsColumn = table.column(Columns.points)
        let noteColumn = table.column(Columns.note)
        let sheet = Chain.sha256Hex(Data(table.canonicalText.utf8))
        var problems: [LineProblem] = []
        var items = [BatchItem(command: .importSheet(sha256: sheet, fileName: fileName, rows: table.rows.count),
                               occurredOn: nil, line: 1)]
        if table.rows.isEmpty { problems.append(.noRows) }
        for row in table.rows {
            let field = row.field
            let dateText = field(columns["date"]), pointsText = field(pointsColumn)
            guard let date = Ledger.sheetDate(dateText) else {
                problems.append(LineProblem(line: row.line, problem: "'\(dateText)' is not a date; write it as 2025-03-05",
                                            chinese: "「\(dateText)」不是日期；请写成 2025-03-05 这样的格式。"))
                continue
            }
            var points: Int?
            if !pointsText.isEmpty {
                guard let value = Int(pointsText.replacingOccurrences(of: "+", with: "")) else {
                    problems.append(LineProblem(line: row.line, problem: "'\(pointsText)' is not a whole number of points",
                                                chinese: "「\(pointsText)」不是整数分值；请填写整数，例如 5 或 -3。"))
                    continue
                }
                points = value
            }
            let command = Command.recordScore(HouseholdCode(rawValue: field(columns["household"])), RuleCode(rawValue: field(columns["rule"])),
                                              points: points, note: field(noteColumn),
                                              source: SheetLine(sheet: sheet, line: row.line))
            items.append(BatchItem(command: command, occurredOn: date, line: row.line))
        }
        return try executeAll(items, by: actor, fileName: fileName, problems: problems, progress: progress)
    }

    /// Loads the household register (columns code, head, unit, members) in one transaction, all or nothing.
    public func importHouseholds(_ data: Data, fileName: String, by actor: String, on date: LocalDate? = nil) throws -> [RecordedEvent] {
        let (table, columns) = try Ledger.table(data, fileName: fileName, required: [
            ("code", Columns.code), ("head", Columns.head), ("unit", Columns.unit)])
        let membersColumn = table.column(Columns.members)
        var problems: [LineProblem] = []
        var items: [BatchItem] = []
        if table.rows.isEmpty { problems.append(.noRows) }
        for row in table.rows {
            let field = row.field
            let membersText = field(membersColumn)
            let members = membersText.isEmpty ? 1 : Int(membersText)
            guard let members else {
                problems.append(LineProblem(line: row.line, problem: "'\(membersText)' is not a number of members",
                                            chinese: "「\(membersText)」不是人数；请填写整数，例如 4。"))
                continue
            }
            items.append(BatchItem(command: .registerHousehold(HouseholdCode(rawValue: field(columns["code"])), head: field(columns["head"]),
                                                               unit: UnitCode(rawValue: field(columns["unit"])), members: members),
                                   occurredOn: date, line: row.line))
        }
        return try executeAll(items, by: actor, fileName: fileName, problems: problems)
    }
}
