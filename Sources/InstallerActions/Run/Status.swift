import InstallerCluster
import InstallerRender

extension Orchestrator {
    /// `--status` of a node that config.yaml no longer lists: installed, it fails (it is not part of the
    /// desired cluster); found without DC/OS, it is only noted (the inventory forgets it).
    static func retired(_ record: HostRecord) -> HostRecord {
        var record = record
        let installed = record.checks.first { $0.name == "installed" }
        if installed?.status == .fail, installed?.detail.hasPrefix("DC/OS is not installed") == true {
            record.status = .ok
            record.message = "not in config.yaml and no DC/OS installed any more: forgotten"
            return record
        }
        guard record.status == .ok || record.status == .failed else { return record }
        record.status = .failed
        record.errorClass = "not_in_config"
        record.message =
            "installed as \(record.node.role.rawValue) but not in config.yaml: remove it with --decommission \(record.node.host), or add it back to \(listKey(record.node.role))"
        record.checks.insert(
            NodeCheck(name: "in-config", severity: .error, status: .fail, detail: "not in config.yaml"),
            at: 0
        )
        return record
    }

    /// The config.yaml key that lists nodes of `role`.
    static func listKey(_ role: Role) -> String {
        switch role {
        case .master: "master_list"
        case .slave: "agent_list"
        case .slave_public: "public_agent_list"
        }
    }

    /// `--decommission`: an uninstalled node is out of the cluster; the operator drops it from config.yaml.
    static func decommissioned(_ record: HostRecord) -> HostRecord {
        guard record.status == .ok else { return record }
        var record = record
        let list = listKey(record.node.role)
        let what = record.nodeResult == "absent" ? "DC/OS was not installed" : "DC/OS stopped and removed"
        record.message =
            "decommissioned (\(record.message.isEmpty ? what : record.message)); now remove \(record.node.host) from \(list) in genconf/config.yaml"
        return record
    }

    /// Scale out: the nodes among `nodes` that already run their role's desired bundle (probed, read-only),
    /// as records that say so; `--deploy` leaves them untouched. A node that cannot be probed is not
    /// among them (the deploy reports what is wrong with it).
    static func alreadyInstalled(
        _ nodes: [ClusterNode],
        desiredBundles: [Role: String],
        limit: Int,
        worker: any NodeWorker,
        observer: any ProgressObserver
    ) async -> [String: HostRecord] {
        guard !nodes.isEmpty else { return [:] }
        observer.note("Probing \(nodes.count) node\(nodes.count == 1 ? "" : "s") for what they run already.")
        let probes = await window(.probe, nodes, limit: limit, worker: worker, observer: observer, releasing: false) {
            _ in nil
        }
        var found: [String: HostRecord] = [:]
        for node in nodes {
            guard var record = probes[node.host], record.status == .ok, let installed = record.installed,
                installed.role == node.role.rawValue, installed.bundle == desiredBundles[node.role]
            else { continue }
            record.message =
                "already installed: runs the served configuration \(installed.configID.prefix(12)); not touched"
            record.nodeResult = "unchanged"
            record.configID = installed.configID
            found[node.host] = record
        }
        if !found.isEmpty {
            observer.note(
                "\(found.count) node\(found.count == 1 ? "" : "s") already installed with the served configuration: not touched."
            )
        }
        return found
    }
}
