import Foundation
import InstallerConfig
import InstallerRender
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

extension TemplateValue {
    /// Converts a derived value: numbers become text, null the empty text.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .string("")
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .string(String(number))
        case .double(let number): self = .string(String(number))
        case .string(let text): self = .string(text)
        case .array(let items): self = .list(items.map(TemplateValue.init))
        case .object(let members): self = .object(members.mapValues(TemplateValue.init))
        }
    }
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
