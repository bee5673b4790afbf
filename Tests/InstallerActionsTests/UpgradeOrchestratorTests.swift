import InstallerActions
import InstallerCluster
import InstallerConfig
import InstallerRender
import Synchronization
import Testing

/// A cluster of nodes that each run a bundle: the probe reports it, an install moves the node to the new
/// bundle (or fails, leaving it where it was, as a rollback does). Records the order of calls.
final class VersionedWorker: NodeWorker {
    private let state: Mutex<[String: String]>
    private let log = Mutex<[String]>([])
    let failingInstalls: Set<String>
    let failingGates: Set<String>
    let unreachable: Set<String>
    let newBundle: String
    let masterList: [String]
    /// The ZooKeeper leader, as the probe and the gates report it.
    let leader: Mutex<String?>

    init(
        bundles: [String: String],
        newBundle: String = "new",
        failingInstalls: Set<String> = [],
        failingGates: Set<String> = [],
        unreachable: Set<String> = [],
        masterList: [String] = ["m1", "m2", "m3"],
        leader: String? = nil
    ) {
        self.leader = Mutex(leader)
        state = Mutex(bundles)
        self.newBundle = newBundle
        self.failingInstalls = failingInstalls
        self.failingGates = failingGates
        self.unreachable = unreachable
        self.masterList = masterList
    }

    var calls: [String] { log.withLock { $0 } }
    func bundle(_ host: String) -> String? { state.withLock { $0[host] } }

    func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord {
        log.withLock { $0.append("\(phase) \(node.host)") }
        await Task.yield()
        var record = HostRecord(node: node, address: node.host, status: .ok)
        if unreachable.contains(node.host) {
            record.status = .unreachable
            record.message = "connection refused"
            return record
        }
        switch phase {
        case .probe:
            if let bundle = bundle(node.host) {
                record.installed = InstalledVersion(
                    configID: "config-" + bundle,
                    role: node.role.rawValue,
                    bundle: bundle,
                    release: "1.11.0",
                    masterList: node.role == .master ? masterList : [],
                    zookeeperMode: node.role != .master
                        ? "" : leader.withLock { $0 } == node.host ? "leader" : "follower"
                )
            }
        case .install:
            if failingInstalls.contains(node.host) {
                record.status = .failed
                record.message = "The upgrade failed and was rolled back"
            } else {
                let bundle = newBundle
                state.withLock { $0[node.host] = bundle }
                record.nodeResult = "upgraded"
                // Restarting the leader elects another master.
                leader.withLock { current in
                    if current == node.host { current = node.host == "m1" ? "m2" : "m1" }
                }
            }
        case .postflight:
            let mode = leader.withLock { $0 } == node.host ? "leader" : "follower"
            record.checks = [
                NodeCheck(
                    name: "zookeeper-quorum",
                    severity: .error,
                    status: .pass,
                    detail: "this node is \(mode); ensemble of 3"
                )
            ]
            // The gate fails once the given master runs the new bundle (it went down in its upgrade).
            if failingGates.contains(node.host) && bundle(node.host) == newBundle {
                record.status = .failed
                record.message = "zookeeper-quorum: no answer"
            }
        default:
            break
        }
        return record
    }

    func address(of node: ClusterNode) -> String { node.host }
}

@Suite("--upgrade: probe, plan, masters behind the gate, agents in batches")
struct UpgradeOrchestratorTests {
    static let masters = ["m1", "m2", "m3"].map { ClusterNode(host: $0, role: .master) }
    static let agents = (1...4).map { ClusterNode(host: "a\($0)", role: .slave) }
    static var nodes: [ClusterNode] { masters + agents }
    static let desired: [Role: String] = [.master: "new", .slave: "new", .slave_public: "new"]

    func policy(canaries: Int = 1, inFlight: CountOrPercent = .count(2), tolerance: CountOrPercent = .count(0))
        -> UpgradePolicy
    {
        UpgradePolicy(canaries: canaries, maxInFlight: inFlight, failureTolerance: tolerance, parallelism: 20)
    }

    func run(_ worker: VersionedWorker, policy: UpgradePolicy? = nil, dryRun: Bool = false) async -> UpgradeOutcome {
        await Orchestrator.upgrade(
            nodes: Self.nodes,
            clusterMasters: Self.masters,
            desiredBundles: Self.desired,
            staticMasters: true,
            policy: policy ?? self.policy(),
            dryRun: dryRun,
            worker: worker,
            observer: SilentObserver()
        )
    }

    static func allOld() -> [String: String] {
        Dictionary(uniqueKeysWithValues: nodes.map { ($0.host, "old") })
    }

    @Test("Masters one at a time, each between two gates; then the canary; then agents in batches")
    func order() async {
        let worker = VersionedWorker(bundles: Self.allOld())
        let outcome = await run(worker)
        #expect(outcome.stopReason == nil)
        #expect(outcome.records.allSatisfy { $0.status == .ok })
        let changes = worker.calls.filter { !$0.hasPrefix("probe") }
        // Before each master: the gate on all three; after the last: the gate again, before the agents.
        let gate = Self.masters.map { "postflight \($0.host)" }
        var expectedMasters: [String] = []
        for master in Self.masters { expectedMasters += gate + ["install \(master.host)"] }
        expectedMasters += gate
        #expect(
            Array(changes.prefix(expectedMasters.count)).map { $0.split(separator: " ")[0] }
                == expectedMasters.map { $0.split(separator: " ")[0] }
        )
        #expect(changes.filter { $0.hasPrefix("install m") } == ["install m1", "install m2", "install m3"])
        // Each master's install comes right after a full gate (3 postflights).
        for master in Self.masters {
            let index = changes.firstIndex(of: "install \(master.host)")!
            #expect(changes[(index - 3)..<index].allSatisfy { $0.hasPrefix("postflight m") })
        }
        let agentInstalls = changes.filter { $0.hasPrefix("install a") }
        #expect(agentInstalls.first == "install a1")  // the canary
        #expect(Set(agentInstalls) == Set(Self.agents.map { "install \($0.host)" }))
        #expect(Self.nodes.allSatisfy { worker.bundle($0.host) == "new" })
        #expect(outcome.plan.filter { $0.change == .upgrade }.map(\.order) == Array(1...7))
    }

    @Test("The ZooKeeper leader is upgraded last: one election in the whole upgrade")
    func leaderLast() async {
        let worker = VersionedWorker(bundles: Self.allOld(), leader: "m1")
        let outcome = await run(worker)
        #expect(outcome.stopReason == nil)
        #expect(worker.calls.filter { $0.hasPrefix("install m") } == ["install m2", "install m3", "install m1"])
        #expect(outcome.plan.first { $0.node.host == "m1" }?.order == 3)
    }

    @Test("A leader that moves during the upgrade still goes last")
    func movedLeaderLast() async {
        // The probe finds no leader (an election); the first gate finds m2 leading.
        let worker = VersionedWorker(bundles: Self.allOld(), leader: nil)
        worker.leader.withLock { $0 = nil }
        let outcome = await Orchestrator.upgrade(
            nodes: Self.nodes,
            clusterMasters: Self.masters,
            desiredBundles: Self.desired,
            staticMasters: true,
            policy: policy(),
            worker: LeaderAfterProbe(worker, leader: "m1"),
            observer: SilentObserver()
        )
        #expect(outcome.stopReason == nil)
        #expect(worker.calls.filter { $0.hasPrefix("install m") } == ["install m2", "install m3", "install m1"])
    }

    @Test("Nodes on the served bundle are not touched; the plan says so")
    func currentNodesUntouched() async {
        var bundles = Self.allOld()
        bundles["m2"] = "new"
        bundles["a3"] = "new"
        let worker = VersionedWorker(bundles: bundles)
        let outcome = await run(worker)
        #expect(outcome.records.allSatisfy { $0.status == .ok })
        #expect(!worker.calls.contains("install m2"))
        #expect(!worker.calls.contains("install a3"))
        let a3 = outcome.records.first { $0.node.host == "a3" }
        #expect(a3?.message.contains("not touched") == true)
        #expect(outcome.plan.first { $0.node.host == "m2" }?.change == .current)
    }

    @Test("A failed master stops the run: no other master, no agent")
    func failedMasterStops() async {
        let worker = VersionedWorker(bundles: Self.allOld(), failingInstalls: ["m2"])
        let outcome = await run(worker)
        #expect(outcome.stopReason?.contains("master m2 did not upgrade") == true, "\(outcome.stopReason ?? "")")
        #expect(!worker.calls.contains("install m3"))
        #expect(!worker.calls.contains { $0.hasPrefix("install a") })
        #expect(worker.bundle("m1") == "new" && worker.bundle("m2") == "old" && worker.bundle("m3") == "old")
        #expect(outcome.records.first { $0.node.host == "m3" }?.status == .skipped)
    }

    @Test("A master that is down after its upgrade fails the next gate: the run stops before the next master")
    func gateStopsBeforeNextMaster() async {
        let worker = VersionedWorker(bundles: Self.allOld(), failingGates: ["m1"])
        let outcome = await run(worker)
        let reason = outcome.stopReason ?? ""
        #expect(reason.contains("health gate failed before m2 on m1"), "\(reason)")
        #expect(reason.contains("zookeeper-quorum"), "\(reason)")
        #expect(!worker.calls.contains("install m2"))
        #expect(worker.bundle("m2") == "old")
    }

    @Test("A canary that fails (rolled back) leaves every other agent untouched; exit as a failure")
    func canaryFailureStopsAgents() async {
        let worker = VersionedWorker(bundles: Self.allOld(), failingInstalls: ["a1"])
        let outcome = await run(worker)
        #expect(outcome.stopReason?.contains("every canary agent failed") == true, "\(outcome.stopReason ?? "")")
        #expect(worker.calls.filter { $0.hasPrefix("install a") } == ["install a1"])
        #expect(Self.agents.allSatisfy { worker.bundle($0.host) == "old" })
        #expect(Self.masters.allSatisfy { worker.bundle($0.host) == "new" })
        #expect(outcome.records.first { $0.node.host == "a1" }?.status == .failed)
        #expect(outcome.records.first { $0.node.host == "a2" }?.status == .skipped)
    }

    @Test("Failures within upgrade_failure_tolerance go on; beyond it, no more agents start")
    func tolerance() async {
        let tolerated = VersionedWorker(bundles: Self.allOld(), failingInstalls: ["a3"])
        let within = await run(tolerated, policy: policy(tolerance: .count(1)))
        #expect(within.stopReason == nil)
        #expect(Self.agents.filter { $0.host != "a3" }.allSatisfy { tolerated.bundle($0.host) == "new" })

        let strict = VersionedWorker(bundles: Self.allOld(), failingInstalls: ["a2", "a3"])
        let beyond = await run(strict, policy: policy(inFlight: .count(1), tolerance: .count(1)))
        #expect(beyond.stopReason?.contains("upgrade_failure_tolerance") == true, "\(beyond.stopReason ?? "")")
        #expect(!strict.calls.contains("install a4"))
    }

    @Test("Nothing changes when a node cannot be probed, has no DC/OS, or the master list changed")
    func refusals() async {
        let unreachable = VersionedWorker(bundles: Self.allOld(), unreachable: ["a4"])
        var outcome = await run(unreachable)
        #expect(outcome.stopReason?.contains("the probe failed on a4") == true)
        #expect(!unreachable.calls.contains { !$0.hasPrefix("probe") })

        var bundles = Self.allOld()
        bundles["a2"] = nil
        let missing = VersionedWorker(bundles: bundles)
        outcome = await run(missing)
        #expect(outcome.stopReason?.contains("a2 has no DC/OS installed") == true, "\(outcome.stopReason ?? "")")
        #expect(outcome.records.first { $0.node.host == "a2" }?.status == .failed)
        #expect(!missing.calls.contains { !$0.hasPrefix("probe") })

        let moved = VersionedWorker(bundles: Self.allOld(), masterList: ["m1", "m2", "m9"])
        outcome = await run(moved)
        #expect(outcome.stopReason?.contains("the master_list changed") == true, "\(outcome.stopReason ?? "")")
        #expect(outcome.stopReason?.contains("master_discovery: static") == true)
        #expect(!moved.calls.contains { !$0.hasPrefix("probe") })
    }

    @Test("--dry-run: the probe and the plan, nothing changed, every host ok")
    func dryRun() async {
        let worker = VersionedWorker(bundles: Self.allOld())
        let outcome = await run(worker, dryRun: true)
        #expect(worker.calls.allSatisfy { $0.hasPrefix("probe") })
        #expect(outcome.records.allSatisfy { $0.status == .ok })
        #expect(outcome.records.first { $0.node.host == "m1" }?.message.contains("would be upgraded (step 1)") == true)
        #expect(Self.nodes.allSatisfy { worker.bundle($0.host) == "old" })
    }
}

/// Sets the leader once the probe is over: the plan does not know it, the gates do.
final class LeaderAfterProbe: NodeWorker {
    let inner: VersionedWorker
    let leader: String

    init(_ inner: VersionedWorker, leader: String) {
        self.inner = inner
        self.leader = leader
    }

    func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord {
        if phase == .postflight, !inner.calls.contains(where: { $0.hasPrefix("postflight") }) {
            let leader = self.leader
            inner.leader.withLock { $0 = leader }
        }
        return await inner.perform(phase, on: node)
    }

    func address(of node: ClusterNode) -> String { node.host }
}
