import InstallerCluster
import InstallerConfig
import InstallerRender

/// How `--watch` keeps the cluster matching config.yaml (`--interval`, `watch_max_unhealthy`, `repair_*`).
public struct WatchPolicy: Sendable, Hashable {
    /// Time between the start of one status round and the next.
    public var interval: Duration
    /// More unhealthy or unreachable nodes than this at once: a partition, not node faults; the watch stops.
    public var maxUnhealthy: CountOrPercent
    public var repair: RepairPolicy
    /// A node whose repair failed this many times in a row waits 2, 4, 8, … rounds, at most this many.
    public var maxBackoffRounds: Int
    /// Stop after this many rounds (nil: until Ctrl-C or a stop). Tests use it.
    public var rounds: Int?

    public init(
        interval: Duration,
        maxUnhealthy: CountOrPercent,
        repair: RepairPolicy,
        maxBackoffRounds: Int = 16,
        rounds: Int? = nil
    ) {
        self.interval = interval
        self.maxUnhealthy = maxUnhealthy
        self.repair = repair
        self.maxBackoffRounds = max(1, maxBackoffRounds)
        self.rounds = rounds
    }

    /// The most unhealthy nodes of `total` the watch still repairs (at least one).
    public func unhealthyLimit(of total: Int) -> Int {
        max(1, maxUnhealthy.resolve(of: total, roundingUp: false))
    }
}

/// What `--watch` did, when it stopped.
public struct WatchOutcome: Sendable {
    /// The last round's records (its repair, or its status).
    public var records: [HostRecord]
    public var gates: [HostRecord]
    public var rounds: Int
    /// Nodes repaired successfully over the whole watch, in order.
    public var repaired: [String]
    /// Why the watch stopped by itself (a partition); nil after Ctrl-C or the rounds asked for.
    public var stopReason: String?
}

extension Orchestrator {
    /// `--watch`: every `interval`, the status of every node; when some are not converged and healthy,
    /// `repair` fixes them within its limits (one master at a time behind the gate, `repair_max_in_flight`
    /// agents). A node whose repair keeps failing backs off (2, 4, 8, … rounds). When more nodes than
    /// `watch_max_unhealthy` are unhealthy or unreachable at once, it stops without touching any: that is
    /// a network partition or a cluster-wide fault, which reinstalling nodes would make worse. Each
    /// decision goes to the observer's journal. Ctrl-C (cancellation) ends it between or within rounds.
    public static func watch(
        nodes: [ClusterNode],
        clusterMasters: [ClusterNode],
        policy: WatchPolicy,
        worker: any NodeWorker,
        observer: any ProgressObserver,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async -> WatchOutcome {
        let quiet = StatusQuietObserver(inner: observer)
        var backoff: [String: (failures: Int, nextRound: Int)] = [:]
        // Why a node cannot be repaired, as last journaled (said again only when it changes).
        var cannot: [String: String] = [:]
        var last: [HostRecord] = []
        var gates: [HostRecord] = []
        var repairedHosts: [String] = []
        var round = 0
        let limit = policy.unhealthyLimit(of: nodes.count)
        observer.note(
            "Watching \(nodes.count) nodes every \(policy.interval): repairs when at most \(limit) are unhealthy, \(policy.repair.maxInFlight) agent\(policy.repair.maxInFlight == 1 ? "" : "s") at once; Ctrl-C stops."
        )
        while !Task.isCancelled {
            round += 1
            let started = ContinuousClock.now
            let status = await window(.verify, nodes, limit: policy.repair.parallelism, worker: worker, observer: quiet)
            {
                _ in nil
            }
            worker.release(nodes)
            if Task.isCancelled { break }
            let unhealthy = nodes.compactMap { status[$0.host] }.filter { $0.status != .ok }
            last = nodes.compactMap { status[$0.host] }
            if unhealthy.isEmpty {
                observer.decision("healthy", "Round \(round): every node converged and healthy.", hosts: [])
            } else {
                let list = unhealthy.map { "\($0.node.host) (\($0.status.rawValue): \($0.message.prefix(120)))" }
                observer.decision(
                    "unhealthy",
                    "Round \(round): \(unhealthy.count) of \(nodes.count) not converged and healthy: \(list.joined(separator: "; "))",
                    hosts: unhealthy.map(\.node.host)
                )
            }
            if unhealthy.count > limit {
                let reason =
                    "\(unhealthy.count) of \(nodes.count) nodes are unhealthy or unreachable at once (watch_max_unhealthy allows \(limit)): that looks like a network partition or a cluster-wide fault, not node faults, so nothing was repaired and the watch stopped. Check the network, then run --status, and --repair or --watch again."
                observer.decision("stop", reason, hosts: unhealthy.map(\.node.host))
                return WatchOutcome(
                    records: last,
                    gates: gates,
                    rounds: round,
                    repaired: repairedHosts,
                    stopReason: reason
                )
            }
            if !unhealthy.isEmpty {
                var skip: [String: String] = [:]
                for record in unhealthy {
                    guard let entry = backoff[record.node.host], entry.nextRound > round else { continue }
                    skip[record.node.host] =
                        "backing off after \(entry.failures) failed repair\(entry.failures == 1 ? "" : "s") (next try in round \(entry.nextRound))"
                }
                if !skip.isEmpty {
                    observer.decision(
                        "backoff",
                        "Round \(round): not repairing \(skip.keys.sorted().joined(separator: ", ")) this round (backing off).",
                        hosts: skip.keys.sorted()
                    )
                }
                let outcome = await repair(
                    status: status,
                    nodes: nodes,
                    clusterMasters: clusterMasters,
                    policy: policy.repair,
                    skip: skip,
                    worker: worker,
                    observer: quiet
                )
                last = outcome.records
                gates += outcome.gates
                for node in outcome.repaired {
                    guard let record = outcome.records.first(where: { $0.node == node }) else { continue }
                    if record.status == .ok {
                        backoff[node.host] = nil
                        repairedHosts.append(node.host)
                        observer.decision(
                            "repaired",
                            "Round \(round): repaired \(node.host): \(record.message.prefix(200))",
                            hosts: [node.host]
                        )
                    } else if record.status != .cancelled && record.status != .skipped {
                        let failures = (backoff[node.host]?.failures ?? 0) + 1
                        let wait = min(policy.maxBackoffRounds, 1 << min(failures, 20))
                        backoff[node.host] = (failures, round + wait)
                        observer.decision(
                            "repair-failed",
                            "Round \(round): the repair of \(node.host) failed (\(record.message.prefix(200))); next try in round \(round + wait).",
                            hosts: [node.host]
                        )
                    }
                }
                if let reason = outcome.stopReason {
                    observer.decision("repair-stopped", "Round \(round): \(reason).", hosts: [])
                }
            }
            for record in unhealthy {
                let host = record.node.host
                guard let reason = unrepairable(record) else {
                    cannot[host] = nil
                    continue
                }
                if cannot[host] != reason {
                    cannot[host] = reason
                    observer.decision(
                        "cannot-repair",
                        "Round \(round): not repairing \(host): \(reason).",
                        hosts: [host]
                    )
                }
            }
            for host in Array(cannot.keys) where !unhealthy.contains(where: { $0.node.host == host }) {
                cannot[host] = nil
            }
            if let rounds = policy.rounds, round >= rounds { break }
            let elapsed = ContinuousClock.now - started
            if elapsed < policy.interval {
                do { try await sleep(policy.interval - elapsed) } catch { break }
            }
        }
        return WatchOutcome(records: last, gates: gates, rounds: round, repaired: repairedHosts, stopReason: nil)
    }
}

/// The watch's observer for its status rounds and repairs: the status of each node every round is not
/// journaled host by host (the round's summary is); repairs and gates are, as in any run.
struct StatusQuietObserver: ProgressObserver {
    let inner: any ProgressObserver

    func started(_ node: ClusterNode, phase: Phase) {
        if phase != .verify { inner.started(node, phase: phase) }
    }

    func finished(_ record: HostRecord, phase: Phase) {
        if phase != .verify { inner.finished(record, phase: phase) }
    }

    func note(_ text: String) { inner.note(text) }

    func decision(_ kind: String, _ text: String, hosts: [String]) { inner.decision(kind, text, hosts: hosts) }
}
