/// The full DC/OS 1.11 on-prem key set: types, defaults, stages and per-key checks.
/// The README's key table is generated from this list (`dcos_generate_config --list-keys`).
public enum ConfigSchema {
    public static let keys: [KeySpec] = topology + exhibitor + ssh + deploy + network + mesos + security + ui + misc

    public static let byName: [String: KeySpec] = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })

    static let isStatic = Condition("master_discovery", "static")

    // MARK: - Cluster topology and bootstrap

    static let topology: [KeySpec] = [
        KeySpec("cluster_name", .string, default: nil, section: "Cluster", "Name of the cluster, shown in the UI."),
        KeySpec(
            "bootstrap_url",
            .url,
            default: nil,
            section: "Cluster",
            "Where nodes fetch the install files: the URL serving genconf/serve (http, https or file).",
            check: Checks.bootstrapURL
        ),
        KeySpec(
            "master_discovery",
            .oneOf(["static", "master_http_loadbalancer"]),
            default: nil,
            section: "Cluster",
            "How agents find the masters: a static list, or an HTTP load balancer in front of them."
        ),
        KeySpec(
            "master_list",
            .ipv4List,
            default: nil,
            section: "Cluster",
            when: isStatic,
            "IPv4 addresses of the masters (1, 3, 5, 7 or 9).",
            check: Checks.ipv4List
        ),
        KeySpec(
            "agent_list",
            .ipv4List,
            default: .list([]),
            stage: .ssh,
            section: "Cluster",
            "IPv4 addresses of the private agents (for the SSH actions).",
            check: Checks.ipv4List
        ),
        KeySpec(
            "public_agent_list",
            .ipv4List,
            default: .list([]),
            stage: .ssh,
            section: "Cluster",
            "IPv4 addresses of the public agents (for the SSH actions).",
            check: Checks.ipv4List
        ),
        KeySpec(
            "num_masters",
            .oneOf(["1", "3", "5", "7", "9"]),
            default: nil,
            section: "Cluster",
            when: Condition("master_discovery", "master_http_loadbalancer"),
            "Number of masters behind the load balancer (calculated from master_list when discovery is static)."
        ),
        KeySpec(
            "exhibitor_address",
            .string,
            default: nil,
            section: "Cluster",
            when: Condition("master_discovery", "master_http_loadbalancer"),
            "Address of the internal load balancer in front of the masters' Exhibitor.",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "ip_detect_filename",
            .localPath,
            default: .string("genconf/ip-detect"),
            section: "Cluster",
            "Script that prints the node's own IPv4 address; installed as detect_ip."
        ),
        KeySpec(
            "ip_detect_public_filename",
            .localPath,
            default: .string(""),
            section: "Cluster",
            "Script that prints a public agent's public IP (defaults to the ip-detect script)."
        ),
        KeySpec(
            "platform",
            .string,
            default: .string("onprem"),
            section: "Cluster",
            "Platform name reported by the cluster."
        ),
        KeySpec(
            "bootstrap_tmp_dir",
            .string,
            default: .string("tmp"),
            section: "Cluster",
            "Directory under / where nodes stage downloads.",
            check: Checks.bootstrapTmpDir
        ),
    ]

    // MARK: - ZooKeeper/Exhibitor storage

    static let exhibitor: [KeySpec] = [
        KeySpec(
            "exhibitor_storage_backend",
            .oneOf(["static", "zookeeper", "aws_s3", "azure", "shared_filesystem", "agent_only_group_no_exhibitor"]),
            default: nil,
            section: "Exhibitor",
            "Where Exhibitor keeps the ZooKeeper ensemble configuration."
        ),
        KeySpec(
            "exhibitor_zk_hosts",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "zookeeper"),
            "Existing ZooKeeper for Exhibitor: host:port,host:port.",
            check: Checks.zkHosts
        ),
        KeySpec(
            "exhibitor_zk_path",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "zookeeper"),
            "znode path for Exhibitor's configuration, e.g. /dcos-exhibitor.",
            check: Checks.zkPath
        ),
        KeySpec(
            "aws_region",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "aws_s3"),
            "AWS region of the S3 bucket.",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "s3_bucket",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "aws_s3"),
            "S3 bucket for Exhibitor's configuration.",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "s3_prefix",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "aws_s3"),
            "Key prefix in the bucket (no trailing /).",
            check: Checks.noTrailingSlash
        ),
        KeySpec(
            "exhibitor_explicit_keys",
            .bool,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "aws_s3"),
            "Use the AWS keys below instead of the instance role."
        ),
        KeySpec(
            "aws_access_key_id",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_explicit_keys", "true"),
            "AWS access key id (with exhibitor_explicit_keys: true).",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "aws_secret_access_key",
            .string,
            default: .string(""),
            section: "Exhibitor",
            secret: true,
            when: Condition("exhibitor_explicit_keys", "true"),
            "AWS secret access key (with exhibitor_explicit_keys: true)."
        ),
        KeySpec(
            "exhibitor_azure_account_name",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "azure"),
            "Azure storage account name.",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "exhibitor_azure_prefix",
            .string,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "azure"),
            "Blob prefix for Exhibitor's configuration."
        ),
        KeySpec(
            "exhibitor_azure_account_key",
            .string,
            default: .string(""),
            section: "Exhibitor",
            secret: true,
            when: Condition("exhibitor_storage_backend", "azure"),
            "Azure storage account key."
        ),
        KeySpec(
            "exhibitor_fs_config_dir",
            .absolutePath,
            default: nil,
            section: "Exhibitor",
            when: Condition("exhibitor_storage_backend", "shared_filesystem"),
            "Shared directory (e.g. NFS) for Exhibitor's configuration."
        ),
        KeySpec(
            "exhibitor_admin_password",
            .string,
            default: .string(""),
            section: "Exhibitor",
            secret: true,
            "Password protecting the Exhibitor UI on the masters (empty: no password)."
        ),
    ]

    // MARK: - SSH (used by --validate-config and the SSH actions)

    static let ssh: [KeySpec] = [
        KeySpec(
            "ssh_user",
            .string,
            default: .string("centos"),
            stage: .ssh,
            section: "SSH",
            "User to log in as on the nodes.",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "ssh_port",
            .int(min: 1, max: 65535),
            default: .int(22),
            stage: .ssh,
            section: "SSH",
            "SSH port of the nodes."
        ),
        KeySpec(
            "ssh_key_path",
            .localPath,
            default: .string("genconf/ssh_key"),
            stage: .ssh,
            section: "SSH",
            "Private key file (ed25519 or ECDSA) for SSH."
        ),
        KeySpec(
            "ssh_parallelism",
            .int(min: 1, max: 1000),
            default: .int(20),
            stage: .ssh,
            section: "SSH",
            "How many nodes are worked on at once."
        ),
        KeySpec(
            "process_timeout",
            .int(min: 1, max: nil),
            default: .int(120),
            stage: .ssh,
            section: "SSH",
            "Seconds one remote command may run."
        ),
        KeySpec(
            "extra_ssh_options",
            .string,
            default: .string(""),
            stage: .ssh,
            section: "SSH",
            "Extra SSH options, `-o Name=value` each: ConnectTimeout, ServerAliveInterval, StrictHostKeyChecking (yes, accept-new), UserKnownHostsFile, IdentityFile, Port, User, ProxyJump, HashKnownHosts; others are refused."
        ),
        KeySpec(
            "ssh_known_hosts_policy",
            .oneOf(["accept-new", "strict", "pinned"]),
            default: .string("accept-new"),
            stage: .ssh,
            section: "SSH",
            "Host keys: accept-new records unknown hosts and refuses changed keys; strict needs every key in the known_hosts file; pinned checks ssh_host_key_fingerprints."
        ),
        KeySpec(
            "ssh_known_hosts_file",
            .localPath,
            default: .string("genconf/known_hosts"),
            stage: .ssh,
            section: "SSH",
            "The known_hosts file (OpenSSH format) that host keys are checked against and recorded in."
        ),
        KeySpec(
            "ssh_host_key_fingerprints",
            .json(.object),
            default: .json(.object([:])),
            stage: .ssh,
            section: "SSH",
            "For pinned: host → SHA256:... fingerprint (or a list of them), as `ssh-keygen -lf` prints.",
            check: Checks.hostKeyFingerprints
        ),
        KeySpec(
            "ssh_bastion",
            .string,
            default: .string(""),
            stage: .ssh,
            section: "SSH",
            "Jump host, user@host:port; nodes are reached through it over one connection.",
            check: Checks.bastion
        ),
        KeySpec(
            "ssh_use_agent",
            .bool,
            default: .bool(false),
            stage: .ssh,
            section: "SSH",
            "Authenticate with the ssh-agent at SSH_AUTH_SOCK instead of ssh_key_path."
        ),
        KeySpec(
            "ssh_key_passphrase_env",
            .string,
            default: .string("DCOS_SSH_KEY_PASSPHRASE"),
            stage: .ssh,
            section: "SSH",
            "Environment variable holding the key's passphrase, if it has one (prompted for otherwise).",
            check: Checks.environmentVariableName
        ),
        KeySpec(
            "ssh_sudo",
            .oneOf(["none", "passwordless", "password"]),
            default: .string("passwordless"),
            stage: .ssh,
            section: "SSH",
            "How remote commands get root: none (log in as root), passwordless sudo, or sudo with a password."
        ),
        KeySpec(
            "ssh_sudo_password_env",
            .string,
            default: .string("DCOS_SSH_SUDO_PASSWORD"),
            stage: .ssh,
            section: "SSH",
            when: Condition("ssh_sudo", "password"),
            "Environment variable holding the sudo password (fed on stdin, never on a command line).",
            check: Checks.environmentVariableName
        ),
        KeySpec(
            "ssh_connect_timeout",
            .int(min: 1, max: 3600),
            default: .int(10),
            stage: .ssh,
            section: "SSH",
            "Seconds to wait for a TCP connection."
        ),
        KeySpec(
            "ssh_handshake_timeout",
            .int(min: 1, max: 3600),
            default: .int(30),
            stage: .ssh,
            section: "SSH",
            "Seconds for the SSH handshake and authentication."
        ),
        KeySpec(
            "ssh_command_idle_timeout",
            .int(min: 0, max: 86400),
            default: .int(0),
            stage: .ssh,
            section: "SSH",
            "Seconds a remote command may go without output before it is stopped (0: no limit)."
        ),
        KeySpec(
            "ssh_handshake_parallelism",
            .int(min: 1, max: 1000),
            default: .int(10),
            stage: .ssh,
            section: "SSH",
            "Handshakes at once (keep at or below the nodes' sshd MaxStartups, 10 by default)."
        ),
        KeySpec(
            "ssh_host_overrides",
            .json(.object),
            default: .json(.object([:])),
            stage: .ssh,
            section: "SSH",
            "Per-host settings for hosts that differ: host → {user, port, key_path}.",
            check: Checks.hostOverrides
        ),
    ]

    // MARK: - Deploy (the SSH actions' order, batches and tolerance)

    static let deploy: [KeySpec] = [
        KeySpec(
            "deploy_masters_serial",
            .bool,
            default: .bool(false),
            stage: .ssh,
            section: "Deploy",
            "--deploy installs the masters one at a time (stopping at the first failure) instead of all at once."
        ),
        KeySpec(
            "deploy_canary",
            .int(min: 0, max: nil),
            default: .int(1),
            stage: .ssh,
            section: "Deploy",
            "Agents installed first, alone, after the masters' health gate; if every one of them fails, no other agent is touched (0: no canary)."
        ),
        KeySpec(
            "deploy_max_in_flight",
            .countOrPercent(min: 1),
            default: .string("25%"),
            stage: .ssh,
            section: "Deploy",
            "Agents installed at once after the canary: a number, or a percentage of the agents deployed (rounded up, at least 1)."
        ),
        KeySpec(
            "deploy_max_failed_agents",
            .countOrPercent(min: 0),
            default: .string("0"),
            stage: .ssh,
            section: "Deploy",
            "Agent failures --deploy tolerates before it stops starting agents: a number, or a percentage of the agents deployed (rounded down)."
        ),
        KeySpec(
            "postflight_timeout",
            .int(min: 1, max: 86400),
            default: .int(900),
            stage: .ssh,
            section: "Deploy",
            "Seconds --postflight and the masters' health gate in --deploy repeat the checks until they pass (each attempt is still bounded by process_timeout)."
        ),
        KeySpec(
            "upgrade_canaries",
            .int(min: 0, max: nil),
            default: .int(1),
            stage: .ssh,
            section: "Deploy",
            "--upgrade: agents upgraded first, alone, after every master; if every one of them fails (and is rolled back), no other agent is touched (0: no canary)."
        ),
        KeySpec(
            "upgrade_max_in_flight",
            .countOrPercent(min: 1),
            default: .string("25%"),
            stage: .ssh,
            section: "Deploy",
            "--upgrade: agents upgraded at once after the canaries: a number, or a percentage of the agents to upgrade (rounded up, at least 1)."
        ),
        KeySpec(
            "upgrade_failure_tolerance",
            .countOrPercent(min: 0),
            default: .string("0"),
            stage: .ssh,
            section: "Deploy",
            "--upgrade: agent failures (each rolled back on its node) tolerated before no more agents are started: a number, or a percentage of the agents to upgrade (rounded down)."
        ),
        KeySpec(
            "repair_max_in_flight",
            .int(min: 1, max: nil),
            default: .int(2),
            stage: .ssh,
            section: "Deploy",
            "--repair and --watch: agents repaired at once (masters always one at a time, each followed by the ZooKeeper gate)."
        ),
        KeySpec(
            "watch_max_unhealthy",
            .countOrPercent(min: 1),
            default: .string("30%"),
            stage: .ssh,
            section: "Deploy",
            "--watch stops instead of repairing when more nodes than this are unhealthy or unreachable at once (a network partition, not node faults; BOSH's resurrector calls it meltdown): a number, or a percentage of the nodes (rounded down, at least 1)."
        ),
        KeySpec(
            "prereqs_offline",
            .bool,
            default: .bool(false),
            stage: .genconf,
            section: "Deploy",
            "Air-gapped nodes: --genconf collects the release's apt prerequisites and their dependencies with this (Debian/Ubuntu) node's apt into serve/prereqs/apt, and --install-prereqs installs from bootstrap_url only."
        ),
    ]

    // MARK: - Networking and DNS

    static let network: [KeySpec] = [
        KeySpec(
            "resolvers",
            .stringList,
            default: .list(["8.8.8.8", "8.8.4.4"]),
            section: "DNS",
            "Upstream DNS resolvers: IPv4 or IPv4:port.",
            check: Checks.resolvers
        ),
        KeySpec(
            "dns_search",
            .string,
            default: .string(""),
            section: "DNS",
            "Space-separated search domains for the nodes' resolv.conf.",
            check: Checks.dnsSearch
        ),
        KeySpec(
            "dns_bind_ip_blacklist",
            .ipv4List,
            default: .list([]),
            section: "DNS",
            "Addresses dcos-net must not bind DNS on.",
            check: Checks.ipv4List
        ),
        KeySpec(
            "dns_bind_ip_reserved",
            .ipv4List,
            default: .list([]),
            section: "DNS",
            "Reserved addresses dcos-net never binds DNS on.",
            check: Checks.ipv4List
        ),
        KeySpec(
            "dns_forward_zones",
            .json(.object),
            default: .json(.object([:])),
            section: "DNS",
            "Zones forwarded to other resolvers: zone → [ip[:port], ...].",
            check: Checks.forwardZones
        ),
        KeySpec(
            "mesos_dns_ip_sources",
            .stringList,
            default: .list(["host", "netinfo"]),
            section: "DNS",
            "Where Mesos-DNS takes task addresses from, in order.",
            check: Checks.mesosDNSIPSources
        ),
        KeySpec(
            "master_dns_bindall",
            .bool,
            default: .bool(true),
            section: "DNS",
            "Mesos-DNS on masters listens on all addresses."
        ),
        KeySpec(
            "mesos_dns_set_truncate_bit",
            .bool,
            default: .bool(true),
            section: "DNS",
            "Mesos-DNS sets the truncate bit on large answers."
        ),
        KeySpec(
            "use_proxy",
            .bool,
            default: .bool(false),
            section: "Proxy",
            "Route the cluster's outbound HTTP through a proxy."
        ),
        KeySpec(
            "http_proxy",
            .string,
            default: nil,
            section: "Proxy",
            when: Condition("use_proxy", "true"),
            "HTTP proxy URL (with use_proxy: true).",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "https_proxy",
            .string,
            default: nil,
            section: "Proxy",
            when: Condition("use_proxy", "true"),
            "HTTPS proxy URL (with use_proxy: true).",
            check: Checks.nonEmpty
        ),
        KeySpec(
            "no_proxy",
            .stringList,
            default: .list([]),
            section: "Proxy",
            "Hosts and domains not to proxy (added to the cluster's own).",
            check: Checks.uniqueStrings
        ),
        KeySpec("enable_lb", .bool, default: .bool(true), section: "Networking", "Enable the layer-4 load balancer."),
        KeySpec("enable_ipv6", .bool, default: .bool(true), section: "Networking", "Enable IPv6 overlay networking."),
        KeySpec(
            "dcos_overlay_enable",
            .bool,
            default: .bool(true),
            section: "Networking",
            "Enable the virtual (overlay) network."
        ),
        KeySpec(
            "dcos_overlay_mtu",
            .int(min: 552, max: 65535),
            default: .int(1420),
            section: "Networking",
            "MTU of the overlay interfaces."
        ),
        KeySpec(
            "dcos_overlay_config_attempts",
            .int(min: 0, max: 10),
            default: .int(4),
            section: "Networking",
            "Attempts to configure the overlay on a node."
        ),
        KeySpec(
            "dcos_overlay_network",
            .json(.object),
            default: .json(Defaults.overlayNetwork),
            section: "Networking",
            "Overlay networks: vtep_subnet(6), vtep_mac_oui and overlays.",
            check: Checks.overlayNetwork
        ),
        KeySpec(
            "dcos_overlay_network_default_name",
            .string,
            default: .string("dcos"),
            section: "Networking",
            "Default IPv4 overlay for tasks; must name an overlay."
        ),
        KeySpec(
            "dcos_overlay_network6_default_name",
            .string,
            default: .string("dcos6"),
            section: "Networking",
            "Default IPv6 overlay for tasks."
        ),
        KeySpec(
            "dcos_ucr_default_bridge_subnet",
            .string,
            default: .string("172.31.254.0/24"),
            section: "Networking",
            "IPv4 subnet of the UCR default bridge.",
            check: Checks.ipv4Network
        ),
        KeySpec(
            "dcos_ucr_default_bridge_network_name",
            .string,
            default: .string("mesos-bridge"),
            section: "Networking",
            "Name of the UCR default bridge network."
        ),
        KeySpec(
            "dcos_cni_data_dir",
            .absolutePath,
            default: .string("/var/run/dcos/cni/networks"),
            section: "Networking",
            "Where CNI network state is kept."
        ),
        KeySpec(
            "dcos_l4lb_enable_ipset",
            .bool,
            default: .bool(true),
            section: "Networking",
            "Use ipset in the layer-4 load balancer."
        ),
        KeySpec(
            "dcos_l4lb_enable_ipv6",
            .bool,
            default: .bool(false),
            section: "Networking",
            "Layer-4 load balancing for IPv6 (needs enable_ipv6)."
        ),
        KeySpec(
            "dcos_l4lb_min_named_ip",
            .string,
            default: .string("11.0.0.0"),
            section: "Networking",
            "Lowest IPv4 VIP address.",
            check: Checks.ipv4
        ),
        KeySpec(
            "dcos_l4lb_max_named_ip",
            .string,
            default: .string("11.255.255.255"),
            section: "Networking",
            "Highest IPv4 VIP address.",
            check: Checks.ipv4
        ),
        KeySpec(
            "dcos_l4lb_min_named_ip6",
            .string,
            default: .string("fd01:c::"),
            section: "Networking",
            "Lowest IPv6 VIP address.",
            check: Checks.ipv6
        ),
        KeySpec(
            "dcos_l4lb_max_named_ip6",
            .string,
            default: .string("fd01:c::ffff:ffff:ffff:ffff"),
            section: "Networking",
            "Highest IPv6 VIP address.",
            check: Checks.ipv6
        ),
        KeySpec(
            "dcos_net_cluster_identity",
            .bool,
            default: .bool(false),
            section: "Networking",
            "dcos-net cluster identity (gossip encryption)."
        ),
        KeySpec(
            "dcos_net_rest_enable",
            .bool,
            default: .bool(true),
            section: "Networking",
            "Enable the dcos-net REST API."
        ),
        KeySpec(
            "dcos_net_watchdog",
            .bool,
            default: .bool(true),
            section: "Networking",
            "Enable the dcos-net watchdog."
        ),
    ]

    // MARK: - Mesos, Docker, storage

    static let mesos: [KeySpec] = [
        KeySpec(
            "mesos_master_work_dir",
            .absolutePath,
            default: .string("/var/lib/dcos/mesos/master"),
            section: "Mesos",
            "Mesos master work directory."
        ),
        KeySpec(
            "mesos_agent_work_dir",
            .absolutePath,
            default: .string("/var/lib/mesos/slave"),
            section: "Mesos",
            "Mesos agent work directory."
        ),
        KeySpec(
            "mesos_log_retention_mb",
            .int(min: 1024, max: nil),
            default: .int(4000),
            section: "Mesos",
            "MB of Mesos logs to keep (at least 1024)."
        ),
        KeySpec(
            "mesos_container_log_sink",
            .oneOf(["journald", "logrotate", "journald+logrotate"]),
            default: .string("logrotate"),
            section: "Mesos",
            "Where container logs go."
        ),
        KeySpec(
            "mesos_max_completed_tasks_per_framework",
            .string,
            default: .string(""),
            section: "Mesos",
            "Completed tasks kept per framework in master memory (empty: Mesos default).",
            check: Checks.optionalNonNegativeInteger
        ),
        KeySpec(
            "mesos_recovery_timeout",
            .duration,
            default: .string("24hrs"),
            section: "Mesos",
            "How long an agent may take to recover before its tasks are lost."
        ),
        KeySpec(
            "mesos_cni_root_dir_persist",
            .bool,
            default: .bool(false),
            section: "Mesos",
            "Keep CNI state across agent reboots."
        ),
        KeySpec(
            "gc_delay",
            .duration,
            default: .string("2days"),
            section: "Mesos",
            "Delay before sandbox garbage collection."
        ),
        KeySpec(
            "docker_remove_delay",
            .duration,
            default: .string("1hrs"),
            section: "Docker",
            "Delay before removing exited Docker containers."
        ),
        KeySpec(
            "docker_stop_timeout",
            .duration,
            default: .string("20secs"),
            section: "Docker",
            "Grace period when stopping Docker containers."
        ),
        KeySpec(
            "enable_docker_gc",
            .bool,
            default: .bool(false),
            section: "Docker",
            "Run Docker garbage collection on agents."
        ),
        KeySpec(
            "enable_gpu_isolation",
            .bool,
            default: .bool(true),
            section: "Mesos",
            "Isolate GPUs (nvidia) on agents."
        ),
        KeySpec(
            "gpus_are_scarce",
            .bool,
            default: .bool(true),
            section: "Mesos",
            "Reserve GPU agents for GPU workloads."
        ),
        KeySpec(
            "dcos_remove_dockercfg_enable",
            .bool,
            default: .bool(false),
            section: "Docker",
            "Remove the .dockercfg from sandboxes after fetching."
        ),
        KeySpec(
            "cluster_docker_credentials",
            .json(.object),
            default: .json(.object([:])),
            section: "Docker",
            secret: true,
            "Docker registry credentials (a .docker/config.json `auths` mapping).",
            check: Checks.dockerCredentials
        ),
        KeySpec(
            "cluster_docker_credentials_enabled",
            .bool,
            default: .bool(false),
            section: "Docker",
            "Pass cluster_docker_credentials to Mesos."
        ),
        KeySpec(
            "cluster_docker_credentials_write_to_etc",
            .bool,
            default: .bool(false),
            section: "Docker",
            "Also write the credentials to /etc/mesosphere/docker_credentials."
        ),
        KeySpec(
            "cluster_docker_registry_url",
            .string,
            default: .string(""),
            section: "Docker",
            "Private Docker registry for the cluster."
        ),
        KeySpec(
            "rexray_config_preset",
            .oneOf(["", "aws"]),
            default: .string(""),
            section: "Storage",
            "`aws` uses REX-Ray's EBS preset instead of rexray_config."
        ),
        KeySpec(
            "rexray_config",
            .json(.object),
            default: .json(Defaults.rexrayConfig),
            section: "Storage",
            "REX-Ray configuration."
        ),
        KeySpec(
            "diagnostics_bundles_dir",
            .absolutePath,
            default: .string("/var/lib/dcos/dcos-diagnostics/diag-bundles"),
            section: "Mesos",
            "Where diagnostics bundles are stored."
        ),
        KeySpec(
            "marathon_java_args",
            .string,
            default: .string(""),
            section: "Mesos",
            "Extra JVM arguments for Marathon."
        ),
        KeySpec("weights", .string, default: .string(""), section: "Mesos", "Mesos role weights (role=weight,...)."),
        KeySpec(
            "check_time",
            .bool,
            default: .bool(true),
            section: "Checks",
            "Check that node clocks are synchronised."
        ),
        KeySpec(
            "check_config",
            .json(.object),
            default: nil,
            section: "Checks",
            optional: true,
            "Replace the built-in node and cluster checks.",
            check: Checks.checkConfig
        ),
        KeySpec(
            "custom_checks",
            .json(.object),
            default: .json(.object([:])),
            section: "Checks",
            "Extra node and cluster checks.",
            check: Checks.checkConfig
        ),
    ]

    // MARK: - Security and authentication

    static let security: [KeySpec] = [
        KeySpec(
            "oauth_enabled",
            .bool,
            default: .bool(true),
            section: "Security",
            "Require login for the cluster's UI and API."
        ),
        KeySpec("oauth_available", .bool, default: .bool(true), section: "Security", "Make OAuth available."),
        KeySpec(
            "oauth_issuer_url",
            .string,
            default: .string("https://dcos.auth0.com/"),
            section: "Security",
            "OAuth issuer URL."
        ),
        KeySpec(
            "oauth_client_id",
            .string,
            default: .string("3yF5TOSzdlI45Q1xspxzeoGBe9fNxm9m"),
            section: "Security",
            "OAuth client id."
        ),
        KeySpec(
            "oauth_auth_redirector",
            .string,
            default: .string("https://auth.dcos.io"),
            section: "Security",
            "OAuth redirector."
        ),
        KeySpec(
            "oauth_auth_host",
            .string,
            default: .string("https://dcos.auth0.com"),
            section: "Security",
            "OAuth host."
        ),
        KeySpec(
            "adminrouter_tls_1_0_enabled",
            .bool,
            default: .bool(false),
            section: "Security",
            "Admin router accepts TLS 1.0."
        ),
        KeySpec(
            "adminrouter_tls_1_1_enabled",
            .bool,
            default: .bool(false),
            section: "Security",
            "Admin router accepts TLS 1.1."
        ),
        KeySpec(
            "adminrouter_tls_1_2_enabled",
            .bool,
            default: .bool(true),
            section: "Security",
            "Admin router accepts TLS 1.2."
        ),
        KeySpec(
            "adminrouter_tls_cipher_suite",
            .string,
            default: .string(""),
            section: "Security",
            "OpenSSL cipher list for admin router (empty: default).",
            check: Checks.cipherList
        ),
        KeySpec(
            "auth_cookie_secure_flag",
            .bool,
            default: .bool(false),
            section: "Security",
            "Set the Secure flag on the auth cookie."
        ),
        KeySpec("superuser_username", .string, default: .string(""), section: "Security", "Initial superuser name."),
        KeySpec(
            "superuser_password_hash",
            .string,
            default: .string(""),
            section: "Security",
            secret: true,
            "SHA-512 crypt hash of the superuser password (see --hash-password)."
        ),
        KeySpec(
            "customer_key",
            .string,
            default: .string(""),
            section: "Security",
            secret: true,
            "Customer key (Enterprise)."
        ),
        KeySpec(
            "license_key_contents",
            .string,
            default: .string(""),
            section: "Security",
            secret: true,
            "License key (Enterprise)."
        ),
    ]

    // MARK: - UI

    static let ui: [KeySpec] = [
        KeySpec("ui_banner", .bool, default: .bool(false), section: "UI", "Show a banner in the UI."),
        KeySpec("ui_banner_header_content", .string, default: .string(""), section: "UI", "Banner header text."),
        KeySpec("ui_banner_footer_content", .string, default: .string(""), section: "UI", "Banner footer text."),
        KeySpec("ui_banner_image_path", .string, default: .string(""), section: "UI", "Banner image path."),
        KeySpec("ui_banner_dismissible", .bool, default: .bool(false), section: "UI", "Let users dismiss the banner."),
        KeySpec(
            "ui_banner_background_color",
            .string,
            default: .string("#1E232F"),
            section: "UI",
            "Banner background colour."
        ),
        KeySpec(
            "ui_banner_foreground_color",
            .string,
            default: .string("#FFFFFF"),
            section: "UI",
            "Banner text colour."
        ),
        KeySpec("ui_tracking", .bool, default: .bool(false), section: "UI", "Allow UI usage tracking."),
    ]

    // MARK: - Miscellaneous

    static let misc: [KeySpec] = [
        KeySpec(
            "telemetry_enabled",
            .bool,
            default: .bool(true),
            section: "Cluster",
            "Cluster telemetry (the installer itself never sends any)."
        ),
        KeySpec(
            "master_external_loadbalancer",
            .string,
            default: .string(""),
            section: "Cluster",
            "DNS name of an external load balancer in front of the masters.",
            check: Checks.optionalHost
        ),
    ]
}
