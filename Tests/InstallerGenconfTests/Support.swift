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

/// Runs genconf in-process on a workspace, with logs discarded.
func generate(
    _ workspace: Workspace,
    templates: String = Repo.templates,
    keepGenerations: Int = GenconfOptions.defaultKeepGenerations
) async throws(GenconfError) -> GenconfResult {
    let options = GenconfOptions(
        genconfDirectory: workspace.genconf,
        templatesDirectory: templates,
        keepGenerations: keepGenerations
    )
    return try await Genconf.run(options, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
}

/// Runs genconf and returns its error, or nil when it succeeded.
func generateFailure(_ workspace: Workspace, templates: String = Repo.templates) async -> GenconfError? {
    do {
        _ = try await generate(workspace, templates: templates)
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
