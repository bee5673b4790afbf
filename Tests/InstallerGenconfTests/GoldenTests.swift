import Foundation
import InstallerArchive
import InstallerRender
import InstallerTestSupport
import Testing

/// The rendered files of each role for the shipped example, compared with `Golden/<role>/<path>`.
/// Regenerate with `UPDATE_GOLDEN=1 swift test --filter InstallerGenconfTests.GoldenTests`.
@Suite("Golden files of the shipped example")
struct GoldenTests {
    static let updating = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"

    /// Relative paths of the regular files under `directory`.
    func goldenFiles(_ directory: String) -> Set<String> {
        var result: Set<String> = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                result.insert(relative)
            }
        }
        return result
    }

    @Test(arguments: Role.allCases)
    func renderedFilesMatchTheGoldens(role: Role) async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        let bundle = try #require(try workspace.bundles(result)[role])
        let files = bundle.files
        #expect(!files.isEmpty)
        let directory = Repo.golden + "/" + role.rawValue

        if Self.updating {
            try? FileManager.default.removeItem(atPath: directory)
            for (path, member) in files {
                let url = URL(fileURLWithPath: directory + "/" + path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                try Data(member.contents ?? []).write(to: url)
            }
        }

        let golden = goldenFiles(directory)
        try #require(
            !golden.isEmpty,
            "No goldens for \(role); run UPDATE_GOLDEN=1 swift test --filter InstallerGenconfTests.GoldenTests"
        )
        #expect(golden.subtracting(files.keys).isEmpty, "\(role): goldens without a rendered file")
        #expect(Set(files.keys).subtracting(golden).isEmpty, "\(role): rendered files without a golden")
        for (path, member) in files.sorted(by: { $0.key < $1.key }) where golden.contains(path) {
            let expected = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + path))
            let actual = Data(member.contents ?? [])
            #expect(
                actual == expected,
                "\(role)/\(path) differs from its golden:\n\(String(decoding: actual, as: UTF8.self))"
            )
        }
    }
}
