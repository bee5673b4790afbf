import Foundation
import Testing

@testable import InstallerConfig

/// Values are written into scripts, units and configuration files on every node: control characters
/// are refused in every text key, and whitespace in URLs, hosts, addresses, node paths and names.
@Suite("Control characters and whitespace in values")
struct TextSafetyTests {
    static let rejects: [Reject] = [
        // The reported attack: a second line in bootstrap_url became a command in dcos_install.sh.
        Reject(
            "bootstrap_url: \"http://10.0.0.1/x\\ntouch /tmp/x #\"",
            "bootstrap_url",
            "Must not contain a newline (at character 18)",
            line: 1
        ),
        Reject("bootstrap_url: http://10.0.0.1:8080/a b", "bootstrap_url", "write a space in a URL as %20", line: 1),
        Reject("bootstrap_url: \"http://10.0.0.1\\t\"", "bootstrap_url", "Must not contain a tab", line: 1),
        Reject("cluster_name: \"a\\nb\"", "cluster_name", "Must not contain a newline", line: 1),
        Reject("cluster_name: \"a\\rb\"", "cluster_name", "Must not contain a carriage return", line: 1),
        Reject("cluster_name: \"a\\u2028b\"", "cluster_name", "Unicode line separator", line: 1),
        Reject("cluster_name: \"a\\u2029b\"", "cluster_name", "Unicode paragraph separator", line: 1),
        Reject("cluster_name: \"a\\x7Fb\"", "cluster_name", "the control character U+007F", line: 1),
        Reject("cluster_name: \"a\\x1Bb\"", "cluster_name", "the control character U+001B", line: 1),
        Reject("cluster_name: |\n  two\n  lines", "cluster_name", "Must not contain a newline", line: 1),
        Reject(
            "master_list:\n- 10.0.0.2\n- \"10.0.0.3\\n\"",
            "master_list",
            "Item 2: Must not contain a newline",
            line: 3
        ),
        Reject(
            "exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: \"10.0.0.5:2181\\n,10.0.0.6:2181\"\nexhibitor_zk_path: /x",
            "exhibitor_zk_hosts",
            "Must not contain a newline",
            line: 2
        ),
        Reject(
            "exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5 :2181\nexhibitor_zk_path: /x",
            "exhibitor_zk_hosts",
            "Must not contain whitespace (a space at character 9)",
            line: 2
        ),
        Reject(
            "exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /a b",
            "exhibitor_zk_path",
            "remove the whitespace",
            line: 3
        ),
        Reject("resolvers: ['8.8.8.8 ']", "resolvers", "Item 1: Must not contain whitespace", line: 1),
        Reject("resolvers:\n- \"8.8.8.8\\n\"", "resolvers", "Item 1: Must not contain a newline", line: 2),
        Reject("dns_search: \"a.com\\tb.com\"", "dns_search", "Must not contain a tab", line: 1),
        Reject("no_proxy: ['a.com b.com']", "no_proxy", "Must not contain whitespace", line: 1),
        Reject(
            "master_external_loadbalancer: 'lb.example.com; x'",
            "master_external_loadbalancer",
            "whitespace",
            line: 1
        ),
        Reject(
            "master_external_loadbalancer: 'lb.example.com;x'",
            "master_external_loadbalancer",
            "Must be a DNS name or IP address",
            line: 1
        ),
        Reject(
            "adminrouter_tls_cipher_suite: 'HIGH;include/x'",
            "adminrouter_tls_cipher_suite",
            "';' cannot appear in an OpenSSL cipher list",
            line: 1
        ),
        Reject("adminrouter_tls_cipher_suite: 'HIGH$x'", "adminrouter_tls_cipher_suite", "'$' cannot appear", line: 1),
        Reject("platform: 'on prem'", "platform", "Must not contain whitespace", line: 1),
        Reject("mesos_agent_work_dir: /var/lib/my mesos", "mesos_agent_work_dir", "node paths may not", line: 1),
        Reject("marathon_java_args: \"-Xss1m\\n-Xmx1g\"", "marathon_java_args", "Must not contain a newline", line: 1),
        Reject("agent_list:\n- \"10.0.0.9\\u0000\"", "agent_list", "U+0000", line: 2, stage: .ssh),
        Reject(
            "ui_banner_header_content: \"a\\nb\"",
            "ui_banner_header_content",
            "Must not contain a newline",
            line: 1
        ),
    ]

    @Test("control characters and misplaced whitespace are rejected on the key written", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepts: [Accept] = [
        Accept("cluster_name: My Cluster (prod)"),
        Accept("adminrouter_tls_cipher_suite: ECDHE-ECDSA-AES128-GCM-SHA256:EECDH+AES256:!aNULL:@STRENGTH"),
        Accept("master_external_loadbalancer: lb-1.example.com"),
        Accept("dns_search: a.example.com b.example.com"),
        Accept("marathon_java_args: -Xss1m -Xmx1g"),
        Accept("cluster_name: \"quote's \\\" $(x) `y` % \\\\ ünïcode\""),
        Accept(
            "exhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181, 10.0.0.6:2181\nexhibitor_zk_path: /x"
        ),
    ]

    @Test("spaces and punctuation in free-text keys are accepted", arguments: accepts)
    func accept(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    @Test("a control character in a secret is reported without the value")
    func secretNotShown() throws {
        let outcome = try Fixture.check("exhibitor_admin_password: \"Sup3rS3cret\\nValue\"")
        let error = try #require(outcome.errors.first { $0.key == "exhibitor_admin_password" }, "\(outcome.summary)")
        #expect(error.message.contains("Must not contain a newline"))
        #expect(!outcome.summary.contains("Sup3rS3cret"))
        #expect(!outcome.formatted.contains("Sup3rS3cret"))
    }

    @Test("the diagnostic names the file, line, column and key and says how to fix it")
    func diagnosticStyle() throws {
        let outcome = try Fixture.check("bootstrap_url: \"http://10.0.0.1/x\\ntouch /tmp/x #\"")
        #expect(outcome.errors.count == 1, "\(outcome.summary)")
        #expect(
            outcome.formatted.contains(
                "genconf/config.yaml:1:16: error: bootstrap_url: Must not contain a newline (at character 18)"
            ),
            "\(outcome.formatted)"
        )
        #expect(outcome.formatted.contains("Write the value on one line"))
    }

    @Test("the key help says which keys refuse spaces")
    func help() {
        #expect(ConfigSchema.byName["bootstrap_url"]?.help.hasSuffix("No spaces or control characters.") == true)
        #expect(ConfigSchema.byName["cluster_name"]?.help == ConfigSchema.byName["cluster_name"]?.summary)
        #expect(ConfigSchema.byName["exhibitor_zk_hosts"]?.textRule == .commaList)
        #expect(ConfigSchema.byName["ip_detect_filename"]?.textRule == .singleLine)
    }
}
