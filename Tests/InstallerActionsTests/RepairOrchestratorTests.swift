import InstallerActions
import InstallerCluster
import InstallerConfig
import InstallerRender
import Synchronization
import Testing

/// Nodes that are healthy or broken: --verify fails on a broken node, --repair fixes it (unless told to
/// fail), the gate fails on a master that is still broken. Records calls and the most repairs at once.
final class HealthWorker: NodeWorker {
    private let broken: Mutex<Set<String>>
    private let log = Mutex<[String]>([])
    private let running = Mutex((now: 0, most: 0))
    let failingRepairs: Set<String>
    let unreachable: Set<String>
    let changedHostKeys: Set<String>

    init(
        broken: Set<String>,
        failingRepairs: Set<String> = [],
        unreachable: Set<String> = [],
        changedHostKeys: Set<String> = []
    ) {
        self.broken = Mutex(broken)
        self.failingRepairs = failingRepairs
        self.unreachable = unreachable
        self.changedHostKeys = changedHostKeys
    }

    var calls: [String] { log.withLock { $0 } }
    var mostRepairsAtOnce: Int { running.withLock { $0.most } }
    func isBroken(_ host: String) -> Bool { broken.withLock { $0.contains(host) } }

    func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord {
        log.withLock { $0.append("\(phase) \(node.host)") }
        var record = HostRecord(node: node, address: node.host, status: .ok)
        if unreachable.contains(node.host) || changedHostKeys.contains(node.host) {
            record.status = changedHostKeys.contains(node.host) ? .failed : .timeout
            record.errorClass = changedHostKeys.contains(node.host) ? "host_key_changed" : "connect_timeout"
            record.message = changedHostKeys.contains(node.host) ? "HOST KEY CHANGED" : "connection refused"
            return record
        }
        switch phase {
        case .verify, .postflight:
            if phase == .verify {
                let now = WallTime.now
                record.steps = [
                    StepRecord(
                        name: "verify",
                        command: "dcos_install.sh --verify",
                        result: isBroken(node.host) ? .failed : .ok,
                        exitStatus: isBroken(node.host) ? 1 : 0,
                        started: now,
                        finished: now
                    )
                ]
            }
            if isBroken(node.host) {
                record.status = .failed
                record.checks = [NodeCheck(name: "units", severity: .error, status: .fail, detail: "not active: x")]
                record.message = "units: not active: x"
            }
        case .repair:
            running.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
            try? await Task.sleep(for: .milliseconds(20))
            running.withLock { $0.now -= 1 }
            if failingRepairs.contains(node.host) {
                record.status = .failed
                record.message = "Repair: units did not start"
            } else {
                _ = broken.withLock { $0.remove(node.host) }
                record.nodeResult = "repaired"
            }
        default:
            break
        }
        return record
    }

    func address(of node: ClusterNode) -> String { node.host }
}

@Suite("--repair: status, then broken masters one at a time behind the gate, then agents")
struct RepairOrchestratorTests {
    static let masters = ["m1", "m2", "m3"].map { ClusterNode(host: $0, role: .master) }
    static let agents = (1...6).map { ClusterNode(host: "a\($0)", role: .slave) }
    static var nodes: [ClusterNode] { masters + agents }

    func repair(_ worker: HealthWorker, maxInFlight: Int = 2, skip: [String: String] = [:]) async -> RepairOutcome {
        await Orchestrator.repair(
            nodes: Self.nodes,
            clusterMasters: Self.masters,
            policy: RepairPolicy(maxInFlight: maxInFlight, parallelism: 8),
            skip: skip,
            worker: worker,
            observer: SilentObserver()
        )
    }

    @Test("Only broken nodes are repaired: the master first with a gate after it, then the agents")
    func onlyBrokenNodes() async {
        let worker = HealthWorker(broken: ["m2", "a1", "a4"])
        let outcome = await repair(worker)
        #expect(outcome.stopReason == nil)
        #expect(outcome.repaired.map(\.host) == ["m2", "a1", "a4"])
        let repairs = worker.calls.filter { $0.hasPrefix("repair") }
        #expect(repairs.sorted() == ["repair a1", "repair a4", "repair m2"])
        let calls = worker.calls
        let masterRepair = calls.firstIndex(of: "repair m2")!
        let firstGate = calls.firstIndex(of: "postflight m1")!
        let firstAgent = calls.firstIndex { $0 == "repair a1" || $0 == "repair a4" }!
        #expect(masterRepair < firstGate && firstGate < firstAgent, "\(calls)")
        for record in outcome.records {
            if ["m2", "a1", "a4"].contains(record.node.host) {
                #expect(record.nodeResult == "repaired")
            } else {
                #expect(record.status == .ok && record.message == "converged and healthy; not touched")
            }
        }
        #expect(["m1", "m2", "m3", "a1", "a4"].allSatisfy { !worker.isBroken($0) })
    }

    @Test("Two broken masters: one at a time, the gate after the first ignores the one still to repair")
    func mastersOneAtATime() async {
        let worker = HealthWorker(broken: ["m1", "m3"])
        let outcome = await repair(worker)
        #expect(outcome.stopReason == nil, "\(outcome.stopReason ?? "")")
        let order = worker.calls.filter { $0.hasPrefix("repair") || $0 == "postflight m2" }
        #expect(order == ["repair m1", "postflight m2", "repair m3", "postflight m2"], "\(worker.calls)")
        #expect(outcome.gates.count == 6)
    }

    @Test("A master that is not repaired stops the run: no agent is touched")
    func failedMasterStops() async {
        let worker = HealthWorker(broken: ["m1", "a2"], failingRepairs: ["m1"])
        let outcome = await repair(worker)
        #expect(outcome.stopReason?.contains("master m1 was not repaired") == true, "\(outcome.stopReason ?? "")")
        #expect(!worker.calls.contains("repair a2"))
        #expect(outcome.records.first { $0.node.host == "a2" }?.status == .skipped)
    }

    @Test("Unreachable nodes and changed host keys are reported, not repaired; backoff skips a node")
    func unreachableAndChangedKeys() async {
        let worker = HealthWorker(
            broken: ["a3", "a5"],
            unreachable: ["a1"],
            changedHostKeys: ["a2"]
        )
        let outcome = await repair(worker, skip: ["a5": "backing off after 2 failed repairs"])
        let records = Dictionary(uniqueKeysWithValues: outcome.records.map { ($0.node.host, $0) })
        #expect(records["a1"]?.status == .timeout)
        #expect(records["a1"]?.message.hasPrefix("not repaired: it cannot be reached") == true)
        #expect(records["a2"]?.message.contains("--accept-host-key a2") == true, "\(records["a2"]?.message ?? "")")
        #expect(records["a5"]?.status == .skipped)
        #expect(records["a5"]?.message.contains("backing off") == true)
        #expect(worker.calls.filter { $0.hasPrefix("repair") } == ["repair a3"])
    }

    @Test("No more than repair_max_in_flight agents are repaired at once")
    func agentsWithinMaxInFlight() async {
        let worker = HealthWorker(broken: Set(Self.agents.map(\.host)))
        let outcome = await repair(worker, maxInFlight: 2)
        #expect(outcome.repaired.count == 6)
        #expect(worker.mostRepairsAtOnce == 2)
        #expect(!worker.calls.contains { $0.hasPrefix("postflight") })
    }
}

/// Records the watch's decisions.
final class DecisionLog: ProgressObserver {
    private let entries = Mutex<[(kind: String, text: String, hosts: [String])]>([])
    var all: [(kind: String, text: String, hosts: [String])] { entries.withLock { $0 } }
    func kinds() -> [String] { all.map(\.kind) }

    func started(_ node: ClusterNode, phase: Phase) {}
    func finished(_ record: HostRecord, phase: Phase) {}
    func note(_ text: String) {}
    func decision(_ kind: String, _ text: String, hosts: [String]) {
        entries.withLock { $0.append((kind, text, hosts)) }
    }
}

@Suite("--watch: status rounds, repairs within limits, backoff, a partition stops it")
struct WatchTests {
    func watch(_ worker: HealthWorker, rounds: Int, maxUnhealthy: CountOrPercent = .percent(30)) async -> (
        WatchOutcome, DecisionLog
    ) {
        let log = DecisionLog()
        let outcome = await Orchestrator.watch(
            nodes: RepairOrchestratorTests.nodes,
            clusterMasters: RepairOrchestratorTests.masters,
            policy: WatchPolicy(
                interval: .seconds(30),
                maxUnhealthy: maxUnhealthy,
                repair: RepairPolicy(maxInFlight: 2, parallelism: 8),
                rounds: rounds
            ),
            worker: worker,
            observer: log,
            sleep: { _ in }
        )
        return (outcome, log)
    }

    @Test("A broken master and agent are repaired in the first round; the next round finds the cluster healthy")
    func repairsThenHealthy() async {
        let worker = HealthWorker(broken: ["m3", "a2"])
        let (outcome, log) = await watch(worker, rounds: 2)
        #expect(outcome.stopReason == nil)
        #expect(outcome.repaired == ["m3", "a2"])
        #expect(log.kinds() == ["unhealthy", "repaired", "repaired", "healthy"], "\(log.all)")
        #expect(log.all[0].hosts == ["m3", "a2"])
    }

    @Test("More unhealthy nodes than watch_max_unhealthy: the watch stops without repairing any")
    func partitionStops() async {
        // 9 nodes, 30%: 2 allowed; 4 agents unreachable.
        let worker = HealthWorker(broken: ["a5"], unreachable: ["a1", "a2", "a3", "a4"])
        let (outcome, log) = await watch(worker, rounds: 5)
        #expect(outcome.rounds == 1)
        #expect(outcome.stopReason?.contains("network partition") == true, "\(outcome.stopReason ?? "")")
        #expect(log.kinds() == ["unhealthy", "stop"])
        #expect(!worker.calls.contains { $0.hasPrefix("repair") })
    }

    @Test("A node whose repair keeps failing backs off: rounds 1, 3, 7, not every round")
    func backoff() async {
        let worker = HealthWorker(broken: ["a6"], failingRepairs: ["a6"])
        let (outcome, log) = await watch(worker, rounds: 8)
        #expect(outcome.repaired.isEmpty)
        let repairs = worker.calls.filter { $0 == "repair a6" }.count
        #expect(repairs == 3, "\(worker.calls)")
        #expect(log.kinds().filter { $0 == "repair-failed" }.count == 3)
        #expect(log.kinds().contains("backoff"))
        #expect(log.all.first { $0.kind == "repair-failed" }?.text.contains("next try in round 3") == true)
    }

    @Test("A node that cannot be repaired (a changed host key) is journaled once with the way to accept it")
    func cannotRepairIsJournaledOnce() async {
        let worker = HealthWorker(broken: [], changedHostKeys: ["a3"])
        let (outcome, log) = await watch(worker, rounds: 3)
        #expect(outcome.stopReason == nil)
        let said = log.all.filter { $0.kind == "cannot-repair" }
        #expect(said.count == 1, "\(log.all)")
        #expect(said.first?.text.contains("--accept-host-key a3") == true)
        #expect(said.first?.hosts == ["a3"])
    }

    @Test("Ctrl-C ends the watch during its sleep")
    func cancellation() async {
        let worker = HealthWorker(broken: [])
        let task = Task {
            await Orchestrator.watch(
                nodes: RepairOrchestratorTests.nodes,
                clusterMasters: RepairOrchestratorTests.masters,
                policy: WatchPolicy(
                    interval: .seconds(3600),
                    maxUnhealthy: .percent(30),
                    repair: RepairPolicy(maxInFlight: 2, parallelism: 8)
                ),
                worker: worker,
                observer: DecisionLog()
            )
        }
        try? await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let outcome = await task.value
        #expect(outcome.rounds == 1)
        #expect(outcome.stopReason == nil)
    }
}
