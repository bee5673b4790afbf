import InstallerConfig
import InstallerRender

/// A node of the cluster: its address and its role.
public struct ClusterNode: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var role: Role

    public init(host: String, role: Role) {
        self.host = host
        self.role = role
    }

    public var description: String { "\(host) (\(role))" }

    /// Masters, then private agents, then public agents, each in config order.
    public static func all(in config: ValidatedConfig) -> [ClusterNode] {
        config.masterList.map { ClusterNode(host: $0, role: .master) }
            + config.agentList.map { ClusterNode(host: $0, role: .slave) }
            + config.publicAgentList.map { ClusterNode(host: $0, role: .slave_public) }
    }

    /// The nodes with one of `roles` (all when empty) and, when `hosts` is given, only those hosts.
    /// A host that is not in the config is an error naming it.
    public static func select(
        from nodes: [ClusterNode],
        roles: Set<Role>,
        hosts: [String]?
    ) -> Result<[ClusterNode], SelectionError> {
        var selected = roles.isEmpty ? nodes : nodes.filter { roles.contains($0.role) }
        if let hosts {
            let known = Set(nodes.map(\.host))
            let unknown = hosts.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                return .failure(
                    SelectionError(
                        message:
                            "--hosts names \(unknown.joined(separator: ", ")), which \(unknown.count == 1 ? "is" : "are") in none of master_list, agent_list and public_agent_list."
                    )
                )
            }
            let wanted = Set(hosts)
            selected = selected.filter { wanted.contains($0.host) }
        }
        return .success(selected)
    }

    public struct SelectionError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
