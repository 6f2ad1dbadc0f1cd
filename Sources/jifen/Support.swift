import ArgumentParser
import Foundation
import Jifen
import JifenCore

/// Options every subcommand takes: which ledger, which language.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $JIFEN_LEDGER, or ./jifen.sqlite).", valueName: "path"))
    var ledger: String?

    @Option(name: .long, help: ArgumentHelp("Language of tables and messages: zh (default) or en; or set $JIFEN_LANG.", valueName: "zh|en"))
    var lang: Language?

    /// The ledger's path as given (in messages).
    var path: String {
        ledger ?? Console.current.variable("JIFEN_LEDGER").flatMap { $0.isEmpty ? nil : $0 } ?? "jifen.sqlite"
    }

    /// The ledger's path taken from the run's folder, for opening it.
    var file: String {
        Console.current.resolved(path)
    }

    var language: Language {
        lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
    }

    /// Opens an existing ledger to write; a missing file is an error, never a new empty ledger.
    func open() throws -> Ledger {
        let ledger = try Ledger(path: file, create: false)
        // Once the ledger has passwords, a write asks for the acting person's (PasswordPrompt).
        ledger.askForPasswords(with: { try PasswordPrompt.password(of: $0) })
        return ledger
    }

    /// Opens an existing ledger without writing anything to the file.
    func openForReading() throws -> Ledger {
        try Ledger(path: file, create: false, readOnly: true)
    }
}

enum Language: String, ExpressibleByArgument, Sendable {
    case zh, en

    /// The language asked for as `LedgerOptions.language` reads it (`--lang en`, `--lang=en`, else $JIFEN_LANG, else
    /// Chinese), but from the raw arguments: for messages said where the parsed command is not at hand.
    static func requested(in arguments: [String]) -> Language {
        var chosen: Language?
        var rest = arguments[...]
        while let word = rest.popFirst(), word != "--" {
            if word == "--lang", let value = rest.popFirst() {
                chosen = Language(rawValue: value) ?? chosen
            } else if word.hasPrefix("--lang=") {
                chosen = Language(rawValue: String(word.dropFirst("--lang=".count))) ?? chosen
            }
        }
        return chosen ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
    }
}

/// Who is acting: `--by`, or $JIFEN_ACTOR.
struct ActorOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Who is recording this (default: $JIFEN_ACTOR).", valueName: "name"))
    var by: String?

    /// Hidden from each command's help (`jifen actor password --help` and the README say it), so that the help of
    /// every write keeps its words.
    @Flag(name: .customLong("password-stdin"),
          help: ArgumentHelp("Read the acting person's password from the first line of standard input (for scripts), instead of asking on the terminal.",
                             visibility: .hidden))
    var passwordStdin = false

    /// Composed (`Composed`): the name as the register holds it, whichever way the keyboard spelled it.
    func name() throws -> String {
        if passwordStdin { Console.current.passwordFromInput = true }
        if let by, !by.trimmingCharacters(in: .whitespaces).isEmpty { return Composed.text(by) }
        if let actor = Console.current.variable("JIFEN_ACTOR"), !actor.isEmpty { return Composed.text(actor) }
        throw Rejection.actorRequired
    }
}

/// `--date YYYY-MM-DD` as an argument.
extension LocalDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// Says a thing in the user's language.
func say(_ language: Language, _ zh: String, _ en: String) -> String {
    language == .zh ? zh : en
}

/// Writes JSON for scripts: sorted keys, so the same ledger always prints the same bytes.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    Output.bytes(try encoder.encode(value) + [0x0A])
}

/// Progress for long work, on standard error and only when it is a terminal.
struct Progress {
    let label: String
    let enabled = Console.current.errorIsTerminal

    func update(_ done: some BinaryInteger, _ total: some BinaryInteger) {
        guard enabled else { return }
        let percent = total > 0 ? Int(done) * 100 / Int(total) : 100
        Output.terminalControl("\r\(label) \(done)/\(total) (\(percent)%)")
    }

    func finish() {
        guard enabled else { return }
        Output.terminalControl("\r\u{1B}[K")
    }
}

func readFile(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: Console.current.resolved(path)) else {
        throw CLIError(zh: "读不到文件 \(path)；请核对文件名，确认文件存在。", en: "Cannot read \(path); check the file name and that it exists.")
    }
    return data
}

/// A mistake the CLI itself catches, said in one sentence, in Chinese and in English.
struct CLIError: Error, CustomStringConvertible {
    let chinese: String
    let description: String
    init(zh: String, en: String) {
        chinese = zh
        description = en
    }
}

/// The ledger failed verification: the report is already printed; exit 2.
struct VerificationFailed: Error {}

/// Formats points with a sign: +5, -3, 0.
func signed(_ points: Int) -> String {
    points > 0 ? "+\(points)" : "\(points)"
}

/// A usage mistake (exit 64), said in the user's language: the language is known from the arguments before parsing.
func usage(zh: String, en: String) -> ValidationError {
    ValidationError(Console.current.isEnglish ? en : zh)
}

extension LogFormat: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: Int(argument) ?? 0)
    }
}
