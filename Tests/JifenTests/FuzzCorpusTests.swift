import Foundation
import Jifen
import JifenAudit
import JifenStore
import Testing

/// The fuzz targets' seed corpus (Fuzz/Corpus), read as the targets read it, in the normal suite: the seeds stay
/// what they claim to be, and an input that once crashed a reader (saved there as `crash-…`) is read again on every
/// run. `scripts/fuzz TARGET SECONDS` runs the targets themselves.
@Suite struct FuzzCorpus {
    static func inputs(_ target: String) throws -> [URL] {
        let folder = packageRoot.appendingPathComponent("Fuzz/Corpus/\(target)")
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func theSheetSeedsAreReadAndTheGoodOnesAreOneSheet() throws {
        var digests: [String: String] = [:]
        for input in try FuzzCorpus.inputs("sheet") {
            let data = try Data(contentsOf: input)
            do {
                var sheet = try TallySheet(data, fileName: input.lastPathComponent)
                var rows = 0
                while let line = try sheet.next() {
                    switch line {
                    case .item(let item): if item.line > 1 { rows += 1 }
                    case .problem(let problem): if problem.line > 1 { rows += 1 }
                    }
                }
                #expect(rows + sheet.passedOver == sheet.rows, "\(input.lastPathComponent)")
                digests[input.lastPathComponent] = sheet.sha256
            } catch is SheetText.Undecodable {
            } catch is CSVTable.Malformed {
            }
        }
        // The example sheet saved five ways is one sheet.
        let same = ["utf8.csv", "utf8-bom.csv", "crlf.csv", "cr.csv", "gb18030.csv"].map { digests[$0] }
        #expect(same.allSatisfy { $0 != nil && $0 == same[0] }, "\(digests)")
    }

    @Test func theExportSeedsAreCheckedAlikeInOneOrSeveralParts() throws {
        for input in try FuzzCorpus.inputs("audit-check") {
            let data = try Data(contentsOf: input)
            let one = AuditExport.check(data: data, partial: true, parts: 1)
            let several = AuditExport.check(data: data, partial: true, parts: 3)
            #expect(one.events == several.events && one.head == several.head && one.problems.map(\.what) == several.problems.map(\.what),
                    "\(input.lastPathComponent)")
            if !input.lastPathComponent.hasPrefix("not-") && !input.lastPathComponent.hasPrefix("crash-") {
                #expect(one.isValid, "\(input.lastPathComponent): \(one.problems.map(\.what))")
            }
        }
    }
}
