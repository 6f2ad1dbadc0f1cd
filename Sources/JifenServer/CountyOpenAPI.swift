/// The county server's API document (`jifen serve --postgres`, at /openapi.yaml): api/county-openapi.yaml (the county's
/// own routes, its sync and reports), then every operation of a village's own document (api/openapi.yaml) under
/// `/api/v1/villages/{village}/…`, as `VillageAPI` serves them there, and the village document's components with the
/// county's added. Made from the two files as written (their paths two spaces in, the top-level keys `paths:` and
/// `components:` on lines of their own), so that a village's operations are described once.
enum CountyOpenAPIDocument {
    /// The operations of a village's own server that the county's does not serve: verify reads a SQLite file whole (a test
    /// holds the document to the county's routes).
    static let villageOnly: Set<String> = ["/api/v1/verify"]

    static let text: String = make(village: String(decoding: OpenAPIDocument.bytes, as: UTF8.self),
                                   county: String(decoding: PackageResources.county_openapi_yaml, as: UTF8.self))

    static func make(village: String, county: String) -> String {
        let villageLines = village.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let countyLines = county.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let villagePaths = villageLines.firstIndex(of: "paths:"), let villageComponents = villageLines.firstIndex(of: "components:"),
              villagePaths < villageComponents, let countyComponents = countyLines.firstIndex(of: "components:") else { return county }
        var out = Array(countyLines[..<countyComponents])
        // Each path of the village's document, its lines up to the next path's.
        var path: String?
        for line in villageLines[(villagePaths + 1)..<villageComponents] {
            if line.hasPrefix("  /") {
                let key = String(line.dropFirst(2).dropLast(line.hasSuffix(":") ? 1 : 0))
                path = key.hasPrefix("/api/v1/") && !villageOnly.contains(key) ? key : nil
                if let path {
                    out.append("  /api/v1/villages/{village}/\(path.dropFirst("/api/v1/".count)):")
                    out.append("    parameters: [{$ref: \"#/components/parameters/Village\"}]")
                }
            } else if path != nil {
                out.append(line)
            }
        }
        // The village document's components, each of the county's added under its section (`  parameters:`, …).
        var additions: [String: [String]] = [:]
        var section = ""
        for line in countyLines[(countyComponents + 1)...] {
            if line.hasPrefix("  "), !line.hasPrefix("   ") { section = line } else if !line.isEmpty { additions[section, default: []].append(line) }
        }
        for line in villageLines[villageComponents...] {
            out.append(line)
            if let added = additions[line] { out.append(contentsOf: added) }
        }
        return out.joined(separator: "\n")
    }
}
