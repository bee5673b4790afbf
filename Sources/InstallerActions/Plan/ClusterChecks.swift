/// The checks `--preflight` makes across the cluster from the bootstrap node, from what each host
/// reported (``RemoteScripts``): reachability, unique host names and machine ids, clock skew against
/// the median, bootstrap_url from every node, and the masters reaching each other.
public enum ClusterChecks {
    /// What one host told the driver.
    public struct Facts: Sendable, Hashable {
        public var host: String
        /// Nil when the host could not be reached or authenticated (with the reason in `sshError`).
        public var reached: Bool
        public var sshError: String
        public var hostname: String?
        public var machineID: String?
        /// Node clock minus the driver's clock at the middle of the round trip, in seconds.
        public var clockOffset: Double?
        public var bootstrap: String?
        /// `host:port` → reachable.
        public var peers: [String: Bool]

        public init(host: String, reached: Bool, sshError: String = "") {
            self.host = host
            self.reached = reached
            self.sshError = sshError
            self.peers = [:]
        }

        /// Fills in the `key=value` lines of the facts command.
        public mutating func read(factsOutput: String) {
            for line in factsOutput.split(whereSeparator: \.isNewline) {
                guard let equals = line.firstIndex(of: "=") else { continue }
                let key = String(line[..<equals])
                let value = String(line[line.index(after: equals)...])
                switch key {
                case "hostname": hostname = value
                case "machine_id": machineID = value
                case "bootstrap": bootstrap = value
                default:
                    if key.hasPrefix("peer ") { peers[String(key.dropFirst(5))] = value == "ok" }
                }
            }
        }
    }

    /// Skew above which the check warns, and above which it fails.
    public static let skewWarning = 0.5
    public static let skewError = 2.0

    /// The cluster-wide checks per host, in the order of `facts`.
    public static func evaluate(_ facts: [Facts]) -> [String: [NodeCheck]] {
        let reached = facts.filter(\.reached)
        let hostnames = Dictionary(grouping: reached.compactMap { f in f.hostname.map { ($0, f.host) } }, by: \.0)
        let machineIDs = Dictionary(
            grouping: reached.compactMap { f in f.machineID.flatMap { $0.isEmpty ? nil : ($0, f.host) } },
            by: \.0
        )
        let offsets = reached.compactMap(\.clockOffset).sorted()
        let median: Double? =
            offsets.isEmpty
            ? nil
            : offsets.count % 2 == 1
                ? offsets[offsets.count / 2] : (offsets[offsets.count / 2 - 1] + offsets[offsets.count / 2]) / 2

        var result: [String: [NodeCheck]] = [:]
        for fact in facts {
            var checks: [NodeCheck] = []
            guard fact.reached else {
                checks.append(NodeCheck(name: "ssh", severity: .error, status: .fail, detail: fact.sshError))
                result[fact.host] = checks
                continue
            }
            checks.append(
                NodeCheck(name: "ssh", severity: .error, status: .pass, detail: "reachable and authenticated")
            )

            if let name = fact.hostname {
                let others = (hostnames[name] ?? []).map(\.1).filter { $0 != fact.host }
                checks.append(
                    others.isEmpty
                        ? NodeCheck(name: "unique-hostname", severity: .warning, status: .pass, detail: name)
                        : NodeCheck(
                            name: "unique-hostname",
                            severity: .warning,
                            status: .fail,
                            detail: "host name \(name) is also the name of \(others.joined(separator: ", "))"
                        )
                )
            }
            if let id = fact.machineID {
                let others = (machineIDs[id] ?? []).map(\.1).filter { $0 != fact.host }
                if id.isEmpty {
                    checks.append(
                        NodeCheck(
                            name: "unique-machine-id",
                            severity: .error,
                            status: .fail,
                            detail: "/etc/machine-id is missing or empty (run systemd-machine-id-setup)"
                        )
                    )
                } else {
                    checks.append(
                        others.isEmpty
                            ? NodeCheck(name: "unique-machine-id", severity: .error, status: .pass, detail: id)
                            : NodeCheck(
                                name: "unique-machine-id",
                                severity: .error,
                                status: .fail,
                                detail:
                                    "machine id \(id) is shared with \(others.joined(separator: ", ")) (a cloned image? run systemd-machine-id-setup after removing /etc/machine-id)"
                            )
                    )
                }
            }
            if let offset = fact.clockOffset, let median {
                let skew = offset - median
                let text = "\(format(skew)) s from the cluster's median clock"
                let status: NodeCheck.Status = abs(skew) > skewWarning ? .fail : .pass
                let severity: NodeCheck.Severity = abs(skew) > skewError ? .error : .warning
                checks.append(
                    NodeCheck(
                        name: "clock-skew",
                        severity: severity,
                        status: status,
                        detail: status == .pass ? text : text + " (synchronise the clocks: chrony or systemd-timesyncd)"
                    )
                )
            }
            if let bootstrap = fact.bootstrap {
                let (word, rest) = split(bootstrap)
                checks.append(
                    NodeCheck(
                        name: "bootstrap-url",
                        severity: .error,
                        status: word == "ok" ? .pass : word == "skip" ? .skip : .fail,
                        detail: word == "ok" ? "manifest.json downloads" : rest
                    )
                )
            }
            if !fact.peers.isEmpty {
                let unreachable = fact.peers.filter { !$0.value }.keys.sorted()
                checks.append(
                    NodeCheck(
                        name: "master-peers",
                        severity: .error,
                        status: unreachable.isEmpty ? .pass : .fail,
                        detail: unreachable.isEmpty
                            ? "reaches \(fact.peers.count) other master\(fact.peers.count == 1 ? "" : "s") over TCP"
                            : "cannot open a TCP connection to \(unreachable.joined(separator: ", "))"
                    )
                )
            }
            result[fact.host] = checks
        }
        return result
    }

    private static func split(_ text: String) -> (String, String) {
        guard let space = text.firstIndex(of: " ") else { return (text, "") }
        return (String(text[..<space]), String(text[text.index(after: space)...]))
    }

    static func format(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        let sign = millis < 0 ? "-" : "+"
        let magnitude = abs(millis)
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
