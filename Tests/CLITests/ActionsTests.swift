import Foundation
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A cluster of loopback "nodes" served by one real sshd, with the fake node installer
/// (Tests/FakeNode/fake_dcos_install.sh, a test double of dcos_install.sh) in genconf/serve/.
final class FakeCluster {
    let workspace: Workspace
    let sshd: LoopbackSSHD
    var state: String { workspace.root + "/nodes" }
    var bootstrap: String { workspace.root + "/bootstrap" }
    var remote: String { workspace.root + "/remote" }

    static let master = "127.0.0.1"
    static let agents = ["127.0.0.2", "127.0.0.3"]
    static let publicAgent = "127.0.0.4"
    static let all = [master] + agents + [publicAgent]

    init(_ extra: String = "", bootstrapURL: String? = nil) async throws {
        workspace = try Workspace()
        sshd = try await LoopbackSSHD.start(workspace: workspace, addresses: Self.all)
        for directory in [state, bootstrap, remote] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let base = """
            cluster_name: fake-cluster
            bootstrap_url: \(bootstrapURL ?? "file://" + bootstrap)
            master_discovery: static
            exhibitor_storage_backend: static
            master_list: [\(Self.master)]
            agent_list: [\(Self.agents.joined(separator: ", "))]
            public_agent_list: [\(Self.publicAgent)]
            ssh_user: \(String(cString: getpwuid(getuid())!.pointee.pw_name))
            ssh_port: \(sshd.port)
            ssh_sudo: none
            postflight_timeout: 30
            """
        // A key in `extra` replaces the base line with that key.
        let overridden = Set(
            extra.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) }
        )
        let kept = base.split(separator: "\n").filter { line in
            !overridden.contains(line.split(separator: ":").first.map(String.init) ?? "")
        }
        try workspace.writeConfig((kept.map(String.init) + [extra]).joined(separator: "\n") + "\n")
        let generated = try runCLI(["--genconf"], directory: workspace.root)
        try #require(generated.status == 0, "genconf failed: \(generated.stderr)")
        try installFakeNode(bootstrapDirectory: bootstrapURL == nil ? bootstrap : "")
    }

    /// `--genconf` again (after config.yaml changed), with the test double put back in serve/.
    func regenerate() throws {
        let generated = try runCLI(["--genconf"], directory: workspace.root)
        try #require(generated.status == 0, "genconf failed: \(generated.stderr)")
        try installFakeNode(bootstrapDirectory: bootstrap)
    }

    /// Puts the test double in serve/ and records its SHA-256 in manifest.json, as genconf would.
    private func installFakeNode(bootstrapDirectory: String) throws {
        let template = try String(
            contentsOfFile: Repo.root.appendingPathComponent("Tests/FakeNode/fake_dcos_install.sh").path,
            encoding: .utf8
        )
        let script = template.replacing("@STATE_ROOT@", with: state).replacing(
            "@BOOTSTRAP_DIR@",
            with: bootstrapDirectory
        )
        let path = workspace.serve + "/dcos_install.sh"
        try FileManager.default.removeItem(atPath: path)
        try workspace.write(script, to: path)
        let manifestPath = workspace.serve + "/manifest.json"
        var manifest = try jsonObject(String(contentsOfFile: manifestPath, encoding: .utf8))
        var files = try #require(manifest["files"] as? [String: Any])
        files["dcos_install.sh"] = ["sha256": try workspace.digests(workspace.serve)["dcos_install.sh"]!, "size": 0]
        manifest["files"] = files
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: manifestPath))
    }

    func tell(_ host: String, _ file: String, _ value: String) throws {
        try FileManager.default.createDirectory(atPath: state + "/" + host, withIntermediateDirectories: true)
        try workspace.write(value, to: state + "/" + host + "/" + file)
    }

    func forget(_ host: String, _ file: String) {
        try? FileManager.default.removeItem(atPath: state + "/" + host + "/" + file)
    }

    /// `(event, time)` lines the fake wrote for `host`.
    func events(_ host: String) -> [(String, Double)] {
        guard let text = try? String(contentsOfFile: state + "/" + host + "/events", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let time = Double(parts[1]) else { return nil }
            return (String(parts[0]), time)
        }
    }

    func time(_ host: String, _ event: String) -> Double? {
        events(host).last { $0.0 == event }?.1
    }

    func run(_ arguments: [String], stdin: Data? = nil) throws -> ProcessOutput {
        var environment = ProcessInfo.processInfo.environment
        environment["DCOS_INSTALL_REMOTE_DIR"] = remote
        var arguments = arguments
        if !arguments.contains("--templates-dir") { arguments += ["--templates-dir", Repo.templates] }
        return try runProcess(
            Repo.binary,
            arguments,
            stdin: stdin,
            directory: workspace.root,
            environment: environment
        )
    }

    func address(_ host: String) -> String { "\(host):\(sshd.port)" }
}

/// `hosts` of a report, by host.
func hostsByName(_ report: [String: Any]) throws -> [String: [String: Any]] {
    let hosts = try #require(report["hosts"] as? [[String: Any]])
    var result: [String: [String: Any]] = [:]
    for host in hosts { result[try #require(host["host"] as? String)] = host }
    return result
}

@Suite("SSH actions against a real sshd and the fake node installer", .serialized, .stopsProcesses)
struct ActionsTests {
    @Test("--status: every node converged and healthy exits 0; a changed file on one node exits 3 and names it")
    func status() async throws {
        let cluster = try await FakeCluster("")
        var result = try cluster.run(["--status", "--json"])
        #expect(result.status == 3, "\(result.stderr)")  // nothing installed yet
        #expect(try cluster.run(["--deploy", "--json"]).status == 0)
        result = try cluster.run(["--status", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        var report = try jsonObject(result.stdout)
        #expect(report["action"] as? String == "status")
        try cluster.tell(FakeCluster.master, "verify", "changed")
        result = try cluster.run(["--status"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("changed: /opt/mesosphere/etc/dns_config"), "\(result.stdout)")
        result = try cluster.run(["--status", "--json"])
        report = try jsonObject(result.stdout)
        let hosts = try hostsByName(report)
        #expect(hosts[FakeCluster.master]?["status"] as? String == "failed")
        #expect(
            FakeCluster.all.filter { $0 != FakeCluster.master }.allSatisfy { hosts[$0]?["status"] as? String == "ok" }
        )
    }

    @Test(
        "--repair fixes only the node that is not converged; --deploy leaves installed nodes alone; a node dropped from config.yaml is listed by --status until --decommission removes it"
    )
    func repairScaleOutAndDecommission() async throws {
        let cluster = try await FakeCluster("")
        #expect(try cluster.run(["--deploy", "--json"]).status == 0)
        try cluster.tell(FakeCluster.agents[0], "verify", "changed")
        var result = try cluster.run(["--repair", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        var hosts = try hostsByName(try jsonObject(result.stdout))
        #expect(hosts[FakeCluster.agents[0]]?["node_result"] as? String == "repaired", "\(hosts)")
        for host in FakeCluster.all where host != FakeCluster.agents[0] {
            #expect(hosts[host]?["message"] as? String == "converged and healthy; not touched", "\(hosts[host] ?? [:])")
        }
        #expect(cluster.events(FakeCluster.agents[0]).contains { $0.0 == "repair-start" })
        #expect(!cluster.events(FakeCluster.master).contains { $0.0 == "repair-start" })
        #expect(try cluster.run(["--status"]).status == 0)

        // Scale out (the fake node keeps its record where the probe does not look, so the deploy runs
        // again: the fake's install of the same configuration says "unchanged").
        result = try cluster.run(["--deploy", "--json"])
        #expect(result.status == 0, "\(result.stderr)")

        // Drop an agent from config.yaml: --status lists it, --decommission takes it out.
        let dropped = FakeCluster.agents[1]
        let config = try String(contentsOfFile: cluster.workspace.config, encoding: .utf8)
        try cluster.workspace.writeConfig(config.replacingOccurrences(of: ", \(dropped)]", with: "]"))
        try cluster.regenerate()
        result = try cluster.run(["--status", "--json"])
        #expect(result.status == 3, "\(result.stderr)")
        hosts = try hostsByName(try jsonObject(result.stdout))
        #expect((hosts[dropped]?["error"] as? [String: Any])?["class"] as? String == "not_in_config")
        let listed = hosts[dropped]?["message"] as? String ?? ""
        #expect(listed.contains("--decommission \(dropped)"), "\(listed)")

        result = try cluster.run(["--decommission", dropped], stdin: Data("wrong\n".utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("Not confirmed"), "\(result.stderr)")
        result = try cluster.run(["--decommission", dropped, "--json"], stdin: Data("\(dropped)\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        hosts = try hostsByName(try jsonObject(result.stdout))
        let decommissioned = hosts[dropped]?["message"] as? String ?? ""
        #expect(decommissioned.contains("now remove \(dropped) from agent_list"), "\(decommissioned)")
        result = try cluster.run(["--status", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try hostsByName(try jsonObject(result.stdout))[dropped] == nil)

        // A master cannot be decommissioned under static discovery.
        result = try cluster.run(["--decommission", FakeCluster.master, "--yes"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot be decommissioned"), "\(result.stderr)")
    }

    @Test("--diagnostics: one tar.gz with every node's facts and the run records; no secret of config.yaml in it")
    func diagnosticsRemoveEverySecret() async throws {
        let secrets = [
            "SECRET-AWS-0123456789", "SECRET-EXHIBITOR-pw42", "SECRETAUTHdXNlcjpwYXNz",
            "$6$rounds=656000$SECRETSALT$SECREThashhashhash",
        ]
        let cluster = try await FakeCluster(
            """
            aws_secret_access_key: \(secrets[0])
            exhibitor_admin_password: \(secrets[1])
            cluster_docker_credentials:
              auths:
                'registry.example.com':
                  auth: \(secrets[2])
            superuser_password_hash: '\(secrets[3])'
            """
        )
        // Nodes that print the secrets (a unit that logs its password): in the run records and in --verify.
        for host in FakeCluster.all { try cluster.tell(host, "say", "leaked \(secrets[1]) and \(secrets[2])") }
        let deployed = try cluster.run(["--deploy"])
        #expect(deployed.status == 0, "\(deployed.stderr)")

        let result = try cluster.run(["--diagnostics", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        let path = try #require(report["path"] as? String, "\(result.stdout)")
        #expect(
            path.hasPrefix(cluster.workspace.genconf + "/diagnostics/dcos-diagnostics-") && path.hasSuffix(".tar.gz")
        )
        let unpacked = cluster.workspace.root + "/unpacked"
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        let untar = try runProcess("/bin/tar", ["-xzf", path, "-C", unpacked])
        #expect(untar.status == 0, "\(untar.stderr)")
        let top = try #require(try FileManager.default.contentsOfDirectory(atPath: unpacked).first)
        let root = unpacked + "/" + top
        var texts: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            texts[relative] = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
        }
        for host in FakeCluster.all {
            for file in [
                "verify.json", "versions.txt", "disk.txt", "memory.txt", "clock.txt", "dns.txt", "journal.log",
            ] {
                #expect(texts["nodes/\(host)/\(file)"] != nil, "nodes/\(host)/\(file) missing: \(texts.keys.sorted())")
            }
        }
        let verify = texts["nodes/\(FakeCluster.master)/verify.json"] ?? ""
        #expect(verify.contains("leaked [secret removed]"), "\(verify)")
        #expect(texts.keys.contains { $0.hasPrefix("bootstrap/runs/") && $0.hasSuffix(".log") })
        #expect(texts.keys.contains { $0.hasPrefix("bootstrap/runs/") && $0.hasSuffix("report.json") })
        let config = try #require(texts["bootstrap/config.yaml"])
        #expect(config.contains("aws_secret_access_key: '[secret removed]'"), "\(config)")
        #expect(config.contains("cluster_name: fake-cluster"))
        #expect(texts["summary.json"] != nil)
        #expect(texts.values.contains { $0.contains("leaked [secret removed]") })
        for (file, text) in texts {
            for secret in secrets {
                #expect(!text.contains(secret), "\(file) holds a secret")
            }
            #expect(!text.contains("SECRET"), "\(file) holds part of a secret")
        }
    }

    @Test func deployRunsMastersThenGateThenCanaryThenBatches() async throws {
        let cluster = try await FakeCluster("deploy_canary: 1\ndeploy_max_in_flight: 1")
        let result = try cluster.run(["--deploy", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        #expect(report["action"] as? String == "deploy")
        #expect(report["result"] as? String == "ok")
        let hosts = try hostsByName(report)
        for host in FakeCluster.all {
            #expect(hosts[host]?["status"] as? String == "ok")
            #expect(hosts[host]?["node_result"] as? String == "installed")
        }
        // Order, from the fake's own timestamps: master install, then the gate, then the canary, then
        // the others one at a time.
        let master = try #require(cluster.time(FakeCluster.master, "install-end"))
        let gateStart = try #require(cluster.time(FakeCluster.master, "postflight-start"))
        let gateEnd = try #require(cluster.time(FakeCluster.master, "postflight-end"))
        let canaryStart = try #require(cluster.time("127.0.0.2", "install-start"))
        let canaryEnd = try #require(cluster.time("127.0.0.2", "install-end"))
        let secondStart = try #require(cluster.time("127.0.0.3", "install-start"))
        let secondEnd = try #require(cluster.time("127.0.0.3", "install-end"))
        let publicStart = try #require(cluster.time(FakeCluster.publicAgent, "install-start"))
        #expect(master < gateStart && gateEnd < canaryStart)
        #expect(canaryEnd < secondStart)
        #expect(secondEnd < publicStart)
        // The driver pushed the bundles for file:// (the fake checked their SHA-256) and the record is on disk.
        let gate = try #require(report["health_gate"] as? [String: Any])
        #expect(gate["result"] as? String == "pass")
        let runID = try #require(report["run_id"] as? String)
        let runDirectory = cluster.workspace.genconf + "/state/" + runID
        let saved = try jsonObject(String(contentsOfFile: runDirectory + "/report.json", encoding: .utf8))
        #expect(saved["run_id"] as? String == runID)
        let journal = try String(contentsOfFile: runDirectory + "/journal.jsonl", encoding: .utf8)
        #expect(journal.split(separator: "\n").allSatisfy { (try? jsonObject(String($0))) != nil })
        #expect(journal.contains("\"event\":\"run-finish\""))
        let log = try String(
            contentsOfFile: runDirectory + "/hosts/127.0.0.2_\(cluster.sshd.port).log",
            encoding: .utf8
        )
        #expect(log.contains("--json slave"))
        #expect(log.contains("exit: exit 0"))
        // One SSH session per host for the run: the gate reuses the master's; each agent logs in once.
        #expect(cluster.sshd.logins == FakeCluster.all.count)
    }

    @Test(
        "A non-root user with sudo: uploads are staged in its home and installed as root; every step runs through sudo",
        .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo"))
    )
    func deployAsASudoUser() async throws {
        try await withTestUser(sudoers: "ALL=(ALL) NOPASSWD: ALL") { user in
            let cluster = try await FakeCluster("ssh_user: \(user.name)\nssh_sudo: passwordless")
            let result = try cluster.run(["--deploy", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try jsonObject(result.stdout)
            let hosts = try hostsByName(report)
            for host in FakeCluster.all {
                #expect(hosts[host]?["status"] as? String == "ok", "\(host): \(hosts[host] ?? [:])")
            }
            let runID = try #require(report["run_id"] as? String)
            let log = try String(
                contentsOfFile: cluster.workspace.genconf + "/state/\(runID)/hosts/127.0.0.2_\(cluster.sshd.port).log",
                encoding: .utf8
            )
            #expect(log.contains("logged in as \(user.name) (uid "))
            #expect(log.contains("commands run through sudo"))
            // The staged copy is gone; the installed one is root's.
            #expect(!FileManager.default.fileExists(atPath: user.home + "/.dcos-install-upload/dcos_install.sh"))
        }
    }

    @Test func reportHasTheDocumentedShape() async throws {
        let cluster = try await FakeCluster()
        try cluster.tell("127.0.0.3", "install", "fail")
        let result = try cluster.run(["--deploy", "--json", "--role", "slave"])
        #expect(result.status == 3)
        let report = try jsonObject(result.stdout)
        for key in ["action", "run_id", "started_at", "finished_at", "result", "config_id", "summary", "hosts"] {
            #expect(report[key] != nil, "report lacks \(key)")
        }
        let started = try #require(report["started_at"] as? String)
        #expect(started.hasSuffix("Z") && started.contains("T"))
        let hosts = try hostsByName(report)
        let failed = try #require(hosts["127.0.0.3"])
        for key in ["address", "role", "status", "error", "steps", "checks", "stderr_tail", "log"] {
            #expect(failed[key] != nil, "host entry lacks \(key)")
        }
        #expect(failed["address"] as? String == cluster.address("127.0.0.3"))
        let error = try #require(failed["error"] as? [String: Any])
        #expect(error["class"] as? String == "install_failed")
        #expect((error["message"] as? String)?.contains("told to fail") == true)
        #expect((failed["stderr_tail"] as? [String])?.contains { $0.contains("install fails") } == true)
        let steps = try #require(failed["steps"] as? [[String: Any]])
        let install = try #require(steps.last)
        #expect(install["name"] as? String == "install")
        #expect((install["exit_status"] as? NSNumber)?.intValue == 1)
        #expect(install["duration_ms"] != nil)
    }

    @Test func agentFailureWithinToleranceThenResumeFinishesOnlyThatHost() async throws {
        let cluster = try await FakeCluster("deploy_max_failed_agents: 1\ndeploy_max_in_flight: 1")
        try cluster.tell("127.0.0.3", "install", "fail")
        let first = try cluster.run(["--deploy"])
        #expect(first.status == 3, "\(first.stderr)")
        #expect(first.stdout.contains("install_failed"))
        #expect(first.stdout.contains("log: "))
        // Within tolerance: the public agent after the failed one was still installed.
        #expect(cluster.time(FakeCluster.publicAgent, "install-end") != nil)

        cluster.forget("127.0.0.3", "install")
        let installsBefore = FakeCluster.all.map { host in cluster.events(host).filter { $0.0 == "install-start" }.count
        }
        let resumed = try cluster.run(["--deploy", "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try jsonObject(resumed.stdout)
        #expect(report["resumed_from"] as? String != nil)
        let installsAfter = FakeCluster.all.map { host in cluster.events(host).filter { $0.0 == "install-start" }.count
        }
        // Only 127.0.0.3 installed again; the gate ran again on the master.
        #expect(zip(installsBefore, installsAfter).map { $1 - $0 } == [0, 0, 1, 0])
        let hosts = try hostsByName(report)
        #expect(hosts.values.allSatisfy { $0["status"] as? String == "ok" })
        #expect((hosts["127.0.0.2"]?["message"] as? String)?.hasPrefix("done in run") == true)
    }

    @Test func agentFailuresBeyondToleranceStopTheRest() async throws {
        let cluster = try await FakeCluster("deploy_canary: 1\ndeploy_max_in_flight: 1\ndeploy_max_failed_agents: 0")
        try cluster.tell("127.0.0.3", "install", "fail")
        let result = try cluster.run(["--deploy", "--json"])
        #expect(result.status == 3)
        let hosts = try hostsByName(try jsonObject(result.stdout))
        #expect(hosts["127.0.0.2"]?["status"] as? String == "ok")
        #expect(hosts["127.0.0.3"]?["status"] as? String == "failed")
        #expect(hosts[FakeCluster.publicAgent]?["status"] as? String == "skipped")
        #expect(cluster.events(FakeCluster.publicAgent).isEmpty)
    }

    @Test func failingMasterLeavesAgentsUntouched() async throws {
        let cluster = try await FakeCluster()
        try cluster.tell(FakeCluster.master, "install", "fail")
        let result = try cluster.run(["--deploy", "--json"])
        #expect(result.status == 3)
        let report = try jsonObject(result.stdout)
        let hosts = try hostsByName(report)
        #expect(hosts[FakeCluster.master]?["status"] as? String == "failed")
        for agent in FakeCluster.agents + [FakeCluster.publicAgent] {
            #expect(hosts[agent]?["status"] as? String == "skipped")
            #expect(cluster.events(agent).isEmpty, "\(agent) was touched")
        }
        #expect((report["stop_reason"] as? String)?.contains("no agent was touched") == true)
    }

    @Test func failedHealthGateLeavesAgentsUntouched() async throws {
        let cluster = try await FakeCluster("postflight_timeout: 2")
        try cluster.tell(FakeCluster.master, "postflight", "fail")
        let result = try cluster.run(["--deploy", "--json"])
        #expect(result.status == 3, "stderr: \(result.stderr)")
        let report = try jsonObject(result.stdout)
        let hosts = try hostsByName(report)
        let master = try #require(hosts[FakeCluster.master])
        #expect(master["status"] as? String == "failed")
        #expect((master["error"] as? [String: Any])?["class"] as? String == "postflight_timeout")
        #expect((report["health_gate"] as? [String: Any])?["result"] as? String == "fail")
        for agent in FakeCluster.agents { #expect(cluster.events(agent).isEmpty) }
    }

    @Test func postflightRepeatsUntilItPasses() async throws {
        let cluster = try await FakeCluster()
        try cluster.tell(FakeCluster.master, "postflight", "fail-once")
        let result = try cluster.run(["--postflight", "--role", "master", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let master = try #require(try hostsByName(try jsonObject(result.stdout))[FakeCluster.master])
        let steps = try #require(master["steps"] as? [[String: Any]])
        #expect((steps.last?["detail"] as? String)?.contains("attempt 2") == true)
    }

    @Test func dryRunChangesNothing() async throws {
        let cluster = try await FakeCluster()
        let result = try cluster.run(["--deploy", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("no host is contacted or changed"))
        #expect(result.stdout.contains("--json master"))
        #expect(result.stdout.contains("push bundles/") || result.stdout.contains("/bundles/"))
        #expect(try cluster.workspace.entries(cluster.remote).isEmpty)
        #expect(try cluster.workspace.entries(cluster.bootstrap).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cluster.workspace.genconf + "/state"))
        #expect(FakeCluster.all.allSatisfy { cluster.events($0).isEmpty })
    }

    @Test func uninstallAsksForTheClusterName() async throws {
        let cluster = try await FakeCluster()
        let refused = try cluster.run(["--uninstall"], stdin: Data("wrong-name\n".utf8))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Not confirmed"))
        #expect(FakeCluster.all.allSatisfy { cluster.events($0).isEmpty })

        let typed = try cluster.run(["--uninstall", "--json"], stdin: Data("fake-cluster\n".utf8))
        #expect(typed.status == 0, "\(typed.stderr)")
        let hosts = try hostsByName(try jsonObject(typed.stdout))
        #expect(hosts.values.allSatisfy { $0["node_result"] as? String == "absent" })

        let yes = try cluster.run(["--uninstall", "--yes", "--hosts", FakeCluster.master])
        #expect(yes.status == 0, "\(yes.stderr)")
    }

    @Test func refusedHostIsReportedWhileOthersContinue() async throws {
        let cluster = try await FakeCluster(
            "ssh_host_overrides: {\"127.0.0.3\": {port: 1}}\ndeploy_max_failed_agents: 1"
        )
        let result = try cluster.run(["--deploy", "--json"])
        #expect(result.status == 3)
        let hosts = try hostsByName(try jsonObject(result.stdout))
        let refused = try #require(hosts["127.0.0.3"])
        #expect(refused["status"] as? String == "unreachable")
        #expect((refused["error"] as? [String: Any])?["class"] as? String == "refused")
        #expect(hosts["127.0.0.2"]?["status"] as? String == "ok")
        #expect(hosts[FakeCluster.publicAgent]?["status"] as? String == "ok")
    }

    @Test func preflightPrintsOneHostByCheckTable() async throws {
        let cluster = try await FakeCluster()
        try cluster.tell("127.0.0.2", "preflight", "fail")
        let result = try cluster.run(["--preflight"])
        #expect(result.status == 3)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.first)
        #expect(header.hasPrefix("HOST"))
        #expect(header.contains("docker"))
        // Every loopback "node" is this machine: the cluster-wide check sees one machine id four times.
        #expect(header.contains("unique-machine-id"))
        let agentRow = try #require(lines.first { $0.hasPrefix(cluster.address("127.0.0.2")) })
        #expect(agentRow.contains("FAIL"))
        #expect(result.stdout.contains("docker is not installed"))
        #expect(result.stdout.contains("machine id"))
    }

    @Test func preflightJSONCarriesNodeAndClusterChecks() async throws {
        let cluster = try await FakeCluster("master_list: [127.0.0.1]\nagent_list: []\npublic_agent_list: []")
        let result = try cluster.run(["--preflight", "--json"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let master = try #require(try hostsByName(try jsonObject(result.stdout))[FakeCluster.master])
        let checks = try #require(master["checks"] as? [[String: Any]])
        let names = checks.compactMap { $0["name"] as? String }
        for name in ["ssh", "unique-machine-id", "clock-skew", "bootstrap-url", "role", "memory"] {
            #expect(names.contains(name), "no \(name) check in \(names)")
        }
        #expect(checks.first { $0["name"] as? String == "memory" }?["severity"] as? String == "warning")
    }

    @Test func unreachableBootstrapURLFailsPreflight() async throws {
        let cluster = try await FakeCluster(
            "master_list: [127.0.0.1]\nagent_list: []\npublic_agent_list: []",
            bootstrapURL: "http://127.0.0.1:1"
        )
        let result = try cluster.run(["--preflight"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("bootstrap-url"))
    }

    @Test func installPrereqsFindsInstalledPackagesAndChangesNothing() async throws {
        let cluster = try await FakeCluster("master_list: [127.0.0.1]\nagent_list: []\npublic_agent_list: []")
        let templates = cluster.workspace.root + "/templates"
        try FileManager.default.copyItem(atPath: Repo.templates, toPath: templates)
        // The shipped release's roles: section, swapped for one whose prerequisites this machine has, so
        // the test installs nothing here.
        let manifest = try String(contentsOfFile: templates + "/manifest.yaml", encoding: .utf8)
        func withRoles(_ roles: String) throws -> String {
            let start = try #require(manifest.range(of: "\nroles:\n"))
            let end = try #require(manifest.range(of: "\npackages:\n"))
            return String(manifest[..<start.lowerBound]) + "\n" + roles + String(manifest[end.lowerBound...])
        }
        try cluster.workspace.write(
            try withRoles(
                "roles:\n  all:\n    prerequisites:\n      apt: [coreutils, bash]\n      dnf: [coreutils, bash]\n"
            ),
            to: templates + "/manifest.yaml"
        )
        let result = try cluster.run(["--install-prereqs", "--json", "--templates-dir", templates])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let master = try #require(try hostsByName(try jsonObject(result.stdout))[FakeCluster.master])
        #expect(master["node_result"] as? String == "unchanged")
        let checks = try #require(master["checks"] as? [[String: Any]])
        #expect(checks.compactMap { $0["name"] as? String }.sorted() == ["bash", "coreutils"])

        try cluster.workspace.write(
            try withRoles("roles:\n  all:\n    commands: [curl]\n"),
            to: templates + "/manifest.yaml"
        )
        let withoutPrerequisites = try cluster.run(["--install-prereqs", "--templates-dir", templates])
        #expect(withoutPrerequisites.status == 1)
        #expect(withoutPrerequisites.stderr.contains("names no prerequisites under roles:"))
    }

    @Test func interruptWritesTheReportAndResumeFinishes() async throws {
        let cluster = try await FakeCluster("deploy_canary: 1")
        try cluster.tell("127.0.0.2", "sleep", "30")
        var environment = ProcessInfo.processInfo.environment
        environment["DCOS_INSTALL_REMOTE_DIR"] = cluster.remote
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = ["--deploy", "--json", "--templates-dir", Repo.templates]
        process.currentDirectoryURL = URL(fileURLWithPath: cluster.workspace.root)
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait (bounded) until the canary's install is running, then Ctrl-C.
        let started = Date()
        while cluster.time("127.0.0.2", "install-start") == nil && Date().timeIntervalSince(started) < 60 {
            usleep(50_000)
        }
        try #require(cluster.time("127.0.0.2", "install-start") != nil, "the canary never started")
        let interrupted = Date()
        process.interrupt()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(Date().timeIntervalSince(interrupted) < 15, "Ctrl-C took too long")
        let report = try jsonObject(String(decoding: data, as: UTF8.self))
        #expect(report["result"] as? String == "interrupted")
        let hosts = try hostsByName(report)
        #expect(hosts["127.0.0.2"]?["status"] as? String == "cancelled")
        #expect(hosts[FakeCluster.master]?["status"] as? String == "ok")

        cluster.forget("127.0.0.2", "sleep")
        let resumed = try cluster.run(["--deploy", "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(cluster.events(FakeCluster.master).filter { $0.0 == "install-start" }.count == 1)
    }

    @Test("--watch repairs a node on its own, journals the decision, and Ctrl-C ends it with 0 and a report")
    func watchRepairsThenCtrlC() async throws {
        let cluster = try await FakeCluster("")
        #expect(try cluster.run(["--deploy"]).status == 0)
        try cluster.tell(FakeCluster.agents[1], "verify", "changed")
        var environment = ProcessInfo.processInfo.environment
        environment["DCOS_INSTALL_REMOTE_DIR"] = cluster.remote
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = ["--watch", "--interval", "1s", "--json", "--templates-dir", Repo.templates]
        process.currentDirectoryURL = URL(fileURLWithPath: cluster.workspace.root)
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded: the repair, then two more rounds (the node healthy again), then Ctrl-C.
        let started = ContinuousClock.now
        while !cluster.events(FakeCluster.agents[1]).contains(where: { $0.0 == "repair-end" })
            && ContinuousClock.now - started < .seconds(60)
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(2.5))
        let interrupted = ContinuousClock.now
        process.interrupt()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(ContinuousClock.now - interrupted < .seconds(15), "Ctrl-C took too long")
        let report = try jsonObject(String(decoding: data, as: UTF8.self))
        #expect(report["action"] as? String == "watch")
        #expect(report["result"] as? String == "interrupted")
        let runID = try #require(report["run_id"] as? String)
        let journal = try String(
            contentsOfFile: cluster.workspace.genconf + "/state/\(runID)/journal.jsonl",
            encoding: .utf8
        )
        #expect(journal.contains("\"event\":\"watch-repaired\""), "\(journal)")
        #expect(journal.contains("\"event\":\"watch-healthy\""))
        // Only the changed node was repaired, once.
        #expect(cluster.events(FakeCluster.agents[1]).filter { $0.0 == "repair-start" }.count == 1)
        #expect(!cluster.events(FakeCluster.master).contains { $0.0 == "repair-start" })
    }

    @Test func usageErrors() async throws {
        let cluster = try await FakeCluster()
        let both = try cluster.run(["--deploy", "--preflight"])
        #expect(both.status == 2)
        let yes = try cluster.run(["--deploy", "--yes"])
        #expect(yes.status == 2)
        let unknownRun = try cluster.run(["--deploy", "--resume", "20990101T000000Z-zzzz"])
        #expect(unknownRun.status == 1)
        #expect(unknownRun.stderr.contains("20990101T000000Z-zzzz"))
    }
}
