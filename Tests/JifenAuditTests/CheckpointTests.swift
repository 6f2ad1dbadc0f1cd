import Crypto
import Foundation
import JifenAudit
import Testing

@Suite struct Checkpoints {
    static let point = Checkpoint(ledgerId: "0f3c", village: "龙溪村", seq: 42, head: String(repeating: "ab", count: 32),
                                  time: "2025-04-01T08:00:00Z")

    /// The signed bytes are the format: a checkpoint signed by one version verifies in every later one.
    @Test func theSignedMessageIsTheFieldsOnePerLine() {
        let expected = "jifen-checkpoint/1\nledger 0f3c\nvillage 龙溪村\nseq 42\nhead \(String(repeating: "ab", count: 32))\n"
            + "time 2025-04-01T08:00:00Z\n"
        #expect(Self.point.message == Data(expected.utf8))
    }

    @Test func aSignatureHoldsOverTheSameCheckpointOnly() throws {
        let village = SigningKey(), township = SigningKey()
        var point = Self.point
        #expect(!point.isSigned(by: village.key.publicKey))
        try point.sign(with: village)
        try point.sign(with: township)
        #expect(point.badSignatures.isEmpty)
        #expect(point.isSigned(by: village.key.publicKey) && point.isSigned(by: township.key.publicKey))
        // The same signatures over another position do not verify.
        var moved = Checkpoint(ledgerId: point.ledgerId, village: point.village, seq: point.seq + 1, head: point.head, time: point.time)
        moved.signatures = point.signatures
        #expect(moved.badSignatures.count == 2 && !moved.isSigned(by: village.key.publicKey))
        // Filed in a ledger and read back, it is the same checkpoint.
        #expect(Checkpoint(point.recorded, ledgerId: point.ledgerId, village: point.village) == point)
    }

    @Test func keyFilesRoundTripAndAnythingElseIsRefused() throws {
        let key = SigningKey()
        let again = try SigningKey(file: key.privateFile)
        #expect(again.key.publicKey.rawRepresentation == key.key.publicKey.rawRepresentation)
        #expect(try SigningKey.publicKey(file: key.publicFile).rawRepresentation == key.key.publicKey.rawRepresentation)
        #expect(throws: CheckpointError.self) { try SigningKey(file: key.publicFile) }
        #expect(throws: CheckpointError.self) { try SigningKey.publicKey(file: key.privateFile) }
        #expect(throws: CheckpointError.self) { try SigningKey(file: "jifen ed25519 private key\nnot base64\n") }
    }

    @Test func aFingerprintIsTheStartOfTheKeysHash() {
        let key = SigningKey().key.publicKey
        let hash = SHA256.hash(data: key.rawRepresentation).map { String(format: "%02x", $0) }.joined()
        #expect(Checkpoint.fingerprint(publicKey: key.rawRepresentation.base64EncodedString()) == String(hash.prefix(16)))
        #expect(Checkpoint.fingerprint(publicKey: "%%%") == "?")
    }
}
