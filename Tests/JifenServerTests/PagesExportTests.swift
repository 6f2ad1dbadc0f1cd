import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Jifen
@testable import JifenServer
import Testing

/// The auditor's downloads are written a block of events at a time: cut into small blocks, they are the same bytes
/// as the export in one piece (the CSV's header once, at the top, after the BOM).
@Suite("Pages: exports in blocks") struct PageExportTests {
    @Test func anExportInBlocksIsTheExportInOnePiece() async throws {
        let harness = try Harness()
        let head = try harness.ledger.head().seq
        let service = harness.service
        // Blocks that do not divide the log evenly, and one larger than it.
        let blocks: [Int64] = [max(1, head / 3 - 1), head + 10]
        var csvBytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        try harness.ledger.exportEvents(format: .csv) { csvBytes.append(contentsOf: $0) }
        var jsonlBytes: [UInt8] = []
        try harness.ledger.exportEvents(format: .jsonl) { jsonlBytes.append(contentsOf: $0) }
        let (whole, lines) = (csvBytes, jsonlBytes)
        for block in blocks {
            let router = Router(context: ServerContext.self)
            router.get("csv") { _, _ in try await service.exportResponse(csv: true, block: block) }
            router.get("jsonl") { _, _ in try await service.exportResponse(csv: false, block: block) }
            try await Application(router: router).test(.router) { client in
                let csv = try await client.execute(uri: "/csv", method: .get, headers: [:], body: nil)
                #expect(Array(buffer: csv.body) == whole, "blocks of \(block)")
                let jsonl = try await client.execute(uri: "/jsonl", method: .get, headers: [:], body: nil)
                #expect(Array(buffer: jsonl.body) == lines, "blocks of \(block)")
            }
        }
        #expect(head > 3)
    }
}
