import Foundation
import Testing

/// The CLI reaches the ledger only through the facade (`Ledger`): it imports neither the store nor GRDB, and never
/// opens a session or the store itself.
@Suite struct TheCLIsDoor {
    @Test func theCLIImportsNeitherTheStoreNorGRDB() throws {
        let folder = packageRoot.appendingPathComponent("Sources/jifen")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        #expect(files.contains("Main.swift"))
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let imports = Set(text.split(separator: "\n").filter { $0.hasPrefix("import ") }.map { $0.dropFirst("import ".count) })
            #expect(!imports.contains("GRDB"), "\(file) imports GRDB")
            #expect(!imports.contains("JifenStore"), "\(file) imports JifenStore")
            #expect(!text.contains("ledger.store") && !text.contains("ledger.read"), "\(file) reaches past the facade")
        }
    }
}
