import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenDemo
import JifenServer
import Logging
import Synchronization
import Testing

/// A small generated village (40 households, the year 2025, roles, reviews and a notice a month) with a password for
/// each of its people, served by a `JifenService` whose clock the test moves. The village is generated once and copied
/// for each test.
struct Harness {
    static let password = "correct horse 7"
    static let people = (admin: LedgerGenerator.secretary, clerk: LedgerGenerator.clerk, reviewer: LedgerGenerator.reviewer,
                         shopkeeper: LedgerGenerator.shopkeeper, leader: LedgerGenerator.unitLeader, auditor: LedgerGenerator.auditor)

    let folder: URL
    let path: String
    let clock: ScriptedEnvironment
    let ledger: Ledger
    let service: JifenService

    /// The generated village with its passwords, built once.
    static let template: Result<String, TemplateFailure> = {
        do {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-server-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("village.sqlite").path
            _ = try LedgerGenerator.build(at: path, plan: GeneratorPlan(households: 40, years: 1, firstYear: 2025, seed: 11))
            let clock = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 1)
            clock.setEvening(of: LocalDate(year: 2026, month: 1, day: 2)!)
            let ledger = try Ledger(path: path, environment: clock.environment)
            try ledger.setPassword(of: people.admin, to: password, by: people.admin)
            ledger.trustAuthenticated(people.admin)
            for name in [people.clerk, people.reviewer, people.shopkeeper, people.leader, people.auditor] {
                try ledger.setPassword(of: name, to: password, by: people.admin)
            }
            return .success(path)
        } catch {
            return .failure(TemplateFailure(description: "\(error)"))
        }
    }()

    struct TemplateFailure: Error, CustomStringConvertible { let description: String }

    /// A copy of the village, served at 2026-01-15 17:30 Beijing time.
    init(idle: TimeInterval = Sessions.idleLimit) throws {
        let template = try Self.template.get()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jifen-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("village.sqlite").path
        try FileManager.default.copyItem(atPath: template, toPath: path)
        clock = ScriptedEnvironment(start: Date(timeIntervalSince1970: 0), seed: 2)
        clock.setEvening(of: LocalDate(year: 2026, month: 1, day: 15)!)
        ledger = try Ledger(path: path, environment: clock.environment)
        // Reads go through two read-only connections, as the server's do.
        let (file, environment) = (path, clock.environment)
        let readers = try (0..<2).map { _ in try Ledger(path: file, readOnly: true, environment: environment) }
        service = JifenService(ledger: ledger, readers: readers, idle: idle)
    }

    /// Runs `body` with a client of the service's router (no sockets), logging to `logger` when given.
    func test<T: Sendable>(logger: Logger? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = Application(router: service.router(), logger: logger)
        return try await app.test(.router, body)
    }
}

/// Requests as a person would make them, and answers read back.
extension TestClientProtocol {
    /// Logs `name` in; returns the session's token and CSRF token.
    func login(_ name: String, password: String = Harness.password) async throws -> (token: String, csrf: String) {
        let response = try await call(.post, "/api/v1/session", json: ["name": name, "password": password])
        #expect(response.status == .ok, "login of \(name): \(String(buffer: response.body))")
        let object = try response.object()
        return (object["token"] as? String ?? "", object["csrf"] as? String ?? "")
    }

    /// A request with a JSON body (an object of strings, numbers and booleans) and a bearer token.
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: [String: any Sendable]? = nil,
              headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    func object() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
    }

    func array() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] ?? []
    }

    /// The refusal's kind (`error`), or nil when the answer is not a refusal.
    var kind: String? { (try? object())?["error"] as? String }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotencyReplayed = HTTPField.Name("Idempotency-Replayed")!
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

/// A log handler that keeps every line it is given, with its metadata, as text.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let text = "\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.lines.withLock { $0.append(text) }
        }
    }
}
