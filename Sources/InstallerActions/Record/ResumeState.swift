import InstallerCluster
import InstallerConfig
import InstallerRender

#if canImport(Glibc)
    import Glibc
#endif

/// What `--resume` carries over from an earlier run of the same action: the hosts whose journal says
/// they finished ok, with the same configuration id and (for a deploy) the same role bundle.
public struct ResumeState: Sendable {
    /// A host the earlier run finished.
    public struct Done: Sendable, Hashable {
        public var host: String
        public var configID: String
        public var bundleSHA256: String
    }

    public var runID: String
    public var done: [String: Done]

    /// Reads the journal of run `runID`, or of the newest run of `action` under `stateDirectory`.
    public static func load(
        stateDirectory: String,
        action: ActionKind,
        runID: String?
    ) -> Result<ResumeState, ActionError> {
        var names = Journal.runNames(stateDirectory)
        if let runID {
            guard names.contains(runID) else {
                return .failure(
                    ActionError(
                        .resume,
                        "--resume \(runID): there is no such run in \(stateDirectory) (runs are its subdirectories)."
                    )
                )
            }
            names = [runID]
        }
        for name in names {
            let events = Journal.events(stateDirectory + "/" + name + "/journal.jsonl")
            guard let start = events.first(where: { $0["event"]?.stringValue == "run-start" }) else { continue }
            guard start["action"]?.stringValue == action.rawValue else {
                if runID != nil {
                    return .failure(
                        ActionError(
                            .resume,
                            "--resume \(name): that run was \(start["action"]?.stringValue ?? "?"), not \(action.rawValue)."
                        )
                    )
                }
                continue
            }
            guard start["dry_run"]?.boolValue != true else { continue }
            var done: [String: Done] = [:]
            for event in events
            where event["event"]?.stringValue == "host-finish"
                && event["phase"]?.stringValue == action.mainPhase.description
            {
                guard let host = event["host"]?.stringValue else { continue }
                if event["status"]?.stringValue == "ok" {
                    done[host] = Done(
                        host: host,
                        configID: event["config_id"]?.stringValue ?? "",
                        bundleSHA256: event["bundle_sha256"]?.stringValue ?? ""
                    )
                } else {
                    done[host] = nil
                }
            }
            return .success(ResumeState(runID: name, done: done))
        }
        return .failure(
            ActionError(.resume, "--resume: no earlier \(action.flag) run in \(stateDirectory) to resume.")
        )
    }

    /// The hosts of `nodes` that need not run again: finished ok with this config id and bundle.
    public func carriedOver(
        _ nodes: [ClusterNode],
        configID: String,
        bundleSHA256: (ClusterNode) -> String,
        address: (ClusterNode) -> String
    ) -> [String: HostRecord] {
        var records: [String: HostRecord] = [:]
        for node in nodes {
            guard let entry = done[node.host], entry.configID == configID, entry.bundleSHA256 == bundleSHA256(node)
            else { continue }
            var record = HostRecord(
                node: node,
                address: address(node),
                status: .ok,
                message: "done in run \(runID)"
            )
            record.configID = configID
            let now = WallTime.now
            record.steps = [
                StepRecord(
                    name: "resume",
                    command: "",
                    result: .unchanged,
                    started: now,
                    finished: now,
                    detail: "finished ok in run \(runID) with configuration \(configID)"
                )
            ]
            records[node.host] = record
        }
        return records
    }

    static func listDirectory(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
