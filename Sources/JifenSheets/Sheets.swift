import Foundation

// What `jifen` and `jifen-xlsx` say to each other. Reading: `jifen-xlsx read FILE` prints `SheetCells` as JSON (exit 0),
// or a `SheetFailure` (exit 2). Writing: `jifen-xlsx write FILE` reads a `SheetLayout` as the first line of standard
// input and then one JSON object a line, a row each, and makes the workbook.

/// The cells of a workbook's first sheet as text, each row with the number Excel shows beside it.
public struct SheetCells: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        /// The row's number in the sheet (1 is the first).
        public var row: Int
        /// Column A first; a cell the file leaves out is "".
        public var cells: [String]

        public init(row: Int, cells: [String]) {
            self.row = row
            self.cells = cells
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }
}

/// Why a file could not be read or written as a workbook: one sentence in Chinese and in English.
public struct SheetFailure: Error, Codable, Sendable, CustomStringConvertible {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    public var description: String { en }
}

/// The sheet to write: its name and its columns, each the key of the rows' JSON objects it shows.
public struct SheetLayout: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Whatever the JSON value is: a string is text, a number a number, true/false a boolean, null an empty cell.
        case value
        /// A string YYYY-MM-DD is a date (with a date style); anything else as `value`.
        case date
    }

    public struct Column: Codable, Sendable, Equatable {
        public var key: String
        public var kind: Kind

        public init(_ key: String, _ kind: Kind = .value) {
            self.key = key
            self.kind = kind
        }
    }

    /// The sheet's name (Excel allows 31 characters and none of : \ / ? * [ ]).
    public var name: String
    public var columns: [Column]

    public init(name: String, columns: [Column]) {
        self.name = name
        self.columns = columns
    }

    /// The columns for rows of JSON objects: those of `first` that some row has (all of them when there is no row), in
    /// that order, then every other key found in `rows`, sorted (as jifen's JSON sorts them); keys named in `dates` are
    /// date columns.
    public init(name: String, first: [String], rows: [[String: SheetValue]], dates: Set<String>) {
        let present = Set(rows.flatMap(\.keys))
        var seen = Set<String>()
        var keys: [String] = []
        for key in first where (rows.isEmpty || present.contains(key)) && seen.insert(key).inserted { keys.append(key) }
        let others = present.subtracting(seen).sorted()
        keys += others
        self.init(name: name, columns: keys.map { Column($0, dates.contains($0) ? .date : .value) })
    }
}

/// A JSON value as a cell holds it.
public enum SheetValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case text(String)
    /// An array or object, kept as its JSON text.
    case json(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Strings first, then whole numbers: each kind tried in vain costs a thrown error, and most cells are text.
        // (The decoder takes no JSON true for a number, nor a number for a Bool.)
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .text(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            let nested = try container.decode(Nested.self)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            self = .json(String(decoding: try encoder.encode(nested), as: UTF8.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .json(let text): try container.encode(text)
        }
    }

    /// An array or an object inside a row, decoded only to be kept as text.
    indirect enum Nested: Codable {
        case value(SheetValue)
        case array([Nested])
        case object([String: Nested])

        init(from decoder: any Decoder) throws {
            if let object = try? [String: Nested](from: decoder) {
                self = .object(object)
            } else if let array = try? [Nested](from: decoder) {
                self = .array(array)
            } else {
                self = .value(try SheetValue(from: decoder))
            }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .value(let value): try value.encode(to: encoder)
            case .array(let array): try array.encode(to: encoder)
            case .object(let object): try object.encode(to: encoder)
            }
        }
    }
}

/// One row of the sheet: a JSON object.
public typealias SheetRecord = [String: SheetValue]
