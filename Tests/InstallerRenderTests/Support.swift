import Crypto
import Foundation
import InstallerConfig
import InstallerRender
import InstallerTrust
import Testing

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A temporary directory removed when the value is dropped by the test.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "InstallerRenderTests-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` at `relative`, creating directories.
    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// A small release in a temporary directory: a manifest and its templates.
func fixtureRelease(manifest: String, templates: [String: String]) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try directory.write("manifest.yaml", manifest)
    for (name, text) in templates { try directory.write(name, text) }
    return directory
}

/// The errors `body` throws, or a test failure when it throws none.
func renderErrors(_ body: () throws(RenderErrors) -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> [RenderError]
{
    do {
        try body()
    } catch {
        return error.errors
    }
    Issue.record("Expected release errors, got none.", sourceLocation: sourceLocation)
    return []
}

enum ShippedConfig {
    static let configID = "0123456789abcdef0123456789abcdef01234567"

    /// Template values computed from the shipped genconf/config.yaml, plus the release values genconf adds.
    static func values() throws -> [String: TemplateValue] {
        let loaded = ConfigDocument.load(path: repositoryRoot + "/genconf/config.yaml")
        let document = try #require(loaded.document, "genconf/config.yaml: \(loaded.diagnostics)")
        let result = ConfigValidator(document: document, stage: .genconf, baseDirectory: repositoryRoot).validate()
        let config = try #require(result.config, "genconf/config.yaml is invalid: \(result.diagnostics)")
        var values = DerivedValues.compute(config).mapValues(TemplateValue.init)
        values["config_id"] = .string(configID)
        values["release_name"] = .string("dcos")
        values["release_version"] = .string("1.11.0")
        return values
    }
}

/// The result of running a program.
struct ProgramResult {
    var status: Int32
    var output: String
}

/// Runs `arguments[0]` (searched in PATH) and collects stdout and stderr together.
func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProgramResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProgramResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// Whether a program is installed (for tests that need shellcheck).
func isInstalled(_ program: String) -> Bool {
    ((try? run(["sh", "-c", "command -v \(program)"]))?.status ?? 1) == 0
}

/// The signing key of the installers these tests render (one per test process), and the signed manifest.json
/// genconf would write for a hand-made serve/ directory: `config_id` and a `SHA256 SIZE PATH` line per file.
enum TestSigning {
    private static let home = FileManager.default.temporaryDirectory.appendingPathComponent(
        "InstallerRenderTests-keys-\(getpid())"
    ).path
    static let keys: GenconfKeys = {
        // Removed by the first test process that runs after this one is gone: small, and 0600.
        try! GenconfKeys.loadOrCreate(genconfDirectory: home).keys
    }()

    /// Writes serve/manifest.json (listing every file under serve/, plus `extra` lines) and its signature.
    static func sign(_ directory: TemporaryDirectory, configID: String = ShippedConfig.configID, extra: [String] = [])
        throws
    {
        let serve = directory.path + "/serve"
        try FileManager.default.createDirectory(atPath: serve, withIntermediateDirectories: true)
        var sums = extra
        let names = (FileManager.default.enumerator(atPath: serve)?.allObjects as? [String] ?? []).sorted()
        for name in names where !name.hasPrefix("manifest") && !name.hasPrefix("generations") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: serve + "/" + name, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: serve + "/" + name))
            sums.append("\(sha256Hex(data)) \(data.count) \(name)")
        }
        let manifest =
            "{\n  \"config_id\": \"\(configID)\",\n  \"sums\": [\n"
            + sums.map { "    \"\($0)\"" }.joined(separator: ",\n") + "\n  ]\n}\n"
        // At the top (what the server serves now) and as the configuration's generation (what install reads).
        let generation = "generations/\(configID)"
        try FileManager.default.createDirectory(atPath: serve + "/" + generation, withIntermediateDirectories: true)
        for prefix in ["serve/", "serve/\(generation)/"] {
            try directory.write(prefix + "manifest.json", manifest)
            try Data(keys.sign(Array(manifest.utf8))).write(
                to: URL(fileURLWithPath: directory.path + "/" + prefix + "manifest.json.sig")
            )
        }
    }

    /// serve/'s path of the manifest dcos_install.sh verifies before it installs: its configuration's generation.
    static func installManifest(configID: String = ShippedConfig.configID) -> String {
        "serve/generations/\(configID)/manifest.json"
    }

    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
