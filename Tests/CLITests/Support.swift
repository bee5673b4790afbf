import Crypto
import Foundation
import InstallerTestSupport
import Testing

/// Where the repository, the built binary and the release live, found from this file's path.
enum Repo {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/dcos_generate_config").path
    static let templates = root.appendingPathComponent("templates").path
    static let exampleGenconf = root.appendingPathComponent("genconf").path
}

/// Runs `dcos_generate_config` with the repository's templates unless the arguments name others.
func runCLI(_ arguments: [String], stdin: Data? = nil, directory: String? = nil) throws -> ProcessOutput {
    var arguments = arguments
    if !arguments.contains("--templates-dir") { arguments += ["--templates-dir", Repo.templates] }
    return try runProcess(Repo.binary, arguments, stdin: stdin, directory: directory)
}

/// A temporary directory holding a copy of the shipped example as `genconf/`; removed on deinit.
final class Workspace {
    let root: String
    var genconf: String { root + "/genconf" }
    var serve: String { genconf + "/serve" }
    var config: String { genconf + "/config.yaml" }

    init(example: Bool = true) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        root = base.path
        if example {
            try FileManager.default.createDirectory(atPath: genconf, withIntermediateDirectories: true)
            for name in ["config.yaml", "ip-detect"] {
                try FileManager.default.copyItem(atPath: Repo.exampleGenconf + "/" + name, toPath: genconf + "/" + name)
            }
        } else {
            try FileManager.default.createDirectory(atPath: genconf, withIntermediateDirectories: true)
        }
    }

    deinit {
        _ = try? runProcess("/bin/chmod", ["-R", "u+rwX", root])
        try? FileManager.default.removeItem(atPath: root)
    }

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func writeConfig(_ text: String) throws {
        try write(text, to: config)
    }

    func appendConfig(_ text: String) throws {
        let old = try String(contentsOfFile: config, encoding: .utf8)
        try writeConfig(old + text)
    }

    /// SHA-256 of every regular file under `directory`, keyed by relative path.
    func digests(_ directory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            result[relative] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        return result
    }

    func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}

/// Parses a JSON object from text.
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any])
}
