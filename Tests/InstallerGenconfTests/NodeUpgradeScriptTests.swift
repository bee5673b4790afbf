import Foundation
import InstallerConfig
import InstallerGenconf
import InstallerManifest
import InstallerTestSupport
import Logging
import Testing

@Suite("--generate-node-upgrade-script")
struct NodeUpgradeScriptTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func options(_ workspace: Workspace) -> GenconfOptions {
        GenconfOptions(genconfDirectory: workspace.genconf, templatesDirectory: Repo.templates)
    }

    @Test("Writes serve/upgrade/<id>/dcos_node_upgrade.sh pinning this configuration's installer; a valid script")
    func writes() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        let written = try NodeUpgradeScript.write(options(workspace), installedVersion: "1.10.4", logger: logger)
        #expect(written.path == workspace.serve + "/upgrade/\(result.configID)/dcos_node_upgrade.sh")
        #expect(written.url == "http://198.18.0.1:8080/upgrade/\(result.configID)/dcos_node_upgrade.sh")
        let script = try String(contentsOfFile: written.path, encoding: .utf8)
        #expect(script.contains("readonly FROM_VERSION='1.10.4'"))
        #expect(script.contains("readonly CONFIG_ID='\(result.configID)'"))
        #expect(script.contains("readonly INSTALLER='generations/\(result.configID)/dcos_install.sh'"))
        #expect(script.contains("readonly INSTALLER_SHA256='\(result.installScriptSHA256)'"))
        let mode = try FileManager.default.attributesOfItem(atPath: written.path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        let syntax = try await runOffThePool("/bin/bash", ["-n", written.path])
        #expect(syntax.status == 0, "\(syntax.stderr)")
    }

    @Test("Kept by --genconf while its configuration is kept, removed with it")
    func keptWithItsGeneration() async throws {
        let workspace = try Workspace()
        let first = try await generate(workspace)
        let written = try NodeUpgradeScript.write(options(workspace), installedVersion: "1.11.0", logger: logger)
        try workspace.replaceInConfig("example-cluster", with: "cluster-1")
        _ = try await generate(workspace)
        #expect(FileManager.default.fileExists(atPath: written.path))
        try workspace.replaceInConfig("cluster-1", with: "cluster-2")
        _ = try await generate(workspace, keepGenerations: 0)
        #expect(!FileManager.default.fileExists(atPath: written.path))
        #expect(!FileManager.default.fileExists(atPath: workspace.serve + "/upgrade/\(first.configID)"))
    }

    @Test("Refused with what to do: no serve/, config.yaml newer than serve/, a version that is not one")
    func refusals() async throws {
        let workspace = try Workspace()
        #expect(throws: GenconfError.self) {
            try NodeUpgradeScript.write(options(workspace), installedVersion: "1.11.0", logger: logger)
        }
        _ = try await generate(workspace)
        do {
            _ = try NodeUpgradeScript.write(options(workspace), installedVersion: "1.11.0; rm -rf /", logger: logger)
            Issue.record("a version with a command was accepted")
        } catch {
            #expect(error.description.contains("is not a DC/OS version"), "\(error)")
        }
        // config.yaml changed after serve/ was written.
        try await Task.sleep(for: .milliseconds(20))
        try workspace.appendConfig("# changed\n")
        do {
            _ = try NodeUpgradeScript.write(options(workspace), installedVersion: "1.11.0", logger: logger)
            Issue.record("a stale serve/ was accepted")
        } catch {
            #expect(error.description.contains("run dcos_generate_config --genconf first"), "\(error)")
        }
    }
}
