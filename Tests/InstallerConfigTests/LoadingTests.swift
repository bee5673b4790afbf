import Foundation
import Testing

@testable import InstallerConfig

/// A whole file that must fail to load or validate, with the message fragment and line expected.
struct BadFile: Sendable, CustomTestStringConvertible {
    var text: String
    var key: String?
    var fragment: String
    var line: Int?

    init(_ text: String, key: String?, _ fragment: String, line: Int?) {
        self.text = text
        self.key = key
        self.fragment = fragment
        self.line = line
    }

    var testDescription: String { text.replacingOccurrences(of: "\n", with: "⏎") }
}

@Suite("Loading config.yaml")
struct LoadingTests {
    static let badFiles: [BadFile] = [
        BadFile("", key: nil, "The file is empty", line: 1),
        BadFile("\n\n", key: nil, "The file is empty", line: 1),
        BadFile("# only a comment\n", key: nil, "The file is empty", line: 1),
        BadFile("- cluster_name\n- bootstrap_url\n", key: nil, "top level of the file is a list", line: 1),
        BadFile("just some text\n", key: nil, "top level of the file is the text 'just some text'", line: 1),
        BadFile("42\n", key: nil, "must be a mapping", line: 1),
        BadFile("cluster_name: a\n\tbootstrap_url: b\n", key: nil, "tab character", line: 2),
        BadFile("cluster_name: [unclosed\nbootstrap_url: x\n", key: nil, "Invalid YAML", line: 2),
        BadFile("cluster_name: 'open\n", key: nil, "Invalid YAML", line: 2),
        BadFile("cluster_name: a\n  bootstrap_url: b\n", key: nil, "Invalid YAML", line: 2),
        BadFile("? [a, b]\n: c\n", key: nil, "mapping key must be plain text", line: 1),
    ]

    @Test("files that are not a usable YAML mapping give one clear error", arguments: badFiles)
    func badFile(_ row: BadFile) throws {
        let outcome = try Fixture.validate(text: row.text)
        #expect(outcome.config == nil)
        let match = outcome.errors.first { $0.message.contains(row.fragment) }
        let error = try #require(match, "got: \(outcome.summary)")
        #expect(error.key == row.key)
        #expect(error.location?.line == row.line, "\(error)")
    }

    @Test("a NUL byte is refused as not text, with its line")
    func nulByte() {
        let data = Data("cluster_name: a\nbootstrap_url: \u{0}\u{1}\u{2}\n".utf8)
        let (document, problems) = ConfigDocument.parse(data: data, path: "config.yaml")
        #expect(document == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("NUL byte") == true)
        #expect(problems.first?.location?.line == 2)
    }

    @Test("invalid UTF-8 is refused with its line and offset")
    func invalidUTF8() {
        var data = Data("cluster_name: a\nbootstrap_url: ".utf8)
        data.append(contentsOf: [0xFF, 0xFE, 0x80])
        let (document, problems) = ConfigDocument.parse(data: data, path: "config.yaml")
        #expect(document == nil)
        #expect(problems.first?.message.contains("not valid UTF-8") == true)
        #expect(problems.first?.message.contains("offset 31") == true)
        #expect(problems.first?.location?.line == 2)
    }

    @Test("random bytes never crash the loader")
    func randomBytes() {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 7, 64, 512] {
            let data = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let (document, problems) = ConfigDocument.parse(data: data, path: "config.yaml")
            #expect(document != nil || problems.hasErrors)
        }
    }

    @Test("a missing file is a diagnostic that says where it looked")
    func missingFile() throws {
        try Fixture.withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("genconf/config.yaml").path
            let (document, result) = ConfigValidator.validateFile(
                at: path,
                stage: .genconf,
                baseDirectory: directory.path
            )
            #expect(document == nil)
            #expect(!result.isValid)
            #expect(result.diagnostics.first?.message.contains("No config file found at \(path)") == true)
        }
    }

    @Test("validateFile reads and validates a file on disk")
    func validateFileOnDisk() throws {
        try Fixture.withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("genconf"),
                withIntermediateDirectories: true
            )
            try Data(Fixture.ipDetect.utf8).write(to: directory.appendingPathComponent("genconf/ip-detect"))
            let path = directory.appendingPathComponent("genconf/config.yaml")
            try Data(Fixture.config("").utf8).write(to: path)
            let (document, result) = ConfigValidator.validateFile(
                at: path.path,
                stage: .genconf,
                baseDirectory: directory.path
            )
            #expect(document != nil)
            #expect(result.isValid, "\(result.diagnostics)")
            #expect(result.config?.ipDetectContents == Fixture.ipDetect)
        }
    }

    static let noValueKeys = [
        "dns_search", "cluster_name", "resolvers", "dcos_overlay_mtu", "exhibitor_admin_password", "enable_ipv6",
        "check_config", "master_list",
    ]

    @Test("`key:` with no value is an error on that key, not a crash", arguments: noValueKeys)
    func keyWithoutValue(_ key: String) throws {
        let outcome = try Fixture.check("\(key):")
        let error = try #require(outcome.errors.first { $0.key == key }, "got: \(outcome.summary)")
        #expect(error.message.contains("has no value"))
        #expect(error.location?.line == 1)
    }

    static let wrongTypes: [Reject] = [
        Reject("dcos_overlay_mtu: 1420.5", "dcos_overlay_mtu", "Must be an integer, but is the number 1420.5", line: 1),
        Reject("mesos_log_retention_mb: 4e3", "mesos_log_retention_mb", "Must be an integer", line: 1),
        Reject("dcos_overlay_mtu: [1420]", "dcos_overlay_mtu", "Must be an integer, but is a list", line: 1),
        Reject("dcos_overlay_mtu: big", "dcos_overlay_mtu", "Must be an integer, but is the text 'big'", line: 1),
        Reject("cluster_name: {a: 1}", "cluster_name", "Must be a single value, but is a mapping", line: 1),
        Reject("cluster_name:\n- a\n- b", "cluster_name", "Must be a single value, but is a list", line: 2),
        Reject("enable_ipv6: 1", "enable_ipv6", "Must be true or false, but is the integer 1", line: 1),
        Reject("resolvers: {a: b}", "resolvers", "Must be a list", line: 1),
        Reject("resolvers:\n- [8.8.8.8]", "resolvers", "Each list item must be a single text value", line: 2),
        Reject("resolvers:\n- ~", "resolvers", "Each list item must be a single text value", line: 2),
        Reject("resolvers: '[\"8.8.8.8\", 53]'", "resolvers", "Items in the list must be strings", line: 1),
        Reject("resolvers: '[\"8.8.8.8\"'", "resolvers", "looks like JSON but cannot be parsed", line: 1),
        Reject("resolvers: '{\"a\": 1}'", "resolvers", "Must be a list", line: 1),
        Reject("dcos_overlay_network: [a, b]", "dcos_overlay_network", "Must be a mapping", line: 1),
        Reject("dcos_overlay_network: nope", "dcos_overlay_network", "Must be a mapping", line: 1),
        Reject("dns_forward_zones: '{\"a\": '", "dns_forward_zones", "cannot be parsed", line: 1),
    ]

    @Test("a value of the wrong type is an error that names what was expected", arguments: wrongTypes)
    func wrongType(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepted: [Accept] = [
        Accept("cluster_name: ''"),
        Accept("cluster_name: 12345"),
        Accept("cluster_name: \"quoted: with colon\""),
        Accept("cluster_name: yes"),
        Accept("# a comment\ncluster_name: c # trailing comment"),
        Accept("---\ncluster_name: c"),
        Accept("cluster_name: c\r"),
        Accept("dcos_overlay_mtu: '1500'"),
        Accept("dcos_overlay_mtu: 0x5dc"),
        Accept("master_list: '[\"10.0.0.2\"]'"),
        Accept("master_list: [10.0.0.2]"),
        Accept("resolvers: '[]'"),
        // An anchor is inert; an alias (*name) is refused (LimitsTests).
        Accept("cluster_name: &name c"),
    ]

    @Test("well-formed variants load and validate", arguments: accepted)
    func wellFormed(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    @Test(
        "unknown keys are errors, with a suggestion for near misses",
        arguments: [
            ("clustr_name: a", "cluster_name"),
            ("bootstrap-url: http://a", "bootstrap_url"),
            ("master_lists:\n- 10.0.0.2", "master_list"),
            ("Resolvers: [8.8.8.8]", "resolvers"),
            ("exhibitor_storage_backed: static", "exhibitor_storage_backend"),
            ("dns_serach: corp", "dns_search"),
            ("ssh_parralelism: 5", "ssh_parallelism"),
            ("enable_ipv4: true", "enable_ipv6"),
        ]
    )
    func unknownKeyWithSuggestion(_ yaml: String, _ suggestion: String) throws {
        let outcome = try Fixture.check(yaml)
        let key = try #require(Fixture.topLevelKeys(yaml).first)
        let error = try #require(outcome.errors.first { $0.key == key }, "got: \(outcome.summary)")
        #expect(error.message.contains("Unknown configuration key '\(key)'"))
        #expect(error.message.contains("Did you mean '\(suggestion)'?"))
        #expect(error.location == InstallerConfig.SourceLocation(line: 1, column: 1))
    }

    @Test("an unknown key that resembles nothing gets no suggestion")
    func unknownKeyWithoutSuggestion() throws {
        let outcome = try Fixture.check("frobnicate_the_widgets: 3")
        let error = try #require(outcome.errors.first { $0.key == "frobnicate_the_widgets" })
        #expect(!error.message.contains("Did you mean"))
        #expect(error.message.contains("Unknown configuration key"))
    }

    static let calculatedKeys: [String] = [
        "master_quorum", "exhibitor_static_ensemble", "exhibitor_admin_password_enabled", "resolvers_str",
        "mesos_dns_resolvers_str", "dns_bind_ip_blacklist_json", "mesos_log_retention_count",
        "mesos_log_directory_max_files", "mesos_isolation", "mesos_hooks", "use_mesos_hooks", "no_proxy_final",
        "rexray_config_contents", "has_master_external_loadbalancer", "has_mesos_max_completed_tasks_per_framework",
        "cluster_docker_registry_enabled", "cluster_docker_credentials_path", "fair_sharing_excluded_resource_names",
        "check_config_contents", "adminrouter_tls_version_override", "adminrouter_tls_cipher_override",
        "dcos_l4lb_min_named_ip_erltuple", "dcos_l4lb_max_named_ip6_erltuple", "dcos_gen_resolvconf_search_str",
        "dcos_version", "dcos_variant", "dcos_image_commit", "marathon_port", "mesos_agent_log_file", "curly_pound",
        "custom_auth", "licensing_enabled", "fault_domain_enabled", "ui_branding", "provider", "package_ids",
        "check_search_path", "cluster_packages", "user_arguments", "config_yaml", "expanded_config_full",
        "ip_detect_contents", "config_id", "profile_symlink_target", "custom_check_bins_dir",
    ]

    @Test("calculated keys cannot be set", arguments: calculatedKeys)
    func calculatedKey(_ key: String) throws {
        let outcome = try Fixture.check("\(key): something")
        let error = try #require(outcome.errors.first { $0.key == key }, "got: \(outcome.summary)")
        #expect(error.message.contains("is calculated by the installer"))
        #expect(error.location?.line == 1)
    }

    @Test("num_masters cannot be set when master_discovery is static")
    func numMastersWithStaticDiscovery() throws {
        let outcome = try Fixture.check("num_masters: 3")
        #expect(outcome.config == nil)
        let error = try #require(outcome.errors.first { $0.key == "num_masters" }, "got: \(outcome.summary)")
        #expect(error.message.contains("calculated"))
        #expect(error.location?.line == 1)
    }
}
