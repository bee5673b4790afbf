import Foundation
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("--exec over SSH against a real sshd", .serialized, .stopsProcesses)
struct ExecTests {
    static func cluster(_ extra: String = "") async throws -> (Workspace, LoopbackSSHD) {
        let workspace = try Workspace()
        let sshd = try await LoopbackSSHD.start(workspace: workspace)
        try workspace.writeConfig(
            """
            cluster_name: exec-test
            bootstrap_url: http://127.0.0.1:8080
            master_discovery: static
            exhibitor_storage_backend: static
            master_list: [127.0.0.1]
            agent_list: [127.0.0.2]
            ssh_user: \(String(cString: getpwuid(getuid())!.pointee.pw_name))
            ssh_port: \(sshd.port)
            ssh_sudo: none
            \(extra)
            """
        )
        return (workspace, sshd)
    }

    @Test func runsOnEveryNodeWithHostPrefixes() async throws {
        let (workspace, sshd) = try await Self.cluster()
        let result = try runCLI(["--exec", "echo out-$((6*7)); echo err-line >&2"], directory: workspace.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("127.0.0.1:\(sshd.port) | out-42"))
        #expect(result.stdout.contains("127.0.0.2:\(sshd.port) | out-42"))
        #expect(result.stderr.contains("| err-line"))
        #expect(result.stderr.contains("2 of 2 nodes succeeded"))
        // accept-new recorded both host keys.
        let knownHosts = try String(contentsOfFile: workspace.genconf + "/known_hosts", encoding: .utf8)
        #expect(knownHosts.contains("[127.0.0.1]:\(sshd.port) ssh-ed25519"))
    }

    @Test func failingNodeGivesExitThreeAndAJSONReport() async throws {
        let (workspace, _) = try await Self.cluster()
        let result = try runCLI(["--exec", "echo before; exit 5", "--json"], directory: workspace.root)
        #expect(result.status == 3)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        #expect(report["command"] as? String != nil)
        let summary = try #require(report["summary"] as? [String: Int])
        #expect(summary == ["hosts": 2, "succeeded": 0, "failed": 2])
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["host"] as? String } == ["127.0.0.1", "127.0.0.2"])
        #expect(hosts.map { $0["role"] as? String } == ["master", "slave"])
        for host in hosts {
            #expect(host["status"] as? String == "failed")
            #expect((host["exit_status"] as? NSNumber)?.intValue == 5)
        }
    }

    @Test func roleAndHostsSelectNodes() async throws {
        let (workspace, sshd) = try await Self.cluster()
        let agents = try runCLI(["--exec", "echo hi", "--role", "slave"], directory: workspace.root)
        #expect(agents.status == 0)
        #expect(agents.stdout.contains("127.0.0.2:\(sshd.port) | hi"))
        #expect(!agents.stdout.contains("127.0.0.1:"))
        let unknown = try runCLI(["--exec", "true", "--hosts", "10.99.0.1"], directory: workspace.root)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("10.99.0.1"))
    }

    @Test func unreachableNodeIsClassifiedAndOthersContinue() async throws {
        let (workspace, sshd) = try await Self.cluster("ssh_host_overrides: {\"127.0.0.2\": {port: 1}}")
        let result = try runCLI(["--exec", "echo fine", "--json"], directory: workspace.root)
        #expect(result.status == 3)
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        #expect(hosts[0]["status"] as? String == "ok")
        #expect((hosts[0]["stdout"] as? String)?.contains("fine") == true)
        #expect(hosts[1]["status"] as? String == "unreachable")
        withExtendedLifetime(sshd) {}
    }

    @Test func rsaKeyIsRefusedBeforeConnecting() async throws {
        let (workspace, _) = try await Self.cluster()
        try FileManager.default.removeItem(atPath: workspace.genconf + "/ssh_key")
        try FileManager.default.removeItem(atPath: workspace.genconf + "/ssh_key.pub")
        _ = try runProcess(
            "/usr/bin/ssh-keygen",
            ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", workspace.genconf + "/ssh_key"]
        )
        let result = try runCLI(["--exec", "true"], directory: workspace.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("ssh_key_path"))
        #expect(result.stderr.contains("RSA"))
        #expect(result.stderr.contains("ed25519"))
    }

    @Test func unsupportedExtraOptionIsAConfigError() async throws {
        let (workspace, _) = try await Self.cluster("extra_ssh_options: -o StrictHostKeyChecking=no")
        let result = try runCLI(["--exec", "true"], directory: workspace.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("extra_ssh_options"))
        #expect(result.stderr.contains("StrictHostKeyChecking=no"))
    }

    @Test func invalidConfigStopsBeforeSSH() async throws {
        let (workspace, _) = try await Self.cluster("ssh_port: 0")
        let result = try runCLI(["--exec", "true"], directory: workspace.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("ssh_port"))
    }
}
