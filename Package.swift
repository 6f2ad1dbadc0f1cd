// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// Where Debian keeps pango's, cairo's and glib's headers (glib's configuration header sits in a folder named for the
/// machine's architecture; both are listed, and a folder that is not there is ignored). They are what
/// `pkg-config --cflags pangocairo` says, less its `-pthread`: see CPangoCairo below for why they are written here.
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
        // The auditor's side, with no database: the export checker and signed checkpoints.
        .library(name: "JifenAudit", targets: ["JifenAudit"]),
        // The .xlsx reader and writer (for the fuzz target of Fuzz/).
        .library(name: "JifenXLSX", targets: ["JifenXLSX"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/pointfreeco/swift-tagged", from: "0.10.0"),
        // The server (`jifen-serve`) alone: Hummingbird 2 on SwiftNIO, and swift-log.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The server's pages: templates (swift-mustache) and the tally sheet's upload (multipart-kit).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // .xlsx in and out (`jifen-xlsx` alone): it writes the zip; reading checks every offset itself, over its zlib.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `jifen-sync` alone: the HTTP client a village pushes to its county with (on the SwiftNIO the server uses).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // The county's store (`JifenPostgres`) alone: PostgreSQL's wire protocol on SwiftNIO.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: no clock, no files, no database. The reference scheme and price list in seed/ are carried in
        // the code (`ReferenceSeed`): `.embedInCode` makes them byte arrays at build time, with no bundle to find at
        // run time, so a `jifen` binary copied alone to /usr/local/bin still has them. (A `.copy`/`.process` resource
        // would need `Bundle.module`, a folder beside the binary.) seed/ and schema/ stay at the package's root, where
        // people read and edit them; each file is named here.
        .target(
            name: "JifenCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Tagged", package: "swift-tagged"),
            ],
            resources: [.embedInCode("../../seed/reference-scheme.yaml"), .embedInCode("../../seed/price-list.csv")],
            swiftSettings: strict
        ),
        // What an auditor runs with no database: the export checker (`audit check`) and the signed checkpoint format.
        .target(
            name: "JifenAudit",
            dependencies: ["JifenCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The chain's SHA-256 in one call over one buffer, with the CPU's SHA extensions (`verify`'s hash of every event):
        // swift-crypto's costs a context allocated and freed and the message copied, for each (docs/PERFORMANCE.md).
        .target(name: "CJifenSHA256"),
        // The event store: hash chain, codec, SQLite through GRDB; the migrations of schema/, carried in the code
        // as seed/ is (`SchemaSQL`).
        .target(
            name: "JifenStore",
            dependencies: [
                "JifenCore",
                "JifenAudit",
                "CJifenSHA256",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tagged", package: "swift-tagged"),
            ],
            resources: [
                .embedInCode("../../schema/0001_event_log.sql"),
                .embedInCode("../../schema/0001_compact_log.sql"),
                .embedInCode("../../schema/0002_projections.sql"),
                .embedInCode("../../schema/0003_governance.sql"),
                .embedInCode("../../schema/0004_credentials.sql"),
                .embedInCode("../../schema/0005_household_cards.sql"),
                .embedInCode("../../schema/0006_review_states.sql"),
            ],
            swiftSettings: strict
        ),
        // A county's villages in one PostgreSQL database, each its own chain, behind the same store protocol (postgres-nio);
        // the schema of schema/postgres/, carried in the code as schema/ is. `jifen` does not link it, so that it starts
        // without SwiftNIO or PostgreSQL's client.
        // The county's reports: their figures (what a source of them answers), the joint units of several villages
        // ranked together, and the pictures drawn as SVG text. No database: PostgreSQL's county is a source of them.
        .target(name: "JifenReports", dependencies: ["JifenCore"], swiftSettings: strict),
        .target(
            name: "JifenPostgres",
            dependencies: [
                "JifenCore",
                "JifenStore",
                "JifenReports",
                // A village of the county as the server shows it (`PostgresVillage`): the facade's books and write path.
                "Jifen",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Tagged", package: "swift-tagged"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("../../schema/postgres/0001_county.sql"), .embedInCode("../../schema/postgres/0002_townships.sql"),
                        .embedInCode("../../schema/postgres/0003_sync_keys.sql"), .embedInCode("../../schema/postgres/0004_people.sql"),
                        .embedInCode("../../schema/postgres/0005_pinned_triggers.sql"),
                        .embedInCode("../../schema/postgres/0006_chain_by_statement.sql"),
                        .embedInCode("../../schema/postgres/0007_village_checked_by_the_chain.sql"),
                        .embedInCode("../../schema/postgres/0008_dates_checked_without_regular_expressions.sql"),
                        .embedInCode("../../schema/postgres/0009_text_compared_as_bytes.sql")],
            swiftSettings: strict
        ),
        // The county's append figure (scripts/bench-county): writers appending to many villages of a county at once.
        .executableTarget(name: "jifen-bench-county", dependencies: ["JifenPostgres", "Jifen", "JifenCore", "JifenStore"],
                          swiftSettings: strict),
        // Statements, passbooks and notice sheets: a model and its renderers; reads no storage.
        .target(name: "JifenStatements", dependencies: ["JifenCore"], swiftSettings: strict),
        // PDF: cairo and pango lay out and embed the Chinese font; libqrencode draws the verification QR code. The
        // module maps name the libraries to link. libqrencode's headers are found by pkg-config; pango's are not:
        // `pkgConfig: "pangocairo"` makes SwiftPM 6.3 print "warning: prohibited flag(s): -pthread" on every build
        // of this package, whatever is built (pango's private requirement gio-2.0 brings gmodule's `-pthread`, which
        // SwiftPM drops with that warning; nothing in the manifest or the module map can silence it). So JifenPDF
        // names Debian's header folders itself (`pangoHeaders`, above). Because of those `unsafeFlags` JifenPDF may
        // be in no product another package depends on (it is in none: `jifen-pdf` is a program of its own), and a
        // macOS build would need Homebrew's folders added to them.
        .systemLibrary(name: "CPangoCairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"]), .brew(["pango", "cairo"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"]), .brew(["qrencode"])]),
        .target(name: "JifenPDF", dependencies: ["JifenStatements", "CPangoCairo", "CQRencode"],
                swiftSettings: strict + [.unsafeFlags(pangoHeaders.flatMap { ["-Xcc", "-I" + $0] })]),
        // The program beside `jifen` that draws PDFs, so that only it loads pango and cairo.
        .executableTarget(name: "jifen-pdf", dependencies: ["JifenPDF", "JifenStatements"], swiftSettings: strict),
        // A spreadsheet as `jifen` hands it to `jifen-xlsx` and gets it back: a table to write, the cells read. No
        // dependencies, so that `jifen` links it without loading the zip and XML libraries.
        .target(name: "JifenSheets", swiftSettings: strict),
        // .xlsx files: the first sheet's cells read (its own zip reader over zlib, FoundationXML's XMLParser over libxml2),
        // a table written (ZIPFoundation). Only `jifen-xlsx` links it: loading libxml2 and its ICU costs a program's start
        // 2.2 M more instructions (docs/ARCHITECTURE.md), so `jifen` hands .xlsx files to `jifen-xlsx` as it hands PDFs
        // to `jifen-pdf`.
        .target(name: "JifenXLSX", dependencies: ["JifenSheets", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                swiftSettings: strict),
        .executableTarget(name: "jifen-xlsx", dependencies: ["JifenXLSX", "JifenSheets"], swiftSettings: strict),
        // The one facade the CLI calls.
        // Passwords are hashed here (bcrypt) and checked before a write; the hashes live in JifenStore's table.
        .target(name: "Jifen", dependencies: ["JifenCore", "JifenAudit", "JifenStore", "JifenStatements", "CXCrypt"],
                swiftSettings: strict),
        // Debian's libxcrypt: bcrypt for passwords.
        .systemLibrary(name: "CXCrypt", providers: [.apt(["libcrypt-dev"])]),
        // The demo village and the benchmark's generated counties: built through the facade, kept out of its product.
        .target(name: "JifenDemo", dependencies: ["Jifen", "JifenCore", "JifenStore"], swiftSettings: strict),
        .executableTarget(
            name: "jifen",
            dependencies: [
                "Jifen",
                "JifenAudit",
                "JifenDemo",
                "JifenStatements",
                "JifenSheets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The service: the JSON API, sessions and pages over the facade (Hummingbird 2). Only `jifen-serve` links it, so
        // that `jifen` itself starts without SwiftNIO; `jifen serve` hands over to `jifen-serve` as PDFs go to `jifen-pdf`.
        .target(
            name: "JifenServer",
            dependencies: [
                "Jifen",
                "JifenCore",
                "JifenStatements",
                // The county's sync server: the county's chains and the wire (JifenStore), its receipts (JifenAudit).
                "JifenStore",
                "JifenAudit",
                // The county's reports: what their source answers, and their pictures.
                "JifenReports",
                // Every village of a county's PostgreSQL database (`serve --postgres`).
                "JifenPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            // The pages' templates and their style sheet and script are carried in the code as api/openapi.yaml is.
            resources: [
                .embedInCode("../../api/openapi.yaml"),
                .embedInCode("../../api/county-openapi.yaml"),
                .embedInCode("Pages/layout.mustache"),
                .embedInCode("Pages/household.mustache"),
                .embedInCode("Pages/check.mustache"),
                .embedInCode("Pages/message.mustache"),
                .embedInCode("Pages/villages.mustache"),
                .embedInCode("Pages/login.mustache"),
                .embedInCode("Pages/clerk.mustache"),
                .embedInCode("Pages/review.mustache"),
                .embedInCode("Pages/shop.mustache"),
                .embedInCode("Pages/audit.mustache"),
                .embedInCode("Pages/notice.mustache"),
                .embedInCode("Pages/password.mustache"),
                .embedInCode("Pages/receipt.mustache"),
                .embedInCode("Pages/jifen.css"),
                .embedInCode("Pages/jifen.js"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "jifen-serve",
            dependencies: ["JifenServer", "Jifen", "JifenStore", "JifenAudit", "JifenPostgres", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // `jifen sync` and `jifen audit verify --against`: the county's sync client, a program of its own so that only it
        // links an HTTP client (`jifen` hands over to it as `jifen serve` does to `jifen-serve`).
        .executableTarget(
            name: "jifen-sync",
            dependencies: ["JifenStore", "JifenAudit", "JifenCore", "JifenTalk", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: strict
        ),
        // What jifen-sync and jifen-county say: one sentence in the user's language, and their refusals.
        .target(name: "JifenTalk", swiftSettings: strict),
        // `jifen county … --postgres`: the county's PostgreSQL database (its key, villages, sync keys, heads) and a village's
        // file loaded into it; a program of its own so that only it links PostgreSQL's client (`jifen` hands over to it).
        .executableTarget(
            name: "jifen-county",
            dependencies: ["Jifen", "JifenPostgres", "JifenStore", "JifenAudit", "JifenTalk",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // The test village and the core's rejection table, shared by the core's tests and the conformance suite.
        .target(name: "JifenTestSupport", dependencies: ["JifenCore"], path: "Tests/JifenTestSupport", swiftSettings: strict),
        // A throwaway PostgreSQL cluster for the tests of any target that needs one.
        .target(name: "JifenPostgresTestSupport", dependencies: ["JifenPostgres"], path: "Tests/JifenPostgresTestSupport",
                swiftSettings: strict),
        .testTarget(name: "JifenCoreTests", dependencies: ["JifenCore", "JifenTestSupport"], swiftSettings: strict),
        .testTarget(name: "JifenAuditTests", dependencies: ["JifenAudit", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "JifenStoreTests", dependencies: ["JifenStore", "JifenAudit", "Jifen", "JifenDemo"], swiftSettings: strict),
        // The conformance suite every store passes (memory, SQLite and PostgreSQL), and what only PostgreSQL has.
        .testTarget(name: "JifenConformanceTests",
                    dependencies: ["Jifen", "JifenCore", "JifenStore", "JifenPostgres", "JifenDemo", "JifenTestSupport", "JifenPostgresTestSupport",
                                   .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
                                   .product(name: "Tagged", package: "swift-tagged")],
                    swiftSettings: strict),
        // The county's reports over PostgreSQL against each village's own reads, and their pictures.
        .testTarget(name: "JifenReportsTests",
                    dependencies: ["JifenReports", "JifenPostgres", "JifenPostgresTestSupport", "Jifen", "JifenCore", "JifenStore", "JifenDemo"],
                    exclude: ["Golden"], swiftSettings: strict),
        .testTarget(name: "JifenServerTests",
                    dependencies: ["JifenServer", "Jifen", "JifenCore", "JifenDemo", "JifenTestSupport",
                                   // The county's report routes and every village of a county, over a county database in a
                                   // throwaway cluster.
                                   "JifenReports", "JifenPostgres", "JifenPostgresTestSupport",
                                   .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Yams", package: "Yams"),
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: strict),
        // (jifen-serve, jifen-sync and jifen-county: the sync tests run them beside jifen, against a county folder and a
        // county database on the throwaway cluster.)
        .testTarget(name: "JifenTests", dependencies: ["Jifen", "JifenAudit", "JifenDemo", "jifen", "jifen-pdf", "jifen-serve", "jifen-sync",
                                                      "jifen-county", "jifen-xlsx", "JifenXLSX", "JifenSheets", "JifenPostgresTestSupport",
                                                      .product(name: "ZIPFoundation", package: "ZIPFoundation")], exclude: ["Fixtures", "Golden"], swiftSettings: strict),
    ]
)
