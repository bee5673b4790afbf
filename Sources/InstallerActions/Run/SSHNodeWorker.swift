import InstallerCluster
import InstallerConfig
import InstallerManifest
import InstallerRender
import InstallerSSH
import Synchronization

/// Does a phase on a node over SSH: the steps of ``NodePlanner`` in order, stopping at the first failed
/// step, on the host's session (kept across phases and opened ahead by ``prefetch(_:)``). Everything is
/// written to the host's log and the journal. Call ``shutdown()`` at the end of the run.
public struct SSHNodeWorker: NodeWorker {
    public var fleet: SSHFleet
    private let links: SessionLinks
    /// What this run has seen of each host's files (uploaded or checked).
    private let verified = VerifiedFiles()
    /// The SSH target of each node, by host.
    public var targets: [String: SSHTarget]
    public var planner: NodePlanner
    public var recorder: RunRecorder
    /// The overall deadline of the repeated postflight (`postflight_timeout`).
    public var postflightTimeout: Duration
    /// The pause between postflight attempts.
    public var postflightInterval: Duration
    /// Receives every command's output as it arrives (`-v`).
    public var liveOutput: OutputHandler?

    public init(
        fleet: SSHFleet,
        targets: [String: SSHTarget],
        planner: NodePlanner,
        recorder: RunRecorder,
        postflightTimeout: Duration,
        liveOutput: OutputHandler?
    ) {
        self.fleet = fleet
        self.links = SessionLinks(fleet: fleet)
        self.targets = targets
        self.planner = planner
        self.recorder = recorder
        self.postflightTimeout = postflightTimeout
        // An attempt costs the node a few checks over the open session; a short pause means the deploy
        // moves on about a second after the cluster is healthy (bench-deploy measures this).
        self.postflightInterval = min(.seconds(1), postflightTimeout / 10)
        self.liveOutput = liveOutput
    }

    public func address(of node: ClusterNode) -> String { targets[node.host]?.label ?? node.host }

    /// Starts connecting to these nodes, to be ready when their turn comes, and checks (read only) whether
    /// they have this run's dcos_install.sh already, so that their upload step needs no round trip.
    public func prefetch(_ nodes: [ClusterNode]) {
        let remote = planner.scriptPath
        let sha256 = planner.serve?.manifest.installScriptSHA256 ?? ""
        for node in nodes {
            guard let target = targets[node.host] else { continue }
            links.prefetch(target) { [verified] session in
                if !sha256.isEmpty { _ = try? await verified.check(remote, on: session) }
            }
        }
    }

    public func release(_ nodes: [ClusterNode]) {
        for node in nodes {
            if let target = targets[node.host] { links.release(target) }
        }
    }

    /// The most SSH sessions that were open at once in this run, and the bound they are kept under.
    public var sessionPeak: (peak: Int, capacity: Int) { (links.peak, links.capacity) }

    /// Closes every session of the run.
    public func shutdown() async {
        await links.closeAll()
    }

    public func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord {
        let address = address(of: node)
        let state = HostState(HostRecord(node: node, address: address, status: .ok))
        state.update { $0.started = .now }
        guard let target = targets[node.host] else {
            state.fail(.failed, "configuration", "no SSH target for \(node.host)")
            return state.finish()
        }
        recorder.log(address, "== \(phase) on \(node.host) (\(node.role)), as \(target.user)@\(target.label)")
        let steps = planner.plan(phase, for: node)
        do throws(SSHError) {
            try await links.withSession(target) { [recorder] session throws(SSHError) in
                // Before anything runs: can this login become root? (One line per host when it cannot.)
                try await session.requireRoot()
                let privilege = try await session.privilege()
                recorder.log(
                    address,
                    privilege.isRoot
                        ? "logged in as root: commands run without sudo"
                        : "logged in as \(privilege.user) (uid \(privilege.uid)): commands run through sudo"
                )
                for step in steps {
                    guard try await execute(step, session: session, state: state) else { break }
                }
            }
        } catch {
            let status = Self.status(of: error)
            state.fail(status, error.code.description, error.message)
            recorder.log(address, "!! \(status.rawValue): \(error.description)")
        }
        let record = state.finish()
        recorder.log(
            address,
            "== \(phase): \(record.status.rawValue)\(record.message.isEmpty ? "" : ": " + record.message) (\(record.durationMilliseconds) ms)"
        )
        return record
    }

    /// ok, unreachable (no connection), timeout, cancelled, or failed (host key, authentication, …).
    public static func status(of error: SSHError) -> HostStatus {
        switch error.code {
        case .resolve, .refused, .connect, .disconnected, .bastion: .unreachable
        case .connectTimeout, .handshakeTimeout, .commandTimeout: .timeout
        case .cancelled: .cancelled
        default: .failed
        }
    }

    // MARK: - Steps

    /// Runs one step; false when it failed and the host's remaining steps must not run.
    private func execute(_ step: PlannedStep, session: SSHSession, state: HostState) async throws(SSHError) -> Bool {
        let address = state.address
        let started = WallTime.now
        recorder.journal("step-start", ["host": .string(state.host), "step": .string(step.name)])
        recorder.log(address, "-- \(step.name)\n$ \(step.command)")
        var result = StepRecord.Result.ok
        var exitStatus: Int32?
        var detail = ""
        func record() {
            let finished = WallTime.now
            state.update {
                $0.steps.append(
                    StepRecord(
                        name: step.name,
                        command: step.command,
                        result: result,
                        exitStatus: exitStatus,
                        started: started,
                        finished: finished,
                        detail: detail
                    )
                )
            }
            var fields: [String: JSONValue] = [
                "host": .string(state.host), "step": .string(step.name), "result": .string(result.rawValue),
                "duration_ms": .int(finished.milliseconds(since: started)),
            ]
            if let exitStatus { fields["exit_status"] = .int(Int(exitStatus)) }
            if case .upload(_, _, let sha, _) = step.kind, !sha.isEmpty { fields["sha256"] = .string(sha) }
            recorder.journal("step-finish", fields)
            recorder.log(
                address,
                "-- \(step.name): \(result.rawValue)\(detail.isEmpty ? "" : " (\(detail))") in \(finished.milliseconds(since: started)) ms"
            )
        }
        do throws(SSHError) {
            switch step.kind {
            case .upload(let local, let remote, let sha256, let mode):
                (result, detail) = try await upload(session, local: local, remote: remote, sha256: sha256, mode: mode)
            case .nodeScript(.postflight):
                (result, exitStatus, detail) = try await postflight(step, session: session, state: state)
            case .nodeScript(let phase):
                let output = try await run(step.command, session: session, state: state)
                exitStatus = output.exitStatus
                (result, detail) = judge(phase, output: output, state: state)
            case .clock:
                let before = WallTime.now
                let output = try await run(step.command, session: session, state: state, node: false)
                let after = WallTime.now
                exitStatus = output.exitStatus
                if let value = Double(output.stdout.text.trimmed) {
                    let offset = value - (before.seconds + after.seconds) / 2
                    state.update { $0.facts?.clockOffset = offset }
                    detail = "offset \(ClusterChecks.format(offset)) s"
                } else {
                    detail = "the node's date printed no time"
                }
            case .facts:
                let output = try await run(step.command, session: session, state: state, node: false)
                exitStatus = output.exitStatus
                state.update { $0.facts?.read(factsOutput: output.stdout.text) }
            case .packages:
                let output = try await run(step.command, session: session, state: state)
                exitStatus = output.exitStatus
                (result, detail) = judgePackages(output, state: state)
            case .probe:
                let output = try await run(step.command, session: session, state: state, node: false)
                exitStatus = output.exitStatus
                let installed = InstalledVersion.parse(output.stdout.text)
                state.update { $0.installed = installed }
                if output.exitStatus != 0 {
                    result = .failed
                    detail = "the probe exited with \(output.termination)"
                    let why = output.stderr.text.trimmed
                    state.fail(.failed, "probe_failed", "could not read the install record: \(why)")
                } else if let installed {
                    detail = "installed: \(installed.release) (\(installed.role), \(installed.configID.prefix(12)))"
                } else {
                    detail = "DC/OS is not installed"
                }
            }
        } catch {
            result = .failed
            detail = error.message
            record()
            throw error
        }
        record()
        return result != .failed
    }

    /// Output of one command, and its exit status when it exited.
    struct Output {
        var stdout: CapturedOutput
        var stderr: CapturedOutput
        var termination: Termination

        var exitStatus: Int32? {
            if case .exited(let status) = termination { return status }
            return nil
        }
    }

    private func run(
        _ command: String,
        session: SSHSession,
        state: HostState,
        node: Bool = true,
        options: ExecOptions = ExecOptions(captureLimit: NodeReport.maximumStdoutBytes)
    ) async throws(SSHError) -> Output {
        let output = try await session.run(command, options: options, output: liveOutput)
        var text = "exit: \(output.termination) after \(output.duration.milliseconds) ms"
        if output.stdout.totalBytes > 0 {
            text +=
                "\n--- stdout\(output.stdout.isTruncated ? " (last \(output.stdout.bytes.count) bytes)" : "") ---\n"
                + output.stdout.text.trimmed
        }
        if output.stderr.totalBytes > 0 {
            text +=
                "\n--- stderr\(output.stderr.isTruncated ? " (last \(output.stderr.bytes.count) bytes)" : "") ---\n"
                + output.stderr.text.trimmed
        }
        recorder.log(state.address, text)
        if node {
            let tail = output.stderr.text.split(separator: "\n", omittingEmptySubsequences: true).suffix(20).map(
                String.init
            )
            state.update { $0.stderrTail = tail }
        }
        return Output(stdout: output.stdout, stderr: output.stderr, termination: output.termination)
    }

    /// A command that must succeed for the step to go on (mkdir, install); its failure is a transfer error.
    private func require(_ command: String, session: SSHSession, sudo: SudoMode? = nil) async throws(SSHError) -> String
    {
        let output = try await session.run(command, options: ExecOptions(captureLimit: 64 * 1024, sudo: sudo))
        guard output.termination.isSuccess else {
            throw SSHError(
                .transfer,
                host: session.target.label,
                "`\(command)` failed (\(output.termination)): \(output.stderr.text.trimmed)"
            )
        }
        return output.stdout.text
    }

    /// Uploads unless the node already has a file with that SHA-256. Without sudo, straight to its place;
    /// with sudo, to `~/.dcos-install-upload/` and then `install` as root, checked again.
    private func upload(
        _ session: SSHSession,
        local: String,
        remote: String,
        sha256: String,
        mode: Int32
    ) async throws(SSHError) -> (StepRecord.Result, String) {
        let host = session.target.label
        if !sha256.isEmpty {
            // This run uploaded it or found it there already (the driver is the only writer of that path).
            if verified.sha256(host: host, path: remote) == sha256 {
                return (.unchanged, "the node has this SHA-256 (checked earlier in this run)")
            }
            if try await verified.check(remote, on: session) == sha256 {
                return (.unchanged, "the node has this SHA-256 already")
            }
        }
        let directory = remote.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let sent: UploadReport
        if try await session.privilege().sudo == .none {
            _ = try await require(RemoteScripts.makeDirectory(directory.isEmpty ? "/" : directory), session: session)
            sent = try await session.upload(file: local, to: remote, mode: mode)
        } else {
            let name = remote.split(separator: "/").last.map(String.init) ?? "upload"
            let staged = ".dcos-install-upload/" + name
            _ = try await require("mkdir -p .dcos-install-upload", session: session, sudo: SudoMode.none)
            sent = try await session.upload(file: local, to: staged, mode: mode)
            let placed = try await require(
                "\(RemoteScripts.makeDirectory(directory)) && install -m \(String(mode, radix: 8)) \(shellQuote(staged)) \(shellQuote(remote)) && \(RemoteScripts.sha256(remote))",
                session: session
            )
            _ = try? await session.run("rm -f -- \(shellQuote(staged))", options: ExecOptions(sudo: SudoMode.none))
            guard placed.trimmed == sent.sha256 else {
                throw SSHError(
                    .checksum,
                    host: session.target.label,
                    "\(remote) has SHA-256 \(placed.trimmed.prefix(64)) after install, expected \(sent.sha256)"
                )
            }
        }
        verified.record(host: host, path: remote, sha256: sent.sha256)
        return (.ok, "\(sent.bytes) bytes, SHA-256 \(sent.sha256) checked on the node")
    }

    /// Preflight, install or uninstall: exit status and the node's JSON decide.
    private func judge(_ phase: Phase, output: Output, state: HostState) -> (StepRecord.Result, String) {
        let report = NodeReport.parse(output.stdout.text)
        if let report {
            state.update {
                $0.checks = report.checks
                $0.nodeResult = report.result
                if let id = report.configID { $0.configID = id }
            }
        }
        let accepted: Set<String> =
            switch phase {
            case .preflight, .postflight, .verify: ["pass"]
            case .install: ["installed", "unchanged", "upgraded"]
            case .repair: ["installed", "unchanged", "upgraded", "repaired"]
            case .uninstall: ["removed", "absent"]
            case .prereqs, .probe: []
            }
        if output.exitStatus == 0, let report, accepted.contains(report.result) {
            return (.ok, report.result)
        }
        let stderrLast = state.record.stderrTail.last ?? ""
        let failure: (String, String)
        if output.exitStatus == 2 {
            failure = ("node_usage", "dcos_install.sh rejected its arguments: \(stderrLast)")
        } else if let report {
            let checks = report.failedErrorSummary
            let what = report.message.isEmpty ? checks : report.message + (checks.isEmpty ? "" : ": " + checks)
            failure = ("\(phase)_failed", "\(phase) \(report.result): \(what.isEmpty ? stderrLast : what)")
        } else {
            failure = (
                "node_output",
                "dcos_install.sh (\(output.termination)) printed no JSON report on stdout\(stderrLast.isEmpty ? "" : "; last stderr line: " + stderrLast)"
            )
        }
        state.fail(.failed, failure.0, failure.1)
        return (.failed, failure.1)
    }

    /// Repeats the postflight until it passes or `postflightTimeout` is over. Each attempt is bounded by
    /// the time left (and process_timeout); an attempt cut short by a command timeout is just retried.
    private func postflight(
        _ step: PlannedStep,
        session: SSHSession,
        state: HostState
    ) async throws(SSHError) -> (StepRecord.Result, Int32?, String) {
        let start = ContinuousClock.now
        let deadline = start + postflightTimeout
        var attempts = 0
        var last = "no attempt finished"
        var lastStatus: Int32?
        while true {
            attempts += 1
            let left = deadline - ContinuousClock.now
            var options = ExecOptions(captureLimit: NodeReport.maximumStdoutBytes)
            if let total = session.target.timeouts.commandTotal {
                options.totalTimeout = min(total, left)
            } else {
                options.totalTimeout = left
            }
            // The node repeats its checks itself for most of the attempt's time (--wait), so it reacts
            // within a second of the cluster becoming healthy without a round trip per check.
            let waitSeconds = max(0, (options.totalTimeout ?? left).components.seconds - 5)
            let command = step.command + (waitSeconds > 0 ? " --wait=\(waitSeconds)" : "")
            do throws(SSHError) {
                let output = try await run(command, session: session, state: state, options: options)
                lastStatus = output.exitStatus
                let report = NodeReport.parse(output.stdout.text)
                if let report {
                    state.update {
                        $0.checks = report.checks
                        $0.nodeResult = report.result
                    }
                }
                if output.exitStatus == 0, report?.result == "pass" {
                    return (.ok, 0, "passed on attempt \(attempts)")
                }
                if output.exitStatus == 2 {
                    let message = "dcos_install.sh rejected --postflight: \(state.record.stderrTail.last ?? "")"
                    state.fail(.failed, "node_usage", message)
                    return (.failed, 2, message)
                }
                last =
                    report.map { "failing: " + ($0.failedErrorSummary.isEmpty ? $0.result : $0.failedErrorSummary) }
                    ?? "no JSON report (\(output.termination))"
            } catch  where error.code == .commandTimeout {
                last = "an attempt timed out: \(error.message)"
            }
            let now = ContinuousClock.now
            if now + postflightInterval >= deadline {
                let seconds = postflightTimeout.components.seconds
                let message =
                    "postflight did not pass within \(seconds) s (\(attempts) attempt\(attempts == 1 ? "" : "s")); last: \(last)"
                state.fail(.failed, "postflight_timeout", message)
                return (.failed, lastStatus, message)
            }
            recorder.log(state.address, "postflight attempt \(attempts): \(last); again in \(postflightInterval)")
            do {
                try await Task.sleep(for: postflightInterval)
            } catch {
                throw SSHError(
                    .cancelled,
                    host: session.target.label,
                    "cancelled while waiting to repeat the postflight"
                )
            }
        }
    }

    /// The package step's `key=value` lines become one check per package.
    private func judgePackages(_ output: Output, state: HostState) -> (StepRecord.Result, String) {
        var manager = ""
        var present: [String] = []
        var missing: [String] = []
        var stopped: [String] = []
        var word = ""
        for line in output.stdout.text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let value = String(line[line.index(after: equals)...])
            switch line[..<equals] {
            case "manager": manager = value
            case "present": present.append(value)
            case "missing": missing.append(value)
            case "stopped": stopped.append(value)
            case "result": word = value
            default: break
            }
        }
        let installed = word == "installed"
        let checks =
            present.map { NodeCheck(name: $0, severity: .error, status: .pass, detail: "already installed") }
            + missing.map {
                NodeCheck(
                    name: $0,
                    severity: .error,
                    status: installed ? .pass : .fail,
                    detail: installed ? "installed with \(manager)" : "missing"
                )
            }
        state.update {
            $0.checks = checks
            $0.nodeResult = word.isEmpty ? nil : word
        }
        switch output.exitStatus {
        case 0:
            let kept = stopped.isEmpty ? "" : "; \(stopped.joined(separator: ", ")) left stopped and disabled"
            return (
                .ok,
                missing.isEmpty
                    ? "all \(present.count) present (\(manager))"
                    : "installed \(missing.joined(separator: " ")) with \(manager)\(kept)"
            )
        case 3:
            state.fail(.failed, "no_package_manager", "the node has no apt-get, dnf or yum")
            return (.failed, "no package manager")
        default:
            let why = "(\(output.termination)): \(state.record.stderrTail.last ?? "")"
            let message =
                missing.isEmpty
                ? "the package step failed before it could check any package \(why)"
                : "\(manager.isEmpty ? "the package manager" : manager) could not install \(missing.joined(separator: " ")) \(why)"
            state.fail(.failed, "packages_failed", message)
            return (.failed, message)
        }
    }
}

/// One host's record while its phase runs; steps append to it from the session's task.
final class HostState: Sendable {
    private let storage: Mutex<HostRecord>
    let host: String
    let address: String

    init(_ record: HostRecord) {
        var initial = record
        if initial.facts == nil { initial.facts = ClusterChecks.Facts(host: record.node.host, reached: true) }
        storage = Mutex(initial)
        host = record.node.host
        address = record.address
    }

    var record: HostRecord { storage.withLock { $0 } }

    func update(_ body: (inout HostRecord) -> Void) {
        storage.withLock { body(&$0) }
    }

    /// Marks the host failed (the first failure wins).
    func fail(_ status: HostStatus, _ errorClass: String, _ message: String) {
        storage.withLock { record in
            guard record.errorClass == nil else { return }
            record.status = status
            record.errorClass = errorClass
            record.message = message
        }
    }

    func finish() -> HostRecord {
        storage.withLock { record in
            record.finished = .now
            if record.steps.isEmpty && record.status != .ok {
                record.facts?.reached = false
                record.facts?.sshError = "\(record.errorClass ?? record.status.rawValue): \(record.message)"
            }
            return record
        }
    }
}

extension Duration {
    var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}

/// The SHA-256 of node files as this run last saw them, by host and path.
final class VerifiedFiles: Sendable {
    private let files = Mutex<[String: String]>([:])

    func sha256(host: String, path: String) -> String? {
        files.withLock { $0[host + "\u{0}" + path] }
    }

    func record(host: String, path: String, sha256: String) {
        files.withLock { $0[host + "\u{0}" + path] = sha256 }
    }

    /// Reads the SHA-256 of `path` on the session's node ("" when it is absent) and remembers it.
    func check(_ path: String, on session: SSHSession) async throws(SSHError) -> String {
        let output = try await session.run(RemoteScripts.sha256(path), options: ExecOptions(captureLimit: 4096))
        let sha256 = output.stdout.text.trimmed
        record(host: session.target.label, path: path, sha256: sha256)
        return sha256
    }
}
