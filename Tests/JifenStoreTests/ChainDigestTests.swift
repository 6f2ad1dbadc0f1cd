import Crypto
import Foundation
import GRDB
import Jifen
import JifenCore
@testable import JifenStore
import Testing

/// `verify` hashes each event in one call over one buffer with the CPU's SHA extensions (`ChainDigest`, `jifen_sha256`)
/// rather than through swift-crypto's `SHA256`: the two must give the same digest for every message, or the chain
/// would be judged otherwise than the form says.
@Suite struct ChainDigests {
    /// Messages of every length from 0 to 300 bytes (every way a last block can be partly filled, one block of padding
    /// or two), and longer ones, at every alignment of the first byte within 16: the same digest both ways.
    @Test("the SHA extensions' digest is swift-crypto's, at every length and alignment",
          .enabled(if: ChainDigest.extensions, "this CPU has no SHA extensions: swift-crypto hashes alone"))
    func sameAsSwiftCrypto() {
        var generator = SplitMix(seed: 17)
        let lengths = Array(0...300) + [511, 512, 513, 1000, 4096, 4097, 65_536 + 55, 1_000_003]
        var differing: [Int] = []
        for length in lengths {
            let bytes = (0..<(length + 15)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            bytes.withUnsafeBytes { all in
                for offset in (length <= 300 ? Array(0..<16) : [0, 3]) {
                    let message = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    var hasher = SHA256()
                    hasher.update(bufferPointer: message)
                    let expected = Data(hasher.finalize())
                    if ChainDigest.sha256(message, fast: true).data != expected || ChainDigest.sha256(message, fast: false).data != expected {
                        differing.append(length)
                    }
                }
            }
        }
        #expect(differing.isEmpty, "lengths \(Set(differing).sorted())")
    }

    @Test("the digests of FIPS 180-2's examples, both ways")
    func knownAnswers() {
        let examples = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (text, hex) in examples {
            for fast in [true, false] {
                let digest = Array(text.utf8).withUnsafeBytes { ChainDigest.sha256($0, fast: fast) }
                #expect(digest.data.hex == hex, "\(text) fast: \(fast)")
            }
        }
    }

    /// Every row of a compact village's year, sound and with its links and contents damaged: the chain's digest of the
    /// row (its link and canonical bytes in one buffer, one call) is swift-crypto's SHA-256 over the link and then the
    /// canonical bytes, fed as two pieces as the chain's pass fed them before.
    @Test("the chain's digest of each row is SHA-256 over its link and its canonical bytes, damaged or not")
    func rowDigests() throws {
        let scratch = try Scratch()
        let ledger = try CompactLog.scriptedYear(at: scratch.path("v.sqlite"), format: .compact)
        let sound = try digests(ledger)
        #expect(sound.rows == (try eventCount(ledger)) && sound.differing.isEmpty, "\(sound.differing)")
        try ledger.store.withDatabase { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON; DROP TRIGGER events_are_never_updated")
            for sql in CanonicalWriter.damage { try db.execute(sql: sql) }
            // Links of other lengths than 32 (the hash of the row before shortened, lengthened, emptied) and a gap.
            try db.execute(sql: """
                UPDATE event_log SET hash = x'0102' WHERE seq = 10;
                UPDATE event_log SET hash = zeroblob(100) WHERE seq = 12;
                UPDATE event_log SET hash = x'' WHERE seq = 14;
                DROP TRIGGER events_are_never_deleted;
                DELETE FROM event_log WHERE seq = 16;
                """)
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        let damaged = try digests(ledger)
        #expect(damaged.rows == sound.rows - 1 && damaged.differing.isEmpty, "\(damaged.differing)")
        #expect(damaged.links.contains(2) && damaged.links.contains(0) && damaged.links.contains(32))
    }

    /// Each row's digest both ways: the rows compared, the sequence numbers where they differ, the links' lengths seen.
    func digests(_ ledger: Ledger) throws -> (rows: Int, differing: [Int64], links: Set<Int>) {
        try ledger.store.withDatabase { db in
            let rows = try LogRows(db, where: "1", order: "rowid")
            var canonical = CanonicalBuffer()
            var count = 0
            var differing: [Int64] = []
            var links: Set<Int> = []
            var bytes = [UInt8](repeating: 0, count: 1 << 15)
            while try rows.next() {
                count += 1
                let fast = rows.chainDigest(&canonical)
                guard let written = bytes.withUnsafeMutableBytes({ CanonicalBuffer.write(rows, into: $0) }) else {
                    differing.append(rows.int64(0))
                    continue
                }
                links.insert(rows.bytes(19).count)
                var hasher = SHA256()
                hasher.update(bufferPointer: rows.bytes(19))
                bytes.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<written])) }
                if fast.data != Data(hasher.finalize()) { differing.append(rows.int64(0)) }
            }
            return (count, differing, links)
        }
    }
}

/// A small deterministic generator of test bytes.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
