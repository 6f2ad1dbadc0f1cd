import Foundation
import Jifen
import JifenCore
import NIOCore
import NIOPosix

/// The server's way to its ledger. The facade is synchronous (SQLite through GRDB), so every call runs on a thread
/// of NIO's pool for blocking work, never on an event loop; a password's slow hash runs on a pool of its own, so that
/// people logging in do not hold up the reads and writes of those already in.
public final class LedgerDoor: Sendable {
    public let ledger: Ledger
    let work: NIOThreadPool
    let hashing: NIOThreadPool

    public init(ledger: Ledger) {
        self.ledger = ledger
        work = .singleton
        let hashing = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
        hashing.start()
        self.hashing = hashing
    }

    /// Runs `body` with the ledger on the pool for blocking work.
    func run<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        let ledger = self.ledger
        return try await work.runIfActive { try body(ledger) }
    }

    /// Runs `body` (a password's check or hash) on the pool for slow hashes.
    func hash<T: Sendable>(_ body: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        let ledger = self.ledger
        return try await hashing.runIfActive { try body(ledger) }
    }

    /// Lets the pool for slow hashes go (the blocking pool is NIO's own).
    public func close() async {
        try? await hashing.shutdownGracefully()
    }
}
