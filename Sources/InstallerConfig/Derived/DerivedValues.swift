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
        out["cluster_name_json"] = .string(JSONValue.string(config.clusterName).encoded())
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
        let isStatic = config.masterDiscovery == "static"
        let masters = config.masterList
        let count = isStatic ? masters.count : Int(config.numMasters) ?? 1
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
            ? ensemble.map { "\($0):2181" }.joined(separator: ",") : "\(config.exhibitorAddress):2181"
        out["zk_hosts"] = .string(zkHosts)
        out["mesos_zk_url"] = .string("zk://\(zkHosts)/mesos")
        out["master_list_str"] = .string(masters.joined(separator: ","))
        out["master_list_json"] = .string(ConfigValue.list(masters).text)
        out["exhibitor_admin_password_enabled"] = .bool(!config.exhibitorAdminPassword.isEmpty)
        // One flag per Exhibitor backend, and every backend key present (empty when another backend is
        // chosen), so templates can branch on the backend and name its keys in every branch.
        let backend = config.exhibitorStorageBackend
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
        out["exhibitor_explicit_keys"] = .bool(config.exhibitorExplicitKeys)
        out["has_master_external_loadbalancer"] = .bool(!config.masterExternalLoadbalancer.isEmpty)
    }

    // MARK: - DNS

    static func dns(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let resolvers = config.resolvers
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
        let blacklist = config.dnsBindIPReserved + config.dnsBindIPBlacklist
        out["dns_bind_ip_blacklist_json"] = .string(ConfigValue.list(blacklist).text)
        let search = config.dnsSearch
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
        let megabytes = config.mesosLogRetentionMB
        // int(1 + (mb - 512) / 256 * 10), with Python's true division.
        let count = Int(1.0 + Double(megabytes - 512) / 256.0 * 10.0)
        out["mesos_log_retention_count"] = .string(String(count))
        out["mesos_log_directory_max_files"] = .string(String(25 + count))
        var isolation = baseIsolation
        if config.enableGPUIsolation { isolation += ["cgroups/devices", "gpu/nvidia"] }
        out["mesos_isolation"] = .string(isolation.joined(separator: ","))
        let hooks = config.dcosRemoveDockercfgEnable ? "com_mesosphere_dcos_RemoverHook" : ""
        out["mesos_hooks"] = .string(hooks)
        out["use_mesos_hooks"] = .bool(!hooks.isEmpty)
        out["fair_sharing_excluded_resource_names"] = .string(config.gpusAreScarce ? "gpus" : "")
        let maxTasks = config.mesosMaxCompletedTasksPerFramework
        out["has_mesos_max_completed_tasks_per_framework"] = .bool(!maxTasks.isEmpty)
        out["marathon_port"] = .string("8080")
        out["has_weights"] = .bool(!config.weights.isEmpty)
    }

    // MARK: - Proxy

    static func proxy(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let builtin = [".mesos", ".thisdcos.directory", ".dcos.directory", ".zk", "127.0.0.1", "localhost"]
        out["no_proxy_final"] = .string((builtin + config.noProxy).joined(separator: ","))
        out["http_proxy"] = .string(config.httpProxy)
        out["https_proxy"] = .string(config.httpsProxy)
    }

    // MARK: - Docker credentials and storage

    static func docker(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        let credentials = config.clusterDockerCredentials
        let dcosOwned =
            !(credentials.objectValue?.isEmpty ?? true) && !config.clusterDockerCredentialsWriteToEtc
        out["cluster_docker_credentials_dcos_owned"] = .bool(dcosOwned)
        out["cluster_docker_credentials_path"] = .string(
            dcosOwned ? "/opt/mesosphere/etc/docker_credentials" : "/etc/mesosphere/docker_credentials"
        )
        out["cluster_docker_credentials_json"] = .string(
            (credentials.objectValue?.isEmpty ?? true ? JSONValue.object(["auths": .object([:])]) : credentials)
                .encoded(pretty: true)
        )
        out["cluster_docker_registry_enabled"] = .bool(!config.clusterDockerRegistryURL.isEmpty)
        let rexray =
            config.rexrayConfigPreset == "aws" ? Defaults.rexrayAWSPreset : config.rexrayConfig
        out["rexray_config_contents"] = .string(rexray.encoded(pretty: true))
    }

    // MARK: - Security

    static func security(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        out["adminrouter_auth_enabled"] = .bool(config.oauthEnabled)
        let versions = [
            (config.adminrouterTLS1_0Enabled, "TLSv1"), (config.adminrouterTLS1_1Enabled, "TLSv1.1"),
            (config.adminrouterTLS1_2Enabled, "TLSv1.2"),
        ]
        out["adminrouter_tls_version_override"] = .string(versions.filter(\.0).map(\.1).joined(separator: " "))
        out["adminrouter_tls_cipher_override"] = .bool(!config.adminrouterTLSCipherSuite.isEmpty)
    }

    // MARK: - Networking

    static func network(_ config: ValidatedConfig, into out: inout [String: JSONValue]) {
        for key in [ConfigKeys.catalogue.dcosL4lbMinNamedIP, ConfigKeys.catalogue.dcosL4lbMaxNamedIP] {
            out[key.name + "_erltuple"] = .string(erlangTuple(ipv4: config[key]))
        }
        for key in [ConfigKeys.catalogue.dcosL4lbMinNamedIP6, ConfigKeys.catalogue.dcosL4lbMaxNamedIP6] {
            out[key.name + "_erltuple"] = .string(erlangTuple(ipv6: config[key]))
        }
        var overlay = config.dcosOverlayNetwork
        if !config.enableIPv6, case .object(var members) = overlay,
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
            config.checkConfig ?? Defaults.builtinChecks(checkTime: config.checkTime)
        let custom = config.customChecks
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
