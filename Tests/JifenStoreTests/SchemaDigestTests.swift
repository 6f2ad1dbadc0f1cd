import Foundation
import GRDB
import Testing
@testable import JifenStore

/// The digests a write's check of the schema takes as "nothing missing or changed" are those of the schema every
/// migration makes, in each stored format (a migration added or changed without them fails here).
@Suite struct SchemaDigestTests {
    @Test(arguments: [LogFormat.compact, LogFormat.wide])
    func theWholeSchemasDigestIsTheMigrations(_ format: LogFormat) throws {
        let expected = try EventStore.expectedSchema(format).get()
        let digest = EventStore.digest(of: expected)
        #expect(EventStore.wholeSchemaDigests[format] == digest)
        // A schema one object short is not it.
        var short = expected
        short.removeValue(forKey: expected.keys.sorted().last ?? "")
        #expect(EventStore.digest(of: short) != digest)
    }
}
