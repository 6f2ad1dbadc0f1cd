import Foundation
import GRDB
import GRDBSQLite
import JifenCore
import Synchronization

/// Where the fold's columns are in a row that a reader hands to `FoldPacker`.
struct FoldPositions {
    let seq, type, occurredOn, actor, household, item, rule, earned, deducted, redeemed, stock, reverses: Int32

    /// A row in stored format 1's columns and order (`RawRows.chainColumns`, `LogRows`): the chain's pass.
    static let chain = FoldPositions(seq: 0, type: 4, occurredOn: 5, actor: 7, household: 10, item: 11, rule: 12, earned: 13,
                                     deducted: 14, redeemed: 15, stock: 16, reverses: 17)
    /// `FoldReader`'s rows: `seq, household, item, rule, earned, deducted, redeemed, stock, reverses, type, occurred_on, actor`.
    static let narrow = FoldPositions(seq: 0, type: 9, occurredOn: 10, actor: 11, household: 1, item: 2, rule: 3, earned: 4,
                                      deducted: 5, redeemed: 6, stock: 7, reverses: 8)
}

/// A few thousand events of the log as the fold takes them, handed from a reading thread to the folding one: each
/// entry packed into `bytes` from the columns the fold needs (no Swift value made per row on the reading side), each
/// other event read whole into `wholes`. A batch belongs to one thread at a time: its reader fills it, hands it over
/// (through a lock) and never touches it again.
final class FoldBatch: @unchecked Sendable {
    /// How a batch ends the events handed over.
    enum Ending {
        /// More batches follow.
        case more
        /// The log's last event is in this batch.
        case end
        /// The reading failed after this batch's events.
        case failed(any Error)
        /// The reader gave up before the end (another pass of `verify` failed, or was never run): the fold is to read
        /// the log itself.
        case abandoned
    }

    /// The packed records (`FoldPacker`), `count` bytes of `capacity`.
    fileprivate(set) var bytes: UnsafeMutableRawPointer
    fileprivate(set) var capacity: Int
    fileprivate(set) var count = 0
    fileprivate(set) var wholes: [StoredEvent] = []
    fileprivate(set) var rows = 0
    var ending = Ending.more

    init(capacity: Int = FoldPacker.batchRows * 32, ending: Ending = .more) {
        self.capacity = max(capacity, 64)
        bytes = .allocate(byteCount: self.capacity, alignment: 8)
        self.ending = ending
    }

    deinit { bytes.deallocate() }

    /// Room for `more` bytes after `used`: the bytes move to a larger buffer (kept by the batch) if they must.
    fileprivate func reserve(_ more: Int, used: Int) {
        guard used + more > capacity else { return }
        let larger = UnsafeMutableRawPointer.allocate(byteCount: max(2 * capacity, used + more), alignment: 8)
        larger.copyMemory(from: bytes, byteCount: used)
        bytes.deallocate()
        bytes = larger
        capacity = max(2 * capacity, used + more)
    }

    /// Record kinds, the low two bits of a record's first byte.
    static let entry: UInt8 = 0, whole: UInt8 = 1, missing: UInt8 = 2
    /// The entry's flags in the same byte: its sequence number follows the one before; its date and recorder are the
    /// ones before (in this batch); they are NULL.
    static let nextSeq: UInt8 = 1 << 2, sameDate: UInt8 = 1 << 3, sameActor: UInt8 = 1 << 4, noDate: UInt8 = 1 << 5,
               noActor: UInt8 = 1 << 6
    /// What the entry holds, in its second byte after the type's.
    static let hasHousehold: UInt8 = 1, hasItem: UInt8 = 2, hasRule: UInt8 = 4, hasReverses: UInt8 = 8
}

/// Packs the rows a reader steps through into `FoldBatch`es: an entry as its sequence number (mostly a flag: the one
/// after the last), its type, its figures as variable-length integers, its household, item and rule as their bytes,
/// and its date and recorder only when they change (a batch's events mostly share them); about 20 bytes a score, so
/// that half a county's log waiting for the fold (`verify`'s second half of the chain) takes some 10 MB. Written through
/// a pointer, room made once a row: appending to an array byte by byte, each append checked, was a tenth of the
/// reading thread's time.
struct FoldPacker {
    static let batchRows = 4096
    /// The types in the order their numbers are packed.
    static let types: [EventType] = EventType.allCases

    let positions: FoldPositions
    private var batch = FoldBatch()
    /// The batch's bytes as this packer writes them (`batch.bytes`, but for the count written).
    private var base: UnsafeMutableRawPointer
    private var used = 0
    private var wholes: [StoredEvent] = []
    private var rows = 0
    private var lastTypeBytes: [UInt8] = []
    private var lastType: (type: EventType, number: UInt8)?
    private var lastSeq = Int64.min
    private var lastDate: [UInt8]?
    private var lastActor: [UInt8]?

    init(positions: FoldPositions) {
        self.positions = positions
        base = batch.bytes
    }

    /// Whether the current batch is full.
    var full: Bool { rows >= FoldPacker.batchRows }

    /// Hands the current batch over (`ending` set) and starts another.
    mutating func take(ending: FoldBatch.Ending = .more) -> FoldBatch {
        let full = batch
        full.count = used
        full.wholes = wholes
        full.rows = rows
        full.ending = ending
        batch = FoldBatch(capacity: max(full.capacity, FoldPacker.batchRows * 32))
        base = batch.bytes
        used = 0
        wholes = []
        rows = 0
        lastSeq = Int64.min
        lastDate = nil
        lastActor = nil
        return full
    }

    /// The row's type, when it is an entry's (nil for any other event and for a name this version does not know).
    mutating func entryType(_ row: some ChainRow) -> (type: EventType, number: UInt8)? {
        let stored = row.bytes(positions.type)
        if !FoldPacker.equal(stored, lastTypeBytes) {
            lastTypeBytes = Array(stored)
            lastType = nil
            if let type = EventType(rawValue: String(decoding: lastTypeBytes, as: UTF8.self)), let number = FoldPacker.types.firstIndex(of: type) {
                lastType = (type, UInt8(number))
            }
        }
        guard let lastType, lastType.type.entryKind != nil else { return nil }
        return lastType
    }

    /// Packs the row as an entry if it is one; false, packing nothing, if it is not.
    mutating func addEntry(_ row: some ChainRow) -> Bool {
        guard let (_, number) = entryType(row) else { return false }
        let p = positions
        let seq = row.int64(p.seq)
        var head = FoldBatch.entry
        if seq == lastSeq &+ 1 && lastSeq != Int64.min { head |= FoldBatch.nextSeq }
        let household = row.isNull(p.household) ? nil : row.bytes(p.household)
        let item = row.isNull(p.item) ? nil : row.bytes(p.item)
        let rule = row.isNull(p.rule) ? nil : row.bytes(p.rule)
        var date: UnsafeRawBufferPointer?, actor: UnsafeRawBufferPointer?
        if row.isNull(p.occurredOn) {
            head |= FoldBatch.noDate
        } else {
            let bytes = row.bytes(p.occurredOn)
            if let lastDate, FoldPacker.equal(bytes, lastDate) { head |= FoldBatch.sameDate } else { date = bytes }
        }
        if row.isNull(p.actor) {
            head |= FoldBatch.noActor
        } else {
            let bytes = row.bytes(p.actor)
            if let lastActor, FoldPacker.equal(bytes, lastActor) { head |= FoldBatch.sameActor } else { actor = bytes }
        }
        var has: UInt8 = 0
        if household != nil { has |= FoldBatch.hasHousehold }
        if item != nil { has |= FoldBatch.hasItem }
        if rule != nil { has |= FoldBatch.hasRule }
        let reverses = row.isNull(p.reverses) ? nil : row.int64(p.reverses)
        if reverses != nil { has |= FoldBatch.hasReverses }
        // At most 10 bytes a number, 3 + 6 numbers, and the texts with their counts.
        let texts = (household?.count ?? 0) + (item?.count ?? 0) + (rule?.count ?? 0) + (date?.count ?? 0) + (actor?.count ?? 0)
        reserve(3 + 11 * 10 + texts)
        put(head)
        if head & FoldBatch.nextSeq == 0 { put(seq) }
        put(number)
        put(has)
        put(row.int64(p.earned))
        put(row.int64(p.deducted))
        put(row.int64(p.redeemed))
        put(row.int64(p.stock))
        if let reverses { put(reverses) }
        if let household { put(household) }
        if let item { put(item) }
        if let rule { put(rule) }
        if let date {
            put(date)
            lastDate = Array(date)
        }
        if let actor {
            put(actor)
            lastActor = Array(actor)
        }
        lastSeq = seq
        rows += 1
        return true
    }

    /// Adds an event read whole.
    mutating func addWhole(_ event: StoredEvent) {
        reserve(1)
        put(FoldBatch.whole)
        wholes.append(event)
        lastSeq = event.seq
        rows += 1
    }

    /// Adds a row the scan saw that was gone when it was read whole.
    mutating func addMissing() {
        reserve(1)
        put(FoldBatch.missing)
        lastSeq = Int64.min
        rows += 1
    }

    private mutating func reserve(_ more: Int) {
        batch.reserve(more, used: used)
        base = batch.bytes
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        a.count == b.count && b.withUnsafeBytes { b in
            guard a.count > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
            return memcmp(x, y, a.count) == 0
        }
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        base.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    /// A signed number, zigzagged, in seven-bit groups (the low first, the high bit set on all but the last).
    @inline(__always)
    private mutating func put(_ value: Int64) {
        var rest = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while rest >= 0x80 {
            put(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        put(UInt8(truncatingIfNeeded: rest))
    }

    /// Bytes, after their count.
    @inline(__always)
    private mutating func put(_ value: UnsafeRawBufferPointer) {
        put(Int64(value.count))
        if let source = value.baseAddress, value.count > 0 {
            (base + used).copyMemory(from: source, byteCount: value.count)
            used += value.count
        }
    }
}

/// Reads a `FoldBatch`'s packed bytes back, in the order `FoldPacker` wrote them.
struct FoldBatchReader {
    private var at: UnsafePointer<UInt8>

    init(_ batch: FoldBatch) { at = UnsafePointer(batch.bytes.assumingMemoryBound(to: UInt8.self)) }

    @inline(__always)
    mutating func byte() -> UInt8 {
        defer { at += 1 }
        return at.pointee
    }

    @inline(__always)
    mutating func number() -> Int64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            let byte = at.pointee
            at += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    @inline(__always)
    mutating func bytes() -> UnsafeRawBufferPointer {
        let count = Int(number())
        defer { at += count }
        return UnsafeRawBufferPointer(start: at, count: count)
    }
}

/// A stream of batches from one reading thread to the fold, with no bound: `verify`'s halves of the chain hand the fold
/// what they read, and the second half's wait there until the fold has taken the first's. Ended once (`close`), by the
/// reader's last batch or by whoever gives up on it; the fold says when it takes no more (`stopped`), and the reader
/// then packs no more.
final class FoldStream: Sendable {
    private let batches = Mutex<[FoldBatch]>([])
    private let ready = DispatchSemaphore(value: 0)
    private let closed = Atomic<Bool>(false)
    private let stopFlag = Atomic<Bool>(false)

    /// Whether the fold takes no more.
    var stopped: Bool { stopFlag.load(ordering: .acquiring) }
    func stop() { stopFlag.store(true, ordering: .releasing) }

    /// Hands a batch over; one that ends the stream closes it (if nothing closed it before).
    func push(_ batch: FoldBatch) {
        if case .more = batch.ending {
        } else if closed.exchange(true, ordering: .acquiringAndReleasing) {
            return
        }
        batches.withLock { $0.append(batch) }
        ready.signal()
    }

    /// Ends the stream with an empty batch of `ending`, unless it has ended.
    func close(_ ending: FoldBatch.Ending) { push(FoldBatch(capacity: 0, ending: ending)) }

    /// The next batch, waiting for it.
    func next() -> FoldBatch {
        ready.wait()
        return batches.withLock { $0.isEmpty ? FoldBatch(capacity: 0, ending: .abandoned) : $0.removeFirst() }
    }
}

/// What `verify`'s chain pass hands its replay: the log through `last` (the head when the chain began), the first half
/// of the chain's events and then the second's, each as its walk reads them. The replay folds them rather than reading
/// the log again, if its own snapshot ends at the same event; otherwise it reads the log itself.
final class ChainFeed: Sendable {
    let first = FoldStream(), second = FoldStream()
    private let bound = Mutex<Int64?>(nil)
    private let published = Atomic<Bool>(false)
    private let known = DispatchSemaphore(value: 0)

    /// Says which event the halves read through (nil: they will hand nothing over).
    func publish(last: Int64?) {
        guard !published.exchange(true, ordering: .acquiringAndReleasing) else { return }
        bound.withLock { $0 = last }
        known.signal()
    }

    /// The event the halves read through, waiting until it is known; nil if they hand nothing over.
    func last() -> Int64? {
        known.wait()
        defer { known.signal() }
        return bound.withLock { $0 }
    }

    /// Ends whatever has not ended: the replay reads the log itself.
    func abandon() {
        publish(last: nil)
        first.close(.abandoned)
        second.close(.abandoned)
    }

    /// The fold takes no more from either half.
    func stop() {
        first.stop()
        second.stop()
    }
}

/// Thrown by the fold of a `ChainFeed` whose reader gave up: the caller reads the log itself.
struct FeedAbandoned: Error {}

extension FoldStream {
    /// A packer that hands this stream full batches; nil-safe for `walkChain`, which packs only when given a stream.
    struct Feeder {
        let stream: FoldStream
        var packer = FoldPacker(positions: .chain)
        /// The fold stopped taking: nothing more is packed.
        private var idle = false

        init(_ stream: FoldStream) { self.stream = stream }

        /// Packs the chain pass's current row (an entry by its columns, any other event whole).
        mutating func add(_ row: LogRows) {
            if idle { return }
            if !packer.addEntry(row) { packer.addWhole(StoredEvent(row)) }
            if packer.full {
                if stream.stopped {
                    idle = true
                    return
                }
                stream.push(packer.take())
            }
        }

        /// The walk reached its end.
        mutating func finish() { stream.push(packer.take(ending: .end)) }

        /// The walk failed.
        mutating func fail(_ error: any Error) { stream.push(packer.take(ending: .failed(error))) }
    }
}

extension StepColumns: ChainRow {}
