import InstallerCluster
import InstallerConfig

/// How one host's part of an action ended.
public enum HostStatus: String, Sendable, Hashable, CaseIterable {
    case ok
    case failed
    case unreachable
    case timeout
    case skipped
    case cancelled
}

/// One check a node (or the bootstrap node, for cluster-wide checks) reported.
public struct NodeCheck: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public enum Status: String, Sendable, Hashable {
        case pass
        case fail
        case skip
    }

    public var name: String
    public var severity: Severity
    public var status: Status
    public var detail: String

    public init(name: String, severity: Severity, status: Status, detail: String) {
        self.name = name
        self.severity = severity
        self.status = status
        self.detail = detail
    }

    /// A failed check of error severity.
    public var isFailedError: Bool { status == .fail && severity == .error }
}

/// One step on one host: an upload or a command.
public struct StepRecord: Sendable, Hashable {
    public enum Result: String, Sendable, Hashable {
        /// Done.
        case ok
        /// Not needed: the host already had it (an upload whose SHA-256 matched), or a resumed run had done it.
        case unchanged
        case failed
        /// Not started because an earlier step failed or the run stopped.
        case skipped
    }

    public var name: String
    /// The command as run (before any sudo wrapping), or the upload as `local → remote`.
    public var command: String
    public var result: Result
    public var exitStatus: Int32?
    public var started: WallTime
    public var finished: WallTime
    public var detail: String

    public init(
        name: String,
        command: String,
        result: Result,
        exitStatus: Int32? = nil,
        started: WallTime,
        finished: WallTime,
        detail: String = ""
    ) {
        self.name = name
        self.command = command
        self.result = result
        self.exitStatus = exitStatus
        self.started = started
        self.finished = finished
        self.detail = detail
    }
}

/// What happened on one host.
public struct HostRecord: Sendable {
    public var node: ClusterNode
    /// `host` or `host:port`, as the SSH target names it.
    public var address: String
    public var status: HostStatus
    /// A stable machine-readable class of the failure: an SSH error code (`refused`, `authentication`,
    /// `host_key_changed`, …) or a node-side class (`preflight_failed`, `install_failed`, …).
    public var errorClass: String?
    public var message: String
    public var steps: [StepRecord]
    /// The node's checks (its JSON `checks`), or the bootstrap node's cluster-wide checks.
    public var checks: [NodeCheck]
    /// The last lines the node wrote to stderr in its last command.
    public var stderrTail: [String]
    /// The configuration id the node reported (install) or the run deployed.
    public var configID: String?
    /// The node's `result` word (`installed`, `unchanged`, `removed`, `pass`, …).
    public var nodeResult: String?
    public var started: WallTime?
    public var finished: WallTime?
    /// What `--preflight` learnt for the cluster-wide checks.
    public var facts: ClusterChecks.Facts?
    /// What the probe of `--upgrade` found installed (nil: nothing, or not probed).
    public var installed: InstalledVersion?

    public init(node: ClusterNode, address: String, status: HostStatus, message: String = "") {
        self.node = node
        self.address = address
        self.status = status
        self.errorClass = nil
        self.message = message
        self.steps = []
        self.checks = []
        self.stderrTail = []
        self.configID = nil
        self.nodeResult = nil
    }

    /// Milliseconds between start and finish (0 when the host never started).
    public var durationMilliseconds: Int {
        guard let started, let finished else { return 0 }
        return finished.milliseconds(since: started)
    }
}

/// What a node has installed, from its install record (`/var/lib/dcos-install/installed`).
public struct InstalledVersion: Sendable, Hashable {
    public var configID: String
    public var role: String
    /// The SHA-256 of the role bundle: the version's key on the node.
    public var bundle: String
    public var release: String
    /// On masters: the installed master_list (the masters' addresses), empty when absent.
    public var masterList: [String]
    /// On masters: ZooKeeper's mode when probed (`leader`, `follower`; empty: not serving).
    public var zookeeperMode: String

    public init(
        configID: String,
        role: String,
        bundle: String,
        release: String,
        masterList: [String] = [],
        zookeeperMode: String = ""
    ) {
        self.configID = configID
        self.role = role
        self.bundle = bundle
        self.release = release
        self.masterList = masterList
        self.zookeeperMode = zookeeperMode
    }

    /// Parses the probe's output: the record's `key<TAB>value` lines, then `master_list<TAB>JSON`.
    /// nil when it has no complete record (DC/OS is not installed, or an install was interrupted).
    public static func parse(_ text: String) -> InstalledVersion? {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, values[String(parts[0])] == nil else { continue }
            values[String(parts[0])] = String(parts[1])
        }
        guard let configID = values["config_id"], let role = values["role"], let bundle = values["bundle"] else {
            return nil
        }
        var masters: [String] = []
        if let list = values["master_list"].flatMap({ JSONValue.parse($0)?.arrayValue }) {
            masters = list.compactMap(\.stringValue)
        }
        return InstalledVersion(
            configID: configID,
            role: role,
            bundle: bundle,
            release: values["release"] ?? "",
            masterList: masters,
            zookeeperMode: values["zookeeper_mode"] ?? ""
        )
    }

    public var json: JSONValue {
        .object([
            "config_id": .string(configID), "role": .string(role), "bundle": .string(bundle),
            "release": .string(release), "master_list": .array(masterList.map(JSONValue.string)),
            "zookeeper_mode": .string(zookeeperMode),
        ])
    }
}
