import Foundation
import JifenCore
@testable import JifenStore
import Testing

@Suite struct EmbeddedFiles {
    /// The binary carries schema/ and seed/ (`.embedInCode` in Package.swift): every migration file is carried, and each
    /// copy is the file's text as it has always been read (without its final line feed).
    @Test func schemaAndSeedInsideTheBinaryAreTheFiles() throws {
        func file(_ path: String) throws -> String {
            try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
        }
        // The files of schema/ itself: the county's PostgreSQL migrations in schema/postgres/ are JifenPostgres's.
        let names = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("schema").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(names == SchemaSQL.byFile.keys.sorted(), "a file of schema/ is not carried in the binary: name it in Package.swift and SchemaSQL")
        for name in names {
            #expect(SchemaSQL.byFile[name].map { $0 + "\n" } == (try file("schema/\(name)")), "schema/\(name) differs from its embedded copy")
        }
        #expect(ReferenceSeed.schemeYAML + "\n" == (try file("seed/reference-scheme.yaml")))
        #expect(ReferenceSeed.priceListCSV + "\n" == (try file("seed/price-list.csv")))
    }
}
