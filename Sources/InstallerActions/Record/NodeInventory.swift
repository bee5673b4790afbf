import InstallerCluster
import InstallerConfig
import InstallerRender
import InstallerSystem

/// `genconf/state/nodes.json`: every node this installer left DC/OS on, with its role and configuration.
/// Updated after each run that installs, upgrades, repairs or removes; `--status` uses it to find nodes
/// that are installed but no longer in config.yaml, and `--decommission` to know their role.
public struct NodeInventory: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var role: Role
        public var configID: String
        /// The run that last changed the entry.
        public var runID: String

        public init(role: Role, configID: String, runID: String) {
            self.role = role
            self.configID = configID
            self.runID = runID
        }
    }

    public var nodes: [String: Entry]

    public init(nodes: [String: Entry] = [:]) { self.nodes = nodes }

    public static func path(stateDirectory: String) -> String { stateDirectory + "/nodes.json" }

    /// Ten thousand nodes fit with room to spare.
    static let parseLimits = JSONValue.ParseLimits(
        maximumBytes: 16 << 20,
        maximumDepth: 8,
        maximumStringBytes: 4096,
        maximumItems: 100_000
    )

    /// The inventory on disk; empty when there is none. An unreadable or damaged file is an error (it
    /// would make `--status` miss nodes silently).
    public static func load(stateDirectory: String) -> Result<NodeInventory, ActionError> {
        let path = path(stateDirectory: stateDirectory)
        guard FileReader.size(path) != nil else { return .success(NodeInventory()) }
        guard let text = FileReader.text(path, limit: 16 << 20),
            let object = JSONValue.parse(text, limits: parseLimits)?["nodes"]?.objectValue
        else {
            return .failure(
                ActionError(
                    .stateDirectory,
                    "\(path) is not the node inventory this installer writes; move it away (the next --deploy or --status writes a new one)."
                )
            )
        }
        var nodes: [String: Entry] = [:]
        for (host, value) in object {
            guard let role = value["role"]?.stringValue.flatMap(Role.init(rawValue:)) else { continue }
            nodes[host] = Entry(
                role: role,
                configID: value["config_id"]?.stringValue ?? "",
                runID: value["run_id"]?.stringValue ?? ""
            )
        }
        return .success(NodeInventory(nodes: nodes))
    }

    public var json: JSONValue {
        .object([
            "nodes": .object(
                nodes.mapValues { entry in
                    .object([
                        "role": .string(entry.role.rawValue), "config_id": .string(entry.configID),
                        "run_id": .string(entry.runID),
                    ])
                }
            )
        ])
    }

    /// Written atomically.
    public func save(stateDirectory: String) throws(SystemError) {
        try FileWriter.replace(
            Self.path(stateDirectory: stateDirectory),
            bytes: Array((json.encoded(pretty: true) + "\n").utf8),
            mode: 0o600
        )
    }

    /// What the run's records say about each node: installed (with its configuration), or gone.
    public mutating func apply(_ records: [HostRecord], phase: Phase, configID: String?, runID: String) {
        for record in records where record.status == .ok || record.status == .failed {
            let host = record.node.host
            switch phase {
            case .install, .repair:
                guard record.status == .ok else { continue }
                nodes[host] = Entry(
                    role: record.node.role,
                    configID: record.configID ?? configID ?? "",
                    runID: runID
                )
            case .uninstall:
                if record.status == .ok { nodes[host] = nil }
            case .verify:
                // The node says it has no DC/OS: nothing to remember.
                if record.checks.contains(where: {
                    $0.name == "installed" && $0.status == .fail && $0.detail.hasPrefix("DC/OS is not installed")
                }) {
                    nodes[host] = nil
                } else if record.checks.contains(where: { $0.name == "installed" && $0.status == .pass }),
                    nodes[host] == nil
                {
                    nodes[host] = Entry(role: record.node.role, configID: record.configID ?? "", runID: runID)
                }
            case .preflight, .postflight, .prereqs, .probe:
                continue
            }
        }
    }

    /// Nodes in the inventory that config.yaml no longer lists, in address order.
    public func retired(from configured: [ClusterNode]) -> [ClusterNode] {
        let hosts = Set(configured.map(\.host))
        return nodes.filter { !hosts.contains($0.key) }.map { ClusterNode(host: $0.key, role: $0.value.role) }
            .sorted { $0.host < $1.host }
    }
}
