/// Every config.yaml key that code reads, each with the type of its value, grouped as in `ConfigSchema`.
///
/// Read them as members of a `ValidatedConfig`: `config.clusterName` is a `String`, `config.postflightTimeout`
/// an `Int`, `config.masterList` a `[String]`. Each property is named after its schema key in lower camel
/// case, and `ConfigKeysTests` checks every one against `ConfigSchema.keys` (the key exists, the kind holds the
/// type, the name matches), so this list cannot drift from the schema. Declare a key here before code reads it;
/// keys that are only passed through to templates need no declaration (`DerivedValues` walks all of them).
///
/// A misspelt member does not compile. Swift 6.3 reports it as "no dynamic member 'x' using key path from root
/// type 'ConfigKeys'" or, in some expressions (`let x = config.clusterNam`), only as "failed to produce
/// diagnostic for expression" at the misspelt member.
public struct ConfigKeys: Sendable {
    /// The one instance the key paths of `ValidatedConfig`'s dynamic members are applied to.
    static let catalogue = ConfigKeys()

    private init() {}

    // MARK: - Cluster

    public let clusterName = ConfigKey<String>("cluster_name")
    public let bootstrapURL = ConfigKey<String>("bootstrap_url")
    public let masterDiscovery = ConfigKey<String>("master_discovery")
    public let masterList = ConfigKey<[String]>("master_list")
    public let agentList = ConfigKey<[String]>("agent_list")
    public let publicAgentList = ConfigKey<[String]>("public_agent_list")
    public let numMasters = ConfigKey<String>("num_masters")
    public let exhibitorAddress = ConfigKey<String>("exhibitor_address")
    public let masterExternalLoadbalancer = ConfigKey<String>("master_external_loadbalancer")

    // MARK: - Exhibitor

    public let exhibitorStorageBackend = ConfigKey<String>("exhibitor_storage_backend")
    public let exhibitorExplicitKeys = ConfigKey<Bool>("exhibitor_explicit_keys")
    public let exhibitorAdminPassword = ConfigKey<String>("exhibitor_admin_password")

    // MARK: - SSH

    public let sshUser = ConfigKey<String>("ssh_user")
    public let sshPort = ConfigKey<Int>("ssh_port")
    public let sshKeyPath = ConfigKey<String>("ssh_key_path")
    public let sshParallelism = ConfigKey<Int>("ssh_parallelism")
    public let processTimeout = ConfigKey<Int>("process_timeout")
    public let extraSSHOptions = ConfigKey<String>("extra_ssh_options")
    public let sshKnownHostsPolicy = ConfigKey<String>("ssh_known_hosts_policy")
    public let sshKnownHostsFile = ConfigKey<String>("ssh_known_hosts_file")
    public let sshHostKeyFingerprints = ConfigKey<JSONValue>("ssh_host_key_fingerprints")
    public let sshBastion = ConfigKey<String>("ssh_bastion")
    public let sshUseAgent = ConfigKey<Bool>("ssh_use_agent")
    public let sshKeyPassphraseEnv = ConfigKey<String>("ssh_key_passphrase_env")
    public let sshSudo = ConfigKey<String>("ssh_sudo")
    public let sshSudoPasswordEnv = ConfigKey<String>("ssh_sudo_password_env")
    public let sshConnectTimeout = ConfigKey<Int>("ssh_connect_timeout")
    public let sshHandshakeTimeout = ConfigKey<Int>("ssh_handshake_timeout")
    public let sshCommandIdleTimeout = ConfigKey<Int>("ssh_command_idle_timeout")
    public let sshHandshakeParallelism = ConfigKey<Int>("ssh_handshake_parallelism")
    public let sshHostOverrides = ConfigKey<JSONValue>("ssh_host_overrides")

    // MARK: - Deploy

    public let deployMastersSerial = ConfigKey<Bool>("deploy_masters_serial")
    public let deployCanary = ConfigKey<Int>("deploy_canary")
    /// nil when the configuration was checked for `--genconf` only (the key is an SSH-stage key).
    public let deployMaxInFlight = ConfigKey<CountOrPercent?>("deploy_max_in_flight")
    /// nil when the configuration was checked for `--genconf` only (the key is an SSH-stage key).
    public let deployMaxFailedAgents = ConfigKey<CountOrPercent?>("deploy_max_failed_agents")
    public let upgradeCanaries = ConfigKey<Int>("upgrade_canaries")
    /// nil when the configuration was checked for `--genconf` only (the key is an SSH-stage key).
    public let upgradeMaxInFlight = ConfigKey<CountOrPercent?>("upgrade_max_in_flight")
    /// nil when the configuration was checked for `--genconf` only (the key is an SSH-stage key).
    public let upgradeFailureTolerance = ConfigKey<CountOrPercent?>("upgrade_failure_tolerance")
    public let repairMaxInFlight = ConfigKey<Int>("repair_max_in_flight")
    /// nil when the configuration was checked for `--genconf` only (the key is an SSH-stage key).
    public let watchMaxUnhealthy = ConfigKey<CountOrPercent?>("watch_max_unhealthy")
    public let postflightTimeout = ConfigKey<Int>("postflight_timeout")
    public let prereqsOffline = ConfigKey<Bool>("prereqs_offline")

    // MARK: - DNS

    public let resolvers = ConfigKey<[String]>("resolvers")
    public let dnsSearch = ConfigKey<String>("dns_search")
    public let dnsBindIPBlacklist = ConfigKey<[String]>("dns_bind_ip_blacklist")
    public let dnsBindIPReserved = ConfigKey<[String]>("dns_bind_ip_reserved")

    // MARK: - Proxy

    public let httpProxy = ConfigKey<String>("http_proxy")
    public let httpsProxy = ConfigKey<String>("https_proxy")
    public let noProxy = ConfigKey<[String]>("no_proxy")

    // MARK: - Networking

    public let enableIPv6 = ConfigKey<Bool>("enable_ipv6")
    public let dcosOverlayNetwork = ConfigKey<JSONValue>("dcos_overlay_network")
    public let dcosL4lbMinNamedIP = ConfigKey<String>("dcos_l4lb_min_named_ip")
    public let dcosL4lbMaxNamedIP = ConfigKey<String>("dcos_l4lb_max_named_ip")
    public let dcosL4lbMinNamedIP6 = ConfigKey<String>("dcos_l4lb_min_named_ip6")
    public let dcosL4lbMaxNamedIP6 = ConfigKey<String>("dcos_l4lb_max_named_ip6")

    // MARK: - Mesos

    public let mesosLogRetentionMB = ConfigKey<Int>("mesos_log_retention_mb")
    public let mesosMaxCompletedTasksPerFramework = ConfigKey<String>("mesos_max_completed_tasks_per_framework")
    public let enableGPUIsolation = ConfigKey<Bool>("enable_gpu_isolation")
    public let gpusAreScarce = ConfigKey<Bool>("gpus_are_scarce")
    public let weights = ConfigKey<String>("weights")

    // MARK: - Docker and storage

    public let dcosRemoveDockercfgEnable = ConfigKey<Bool>("dcos_remove_dockercfg_enable")
    public let clusterDockerCredentials = ConfigKey<JSONValue>("cluster_docker_credentials")
    public let clusterDockerCredentialsWriteToEtc = ConfigKey<Bool>("cluster_docker_credentials_write_to_etc")
    public let clusterDockerRegistryURL = ConfigKey<String>("cluster_docker_registry_url")
    public let rexrayConfigPreset = ConfigKey<String>("rexray_config_preset")
    public let rexrayConfig = ConfigKey<JSONValue>("rexray_config")

    // MARK: - Checks

    public let checkTime = ConfigKey<Bool>("check_time")
    /// nil when config.yaml does not set it (the built-in checks apply).
    public let checkConfig = ConfigKey<JSONValue?>("check_config")
    public let customChecks = ConfigKey<JSONValue>("custom_checks")

    // MARK: - Security

    public let oauthEnabled = ConfigKey<Bool>("oauth_enabled")
    public let adminrouterTLS1_0Enabled = ConfigKey<Bool>("adminrouter_tls_1_0_enabled")
    public let adminrouterTLS1_1Enabled = ConfigKey<Bool>("adminrouter_tls_1_1_enabled")
    public let adminrouterTLS1_2Enabled = ConfigKey<Bool>("adminrouter_tls_1_2_enabled")
    public let adminrouterTLSCipherSuite = ConfigKey<String>("adminrouter_tls_cipher_suite")
}
