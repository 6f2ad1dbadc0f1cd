// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// Where Debian keeps pango's, cairo's and glib's headers (glib's configuration header sits in a folder named for the
/// machine's architecture; both are listed, and a folder that is not there is ignored).
let pangoHeaders = [
    "/usr/include/pango-1.0", "/usr/include/glib-2.0", "/usr/lib/x86_64-linux-gnu/glib-2.0/include",
    "/usr/lib/aarch64-linux-gnu/glib-2.0/include", "/usr/include/harfbuzz", "/usr/include/freetype2", "/usr/include/libpng16",
    "/usr/include/fribidi", "/usr/include/cairo", "/usr/include/pixman-1",
]

let package = Package(
    name: "Jifen",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "jifen", targets: ["jifen"]),
        .library(name: "Jifen", targets: ["Jifen"]),
        // The domain, whose types the facade's API takes and returns.
        .library(name: "JifenCore", targets: ["JifenCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/pointfreeco/swift-tagged", from: "0.10.0"),
    ],
    targets: [
        // Pure domain: no clock, no files, no database.
        .target(
            name: "JifenCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Tagged", package: "swift-tagged"),
            ],
            swiftSettings: strict
        ),
        // The event store: hash chain, codec, SQLite through GRDB.
        .target(
            name: "JifenStore",
            dependencies: [
                "JifenCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tagged", package: "swift-tagged"),
            ],
            swiftSettings: strict
        ),
        // Statements, passbooks and notice sheets: a model and its renderers; reads no storage.
        .target(name: "JifenStatements", dependencies: ["JifenCore"], swiftSettings: strict),
        // PDF: Debian's cairo and pango lay out and embed the Chinese font; libqrencode draws the verification QR code.
        // Their header folders are Debian's (what `pkg-config --cflags pangocairo` says, less its -pthread, which
        // SwiftPM would warn about on every build); the module maps name the libraries to link.
        .systemLibrary(name: "CPangoCairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CQRencode", providers: [.apt(["libqrencode-dev"])]),
        .target(name: "JifenPDF", dependencies: ["JifenStatements", "CPangoCairo", "CQRencode"],
                swiftSettings: strict + [.unsafeFlags(pangoHeaders.flatMap { ["-Xcc", "-I" + $0] })]),
        // The program beside `jifen` that draws PDFs, so that only it loads pango and cairo.
        .executableTarget(name: "jifen-pdf", dependencies: ["JifenPDF", "JifenStatements"], swiftSettings: strict),
        // The one facade the CLI calls.
        .target(name: "Jifen", dependencies: ["JifenCore", "JifenStore", "JifenStatements"], swiftSettings: strict),
        // The demo village and the benchmark's generated counties: built through the facade, kept out of its product.
        .target(name: "JifenDemo", dependencies: ["Jifen", "JifenCore", "JifenStore"], swiftSettings: strict),
        .executableTarget(
            name: "jifen",
            dependencies: [
                "Jifen",
                "JifenDemo",
                "JifenStatements",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The benchmark suite (release builds): `swift run -c release jifen-bench`.
        .executableTarget(name: "jifen-bench", dependencies: ["jifen", "jifen-pdf", "JifenStore"], path: "Benchmarks/jifen-bench", swiftSettings: strict),
        // The test village and the core's rejection table, shared by the core's tests and the conformance suite.
        .target(name: "JifenTestSupport", dependencies: ["JifenCore"], path: "Tests/JifenTestSupport", swiftSettings: strict),
        .testTarget(name: "JifenCoreTests", dependencies: ["JifenCore", "JifenTestSupport"], swiftSettings: strict),
        .testTarget(name: "JifenStoreTests", dependencies: ["JifenStore", "Jifen", "JifenDemo"], swiftSettings: strict),
        // The conformance suite every store passes (memory and SQLite today).
        .testTarget(name: "JifenConformanceTests",
                    dependencies: ["Jifen", "JifenCore", "JifenStore", "JifenDemo", "JifenTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                                   .product(name: "Tagged", package: "swift-tagged")],
                    swiftSettings: strict),
        .testTarget(name: "JifenTests", dependencies: ["Jifen", "JifenDemo", "jifen", "jifen-pdf"], exclude: ["Fixtures", "Golden"], swiftSettings: strict),
    ]
)
