import InstallerCluster
import InstallerConfig
import InstallerManifest
import InstallerRender
import InstallerSSH
import InstallerSystem

/// Everything one action run needs, resolved by the command line from the validated config.
public struct ActionRequest: Sendable {
    public var action: ActionKind
    /// The nodes to act on (after --role / --hosts), in cluster order.
    public var nodes: [ClusterNode]
    /// Every master of the cluster: the health gate and the master reachability check use them all.
    public var clusterMasters: [ClusterNode]
    /// The SSH target of every node in `nodes` and `clusterMasters`, by host.
    public var targets: [String: SSHTarget]
    public var fleet: FleetConfiguration
    public var policy: DeployPolicy
    public var postflightTimeout: Duration
    public var bootstrapURL: String
    public var serve: ServeDirectory?
    public var prerequisites: Prerequisites?
    /// `genconf/state`.
    public var stateDirectory: String
    public var resume: ResumeState?
    /// Where nodes keep dcos_install.sh (`/opt/dcos-install`).
    public var remoteDirectory: String
    /// `-v`: every command's output on stderr as it arrives.
    public var verbose: Bool
    /// stderr is a terminal: redraw the live view.
    public var live: Bool
    /// The run id, when the caller made it first (to hold the ``ActionLock`` under it); nil: a new one.
    public var runID: String?
    /// `--upgrade`: its batches and tolerance (`upgrade_*`).
    public var upgradePolicy = UpgradePolicy(
        canaries: 1,
        maxInFlight: .percent(25),
        failureTolerance: .count(0),
        parallelism: 1
    )
    /// `master_discovery: static`: `--upgrade` refuses a changed master list.
    public var staticMasters = true
    /// `--upgrade --dry-run`: probe and plan, change nothing.
    public var dryRun = false
    /// `--repair`: agents at once (`repair_max_in_flight`).
    public var repairPolicy = RepairPolicy(maxInFlight: 2, parallelism: 1)
    /// `--watch`: interval, partition limit, and the repair policy.
    public var watchPolicy = WatchPolicy(
        interval: .seconds(30),
        maxUnhealthy: .percent(30),
        repair: RepairPolicy(maxInFlight: 2, parallelism: 1)
    )
    /// Nodes the inventory (`genconf/state/nodes.json`) has installed that config.yaml no longer lists:
    /// `--status` checks them too and lists them as such.
    public var retired: [ClusterNode] = []

    public init(
        action: ActionKind,
        nodes: [ClusterNode],
        clusterMasters: [ClusterNode],
        targets: [String: SSHTarget],
        fleet: FleetConfiguration,
        policy: DeployPolicy,
        postflightTimeout: Duration,
        bootstrapURL: String,
        serve: ServeDirectory?,
        prerequisites: Prerequisites?,
        stateDirectory: String,
        resume: ResumeState?,
        remoteDirectory: String,
        verbose: Bool,
        live: Bool,
        runID: String? = nil
    ) {
        self.action = action
        self.nodes = nodes
        self.clusterMasters = clusterMasters
        self.targets = targets
        self.fleet = fleet
        self.policy = policy
        self.postflightTimeout = postflightTimeout
        self.bootstrapURL = bootstrapURL
        self.serve = serve
        self.prerequisites = prerequisites
        self.stateDirectory = stateDirectory
        self.resume = resume
        self.remoteDirectory = remoteDirectory
        self.verbose = verbose
        self.live = live
        self.runID = runID
    }

    var planner: NodePlanner {
        NodePlanner(
            remoteDirectory: remoteDirectory,
            serve: serve,
            bootstrapURL: bootstrapURL,
            masters: clusterMasters.map { ($0.host, targets[$0.host]?.port ?? 22) },
            prerequisites: prerequisites
        )
    }

    func address(_ node: ClusterNode) -> String { targets[node.host]?.label ?? node.host }

    func bundleSHA256(_ node: ClusterNode) -> String {
        action == .deploy || action == .upgrade || action == .repair
            ? serve?.manifest.roles[node.role]?.bundleSHA256 ?? "" : ""
    }
}

/// Runs one action: records it under genconf/state/<run id>/, shows progress, returns the report.
public enum ActionRunner {
    /// Runs the action. Cancelling the calling task (Ctrl-C) stops new work, cancels the commands in
    /// flight, and still writes the report and journal (the report's result is then `interrupted`).
    public static func run(_ request: ActionRequest) async -> Result<RunReport, ActionError> {
        let started = WallTime.now
        let recorder: RunRecorder
        let runID = request.runID ?? RunRecorder.makeRunID(started: started)
        switch RunRecorder.create(stateDirectory: request.stateDirectory, runID: runID) {
        case .success(let made): recorder = made
        case .failure(let error): return .failure(error)
        }
        let configID = request.serve?.manifest.configID
        recorder.journal(
            "run-start",
            [
                "action": .string(request.action.rawValue), "run_id": .string(recorder.runID),
                "config_id": configID.map(JSONValue.string) ?? .null,
                "resumed_from": request.resume.map { .string($0.runID) } ?? .null,
                "hosts": .array(request.nodes.map { .string($0.host) }),
                "roles": .object(
                    Dictionary(
                        request.nodes.map { ($0.host, .string($0.role.rawValue)) },
                        uniquingKeysWith: { a, _ in a }
                    )
                ),
            ]
        )
        let done =
            request.resume?.carriedOver(
                request.nodes,
                configID: configID ?? "",
                bundleSHA256: request.bundleSHA256,
                address: request.address
            ) ?? [:]
        let console = ConsoleView(
            nodes: (request.nodes + request.retired).filter { done[$0.host] == nil },
            live: request.live
        )
        if let resume = request.resume {
            console.note(
                "Resuming run \(resume.runID): \(done.count) host\(done.count == 1 ? "" : "s") already done, \(request.nodes.count - done.count) to do."
            )
        }
        for record in done.values.sorted(by: { $0.address < $1.address }) {
            recorder.journal("host-finish", journalFields(record, phase: request.action.mainPhase, request: request))
        }
        let observer = RunObserver(recorder: recorder, console: console, request: request)
        let fleet = SSHFleet(request.fleet)
        let worker = SSHNodeWorker(
            fleet: fleet,
            targets: request.targets,
            planner: request.planner,
            recorder: recorder,
            postflightTimeout: request.postflightTimeout,
            liveOutput: request.verbose ? LiveOutput().handler : nil
        )

        var records: [HostRecord] = []
        var gate: [HostRecord] = []
        var stopReason: String?
        await withTaskGroup(of: Void.self) { group in
            if request.live {
                group.addTask {
                    while !Task.isCancelled {
                        console.tick()
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            switch request.action {
            case .deploy:
                // Scale out: nodes that run the served configuration already are probed and left alone.
                let installed = await Orchestrator.alreadyInstalled(
                    request.nodes.filter { done[$0.host] == nil },
                    desiredBundles: request.serve?.manifest.roles.mapValues(\.bundleSHA256) ?? [:],
                    limit: request.policy.parallelism,
                    worker: worker,
                    observer: observer
                )
                let outcome = await Orchestrator.deploy(
                    nodes: request.nodes,
                    gateMasters: request.clusterMasters,
                    done: done.merging(installed) { a, _ in a },
                    policy: request.policy,
                    worker: worker,
                    observer: observer
                )
                (records, gate, stopReason) = (outcome.records, outcome.gate, outcome.stopReason)
            case .upgrade:
                let outcome = await Orchestrator.upgrade(
                    nodes: request.nodes,
                    clusterMasters: request.clusterMasters,
                    desiredBundles: request.serve?.manifest.roles.mapValues(\.bundleSHA256) ?? [:],
                    staticMasters: request.staticMasters,
                    done: done,
                    policy: request.upgradePolicy,
                    dryRun: request.dryRun,
                    worker: worker,
                    observer: observer
                )
                (records, gate, stopReason) = (outcome.records, outcome.gates, outcome.stopReason)
            case .preflight:
                records = await Orchestrator.parallel(
                    .preflight,
                    nodes: request.nodes,
                    done: done,
                    limit: request.policy.parallelism,
                    worker: worker,
                    observer: observer
                )
                records = applyClusterChecks(records)
            case .repair:
                let outcome = await Orchestrator.repair(
                    nodes: request.nodes,
                    clusterMasters: request.clusterMasters,
                    policy: request.repairPolicy,
                    worker: worker,
                    observer: observer
                )
                (records, gate) = (outcome.records, outcome.gates)
                stopReason = outcome.stopReason
            case .watch:
                let outcome = await Orchestrator.watch(
                    nodes: request.nodes,
                    clusterMasters: request.clusterMasters,
                    policy: request.watchPolicy,
                    worker: worker,
                    observer: observer
                )
                (records, gate, stopReason) = (outcome.records, outcome.gates, outcome.stopReason)
            case .status:
                records = await Orchestrator.parallel(
                    .verify,
                    nodes: request.nodes + request.retired,
                    done: done,
                    limit: request.policy.parallelism,
                    worker: worker,
                    observer: observer
                )
                records = records.map { record in
                    request.retired.contains(record.node) ? Orchestrator.retired(record) : record
                }
            case .postflight, .uninstall, .installPrereqs, .decommission:
                records = await Orchestrator.parallel(
                    request.action.mainPhase,
                    nodes: request.nodes,
                    done: done,
                    limit: request.policy.parallelism,
                    worker: worker,
                    observer: observer
                )
                if request.action == .decommission { records = records.map(Orchestrator.decommissioned) }
            }
            group.cancelAll()
        }
        let interrupted = Task.isCancelled
        console.stop()
        await worker.shutdown()
        await fleet.shutdown()

        var logPaths: [String: String] = [:]
        for record in records + gate where !(record.steps.isEmpty && record.status == .skipped) {
            if done[record.node.host] == nil { logPaths[record.node.host] = recorder.hostLogPath(record.address) }
        }
        let report = RunReport(
            action: request.action,
            runID: recorder.runID,
            started: started,
            finished: .now,
            configID: configID,
            resumedFrom: request.resume?.runID,
            records: records,
            gate: gate,
            stopReason: stopReason,
            interrupted: interrupted,
            logPaths: logPaths
        )
        // Each host's final result, as report.json has it: hosts never started (skipped, cancelled) had no
        // host-finish yet, and the cluster-wide checks may have failed a host after its own finish.
        for record in records {
            recorder.journal("host-finish", journalFields(record, phase: request.action.mainPhase, request: request))
        }
        await updateInventory(request, records: records, configID: configID, runID: recorder.runID, recorder: recorder)
        recorder.journal(
            "run-finish",
            ["result": .string(report.result.rawValue), "exit_code": .int(Int(report.exitCode))]
        )
        await recorder.writeReport(report.json)
        await recorder.flush()
        return .success(report)
    }

    /// genconf/state/nodes.json after the run: what each node now has installed, or that it has nothing.
    /// Read, changed and written under its own lock (--status runs beside other actions). A failure is
    /// journaled: the run itself is done.
    static func updateInventory(
        _ request: ActionRequest,
        records: [HostRecord],
        configID: String?,
        runID: String,
        recorder: RunRecorder
    ) async {
        let lockPath = NodeInventory.path(stateDirectory: request.stateDirectory) + ".lock"
        var lock: FileLock?
        for _ in 0..<100 {
            lock = try? FileLock.acquire(lockPath)
            if lock != nil { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        defer { lock?.unlock() }
        let problem: String?
        switch NodeInventory.load(stateDirectory: request.stateDirectory) {
        case .failure(let error): problem = error.message
        case .success(var inventory):
            let before = inventory
            inventory.apply(records, phase: request.action.mainPhase, configID: configID, runID: runID)
            guard inventory != before else { return }
            do {
                try inventory.save(stateDirectory: request.stateDirectory)
                problem = nil
            } catch {
                problem = "\(error)"
            }
        }
        if let problem { recorder.journal("inventory-error", ["message": .string(problem)]) }
    }

    /// The cluster-wide checks join each host's checks (first); a failed error check fails the host.
    static func applyClusterChecks(_ records: [HostRecord]) -> [HostRecord] {
        let facts = records.map { record in
            record.facts ?? ClusterChecks.Facts(host: record.node.host, reached: false, sshError: record.message)
        }
        let checks = ClusterChecks.evaluate(facts)
        return records.map { record in
            var updated = record
            let cluster = checks[record.node.host] ?? []
            updated.checks = cluster + record.checks
            let failed = cluster.filter(\.isFailedError).filter { $0.name != "ssh" }
            if updated.status == .ok, !failed.isEmpty {
                updated.status = .failed
                updated.errorClass = "cluster_checks"
                updated.message = failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
            }
            return updated
        }
    }

    static func journalFields(_ record: HostRecord, phase: Phase, request: ActionRequest) -> [String: JSONValue] {
        [
            "host": .string(record.node.host),
            "role": .string(record.node.role.rawValue),
            "phase": .string(phase.description),
            "status": .string(record.status.rawValue),
            "error_class": record.errorClass.map(JSONValue.string) ?? .null,
            "message": .string(record.message),
            "failed_checks": .array(
                record.checks.filter(\.isFailedError).map {
                    .object(["name": .string($0.name), "detail": .string($0.detail)])
                }
            ),
            "config_id": request.serve.map { .string($0.manifest.configID) } ?? .string(""),
            "bundle_sha256": .string(request.bundleSHA256(record.node)),
        ]
    }

    // MARK: - Dry run

    /// Each host's plan and the order, without connecting to any host.
    public static func plan(_ request: ActionRequest) -> (text: String, json: JSONValue) {
        let planner = request.planner
        var order: [String] = []
        let phase = request.action.mainPhase
        switch request.action {
        case .deploy:
            let masters = request.nodes.filter { $0.role == .master }
            let agents = request.nodes.filter { $0.role != .master }
            if !masters.isEmpty {
                order.append(
                    "masters \(request.policy.mastersSerial ? "one at a time" : "all at once"): \(masters.map(\.host).joined(separator: ", "))"
                )
            }
            if !agents.isEmpty {
                let schedule = request.policy.agentSchedule(agents: agents.count)
                order.append(
                    "health gate: postflight on \(request.clusterMasters.map(\.host).joined(separator: ", ")), repeated for up to \(request.postflightTimeout.components.seconds) s"
                )
                if schedule.canary > 0 {
                    order.append("canary agents: \(agents.prefix(schedule.canary).map(\.host).joined(separator: ", "))")
                }
                let rest = agents.dropFirst(schedule.canary)
                if !rest.isEmpty {
                    order.append(
                        "agents, \(schedule.inFlight) at a time, stopping after more than \(schedule.maxFailed) failure\(schedule.maxFailed == 1 ? "" : "s"): \(rest.map(\.host).joined(separator: ", "))"
                    )
                }
            }
        default:
            order.append(
                "\(phase) on every host, \(request.policy.parallelism) at a time: \(request.nodes.map(\.host).joined(separator: ", "))"
            )
        }
        var text = "\(request.action.flag) --dry-run: no host is contacted or changed.\n"
        if let serve = request.serve { text += "Configuration \(serve.manifest.configID), from \(serve.path).\n" }
        text += "Order:\n" + order.enumerated().map { "  \($0 + 1). \($1)" }.joined(separator: "\n") + "\n"
        var hosts: [JSONValue] = []
        for node in request.nodes {
            let steps = planner.plan(phase, for: node)
            text += "\n\(request.address(node)) (\(node.role)):\n"
            for (index, step) in steps.enumerated() {
                switch step.kind {
                case .upload(let local, let remote, let sha, _):
                    text += "  \(index + 1). upload \(local) → \(remote) over SFTP, checked"
                    text += sha.isEmpty ? "\n" : " (SHA-256 \(sha.prefix(12))…; skipped when the node has it)\n"
                case .nodeScript(.postflight):
                    text +=
                        "  \(index + 1). run, until it passes or \(request.postflightTimeout.components.seconds) s: \(step.command)\n"
                default:
                    text += "  \(index + 1). run (\(step.name)): \(step.command)\n"
                }
            }
            hosts.append(
                .object([
                    "host": .string(node.host),
                    "address": .string(request.address(node)),
                    "role": .string(node.role.rawValue),
                    "steps": .array(
                        steps.map { step in
                            var object: [String: JSONValue] = [
                                "name": .string(step.name), "command": .string(step.command),
                            ]
                            if case .upload(let local, let remote, let sha, _) = step.kind {
                                object["upload"] = .object([
                                    "local": .string(local), "remote": .string(remote), "sha256": .string(sha),
                                ])
                            }
                            return .object(object)
                        }
                    ),
                ])
            )
        }
        let json = JSONValue.object([
            "action": .string(request.action.rawValue),
            "dry_run": .bool(true),
            "config_id": request.serve.map { .string($0.manifest.configID) } ?? .null,
            "order": .array(order.map(JSONValue.string)),
            "hosts": .array(hosts),
        ])
        return (text, json)
    }
}

/// Forwards host events to the journal and the console.
final class RunObserver: ProgressObserver {
    let recorder: RunRecorder
    let console: ConsoleView
    let request: ActionRequest

    init(recorder: RunRecorder, console: ConsoleView, request: ActionRequest) {
        self.recorder = recorder
        self.console = console
        self.request = request
    }

    func started(_ node: ClusterNode, phase: Phase) {
        recorder.journal(
            "host-start",
            ["host": .string(node.host), "role": .string(node.role.rawValue), "phase": .string(phase.description)]
        )
        console.started(node)
    }

    func finished(_ record: HostRecord, phase: Phase) {
        recorder.journal("host-finish", ActionRunner.journalFields(record, phase: phase, request: request))
        console.finished(record, phase: phase)
    }

    func note(_ text: String) {
        recorder.journal("note", ["text": .string(text)])
        console.note(text)
    }

    func decision(_ kind: String, _ text: String, hosts: [String]) {
        recorder.journal(
            "watch-" + kind,
            ["text": .string(text), "hosts": .array(hosts.map(JSONValue.string))]
        )
        console.note(text)
    }
}
