// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "governance-platform",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "governance-api", targets: ["API"]),
        .executable(name: "governance-worker", targets: ["Worker"]),
        .executable(name: "governance-bench", targets: ["Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // C libraries, from Debian's -dev packages.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),

        // Infrastructure libraries.
        .target(name: "Pooling", dependencies: [
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Postgres", dependencies: [
            "CLibPQ", "Pooling",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Redis", dependencies: [
            "CHiredis", "Pooling",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Mail", dependencies: [
            "CCurl",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Ink", package: "Ink"),
        ]),
        .target(name: "Documents", dependencies: ["CCairo"]),
        .target(name: "Outbound", dependencies: ["CCurl", "Pooling"]),
        .target(name: "XMLStream", dependencies: ["CLibXML2"]),
        .target(
            name: "Domain",
            dependencies: [
                "Pooling", "Postgres", "Redis", "Mail", "Documents", "Outbound", "XMLStream", "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Migrations")]
        ),

        // The API executable.
        .executableTarget(
            name: "API",
            dependencies: [
                "Domain",
                "Postgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.embedInCode("openapi.yaml")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),

        // The worker: scheduler, job execution, and the executable around them.
        .target(name: "Beat", dependencies: [
            "Domain",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Consumer", dependencies: [
            "Domain",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "Worker", dependencies: [
            "Beat", "Consumer",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // Benchmarks run by scripts/bench.
        .executableTarget(name: "Bench", dependencies: [
            "Documents", "Domain",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),

        // Tests: real PostgreSQL, Redis and SMTP, started by scripts/test.
        .target(name: "TestSupport", dependencies: ["Domain"], path: "Tests/TestSupport"),
        .testTarget(name: "InfrastructureTests", dependencies: [
            "TestSupport", "Postgres", "Redis", "Mail", "Documents", "Outbound", "Domain",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "WorkerTests", dependencies: [
            "TestSupport", "Beat", "Consumer", "Domain",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "APITests", dependencies: [
            "TestSupport", "API", "Consumer",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "CSV", package: "CSV.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
