/// Rules that involve several keys. Each message is attached to the key the user wrote that is most
/// likely the one to change, and names the other keys involved.
enum CrossChecks {
    static func run(_ run: inout Run, stage: ConfigStage) {
        discoveryAndBackend(&run)
        masterCount(&run)
        ipv6(&run)
        adminRouterTLS(&run)
        overlayDefaultName(&run)
        customChecks(&run)
        vipRange(&run)
        rexray(&run)
        if stage == .ssh {
            requireMasterList(&run)
            nodeListOverlaps(&run)
            pinnedFingerprints(&run)
            hostOverrides(&run)
        }
    }

    /// The key to blame among `keys`: the last one the user wrote, else the first.
    private static func blame(_ run: Run, _ keys: [String]) -> (key: String, location: SourceLocation?) {
        let written = keys.filter { run.entries[$0] != nil }
        let key =
            written.max {
                (run.keyLocation(of: $0) ?? .init(line: 0, column: 0))
                    < (run.keyLocation(of: $1) ?? .init(line: 0, column: 0))
            } ?? keys[0]
        return (key, run.location(of: key))
    }

    private static func discoveryAndBackend(_ run: inout Run) {
        guard let discovery = run.values["master_discovery"]?.text,
            let backend = run.values["exhibitor_storage_backend"]?.text,
            discovery != "static", backend == "static"
        else { return }
        run.error(
            "exhibitor_storage_backend",
            at: run.location(of: "exhibitor_storage_backend"),
            "Cannot be static when master_discovery is \(discovery): the masters are not a fixed list, so Exhibitor needs shared storage. Use zookeeper, aws_s3, azure or shared_filesystem, or set master_discovery: static."
        )
    }

    private static func masterCount(_ run: inout Run) {
        guard run.values["master_discovery"]?.text == "static", let masters = run.values["master_list"]?.listValue
        else { return }
        guard ![1, 3, 5, 7, 9].contains(masters.count) else { return }
        run.error(
            "master_list",
            at: run.location(of: "master_list"),
            "Must have 1, 3, 5, 7 or 9 masters (an odd number, so ZooKeeper keeps a quorum), but has \(masters.count). Add or remove masters."
        )
    }

    private static func ipv6(_ run: inout Run) {
        guard run.values["enable_ipv6"]?.boolValue == false, run.values["dcos_l4lb_enable_ipv6"]?.boolValue == true
        else { return }
        let (key, location) = blame(run, ["dcos_l4lb_enable_ipv6", "enable_ipv6"])
        run.error(
            key,
            at: location,
            "dcos_l4lb_enable_ipv6 needs enable_ipv6: when enable_ipv6 is false, dcos_l4lb_enable_ipv6 must be false as well."
        )
    }

    private static func adminRouterTLS(_ run: inout Run) {
        let keys = ["adminrouter_tls_1_0_enabled", "adminrouter_tls_1_1_enabled", "adminrouter_tls_1_2_enabled"]
        guard keys.allSatisfy({ run.values[$0]?.boolValue == false }) else { return }
        let (key, location) = blame(run, keys.reversed())
        run.error(
            key,
            at: location,
            "At least one of adminrouter_tls_1_0_enabled, adminrouter_tls_1_1_enabled and adminrouter_tls_1_2_enabled must be true, or admin router accepts no TLS at all."
        )
    }

    private static func overlayDefaultName(_ run: inout Run) {
        guard run.values["dcos_overlay_enable"]?.boolValue == true,
            let overlays = run.values["dcos_overlay_network"]?.jsonValue?["overlays"]?.arrayValue,
            let name = run.values["dcos_overlay_network_default_name"]?.text
        else { return }
        let names = overlays.compactMap { $0["name"]?.stringValue }
        guard !names.contains(name) else { return }
        let (key, location) = blame(run, ["dcos_overlay_network_default_name", "dcos_overlay_network"])
        run.error(
            key,
            at: location,
            "dcos_overlay_network_default_name is '\(name)', but dcos_overlay_network defines only \(names.map { "'\($0)'" }.joined(separator: ", ")). Name one of those."
        )
    }

    private static func customChecks(_ run: inout Run) {
        guard let custom = run.values["custom_checks"]?.jsonValue else { return }
        let builtin =
            run.values["check_config"]?.jsonValue
            ?? Defaults.builtinChecks(checkTime: run.values["check_time"]?.boolValue ?? true)
        let clusterClash = Set(custom["cluster_checks"]?.objectValue?.keys ?? [:].keys).intersection(
            builtin["cluster_checks"]?.objectValue?.keys ?? [:].keys
        )
        let nodeClash = Set(custom["node_checks"]?["checks"]?.objectValue?.keys ?? [:].keys).intersection(
            builtin["node_checks"]?["checks"]?.objectValue?.keys ?? [:].keys
        )
        guard !clusterClash.isEmpty || !nodeClash.isEmpty else { return }
        let names = (clusterClash.sorted() + nodeClash.sorted()).joined(separator: ", ")
        run.error(
            "custom_checks",
            at: run.location(of: "custom_checks"),
            "Custom check names conflict with built-in checks: \(names). Rename the custom checks."
        )
    }

    private static func vipRange(_ run: inout Run) {
        guard let low = run.values["dcos_l4lb_min_named_ip"]?.text,
            let high = run.values["dcos_l4lb_max_named_ip"]?.text
        else { return }
        func number(_ ip: String) -> UInt32 { ip.split(separator: ".").reduce(0) { $0 << 8 | UInt32($1)! } }
        guard number(low) > number(high) else { return }
        let (key, location) = blame(run, ["dcos_l4lb_max_named_ip", "dcos_l4lb_min_named_ip"])
        run.error(
            key,
            at: location,
            "dcos_l4lb_min_named_ip (\(low)) is above dcos_l4lb_max_named_ip (\(high)). Swap them."
        )
    }

    private static func rexray(_ run: inout Run) {
        guard run.values["rexray_config_preset"]?.text == "aws", run.entries["rexray_config"] != nil else { return }
        run.diagnostics.append(
            .warning(
                "rexray_config",
                at: run.keyLocation(of: "rexray_config"),
                "rexray_config is ignored because rexray_config_preset is aws. Remove one of them."
            )
        )
    }

    private static func requireMasterList(_ run: inout Run) {
        guard run.entries["master_list"] == nil, !run.failed.contains("master_list"), run.values["master_list"] == nil
        else { return }
        guard run.values["master_discovery"]?.text != "static" else { return }  // already reported as required
        run.error(
            "master_list",
            at: nil,
            "master_list is required by the SSH actions (they install the masters), but is not set. Add `master_list:` with the masters' IPv4 addresses."
        )
    }

    /// With `ssh_known_hosts_policy: pinned`, every node needs a fingerprint.
    private static func pinnedFingerprints(_ run: inout Run) {
        guard run.values["ssh_known_hosts_policy"]?.text == "pinned",
            let pinned = run.values["ssh_host_key_fingerprints"]?.jsonValue?.objectValue
        else { return }
        let hosts = ["master_list", "agent_list", "public_agent_list"].flatMap { run.values[$0]?.listValue ?? [] }
        let missing = hosts.filter { pinned[$0] == nil }
        guard !missing.isEmpty else { return }
        let shown =
            missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
        let (key, location) = blame(run, ["ssh_host_key_fingerprints", "ssh_known_hosts_policy"])
        run.error(
            key,
            at: location,
            "ssh_known_hosts_policy is pinned, but ssh_host_key_fingerprints has no fingerprint for \(shown). Add them (ssh-keyscan HOST | ssh-keygen -lf -), or use accept-new."
        )
    }

    /// Overrides for hosts that are in no node list are probably typos.
    private static func hostOverrides(_ run: inout Run) {
        guard let overrides = run.values["ssh_host_overrides"]?.jsonValue?.objectValue, !overrides.isEmpty else {
            return
        }
        let hosts = Set(["master_list", "agent_list", "public_agent_list"].flatMap { run.values[$0]?.listValue ?? [] })
        for host in overrides.keys.sorted() where !hosts.contains(host) {
            run.diagnostics.append(
                .warning(
                    "ssh_host_overrides",
                    at: run.location(of: "ssh_host_overrides"),
                    "The override for \(host) names a host that is in none of master_list, agent_list and public_agent_list; it has no effect."
                )
            )
        }
    }

    private static func nodeListOverlaps(_ run: inout Run) {
        let lists = ["master_list", "agent_list", "public_agent_list"]
        for (i, first) in lists.enumerated() {
            for second in lists[(i + 1)...] {
                guard let a = run.values[first]?.listValue, let b = run.values[second]?.listValue else { continue }
                let shared = Set(a).intersection(b)
                guard !shared.isEmpty else { continue }
                let ordered = a.filter(shared.contains)
                let (key, _) = blame(run, [second, first])
                let index = (run.values[key]?.listValue ?? []).firstIndex { shared.contains($0) }
                var check = KeyCheck(
                    key: key,
                    value: run.values[key]!,
                    yaml: run.entries[key]?.value,
                    fallbackLocation: run.keyLocation(of: key)
                )
                check.fail(
                    "\(first) and \(second) cannot share addresses, but both contain \(ordered.joined(separator: ", ")). A node has exactly one role; remove each address from one of the lists.",
                    item: index
                )
                run.diagnostics += check.problems
            }
        }
    }
}
