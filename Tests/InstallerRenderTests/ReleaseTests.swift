import Foundation
import InstallerRender
import Testing

/// The real release in templates/ rendered with the shipped genconf/config.yaml.
@Suite("The release in templates/")
struct ReleaseTests {
    let renderings: [Role: RoleRendering]

    init() throws {
        let renderer = try TemplateRenderer(directory: repositoryRoot + "/templates")
        renderings = try renderer.render(values: try ShippedConfig.values())
    }

    func files(_ role: Role) throws -> [String: RenderedFile] {
        let rendering = try #require(renderings[role])
        return Dictionary(uniqueKeysWithValues: rendering.files.map { ($0.path, $0) })
    }

    func text(_ role: Role, _ path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String
    {
        let file = try #require(try files(role)[path], "\(role) has no \(path)", sourceLocation: sourceLocation)
        return String(decoding: file.contents, as: UTF8.self)
    }

    /// `KEY=value` lines of an environment file.
    func environment(_ role: Role, _ path: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try text(role, path).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    static let commonFiles = [
        "/etc/mesosphere/setup-flags/repository-url", "/etc/mesosphere/setup-flags/config-id",
        "/etc/systemd/journald.conf.d/dcos.conf", "/opt/mesosphere/bin/detect_ip",
        "/opt/mesosphere/bin/detect_ip_public",
        "/opt/mesosphere/etc/dcos-version.json", "/opt/mesosphere/etc/expanded.config.json",
        "/opt/mesosphere/etc/proxy.env",
        "/opt/mesosphere/etc/dns_config", "/opt/mesosphere/etc/dns_search_config",
        "/opt/mesosphere/etc/dcos-check-config.json",
    ]
    static let masterOnly = [
        "/etc/mesosphere/roles/master", "/opt/mesosphere/etc/mesos-master", "/opt/mesosphere/etc/marathon",
        "/opt/mesosphere/etc/exhibitor", "/opt/mesosphere/etc/zookeeper/zoo.cfg", "/opt/mesosphere/etc/mesos-dns.json",
        "/opt/mesosphere/etc/adminrouter/nginx.master.conf", "/opt/mesosphere/bin/dcos-zookeeper-myid",
        "/etc/systemd/system/dcos-zookeeper.service", "/etc/systemd/system/dcos-mesos-master.service",
        "/etc/systemd/system/dcos-marathon.service", "/etc/systemd/system/dcos-mesos-dns.service",
        "/etc/systemd/system/dcos-adminrouter.service",
    ]

    @Test("Every role gets the common files and a role marker for itself only")
    func roleFiles() throws {
        for role in Role.allCases {
            let files = try files(role)
            for path in Self.commonFiles { #expect(files[path] != nil, "\(role) lacks \(path)") }
            for other in Role.allCases {
                #expect(
                    (files["/etc/mesosphere/roles/\(other)"] != nil) == (other == role),
                    "\(role) and marker \(other)"
                )
            }
        }
    }

    @Test("Master-only files are absent on agents, agent files absent on masters")
    func roleSeparation() throws {
        let master = try files(.master)
        for path in Self.masterOnly { #expect(master[path] != nil, "master lacks \(path)") }
        for role in [Role.slave, .slave_public] {
            let files = try files(role)
            for path in Self.masterOnly { #expect(files[path] == nil, "\(role) has \(path)") }
            #expect(files["/opt/mesosphere/etc/mesos-slave-common"] != nil)
            #expect(files["/etc/systemd/system/dcos-agent-register.service"] != nil)
        }
        #expect(master["/opt/mesosphere/etc/mesos-slave-common"] == nil)
        #expect(try files(.slave)["/opt/mesosphere/etc/mesos-slave"] != nil)
        #expect(try files(.slave)["/opt/mesosphere/etc/mesos-slave-public"] == nil)
        #expect(try files(.slave_public)["/opt/mesosphere/etc/mesos-slave-public"] != nil)
        #expect(try files(.slave_public)["/opt/mesosphere/etc/mesos-slave"] == nil)
    }

    @Test("Units per role, all started")
    func units() throws {
        let names = renderings.mapValues { $0.units.map(\.name) }
        #expect(
            names[.master] == [
                "dcos-zookeeper.service", "dcos-mesos-master.service", "dcos-marathon.service",
                "dcos-mesos-dns.service", "dcos-adminrouter.service",
            ]
        )
        #expect(
            names[.slave] == [
                "dcos-mesos-slave.service", "dcos-adminrouter-agent.service", "dcos-agent-register.service",
            ]
        )
        #expect(
            names[.slave_public] == [
                "dcos-mesos-slave-public.service", "dcos-adminrouter-agent.service", "dcos-agent-register.service",
            ]
        )
        #expect(renderings.values.allSatisfy { $0.units.allSatisfy(\.start) })
        let packages = renderings.mapValues { $0.packages.map(\.name) }
        #expect(packages[.master] == ["mesos", "marathon", "mesos-dns"])
        #expect(packages[.slave] == ["mesos"])
        #expect(renderings.values.allSatisfy { $0.packages.allSatisfy { !$0.required } })
    }

    @Test("Units whose binaries may be absent are conditioned on them")
    func unitConditions() throws {
        let expected = [
            "dcos-zookeeper.service": "/usr/share/zookeeper/bin/zkServer.sh",
            "dcos-mesos-master.service": "/opt/mesosphere/bin/mesos-master",
            "dcos-marathon.service": "/opt/mesosphere/bin/marathon",
            "dcos-mesos-dns.service": "/opt/mesosphere/bin/mesos-dns",
            "dcos-adminrouter.service": "/usr/sbin/nginx",
        ]
        for (unit, binary) in expected {
            let unit = try text(.master, "/etc/systemd/system/\(unit)")
            #expect(unit.contains("ConditionPathExists=\(binary)\n"))
            #expect(unit.contains("[Install]\nWantedBy=multi-user.target\n"))
        }
        #expect(
            try text(.slave, "/etc/systemd/system/dcos-mesos-slave.service").contains(
                "ConditionPathExists=/opt/mesosphere/bin/mesos-agent\n"
            )
        )
        #expect(
            try text(.slave, "/etc/systemd/system/dcos-agent-register.service").contains(
                "ConditionPathExists=/usr/share/zookeeper/bin/zkCli.sh\n"
            )
        )
        let zookeeper = try text(.master, "/etc/systemd/system/dcos-zookeeper.service")
        #expect(
            zookeeper.contains(
                "ExecStartPre=+/opt/mesosphere/bin/dcos-zookeeper-myid /opt/mesosphere/etc/zookeeper/zoo.cfg\n"
            )
        )
        #expect(
            zookeeper.contains(
                "ExecStart=/usr/share/zookeeper/bin/zkServer.sh start-foreground /opt/mesosphere/etc/zookeeper/zoo.cfg\n"
            )
        )
        for rendering in renderings.values {
            for file in rendering.files where file.path.hasPrefix("/etc/systemd/system/") {
                #expect(file.mode == 0o644)
                #expect(!String(decoding: file.contents, as: UTF8.self).contains("{{"))
            }
        }
    }

    @Test("zoo.cfg lists the masters in ensemble order")
    func zooConfig() throws {
        let config = try text(.master, "/opt/mesosphere/etc/zookeeper/zoo.cfg")
        let servers = config.split(separator: "\n").filter { $0.hasPrefix("server.") }
        #expect(
            servers == [
                "server.1=198.18.0.11:2888:3888", "server.2=198.18.0.12:2888:3888", "server.3=198.18.0.13:2888:3888",
            ]
        )
        #expect(config.contains("\nclientPort=2181\n"))
        #expect(config.contains("\ndataDir=/var/lib/dcos/zookeeper\n"))
        #expect(config.contains("\nadmin.enableServer=false\n"))
    }

    @Test("Mesos master and agent flags")
    func mesosFlags() throws {
        let master = try environment(.master, "/opt/mesosphere/etc/mesos-master")
        #expect(master["MESOS_ZK"] == "zk://198.18.0.11:2181,198.18.0.12:2181,198.18.0.13:2181/mesos")
        #expect(master["MESOS_QUORUM"] == "2")
        #expect(master["MESOS_CLUSTER"] == "example-cluster")
        #expect(master["MESOS_WORK_DIR"] == "/var/lib/dcos/mesos/master")
        #expect(master["MESOS_IP_DISCOVERY_COMMAND"] == "/opt/mesosphere/bin/detect_ip")
        #expect(master["MESOS_FAIR_SHARING_EXCLUDED_RESOURCE_NAMES"] == "gpus")
        #expect(master["MESOS_MAX_COMPLETED_TASKS_PER_FRAMEWORK"] == nil)

        let common = try environment(.slave, "/opt/mesosphere/etc/mesos-slave-common")
        #expect(common["MESOS_MASTER"] == "zk://198.18.0.11:2181,198.18.0.12:2181,198.18.0.13:2181/mesos")
        #expect(common["MESOS_WORK_DIR"] == "/var/lib/mesos/slave")
        #expect(common["MESOS_ISOLATION"]?.hasPrefix("cgroups/cpu,cgroups/mem,") == true)
        #expect(common["MESOS_ISOLATION"]?.hasSuffix(",gpu/nvidia") == true)
        #expect(common["MESOS_HOOKS"] == nil)
        #expect(common["MESOS_DOCKER_CONFIG"] == nil)
        #expect(common["MESOS_RECOVERY_TIMEOUT"] == "24hrs")
        #expect(common.values.allSatisfy { !$0.isEmpty })

        let publicAgent = try environment(.slave_public, "/opt/mesosphere/etc/mesos-slave-public")
        #expect(publicAgent["MESOS_ATTRIBUTES"] == "public_ip:true")
        #expect(publicAgent["MESOS_DEFAULT_ROLE"] == "slave_public")
        for (role, path) in [
            (Role.slave, "/opt/mesosphere/etc/mesos-slave"), (.slave_public, "/opt/mesosphere/etc/mesos-slave-public"),
        ] {
            let resources = try #require(try environment(role, path)["MESOS_RESOURCES"])
            #expect(try JSONSerialization.jsonObject(with: Data(resources.utf8)) is [Any])
        }
        #expect(try text(.master, "/etc/logrotate.d/dcos-mesos").contains("    rotate 137\n"))
    }

    @Test("Marathon and Exhibitor settings on masters")
    func marathonAndExhibitor() throws {
        let marathon = try environment(.master, "/opt/mesosphere/etc/marathon")
        #expect(marathon["MARATHON_MASTER"] == "zk://198.18.0.11:2181,198.18.0.12:2181,198.18.0.13:2181/mesos")
        #expect(marathon["MARATHON_ZK"] == "zk://198.18.0.11:2181,198.18.0.12:2181,198.18.0.13:2181/marathon")
        #expect(marathon["MARATHON_HTTP_PORT"] == "8080")
        let exhibitor = try environment(.master, "/opt/mesosphere/etc/exhibitor")
        #expect(exhibitor["EXHIBITOR_BACKEND"] == "static")
        #expect(exhibitor["EXHIBITOR_STATICENSEMBLE"] == "1:198.18.0.11,2:198.18.0.12,3:198.18.0.13")
        #expect(exhibitor["EXHIBITOR_REALM"] == nil)
    }

    @Test("JSON files parse and Mesos-DNS knows the masters")
    func jsonFiles() throws {
        let paths = [
            "/opt/mesosphere/etc/dcos-version.json", "/opt/mesosphere/etc/expanded.config.json",
            "/opt/mesosphere/etc/dcos-check-config.json",
            "/opt/mesosphere/etc/docker_credentials", "/etc/mesosphere/docker_credentials", "/etc/rexray/config.yml",
            "/opt/mesosphere/etc/mesos-dns.json", "/opt/mesosphere/etc/master_list",
        ]
        for path in paths {
            #expect(throws: Never.self, "\(path)") {
                try JSONSerialization.jsonObject(with: Data(try text(.master, path).utf8))
            }
        }
        #expect(throws: Never.self) {
            try JSONSerialization.jsonObject(
                with: Data(try text(.slave, "/opt/mesosphere/etc/mesos-slave-modules/dcos-modules.json").utf8)
            )
        }

        let dns = try #require(
            try JSONSerialization.jsonObject(with: Data(try text(.master, "/opt/mesosphere/etc/mesos-dns.json").utf8))
                as? [String: Any]
        )
        #expect(dns["zk"] as? String == "zk://198.18.0.11:2181,198.18.0.12:2181,198.18.0.13:2181/mesos")
        #expect(dns["masters"] as? [String] == ["198.18.0.11:5050", "198.18.0.12:5050", "198.18.0.13:5050"])
        #expect(dns["resolvers"] as? [String] == ["198.18.0.1"])
        #expect(dns["IPSources"] as? [String] == ["host", "netinfo"])
        #expect(dns["SetTruncateBit"] as? Bool == true)

        let version = try #require(
            try JSONSerialization.jsonObject(with: Data(try text(.slave, "/opt/mesosphere/etc/dcos-version.json").utf8))
                as? [String: Any]
        )
        #expect(version["version"] as? String == "1.11.0")
        #expect(version["dcos-config-id"] as? String == ShippedConfig.configID)

        let summary = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try text(.master, "/opt/mesosphere/etc/expanded.config.json").utf8)
            ) as? [String: Any]
        )
        #expect(summary["num_masters"] as? Int == 3)
        #expect(summary["cluster_docker_credentials"] as? String == "**HIDDEN**")
    }

    @Test("Setup flags, journald, DNS and proxy settings")
    func hostFiles() throws {
        #expect(try text(.slave, "/etc/mesosphere/setup-flags/repository-url") == "http://198.18.0.1:8080\n")
        #expect(try text(.slave, "/etc/mesosphere/setup-flags/config-id") == ShippedConfig.configID + "\n")
        let journald = try text(.slave_public, "/etc/systemd/journald.conf.d/dcos.conf")
        #expect(journald.contains("[Journal]\nMaxLevelConsole=warning\nRateLimitInterval=1s\nRateLimitBurst=20000\n"))
        #expect(try text(.master, "/opt/mesosphere/etc/dns_search_config") == "SEARCH=cluster.example\n")
        #expect(try environment(.master, "/opt/mesosphere/etc/dns_config")["RESOLVERS"] == "198.18.0.1")
        #expect(try environment(.master, "/opt/mesosphere/etc/proxy.env").isEmpty)
    }

    @Test("Admin router listens on 80/443 on masters and 61001 on agents")
    func adminRouter() throws {
        let master = try text(.master, "/opt/mesosphere/etc/adminrouter/nginx.master.conf")
        #expect(master.contains("listen 80 default_server;"))
        #expect(master.contains("listen 443 ssl default_server;"))
        #expect(master.contains("ssl_protocols TLSv1.2;"))
        let agent = try text(.slave, "/opt/mesosphere/etc/adminrouter/nginx.agent.conf")
        #expect(agent.contains("listen 61001 default_server;"))
        #expect(!agent.contains("listen 80"))
    }

    @Test("detect_ip is the ip-detect script, executable")
    func detectIP() throws {
        let script = try String(contentsOfFile: repositoryRoot + "/genconf/ip-detect", encoding: .utf8)
        for role in Role.allCases {
            let files = try files(role)
            for path in ["/opt/mesosphere/bin/detect_ip", "/opt/mesosphere/bin/detect_ip_public"] {
                let file = try #require(files[path])
                #expect(file.mode == 0o755)
                #expect(String(decoding: file.contents, as: UTF8.self) == script)
            }
            for file in files.values where file.path.hasPrefix("/opt/mesosphere/bin/") {
                #expect(file.mode == 0o755, "\(file.path)")
            }
        }
    }

    @Test("Files that may hold secrets are 0600; others do not hold secrets")
    func secrets() throws {
        let master = try files(.master)
        for path in [
            "/opt/mesosphere/etc/exhibitor_realm", "/opt/mesosphere/etc/docker_credentials",
            "/etc/mesosphere/docker_credentials",
        ] {
            #expect(master[path]?.mode == 0o600, "\(path)")
        }
        // Render again with a password and credentials: they appear only in 0600 files.
        var values = try ShippedConfig.values()
        values["exhibitor_admin_password"] = .string("s3cret-Exhibitor")
        values["exhibitor_admin_password_enabled"] = .bool(true)
        values["cluster_docker_credentials_json"] = .string(
            #"{"auths": {"registry.example": {"auth": "c2VjcmV0LWRvY2tlcg=="}}}"#
        )
        values["cluster_docker_credentials_dcos_owned"] = .bool(true)
        values["cluster_docker_credentials_enabled"] = .bool(true)
        values["cluster_docker_credentials_path"] = .string("/opt/mesosphere/etc/docker_credentials")
        let renderings = try TemplateRenderer(directory: repositoryRoot + "/templates").render(values: values)
        for rendering in renderings.values {
            for file in rendering.files {
                let text = String(decoding: file.contents, as: UTF8.self)
                if text.contains("s3cret-Exhibitor") || text.contains("c2VjcmV0LWRvY2tlcg==") {
                    #expect(file.mode == 0o600, "\(file.path) holds a secret")
                }
            }
        }
        let realm = try #require(renderings[.master]?.files.first { $0.path == "/opt/mesosphere/etc/exhibitor_realm" })
        #expect(String(decoding: realm.contents, as: UTF8.self) == "admin: s3cret-Exhibitor,admin\n")
        let agent = try #require(
            renderings[.slave]?.files.first { $0.path == "/opt/mesosphere/etc/mesos-slave-common" }
        )
        #expect(
            String(decoding: agent.contents, as: UTF8.self).contains(
                "MESOS_DOCKER_CONFIG=file:///opt/mesosphere/etc/docker_credentials\n"
            )
        )
        #expect(renderings[.slave]?.files.contains { $0.path == "/opt/mesosphere/etc/exhibitor_realm" } == false)
    }

    @Test("Rendered shell scripts pass bash -n and shellcheck")
    func shellScripts() throws {
        let directory = try TemporaryDirectory()
        var scripts: [String] = []
        for role in Role.allCases {
            for file in try files(role).values
            where file.path.hasPrefix("/opt/mesosphere/bin/") || file.path.hasSuffix(".sh") {
                let name = "\(role)-" + (file.path as NSString).lastPathComponent
                try directory.write(name, String(decoding: file.contents, as: UTF8.self))
                scripts.append(directory.path + "/" + name)
            }
        }
        #expect(scripts.count >= 10)
        for script in scripts {
            let syntax = try run(["bash", "-n", script])
            #expect(syntax.status == 0, "\(script): \(syntax.output)")
        }
        if isInstalled("shellcheck") {
            let lint = try run(["shellcheck", "--shell=bash", "--severity=style"] + scripts)
            #expect(lint.status == 0, "\(lint.output)")
        }
    }

    @Test("The release renders deterministically")
    func deterministic() throws {
        let again = try TemplateRenderer(directory: repositoryRoot + "/templates").render(
            values: try ShippedConfig.values()
        )
        for role in Role.allCases {
            #expect(again[role]?.files == renderings[role]?.files)
        }
    }
}

/// With RENDER_DUMP_DIR set, writes every role's files and a sample dcos_install.sh there for review.
@Test(
    "Dump the rendered release for review",
    .enabled(if: ProcessInfo.processInfo.environment["RENDER_DUMP_DIR"] != nil, "set RENDER_DUMP_DIR")
)
func dumpRenderedRelease() throws {
    let directory = try #require(ProcessInfo.processInfo.environment["RENDER_DUMP_DIR"])
    let renderer = try TemplateRenderer(directory: repositoryRoot + "/templates")
    for (role, rendering) in try renderer.render(values: try ShippedConfig.values()) {
        for file in rendering.files {
            let url = URL(fileURLWithPath: "\(directory)/\(role)\(file.path)")
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data(file.contents).write(to: url)
        }
    }
    try Data(try InstallScriptTests().render().utf8).write(to: URL(fileURLWithPath: directory + "/dcos_install.sh"))
}

/// The rendered scripts and configuration files, exercised with the real tools where installed.
@Suite("Rendered files against real tools")
struct RenderedToolTests {
    let renderings: [Role: RoleRendering]

    init() throws {
        renderings = try TemplateRenderer(directory: repositoryRoot + "/templates").render(
            values: try ShippedConfig.values()
        )
    }

    func text(_ role: Role, _ path: String) throws -> String {
        let file = try #require(renderings[role]?.files.first { $0.path == path }, "\(role) has no \(path)")
        return String(decoding: file.contents, as: UTF8.self)
    }

    @Test("dcos-zookeeper-myid writes this master's id and refuses a node outside the ensemble")
    func zookeeperMyID() throws {
        let directory = try TemporaryDirectory()
        let config = try text(.master, "/opt/mesosphere/etc/zookeeper/zoo.cfg")
            .replacingOccurrences(of: "dataDir=/var/lib/dcos/zookeeper", with: "dataDir=\(directory.path)/data")
        try directory.write("zoo.cfg", config)
        try directory.write("myid.sh", try text(.master, "/opt/mesosphere/bin/dcos-zookeeper-myid"))
        for (ip, expected) in [("198.18.0.12", "2"), ("198.18.0.13", "3")] {
            try directory.write("detect_ip", "#!/bin/sh\necho \(ip)\n")
            _ = try run(["chmod", "0755", directory.path + "/detect_ip"])
            let result = try run(
                ["bash", directory.path + "/myid.sh", directory.path + "/zoo.cfg"],
                environment: ["DCOS_DETECT_IP": directory.path + "/detect_ip"]
            )
            #expect(result.status == 0, "\(result.output)")
            #expect(try String(contentsOfFile: directory.path + "/data/myid", encoding: .utf8) == expected + "\n")
        }
        try directory.write("detect_ip", "#!/bin/sh\necho 198.18.0.99\n")
        let outside = try run(
            ["bash", directory.path + "/myid.sh", directory.path + "/zoo.cfg"],
            environment: ["DCOS_DETECT_IP": directory.path + "/detect_ip"]
        )
        #expect(outside.status == 1)
        #expect(
            outside.output.contains(
                "198.18.0.99 (from detect_ip) is not in the ZooKeeper ensemble: 198.18.0.11 198.18.0.12 198.18.0.13"
            )
        )
    }

    @Test("Admin router configurations pass nginx -t", .enabled(if: isInstalled("nginx") && isInstalled("openssl")))
    func nginxConfigurations() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "upstreams.conf",
            "upstream mesos {\n    server 127.0.0.1:5050;\n}\nupstream mesos_agent {\n    server 127.0.0.1:5051;\n}\n"
        )
        let certificate = try run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
            "-keyout", directory.path + "/key.pem", "-out", directory.path + "/cert.pem",
        ])
        try #require(certificate.status == 0, "\(certificate.output)")
        let configurations = [
            (Role.master, "/opt/mesosphere/etc/adminrouter/nginx.master.conf"),
            (.slave, "/opt/mesosphere/etc/adminrouter/nginx.agent.conf"),
        ]
        for (role, path) in configurations {
            var config = try text(role, path)
            for include in [
                "/run/dcos-adminrouter/upstream-mesos.conf", "/run/dcos-adminrouter-agent/upstream-mesos-agent.conf",
            ] {
                config = config.replacingOccurrences(of: include, with: directory.path + "/upstreams.conf")
            }
            config = config.replacingOccurrences(
                of: "/var/lib/dcos/pki/tls/certs/adminrouter.crt",
                with: directory.path + "/cert.pem"
            )
            .replacingOccurrences(
                of: "/var/lib/dcos/pki/tls/private/adminrouter.key",
                with: directory.path + "/key.pem"
            )
            try directory.write("nginx-\(role).conf", config)
            let result = try run(["nginx", "-t", "-q", "-c", directory.path + "/nginx-\(role).conf"])
            #expect(result.status == 0, "\(role): \(result.output)")
        }
    }
}
