import Foundation
import JifenCore

/// The county's side of sync: every village's chain as the county holds it, and the one way a village's events get in
/// (`accept`: verbatim, all or nothing). The sync server (`jifen serve --county`) and its receipts are written against
/// this protocol alone; a folder of SQLite ledgers (`CountyFolder`) implements it, and so does the county's PostgreSQL
/// database holding every village's chain (JifenPostgres's `PostgresCountyChains`), with the same semantics.
public protocol CountyChains: AnyObject, Sendable {
    /// The villages the county holds, by their name in the county (`CountyFolder.isVillageName`), sorted.
    func villages() throws -> [String]

    /// A village's head as the county holds it (0 and `Chain.genesis` before its first push); `CountyError.noVillage`
    /// for a village the county does not hold.
    func head(of village: String) throws -> (seq: Int64, hash: Data)

    /// The hash of the village's event `seq` as the county holds it, nil beyond its head.
    func hash(of village: String, at seq: Int64) throws -> Data?

    /// The village's events from `seq` on, at most `limit`, as the county holds them.
    func links(of village: String, from seq: Int64, limit: Int) throws -> [ChainLink]

    /// The village's ledger id and name as its own first event opened it (nil before its first push): what a receipt
    /// names, so that the village can file it in its ledger.
    func identity(of village: String) throws -> (ledgerId: String, village: String)?

    /// Takes links the village holds, in one transaction of that village alone: those at or below the county's head must
    /// be the very events the county holds (else `CountyError.fork`, naming the first that differs); those above it are
    /// appended unchanged (`StoreSession.append(links:)`: each the next, holding, decoding and folding, else
    /// `LinkRefusal`). Any refusal changes nothing. Returns how many were appended and the head after.
    func accept(_ links: [ChainLink], into village: String) throws -> (appended: Int, seq: Int64, hash: Data)

    /// The slow salted hash (bcrypt) of the village's sync key, nil for a village the county does not hold.
    func syncKeyHash(of village: String) throws -> String?

    /// The slow salted hash of the county administrator's token.
    func adminTokenHash() throws -> String?

    /// The county's public signing key (base64 of its raw bytes, as in a key file): receipts are signed by it.
    func publicKey() throws -> String
}

/// A write transaction of a village's log that takes links verbatim from another store (`StoreSession.append(links:)`
/// and the county database's session): what `CountyFolder.accept(_:into:village:)` runs on.
public protocol VerbatimAppending {
    func headOfLog() throws -> (seq: Int64, hash: Data)
    func links(from seq: Int64, limit: Int) throws -> [ChainLink]
    /// Appends the links unchanged, each checked as `LinkCheck` checks it; the first that fails throws `LinkRefusal`.
    func append(links: [ChainLink]) throws
}

extension StoreSession: VerbatimAppending {}

public enum CountyError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The county holds no such village.
    case noVillage(String)
    /// The county holds another event at `seq` (the first that differs) than the one offered.
    case fork(village: String, seq: Int64)
    /// Not a county (folder or database), or one that cannot be read or written: what is wrong, in words.
    case folder(String)

    public var description: String {
        switch self {
        case .noVillage(let name): "the county holds no village \(name)"
        case .fork(let village, let seq): "the county holds another event #\(seq) of \(village): the village's ledger and the county's copy forked there"
        case .folder(let detail): detail
        }
    }
}

/// A county as a folder: `county.json` (the county's public key, the administrator's token and each village's sync key,
/// as bcrypt hashes only) and one ledger file per village in `villages/`, each made and read by `EventStore` and
/// written only by `accept`.
public final class CountyFolder: CountyChains, @unchecked Sendable {
    public let folder: URL
    private let lock = NSLock()
    private var stores: [String: EventStore] = [:]

    /// The folder's description, as `county.json` holds it.
    public struct Description: Codable, Sendable {
        public var format = "jifen-county/1"
        public var publicKey: String
        public var adminTokenHash: String
        public var villages: [String: Village]

        public struct Village: Codable, Sendable {
            public var syncKeyHash: String
            public var added: String
        }
    }

    /// A village's name in the county: letters, digits, `-` and `_`, at most 64, starting with a letter or digit (it
    /// is a file name and a piece of a URL).
    public static func isVillageName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func allowed(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) }
        return allowed(bytes[0]) && bytes.allSatisfy { allowed($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func descriptionURL(_ folder: URL) -> URL { folder.appendingPathComponent("county.json") }

    /// Makes a county folder (which must not hold one already).
    public static func create(at path: String, publicKey: String, adminTokenHash: String) throws -> CountyFolder {
        let folder = URL(fileURLWithPath: path)
        let manager = FileManager.default
        if manager.fileExists(atPath: descriptionURL(folder).path) {
            throw CountyError.folder("\(path) already holds a county (county.json)")
        }
        do {
            try manager.createDirectory(at: folder.appendingPathComponent("villages"), withIntermediateDirectories: true)
        } catch {
            throw CountyError.folder("the folder \(path) could not be made (\(error.localizedDescription))")
        }
        try write(Description(publicKey: publicKey, adminTokenHash: adminTokenHash, villages: [:]), to: folder)
        return try CountyFolder(path: path)
    }

    /// Opens a county folder made by `create`.
    public init(path: String) throws {
        folder = URL(fileURLWithPath: path)
        _ = try description()
    }

    /// What `county.json` says now (read afresh each time: villages are added while the server runs).
    public func description() throws -> Description {
        let url = Self.descriptionURL(folder)
        guard let data = try? Data(contentsOf: url) else {
            throw CountyError.folder("\(folder.path) is not a county folder (no county.json); make one with `jifen county init`")
        }
        do {
            return try JSONDecoder().decode(Description.self, from: data)
        } catch {
            throw CountyError.folder("\(url.path) is damaged (\(String(describing: error).prefix(60)))")
        }
    }

    static func write(_ description: Description, to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            // Written beside and renamed over: a reader sees the old file or the new one, never half of one.
            try encoder.encode(description).write(to: descriptionURL(folder), options: .atomic)
        } catch {
            throw CountyError.folder("\(descriptionURL(folder).path) could not be written (\(error.localizedDescription))")
        }
    }

    /// Adds a village with the hash of its sync key, and makes its (empty) ledger file.
    public func add(village name: String, syncKeyHash: String, on day: String) throws {
        guard Self.isVillageName(name) else {
            throw CountyError.folder("\(name) is not a village name for a county (letters, digits, - and _, at most 64)")
        }
        lock.lock()
        defer { lock.unlock() }
        var description = try description()
        guard description.villages[name] == nil else { throw CountyError.folder("the county already holds a village \(name)") }
        _ = try EventStore(path: ledgerPath(name), create: true)
        description.villages[name] = .init(syncKeyHash: syncKeyHash, added: day)
        try Self.write(description, to: folder)
    }

    /// Where a village's ledger is.
    public func ledgerPath(_ village: String) -> String {
        folder.appendingPathComponent("villages").appendingPathComponent("\(village).sqlite").path
    }

    /// The village's ledger, opened once and kept.
    public func store(_ village: String) throws -> EventStore {
        lock.lock()
        defer { lock.unlock() }
        if let open = stores[village] { return open }
        guard Self.isVillageName(village), try description().villages[village] != nil else { throw CountyError.noVillage(village) }
        let store = try EventStore(path: ledgerPath(village), create: false)
        stores[village] = store
        return store
    }

    public func villages() throws -> [String] { try description().villages.keys.sorted() }

    public func head(of village: String) throws -> (seq: Int64, hash: Data) {
        try store(village).read { try $0.headOfLog() }
    }

    public func hash(of village: String, at seq: Int64) throws -> Data? {
        guard seq > 0 else { return seq == 0 ? Chain.genesis : nil }
        return try store(village).read { try $0.links(from: seq, limit: 1).first.flatMap { $0.fields.seq == seq ? $0.hash : nil } }
    }

    public func links(of village: String, from seq: Int64, limit: Int) throws -> [ChainLink] {
        try store(village).read { try $0.links(from: seq, limit: limit) }
    }

    public func identity(of village: String) throws -> (ledgerId: String, village: String)? {
        try store(village).read { try $0.ledger().map { ($0.ledgerId, $0.village) } }
    }

    public func accept(_ links: [ChainLink], into village: String) throws -> (appended: Int, seq: Int64, hash: Data) {
        try store(village).write { session in
            try Self.accept(links, into: session, village: village)
        }
    }

    /// `accept`'s rule over one write transaction of a village's store: what a store of any kind runs.
    public static func accept(_ links: [ChainLink], into session: some VerbatimAppending, village: String) throws
        -> (appended: Int, seq: Int64, hash: Data) {
        // A push is a run of the chain, each link the one after the link before: what is compared with the county's
        // copy, and a fork named by, is that run (a gap among events the county holds is not a fork).
        for (before, link) in zip(links, links.dropFirst()) where link.fields.seq != before.fields.seq + 1 {
            throw LinkRefusal(seq: link.fields.seq, .notNext(expected: before.fields.seq + 1))
        }
        let head = try session.headOfLog()
        let held = links.filter { $0.fields.seq <= head.seq }
        if let first = held.first {
            let mine = try session.links(from: first.fields.seq, limit: held.count)
            for (offered, have) in zip(held, mine) where offered.fields.seq != have.fields.seq || offered.hash != have.hash {
                throw CountyError.fork(village: village, seq: offered.fields.seq)
            }
            if mine.count < held.count { throw LinkRefusal(seq: held[mine.count].fields.seq, .notNext(expected: head.seq + 1)) }
        }
        let new = links.filter { $0.fields.seq > head.seq }
        try session.append(links: new)
        let after = try session.headOfLog()
        return (new.count, after.seq, after.hash)
    }

    public func syncKeyHash(of village: String) throws -> String? { try description().villages[village]?.syncKeyHash }

    public func adminTokenHash() throws -> String? { try description().adminTokenHash }

    public func publicKey() throws -> String { try description().publicKey }
}
