import Crypto
import Foundation

/// The repository's shipped example genconf/, found from this file's path.
private let exampleGenconf = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("genconf").path

/// A temporary directory holding a copy of the shipped example as `genconf/`; removed on deinit.
public final class Workspace: Sendable {
    public let root: String
    public var genconf: String { root + "/genconf" }
    public var serve: String { genconf + "/serve" }
    public var config: String { genconf + "/config.yaml" }

    public init(example: Bool = true) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("installer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        root = base.path
        if example {
            try FileManager.default.createDirectory(atPath: genconf, withIntermediateDirectories: true)
            for name in ["config.yaml", "ip-detect"] {
                try FileManager.default.copyItem(atPath: exampleGenconf + "/" + name, toPath: genconf + "/" + name)
            }
        } else {
            try FileManager.default.createDirectory(atPath: genconf, withIntermediateDirectories: true)
        }
    }

    deinit {
        _ = try? runProcess("/bin/chmod", ["-R", "u+rwX", root])
        try? FileManager.default.removeItem(atPath: root)
    }

    public func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    public func writeConfig(_ text: String) throws {
        try write(text, to: config)
    }

    public func appendConfig(_ text: String) throws {
        let old = try String(contentsOfFile: config, encoding: .utf8)
        try writeConfig(old + text)
    }

    /// Replaces the example's `bootstrap_url` line.
    public func replaceBootstrapURL(_ url: String) throws {
        let old = try String(contentsOfFile: config, encoding: .utf8)
        let lines = old.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix("bootstrap_url:") ? "bootstrap_url: \(url)" : String($0)
        }
        try writeConfig(lines.joined(separator: "\n"))
    }

    /// SHA-256 of every regular file under `directory`, keyed by relative path.
    public func digests(_ directory: String) throws -> [String: String] {
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

    public func entries(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }
}
