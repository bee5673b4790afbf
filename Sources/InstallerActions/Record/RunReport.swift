import InstallerCluster
import InstallerConfig
import InstallerRender

/// The result of one action run: `report.json`, and what `--json` prints.
public struct RunReport: Sendable {
    public enum Result: String, Sendable {
        /// Every host ok.
        case ok
        /// At least one host not ok (failed, unreachable, timeout, skipped).
        case failed
        /// No host could be worked on (every one unreachable or timed out before its first step).
        case nothingRan = "nothing_ran"
        /// Ctrl-C.
        case interrupted
    }

    public var action: ActionKind
    public var runID: String
    public var started: WallTime
    public var finished: WallTime
    public var configID: String?
    public var resumedFrom: String?
    public var records: [HostRecord]
    /// The masters' postflight before the agents (`--deploy`).
    public var gate: [HostRecord]
    public var stopReason: String?
    public var interrupted: Bool
    /// Host → path of its log.
    public var logPaths: [String: String]

    public var result: Result {
        if interrupted { return .interrupted }
        if records.allSatisfy({ $0.status == .ok }) { return .ok }
        let reached = records.contains { record in
            record.status == .ok || !record.steps.isEmpty
        }
        return reached ? .failed : .nothingRan
    }

    /// 0 every host ok, 1 nothing could run, 3 one or more hosts failed, 130 interrupted. `--watch` runs
    /// until it is stopped: Ctrl-C (or SIGTERM from a service manager) ends it with 0.
    public var exitCode: Int32 {
        switch result {
        case .ok: 0
        case .failed: 3
        case .nothingRan: 1
        case .interrupted: action == .watch ? 0 : 130
        }
    }

    public func count(_ status: HostStatus) -> Int { records.filter { $0.status == status }.count }

    /// Stable JSON (keys sorted by the encoder; hosts in cluster order: masters, agents, public agents).
    public var json: JSONValue {
        var summary: [String: JSONValue] = ["hosts": .int(records.count)]
        for status in HostStatus.allCases { summary[status.rawValue] = .int(count(status)) }
        return .object([
            "action": .string(action.rawValue),
            "run_id": .string(runID),
            "started_at": .string(started.rfc3339),
            "finished_at": .string(finished.rfc3339),
            "duration_ms": .int(finished.milliseconds(since: started)),
            "result": .string(result.rawValue),
            "exit_code": .int(Int(exitCode)),
            "config_id": configID.map(JSONValue.string) ?? .null,
            "resumed_from": resumedFrom.map(JSONValue.string) ?? .null,
            "stop_reason": stopReason.map(JSONValue.string) ?? .null,
            "summary": .object(summary),
            "health_gate": action == .deploy || action == .upgrade
                ? .object([
                    "result": .string(
                        gate.isEmpty ? "not_run" : gate.allSatisfy { $0.status == .ok } ? "pass" : "fail"
                    ),
                    "hosts": .array(gate.map { hostJSON($0) }),
                ]) : .null,
            "hosts": .array(records.map { hostJSON($0) }),
        ])
    }

    func hostJSON(_ record: HostRecord) -> JSONValue {
        .object([
            "host": .string(record.node.host),
            "address": .string(record.address),
            "role": .string(record.node.role.rawValue),
            "status": .string(record.status.rawValue),
            "error": record.status == .ok && record.errorClass == nil
                ? .null
                : .object([
                    "class": .string(record.errorClass ?? record.status.rawValue),
                    "message": .string(record.message),
                ]),
            "message": .string(record.message),
            "node_result": record.nodeResult.map(JSONValue.string) ?? .null,
            "config_id": record.configID.map(JSONValue.string) ?? .null,
            "installed": record.installed?.json ?? .null,
            "started_at": record.started.map { .string($0.rfc3339) } ?? .null,
            "finished_at": record.finished.map { .string($0.rfc3339) } ?? .null,
            "duration_ms": .int(record.durationMilliseconds),
            "log": logPaths[record.node.host].map(JSONValue.string) ?? .null,
            "steps": .array(
                record.steps.map { step in
                    .object([
                        "name": .string(step.name),
                        "command": .string(step.command),
                        "result": .string(step.result.rawValue),
                        "exit_status": step.exitStatus.map { .int(Int($0)) } ?? .null,
                        "started_at": .string(step.started.rfc3339),
                        "finished_at": .string(step.finished.rfc3339),
                        "duration_ms": .int(step.finished.milliseconds(since: step.started)),
                        "detail": .string(step.detail),
                    ])
                }
            ),
            "checks": .array(record.checks.map(checkJSON)),
            "stderr_tail": .array(record.stderrTail.map(JSONValue.string)),
        ])
    }

    func checkJSON(_ check: NodeCheck) -> JSONValue {
        .object([
            "name": .string(check.name),
            "severity": .string(check.severity.rawValue),
            "status": .string(check.status.rawValue),
            "detail": .string(check.detail),
        ])
    }
}
