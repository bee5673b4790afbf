import Foundation
import InstallerRender
import InstallerTrust
import Testing

/// templates/dcos_install.sh.mustache: rendered with a roles and packages list, checked with bash -n and
/// shellcheck, and run against a file:// bootstrap directory into a scratch root.
@Suite("The node installer dcos_install.sh")
struct InstallScriptTests {
    static let sha = String(repeating: "ab", count: 32)

    func render(
        bootstrapURL: String = "http://198.18.0.1:8080",
        roles: [TemplateValue]? = nil,
        packages: [TemplateValue]? = nil
    ) throws -> String {
        var values = try ShippedConfig.values()
        values["bootstrap_url"] = .string(bootstrapURL)
        let roleValues =
            roles
            ?? Role.allCases.map {
                .object([
                    "role": .string($0.rawValue),
                    "bundle": .string("bundles/\($0.rawValue)--\(ShippedConfig.configID).tar.gz"),
                    "sha256": .string(Self.sha), "size": .string("1234"),
                ])
            }
        // A role without secrets has empty secrets fields, as genconf writes them.
        values["roles"] = .list(
            roleValues.map {
                guard case .object(var members) = $0 else { return $0 }
                for key in ["secrets", "secrets_sha256", "secrets_size"] where members[key] == nil {
                    members[key] = .string("")
                }
                return .object(members)
            }
        )
        values["manifest_public_key"] = .string(TestSigning.keys.publicKeyPEM)
        values["bootstrap_ca"] = .string("")
        values["packages"] = .list(
            packages ?? [
                .object([
                    "name": .string("mesos"), "file": .string("packages/mesos--1.5.0.tar.gz"),
                    "sha256": .string(Self.sha), "roles_list": .string("master slave slave_public"),
                ]),
                .object([
                    "name": .string("marathon"), "file": .string("packages/marathon--1.6.322.tar.gz"),
                    "sha256": .string(Self.sha), "roles_list": .string("master"),
                ]),
            ]
        )
        let renderer = try TemplateRenderer(directory: repositoryRoot + "/templates")
        values["role_specs"] = renderer.manifest.installScriptRoleValue
        return try renderer.renderTemplate(at: "dcos_install.sh.mustache", values: values)
    }

    @Test("Embeds the bundles and packages and passes bash -n and shellcheck")
    func syntaxAndLint() throws {
        let script = try render()
        #expect(script.hasPrefix("#!/usr/bin/env bash\n"))
        #expect(script.contains("set -o errexit -o nounset -o pipefail\n"))
        #expect(script.contains("readonly BOOTSTRAP_URL='http://198.18.0.1:8080'\n"))
        #expect(
            script.contains("BUNDLE_PATH['slave_public']='bundles/slave_public--\(ShippedConfig.configID).tar.gz'\n")
        )
        #expect(script.contains("BUNDLE_SHA256['master']='\(Self.sha)'\n"))
        #expect(script.contains("    'marathon|packages/marathon--1.6.322.tar.gz|\(Self.sha)|master'\n"))
        #expect(script.contains("\nreadonly CLUSTER_NAME='example-cluster'\n"))
        #expect(!script.contains("{{"))
        for variant in [script, try render(packages: [])] {
            let directory = try TemporaryDirectory()
            try directory.write("dcos_install.sh", variant)
            let syntax = try run(["bash", "-n", directory.path + "/dcos_install.sh"])
            #expect(syntax.status == 0, "\(syntax.output)")
            if isInstalled("shellcheck") {
                let lint = try run(["shellcheck", "--severity=style", directory.path + "/dcos_install.sh"])
                #expect(lint.status == 0, "\(lint.output)")
            }
        }
    }

    @Test("Usage errors: no role, two roles, unknown role, conflicting flags")
    func usageErrors() throws {
        let directory = try TemporaryDirectory()
        try directory.write("dcos_install.sh", try render())
        let script = directory.path + "/dcos_install.sh"
        let cases: [([String], String)] = [
            ([], "A role must be specified"),
            (["master", "slave"], "Exactly one role per node"),
            (["agent"], "Invalid role 'agent'"),
            (["--disable-preflight", "--preflight-only", "master"], "only applies to an install"),
            (["--preflight-only", "--uninstall"], "Choose one of"),
            (["--uninstall", "master"], "--uninstall takes no role"),
            (["--ignore-preflight-errors=Ports", "master"], "'Ports' is not a check name"),
            (["--bogus", "master"], "Unknown option '--bogus'"),
        ]
        for (arguments, message) in cases {
            let result = try run(["bash", script] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.output.contains(message), "\(arguments): \(result.output)")
        }
        let help = try run(["bash", script, "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("Usage:"))
    }

    /// A bootstrap directory with one bundle for `role` built from the real release, like genconf writes it.
    /// A hand-made serve/ with the shipped release's bundle of `role`. `replacing` changes the contents of
    /// some of its files (node path → contents); `adding` adds files (mode 0644).
    func bootstrap(
        role: Role,
        in directory: TemporaryDirectory,
        packagesList: String = "",
        replacing: [String: String] = [:],
        adding: [String: String] = [:]
    ) throws -> (bundle: String, sha256: String, size: String) {
        let rendering = try #require(
            try TemplateRenderer(directory: repositoryRoot + "/templates").render(values: try ShippedConfig.values())[
                role
            ]
        )
        let staging = directory.path + "/staging"
        var installList = ""
        var files: [(path: String, contents: String, mode: Int)] = rendering.files.map {
            ($0.path, replacing[$0.path] ?? String(decoding: $0.contents, as: UTF8.self), Int($0.mode))
        }
        files += adding.sorted { $0.key < $1.key }.map { ($0.key, $0.value, 0o644) }
        for (path, contents, mode) in files {
            let relative = "staging/files" + path
            try directory.write(relative, contents)
            let digest = try run(["sha256sum", directory.path + "/" + relative]).output.prefix(64)
            installList += String(format: "%04o", mode) + " \(digest) \(path)\n"
        }
        try directory.write("staging/install.list", installList)
        try directory.write(
            "staging/units.list",
            rendering.units.map { "\($0.name) \($0.start ? "start" : "enable")\n" }.joined()
        )
        try directory.write("staging/packages.list", packagesList)
        try directory.write("staging/bundle.json", #"{"role": "\#(role)"}"# + "\n")
        let bundle = "bundles/\(role)--\(ShippedConfig.configID).tar.gz"
        try FileManager.default.createDirectory(
            atPath: directory.path + "/serve/bundles",
            withIntermediateDirectories: true
        )
        let tar = try run([
            "tar", "-czf", directory.path + "/serve/" + bundle, "-C", staging, "bundle.json", "install.list",
            "units.list", "packages.list", "files",
        ])
        try #require(tar.status == 0, "\(tar.output)")
        let sha = String(try run(["sha256sum", directory.path + "/serve/" + bundle]).output.prefix(64))
        let size =
            try FileManager.default.attributesOfItem(atPath: directory.path + "/serve/" + bundle)[.size] as? Int ?? 0
        try TestSigning.sign(directory)
        return (bundle, sha, String(size))
    }

    static let isRoot = geteuid() == 0

    @Test("Installs a verified bundle into a scratch root", .enabled(if: isRoot, "needs root"))
    func installsIntoScratchRoot() throws {
        let directory = try TemporaryDirectory()
        let bundle = try bootstrap(role: .slave, in: directory)
        let role: TemplateValue = .object([
            "role": .string("slave"), "bundle": .string(bundle.bundle), "sha256": .string(bundle.sha256),
            "size": .string(bundle.size),
        ])
        try directory.write(
            "dcos_install.sh",
            try render(bootstrapURL: "file://\(directory.path)/serve", roles: [role], packages: [])
        )
        let result = try run(
            ["bash", directory.path + "/dcos_install.sh", "--disable-preflight", "slave"],
            environment: ["DCOS_INSTALL_ROOT": directory.path + "/root"]
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SHA-256 OK for \(bundle.bundle)"))
        let root = directory.path + "/root"
        #expect(FileManager.default.fileExists(atPath: root + "/etc/mesosphere/roles/slave"))
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/mesosphere/roles/master"))
        #expect(FileManager.default.fileExists(atPath: root + "/etc/systemd/system/dcos-mesos-slave.service"))
        // Every installed path is a link through the active version: its mode is the version's file's.
        let detect = try FileManager.default.attributesOfItem(atPath: resolved(root + "/opt/mesosphere/bin/detect_ip"))
        #expect((detect[.posixPermissions] as? Int) == 0o755)
        let credentials = try FileManager.default.attributesOfItem(
            atPath: resolved(root + "/opt/mesosphere/etc/docker_credentials")
        )
        #expect((credentials[.posixPermissions] as? Int) == 0o600)
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: root + "/opt/mesosphere/bin/detect_ip")
                == root + "/opt/dcos-release/active/files/opt/mesosphere/bin/detect_ip"
        )
    }

    @Test("Refuses a bundle whose SHA-256 does not match and installs nothing", .enabled(if: isRoot, "needs root"))
    func refusesTamperedBundle() throws {
        let directory = try TemporaryDirectory()
        let bundle = try bootstrap(role: .master, in: directory)
        let wrong = String(bundle.sha256.reversed())
        let role: TemplateValue = .object([
            "role": .string("master"), "bundle": .string(bundle.bundle), "sha256": .string(wrong),
            "size": .string(bundle.size),
        ])
        try directory.write(
            "dcos_install.sh",
            try render(bootstrapURL: "file://\(directory.path)/serve", roles: [role], packages: [])
        )
        let result = try run(
            ["bash", directory.path + "/dcos_install.sh", "--disable-preflight", "master"],
            environment: ["DCOS_INSTALL_ROOT": directory.path + "/root"]
        )
        #expect(result.status == 1)
        #expect(result.output.contains("Refusing \(bundle.bundle): SHA-256 is \(bundle.sha256), expected \(wrong)"))
        for path in [
            "/root/opt", "/root/etc", "/root/var/lib/dcos-install/pending", "/root/var/lib/dcos-install/installed",
        ] {
            #expect(!FileManager.default.fileExists(atPath: directory.path + path), "\(path)")
        }
    }
}

extension InstallScriptTests {
    @Test("Installs the role's optional packages after checking them", .enabled(if: isRoot, "needs root"))
    func installsPackages() throws {
        let directory = try TemporaryDirectory()
        try directory.write("package/bin/mesos-agent", "#!/bin/sh\necho mesos-agent\n")
        let file = "packages/mesos--1.5.0.tar.gz"
        try FileManager.default.createDirectory(
            atPath: directory.path + "/serve/packages",
            withIntermediateDirectories: true
        )
        let tar = try run(["tar", "-czf", directory.path + "/serve/" + file, "-C", directory.path + "/package", "bin"])
        try #require(tar.status == 0, "\(tar.output)")
        let sha = String(try run(["sha256sum", directory.path + "/serve/" + file]).output.prefix(64))
        let bundle = try bootstrap(role: .slave, in: directory, packagesList: "\(sha) \(file)\n")
        let role: TemplateValue = .object([
            "role": .string("slave"), "bundle": .string(bundle.bundle), "sha256": .string(bundle.sha256),
            "size": .string(bundle.size),
        ])
        let packages: [TemplateValue] = [
            .object([
                "name": .string("mesos"), "file": .string(file), "sha256": .string(sha),
                "roles_list": .string("master slave slave_public"),
            ]),
            .object([
                "name": .string("marathon"), "file": .string("packages/marathon--1.6.322.tar.gz"),
                "sha256": .string(Self.sha), "roles_list": .string("master"),
            ]),
        ]
        try directory.write(
            "dcos_install.sh",
            try render(bootstrapURL: "file://\(directory.path)/serve", roles: [role], packages: packages)
        )
        let result = try run(
            ["bash", directory.path + "/dcos_install.sh", "--disable-preflight", "slave"],
            environment: ["DCOS_INSTALL_ROOT": directory.path + "/root"]
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SHA-256 OK for \(file)"))
        #expect(result.output.contains("1 packages ready"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/root/opt/mesosphere/bin/mesos-agent"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/root/opt/mesosphere/etc/mesos-slave-common"))
    }
}

/// `path` with every symbolic link resolved.
func resolved(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
}
