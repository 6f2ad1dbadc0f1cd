// swift-tools-version: 6.1
// Fuzz targets (libFuzzer) for the readers of hostile input: `scripts/fuzz TARGET SECONDS` builds and runs one.
// A package of its own, so that `swift build` and `swift test` of Jifen never build these (they link only with
// `-sanitize=fuzzer`, which gives them their `main`).
import Foundation
import PackageDescription

/// Jifen's package is the folder above; SwiftPM knows a package by its folder's name, whatever the clone is called.
let jifen = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "JifenFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        // libFuzzer's driver, which each target runs from its main.
        .target(name: "FuzzDriver", swiftSettings: [.swiftLanguageMode(.v6)]),
        // The tally-sheet reader: decoding, CSV, identity, each row's parsing (no ledger).
        .executableTarget(name: "fuzz-sheet", dependencies: ["FuzzDriver", .product(name: "Jifen", package: jifen)],
                          swiftSettings: [.swiftLanguageMode(.v6)]),
        // The .xlsx reader (zip, XML, shared strings, styles, dates), then the sheet as a tally sheet.
        .executableTarget(name: "fuzz-xlsx", dependencies: ["FuzzDriver", .product(name: "Jifen", package: jifen),
                                                            .product(name: "JifenXLSX", package: jifen)],
                          swiftSettings: [.swiftLanguageMode(.v6)]),
        // `audit check`'s strict JSON Lines reader.
        .executableTarget(name: "fuzz-audit-check", dependencies: ["FuzzDriver", .product(name: "JifenAudit", package: jifen)],
                          swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
