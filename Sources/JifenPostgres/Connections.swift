import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The bridge between the store protocol, which is synchronous (as SQLite's is: `write { … }` runs its body and
/// returns), and postgres-nio, whose I/O runs on SwiftNIO's event loops. The calling thread sends a query on the
/// connection's event loop and blocks until its future completes; the event loop itself never blocks. Calling from an
/// event loop thread would deadlock it, so that is refused with an error (a server calls the store from its own
/// threads, as it does SQLite's).
///
/// Why not postgres-nio's `PostgresClient` (its pool): it is async only, and blocking a Swift concurrency thread on an
/// async task that needs a concurrency thread to finish can deadlock the (core-sized) cooperative pool; the futures of
/// `PostgresConnection` complete on NIO's own threads, so waiting on them from any other thread is safe. The pool
/// below is the small part that is left: idle connections, a limit, and a wait for a free one.
final class ConnectionPool: @unchecked Sendable {
    // `idle`, `open` and `closed` are read and changed only under `condition`'s lock (hence `@unchecked Sendable`).
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var closed = false
    private var nextID = 0

    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup
    private let limit: Int
    let logger: Logger

    init(configuration: PostgresConnection.Configuration, limit: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.limit = max(1, limit)
        self.group = group
        var logger = Logger(label: "jifen.postgres")
        logger.logLevel = .error
        self.logger = logger
    }

    deinit { close() }

    /// Runs `body` on a connection of the pool, waiting for one when all are in use. A connection that has closed
    /// (the server went away) is dropped rather than handed out again.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try checkout()
        defer { checkin(connection) }
        return try body(Connection(connection: connection, logger: logger))
    }

    private func checkout() throws -> PostgresConnection {
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw PostgresStoreError.closed
            }
            if let connection = idle.popLast() {
                if connection.isClosed {
                    open -= 1
                    continue
                }
                condition.unlock()
                return connection
            }
            if open < limit {
                open += 1
                nextID += 1
                let id = nextID
                condition.unlock()
                do {
                    return try Connection.wait(PostgresConnection.connect(on: group.next(), configuration: configuration, id: id,
                                                                          logger: logger))
                } catch {
                    condition.withLock { open -= 1 }
                    condition.signal()
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func checkin(_ connection: PostgresConnection) {
        condition.lock()
        if closed || connection.isClosed {
            open -= 1
            condition.unlock()
            _ = try? connection.close().wait()
        } else {
            idle.append(connection)
            condition.unlock()
        }
        condition.signal()
    }

    /// Closes the idle connections and every one handed back from now on; a later `withConnection` is refused.
    func close() {
        let closing: [PostgresConnection] = condition.withLock {
            closed = true
            defer { idle = [] }
            open -= idle.count
            return idle
        }
        condition.broadcast()
        for connection in closing { _ = try? connection.close().wait() }
    }
}

/// One connection of the pool, for the length of a `withConnection`: queries sent one at a time, each waited for.
struct Connection {
    let connection: PostgresConnection
    let logger: Logger

    /// How long a statement may go unanswered before the connection is given up (closed: the server then rolls back
    /// what it had open). A statement sent just as the server ends the connection (pg_terminate_backend, a restart)
    /// was seen never to be answered by postgres-nio; nothing jifen sends takes anywhere near this long.
    static let patience: TimeAmount = .seconds(120)

    /// The rows of one statement.
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try answer(query).rows
    }

    /// Runs one statement and returns how many rows it touched (0 when it says nothing of rows).
    @discardableResult
    func run(_ query: PostgresQuery) throws -> Int {
        try answer(query).metadata.rows ?? 0
    }

    /// Sends `query` and waits for its answer, at most `patience`.
    private func answer(_ query: PostgresQuery) throws -> PostgresQueryResult {
        guard MultiThreadedEventLoopGroup.currentEventLoop == nil else { throw PostgresStoreError.onEventLoop }
        guard !connection.isClosed else { throw PostgresStoreError.connection("the connection is closed") }
        let done = DispatchSemaphore(value: 0)
        let answer = Answer<PostgresQueryResult>()
        connection.query(query, logger: logger).whenComplete { result in
            answer.set(result)
            done.signal()
        }
        guard done.wait(timeout: .now() + .nanoseconds(Int(Self.patience.nanoseconds))) == .success, let result = answer.result else {
            close()
            throw PostgresStoreError.connection("no answer within \(Self.patience.nanoseconds / 1_000_000_000) s")
        }
        switch result {
        case .success(let answer): return answer
        case .failure(let error): throw Self.storeError(error)
        }
    }

    /// Runs `COPY table (columns) FROM STDIN` with `rows` (PostgreSQL's text format, `CopyText`) and waits for it, at
    /// most `patience`. postgres-nio's COPY is async only: it runs in a task of its own, on an executor of its own
    /// (`CopyExecutor`), while this thread waits, as `answer` waits for a query's future.
    func copy(into table: String, columns: [String], rows: [UInt8]) throws {
        guard MultiThreadedEventLoopGroup.currentEventLoop == nil else { throw PostgresStoreError.onEventLoop }
        guard !connection.isClosed else { throw PostgresStoreError.connection("the connection is closed") }
        let done = DispatchSemaphore(value: 0)
        let answer = Answer<Void>()
        let (connection, logger) = (self.connection, self.logger)
        let data = ByteBuffer(bytes: rows)
        let task = Task(executorPreference: CopyExecutor.shared) {
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in try await writer.write(data) }
                answer.set(.success(()))
            } catch {
                answer.set(.failure(error))
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + .nanoseconds(Int(Self.patience.nanoseconds))) == .success, let result = answer.result else {
            task.cancel()
            close()
            throw PostgresStoreError.connection("no answer within \(Self.patience.nanoseconds / 1_000_000_000) s")
        }
        if case .failure(let error) = result { throw Self.storeError(error) }
    }

    /// Ends a transaction that failed with `error`: ROLLBACK, unless the connection is gone or failed (then, and if the
    /// ROLLBACK does not answer within `patience`, the connection is closed, which ends the transaction on the server,
    /// and the pool drops it). A query sent on a connection the server has just ended was seen never to answer.
    func rollback(after error: any Error, patience: TimeAmount = .seconds(30)) {
        switch error {
        case PostgresStoreError.connection:
            close()
            return
        // The server ended the session (57: operator intervention, such as pg_terminate_backend) or lost it (08).
        case PostgresStoreError.refused(_, let state) where state.hasPrefix("57") || state.hasPrefix("08"):
            close()
            return
        default:
            break
        }
        guard !connection.isClosed else { return }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        connection.query("ROLLBACK", logger: logger).whenComplete { result in
            if case .success = result { outcome.succeeded() }
            done.signal()
        }
        let answered = done.wait(timeout: .now() + .nanoseconds(Int(patience.nanoseconds))) == .success
        if !answered || !outcome.success { close() }
    }

    /// Closes the connection (the server rolls back what it had open).
    func close() {
        let done = DispatchSemaphore(value: 0)
        connection.close().whenComplete { _ in done.signal() }
        _ = done.wait(timeout: .now() + 10)
    }

    /// Waits for `future` off the event loops; what the server refused is a `PostgresStoreError` with its message.
    static func wait<Value: Sendable>(_ future: EventLoopFuture<Value>) throws -> Value {
        guard MultiThreadedEventLoopGroup.currentEventLoop == nil else { throw PostgresStoreError.onEventLoop }
        do {
            return try future.wait()
        } catch {
            throw storeError(error)
        }
    }

    /// postgres-nio's and SwiftNIO's errors as the store's.
    static func storeError(_ error: any Error) -> any Error {
        switch error {
        case let error as PSQLError: return PostgresStoreError(error)
        case let error as PostgresStoreError: return error
        // SwiftNIO's own (a refused connection, a closed channel).
        default: return PostgresStoreError.connection(String(describing: error))
        }
    }
}

/// Where a COPY's task runs: a dispatch queue of its own, not Swift's task pool. The store is synchronous, and its
/// caller may hold a thread of that pool while it waits (a test, an async command): a task that needed one of the
/// pool's threads while every one of them waited for it would never run (seen: tests running side by side on two cores
/// waited out `patience`). Its jobs never block: they send the rows and wait for the server by `await`.
final class CopyExecutor: TaskExecutor {
    static let shared = CopyExecutor()
    private let queue = DispatchQueue(label: "jifen.postgres.copy")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Whether a statement waited for with a time limit succeeded, set from the event loop.
private final class Outcome: @unchecked Sendable {
    // `value` is read and set only under `lock` (hence `@unchecked Sendable`).
    private let lock = NSLock()
    private var value = false

    func succeeded() { lock.withLock { value = true } }
    var success: Bool { lock.withLock { value } }
}

/// A statement's answer, set on the event loop (or a task) and read by the waiting thread.
private final class Answer<Value>: @unchecked Sendable {
    // `value` is read and set only under `lock` (hence `@unchecked Sendable`).
    private let lock = NSLock()
    private var value: Result<Value, any Error>?

    func set(_ result: Result<Value, any Error>) { lock.withLock { value = result } }
    var result: Result<Value, any Error>? { lock.withLock { value } }
}
