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
        // The common form, ten ASCII bytes such as 2025-03-05, read in place (split into parts, a sheet's dates took 3%
        // of its import); anything else as below, which gives the same date for it.
        let utf8 = text.utf8
        if utf8.count == 10 {
            var fields = (0, 0, 0), plain = true
            for (index, byte) in utf8.enumerated() {
                if index == 4 || index == 7 {
                    plain = byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    let digit = Int(byte - UInt8(ascii: "0"))
                    if index < 4 {
                        fields.0 = fields.0 * 10 + digit
                    } else if index < 7 {
                        fields.1 = fields.1 * 10 + digit
                    } else {
                        fields.2 = fields.2 * 10 + digit
                    }
                } else {
                    plain = false
                }
                if !plain { break }
            }
            if plain { return LocalDate(year: fields.0, month: fields.1, day: fields.2) }
        }
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    static func table(_ sheet: SheetInput, fileName: String, required: [(String, [String])]) throws -> (CSVTable, [String: Int]) {
        let table: CSVTable
        switch sheet {
        case .csv(let data): table = try CSVTable(utf8: try SheetText.utf8(data, fileName: fileName))
        case .cells(let rows): table = try CSVTable(cells: rows)
        }
        var columns: [String: Int] = [:]
        for (name, aliases) in required {
            guard let index = table.column(aliases) else {
                throw CSVTable.Malformed(line: table.headerLine, kind: .missingColumn(name, required: required.map(\.0)))
            }
            columns[name] = index
        }
        return (table, columns)
    }

    /// A row with text in more cells than the header names: an unquoted comma in a note would otherwise lose the
    /// rest of the note. (Empty cells past the header, which spreadsheets sometimes leave, are no loss.)
    static func extraCells(_ row: CSVTable.Row, header: Int) -> LineProblem? {
        guard row.fields.count > header,
              let last = row.fields.lastIndex(where: { !CSVTable.trimmed($0).isEmpty }), last >= header else { return nil }
        return LineProblem(line: row.line,
                           problem: "the row has \(last + 1) cells but the header names \(header) columns; put a note that holds a comma in double quotes",
                           chinese: "这一行有 \(last + 1) 格，表头只有 \(header) 列；备注里有逗号时，请把这一格用英文双引号括起来。")
    }

    /// What an imported tally sheet wrote.
    public struct SheetImport: Sendable {
        /// Scores recorded (and proposed), and their points.
        public var scores = 0, awarded = 0, deducted = 0
        /// The events appended, the sheet's own first.
        public var events = 0
        public var firstSeq: Int64 = 0, lastSeq: Int64 = 0
    }

    /// Loads a month's tally sheet (columns date, household, rule, points, note) in one transaction:
    /// all rows, or none with every bad row reported by its line (the first 100 listed). The same sheet twice is
    /// refused, even saved again in another encoding or with its rows in another order.
    public func importTallySheet(_ data: Data, fileName: String, by actor: String,
                                 progress: ((Int, Int) -> Void)? = nil) throws -> SheetImport {
        try importTallySheet(.csv(data), fileName: fileName, by: actor, progress: progress)
    }

    /// Loads a tally sheet saved as CSV or read from a workbook (`SheetInput`): the same rules, each row named by its
    /// line in the CSV file or its row number in the sheet.
    public func importTallySheet(_ input: SheetInput, fileName: String, by actor: String,
                                 progress: ((Int, Int) -> Void)? = nil) throws -> SheetImport {
        let sheet = try TallySheet(input, fileName: fileName)
        try passwordChecked(for: actor)
        return try LedgerError.translating { try writer.importTallySheet(sheet, fileName: fileName, by: actor, progress: progress) }
    }

    /// Loads the household register (columns code, head, unit, members) in one transaction, all or nothing.
    public func importHouseholds(_ data: Data, fileName: String, by actor: String, on date: LocalDate? = nil) throws -> [RecordedEvent] {
        try importHouseholds(.csv(data), fileName: fileName, by: actor, on: date)
    }

    /// Loads the household register from a CSV file or a workbook's sheet (`SheetInput`).
    public func importHouseholds(_ input: SheetInput, fileName: String, by actor: String, on date: LocalDate? = nil) throws -> [RecordedEvent] {
        let (table, columns) = try Ledger.table(input, fileName: fileName, required: [
            ("code", Columns.code), ("head", Columns.head), ("unit", Columns.unit)])
        let membersColumn = table.column(Columns.members)
        var problems: [LineProblem] = []
        var items: [BatchItem] = []
        let rows = try table.allRows
        if rows.isEmpty { problems.append(.noRows) }
        for row in rows {
            if let problem = Ledger.extraCells(row, header: table.header.count) {
                problems.append(problem)
                continue
            }
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

/// A sheet to import: a CSV file's bytes, or the rows of a workbook's first sheet (read by `jifen-xlsx`), each with
/// the row number Excel shows. Both are read as one `CSVTable` from there on.
public enum SheetInput: Sendable {
    case csv(Data)
    case cells([CSVTable.Row])
}

/// A tally sheet read for import, with no ledger: its identity, then its lines one at a time — the sheet's own
/// command first, then each row as a score to record or as what is wrong with it.
///
/// The sheet is read twice, a row at a time: once for its identity (which the first event and every score carry),
/// once as `next` is called; nothing of it is held in memory but its text.
public struct TallySheet {
    public let fileName: String
    /// The sheet's identity (`CSVTable.digests`), and the digest earlier versions knew it by.
    public let sha256: String, legacySha256: String
    /// Rows after the header, blank ones left out.
    public let rows: Int
    let table: CSVTable
    let columns: (date: Int, household: Int, rule: Int, points: Int?, note: Int?)
    /// The head of household's column of a blank form, which the import does not read.
    let headColumn: Int?
    var reader: CSVTable.Reader
    var started = false, saidNoRows = false, given = 0
    /// Rows passed over: lines of a blank form left empty (every other row is given, as a score or a problem).
    public private(set) var passedOver = 0

    /// Reads the sheet's text, header and identity; throws `SheetText.Undecodable` or `CSVTable.Malformed` when it
    /// cannot be read as a sheet.
    public init(_ data: Data, fileName: String) throws {
        try self.init(.csv(data), fileName: fileName)
    }

    /// Reads a CSV file's or a workbook sheet's header and identity.
    public init(_ input: SheetInput, fileName: String) throws {
        self.fileName = fileName
        let (table, columns) = try Ledger.table(input, fileName: fileName, required: [
            ("date", Ledger.Columns.date), ("household", Ledger.Columns.household), ("rule", Ledger.Columns.rule)])
        self.table = table
        self.columns = (columns["date"] ?? 0, columns["household"] ?? 0, columns["rule"] ?? 0,
                        table.column(Ledger.Columns.points), table.column(Ledger.Columns.note))
        headColumn = table.column(Ledger.Columns.head)
        let identity = try table.digests(Chain.sha256Hex)
        (sha256, legacySha256, rows) = (identity.sha256, identity.legacy, identity.rows)
        reader = table.rows()
    }

    /// The next line of the batch, or nil after the last row.
    public mutating func next() throws -> BatchLine? {
        if !started {
            started = true
            return .item(BatchItem(command: .importSheet(sha256: sha256, fileName: fileName, rows: rows), occurredOn: nil, line: 1))
        }
        if rows == 0 && !saidNoRows {
            saidNoRows = true
            return .problem(.noRows)
        }
        var next = try reader.nextRow()
        // A line of a blank tally form (`jifen sheet blank`) left empty — its household and head filled in, every other
        // cell empty, whatever its column — is no score: it is passed over, as an empty line is.
        while let row = next, Ledger.extraCells(row, header: table.header.count) == nil,
              row.fields.indices.allSatisfy({ $0 == columns.household || $0 == headColumn || row.field($0).isEmpty }) {
            passedOver += 1
            next = try reader.nextRow()
        }
        guard let row = next else {
            // Rows, but every one an empty line of a form: nothing to record.
            if given == 0 && rows > 0 && !saidNoRows {
                saidNoRows = true
                return .problem(.noFilledRows)
            }
            return nil
        }
        given += 1
        if let problem = Ledger.extraCells(row, header: table.header.count) { return .problem(problem) }
        let field = row.field
        let dateText = field(columns.date), pointsText = field(columns.points)
        guard let date = Ledger.sheetDate(dateText) else {
            return .problem(LineProblem(line: row.line, problem: "'\(dateText)' is not a date; write it as 2025-03-05",
                                        chinese: "「\(dateText)」不是日期；请写成 2025-03-05 这样的格式。"))
        }
        var points: Int?
        if !pointsText.isEmpty {
            let digits = pointsText.utf8.contains(UInt8(ascii: "+")) ? pointsText.replacingOccurrences(of: "+", with: "") : pointsText
            guard let value = Int(digits) else {
                return .problem(LineProblem(line: row.line, problem: "'\(pointsText)' is not a whole number of points",
                                            chinese: "「\(pointsText)」不是整数分值；请填写整数，例如 5 或 -3。"))
            }
            points = value
        }
        let command = Command.recordScore(HouseholdCode(rawValue: field(columns.household)), RuleCode(rawValue: field(columns.rule)),
                                          points: points, note: field(columns.note),
                                          source: SheetLine(sheet: sha256, line: row.line))
        return .item(BatchItem(command: command, occurredOn: date, line: row.line))
    }
}

extension LedgerWriter {
    /// A tally sheet read (`TallySheet`), written in one transaction of this store: all its rows, or none with every bad
    /// row reported by its line (`Ledger.importTallySheet`, and a county's village through `VillageBooks`).
    package func importTallySheet(_ sheet: TallySheet, fileName: String, by actor: String,
                                  progress: ((Int, Int) -> Void)? = nil) throws -> Ledger.SheetImport {
        var sheet = sheet
        var summary = Ledger.SheetImport()
        try executeBatch(by: actor, fileName: fileName, count: sheet.rows + 1, progress: progress, check: { session in
            // A sheet imported by an earlier version, which knew it by its rows in the file's order.
            if sheet.legacySha256 != sheet.sha256, let seq = try session.sheet(sheet.legacySha256) {
                throw Rejection.sheetAlreadyImported(fileName: fileName, seq: seq)
            }
        }, next: {
            try sheet.next()
        }, written: { event in
            if summary.events == 0 { summary.firstSeq = event.seq }
            summary.lastSeq = event.seq
            summary.events += 1
            if event.event.entryKind == .score {
                summary.scores += 1
                summary.awarded += event.facts.earned
                summary.deducted += event.facts.deducted
            }
        })
        return summary
    }
}
