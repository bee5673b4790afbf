// swift-tools-version: 6.0
// A small stand-alone package over the same sources as the root package's InstallerSSH target
// (symlinked), so the SSH driver's tests and the fan-out benchmark runner build in seconds without
// the rest of the installer's dependency graph. Used by scripts/bench-fanout.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ssh-harness",
    dependencies: [.package(path: "../../.build/checkouts/swift-log")],
    targets: [
        .systemLibrary(name: "CLibSSH2", path: "Sources/CLibSSH2", pkgConfig: "libssh2"),
        .target(
            name: "InstallerSSH",
            dependencies: ["CLibSSH2", .product(name: "Logging", package: "swift-log")],
            path: "Sources/InstallerSSH",
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "ssh-fanout", dependencies: ["InstallerSSH"], swiftSettings: swiftSettings),
        .testTarget(
            name: "InstallerSSHTests",
            dependencies: ["InstallerSSH"],
            path: "Tests/InstallerSSHTests",
            swiftSettings: swiftSettings
        ),
    ]
)
