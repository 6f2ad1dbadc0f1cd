import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
import JifenCore
import JifenServer
import Testing

@Suite("Grouped writes") struct GroupCommitTests {
    static let people = Harness.people

    /// A mix of writes, some of which the ledger refuses.
    static let requests: [WriteRequest] = [
        WriteRequest(.recordScore("H001", "A1.2", points: nil, note: "", source: nil), by: people.clerk, key: "g-1"),
        WriteRequest(.recordScore("H001", "Z9.9", points: nil, note: "", source: nil), by: people.clerk),
        WriteRequest(.recordScore("H002", "A1.4", points: 20, note: "表彰", source: nil), by: people.clerk),
        WriteRequest(.approve(.seq(1)), by: people.clerk),
        WriteRequest(.recordScore("H001", "A1.2", points: nil, note: "", source: nil), by: people.clerk, key: "g-1"),
        WriteRequest(.recordScore("H001", "A1.2", points: nil, note: "", source: nil), by: people.clerk),
        WriteRequest(.recordScore("H003", "A1.3", points: nil, note: "缺席", source: nil), by: people.leader),
        WriteRequest(.redeem("H002", "SALT", quantity: 1), by: people.shopkeeper),
    ]

    /// Written as a group, the commands give the same answers and the same log, byte for byte, as one after another.
    @Test func aGroupIsTheSameAsOneAfterAnother() throws {
        let grouped = try Harness(), single = try Harness()
        for name in [Self.people.clerk, Self.people.leader, Self.people.shopkeeper] {
            grouped.ledger.trustAuthenticated(name)
            single.ledger.trustAuthenticated(name)
        }
        let together = try grouped.ledger.executeEach(Self.requests)
        var apart: [Result<Written, any Error>] = []
        for r in Self.requests {
            apart.append(Result { try single.ledger.execute(r.command, by: r.actor, on: r.date, key: r.key, again: r.again) })
        }
        #expect(together.count == Self.requests.count)
        for (a, b) in zip(together, apart) {
            switch (a, b) {
            case (.success(let x), .success(let y)):
                #expect(x.events.map(\.seq) == y.events.map(\.seq) && x.alreadyRecorded == y.alreadyRecorded)
            case (.failure(let x), .failure(let y)):
                #expect(String(describing: x) == String(describing: y))
            default:
                Issue.record("grouped \(a) but alone \(b)")
            }
        }
        // Refusals among them: the unknown rule, the clerk's approval, the likely retry.
        #expect(together.filter { if case .failure = $0 { true } else { false } }.count >= 3)
        func export(_ ledger: Ledger) throws -> [UInt8] {
            var bytes: [UInt8] = []
            try ledger.exportEvents(format: .jsonl) { bytes += $0 }
            return bytes
        }
        #expect(try export(grouped.ledger) == export(single.ledger))
        #expect(try grouped.ledger.verify(audit: true).isValid)
    }

    /// Many clerks' phones at once: every request gets its own answer, every acknowledged score is in the ledger, and
    /// the chain verifies.
    @Test func concurrentRequestsEachGetTheirAnswer() async throws {
        let harness = try Harness()
        let before = try harness.ledger.head().seq
        let open = try harness.ledger.households().filter { $0.status == .open }.map(\.code.rawValue)
        let answers = try await harness.test { client in
            let (clerk, _) = try await client.login(Self.people.clerk)
            return try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status, [Int]).self) { group in
                for n in 0..<48 {
                    group.addTask {
                        // Every eighth names a rule that does not exist.
                        let rule = n % 8 == 7 ? "Z9.9" : "A1.2"
                        let household = open[n % open.count]
                        let response = try await client.call(.post, "/api/v1/scores", token: clerk,
                                                             json: ["household": household, "rule": rule, "again": true],
                                                             headers: [.idempotencyKey: "phone-\(n)"])
                        let seqs = (try response.object()["events"] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
                        return (n, response.status, seqs)
                    }
                }
                var all: [(Int, HTTPResponse.Status, [Int])] = []
                for try await answer in group { all.append(answer) }
                return all
            }
        }
        #expect(answers.count == 48)
        let written = answers.filter { $0.1 == .created }
        #expect(written.count == 42)
        #expect(answers.filter { $0.1 == .unprocessableContent }.map(\.0).sorted() == stride(from: 7, to: 48, by: 8).map { $0 })
        let seqs = written.flatMap(\.2).sorted()
        #expect(Set(seqs).count == 42)
        #expect(try harness.ledger.head().seq == before + 42)
        for seq in seqs { #expect(try harness.ledger.logPage(from: Int64(seq), limit: 1).first?.actor.rawValue == Self.people.clerk) }
        #expect(try harness.ledger.verify(audit: true).isValid)
    }
}
