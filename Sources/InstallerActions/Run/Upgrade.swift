import InstallerCluster
import InstallerConfig
import InstallerRender

/// The batches and tolerance of `--upgrade` (`upgrade_*` keys). Masters always go one at a time.
public struct UpgradePolicy: Sendable, Hashable {
    public var canaries: Int
    public var maxInFlight: CountOrPercent
    public var failureTolerance: CountOrPercent
    /// Hosts at once for the probe and the health gate (`ssh_parallelism`).
    public var parallelism: Int

    public init(canaries: Int, maxInFlight: CountOrPercent, failureTolerance: CountOrPercent, parallelism: Int) {
        self.canaries = canaries
        self.maxInFlight = maxInFlight
        self.failureTolerance = failureTolerance
        self.parallelism = max(1, parallelism)
    }

    public init(config: ValidatedConfig) {
        self.init(
            canaries: config.upgradeCanaries,
            maxInFlight: config.upgradeMaxInFlight ?? .percent(25),
            failureTolerance: config.upgradeFailureTolerance ?? .count(0),
            parallelism: config.sshParallelism
        )
    }

    /// The agent batches for `agents` agents to upgrade.
    public func agentSchedule(agents: Int) -> AgentSchedule {
        DeployPolicy(
            mastersSerial: true,
            canary: canaries,
            maxInFlight: maxInFlight,
            maxFailedAgents: failureTolerance,
            parallelism: parallelism
        ).agentSchedule(agents: agents)
    }
}

/// One node in the plan of `--upgrade`: what it runs and what it is to run.
public struct UpgradeStep: Sendable, Hashable {
    public enum Change: String, Sendable, Hashable {
        /// Its installed bundle differs from the desired one: it is upgraded.
        case upgrade
        /// It runs the desired bundle already: left untouched.
        case current
    }

    public var node: ClusterNode
    public var installed: InstalledVersion
    public var change: Change
    /// 1, 2, …: the order nodes are upgraded in (masters first, one at a time); 0 for `current`.
    public var order: Int
}

/// What `--upgrade` did.
public struct UpgradeOutcome: Sendable {
    public var records: [HostRecord]
    /// The ZooKeeper/health gates on the masters, in order.
    public var gates: [HostRecord]
    public var plan: [UpgradeStep]
    public var stopReason: String?
}

extension Orchestrator {
    /// `--upgrade`: probes every node (and every master), plans, then upgrades the masters one at a time,
    /// each behind the masters' health gate (ZooKeeper: one leader, every other master following) before
    /// and after it, then the agents: canaries, then batches, within the failure tolerance. Nodes that
    /// run the desired bundle are not touched. Nothing changes when the probe fails on any node, when a
    /// node has no DC/OS or another role, or when the masters differ from the installed master list.
    /// With `dryRun`, stops after the plan.
    public static func upgrade(
        nodes: [ClusterNode],
        clusterMasters: [ClusterNode],
        desiredBundles: [Role: String],
        staticMasters: Bool,
        done: [String: HostRecord] = [:],
        policy: UpgradePolicy,
        dryRun: Bool = false,
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> UpgradeOutcome {
        var records: [String: HostRecord] = done.filter { entry in nodes.contains { $0.host == entry.key } }
        var gates: [HostRecord] = []
        var probes: [String: HostRecord] = [:]
        func finish(_ plan: [UpgradeStep], _ reason: String?) -> UpgradeOutcome {
            let result = nodes.map { node in
                // Every host's report says what it ran before (the probe), whatever happened after.
                records[node.host].map { record in
                    var record = record
                    if record.installed == nil { record.installed = probes[node.host]?.installed }
                    return record
                }
                    ?? notStarted(node, worker: worker, reason: reason)
            }
            return UpgradeOutcome(records: result, gates: gates, plan: plan, stopReason: reason)
        }

        // The probe: every node to upgrade and every master (the gate and the master list need them).
        var probed = nodes.filter { done[$0.host] == nil }
        for master in clusterMasters where !probed.contains(master) { probed.append(master) }
        observer.note("Probing \(probed.count) node\(probed.count == 1 ? "" : "s") for what they run.")
        probes = await window(.probe, probed, limit: policy.parallelism, worker: worker, observer: observer) {
            _ in nil
        }
        worker.release(probed)
        if let failed = probed.compactMap({ probes[$0.host] }).first(where: { $0.status != .ok }) {
            let reason = "the probe failed on \(failed.address) (\(failed.message)), so nothing was changed"
            for node in nodes where records[node.host] == nil { records[node.host] = probes[node.host] }
            return finish([], reason)
        }

        // The plan.
        var plan: [UpgradeStep] = []
        var problems: [String] = []
        func refuse(_ node: ClusterNode, _ problem: String) {
            problems.append("\(node.host) \(problem)")
            guard nodes.contains(node), var record = probes[node.host] else { return }
            record.status = .failed
            record.errorClass = "upgrade_refused"
            record.message = problem
            records[node.host] = record
        }
        for node in probed {
            guard let installed = probes[node.host]?.installed else {
                refuse(node, "has no DC/OS installed (--deploy installs it)")
                continue
            }
            guard installed.role == node.role.rawValue else {
                refuse(
                    node,
                    "runs as \(installed.role), config.yaml makes it a \(node.role.rawValue) (a node cannot change its role by an upgrade: decommission it, then deploy it)"
                )
                continue
            }
            guard nodes.contains(node) else { continue }
            let current = installed.bundle == desiredBundles[node.role]
            plan.append(UpgradeStep(node: node, installed: installed, change: current ? .current : .upgrade, order: 0))
        }
        if staticMasters {
            let configured = Set(clusterMasters.map(\.host))
            for node in clusterMasters {
                guard let list = probes[node.host]?.installed?.masterList, !list.isEmpty else { continue }
                if Set(list) != configured {
                    problems.append(
                        "the master_list changed (installed: \(list.joined(separator: ", ")); config.yaml: \(clusterMasters.map(\.host).joined(separator: ", "))): with master_discovery: static the masters of a cluster cannot change (their ZooKeeper ensemble and every agent name them); keep master_list as installed"
                    )
                    break
                }
            }
        }
        let changing = plan.filter { $0.change == .upgrade }
        // The ZooKeeper leader goes last: restarting a follower elects nobody, so the ensemble holds one
        // election in the whole upgrade (leader first could make it hold one per master).
        var masters = changing.filter { $0.node.role == .master }.map(\.node)
        if let leader = masters.firstIndex(where: { probes[$0.host]?.installed?.zookeeperMode == "leader" }) {
            masters.append(masters.remove(at: leader))
        }
        let agents = changing.filter { $0.node.role != .master }.map(\.node)
        var order = 0
        for node in masters + agents {
            order += 1
            if let index = plan.firstIndex(where: { $0.node == node }) { plan[index].order = order }
        }
        plan.sort {
            ($0.order == 0 ? Int.max : $0.order, $0.node.host) < ($1.order == 0 ? Int.max : $1.order, $1.node.host)
        }
        for step in plan.sorted(by: { $0.order < $1.order }) where step.change == .upgrade {
            observer.note(
                "Plan \(step.order): \(step.node.host) (\(step.node.role.rawValue)) \(step.installed.release) configuration \(step.installed.configID.prefix(12)) → the served configuration."
            )
        }
        if !problems.isEmpty {
            return finish(plan, problems.joined(separator: "; ") + "; nothing was changed")
        }
        for step in plan where step.change == .current {
            var record = probes[step.node.host]!
            record.message = "already runs the served configuration \(step.installed.configID.prefix(12)); not touched"
            record.nodeResult = "unchanged"
            records[step.node.host] = record
        }
        if dryRun {
            for step in plan where step.change == .upgrade {
                var record = probes[step.node.host]!
                record.message =
                    "would be upgraded (step \(step.order)) from \(step.installed.release), configuration \(step.installed.configID.prefix(12))"
                records[step.node.host] = record
            }
            return finish(plan, "dry run: nothing was changed")
        }
        if changing.isEmpty {
            observer.note("Every node runs the served configuration already.")
            return finish(plan, nil)
        }

        // Masters, one at a time, each between two passing gates.
        var leader: String?
        func gate(_ when: String) async -> String? {
            observer.note(
                "Health gate (\(when)): ZooKeeper and postflight on \(clusterMasters.count) master\(clusterMasters.count == 1 ? "" : "s")."
            )
            let checked = await mastersGate(
                clusterMasters,
                limit: policy.parallelism,
                worker: worker,
                observer: observer
            )
            gates += clusterMasters.compactMap { checked[$0.host] }
            leader =
                clusterMasters.first { master in
                    checked[master.host]?.checks.contains {
                        $0.name == "zookeeper-quorum" && $0.detail.hasPrefix("this node is leader")
                    } == true
                }?.host
            guard let failed = clusterMasters.compactMap({ checked[$0.host] }).first(where: { $0.status != .ok }) else {
                return nil
            }
            return "the masters' health gate failed \(when) on \(failed.address) (\(failed.message))"
        }
        var remaining = masters
        while !remaining.isEmpty {
            if Task.isCancelled { break }
            if let failed = await gate("before \(remaining[0].host)") {
                return finish(plan, failed + ", so \(remaining[0].host) and the nodes after it were not touched")
            }
            // The leader moved (an election since the probe): it still goes last.
            if remaining.count > 1, let leader, let index = remaining.firstIndex(where: { $0.host == leader }),
                index < remaining.count - 1
            {
                observer.note("ZooKeeper's leader is now \(leader): it is upgraded last.")
                remaining.append(remaining.remove(at: index))
            }
            let master = remaining.removeFirst()
            observer.note("Master \(master.host): upgrading.")
            let ran = await window(.install, [master], limit: 1, worker: worker, observer: observer) { _ in nil }
            records.merge(ran) { $1 }
            if let record = ran[master.host], record.status != .ok {
                return finish(
                    plan,
                    "master \(record.address) did not upgrade (\(record.status.rawValue): \(record.message)), so no other node was touched"
                )
            }
        }
        if !Task.isCancelled, !agents.isEmpty || !masters.isEmpty {
            if let failed = await gate(masters.isEmpty ? "before the agents" : "after the masters") {
                return finish(plan, failed + (agents.isEmpty ? "" : ", so no agent was touched"))
            }
        }
        var stopReason: String?
        if !agents.isEmpty && !Task.isCancelled {
            let batches = await agentBatches(
                agents,
                phase: .install,
                schedule: policy.agentSchedule(agents: agents.count),
                toleranceKey: "upgrade_failure_tolerance",
                worker: worker,
                observer: observer
            )
            records.merge(batches.records) { $1 }
            stopReason = batches.stopReason
        }
        return finish(plan, stopReason)
    }
}
