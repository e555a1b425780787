// swift-tools-version: 6.0
// Kruispunt: the ANPR data platform for Flemish local governments.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Kruispunt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kruispunt", targets: ["kruispunt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
    ],
    targets: [
        // C libraries through pkg-config.
        .systemLibrary(name: "CRaptor2", pkgConfig: "raptor2", providers: [.apt(["libraptor2-dev"])]),
        .systemLibrary(name: "CRasqal", pkgConfig: "rasqal", providers: [.apt(["librasqal3-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CProj", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),

        // One module per concern; dependencies point one way (see README, Architecture).
        .target(name: "KruispuntRDF", dependencies: ["CRaptor2"], swiftSettings: strict),
        .target(name: "KruispuntStore",
                dependencies: ["KruispuntRDF", "CLibpq", .product(name: "Logging", package: "swift-log"),
                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        .target(name: "KruispuntANPR",
                dependencies: ["KruispuntStore", "CZlib", "CProj", .product(name: "Logging", package: "swift-log"),
                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        .target(name: "KruispuntTreatment",
                dependencies: ["KruispuntANPR", "KruispuntRDF", "KruispuntStore",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        .target(name: "KruispuntPublishing", dependencies: ["KruispuntRDF", "KruispuntStore", "CZlib"],
                swiftSettings: strict),
        .target(name: "KruispuntSPARQL", dependencies: ["KruispuntRDF", "KruispuntStore", "CRasqal", "CRaptor2"],
                swiftSettings: strict),
        .target(name: "KruispuntDashboard", dependencies: ["KruispuntRDF", "KruispuntStore", "KruispuntSPARQL"],
                swiftSettings: strict),
        .target(name: "KruispuntServer",
                dependencies: ["KruispuntPublishing", "KruispuntDashboard", "KruispuntTreatment", "KruispuntSPARQL", "CZlib",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Metrics", package: "swift-metrics"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "JWTKit", package: "jwt-kit")],
                swiftSettings: strict),
        .executableTarget(name: "kruispunt",
                          dependencies: ["KruispuntServer",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),
        .executableTarget(name: "kruispunt-bench",
                          dependencies: ["KruispuntTreatment", "KruispuntANPR", "KruispuntStore", "KruispuntPublishing"],
                          path: "Benchmarks/kruispunt-bench", swiftSettings: strict),

        .testTarget(name: "KruispuntRDFTests", dependencies: ["KruispuntRDF"]),
        .testTarget(name: "KruispuntANPRTests", dependencies: ["KruispuntANPR"]),
        .testTarget(name: "KruispuntTreatmentTests", dependencies: ["KruispuntTreatment"]),
        .testTarget(name: "KruispuntStoreTests", dependencies: ["KruispuntStore", "KruispuntTreatment", "KruispuntPublishing"]),
        .testTarget(name: "KruispuntPublishingTests", dependencies: ["KruispuntPublishing"]),
        .testTarget(name: "KruispuntDashboardTests", dependencies: ["KruispuntDashboard"], swiftSettings: strict),
        .testTarget(name: "KruispuntSPARQLTests", dependencies: ["KruispuntSPARQL", "KruispuntStore"],
                    exclude: ["w3c-known-failures.txt"]),
        .testTarget(name: "KruispuntServerTests", dependencies: ["KruispuntServer",
                                                                .product(name: "HummingbirdTesting", package: "hummingbird")]),
    ],
    swiftLanguageModes: [.v6]
)
