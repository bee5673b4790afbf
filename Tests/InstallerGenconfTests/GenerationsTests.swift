import Foundation
import InstallerConfig
import InstallerGenconf
import InstallerManifest
import InstallerTestSupport
import Testing

/// serve/ keeps earlier configurations (generations) beside the current one, so nodes that are not upgraded
/// yet, or are rolled back, can still fetch theirs.
@Suite("serve/ keeps earlier configurations")
struct GenerationsTests {
    /// Generates five configurations in a row (a different cluster name each), returning their results.
    private func generateSeries(_ workspace: Workspace, count: Int) async throws -> [GenconfResult] {
        var results: [GenconfResult] = []
        for index in 0..<count {
            if index > 0 {
                try workspace.replaceInConfig("cluster-\(index - 1)", with: "cluster-\(index)")
            } else {
                try workspace.replaceInConfig("example-cluster", with: "cluster-0")
            }
            results.append(try await generate(workspace))
        }
        return results
    }

    private func load(_ workspace: Workspace) throws -> ServeManifest {
        try ServeManifest.load(directory: workspace.serve).get()
    }

    @Test("The last three earlier configurations are kept, newest first; older ones are pruned with their files")
    func keepsThreeAndPrunes() async throws {
        let workspace = try Workspace()
        let results = try await generateSeries(workspace, count: 5)
        let manifest = try load(workspace)
        #expect(manifest.configID == results[4].configID)
        #expect(manifest.previousGenerations.map(\.configID) == [3, 2, 1].map { results[$0].configID })
        let kept = try workspace.entries(workspace.serve + "/generations")
        #expect(Set(kept) == Set(results[1...].map(\.configID)))
        // The bundles on disk are exactly those of the kept generations.
        let bundles = Set(try workspace.entries(workspace.serve + "/bundles").map { "bundles/" + $0 })
        #expect(bundles == Set(results[1...].flatMap { $0.bundles.map(\.path) }))
        for bundle in results[0].bundles {
            #expect(!FileManager.default.fileExists(atPath: workspace.serve + "/" + bundle.path))
        }
    }

    @Test("A kept generation is what was served: its manifest, signature, installer and files, byte for byte")
    func keptGenerationIsUnchanged() async throws {
        let workspace = try Workspace()
        try workspace.replaceInConfig("example-cluster", with: "cluster-0")
        let first = try await generate(workspace)
        let before = try workspace.digests(workspace.serve)
        try workspace.replaceInConfig("cluster-0", with: "cluster-1")
        let second = try await generate(workspace)
        #expect(first.configID != second.configID)
        let after = try workspace.digests(workspace.serve)
        let generation = "generations/\(first.configID)/"
        for name in ["manifest.json", "manifest.json.sig", "dcos_install.sh"] {
            #expect(after[generation + name] == before[name], "\(name)")
        }
        for bundle in first.bundles {
            #expect(after[bundle.path] == before[bundle.path], "\(bundle.path)")
        }
        // The kept manifest lists its own files: a node of that configuration finds every one.
        let old = try ServeManifest.load(directory: workspace.serve + "/" + generation).get()
        for (path, file) in old.files where path != "dcos_install.sh" {
            #expect(after[path] == file.sha256, "\(path)")
        }
    }

    @Test("Generating the served configuration again changes nothing")
    func sameConfigurationIsOneGeneration() async throws {
        let workspace = try Workspace()
        try workspace.replaceInConfig("example-cluster", with: "cluster-0")
        _ = try await generate(workspace)
        try workspace.replaceInConfig("cluster-0", with: "cluster-1")
        _ = try await generate(workspace)
        let before = try workspace.digests(workspace.serve)
        _ = try await generate(workspace)
        #expect(try workspace.digests(workspace.serve) == before)
        // Going back to the earlier configuration makes it current again; the other one is kept.
        try workspace.replaceInConfig("cluster-1", with: "cluster-0")
        let back = try await generate(workspace)
        let manifest = try load(workspace)
        #expect(manifest.configID == back.configID)
        #expect(manifest.previousGenerations.count == 1)
        #expect(manifest.previousGenerations[0].configID != back.configID)
    }

    @Test("A kept generation whose files were removed is dropped (a warning), the others stay")
    func damagedGenerationIsDropped() async throws {
        let workspace = try Workspace()
        let results = try await generateSeries(workspace, count: 3)
        // Remove one bundle of the oldest configuration.
        let victim = results[0].bundles[0].path
        try FileManager.default.removeItem(atPath: workspace.serve + "/" + victim)
        try workspace.replaceInConfig("cluster-2", with: "cluster-3")
        let last = try await generate(workspace)
        let manifest = try load(workspace)
        #expect(manifest.configID == last.configID)
        #expect(manifest.previousGenerations.map(\.configID) == [results[2].configID, results[1].configID])
    }

    @Test("--keep-generations 0: only the current configuration")
    func keepNone() async throws {
        let workspace = try Workspace()
        _ = try await generateSeries(workspace, count: 2)
        try workspace.replaceInConfig("cluster-1", with: "cluster-2")
        let last = try await generate(workspace, keepGenerations: 0)
        #expect(try workspace.entries(workspace.serve + "/generations") == [last.configID])
        #expect(try load(workspace).previousGenerations.isEmpty)
    }

    @Test("A serve/ written before generations existed is kept as the earlier generation")
    func olderLayoutIsKept() async throws {
        let workspace = try Workspace()
        try workspace.replaceInConfig("example-cluster", with: "cluster-0")
        let first = try await generate(workspace)
        try FileManager.default.removeItem(atPath: workspace.serve + "/generations")
        try workspace.replaceInConfig("cluster-0", with: "cluster-1")
        _ = try await generate(workspace)
        let manifest = try load(workspace)
        #expect(manifest.previousGenerations.map(\.configID) == [first.configID])
        #expect(
            FileManager.default.fileExists(atPath: workspace.serve + "/generations/\(first.configID)/dcos_install.sh")
        )
    }

    @Test("A failed genconf leaves serve/ and its generations as they were")
    func failureKeepsEverything() async throws {
        let workspace = try Workspace()
        _ = try await generateSeries(workspace, count: 2)
        let before = try workspace.digests(workspace.serve)
        try workspace.appendConfig("master_discovery: nonsense\n")
        #expect(await generateFailure(workspace) != nil)
        #expect(try workspace.digests(workspace.serve) == before)
    }
}
