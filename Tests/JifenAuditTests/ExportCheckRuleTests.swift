import Crypto
import Foundation
import JifenAudit
import Testing

/// The checker against the hash rule of docs/FORMAT.md written out here on its own, with no ledger: each event's hash is
/// SHA-256 of the previous hash and the 19 fields as netstrings (`<byte length>:<bytes>,`), null as empty.
@Suite struct ExportCheckRule {
    /// Two events of a made-up log as export lines, and the head.
    static func export() throws -> (lines: [String], head: String) {
        var previous = [UInt8](repeating: 0, count: 32)
        var lines: [String] = []
        let events: [[Any?]] = [
            [1, "e-1", "village", 1, "v1.ledgerCreated", "2025-03-01", "2025-03-01T08:00:00Z", "王会计", 0, nil, nil, nil, nil,
             0, 0, 0, 0, nil, #"{"village":"龙溪村"}"#],
            [2, "e-2", "H001", 1, "v1.scoreRecorded", "2025-03-05", "2025-03-05T09:30:00Z", "王会计", 1, "k-1", "H001", nil, "A1.2",
             5, 0, 0, 0, nil, #"{"note":"院坝会 \"三月\""}"#],
        ]
        for fields in events {
            var canonical: [UInt8] = []
            for field in fields {
                let text = field.map { "\($0)" } ?? ""
                canonical += Array("\(text.utf8.count):".utf8) + Array(text.utf8) + Array(",".utf8)
            }
            let hash = Array(SHA256.hash(data: previous + canonical))
            var object: [String] = []
            for (key, field) in zip(AuditExport.columns.map(\.description), fields) {
                var value = "null"
                if let number = field as? Int { value = "\(number)" }
                if let text = field as? String { value = String(decoding: try JSONEncoder().encode(text), as: UTF8.self) }
                object.append("\"\(key)\":\(value)")
            }
            object.append("\"prevHash\":\"\(hex(previous))\"")
            object.append("\"hash\":\"\(hex(hash))\"")
            lines.append("{" + object.joined(separator: ",") + "}")
            previous = hash
        }
        return (lines, hex(previous))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func problems(_ lines: [String]) -> [String] {
        AuditExport.check(data: Data((lines.joined(separator: "\n") + "\n").utf8)).problems.map(\.description)
    }

    @Test func aLogWrittenByTheRuleChecks() throws {
        let (lines, head) = try Self.export()
        let report = AuditExport.check(data: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(report.isValid && report.whole, "\(report.problems)")
        #expect(report.events == 2 && report.first == 1 && report.last == 2 && report.head == head)
    }

    @Test func anAlteredFieldOrAMissingEventIsFound() throws {
        let (lines, _) = try Self.export()
        let altered = [lines[0], lines[1].replacingOccurrences(of: "\"earned\":5", with: "\"earned\":50")]
        #expect(Self.problems(altered) == ["event #2: its contents do not match its hash: it was altered after it was written"])
        #expect(Self.problems([lines[1]]) == [
            "event #2: the export does not start at the ledger's first event but at #2; check a part of the log with --partial",
        ])
        #expect(Self.problems(["{}", lines[0]]) == ["line 1 is not an event of this format"])
    }
}
