import Crypto
import Foundation
import InstallerArchive
import InstallerConfig
import InstallerGenconf
import InstallerRender
import InstallerTestSupport
import Logging
import Testing

/// Where the repository, the release and the shipped example live, found from this file's path.
enum Repo {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let templates = root.appendingPathComponent("templates").path
    static let exampleGenconf = root.appendingPathComponent("genconf").path
    static let golden = testsDirectory.appendingPathComponent("Golden").path
}

/// A temporary directory holding a copy of the shipped example as `genconf/`; removed on deinit.
final class Workspace {
    let root: String
    var genconf: String { root + "/genconf" }
    var serve: String { genconf + "/serve" }
    var config: String { genconf + "/config.yaml" }

    init(example: Bool = true) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("genconf-tests-\(UUID().uuidString)")
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

/// Runs genconf in-process on a workspace, with logs discarded.
func generate(_ workspace: Workspace, templates: String = Repo.templates) throws(GenconfError) -> GenconfResult {
    let options = GenconfOptions(genconfDirectory: workspace.genconf, templatesDirectory: templates)
    return try Genconf.run(options, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
}

/// Runs genconf and returns its error, or nil when it succeeded.
func generateFailure(_ workspace: Workspace, templates: String = Repo.templates) -> GenconfError? {
    do {
        _ = try generate(workspace, templates: templates)
        return nil
    } catch {
        return error
    }
}

func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
    SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
}

/// A bundle read back: its gzip bytes and its tar members.
struct ReadBundle {
    var path: String
    var bytes: [UInt8]
    var members: [TarReader.Member]

    init(path: String) throws {
        self.path = path
        bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        members = try TarReader.read(try gunzip(bytes, maxOutput: 256 << 20))
    }

    func member(_ path: String) -> TarReader.Member? { members.first { $0.path == path } }

    func text(_ path: String) -> String? { member(path)?.contents.map { String(decoding: $0, as: UTF8.self) } }

    /// The rendered files, keyed by their path on the node without the leading `/`.
    var files: [String: TarReader.Member] {
        var result: [String: TarReader.Member] = [:]
        for member in members where member.path.hasPrefix("files/") && member.contents != nil {
            result[String(member.path.dropFirst("files/".count))] = member
        }
        return result
    }
}

extension Workspace {
    /// The bundle file of each role, from the serve directory.
    func bundles(_ result: GenconfResult) throws -> [Role: ReadBundle] {
        var bundles: [Role: ReadBundle] = [:]
        for bundle in result.bundles { bundles[bundle.role] = try ReadBundle(path: serve + "/" + bundle.path) }
        return bundles
    }

    func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: serve + "/manifest.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func replaceInConfig(_ old: String, with new: String) throws {
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains(old))
        try writeConfig(text.replacingOccurrences(of: old, with: new))
    }
}
