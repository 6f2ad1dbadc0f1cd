import Foundation
import Jifen
import JifenCore
import JifenDemo
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `jifen county`, `jifen serve --county`, `jifen sync push|pull` and `jifen audit verify --against` as real processes on
/// loopback: the county as the witness a village file cannot be alone.
@Suite struct SyncTests {
    /// A county folder with two villages (hongqi, other; their keys in hongqi.key and other.key) served by
    /// `jifen-serve --county` on a free loopback port, and a generated village in jifen.sqlite.
    final class County {
        let office: Office
        let process: Process
        let url: String

        init(households: Int = 6) throws {
            office = try Office(.binary)
            _ = try LedgerGenerator.build(at: office.path("jifen.sqlite"), plan: GeneratorPlan(households: households, years: 1, firstYear: 2025, seed: 3))
            expectOK(try office.jifen("county", "init", "county", "--key", "county.key"))
            for name in ["hongqi", "other"] { expectOK(try office.jifen("county", "add", name, "--folder", "county", "--out", "\(name).key")) }
            let port = Self.freePort()
            url = "http://127.0.0.1:\(port)"
            // `jifen serve --county` hands over to jifen-serve (execv: the same process).
            process = office.start(jifenBinary.path, ["serve", "--county", "county", "--county-key", "county.key", "--listen", "127.0.0.1:\(port)"])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<200 {
                if try office.run("/usr/bin/env", ["curl", "-sf", "\(url)/healthz"]).status == 0 { return }
                usleep(50_000)
            }
            Issue.record("the county server did not start")
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }

        static func freePort() -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        /// `jifen --lang en` with `arguments`, as a process in the office.
        func jifen(_ arguments: String...) throws -> Run {
            try office.run(jifenBinary.path, ["--lang", "en"] + arguments)
        }

        func push(_ extra: String..., ledger: String = "jifen.sqlite", village: String = "hongqi") throws -> Run {
            try office.run(jifenBinary.path, ["--lang", "en", "--ledger", ledger, "sync", "push", "--to", url, "--village", village,
                                              "--key-file", "\(village).key", "--by", LedgerGenerator.secretary] + extra)
        }

        func against(ledger: String = "jifen.sqlite") throws -> Run {
            try jifen("--ledger", ledger, "audit", "verify", "--against", url, "--village", "hongqi", "--key-file", "hongqi.key")
        }

        /// The county's head of hongqi (`jifen county list --json`).
        func countyHead() throws -> (seq: Int, hash: String) {
            let run = try jifen("county", "list", "--folder", "county", "--json")
            let rows = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [[String: Any]]
            let row = rows?.first { $0["village"] as? String == "hongqi" }
            return (row?["events"] as? Int ?? -1, row?["head"] as? String ?? "")
        }

        func fileHead(_ name: String = "jifen.sqlite") throws -> (seq: Int, hash: String) {
            let head = try Ledger(path: office.path(name), readOnly: true).head()
            return (Int(head.seq), head.hex)
        }

        /// Appends `count` events to a ledger (items listed by the shopkeeper).
        func append(_ count: Int, to name: String = "jifen.sqlite", tag: String) throws {
            let ledger = try Ledger(path: office.path(name))
            for index in 0..<count {
                try ledger.execute(.listItem(ItemCode(rawValue: "\(tag)\(index)"), name: "\(tag) \(index)", unit: "个", price: 2 + index),
                                   by: LedgerGenerator.shopkeeper)
            }
        }
    }

    @Test func aRewrittenChainIsCaughtAgainstTheCountyAndByTheFiledReceipt() throws {
        let county = try County()
        let pushed = try county.push()
        expectOK(pushed)
        #expect(pushed.out.contains("The county holds all"), "\(pushed.out)")
        let head = try county.countyHead()
        let fileSeq = try county.fileHead().seq
        #expect(head.seq > 100 && head.seq + 1 == fileSeq, "the receipt is filed as the next event")
        expectOK(try county.jifen("verify"))
        // Every hash recomputed after one event was changed: the file alone verifies as a chain, but not against the county.
        try county.office.forgeLog("UPDATE \(try county.office.logTable()) SET actor = '李会计' WHERE seq = 12")
        let against = try county.against()
        #expect(against.status == 2 && against.out.contains("fork at event #12"), "\(against.out) \(against.err)")
        // The auditor's verify holds the log to the receipts filed in it (plain `verify` checks the chain alone, which holds).
        expectOK(try county.jifen("verify"))
        let verify = try county.jifen("audit", "verify")
        #expect(verify.status == 2 && verify.out.contains("the checkpoint it files does not hold"), "\(verify.out)")
        // A push of the rewritten file is refused and changes nothing.
        let refused = try county.push()
        #expect(refused.status == 2 && refused.err.contains("fork at event #12"), "\(refused.err)")
        #expect(try county.countyHead() == head)
    }

    @Test func aTailCutAfterAPushIsCaughtAgainstTheCountyAndByTheReceipt() throws {
        let county = try County()
        expectOK(try county.push())
        let first = try county.countyHead()
        try county.append(3, tag: "a")
        expectOK(try county.push())
        let second = try county.countyHead()
        #expect(second.seq == first.seq + 4)
        try county.office.forgeLog("DELETE FROM \(try county.office.logTable()) WHERE seq > \(first.seq - 2)")
        expectOK(try county.jifen("rebuild"))
        #expect(try county.fileHead().seq == first.seq - 2)
        let against = try county.against()
        #expect(against.status == 2 && against.out.contains("the file was cut"), "\(against.out) \(against.err)")
        let receipt = try county.jifen("audit", "verify", "--checkpoint", "county-receipt-\(first.seq).json", "--pubkey", "county.pub")
        #expect(receipt.status == 2 && receipt.out.contains("no longer holds event #\(first.seq)"), "\(receipt.out)")
        let refused = try county.push()
        #expect(refused.status == 2 && refused.err.contains("the file was cut"), "\(refused.err)")
        #expect(try county.countyHead() == second)
    }

    @Test func aPushCutOffPartWayIsTakenUpAgainAndEndsWithIdenticalChains() throws {
        let county = try County(households: 10)
        let file = try county.fileHead()
        // One event a request, the client killed once the county has taken the first.
        let process = county.office.start(jifenBinary.path, ["--lang", "en", "sync", "push", "--to", county.url, "--village", "hongqi",
                                                             "--key-file", "hongqi.key", "--by", LedgerGenerator.secretary, "--piece", "1"])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Handed 1 of") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let cut = try county.countyHead()
        #expect(cut.seq >= 1 && cut.seq < file.seq, "the county took part of the log: \(cut.seq) of \(file.seq)")
        #expect(try county.fileHead() == file, "nothing filed")
        let resumed = try county.push()
        expectOK(resumed)
        #expect(resumed.out.contains("(\(file.seq - cut.seq) handed over now)"), "\(resumed.out)")
        // The receipt's filing is handed over by the next push, which files none; then the chains are the same.
        expectOK(try county.push())
        let same = try county.countyHead()
        #expect(same == (try county.fileHead()) && same.seq == file.seq + 1)
        // Pushing again changes nothing on either side.
        let again = try county.push()
        expectOK(again)
        #expect(again.out.contains("(0 handed over now)"), "\(again.out)")
        #expect(try county.countyHead() == same && county.fileHead() == same)
        let against = try county.against()
        #expect(against.status == 0 && against.out.contains("the county lacks 0 events"), "\(against.out)")
    }

    @Test func aForkedFileIsRefusedWithTheFirstDifferingEventAndNothingChanges() throws {
        let county = try County()
        try FileManager.default.copyItem(atPath: county.office.path("jifen.sqlite"), toPath: county.office.path("fork.sqlite"))
        let common = try county.fileHead().seq
        try county.append(2, tag: "a")
        try county.append(2, to: "fork.sqlite", tag: "b")
        expectOK(try county.push())
        let head = try county.countyHead()
        let fork = try county.fileHead("fork.sqlite")
        let refused = try county.push(ledger: "fork.sqlite")
        #expect(refused.status == 2 && refused.err.contains("fork at event #\(common + 1)"), "\(refused.err)")
        #expect(try county.countyHead() == head && county.fileHead("fork.sqlite") == fork)
        let against = try county.against(ledger: "fork.sqlite")
        #expect(against.status == 2 && against.out.contains("fork at event #\(common + 1)"), "\(against.out)")
    }

    @Test func aPulledCopyVerifiesAndHoldsTheCountysHead() throws {
        let county = try County()
        expectOK(try county.push())
        let pull = ["sync", "pull", "--from", county.url, "--village", "hongqi", "--key-file", "hongqi.key", "--out", "copy.sqlite"]
        expectOK(try county.office.run(jifenBinary.path, ["--lang", "en"] + pull))
        #expect(try county.fileHead("copy.sqlite") == county.countyHead())
        expectOK(try county.jifen("--ledger", "copy.sqlite", "verify"))
        // Resumed into the same file: only what the county got since.
        try county.append(2, tag: "a")
        expectOK(try county.push())
        let again = try county.office.run(jifenBinary.path, ["--lang", "en"] + pull)
        expectOK(again)
        #expect(again.out.contains("(3 taken now)"), "\(again.out)")
        #expect(try county.fileHead("copy.sqlite") == county.countyHead())
        expectOK(try county.jifen("--ledger", "copy.sqlite", "verify"))
    }

    @Test func aWrongKeyOrAnotherVillagesKeyIsRefused() throws {
        let county = try County()
        try county.office.write("wrong.key", "jfs_0000\n")
        for (key, village) in [("wrong.key", "hongqi"), ("other.key", "hongqi"), ("hongqi.key", "other")] {
            let run = try county.office.run(jifenBinary.path, ["--lang", "en", "sync", "push", "--to", county.url, "--village", village,
                                                               "--key-file", key, "--by", LedgerGenerator.secretary])
            #expect(run.status == 1 && run.err.contains("does not accept this sync key"), "\(key) for \(village): \(run.err)")
        }
        #expect(try county.countyHead().seq == 0)
    }
}
