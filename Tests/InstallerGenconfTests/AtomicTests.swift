import Foundation
import InstallerConfig
import InstallerGenconf
import InstallerTestSupport
import Testing

@Suite("serve/ is replaced atomically")
struct AtomicTests {
    func noStagingLeft(_ workspace: Workspace) throws -> Bool {
        try workspace.entries(workspace.genconf).allSatisfy { !$0.hasPrefix("serve.tmp-") && !$0.hasSuffix(".old") }
    }

    @Test func invalidConfigLeavesServeUntouched() async throws {
        let workspace = try Workspace()
        _ = try await generate(workspace)
        let before = try workspace.digests(workspace.serve)
        try workspace.replaceInConfig("  - 198.18.0.12\n", with: "  - 198.18.0.300\n")
        let error = try #require(await generateFailure(workspace))
        guard case .invalidConfig(let diagnostics, _) = error else {
            Issue.record("expected invalidConfig, got \(error)")
            return
        }
        #expect(diagnostics.contains { $0.key == "master_list" })
        #expect(try workspace.digests(workspace.serve) == before)
        #expect(try noStagingLeft(workspace))
    }

    @Test func brokenTemplateLeavesServeUntouched() async throws {
        let workspace = try Workspace()
        _ = try await generate(workspace)
        let before = try workspace.digests(workspace.serve)
        let templates = workspace.root + "/templates"
        try FileManager.default.copyItem(atPath: Repo.templates, toPath: templates)
        let target = templates + "/etc/master_count"
        let text = try String(contentsOfFile: target, encoding: .utf8)
        try workspace.write(text + "{{no_such_value_anywhere}}\n", to: target)
        let error = try #require(await generateFailure(workspace, templates: templates))
        guard case .release = error else {
            Issue.record("expected a release error, got \(error)")
            return
        }
        #expect(error.description.contains("no_such_value_anywhere"))
        #expect(try workspace.digests(workspace.serve) == before)
        #expect(try noStagingLeft(workspace))
    }

    @Test func leftoverStagingDirectoryIsRemoved() async throws {
        let workspace = try Workspace()
        for name in ["serve.tmp-999999", "serve.tmp-1"] {
            let leftover = workspace.genconf + "/" + name
            try FileManager.default.createDirectory(atPath: leftover + "/bundles", withIntermediateDirectories: true)
            try workspace.write("half written\n", to: leftover + "/bundles/master--0.tar.gz")
        }
        _ = try await generate(workspace)
        #expect(try noStagingLeft(workspace))
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/manifest.json"))
    }

    @Test func concurrentRunFailsWhileTheLockIsHeld() async throws {
        let workspace = try Workspace()
        _ = try await generate(workspace)
        let before = try workspace.digests(workspace.serve)
        try workspace.replaceInConfig("dns_search: cluster.example", with: "dns_search: other.example")
        let lockPath = workspace.genconf + "/.genconf.lock"
        let holder = try LockHolder(path: lockPath)
        let error = await generateFailure(workspace)
        holder.release()
        guard case .busy(let message)? = error else {
            Issue.record("expected busy, got \(String(describing: error))")
            return
        }
        #expect(message.contains(lockPath))
        #expect(try workspace.digests(workspace.serve) == before)
        #expect(try noStagingLeft(workspace))
        // Once the other run is done, genconf works again.
        _ = try await generate(workspace)
        #expect(try workspace.digests(workspace.serve) != before)
    }

    @Test func serveIsReplacedAsAWhole() async throws {
        let workspace = try Workspace()
        _ = try await generate(workspace)
        try workspace.write("stray\n", to: workspace.serve + "/stray-file")
        _ = try await generate(workspace)
        #expect(!FileManager.default.fileExists(atPath: workspace.serve + "/stray-file"))
        #expect(try noStagingLeft(workspace))
    }
}
