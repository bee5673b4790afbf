// swift-tools-version: 6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "dcos-installer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dcos_generate_config", targets: ["dcos_generate_config"]),
        .library(name: "InstallerConfig", targets: ["InstallerConfig"]),
        .library(name: "InstallerGenconf", targets: ["InstallerGenconf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // MARK: C libraries (system packages through pkg-config)
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Linux calls Swift's Glibc module lacks: renameat2(RENAME_EXCHANGE) and crypt(3) from libcrypt.
        .systemLibrary(name: "CLinux"),
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        // libyaml's event API, for InstallerConfig's YAML composer (the shipped binary needs no Foundation for YAML).
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // arc4random(3) for the static libraries the release links, so that it needs no glibc newer than 2.35.
        .target(name: "CGlibcCompat"),
        // libFuzzer's driver entry point, for ConfigFuzzer's fuzzing build (declaration only; nothing to link).
        .systemLibrary(name: "CFuzzer"),

        // MARK: Libraries, one job each
        // config.yaml → typed, validated configuration and derived values. Knows nothing of I/O beyond reading files
        // (bounded, through InstallerSystem's FileReader).
        .target(
            name: "InstallerConfig",
            dependencies: ["InstallerSystem", "CYAML"],
            swiftSettings: swiftSettings
        ),
        // The release in templates/: manifest and strict rendering of its Mustache-syntax templates.
        .target(
            name: "InstallerRender",
            dependencies: ["InstallerConfig", "InstallerSystem"],
            swiftSettings: swiftSettings
        ),
        // genconf/serve/manifest.json: one type that genconf writes and the actions, --serve and the web read.
        .target(
            name: "InstallerManifest",
            dependencies: ["InstallerConfig", "InstallerRender", "InstallerSystem"],
            swiftSettings: swiftSettings
        ),
        // Deterministic tar (ustar/pax) and gzip (zlib).
        .target(
            name: "InstallerArchive",
            dependencies: ["CZlib"],
            swiftSettings: swiftSettings
        ),
        // Operating-system facilities over CLinux: atomic directory swap, file locks, crypt(3), terminal input.
        .target(
            name: "InstallerSystem",
            dependencies: ["CLinux"],
            swiftSettings: swiftSettings
        ),
        // The genconf directory's keys and what they make: manifest signatures, node tokens, keyed digests;
        // the permission rules for files that hold secrets.
        .target(
            name: "InstallerTrust",
            dependencies: [
                "InstallerSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // genconf: validate, derive, render, bundle, write serve/ atomically.
        .target(
            name: "InstallerGenconf",
            dependencies: [
                "InstallerConfig", "InstallerRender", "InstallerArchive", "InstallerSystem", "InstallerTrust",
                "InstallerManifest",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The bootstrap HTTP server for genconf/serve.
        .target(
            name: "InstallerServe",
            dependencies: [
                "InstallerSystem", "InstallerTrust", "InstallerManifest", "InstallerRender",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SSH driver over libssh2.
        .target(
            name: "InstallerSSH",
            dependencies: [
                "CLibSSH2",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The cluster's nodes and their SSH targets from the validated config; --exec across them.
        .target(
            name: "InstallerCluster",
            dependencies: [
                "InstallerConfig", "InstallerRender", "InstallerSSH",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // The SSH actions: plans, deploy order and tolerance, run records and resume, output.
        .target(
            name: "InstallerActions",
            dependencies: [
                "InstallerCluster", "InstallerConfig", "InstallerRender", "InstallerSSH", "InstallerSystem",
                "InstallerManifest",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // --diagnostics: one tar.gz of node facts and journals and the bootstrap's run records, secrets removed.
        .target(
            name: "InstallerDiagnostics",
            dependencies: [
                "InstallerActions", "InstallerArchive", "InstallerCluster", "InstallerConfig", "InstallerRender",
                "InstallerSSH", "InstallerSystem",
            ],
            swiftSettings: swiftSettings
        ),

        // The web installer (--web): DC/OS 1.10's HTTP API over the same validation, actions and run records
        // as the CLI, sessions from a one-time login token, Server-Sent Events from a run's journal.
        .target(
            name: "InstallerWeb",
            dependencies: [
                "InstallerActions", "InstallerCluster", "InstallerConfig", "InstallerGenconf", "InstallerServe",
                "InstallerSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The thin executable
        .executableTarget(
            name: "dcos_generate_config",
            dependencies: [
                "InstallerConfig", "InstallerGenconf", "InstallerServe", "InstallerSSH", "InstallerSystem",
                "InstallerCluster",
                "InstallerActions", "InstallerRender", "InstallerTrust", "InstallerWeb", "InstallerManifest",
                "InstallerDiagnostics", "CGlibcCompat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Fuzzing
        // The libFuzzer target of the config path (scripts/fuzz); in the normal build, a replayer of its inputs.
        // Only config and render: it builds in seconds with the sanitizers, without NIO or libssh2.
        .executableTarget(
            name: "ConfigFuzzer",
            dependencies: ["InstallerConfig", "InstallerRender", "InstallerSystem", "CFuzzer"],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        // Helpers shared by the test targets: running processes with both pipes drained, holding a file lock.
        .target(
            name: "InstallerTestSupport",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/InstallerTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "InstallerConfigTests", dependencies: ["InstallerConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "InstallerRenderTests",
            dependencies: [
                "InstallerRender", "InstallerConfig", "InstallerTrust",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerManifestTests",
            dependencies: ["InstallerManifest", "InstallerConfig", "InstallerRender"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "InstallerArchiveTests", dependencies: ["InstallerArchive"], swiftSettings: swiftSettings),
        .testTarget(name: "InstallerSystemTests", dependencies: ["InstallerSystem"], swiftSettings: swiftSettings),
        .testTarget(
            name: "InstallerTrustTests",
            dependencies: ["InstallerTrust", "InstallerTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerGenconfTests",
            dependencies: [
                "InstallerGenconf", "InstallerConfig", "InstallerArchive", "InstallerRender", "InstallerTestSupport",
                "InstallerTrust",
                "InstallerManifest",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Golden")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerServeTests",
            dependencies: [
                "InstallerServe", "InstallerTestSupport", "InstallerTrust",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerSSHTests",
            dependencies: ["InstallerSSH", "InstallerTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerActionsTests",
            dependencies: [
                "InstallerActions", "InstallerCluster", "InstallerConfig", "InstallerRender", "InstallerSSH",
                "InstallerManifest", "InstallerTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerDiagnosticsTests",
            dependencies: ["InstallerDiagnostics", "InstallerConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "InstallerWebTests",
            dependencies: [
                "InstallerWeb", "InstallerActions", "InstallerConfig", "InstallerGenconf", "InstallerTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["InstallerTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
    ]
)
