import Crypto
import Foundation
import InstallerTestSupport
import Testing

/// Where the repository, the built binary and the release live, found from this file's path.
enum Repo {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The binary built with these tests (beside the test bundle, whatever the scratch path), else
    /// `.build/debug`'s.
    static let binary: String = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = bundle.appendingPathComponent("dcos_generate_config").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return root.appendingPathComponent(".build/debug/dcos_generate_config").path
    }()
    static let templates = root.appendingPathComponent("templates").path
    static let exampleGenconf = root.appendingPathComponent("genconf").path
}

/// Runs `dcos_generate_config` with the repository's templates unless the arguments name others.
func runCLI(_ arguments: [String], stdin: Data? = nil, directory: String? = nil) throws -> ProcessOutput {
    var arguments = arguments
    if !arguments.contains("--templates-dir") { arguments += ["--templates-dir", Repo.templates] }
    return try runProcess(Repo.binary, arguments, stdin: stdin, directory: directory)
}

/// Parses a JSON object from text.
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any])
}
