import Foundation
import JifenCore
import JifenStore

/// One command of a group written together (`Ledger.executeEach`): what `Ledger.execute` takes.
public struct WriteRequest: Sendable {
    public let command: Command
    public let actor: String
    public let date: LocalDate?
    public let key: String?
    public let again: Bool

    public init(_ command: Command, by actor: String, on date: LocalDate? = nil, key: String? = nil, again: Bool = false) {
        self.command = command
        self.actor = actor
        self.date = date
        self.key = key
        self.again = again
    }
}

extension LedgerWriter {
    /// Decides and appends each command in turn, in one write transaction — one commit, one sync to disk, for the lot.
    /// Unlike a batch, each command stands alone: a refused one (a `Rejection`) writes nothing and the others go on,
    /// each seeing the ones before it, exactly as if they had come one after another. Any other failure (the disk, the
    /// database) fails them all and writes nothing.
    public func executeEach(_ requests: [WriteRequest]) throws -> [Result<Written, any Error>] {
        let now = environment.now()
        return try store.write { session in
            try requests.map { request in
                do {
                    return .success(try decideAndAppend(request.command, by: request.actor, on: request.date, key: request.key,
                                                        again: request.again, now: now, in: session))
                } catch let rejection as Rejection {
                    return .failure(rejection)
                }
            }
        }
    }
}

extension Ledger {
    /// Writes a group of independent commands in one transaction (`LedgerWriter.executeEach`): the server groups the
    /// writes of concurrent requests so that they share one commit. Each command's person must be proven as for
    /// `execute`; one who is not gets that refusal alone.
    public func executeEach(_ requests: [WriteRequest]) throws -> [Result<Written, any Error>] {
        var results = [Result<Written, any Error>?](repeating: nil, count: requests.count)
        var proven: [(index: Int, request: WriteRequest)] = []
        for (index, request) in requests.enumerated() {
            do {
                try passwordChecked(for: request.actor)
                proven.append((index, request))
            } catch {
                results[index] = .failure(error)
            }
        }
        if !proven.isEmpty {
            let written = try LedgerError.translating { try writer.executeEach(proven.map(\.request)) }
            for (entry, result) in zip(proven, written) { results[entry.index] = result }
        }
        // Every index was filled: with its refusal above, or with what the transaction did (one result per request).
        return results.compactMap { $0 }
    }
}
