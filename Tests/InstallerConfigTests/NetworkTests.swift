import Foundation
import Testing

@testable import InstallerConfig

@Suite("Networking, DNS, proxy and the other typed keys")
struct NetworkTests {
    static let overlayHead = "dcos_overlay_network:\n  vtep_subnet: 44.128.0.0/20\n  vtep_subnet6: fd01:a::/64\n"

    static let rejects: [Reject] = [
        Reject(
            "resolvers:\n- 10.0.0.1:0",
            "resolvers",
            "The port in '10.0.0.1:0' must be between 1 and 65535",
            line: 2
        ),
        Reject("resolvers:\n- 10.0.0.1:65536", "resolvers", "must be between 1 and 65535", line: 2),
        Reject("resolvers:\n- 10.0.0.1:abc", "resolvers", "must be an integer, but is 'abc'", line: 2),
        Reject("resolvers:\n- dns.google", "resolvers", "'dns.google' is not an IPv4 address", line: 2),
        Reject("resolvers:\n- 8.8.8.8\n- 8.8.8.8", "resolvers", "8.8.8.8 is listed more than once", line: 3),
        Reject("resolvers:\n- 2001:4860:4860::8888", "resolvers", "is not an IPv4 address", line: 2),
        Reject("resolvers: 8.8.8.8", "resolvers", "Must be a list", line: 1),
        Reject("dns_search: a.com,b.com", "dns_search", "Commas are not allowed", line: 1),
        Reject("dns_search: \"a.com\\nb.com\"", "dns_search", "Must not contain a newline", line: 1),
        Reject("dns_search: a b c d e f g", "dns_search", "no more than 6 domains", line: 1),
        Reject(
            "dns_search: \(String(repeating: "a", count: 60)).\(String(repeating: "b", count: 60)).\(String(repeating: "c", count: 60)).\(String(repeating: "d", count: 60)).\(String(repeating: "e", count: 20))",
            "dns_search",
            "less than 256 characters",
            line: 1
        ),
        Reject("dns_search: bad!domain", "dns_search", "'bad!domain' is not a valid domain name", line: 1),
        Reject("dns_bind_ip_blacklist:\n- 10.0.0.300", "dns_bind_ip_blacklist", "is not an IPv4 address", line: 2),
        Reject(
            "dns_bind_ip_blacklist: [10.0.0.1, 10.0.0.1]",
            "dns_bind_ip_blacklist",
            "listed more than once",
            line: 1
        ),
        Reject(
            "dns_forward_zones:\n  a.example.com: [1.1.1.300]",
            "dns_forward_zones",
            "'1.1.1.300' in zone 'a.example.com' is not a valid IPv4 address",
            line: 2
        ),
        Reject(
            "dns_forward_zones:\n  a.example.com: ['1.1.1.1:70000']",
            "dns_forward_zones",
            "must be between 1 and 65535",
            line: 2
        ),
        Reject(
            "dns_forward_zones:\n  a.example.com: 1.1.1.1",
            "dns_forward_zones",
            "must map to a list of resolvers",
            line: 2
        ),
        Reject("dns_forward_zones:\n  a.example.com: [[1.1.1.1, 53]]", "dns_forward_zones", "must be strings", line: 2),
        Reject(
            "dns_forward_zones: [[a.example.com, [[1.1.1.1, 53]]]]",
            "dns_forward_zones",
            "Must be a mapping",
            line: 1
        ),
        Reject(
            "mesos_dns_ip_sources: [host, dns]",
            "mesos_dns_ip_sources",
            "'dns' is not a Mesos-DNS IP source",
            line: 1
        ),
        Reject("mesos_dns_ip_sources: []", "mesos_dns_ip_sources", "at least one source", line: 1),
        Reject("mesos_dns_ip_sources: [host, host]", "mesos_dns_ip_sources", "listed more than once", line: 1),
        Reject("use_proxy: true", "http_proxy", "http_proxy is required because use_proxy is true", line: nil),
        Reject("use_proxy: true\nhttp_proxy: http://p:3128", "https_proxy", "https_proxy is required", line: nil),
        Reject(
            "use_proxy: true\nhttp_proxy: ''\nhttps_proxy: http://p:3128",
            "http_proxy",
            "Must not be empty",
            line: 2
        ),
        Reject("no_proxy: [.corp, .corp]", "no_proxy", "'.corp' is listed more than once", line: 1),
        Reject("use_proxy: sometimes", "use_proxy", "Must be true or false", line: 1),
        Reject("dcos_overlay_mtu: 551", "dcos_overlay_mtu", "Must be between 552 and 65535, but is 551", line: 1),
        Reject("dcos_overlay_mtu: 70000", "dcos_overlay_mtu", "between 552 and 65535", line: 1),
        Reject("dcos_overlay_config_attempts: 11", "dcos_overlay_config_attempts", "Must be between 0 and 10", line: 1),
        Reject("dcos_overlay_config_attempts: -1", "dcos_overlay_config_attempts", "Must be between 0 and 10", line: 1),
        Reject(
            "\(overlayHead)  vtep_mac_oui: 70:B3:D5:00:00:00",
            "dcos_overlay_network",
            "non-empty `overlays` list",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: 70:B3:D5:00:00:00\n  overlays: []",
            "dcos_overlay_network",
            "non-empty `overlays` list",
            line: 2
        ),
        Reject(
            "\(overlayHead)  overlays:\n  - name: dcos\n    subnet: 9.0.0.0/8",
            "dcos_overlay_network",
            "Must have `vtep_mac_oui`",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - name: averyveryverylongname\n    subnet: 9.0.0.0/8",
            "dcos_overlay_network",
            "longer than 13 characters",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - name: dcos",
            "dcos_overlay_network",
            "needs a `subnet` or a `subnet6`",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - subnet: 9.0.0.0/8",
            "dcos_overlay_network",
            "Overlay 1 has no `name`",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - name: dcos\n    subnet: 9.0.0.0/33",
            "dcos_overlay_network",
            "is not an IPv4 network",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - name: dcos6\n    subnet6: fd01:b::/129",
            "dcos_overlay_network",
            "is not an IPv6 network",
            line: 2
        ),
        Reject(
            "dcos_overlay_network:\n  vtep_mac_oui: x\n  overlays:\n  - name: dcos\n    subnet: 9.0.0.0/8",
            "dcos_overlay_network",
            "`vtep_subnet` must be an IPv4 network",
            line: 2
        ),
        Reject(
            "dcos_overlay_network:\n  vtep_mac_oui: x\n  overlays:\n  - name: dcos6\n    subnet6: fd01:b::/64",
            "dcos_overlay_network",
            "`vtep_subnet6` must be an IPv6 network",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - name: dcos\n    subnet: 9.0.0.0/8\n    enabled: maybe",
            "dcos_overlay_network",
            "`enabled` of overlay 'dcos' must be true or false",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays:\n  - name: dcos\n    subnet: 9.0.0.0/8\n  - name: dcos\n    subnet: 10.0.0.0/8",
            "dcos_overlay_network",
            "used twice",
            line: 2
        ),
        Reject(
            "\(overlayHead)  vtep_mac_oui: x\n  overlays: [dcos]",
            "dcos_overlay_network",
            "must be a mapping",
            line: 2
        ),
        Reject(
            "dcos_overlay_network_default_name: nope",
            "dcos_overlay_network_default_name",
            "defines only 'dcos', 'dcos6'",
            line: 1
        ),
        Reject(
            "dcos_ucr_default_bridge_subnet: fd01::/64",
            "dcos_ucr_default_bridge_subnet",
            "IPv6 networks are not allowed here",
            line: 1
        ),
        Reject(
            "dcos_ucr_default_bridge_subnet: 172.31.254.0",
            "dcos_ucr_default_bridge_subnet",
            "is not an IPv4 network",
            line: 1
        ),
        Reject(
            "dcos_ucr_default_bridge_subnet: 172.31.254.0/40",
            "dcos_ucr_default_bridge_subnet",
            "is not an IPv4 network",
            line: 1
        ),
        Reject("dcos_l4lb_min_named_ip: 11.0.0", "dcos_l4lb_min_named_ip", "is not an IPv4 address", line: 1),
        Reject("dcos_l4lb_max_named_ip: 11.255.255.256", "dcos_l4lb_max_named_ip", "is not an IPv4 address", line: 1),
        Reject(
            "dcos_l4lb_min_named_ip: 12.0.0.0",
            "dcos_l4lb_min_named_ip",
            "is above dcos_l4lb_max_named_ip",
            line: 1
        ),
        Reject("dcos_l4lb_min_named_ip6: 'fd01:c:::'", "dcos_l4lb_min_named_ip6", "is not an IPv6 address", line: 1),
        Reject("dcos_l4lb_max_named_ip6: 11.0.0.0", "dcos_l4lb_max_named_ip6", "is not an IPv6 address", line: 1),
        Reject("dcos_l4lb_min_named_ip6: fd01:c::1::2", "dcos_l4lb_min_named_ip6", "is not an IPv6 address", line: 1),
        Reject("dcos_l4lb_min_named_ip6: fd01:c::12345", "dcos_l4lb_min_named_ip6", "is not an IPv6 address", line: 1),
        Reject(
            "enable_ipv6: false\ndcos_l4lb_enable_ipv6: true",
            "dcos_l4lb_enable_ipv6",
            "when enable_ipv6 is false, dcos_l4lb_enable_ipv6 must be false",
            line: 2
        ),
        Reject("dcos_l4lb_enable_ipv6: true\nenable_ipv6: false", "enable_ipv6", "when enable_ipv6 is false", line: 2),
        Reject(
            "dcos_cni_data_dir: var/run/cni",
            "dcos_cni_data_dir",
            "Must be an absolute filesystem path starting with /, but is 'var/run/cni'",
            line: 1
        ),
    ]

    @Test("network values DC/OS rejects are rejected on the key written", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepts: [Accept] = [
        Accept("resolvers: []"),
        Accept("resolvers: [8.8.8.8, '1.1.1.1:53', 10.0.0.1:5353]"),
        Accept("resolvers: '[\"8.8.8.8\", \"1.1.1.1:53\"]'"),
        Accept("dns_search: corp.example.com example.com"),
        Accept("dns_search: a b c d e f"),
        Accept("dns_search: ''"),
        Accept("dns_bind_ip_blacklist: [198.51.100.4]"),
        Accept("dns_forward_zones:\n  a.contoso.com: ['1.1.1.1:53', 2.2.2.2]"),
        Accept("dns_forward_zones: '{\"a.contoso.com\": [\"1.1.1.1:53\"]}'"),
        Accept("mesos_dns_ip_sources: [netinfo, host, mesos]"),
        Accept("use_proxy: true\nhttp_proxy: http://proxy:3128\nhttps_proxy: http://proxy:3128"),
        Accept(
            "use_proxy: true\nhttp_proxy: http://proxy:3128\nhttps_proxy: http://proxy:3128\nno_proxy: [.corp, 10.0.0.0/8]"
        ),
        Accept("use_proxy: 'false'\nno_proxy: [.corp]"),
        Accept("dcos_overlay_mtu: 552"),
        Accept("dcos_overlay_mtu: 9001"),
        Accept("dcos_overlay_config_attempts: 0"),
        Accept("dcos_overlay_config_attempts: 10"),
        Accept(
            "\(overlayHead)  vtep_mac_oui: 70:B3:D5:00:00:00\n  overlays:\n  - name: dcos\n    subnet: 9.0.0.0/8\n    prefix: 24"
        ),
        Accept(
            "dcos_overlay_network:\n  vtep_subnet6: fd01:a::/64\n  vtep_mac_oui: x\n  overlays:\n  - name: v6only\n    subnet6: fd01:b::/64\n    enabled: false\ndcos_overlay_network_default_name: v6only"
        ),
        Accept("dcos_overlay_enable: false\ndcos_overlay_network_default_name: anything"),
        Accept("dcos_ucr_default_bridge_subnet: 10.99.0.0/16"),
        Accept("dcos_l4lb_min_named_ip: 11.0.0.1\ndcos_l4lb_max_named_ip: 11.0.0.1"),
        Accept("dcos_l4lb_min_named_ip6: '::'\ndcos_l4lb_max_named_ip6: 'fd01:c::ffff:1.2.3.4'"),
        Accept("enable_ipv6: false"),
        Accept("enable_ipv6: true\ndcos_l4lb_enable_ipv6: true"),
    ]

    @Test("valid network values are accepted", arguments: accepts)
    func accept(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    static let booleanKeys = [
        "oauth_enabled", "oauth_available", "telemetry_enabled", "check_time", "enable_lb", "enable_ipv6",
        "enable_gpu_isolation", "gpus_are_scarce", "master_dns_bindall", "mesos_dns_set_truncate_bit",
        "dcos_overlay_enable", "dcos_net_cluster_identity", "dcos_net_rest_enable", "dcos_net_watchdog",
        "dcos_remove_dockercfg_enable", "dcos_l4lb_enable_ipset", "dcos_l4lb_enable_ipv6",
        "adminrouter_tls_1_0_enabled", "adminrouter_tls_1_1_enabled", "adminrouter_tls_1_2_enabled",
        "cluster_docker_credentials_enabled", "cluster_docker_credentials_write_to_etc", "mesos_cni_root_dir_persist",
        "enable_docker_gc", "use_proxy", "ui_banner", "ui_banner_dismissible", "auth_cookie_secure_flag", "ui_tracking",
    ]

    @Test("booleans reject anything but true/false", arguments: booleanKeys)
    func booleanRejects(_ key: String) throws {
        for value in ["maybe", "'True'", "1", "'yes'", "[true]"] {
            let outcome = try Fixture.check("\(key): \(value)")
            let error = outcome.errors.first { $0.key == key }
            #expect(error?.message.contains("Must be true or false") == true, "\(key): \(value) → \(outcome.summary)")
            #expect(error?.location?.line == 1)
        }
    }

    @Test("booleans accept YAML booleans and the strings true/false", arguments: booleanKeys)
    func booleanAccepts(_ key: String) throws {
        // use_proxy: true needs the proxy URLs (tested in the proxy rows); the last TLS flag cannot be false alone.
        let values: [String] =
            switch key {
            case "adminrouter_tls_1_2_enabled": ["true", "yes", "'true'"]
            case "use_proxy": ["false", "off", "'false'", "No"]
            default: ["true", "false", "yes", "off", "'false'", "True"]
            }
        for value in values {
            let outcome = try Fixture.check("\(key): \(value)")
            #expect(outcome.errors.isEmpty, "\(key): \(value) → \(outcome.summary)")
        }
    }

    @Test("all admin router TLS versions off is one error, on the last key written")
    func noTLS() throws {
        let outcome = try Fixture.check(
            "adminrouter_tls_1_0_enabled: false\nadminrouter_tls_1_1_enabled: false\nadminrouter_tls_1_2_enabled: false"
        )
        let errors = outcome.errors.filter { $0.message.contains("At least one of adminrouter_tls_1_0_enabled") }
        #expect(errors.count == 1)
        #expect(errors.first?.key == "adminrouter_tls_1_2_enabled")
        #expect(errors.first?.location?.line == 3)
    }

    static let typed: [Reject] = [
        Reject("mesos_log_retention_mb: 1023", "mesos_log_retention_mb", "Must be at least 1024, but is 1023", line: 1),
        Reject(
            "mesos_container_log_sink: syslog",
            "mesos_container_log_sink",
            "Must be one of 'journald', 'logrotate', 'journald+logrotate'",
            line: 1
        ),
        Reject("mesos_container_log_sink: jounrald", "mesos_container_log_sink", "Did you mean 'journald'?", line: 1),
        Reject(
            "mesos_max_completed_tasks_per_framework: abc",
            "mesos_max_completed_tasks_per_framework",
            "non-negative integer, but is 'abc'",
            line: 1
        ),
        Reject(
            "mesos_max_completed_tasks_per_framework: -5",
            "mesos_max_completed_tasks_per_framework",
            "non-negative integer",
            line: 1
        ),
        Reject(
            "mesos_recovery_timeout: 24hours",
            "mesos_recovery_timeout",
            "The unit 'hours' in '24hours' is not one of ns, us, ms, secs, mins, hrs, days, weeks",
            line: 1
        ),
        Reject("mesos_recovery_timeout: hrs", "mesos_recovery_timeout", "'hrs' is not a duration", line: 1),
        Reject("mesos_recovery_timeout: 24", "mesos_recovery_timeout", "'24' is not a duration", line: 1),
        Reject("mesos_recovery_timeout: 1.2.3hrs", "mesos_recovery_timeout", "is not a decimal number", line: 1),
        Reject("mesos_recovery_timeout: 99999999999999999999days", "mesos_recovery_timeout", "too large", line: 1),
        Reject("gc_delay: 2 days", "gc_delay", "The unit ' days'", line: 1),
        Reject("gc_delay: 2d", "gc_delay", "The unit 'd'", line: 1),
        Reject("docker_remove_delay: -1hrs", "docker_remove_delay", "is not a duration", line: 1),
        Reject("docker_stop_timeout: 20s", "docker_stop_timeout", "The unit 's'", line: 1),
        Reject(
            "mesos_master_work_dir: var/lib/mesos",
            "mesos_master_work_dir",
            "Must be an absolute filesystem path",
            line: 1
        ),
        Reject("mesos_agent_work_dir: ./slave", "mesos_agent_work_dir", "Must be an absolute filesystem path", line: 1),
        Reject(
            "diagnostics_bundles_dir: bundles",
            "diagnostics_bundles_dir",
            "Must be an absolute filesystem path",
            line: 1
        ),
        Reject("rexray_config_preset: gcp", "rexray_config_preset", "Must be one of '', 'aws', but is 'gcp'", line: 1),
        Reject("rexray_config: [a]", "rexray_config", "Must be a mapping", line: 1),
        Reject(
            "cluster_docker_credentials:\n  auths:\n    registry.example.com: token",
            "cluster_docker_credentials",
            "The entry for registry 'registry.example.com' under auths must be a mapping",
            line: 2
        ),
        Reject(
            "cluster_docker_credentials:\n  registry.example.com:\n    auth: dG9rZW4=",
            "cluster_docker_credentials",
            "Must be a Docker config.json document with an `auths` mapping",
            line: 2
        ),
    ]

    @Test("Mesos, Docker and storage values are checked, including the validators DC/OS never wired", arguments: typed)
    func typedRejects(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let typedAccepts: [Accept] = [
        Accept("mesos_log_retention_mb: 1024"),
        Accept("mesos_container_log_sink: journald"),
        Accept("mesos_container_log_sink: logrotate"),
        Accept("mesos_container_log_sink: journald+logrotate"),
        Accept("mesos_max_completed_tasks_per_framework: ''"),
        Accept("mesos_max_completed_tasks_per_framework: 100"),
        Accept("mesos_recovery_timeout: 1.5days"),
        Accept("gc_delay: 100ms\ndocker_remove_delay: 2weeks\ndocker_stop_timeout: 0secs"),
        Accept("mesos_recovery_timeout: 10ns"),
        Accept("mesos_master_work_dir: /data/mesos"),
        Accept("rexray_config_preset: aws"),
        Accept("rexray_config_preset: ''"),
        Accept("rexray_config:\n  rexray:\n    loglevel: debug"),
        Accept("cluster_docker_credentials:\n  auths:\n    registry.example.com:\n      auth: dG9rZW4="),
        Accept("cluster_docker_credentials: '{}'"),
        Accept("weights: slave_public=1\nmarathon_java_args: -Xmx2g\nadminrouter_tls_cipher_suite: EECDH+AES256"),
        Accept("ui_banner: true\nui_banner_header_content: hello\nui_banner_background_color: '#000000'"),
        Accept(
            "oauth_issuer_url: https://id.example.com/\noauth_client_id: abc\nmaster_external_loadbalancer: lb.example.com"
        ),
    ]

    @Test("valid Mesos, Docker and storage values are accepted", arguments: typedAccepts)
    func typedAccept(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    @Test("rexray_config with the aws preset is ignored with a warning")
    func rexrayWarning() throws {
        let outcome = try Fixture.check("rexray_config_preset: aws\nrexray_config:\n  rexray: {}")
        #expect(outcome.errors.isEmpty)
        #expect(outcome.warnings.contains { $0.key == "rexray_config" && $0.location?.line == 2 })
    }

    @Test("network defaults are DC/OS 1.11's")
    func defaults() throws {
        let config = try #require(try Fixture.check("").config)
        #expect(config["dcos_overlay_mtu"] == .int(1420))
        #expect(config["dcos_overlay_config_attempts"] == .int(4))
        #expect(config.mesosLogRetentionMB == 4000)
        #expect(config["mesos_container_log_sink"] == .string("logrotate"))
        #expect(config["mesos_recovery_timeout"] == .string("24hrs"))
        #expect(config["docker_remove_delay"] == .string("1hrs"))
        #expect(config["docker_stop_timeout"] == .string("20secs"))
        #expect(config["gc_delay"] == .string("2days"))
        #expect(config["dcos_ucr_default_bridge_subnet"] == .string("172.31.254.0/24"))
        #expect(config.dcosL4lbMinNamedIP == "11.0.0.0")
        #expect(config.dcosL4lbMaxNamedIP6 == "fd01:c::ffff:ffff:ffff:ffff")
        #expect(config["mesos_dns_ip_sources"] == .list(["host", "netinfo"]))
        #expect(config.adminrouterTLS1_2Enabled && !config.adminrouterTLS1_0Enabled)
        #expect(config.enableIPv6 && config["dcos_l4lb_enable_ipv6"] == .bool(false))
        #expect(config["mesos_master_work_dir"] == .string("/var/lib/dcos/mesos/master"))
        #expect(config["mesos_agent_work_dir"] == .string("/var/lib/mesos/slave"))
        #expect(config["diagnostics_bundles_dir"] == .string("/var/lib/dcos/dcos-diagnostics/diag-bundles"))
        #expect(config.dcosOverlayNetwork["vtep_subnet"]?.stringValue == "44.128.0.0/20")
        #expect(config.dcosOverlayNetwork["vtep_mac_oui"]?.stringValue == "70:B3:D5:00:00:00")
    }
}
