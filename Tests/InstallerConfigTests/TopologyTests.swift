import Foundation
import Testing

@testable import InstallerConfig

@Suite("Cluster topology and bootstrap")
struct TopologyTests {
    static let rejects: [Reject] = [
        Reject(
            "master_list:\n- 10.0.0.1\n- 10.0.0.1\n- 10.0.0.2",
            "master_list",
            "10.0.0.1 is listed more than once (first at line 2)",
            line: 3
        ),
        Reject("master_list:\n- 10.0.0.256", "master_list", "'10.0.0.256' is not an IPv4 address", line: 2),
        Reject("master_list:\n- 010.0.0.1", "master_list", "'010.0.0.1' is not an IPv4 address", line: 2),
        Reject("master_list:\n- master1.example.com", "master_list", "is not an IPv4 address", line: 2),
        Reject("master_list:\n- 10.0.0.1:22", "master_list", "is not an IPv4 address", line: 2),
        Reject("master_list:\n- fd01::1", "master_list", "is not an IPv4 address", line: 2),
        Reject("master_list:\n- ' 10.0.0.1'", "master_list", "Must not contain whitespace", line: 2),
        Reject("master_list:\n- 10.0.0", "master_list", "is not an IPv4 address", line: 2),
        Reject("master_list:\n- ''", "master_list", "is not an IPv4 address", line: 2),
        Reject("master_list:\n- 10.0.0.1\n- 10.0.0.x\n- 10.0.0.3", "master_list", "'10.0.0.x'", line: 3),
        Reject("master_list:\n- 10.0.0.1\n- 10.0.0.2", "master_list", "Must have 1, 3, 5, 7 or 9 masters", line: 2),
        Reject("master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4]", "master_list", "but has 4", line: 1),
        Reject("master_list: '[\"10.0.0.1\", \"10.0.0.2\"]'", "master_list", "but has 2", line: 1),
        Reject("master_list: []", "master_list", "but has 0", line: 1),
        Reject(
            "master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9, 10.0.0.10, 10.0.0.11]",
            "master_list",
            "but has 11",
            line: 1
        ),
        Reject("master_list: 10.0.0.1", "master_list", "Must be a list", line: 1),
        Reject(
            "master_discovery: dns",
            "master_discovery",
            "Must be one of 'static', 'master_http_loadbalancer', but is 'dns'",
            line: 1
        ),
        Reject("master_discovery: statc", "master_discovery", "Did you mean 'static'?", line: 1),
        Reject("master_discovery: Static", "master_discovery", "Did you mean 'static'?", line: 1),
        Reject(
            "master_discovery: master_http_loadbalancer\nexhibitor_address: lb.internal\nnum_masters: 3",
            "exhibitor_storage_backend",
            "Cannot be static when master_discovery is master_http_loadbalancer",
            line: 6
        ),
        Reject(
            "master_discovery: master_http_loadbalancer\nexhibitor_address: lb.internal\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            "num_masters",
            "num_masters is required because master_discovery is master_http_loadbalancer",
            line: nil
        ),
        Reject(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            "exhibitor_address",
            "exhibitor_address is required",
            line: nil
        ),
        Reject(
            "master_discovery: master_http_loadbalancer\nnum_masters: 2\nexhibitor_address: lb\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            "num_masters",
            "Must be one of",
            line: 2
        ),
        Reject(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_address: ''\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            "exhibitor_address",
            "Must not be empty",
            line: 3
        ),
        Reject("bootstrap_url: ''", "bootstrap_url", "Must not be empty", line: 1),
        Reject(
            "bootstrap_url: http://10.0.0.1/",
            "bootstrap_url",
            "Must not end in a '/': write 'http://10.0.0.1'",
            line: 1
        ),
        Reject("bootstrap_url: ftp://10.0.0.1", "bootstrap_url", "The scheme 'ftp' is not supported", line: 1),
        Reject("bootstrap_url: s3://bucket/dcos", "bootstrap_url", "The scheme 's3' is not supported", line: 1),
        Reject("bootstrap_url: 10.0.0.1:8080", "bootstrap_url", "is not a URL", line: 1),
        Reject("bootstrap_url: x", "bootstrap_url", "is not a URL", line: 1),
        Reject("bootstrap_url: http://", "bootstrap_url", "Must not end in a '/'", line: 1),
        Reject("bootstrap_url: http://:8080", "bootstrap_url", "has no valid host", line: 1),
        Reject("bootstrap_url: http://bad host:80", "bootstrap_url", "a URL has no whitespace", line: 1),
        Reject("bootstrap_url: http://10.0.0.1:99999", "bootstrap_url", "is not a URL", line: 1),
        Reject("bootstrap_url: file://", "bootstrap_url", "Must not end in a '/'", line: 1),
        Reject(
            "bootstrap_url: file://server/share",
            "bootstrap_url",
            "A file URL must name an absolute directory",
            line: 1
        ),
        Reject("bootstrap_tmp_dir: /tmp", "bootstrap_tmp_dir", "relative to /", line: 1),
        Reject("bootstrap_tmp_dir: ../etc", "bootstrap_tmp_dir", "without '..'", line: 1),
        Reject("bootstrap_tmp_dir: ''", "bootstrap_tmp_dir", "Must be a directory name", line: 1),
    ]

    @Test("topology and bootstrap values DC/OS rejects are rejected", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepts: [Accept] = [
        Accept("master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3]"),
        Accept("master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5]"),
        Accept("master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7]"),
        Accept(
            "master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9]"
        ),
        Accept("master_list:\n- 0.0.0.0"),
        Accept("master_list:\n- 255.255.255.255"),
        Accept("master_list:\n- \"10.0.0.2\""),
        Accept("cluster_name: ''"),
        Accept("bootstrap_url: http://10.0.0.1"),
        Accept("bootstrap_url: https://boot.example.com:8443/dcos/1.11"),
        Accept("bootstrap_url: HTTP://BOOT.EXAMPLE.COM"),
        Accept("bootstrap_url: http://[fd01::1]:8080"),
        Accept("bootstrap_url: http://user@10.0.0.1:8080"),
        Accept("bootstrap_url: file:///opt/dcos_install_tmp"),
        Accept("bootstrap_url: file://localhost/opt/dcos"),
        Accept("bootstrap_tmp_dir: var/tmp"),
        Accept("platform: vsphere"),
        Accept(
            "master_discovery: master_http_loadbalancer\nnum_masters: 5\nexhibitor_address: lb.internal\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            stage: .genconf
        ),
        Accept(
            "master_discovery: master_http_loadbalancer\nnum_masters: '1'\nexhibitor_address: 10.0.0.9\nexhibitor_storage_backend: shared_filesystem\nexhibitor_fs_config_dir: /mnt/exhibitor"
        ),
    ]

    @Test("valid topologies are accepted", arguments: accepts)
    func accept(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    static let required = [
        "cluster_name", "bootstrap_url", "master_discovery", "exhibitor_storage_backend", "master_list",
    ]

    @Test("required keys missing are reported on that key, with no position", arguments: required)
    func requiredKey(_ key: String) throws {
        let outcome = try Fixture.check("", removing: [key])
        let error = try #require(outcome.errors.first { $0.key == key }, "got: \(outcome.summary)")
        #expect(error.message.contains("\(key) is required"))
        #expect(error.location == nil)
    }

    @Test("master_list is not required with a load balancer at the genconf stage")
    func masterListOptionalWithLoadBalancer() throws {
        let outcome = try Fixture.check(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_address: lb\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            removing: ["master_list"]
        )
        #expect(outcome.errors.isEmpty, "\(outcome.summary)")
    }

    @Test("keys for the other discovery method are ignored with a warning")
    func ignoredWithWarning() throws {
        let outcome = try Fixture.check("exhibitor_address: lb.internal")
        #expect(outcome.errors.isEmpty)
        let warning = try #require(outcome.warnings.first { $0.key == "exhibitor_address" })
        #expect(warning.message.contains("is ignored"))
        #expect(warning.location?.line == 1)
    }

    @Test("missing ip-detect script is an error on ip_detect_filename")
    func missingIPDetect() throws {
        let outcome = try Fixture.check("ip_detect_filename: genconf/nope")
        let error = try #require(outcome.errors.first { $0.key == "ip_detect_filename" }, "\(outcome.summary)")
        #expect(error.message.contains("The ip-detect script genconf/nope must exist"))
        #expect(error.location?.line == 1)
        #expect(!outcome.errors.contains { $0.key == "ip_detect_contents" })
    }

    @Test("the default ip-detect path is reported without a position when missing")
    func missingDefaultIPDetect() throws {
        let outcome = try Fixture.check("ip_detect_filename: genconf/ip-detect")
        #expect(outcome.errors.isEmpty)
        let missing = try Fixture.check("ip_detect_public_filename: genconf/public-ip")
        let error = try #require(missing.errors.first { $0.key == "ip_detect_public_filename" })
        #expect(error.message.contains("must exist"))
        #expect(error.location?.line == 1)
    }

    @Test("empty and binary ip-detect scripts are errors; no #! is a warning")
    func ipDetectContents() throws {
        let empty = try Fixture.validate(text: Fixture.config(""), files: ["genconf/ip-detect": "  \n"])
        #expect(empty.errors.contains { $0.key == "ip_detect_filename" && $0.message.contains("is empty") })
        let binary = try Fixture.validate(text: Fixture.config(""), files: ["genconf/ip-detect": "\u{0}\u{1}"])
        #expect(binary.errors.contains { $0.key == "ip_detect_filename" && $0.message.contains("not a text file") })
        let noShebang = try Fixture.validate(text: Fixture.config(""), files: ["genconf/ip-detect": "echo 10.0.0.2\n"])
        #expect(noShebang.errors.isEmpty)
        #expect(noShebang.warnings.contains { $0.key == "ip_detect_filename" && $0.message.contains("#!") })
    }

    @Test("public ip-detect contents default to the ip-detect script")
    func publicIPDetect() throws {
        let outcome = try Fixture.validate(
            text: Fixture.config("ip_detect_public_filename: genconf/ip-detect-public"),
            files: ["genconf/ip-detect-public": "#!/bin/sh\necho 1.2.3.4\n"]
        )
        let config = try #require(outcome.config, "\(outcome.summary)")
        #expect(config.ipDetectPublicContents == "#!/bin/sh\necho 1.2.3.4\n")
        let plain = try #require(try Fixture.check("").config)
        #expect(plain.ipDetectPublicContents == Fixture.ipDetect)
    }

    @Test("defaults of the cluster keys are DC/OS's")
    func defaults() throws {
        let config = try #require(try Fixture.check("").config)
        #expect(config["platform"] == .string("onprem"))
        #expect(config["ip_detect_filename"] == .string("genconf/ip-detect"))
        #expect(config["ip_detect_public_filename"] == .string(""))
        #expect(config["bootstrap_tmp_dir"] == .string("tmp"))
        #expect(config.resolvers == ["8.8.8.8", "8.8.4.4"])
        #expect(config["enable_docker_gc"] == .bool(false))
        #expect(config["agent_list"] == nil, "agent_list is an SSH-stage key")
    }
}
