import Foundation
import Testing

@testable import InstallerConfig

@Suite("Derived values (gen/calc.py)")
struct DerivedValuesTests {
    static func masters(_ count: Int) -> String {
        "master_list: [" + (1...count).map { "10.0.0.\($0)" }.joined(separator: ", ") + "]"
    }

    @Test("master count and quorum", arguments: [(1, 1), (3, 2), (5, 3), (7, 4), (9, 5)])
    func quorum(_ count: Int, _ quorum: Int) throws {
        let values = try Fixture.derived(Self.masters(count))
        #expect(values.text("num_masters") == String(count))
        #expect(values.text("master_quorum") == String(quorum))
    }

    @Test("quorum with a load balancer comes from num_masters")
    func quorumWithLoadBalancer() throws {
        let values = try Fixture.derived(
            "master_discovery: master_http_loadbalancer\nnum_masters: 5\nexhibitor_address: lb.internal\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos"
        )
        #expect(values.text("num_masters") == "5")
        #expect(values.text("master_quorum") == "3")
        #expect(values.text("zk_hosts") == "lb.internal:2181")
    }

    @Test(
        "static ensemble sorts the masters as strings",
        arguments: [
            ("master_list: [10.0.0.10, 10.0.0.9, 10.0.0.2]", "1:10.0.0.10,2:10.0.0.2,3:10.0.0.9"),
            ("master_list: [10.0.0.2]", "1:10.0.0.2"),
            ("master_list: [192.168.1.1, 10.0.0.1, 172.16.0.1]", "1:10.0.0.1,2:172.16.0.1,3:192.168.1.1"),
        ]
    )
    func ensemble(_ yaml: String, _ expected: String) throws {
        #expect(try Fixture.derived(yaml).text("exhibitor_static_ensemble") == expected)
    }

    @Test(
        "resolver strings",
        arguments: [
            ("resolvers: [8.8.8.8, '1.1.1.1:53']", "8.8.8.8,1.1.1.1:53", "\"resolvers\": [\"8.8.8.8\",\"1.1.1.1:53\"]"),
            ("resolvers: []", "", "\"externalOn\": false"),
            ("cluster_name: c", "8.8.8.8,8.8.4.4", "\"resolvers\": [\"8.8.8.8\",\"8.8.4.4\"]"),
        ]
    )
    func resolvers(_ yaml: String, _ joined: String, _ mesosDNS: String) throws {
        let values = try Fixture.derived(yaml)
        #expect(values.text("resolvers_str") == joined)
        #expect(values.text("mesos_dns_resolvers_str") == mesosDNS)
    }

    @Test("log retention counts", arguments: [(4000, 137, 162), (1024, 21, 46), (2048, 61, 86)])
    func logRetention(_ megabytes: Int, _ count: Int, _ files: Int) throws {
        let values = try Fixture.derived("mesos_log_retention_mb: \(megabytes)")
        #expect(values.text("mesos_log_retention_count") == String(count))
        #expect(values.text("mesos_log_directory_max_files") == String(files))
    }

    @Test(
        "no_proxy_final: built-ins then the user's list; use_proxy without no_proxy works",
        arguments: [
            (
                "use_proxy: true\nhttp_proxy: http://p:3128\nhttps_proxy: http://p:3128\nno_proxy: [.corp, 10.0.0.0/8]",
                ".mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1,localhost,.corp,10.0.0.0/8"
            ),
            (
                "use_proxy: true\nhttp_proxy: http://p:3128\nhttps_proxy: http://p:3128",
                ".mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1,localhost"
            ),
        ]
    )
    func noProxy(_ yaml: String, _ expected: String) throws {
        let values = try Fixture.derived(yaml)
        #expect(values.text("no_proxy_final") == expected)
        #expect(values.text("http_proxy") == "http://p:3128")
    }

    @Test(
        "Erlang tuples, including IPv6 groups containing 000",
        arguments: [
            ("dcos_l4lb_min_named_ip", "11.0.0.0", "{11,0,0,0}"),
            ("dcos_l4lb_max_named_ip", "11.255.255.255", "{11,255,255,255}"),
            ("dcos_l4lb_min_named_ip6", "fd01:c::", "{16#fd01,16#c,16#0,16#0,16#0,16#0,16#0,16#0}"),
            ("dcos_l4lb_min_named_ip6", "fd01:c::1000", "{16#fd01,16#c,16#0,16#0,16#0,16#0,16#0,16#1000}"),
            (
                "dcos_l4lb_max_named_ip6", "fd01:c::ffff:ffff:ffff:ffff",
                "{16#fd01,16#c,16#0,16#0,16#ffff,16#ffff,16#ffff,16#ffff}"
            ),
            (
                "dcos_l4lb_max_named_ip6", "FD01:C:0:0:1000:2000:0:3000",
                "{16#fd01,16#c,16#0,16#0,16#1000,16#2000,16#0,16#3000}"
            ),
        ]
    )
    func erlangTuples(_ key: String, _ address: String, _ tuple: String) throws {
        let values = try Fixture.derived("\(key): '\(address)'")
        #expect(values.text(key + "_erltuple") == tuple)
    }

    @Test("default Erlang tuples")
    func defaultTuples() throws {
        let values = try Fixture.derived("")
        #expect(values.text("dcos_l4lb_min_named_ip_erltuple") == "{11,0,0,0}")
        #expect(
            values.text("dcos_l4lb_max_named_ip6_erltuple")
                == "{16#fd01,16#c,16#0,16#0,16#ffff,16#ffff,16#ffff,16#ffff}"
        )
    }

    @Test(
        "admin router TLS override",
        arguments: [
            ("cluster_name: c", "TLSv1.2"),
            ("adminrouter_tls_1_0_enabled: true\nadminrouter_tls_1_1_enabled: true", "TLSv1 TLSv1.1 TLSv1.2"),
            ("adminrouter_tls_1_1_enabled: true\nadminrouter_tls_1_2_enabled: false", "TLSv1.1"),
        ]
    )
    func tlsOverride(_ yaml: String, _ expected: String) throws {
        #expect(try Fixture.derived(yaml).text("adminrouter_tls_version_override") == expected)
    }

    @Test("cipher override follows the cipher suite")
    func cipherOverride() throws {
        #expect(try Fixture.derived("").self["adminrouter_tls_cipher_override"] == .bool(false))
        #expect(
            try Fixture.derived("adminrouter_tls_cipher_suite: EECDH").self["adminrouter_tls_cipher_override"]
                == .bool(true)
        )
    }

    static let isolation =
        "cgroups/cpu,cgroups/mem,cgroups/blkio,disk/du,network/cni,filesystem/linux,docker/runtime,docker/volume,volume/sandbox_path,volume/secret,posix/rlimits,namespaces/pid,linux/capabilities,com_mesosphere_MetricsIsolatorModule"

    @Test("mesos_isolation with and without GPU isolation")
    func mesosIsolation() throws {
        #expect(try Fixture.derived("").text("mesos_isolation") == Self.isolation + ",cgroups/devices,gpu/nvidia")
        #expect(try Fixture.derived("enable_gpu_isolation: false").text("mesos_isolation") == Self.isolation)
    }

    @Test("Mesos hooks and fair sharing")
    func hooksAndFairSharing() throws {
        let plain = try Fixture.derived("")
        #expect(plain.text("mesos_hooks") == "")
        #expect(plain["use_mesos_hooks"] == .bool(false))
        #expect(plain.text("fair_sharing_excluded_resource_names") == "gpus")
        let hooked = try Fixture.derived("dcos_remove_dockercfg_enable: true\ngpus_are_scarce: false")
        #expect(hooked.text("mesos_hooks") == "com_mesosphere_dcos_RemoverHook")
        #expect(hooked["use_mesos_hooks"] == .bool(true))
        #expect(hooked.text("fair_sharing_excluded_resource_names") == "")
    }

    @Test("DNS search, blacklist and flags derived from optional strings")
    func optionalStrings() throws {
        let plain = try Fixture.derived("")
        #expect(plain.text("dcos_gen_resolvconf_search_str") == "")
        #expect(plain.text("dns_bind_ip_blacklist_json") == "[]")
        #expect(plain["exhibitor_admin_password_enabled"] == .bool(false))
        #expect(plain["has_master_external_loadbalancer"] == .bool(false))
        #expect(plain["has_mesos_max_completed_tasks_per_framework"] == .bool(false))
        #expect(plain["cluster_docker_registry_enabled"] == .bool(false))
        let set = try Fixture.derived(
            "dns_search: corp.example.com\ndns_bind_ip_blacklist: [198.51.100.4]\ndns_bind_ip_reserved: [198.51.100.1]\nexhibitor_admin_password: pw\nmaster_external_loadbalancer: lb\nmesos_max_completed_tasks_per_framework: 20\ncluster_docker_registry_url: https://r"
        )
        #expect(set.text("dcos_gen_resolvconf_search_str") == "SEARCH=corp.example.com")
        #expect(set.text("dns_bind_ip_blacklist_json") == "[\"198.51.100.1\",\"198.51.100.4\"]")
        #expect(set["exhibitor_admin_password_enabled"] == .bool(true))
        #expect(set["has_master_external_loadbalancer"] == .bool(true))
        #expect(set["has_mesos_max_completed_tasks_per_framework"] == .bool(true))
        #expect(set["cluster_docker_registry_enabled"] == .bool(true))
    }

    @Test("docker credentials path depends on whether DC/OS owns them")
    func dockerCredentials() throws {
        let none = try Fixture.derived("")
        #expect(none["cluster_docker_credentials_dcos_owned"] == .bool(false))
        #expect(none.text("cluster_docker_credentials_path") == "/etc/mesosphere/docker_credentials")
        let owned = try Fixture.derived("cluster_docker_credentials:\n  auths:\n    r.example.com:\n      auth: abc")
        #expect(owned["cluster_docker_credentials_dcos_owned"] == .bool(true))
        #expect(owned.text("cluster_docker_credentials_path") == "/opt/mesosphere/etc/docker_credentials")
    }

    @Test("IPv6-only overlays are disabled when enable_ipv6 is false")
    func overlayJSON() throws {
        let on = try Fixture.derived("")
        #expect(on.text("dcos_overlay_network_json")?.contains("\"enabled\":false") == false)
        let off = try Fixture.derived("enable_ipv6: false")
        let json = try #require(off.text("dcos_overlay_network_json"))
        #expect(json.contains("{\"enabled\":false,\"name\":\"dcos6\""))
        #expect(json.contains("{\"name\":\"dcos\",\"prefix\":24,\"subnet\":\"9.0.0.0/8\"}"))
    }

    @Test("check_config_contents merges built-in and custom checks")
    func checkConfigContents() throws {
        let values = try Fixture.derived(
            "custom_checks:\n  node_checks:\n    checks:\n\(ChecksSchemaTests.nodeCheck("mine"))    poststart: [mine]"
        )
        let contents = try #require(values.text("check_config_contents"))
        for name in ["components_master", "xz", "clock_sync", "journald_dir_permissions", "mine", "check_env"] {
            #expect(contents.contains("\"\(name)\""), "\(name) missing")
        }
        let noClock = try #require(try Fixture.derived("check_time: false").text("check_config_contents"))
        #expect(!noClock.contains("clock_sync"))
    }

    @Test("ip-detect contents are passed through")
    func ipDetect() throws {
        #expect(try Fixture.derived("").text("ip_detect_contents") == Fixture.ipDetect)
    }
}
