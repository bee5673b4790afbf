import InstallerActions
import InstallerCluster
import InstallerConfig
import InstallerManifest
import InstallerRender
import Synchronization
import Testing

/// A worker that records the order of its calls and fails the hosts it is told to.
final class ScriptedWorker: NodeWorker {
    let failing: Set<String>
    let failingPhases: Set<Phase>
    private let log = Mutex<[String]>([])

    init(failing: Set<String> = [], phases: Set<Phase> = [.install]) {
        self.failing = failing
        self.failingPhases = phases
    }

    var calls: [String] { log.withLock { $0 } }

    func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord {
        log.withLock { $0.append("\(phase) \(node.host)") }
        await Task.yield()
        let fails = failing.contains(node.host) && failingPhases.contains(phase)
        var record = HostRecord(node: node, address: node.host, status: fails ? .failed : .ok)
        if fails { record.message = "told to fail" }
        return record
    }

    func address(of node: ClusterNode) -> String { node.host }

    /// Each release, in order, as "host after N calls".
    private let releaseLog = Mutex<[String]>([])
    var releases: [String] { releaseLog.withLock { $0 } }

    func release(_ nodes: [ClusterNode]) {
        let count = calls.count
        releaseLog.withLock { log in for node in nodes { log.append("\(node.host) after \(count)") } }
    }
}

struct SilentObserver: ProgressObserver {
    func started(_ node: ClusterNode, phase: Phase) {}
    func finished(_ record: HostRecord, phase: Phase) {}
    func note(_ text: String) {}
}

@Suite("Deploy order, batches and tolerance")
struct OrchestratorTests {
    static let masters = ["m1", "m2", "m3"].map { ClusterNode(host: $0, role: .master) }
    static let agents = (1...6).map { ClusterNode(host: "a\($0)", role: .slave) }
    static let publicAgents = [ClusterNode(host: "p1", role: .slave_public)]
    static var nodes: [ClusterNode] { masters + agents + publicAgents }

    func policy(
        serial: Bool = false,
        canary: Int = 1,
        inFlight: CountOrPercent = .count(2),
        maxFailed: CountOrPercent = .count(0)
    ) -> DeployPolicy {
        DeployPolicy(
            mastersSerial: serial,
            canary: canary,
            maxInFlight: inFlight,
            maxFailedAgents: maxFailed,
            parallelism: 20
        )
    }

    @Test func mastersThenGateThenCanaryThenAgents() async {
        let worker = ScriptedWorker()
        let outcome = await Orchestrator.deploy(
            nodes: Self.nodes,
            gateMasters: Self.masters,
            policy: policy(),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(outcome.records.allSatisfy { $0.status == .ok })
        #expect(outcome.gate.count == 3)
        let calls = worker.calls
        let lastMasterInstall = calls.lastIndex { $0.hasPrefix("install m") }!
        let firstGate = calls.firstIndex { $0.hasPrefix("postflight") }!
        let lastGate = calls.lastIndex { $0.hasPrefix("postflight") }!
        let canary = calls.firstIndex(of: "install a1")!
        #expect(lastMasterInstall < firstGate)
        #expect(lastGate < canary)
        #expect(calls[(canary + 1)...].allSatisfy { !$0.hasPrefix("install m") })
    }

    @Test func serialMastersStopAtTheFirstFailure() async {
        let worker = ScriptedWorker(failing: ["m2"])
        let outcome = await Orchestrator.deploy(
            nodes: Self.nodes,
            gateMasters: Self.masters,
            policy: policy(serial: true),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(worker.calls == ["install m1", "install m2"])
        let status = Dictionary(uniqueKeysWithValues: outcome.records.map { ($0.node.host, $0.status) })
        #expect(status["m3"] == .skipped)
        #expect(Self.agents.allSatisfy { status[$0.host] == .skipped })
        #expect(outcome.gate.isEmpty)
    }

    @Test func failedGateSkipsEveryAgent() async {
        let worker = ScriptedWorker(failing: ["m1"], phases: [.postflight])
        let outcome = await Orchestrator.deploy(
            nodes: Self.nodes,
            gateMasters: Self.masters,
            policy: policy(),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(!worker.calls.contains { $0.hasPrefix("install a") || $0.hasPrefix("install p") })
        #expect(outcome.records.first { $0.node.host == "m1" }?.status == .failed)
        #expect(outcome.stopReason?.contains("health gate") == true)
    }

    @Test(
        "tolerance: failures beyond deploy_max_failed_agents stop new agents",
        arguments: [(CountOrPercent.count(0), 1, 5), (.count(1), 2, 4), (.percent(50), 3, 0)]
    )
    func tolerance(maxFailed: CountOrPercent, failed: Int, skipped: Int) async {
        // 7 agents; a2, a3, a4 fail; one in flight, in order after the canary a1. 50% of 7 is 3.
        let worker = ScriptedWorker(failing: ["a2", "a3", "a4"])
        let outcome = await Orchestrator.deploy(
            nodes: Self.nodes,
            gateMasters: Self.masters,
            policy: policy(inFlight: .count(1), maxFailed: maxFailed),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(outcome.records.filter { $0.status == .failed }.count == failed)
        #expect(outcome.records.filter { $0.status == .skipped }.count == skipped)
        #expect((outcome.stopReason != nil) == (skipped > 0))
    }

    @Test func everyCanaryFailingStopsTheAgentsEvenWithTolerance() async {
        let worker = ScriptedWorker(failing: ["a1", "a2"])
        let outcome = await Orchestrator.deploy(
            nodes: Self.nodes,
            gateMasters: Self.masters,
            policy: policy(canary: 2, maxFailed: .count(5)),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(outcome.stopReason?.contains("canary") == true)
        #expect(!worker.calls.contains("install a3"))
    }

    @Test func resumedHostsAreNotRunAgainButTheGateIs() async {
        let worker = ScriptedWorker()
        var done: [String: HostRecord] = [:]
        for node in Self.masters + [Self.agents[0]] {
            done[node.host] = HostRecord(node: node, address: node.host, status: .ok)
        }
        let outcome = await Orchestrator.deploy(
            nodes: Self.nodes,
            gateMasters: Self.masters,
            done: done,
            policy: policy(),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(!worker.calls.contains { $0.hasPrefix("install m") || $0 == "install a1" })
        #expect(worker.calls.filter { $0.hasPrefix("postflight") }.count == 3)
        #expect(outcome.records.allSatisfy { $0.status == .ok })
    }

    @Test func batchSizesFromPercentages() {
        let schedule = policy(canary: 1, inFlight: .percent(25), maxFailed: .percent(10)).agentSchedule(agents: 10)
        #expect([schedule.canary, schedule.inFlight, schedule.maxFailed] == [1, 3, 1])
        let tiny = policy(canary: 5, inFlight: .percent(25), maxFailed: .percent(10)).agentSchedule(agents: 2)
        #expect([tiny.canary, tiny.inFlight, tiny.maxFailed] == [2, 1, 0])
    }

    @Test func cancellationStartsNoNewHost() async {
        let worker = ScriptedWorker()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await Orchestrator.parallel(
                .preflight,
                nodes: Self.nodes,
                limit: 2,
                worker: worker,
                observer: SilentObserver()
            )
        }
        let records = await task.value
        #expect(records.allSatisfy { $0.status == .cancelled })
        #expect(worker.calls.isEmpty)
    }
}

@Suite("Node JSON, cluster checks")
struct ParsingTests {
    @Test func nodeReportIsTheLastJSONLineOnStdout() throws {
        let stdout = """
            a stray line
            {"host":"h","role":"master","action":"preflight","result":"fail","checks":[{"name":"docker","severity":"error","status":"fail","detail":"missing"},{"name":"mem","severity":"warning","status":"fail","detail":"low"}]}
            """
        let report = try #require(NodeReport.parse(stdout))
        #expect(report.result == "fail")
        #expect(report.checks.count == 2)
        #expect(report.failedErrorSummary == "docker (missing)")
        #expect(NodeReport.parse("no json here") == nil)
        #expect(NodeReport.parse("{\"host\":\"h\"}") == nil)
    }

    @Test func clusterChecksFindDuplicatesSkewAndUnreachableHosts() {
        func facts(_ host: String, _ name: String, _ id: String, _ offset: Double) -> ClusterChecks.Facts {
            var value = ClusterChecks.Facts(host: host, reached: true)
            value.read(factsOutput: "hostname=\(name)\nmachine_id=\(id)\nbootstrap=ok\npeer 10.0.0.2:22=fail")
            value.clockOffset = offset
            return value
        }
        let checks = ClusterChecks.evaluate([
            facts("10.0.0.1", "n1", "aaa", 0.0),
            facts("10.0.0.2", "n1", "bbb", 0.1),
            facts("10.0.0.3", "n3", "aaa", 5.0),
            ClusterChecks.Facts(host: "10.0.0.4", reached: false, sshError: "refused"),
        ])
        func status(_ host: String, _ name: String) -> NodeCheck? { checks[host]?.first { $0.name == name } }
        #expect(status("10.0.0.1", "unique-hostname")?.status == .fail)
        #expect(status("10.0.0.3", "unique-hostname")?.status == .pass)
        #expect(status("10.0.0.1", "unique-machine-id")?.status == .fail)
        #expect(status("10.0.0.2", "unique-machine-id")?.status == .pass)
        #expect(status("10.0.0.3", "clock-skew")?.isFailedError == true)
        #expect(status("10.0.0.2", "clock-skew")?.status == .pass)
        #expect(status("10.0.0.1", "master-peers")?.status == .fail)
        #expect(status("10.0.0.4", "ssh")?.isFailedError == true)
        #expect(checks["10.0.0.4"]?.count == 1)
    }

    @Test func planPushesTheRoleBundleForFileBootstrap() {
        let id = String(repeating: "1", count: 64)
        let serve = ServeDirectory(
            path: "/g/serve",
            manifest: ServeManifest(
                clusterName: "c",
                configID: id,
                roles: [
                    .slave: .init(bundle: "bundles/slave.tar.gz", bundleSHA256: "s", packages: ["packages/p.tar.xz"])
                ],
                files: [
                    "bundles/slave.tar.gz": .init(sha256: "s", size: 1),
                    "packages/p.tar.xz": .init(sha256: "q", size: 1),
                    "dcos_install.sh": .init(sha256: "d", size: 1),
                ]
            )
        )
        let planner = NodePlanner(
            remoteDirectory: "/opt/dcos-install",
            serve: serve,
            bootstrapURL: "file:///srv/dcos/",
            masters: [],
            prerequisites: nil
        )
        let steps = planner.plan(.install, for: ClusterNode(host: "a", role: .slave))
        #expect(
            steps.map(\.name) == [
                "upload dcos_install.sh", "push bundles/slave.tar.gz", "push packages/p.tar.xz", "push dcos_install.sh",
                "push manifest-signing.pub", "push generations/\(id)/manifest.json.sig",
                "push generations/\(id)/manifest.json", "push manifest.json.sig", "push manifest.json", "install",
            ]
        )
        #expect(steps.last?.command == "bash '/opt/dcos-install/dcos_install.sh' --json slave")
        let http = NodePlanner(
            remoteDirectory: "/opt/dcos-install",
            serve: serve,
            bootstrapURL: "http://b",
            masters: [],
            prerequisites: nil
        )
        #expect(http.plan(.install, for: ClusterNode(host: "a", role: .slave)).count == 2)
    }

    @Test("A role with secrets gets its archive pushed over SSH (0600) and dcos_install.sh --secrets")
    func planPushesSecretsOverSSH() {
        let serve = ServeDirectory(
            path: "/g/genconf/serve",
            manifest: ServeManifest(
                clusterName: "c",
                configID: "id",
                roles: [
                    .master: .init(
                        bundle: "bundles/master.tar.gz",
                        bundleSHA256: "s",
                        packages: [],
                        secrets: .init(path: "secrets/master--0011.tar.gz", sha256: "e", size: 1)
                    )
                ],
                files: [
                    "bundles/master.tar.gz": .init(sha256: "s", size: 1),
                    "dcos_install.sh": .init(sha256: "d", size: 1),
                ]
            )
        )
        let planner = NodePlanner(
            remoteDirectory: "/opt/dcos-install",
            serve: serve,
            bootstrapURL: "http://b",
            masters: [],
            prerequisites: nil
        )
        let steps = planner.plan(.install, for: ClusterNode(host: "m", role: .master))
        #expect(steps.map(\.name) == ["upload dcos_install.sh", "push secrets", "install"])
        #expect(
            steps[1].kind
                == .upload(
                    local: "/g/genconf/secrets/master--0011.tar.gz",
                    remote: "/opt/dcos-install/secrets/master--0011.tar.gz",
                    sha256: "e",
                    mode: 0o600
                )
        )
        #expect(
            steps.last?.command
                == "bash '/opt/dcos-install/dcos_install.sh' --json --secrets='/opt/dcos-install/secrets/master--0011.tar.gz' master"
        )
        // An agent of the same configuration without secrets: nothing extra.
        #expect(planner.plan(.install, for: ClusterNode(host: "a", role: .slave)).count == 2)
    }
}

extension OrchestratorTests {
    @Test("Each host is released when its part is done: agents after their install, masters after the gate")
    func releasesFollowTheRun() async {
        let worker = ScriptedWorker()
        let nodes = [Self.masters[0], Self.agents[0], Self.agents[1]]
        _ = await Orchestrator.deploy(
            nodes: nodes,
            gateMasters: [Self.masters[0]],
            policy: policy(canary: 1, inFlight: .count(1)),
            worker: worker,
            observer: SilentObserver()
        )
        #expect(worker.calls == ["install m1", "postflight m1", "install a1", "install a2"])
        // m1 is kept from its install to the end of the gate (released by the gate's window, again after it).
        #expect(worker.releases.first == "m1 after 2")
        #expect(worker.releases.contains("a1 after 3"))
        #expect(worker.releases.last == "a2 after 4")
        let parallel = ScriptedWorker()
        _ = await Orchestrator.parallel(
            .preflight,
            nodes: Self.agents,
            limit: 2,
            worker: parallel,
            observer: SilentObserver()
        )
        #expect(Set(parallel.releases.map { String($0.split(separator: " ")[0]) }) == Set(Self.agents.map(\.host)))
    }
}
