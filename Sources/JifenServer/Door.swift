import Foundation
import Jifen
import JifenCore
import NIOCore
import NIOPosix
import Synchronization

/// The threads a door runs its calls on: NIO's pool for blocking work (or one of the caller's), a pool of its own for
/// passwords' slow hashes, and one thread for long reads. Doors to many villages (a county) share one set.
public final class DoorPools: Sendable {
    let work: NIOThreadPool
    let hashing: NIOThreadPool
    let long: NIOThreadPool
    /// How many slow hashes wait (`Door.hash`).
    let waiting = Mutex(0)

    /// The pools, with `work` for blocking calls (NIO's own pool unless given).
    public init(work: NIOThreadPool = .singleton) {
        self.work = work
        let hashing = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
        hashing.start()
        self.hashing = hashing
        let long = NIOThreadPool(numberOfThreads: 1)
        long.start()
        self.long = long
    }

    /// Lets the pools for slow hashes and long work go (the blocking pool is the caller's or NIO's own).
    public func close() async {
        try? await hashing.shutdownGracefully()
        try? await long.shutdownGracefully()
    }
}

/// The server's way to one village's books (`VillageBooks`: a village's SQLite file, or a village of the county's
/// PostgreSQL database). The books are synchronous (SQLite through GRDB; PostgreSQL waited on off the event loops), so
/// every call runs on a thread of the pool for blocking work, never on an event loop; a password's slow hash runs on a
/// pool of its own, so that people logging in do not hold up the reads and writes of those already in.
public final class Door<Books: VillageBooks>: Sendable {
    public let ledger: Books
    /// Read-only connections to the same books, taken in turn by reads: in WAL mode each read sees every commit before
    /// it and none waits for a write. One connection serves one call at a time, so a read may wait behind the one
    /// before it on the same connection (long reads have a connection of their own, `heavy`).
    let readers: [Books]
    private let turn = Mutex(0)
    let pools: DoorPools
    var work: NIOThreadPool { pools.work }

    /// A connection of its own for long reads, so that they hold up no reader (nil: the last reader).
    let longReader: Books?

    /// A door to `ledger`, which writes (and checks passwords), with `readers` for reads (none: `ledger` reads too) and
    /// `longReader` for verifies and exports.
    public init(ledger: Books, readers: [Books] = [], longReader: Books? = nil, pools: DoorPools = DoorPools()) {
        self.ledger = ledger
        self.readers = readers
        self.longReader = longReader
        self.pools = pools
    }

    /// Runs `body`, which only reads, with the next reader on the pool for blocking work.
    func read<T: Sendable>(_ body: @escaping @Sendable (Books) throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await run(body) }
        let reader = readers[turn.withLock { n in
            n = (n + 1) % readers.count
            return n
        }]
        return try await work.runIfActive { try body(reader) }
    }

    /// Runs `body` with the ledger on the pool for blocking work.
    func run<T: Sendable>(_ body: @escaping @Sendable (Books) throws -> T) async throws -> T {
        let ledger = self.ledger
        return try await work.runIfActive { try body(ledger) }
    }

    /// Runs `body` (a password's check or hash) on the pool for slow hashes; with more than `hashesWaiting` already
    /// waiting (a flood of logins), refuses at once (503) rather than make everyone wait behind it.
    func hash<T: Sendable>(_ body: @escaping @Sendable (Books) throws -> T) async throws -> T {
        let ledger = self.ledger
        return try await pools.hash { try body(ledger) }
    }

    /// At most this many slow hashes wait at once (each about 60 ms on one core).
    static var hashesWaiting: Int { 16 }

    /// Runs `body` — long work that reads the whole ledger (a verify, an export) — on a thread of its own, with a reader,
    /// so that a few of them at once hold up no one's balance or score.
    func heavy<T: Sendable>(_ body: @escaping @Sendable (Books) throws -> T) async throws -> T {
        let reader = longReader ?? readers.last ?? ledger
        return try await pools.long.runIfActive { try body(reader) }
    }

    /// Lets the pools for slow hashes and long work go (the blocking pool is NIO's own).
    public func close() async {
        await pools.close()
    }
}

/// The door to a village's SQLite file.
public typealias LedgerDoor = Door<Ledger>

/// The server's writes, grouped: a write waits while the group before it commits, and then goes with every write
/// that came meanwhile, in one transaction (`Ledger.executeEach`) — one commit and one sync to disk (synchronous =
/// FULL) for the lot, instead of one each. Each request still gets its own answer; a refused one writes nothing and
/// holds up no other.
actor WriteGroups<Books: VillageBooks> {
    private var waiting: [(request: WriteRequest, answer: CheckedContinuation<Written, any Error>)] = []
    private var writing = false
    let door: Door<Books>
    /// At most this many writes go in one transaction.
    static var groupLimit: Int { 256 }

    init(door: Door<Books>) {
        self.door = door
    }

    func write(_ request: WriteRequest) async throws -> Written {
        try await withCheckedThrowingContinuation { answer in
            waiting.append((request, answer))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let group = Array(waiting.prefix(Self.groupLimit))
            waiting.removeFirst(group.count)
            let requests = group.map(\.request)
            do {
                let results = try await door.run { try $0.executeEach(requests) }
                for (entry, result) in zip(group, results) { entry.answer.resume(with: result) }
            } catch {
                for entry in group { entry.answer.resume(throwing: error) }
            }
        }
        writing = false
    }
}
