/// The values templates see: every applicable config key by name, plus the values DC/OS calculated
/// from them (`gen/calc.py`), computed here in Swift.
///
/// Shapes: text keys are strings, true/false keys booleans, lists are lists of strings (with a
/// `<key>_json` text twin), mappings are available as `<key>_json` text.
public enum DerivedValues {
    public static func compute(_ config: ValidatedConfig) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        out.reserveCapacity(config.values.count * 2 + 64)
        for (key, value) in config.values {
            switch value {
            case .string(let text): out[key] = .string(text)
            case .bool(let flag): out[key] = .bool(flag)
            case .int(let number): out[key] = .string(String(number))
            case .list(let items):
                // Node lists of a 10,000-agent cluster are not rendered into templates.
                if key == "agent_list" || key == "public_agent_list" { continue }
                out[key] = .array(items.map(JSONValue.string))
                out[key + "_json"] = .string(value.text)
            case .json(let json): out[key + "_json"] = .string(json.encoded())
            }
        }
        masters(config, into: &out)
        dns(config, into: &out)
        mesos(config, into: &out)
        proxy(config, into: &out)
        docker(config, into: &out)
        security(config, into: &out)
        network(config, into: &out)
        checks(config, into: &out)
        out["cluster_name_json"] = .string(JSONValue.string(config.string("cluster_name")).encoded())
        out["ip_detect_contents"] = .string(config.ipDetectContents)
        out["ip_detect_public_contents"] = .string(config.ipDetectPublicContents)
        return out
    }

    /// The template values that carry a secret this configuration sets: every key the schema marks secret that
    /// config.yaml gives a value, with the values computed from it. A file rendered from any of them goes to the
    /// role's secrets archive, never into a public bundle.
    public static func secretNames(_ config: ValidatedConfig) -> Set<String> {
        var names: Set<String> = []
        for key in ValidatedConfig.secretKeys where config.userKeys.contains(key) {
            names.formUnion([key, key + "_json"])
        }
        return names
    }

    // MARK: - Masters and ZooKeeper

    static func masters(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let isStatic = config.string("master_discovery") == "static"
        let masters = config.list("master_list")
        let count = isStatic ? masters.count : Int(config.string("num_masters")) ?? 1
        out["num_masters"] = .string(String(count))
        out["master_quorum"] = .string(String(count / 2 + 1))
        out["master_discovery_static"] = .bool(isStatic)
        // DC/OS sorts the masters as strings and numbers them from 1.
        let ensemble = masters.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        out["exhibitor_static_ensemble"] = .string(
            ensemble.enumerated().map { "\($0.offset + 1):\($0.element)" }.joined(separator: ",")
        )
        out["zookeeper_servers"] = .array(
            ensemble.enumerated().map { .object(["id": .string(String($0.offset + 1)), "ip": .string($0.element)]) }
        )
        let zkHosts =
            isStatic
            ? ensemble.map { "\($0):2181" }.joined(separator: ",") : "\(config.string("exhibitor_address")):2181"
        out["zk_hosts"] = .string(zkHosts)
        out["mesos_zk_url"] = .string("zk://\(zkHosts)/mesos")
        out["master_list_str"] = .string(masters.joined(separator: ","))
        out["master_list_json"] = .string(ConfigValue.list(masters).text)
        out["exhibitor_admin_password_enabled"] = .bool(!config.string("exhibitor_admin_password").isEmpty)
        // One flag per Exhibitor backend, and every backend key present (empty when another backend is
        // chosen), so templates can branch on the backend and name its keys in every branch.
        let backend = config.string("exhibitor_storage_backend")
        for name in ["static", "zookeeper", "aws_s3", "azure", "shared_filesystem", "agent_only_group_no_exhibitor"] {
            out["exhibitor_backend_" + name] = .bool(backend == name)
        }
        for key in [
            "exhibitor_zk_hosts", "exhibitor_zk_path", "aws_region", "s3_bucket", "s3_prefix", "aws_access_key_id",
            "aws_secret_access_key", "exhibitor_azure_account_name", "exhibitor_azure_prefix",
            "exhibitor_azure_account_key", "exhibitor_fs_config_dir",
        ] where out[key] == nil {
            out[key] = .string("")
        }
        out["exhibitor_explicit_keys"] = .bool(config.bool("exhibitor_explicit_keys"))
        out["has_master_external_loadbalancer"] = .bool(!config.string("master_external_loadbalancer").isEmpty)
    }

    // MARK: - DNS

    static func dns(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let resolvers = config.list("resolvers")
        out["resolvers_str"] = .string(resolvers.joined(separator: ","))
        out["has_resolvers"] = .bool(!resolvers.isEmpty)
        out["mesos_dns_resolvers_str"] = .string(
            resolvers.isEmpty ? "\"externalOn\": false" : "\"resolvers\": \(ConfigValue.list(resolvers).text)"
        )
        out["mesos_dns_resolvers"] = .array(
            resolvers.map { resolver in
                let parts = resolver.split(separator: ":")
                return .object([
                    "ip": .string(String(parts[0])), "port": .string(parts.count > 1 ? String(parts[1]) : "53"),
                ])
            }
        )
        let blacklist = config.list("dns_bind_ip_reserved") + config.list("dns_bind_ip_blacklist")
        out["dns_bind_ip_blacklist_json"] = .string(ConfigValue.list(blacklist).text)
        let search = config.string("dns_search")
        out["dcos_gen_resolvconf_search_str"] = .string(search.isEmpty ? "" : "SEARCH=\(search)")
        out["has_dns_search"] = .bool(!search.isEmpty)
    }

    // MARK: - Mesos

    static let baseIsolation = [
        "cgroups/cpu", "cgroups/mem", "cgroups/blkio", "disk/du", "network/cni", "filesystem/linux", "docker/runtime",
        "docker/volume", "volume/sandbox_path", "volume/secret", "posix/rlimits", "namespaces/pid",
        "linux/capabilities",
        "com_mesosphere_MetricsIsolatorModule",
    ]

    static func mesos(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let megabytes = config.int("mesos_log_retention_mb")
        // int(1 + (mb - 512) / 256 * 10), with Python's true division.
        let count = Int(1.0 + Double(megabytes - 512) / 256.0 * 10.0)
        out["mesos_log_retention_count"] = .string(String(count))
        out["mesos_log_directory_max_files"] = .string(String(25 + count))
        var isolation = baseIsolation
        if config.bool("enable_gpu_isolation") { isolation += ["cgroups/devices", "gpu/nvidia"] }
        out["mesos_isolation"] = .string(isolation.joined(separator: ","))
        let hooks = config.bool("dcos_remove_dockercfg_enable") ? "com_mesosphere_dcos_RemoverHook" : ""
        out["mesos_hooks"] = .string(hooks)
        out["use_mesos_hooks"] = .bool(!hooks.isEmpty)
        out["fair_sharing_excluded_resource_names"] = .string(config.bool("gpus_are_scarce") ? "gpus" : "")
        let maxTasks = config.string("mesos_max_completed_tasks_per_framework")
        out["has_mesos_max_completed_tasks_per_framework"] = .bool(!maxTasks.isEmpty)
        out["marathon_port"] = .string("8080")
        out["has_weights"] = .bool(!config.string("weights").isEmpty)
    }

    // MARK: - Proxy

    static func proxy(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let builtin = [".mesos", ".thisdcos.directory", ".dcos.directory", ".zk", "127.0.0.1", "localhost"]
        out["no_proxy_final"] = .string((builtin + config.list("no_proxy")).joined(separator: ","))
        out["http_proxy"] = .string(config.string("http_proxy"))
        out["https_proxy"] = .string(config.string("https_proxy"))
    }

    // MARK: - Docker credentials and storage

    static func docker(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let credentials = config.json("cluster_docker_credentials")
        let dcosOwned =
            !(credentials.objectValue?.isEmpty ?? true) && !config.bool("cluster_docker_credentials_write_to_etc")
        out["cluster_docker_credentials_dcos_owned"] = .bool(dcosOwned)
        out["cluster_docker_credentials_path"] = .string(
            dcosOwned ? "/opt/mesosphere/etc/docker_credentials" : "/etc/mesosphere/docker_credentials"
        )
        out["cluster_docker_credentials_json"] = .string(
            (credentials.objectValue?.isEmpty ?? true ? JSONValue.object(["auths": .object([:])]) : credentials)
                .encoded(pretty: true)
        )
        out["cluster_docker_registry_enabled"] = .bool(!config.string("cluster_docker_registry_url").isEmpty)
        let rexray =
            config.string("rexray_config_preset") == "aws" ? Defaults.rexrayAWSPreset : config.json("rexray_config")
        out["rexray_config_contents"] = .string(rexray.encoded(pretty: true))
    }

    // MARK: - Security

    static func security(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        out["adminrouter_auth_enabled"] = .bool(config.bool("oauth_enabled"))
        let versions = [
            ("adminrouter_tls_1_0_enabled", "TLSv1"), ("adminrouter_tls_1_1_enabled", "TLSv1.1"),
            ("adminrouter_tls_1_2_enabled", "TLSv1.2"),
        ]
        out["adminrouter_tls_version_override"] = .string(
            versions.filter { config.bool($0.0) }.map(\.1).joined(separator: " ")
        )
        out["adminrouter_tls_cipher_override"] = .bool(!config.string("adminrouter_tls_cipher_suite").isEmpty)
    }

    // MARK: - Networking

    static func network(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        for key in ["dcos_l4lb_min_named_ip", "dcos_l4lb_max_named_ip"] {
            out[key + "_erltuple"] = .string(erlangTuple(ipv4: config.string(key)))
        }
        for key in ["dcos_l4lb_min_named_ip6", "dcos_l4lb_max_named_ip6"] {
            out[key + "_erltuple"] = .string(erlangTuple(ipv6: config.string(key)))
        }
        var overlay = config.json("dcos_overlay_network")
        if !config.bool("enable_ipv6"), case .object(var members) = overlay,
            let overlays = members["overlays"]?.arrayValue
        {
            members["overlays"] = .array(
                overlays.map { entry in
                    guard case .object(var fields) = entry, fields["subnet"] == nil else { return entry }
                    fields["enabled"] = .bool(false)
                    return .object(fields)
                }
            )
            overlay = .object(members)
        }
        out["dcos_overlay_network_json"] = .string(overlay.encoded())
    }

    /// `11.0.0.0` → `{11,0,0,0}`.
    public static func erlangTuple(ipv4: String) -> String {
        "{" + ipv4.split(separator: ".").joined(separator: ",") + "}"
    }

    /// `fd01:c::1000` → `{16#fd01,16#c,16#0,16#0,16#0,16#0,16#0,16#1000}`. Each group is its own number:
    /// DC/OS stripped the text `000` out of the exploded form and turned `1000` into `16#1`.
    public static func erlangTuple(ipv6: String) -> String {
        let groups = NetworkSyntax.ipv6Groups(ipv6) ?? []
        return "{" + groups.map { "16#" + String($0, radix: 16) }.joined(separator: ",") + "}"
    }

    // MARK: - Checks

    static func checks(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let builtin =
            config.values["check_config"]?.jsonValue ?? Defaults.builtinChecks(checkTime: config.bool("check_time"))
        let custom = config.json("custom_checks")
        var merged: [String: JSONValue] = [:]
        for section in ["cluster_checks", "node_checks"] {
            let base = builtin[section]
            let extra = custom[section]
            guard base != nil || extra != nil else { continue }
            if section == "cluster_checks" {
                var checks = base?.objectValue ?? [:]
                for (name, check) in extra?.objectValue ?? [:] { checks[name] = check }
                merged[section] = .object(checks)
            } else {
                var checks = base?["checks"]?.objectValue ?? [:]
                for (name, check) in extra?["checks"]?.objectValue ?? [:] { checks[name] = check }
                var node: [String: JSONValue] = ["checks": .object(checks)]
                for phase in ["prestart", "poststart"] {
                    let names = (base?[phase]?.arrayValue ?? []) + (extra?[phase]?.arrayValue ?? [])
                    if !names.isEmpty { node[phase] = .array(names) }
                }
                merged[section] = .object(node)
            }
        }
        merged["check_env"] = .object([
            "PATH": .string("/opt/mesosphere/bin:/usr/bin:/bin:/sbin"),
            "LD_LIBRARY_PATH": .string("/opt/mesosphere/lib"),
        ])
        out["check_config_contents"] = .string(JSONValue.object(merged).encoded(pretty: true))
    }
}
