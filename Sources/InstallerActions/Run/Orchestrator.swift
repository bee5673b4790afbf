import InstallerCluster
import InstallerConfig
import InstallerRender

/// Does one phase on one node and says how it went. Failures are values; it never throws. When the
/// calling task is cancelled, it stops within about two seconds and returns a cancelled record.
public protocol NodeWorker: Sendable {
    func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord
    /// `host` or `host:port`, for records of hosts that were never started.
    func address(of node: ClusterNode) -> String
    /// Says which nodes come next, so the worker may get ready for them (connect). Nothing may change
    /// on those nodes before their phase is performed.
    func prefetch(_ nodes: [ClusterNode])
    /// Says these nodes' part of the run is done, so the worker may let go of what it holds for them
    /// (their sessions).
    func release(_ nodes: [ClusterNode])
}

extension NodeWorker {
    public func prefetch(_ nodes: [ClusterNode]) {}
    public func release(_ nodes: [ClusterNode]) {}
}

/// Told when hosts start and finish, for the live view and the journal. Called from worker tasks.
public protocol ProgressObserver: Sendable {
    func started(_ node: ClusterNode, phase: Phase)
    func finished(_ record: HostRecord, phase: Phase)
    /// A line about the run as a whole ("Masters: 3 at once").
    func note(_ text: String)
    /// A decision of `--watch` (`repair`, `backoff`, `stop`, …) with the hosts it is about: its journal.
    func decision(_ kind: String, _ text: String, hosts: [String])
}

extension ProgressObserver {
    public func decision(_ kind: String, _ text: String, hosts: [String]) { note(text) }
}

/// The order, batches and tolerance of `--deploy`.
public struct DeployPolicy: Sendable, Hashable {
    public var mastersSerial: Bool
    public var canary: Int
    public var maxInFlight: CountOrPercent
    public var maxFailedAgents: CountOrPercent
    /// Hosts at once for the other phases (`ssh_parallelism`).
    public var parallelism: Int

    public init(
        mastersSerial: Bool,
        canary: Int,
        maxInFlight: CountOrPercent,
        maxFailedAgents: CountOrPercent,
        parallelism: Int
    ) {
        self.mastersSerial = mastersSerial
        self.canary = canary
        self.maxInFlight = maxInFlight
        self.maxFailedAgents = maxFailedAgents
        self.parallelism = max(1, parallelism)
    }

    /// From `deploy_*` and `ssh_parallelism`.
    public init(config: ValidatedConfig) {
        self.init(
            mastersSerial: config.deployMastersSerial,
            canary: config.deployCanary,
            maxInFlight: config.deployMaxInFlight ?? .percent(25),
            maxFailedAgents: config.deployMaxFailedAgents ?? .count(0),
            parallelism: config.sshParallelism
        )
    }

    /// How `agents` agents are deployed: the canary batch, then at most `inFlight` at once, stopping once
    /// more than `maxFailed` have failed.
    public func agentSchedule(agents: Int) -> AgentSchedule {
        AgentSchedule(
            canary: min(max(0, canary), agents),
            inFlight: min(max(1, maxInFlight.resolve(of: agents, roundingUp: true, floor: 1)), parallelism),
            maxFailed: maxFailedAgents.resolve(of: agents, roundingUp: false)
        )
    }
}

/// The resolved agent batches of one deploy.
public struct AgentSchedule: Sendable, Hashable {
    public var canary: Int
    public var inFlight: Int
    public var maxFailed: Int
}

/// What `--deploy` did.
public struct DeployOutcome: Sendable {
    /// One record per node, in the order given.
    public var records: [HostRecord]
    /// The masters' postflight before the agents (empty when no agent was to be deployed).
    public var gate: [HostRecord]
    /// Why agents were not (all) started, when they were not.
    public var stopReason: String?
}

/// Schedules hosts: in parallel under a limit, or in the deploy order. Knows nothing of SSH.
public enum Orchestrator {
    /// Runs `phase` on every node, at most `limit` at once. Nodes in `done` are not run again: their
    /// records are carried over. After cancellation no node starts; those not started come back cancelled.
    public static func parallel(
        _ phase: Phase,
        nodes: [ClusterNode],
        done: [String: HostRecord] = [:],
        limit: Int,
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> [HostRecord] {
        let pending = nodes.filter { done[$0.host] == nil }
        let ran = await window(phase, pending, limit: limit, worker: worker, observer: observer) { _ in nil }
        return nodes.map { done[$0.host] ?? ran[$0.host]! }
    }

    /// `--deploy`: masters (all at once, or one at a time), the masters' health gate (postflight on
    /// `gateMasters`, every master of the cluster), then agents: the canary batch, then `inFlight` at
    /// once. A failed master or gate leaves every agent skipped; agent failures beyond `maxFailed`, or a
    /// canary batch that failed entirely, leave the agents not yet started skipped.
    public static func deploy(
        nodes: [ClusterNode],
        gateMasters: [ClusterNode],
        done: [String: HostRecord] = [:],
        policy: DeployPolicy,
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> DeployOutcome {
        var records: [String: HostRecord] = done.filter { entry in nodes.contains { $0.host == entry.key } }
        let masters = nodes.filter { $0.role == .master && done[$0.host] == nil }
        let agents = nodes.filter { $0.role != .master && done[$0.host] == nil }
        let schedule = policy.agentSchedule(agents: agents.count)
        var stopReason: String?
        var gate: [HostRecord] = []

        if !masters.isEmpty {
            observer.note(
                policy.mastersSerial
                    ? "Masters: \(masters.count), one at a time."
                    : "Masters: \(masters.count), all at once."
            )
            // Their sessions are kept for the health gate.
            let ran = await window(
                .install,
                masters,
                limit: policy.mastersSerial ? 1 : policy.parallelism,
                worker: worker,
                observer: observer,
                releasing: false
            ) { finished in
                finished.status == .ok ? nil : "master \(finished.address) failed"
            }
            records.merge(ran) { $1 }
        }
        let failedMasters = nodes.filter { $0.role == .master }.compactMap { records[$0.host] }.filter {
            $0.status != .ok
        }
        if let first = failedMasters.first {
            stopReason = "master \(first.address) did not install (\(first.status.rawValue)), so no agent was touched"
        } else if !agents.isEmpty && !Task.isCancelled {
            observer.note("Health gate: postflight on \(gateMasters.count) master\(gateMasters.count == 1 ? "" : "s").")
            // Connect to the first agents while the gate runs; nothing runs on them unless it passes.
            worker.prefetch(Array(agents.prefix(schedule.canary > 0 ? schedule.canary : schedule.inFlight)))
            gate = await window(.postflight, gateMasters, limit: policy.parallelism, worker: worker, observer: observer)
            {
                _ in nil
            }.values.sorted { a, b in
                (gateMasters.firstIndex(of: a.node) ?? 0) < (gateMasters.firstIndex(of: b.node) ?? 0)
            }
            for check in gate where records[check.node.host] != nil {
                records[check.node.host] = merge(gate: check, into: records[check.node.host]!)
            }
            if let failed = gate.first(where: { $0.status != .ok }) {
                stopReason =
                    "the masters' health gate failed on \(failed.address) (\(failed.message)), so no agent was touched"
            }
        }
        worker.release(masters + gateMasters)
        if stopReason == nil && !agents.isEmpty && !Task.isCancelled {
            let batches = await agentBatches(
                agents,
                phase: .install,
                schedule: schedule,
                toleranceKey: "deploy_max_failed_agents",
                worker: worker,
                observer: observer
            )
            records.merge(batches.records) { $1 }
            stopReason = batches.stopReason
        }
        let result = nodes.map { node in
            records[node.host] ?? notStarted(node, worker: worker, reason: stopReason)
        }
        return DeployOutcome(records: result, gate: gate, stopReason: stopReason)
    }

    /// Agents in the deploy order: the canary batch alone, then `inFlight` at once, stopping once more than
    /// `maxFailed` have failed (`toleranceKey` names the key in the reason) or every canary failed.
    static func agentBatches(
        _ agents: [ClusterNode],
        phase: Phase,
        schedule: AgentSchedule,
        toleranceKey: String,
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> (records: [String: HostRecord], stopReason: String?) {
        func tooMany(_ failures: Int) -> String {
            "\(failures) agent\(failures == 1 ? "" : "s") failed, more than \(toleranceKey) allows (\(schedule.maxFailed)), so the agents not yet started were not"
        }
        var records: [String: HostRecord] = [:]
        var stopReason: String?
        var failures = 0
        var remaining = agents
        if schedule.canary > 0 {
            let canaries = Array(agents.prefix(schedule.canary))
            remaining = Array(agents.dropFirst(schedule.canary))
            observer.note("Agents: canary \(canaries.map(\.host).joined(separator: ", ")).")
            worker.prefetch(Array(remaining.prefix(schedule.inFlight)))
            let ran = await window(phase, canaries, limit: schedule.canary, worker: worker, observer: observer) { _ in
                nil
            }
            records.merge(ran) { $1 }
            failures = ran.values.filter { $0.status != .ok && $0.status != .cancelled }.count
            if failures == canaries.count {
                stopReason = "every canary agent failed, so the other agents were not started"
            } else if failures > schedule.maxFailed {
                stopReason = tooMany(failures)
            }
        }
        if stopReason == nil && !remaining.isEmpty && !Task.isCancelled {
            observer.note(
                "Agents: \(remaining.count), \(schedule.inFlight) at a time, tolerating \(schedule.maxFailed) failure\(schedule.maxFailed == 1 ? "" : "s")."
            )
            var failed = failures
            let ran = await window(phase, remaining, limit: schedule.inFlight, worker: worker, observer: observer) {
                finished in
                if finished.status != .ok && finished.status != .cancelled { failed += 1 }
                return failed > schedule.maxFailed ? tooMany(failed) : nil
            }
            records.merge(ran) { $1 }
            if failed > schedule.maxFailed { stopReason = tooMany(failed) }
        }
        return (records, stopReason)
    }

    /// Runs `phase` on `nodes`, at most `limit` at once, in order. After each host, `stop` may return a
    /// reason to start no more: the hosts not started come back skipped (cancelled after cancellation).
    /// With `releasing`, each host is released as soon as it is done.
    static func window(
        _ phase: Phase,
        _ nodes: [ClusterNode],
        limit: Int,
        worker: any NodeWorker,
        observer: any ProgressObserver,
        releasing: Bool = true,
        stop: (HostRecord) -> String?
    ) async -> [String: HostRecord] {
        var records: [String: HostRecord] = [:]
        var stopped: String?
        await withTaskGroup(of: HostRecord.self) { group in
            var next = 0
            func startNext() -> Bool {
                guard next < nodes.count, stopped == nil, !Task.isCancelled else { return false }
                let node = nodes[next]
                next += 1
                observer.started(node, phase: phase)
                group.addTask { await worker.perform(phase, on: node) }
                // The nodes that take the next free slots get ready meanwhile.
                worker.prefetch(Array(nodes[next..<min(nodes.count, next + max(1, limit))]))
                return true
            }
            for _ in 0..<max(1, limit) where !startNext() { break }
            while let record = await group.next() {
                records[record.node.host] = record
                if releasing { worker.release([record.node]) }
                observer.finished(record, phase: phase)
                if stopped == nil, let reason = stop(record) { stopped = reason }
                _ = startNext()
            }
        }
        for node in nodes where records[node.host] == nil {
            records[node.host] = notStarted(node, worker: worker, reason: stopped)
        }
        return records
    }

    /// The masters' health gate: the postflight on every master (ZooKeeper's leader and quorum, units,
    /// admin router), at most `limit` at once; their sessions are released after it.
    static func mastersGate(
        _ masters: [ClusterNode],
        limit: Int,
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> [String: HostRecord] {
        let checked = await window(.postflight, masters, limit: limit, worker: worker, observer: observer) { _ in nil }
        worker.release(masters)
        return checked
    }

    /// The record of a node the run did not start: cancelled after Ctrl-C, else skipped for `reason`.
    static func notStarted(_ node: ClusterNode, worker: any NodeWorker, reason: String?) -> HostRecord {
        let cancelled = Task.isCancelled
        return HostRecord(
            node: node,
            address: worker.address(of: node),
            status: cancelled ? .cancelled : .skipped,
            message: cancelled ? "not started: the run was interrupted" : "not started: \(reason ?? "")"
        )
    }

    /// A master's record with the health gate's postflight appended.
    static func merge(gate: HostRecord, into record: HostRecord) -> HostRecord {
        var merged = record
        merged.steps += gate.steps
        merged.checks = gate.checks
        if gate.status != .ok {
            merged.status = gate.status
            merged.errorClass = gate.errorClass
            merged.message = "health gate: " + gate.message
            merged.stderrTail = gate.stderrTail
        }
        merged.finished = gate.finished ?? merged.finished
        return merged
    }
}
