import InstallerCluster
import InstallerConfig
import InstallerRender

/// How many nodes `--repair` and `--watch` repair at once (`repair_*` keys). Masters always go one at a time.
public struct RepairPolicy: Sendable, Hashable {
    /// Agents repaired at once.
    public var maxInFlight: Int
    /// Hosts at once for the status probe and the health gate (`ssh_parallelism`).
    public var parallelism: Int

    public init(maxInFlight: Int, parallelism: Int) {
        self.maxInFlight = max(1, maxInFlight)
        self.parallelism = max(1, parallelism)
    }

    public init(config: ValidatedConfig) {
        self.init(maxInFlight: config.repairMaxInFlight, parallelism: config.sshParallelism)
    }
}

/// What `--repair` (or one round of `--watch`) did.
public struct RepairOutcome: Sendable {
    /// Every node's record: its repair when it was repaired, else its status.
    public var records: [HostRecord]
    /// The masters' health gates after each repaired master, in order.
    public var gates: [HostRecord]
    /// The status of every node before anything was repaired.
    public var status: [String: HostRecord]
    /// The nodes that were repaired (or tried), in order.
    public var repaired: [ClusterNode]
    public var stopReason: String?
}

extension Orchestrator {
    /// Why a node's status cannot be fixed by repairing it, or nil when repairing it can: only a node that
    /// answered the status check (its `--verify` ran) is repaired.
    static func unrepairable(_ record: HostRecord) -> String? {
        if record.status == .ok || record.steps.contains(where: { $0.name == "verify" && $0.exitStatus != nil }) {
            return nil
        }
        switch record.errorClass {
        case "host_key_changed"?:
            return
                "its host key changed (a replaced machine?): check the new key, then repair it with --repair --accept-host-key \(record.node.host)"
        case "host_key_unknown"?:
            return "its host key is not known and ssh_known_hosts_policy is strict: \(record.message)"
        case "authentication"?:
            return "it does not accept the login: \(record.message)"
        default:
            break
        }
        switch record.status {
        case .unreachable, .timeout:
            return
                "it cannot be reached (\(record.message)): a powered-off machine comes back when it boots, or a blank one at its address is installed"
        case .skipped, .cancelled: return "it was not checked"
        case .ok, .failed: return "its status could not be read (\(record.message))"
        }
    }

    /// `--repair`: the status of every node (`dcos_install.sh --verify`), then every node that is not
    /// converged and healthy is repaired (`dcos_install.sh --repair`: changed or missing files put back,
    /// stopped units restarted, a blank machine installed, another configuration upgraded): masters one
    /// at a time, each followed by the masters' health gate (ZooKeeper: one leader and a quorum), then the
    /// agents, `maxInFlight` at once. Healthy nodes are not touched; a node that cannot be reached is
    /// reported, not retried. `skip` names nodes not to repair this time (`--watch`'s backoff).
    public static func repair(
        nodes: [ClusterNode],
        clusterMasters: [ClusterNode],
        policy: RepairPolicy,
        skip: [String: String] = [:],
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> RepairOutcome {
        observer.note("Checking \(nodes.count) node\(nodes.count == 1 ? "" : "s") against the served configuration.")
        let status = await window(.verify, nodes, limit: policy.parallelism, worker: worker, observer: observer) { _ in
            nil
        }
        worker.release(nodes)
        return await repair(
            status: status,
            nodes: nodes,
            clusterMasters: clusterMasters,
            policy: policy,
            skip: skip,
            worker: worker,
            observer: observer
        )
    }

    /// Repairs after a status already taken (`--watch` decides on it first).
    static func repair(
        status: [String: HostRecord],
        nodes: [ClusterNode],
        clusterMasters: [ClusterNode],
        policy: RepairPolicy,
        skip: [String: String],
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> RepairOutcome {
        var records: [String: HostRecord] = [:]
        var gates: [HostRecord] = []
        var repaired: [ClusterNode] = []
        var broken: [ClusterNode] = []
        for node in nodes {
            guard var record = status[node.host] else { continue }
            if record.status == .ok {
                record.message = "converged and healthy; not touched"
                record.nodeResult = "unchanged"
                records[node.host] = record
            } else if let reason = unrepairable(record) {
                record.message = "not repaired: " + reason
                records[node.host] = record
            } else if let reason = skip[node.host] {
                record.status = .skipped
                record.message = "not repaired this time: \(reason)"
                records[node.host] = record
            } else {
                broken.append(node)
            }
        }
        func finish(_ reason: String?) -> RepairOutcome {
            let result = nodes.map { records[$0.host] ?? notStarted($0, worker: worker, reason: reason) }
            return RepairOutcome(records: result, gates: gates, status: status, repaired: repaired, stopReason: reason)
        }
        if broken.isEmpty {
            observer.note("Nothing to repair.")
            return finish(nil)
        }
        for node in broken {
            let failed = status[node.host].map { record in
                record.checks.filter(\.isFailedError).map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
            }
            let why = failed.flatMap { $0.isEmpty ? nil : $0 } ?? status[node.host]?.message ?? ""
            observer.note("To repair: \(node.host) (\(node.role.rawValue)): \(why)")
        }
        // Masters one at a time; after each, ZooKeeper must have one leader and a quorum again.
        for master in broken where master.role == .master {
            if Task.isCancelled { return finish(nil) }
            observer.note("Master \(master.host): repairing.")
            let ran = await window(.repair, [master], limit: 1, worker: worker, observer: observer) { _ in nil }
            records.merge(ran) { $1 }
            repaired.append(master)
            guard let record = ran[master.host], record.status == .ok else {
                return finish(
                    "master \(master.host) was not repaired (\(ran[master.host]?.message ?? "")), so no other node was touched"
                )
            }
            observer.note("Health gate after \(master.host): ZooKeeper and postflight on every master.")
            let checked = await mastersGate(
                clusterMasters,
                limit: policy.parallelism,
                worker: worker,
                observer: observer
            )
            gates += clusterMasters.compactMap { checked[$0.host] }
            // A master that was broken and is repaired later may still fail the gate; the others must pass.
            let pending = Set(broken.filter { $0.role == .master && !repaired.contains($0) }.map(\.host))
            if let failed = clusterMasters.compactMap({ checked[$0.host] }).first(where: {
                $0.status != .ok && !pending.contains($0.node.host)
            }) {
                return finish(
                    "the masters' health gate failed after repairing \(master.host), on \(failed.address) (\(failed.message)), so no other node was touched"
                )
            }
        }
        let agents = broken.filter { $0.role != .master }
        if !agents.isEmpty && !Task.isCancelled {
            observer.note(
                "Repairing \(agents.count) agent\(agents.count == 1 ? "" : "s"), \(policy.maxInFlight) at once."
            )
            let ran = await window(.repair, agents, limit: policy.maxInFlight, worker: worker, observer: observer) {
                _ in nil
            }
            records.merge(ran) { $1 }
            repaired += agents
        }
        return finish(nil)
    }
}
