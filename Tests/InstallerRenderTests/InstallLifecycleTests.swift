import Foundation
import InstallerRender
import Testing

/// dcos_install.sh's install record, idempotence, refusal of another bundle, finishing an interrupted
/// install and --uninstall, in a scratch root (DCOS_INSTALL_ROOT: files only, systemd untouched). The
/// same flows on real hosts with systemd are covered by the testbed end-to-end test.
extension InstallScriptTests {
    /// A slave bundle on a file:// bootstrap directory and its installer, ready to run into `root`.
    struct ScratchNode {
        let directory: TemporaryDirectory
        let script: String
        var root: String { directory.path + "/root" }

        func run(_ arguments: [String]) throws -> ProgramResult {
            try InstallerRenderTests.run(["bash", script] + arguments, environment: ["DCOS_INSTALL_ROOT": root])
        }

        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + path) }

        func read(_ path: String) throws -> String { try String(contentsOfFile: root + path, encoding: .utf8) }
    }

    /// A scratch node with the shipped slave bundle; `extraFile` adds /etc/dcos-extra, `check` replaces the
    /// body of /opt/mesosphere/bin/dcos-check (the role's health checks; the real one needs systemd).
    func scratchNode(extraFile: String? = nil, check: String? = nil) throws -> ScratchNode {
        let directory = try TemporaryDirectory()
        let bundle = try bootstrap(
            role: .slave,
            in: directory,
            replacing: check.map { ["/opt/mesosphere/bin/dcos-check": "#!/bin/sh\n" + $0 + "\n"] } ?? [:],
            adding: extraFile.map { ["/etc/dcos-extra": $0] } ?? [:]
        )
        let role: TemplateValue = .object([
            "role": .string("slave"), "bundle": .string(bundle.bundle), "sha256": .string(bundle.sha256),
            "size": .string(bundle.size),
        ])
        try directory.write(
            "dcos_install.sh",
            try render(bootstrapURL: "file://\(directory.path)/serve", roles: [role], packages: [])
        )
        return ScratchNode(directory: directory, script: directory.path + "/dcos_install.sh")
    }

    /// The one JSON object a --json run prints on stdout (the last line of the combined output).
    func jsonOutcome(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "\(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test(
        "Install writes a record; a re-run is a no-op; uninstall removes everything and restores backups",
        .enabled(if: isRoot, "needs root")
    )
    func installRerunUninstall() throws {
        let node = try scratchNode()
        try node.directory.write("root/etc/profile.d/dcos.sh", "# the operator's own file\n")

        let first = try node.run(["--disable-preflight", "--json", "slave"])
        #expect(first.status == 0, "\(first.output)")
        let outcome = try jsonOutcome(first.output)
        #expect(outcome["result"] as? String == "installed")
        #expect(outcome["action"] as? String == "install")
        #expect(outcome["role"] as? String == "slave")
        #expect(node.exists("/etc/mesosphere/roles/slave"))
        #expect(try node.read("/etc/profile.d/dcos.sh") != "# the operator's own file\n")
        let record = try node.read("/var/lib/dcos-install/installed")
        #expect(record.contains("role\tslave\n"))
        #expect(record.contains("file\t/etc/profile.d/dcos.sh\tbackup\n"))
        #expect(record.contains("file\t/opt/mesosphere/bin/detect_ip\tnew\n"))
        #expect(record.contains("dir\t/opt/mesosphere\n"))
        #expect(record.contains("unit\tdcos-agent-register.service\tstart\n"))
        #expect(!node.exists("/var/lib/dcos-install/pending"))

        let again = try node.run(["--disable-preflight", "--json", "slave"])
        #expect(again.status == 0, "\(again.output)")
        #expect(try jsonOutcome(again.output)["result"] as? String == "unchanged")
        #expect(again.output.contains("already installed"))

        let removed = try node.run(["--uninstall", "--json"])
        #expect(removed.status == 0, "\(removed.output)")
        #expect(try jsonOutcome(removed.output)["result"] as? String == "removed")
        #expect(try node.read("/etc/profile.d/dcos.sh") == "# the operator's own file\n")
        for path in [
            "/opt/mesosphere", "/etc/mesosphere", "/etc/systemd/system/dcos-mesos-slave.service",
            "/var/lib/dcos-install/installed", "/var/lib/dcos-install/backup",
        ] {
            #expect(!node.exists(path), "\(path) is left after --uninstall")
        }
        #expect(node.exists("/var/log/dcos-install.log"))

        let nothing = try node.run(["--uninstall", "--json"])
        #expect(nothing.status == 0)
        #expect(try jsonOutcome(nothing.output)["result"] as? String == "absent")

        let reinstall = try node.run(["--disable-preflight", "slave"])
        #expect(reinstall.status == 0, "\(reinstall.output)")
        #expect(node.exists("/etc/mesosphere/roles/slave"))
    }

    /// Runs `other`'s installer on `node` (another bundle of the slave role).
    func install(_ other: ScratchNode, on node: ScratchNode, _ arguments: [String] = []) throws -> ProgramResult {
        try InstallerRenderTests.run(
            ["bash", other.script, "--disable-preflight", "--json"] + arguments + ["slave"],
            environment: ["DCOS_INSTALL_ROOT": node.root]
        )
    }

    @Test(
        "Another bundle of the role upgrades side by side: one switch, the old version kept, uninstall removes both",
        .enabled(if: isRoot, "needs root")
    )
    func upgradesSideBySide() throws {
        let node = try scratchNode(check: "echo ok")
        try node.directory.write("root/etc/dcos-extra", "# the operator's own file\n")
        let first = try node.run(["--disable-preflight", "slave"])
        #expect(first.status == 0, "\(first.output)")
        let before = try node.read("/var/lib/dcos-install/installed")
        let oldVersion = try FileManager.default.destinationOfSymbolicLink(
            atPath: node.root + "/opt/dcos-release/active"
        )

        let other = try scratchNode(extraFile: "another configuration\n", check: "echo ok")
        let result = try install(other, on: node)
        #expect(result.status == 0, "\(result.output)")
        #expect(try jsonOutcome(result.output)["result"] as? String == "upgraded")
        #expect(result.output.contains("DC/OS upgraded from"), "\(result.output)")
        let active = try FileManager.default.destinationOfSymbolicLink(atPath: node.root + "/opt/dcos-release/active")
        #expect(active != oldVersion)
        #expect(try node.read("/etc/dcos-extra") == "another configuration\n")
        // The previous version stays on disk until the next upgrade succeeds; the record is the new one.
        #expect(FileManager.default.fileExists(atPath: node.root + "/opt/dcos-release/" + oldVersion + "/files"))
        #expect(try node.read("/var/lib/dcos-install/installed") != before)
        #expect(!node.exists("/var/lib/dcos-install/upgrading"))

        // Installing it again changes nothing; uninstall removes every version and puts the operator's file back.
        let again = try install(other, on: node)
        #expect(try jsonOutcome(again.output)["result"] as? String == "unchanged", "\(again.output)")
        let removed = try node.run(["--uninstall", "--json"])
        #expect(removed.status == 0, "\(removed.output)")
        #expect(!node.exists("/opt/dcos-release"))
        #expect(!node.exists("/etc/mesosphere/roles/slave"))
        #expect(try node.read("/etc/dcos-extra") == "# the operator's own file\n")
    }

    @Test(
        "An upgrade whose checks fail is rolled back: exit 3, the old version active, nothing of the new one left",
        .enabled(if: isRoot, "needs root")
    )
    func failedUpgradeRollsBack() throws {
        let node = try scratchNode(check: "echo ok")
        let first = try node.run(["--disable-preflight", "slave"])
        #expect(first.status == 0, "\(first.output)")
        let before = try node.read("/var/lib/dcos-install/installed")
        let oldVersion = try FileManager.default.destinationOfSymbolicLink(
            atPath: node.root + "/opt/dcos-release/active"
        )

        let broken = try scratchNode(
            extraFile: "another configuration\n",
            check: "echo 'the new release is broken'; exit 1"
        )
        let result = try install(broken, on: node, ["--wait=0"])
        #expect(result.status == 3, "\(result.output)")
        let outcome = try jsonOutcome(result.output)
        #expect(outcome["result"] as? String == "rolled_back")
        let message = outcome["message"] as? String ?? ""
        #expect(message.contains("failed and was rolled back"), "\(message)")
        #expect(message.contains("the new release is broken"), "\(message)")
        #expect(message.contains("its checks pass"), "\(message)")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: node.root + "/opt/dcos-release/active")
                == oldVersion
        )
        #expect(try node.read("/var/lib/dcos-install/installed") == before)
        #expect(!node.exists("/etc/dcos-extra"))
        #expect(!node.exists("/var/lib/dcos-install/upgrading"))
        let versions = try FileManager.default.contentsOfDirectory(atPath: node.root + "/opt/dcos-release/versions")
        #expect(versions.map { "versions/" + $0 } == [oldVersion])
    }

    @Test("An upgrade interrupted after the switch is undone by the next run", .enabled(if: isRoot, "needs root"))
    func interruptedUpgradeIsUndone() throws {
        let node = try scratchNode(check: "echo ok")
        #expect(try node.run(["--disable-preflight", "slave"]).status == 0)
        let before = try node.read("/var/lib/dcos-install/installed")
        let oldVersion = try FileManager.default.destinationOfSymbolicLink(
            atPath: node.root + "/opt/dcos-release/active"
        )
        // The run is killed (SIGKILL: no trap runs) while the new version is active: by its own check.
        let killing = try scratchNode(
            extraFile: "another configuration\n",
            check: "kill -KILL \"$(cat '\(node.root)/var/lib/dcos-install/lock')\"; exit 1"
        )
        let killed = try install(killing, on: node)
        #expect(killed.status != 0 && killed.status != 3, "\(killed.output)")
        #expect(node.exists("/var/lib/dcos-install/upgrading"))
        // The installed configuration's installer finds the interrupted upgrade and undoes it.
        let rerun = try node.run(["--disable-preflight", "--json", "slave"])
        #expect(rerun.status == 0, "\(rerun.output)")
        #expect(rerun.output.contains("Undoing the interrupted upgrade"), "\(rerun.output)")
        #expect(try jsonOutcome(rerun.output)["result"] as? String == "unchanged")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: node.root + "/opt/dcos-release/active")
                == oldVersion
        )
        #expect(try node.read("/var/lib/dcos-install/installed") == before)
        #expect(!node.exists("/etc/dcos-extra"))
    }

    @Test(
        "--verify: the install, this configuration, files changed or missing, the role's checks",
        .enabled(if: isRoot, "needs root")
    )
    func verify() throws {
        let node = try scratchNode(check: "echo ok")
        func checks(_ result: ProgramResult) throws -> [String: String] {
            let outcome = try jsonOutcome(result.output)
            let list = outcome["checks"] as? [[String: Any]] ?? []
            return Dictionary(
                uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0["status"] as? String ?? "") }
            )
        }
        var result = try node.run(["--verify", "--json"])
        #expect(result.status == 1)
        #expect(try checks(result)["installed"] == "fail")

        #expect(try node.run(["--disable-preflight", "slave"]).status == 0)
        result = try node.run(["--verify", "--json"])
        #expect(result.status == 0, "\(result.output)")
        var found = try checks(result)
        #expect(
            found["installed"] == "pass" && found["configuration"] == "pass" && found["files"] == "pass",
            "\(found)"
        )
        #expect(found["units"] == "pass")

        // A changed file (through its link) and a removed link are both named.
        try node.directory.write("root/etc/mesosphere/roles/slave", "tampered\n")
        try FileManager.default.removeItem(atPath: node.root + "/etc/profile.d/dcos.sh")
        result = try node.run(["--verify", "--json"])
        #expect(result.status == 1)
        found = try checks(result)
        #expect(found["files"] == "fail")
        let detail = result.output
        #expect(detail.contains("changed: /etc/mesosphere/roles/slave"), "\(detail)")
        #expect(detail.contains("missing: /etc/profile.d/dcos.sh"), "\(detail)")

        // Another configuration's installer says the node does not run it.
        let other = try scratchNode(extraFile: "another configuration\n", check: "echo ok")
        result = try InstallerRenderTests.run(
            ["bash", other.script, "--verify", "--json"],
            environment: ["DCOS_INSTALL_ROOT": node.root]
        )
        #expect(try checks(result)["configuration"] == "fail", "\(result.output)")
    }

    @Test(
        "--repair: changed and missing files come back from the bundle; a blank node is installed",
        .enabled(if: isRoot, "needs root")
    )
    func repair() throws {
        let node = try scratchNode(check: "echo ok")
        // A blank node: --repair installs it (its preflight would need systemd).
        var result = try node.run(["--repair", "--disable-preflight", "--json", "slave"])
        #expect(result.status == 0, "\(result.output)")
        #expect(try jsonOutcome(result.output)["result"] as? String == "installed")
        let active = try FileManager.default.destinationOfSymbolicLink(atPath: node.root + "/opt/dcos-release/active")
        let good = try node.read("/etc/mesosphere/roles/slave")

        // Nothing wrong: nothing to do.
        result = try node.run(["--repair", "--json", "slave"])
        #expect(result.status == 0, "\(result.output)")
        #expect(try jsonOutcome(result.output)["result"] as? String == "unchanged", "\(result.output)")

        // A file changed through its link, a link replaced by a file, a link removed.
        try node.directory.write("root/etc/mesosphere/roles/slave", "tampered\n")
        try FileManager.default.removeItem(atPath: node.root + "/etc/profile.d/dcos.sh")
        try FileManager.default.removeItem(atPath: node.root + "/opt/mesosphere/bin/detect_ip")
        try node.directory.write("root/opt/mesosphere/bin/detect_ip", "#!/bin/sh\necho 10.0.0.1\n")
        #expect(try node.run(["--verify"]).status == 1)
        result = try node.run(["--repair", "--json", "slave"])
        #expect(result.status == 0, "\(result.output)")
        let outcome = try jsonOutcome(result.output)
        #expect(outcome["result"] as? String == "repaired", "\(result.output)")
        let message = outcome["message"] as? String ?? ""
        #expect(message.contains("/etc/mesosphere/roles/slave"), "\(message)")
        #expect(message.contains("/etc/profile.d/dcos.sh"), "\(message)")
        #expect(message.contains("/opt/mesosphere/bin/detect_ip"), "\(message)")
        #expect(try node.read("/etc/mesosphere/roles/slave") == good)
        #expect(try node.read("/var/lib/dcos-install/replaced/opt/mesosphere/bin/detect_ip").contains("10.0.0.1"))
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: node.root + "/opt/dcos-release/active") == active
        )
        result = try node.run(["--verify", "--json"])
        #expect(result.status == 0, "\(result.output)")

        // The role is required, like an install's.
        #expect(try node.run(["--repair"]).status == 2)
    }

    @Test("A node cannot change its role by an upgrade", .enabled(if: isRoot, "needs root"))
    func roleChangeIsRefused() throws {
        let node = try scratchNode()
        #expect(try node.run(["--disable-preflight", "slave"]).status == 0)
        try node.directory.write(
            "root/var/lib/dcos-install/installed",
            try node.read("/var/lib/dcos-install/installed").replacingOccurrences(
                of: "role\tslave",
                with: "role\tmaster"
            )
        )
        let other = try scratchNode(extraFile: "another configuration\n")
        let result = try install(other, on: node)
        #expect(result.status == 1)
        #expect(result.output.contains("cannot change its role by an upgrade"), "\(result.output)")
        #expect(!node.exists("/etc/dcos-extra"))
    }

    @Test(
        "An interrupted install is finished by a re-run, or undone by --uninstall",
        .enabled(if: isRoot, "needs root")
    )
    func finishesInterruptedInstall() throws {
        for finish in [true, false] {
            let node = try scratchNode()
            try node.directory.write("root/etc/profile.d/dcos.sh", "# the operator's own file\n")
            let first = try node.run(["--disable-preflight", "slave"])
            #expect(first.status == 0, "\(first.output)")
            // The state a kill during activation leaves: the record still pending, some files not yet
            // renamed into place, a half-copied file next to its destination.
            try FileManager.default.moveItem(
                atPath: node.root + "/var/lib/dcos-install/installed",
                toPath: node.root + "/var/lib/dcos-install/pending"
            )
            try FileManager.default.removeItem(atPath: node.root + "/opt/mesosphere/bin/detect_ip")
            try FileManager.default.removeItem(atPath: node.root + "/etc/mesosphere/roles/slave")
            try node.directory.write("root/opt/mesosphere/etc/dns_config.dcos-new", "half")

            if finish {
                let result = try node.run(["--disable-preflight", "slave"])
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("Finishing the interrupted install"))
                #expect(node.exists("/opt/mesosphere/bin/detect_ip"))
                #expect(node.exists("/etc/mesosphere/roles/slave"))
                #expect(!node.exists("/opt/mesosphere/etc/dns_config.dcos-new"))
                #expect(node.exists("/var/lib/dcos-install/installed"))
                #expect(!node.exists("/var/lib/dcos-install/pending"))
            } else {
                let result = try node.run(["--uninstall"])
                #expect(result.status == 0, "\(result.output)")
                #expect(!node.exists("/opt/mesosphere"))
                #expect(!node.exists("/etc/mesosphere"))
                #expect(try node.read("/etc/profile.d/dcos.sh") == "# the operator's own file\n")
                #expect(!node.exists("/var/lib/dcos-install/pending"))
            }
        }
    }

    @Test(
        "A run that finds another one working waits for its lock, and gives up after DCOS_INSTALL_LOCK_WAIT",
        .enabled(if: isRoot, "needs root")
    )
    func waitsForAnotherRun() throws {
        let node = try scratchNode()
        try FileManager.default.createDirectory(
            atPath: node.root + "/var/lib/dcos-install",
            withIntermediateDirectories: true
        )
        let lock = node.root + "/var/lib/dcos-install/lock"
        for (holdSeconds, wait, succeeds) in [(2, "30", true), (8, "1", false)] {
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            holder.arguments = [lock, "sleep", String(holdSeconds)]
            try holder.run()
            defer {
                if holder.isRunning { holder.terminate() }
                holder.waitUntilExit()
            }
            Thread.sleep(forTimeInterval: 0.3)
            let result = try InstallerRenderTests.run(
                ["bash", node.script, "--disable-preflight", "slave"],
                environment: ["DCOS_INSTALL_ROOT": node.root, "DCOS_INSTALL_LOCK_WAIT": wait]
            )
            #expect(result.output.contains("is working on this node; waiting up to \(wait)s"), "\(result.output)")
            if succeeds {
                #expect(result.status == 0, "\(result.output)")
                #expect(node.exists("/var/lib/dcos-install/installed"))
            } else {
                #expect(result.status == 1)
                #expect(result.output.contains("still holds \(lock) after 1s"), "\(result.output)")
            }
        }
    }

    @Test("--preflight-only --json: one object with named checks; ignored errors become warnings")
    func preflightJSON() throws {
        let node = try scratchNode()
        // A bootstrap directory without manifest.json: that preflight error is ignored below.
        try FileManager.default.removeItem(atPath: node.directory.path + "/serve/manifest.json")
        // stdout only: the log lines go to stderr.
        let result = try InstallerRenderTests.run(
            [
                "bash", "-c",
                "bash \"$1\" --preflight-only --json --ignore-preflight-errors=bootstrap-url slave 2>/dev/null",
                "sh", node.script,
            ],
            environment: ["DCOS_INSTALL_ROOT": node.root]
        )
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1, "stdout must hold only the JSON object: \(result.output)")
        let outcome = try jsonOutcome(result.output)
        #expect(outcome["action"] as? String == "preflight")
        #expect(outcome["role"] as? String == "slave")
        let checks = try #require(outcome["checks"] as? [[String: String]])
        let names = checks.compactMap { $0["name"] }
        for name in [
            "root", "existing-install", "commands", "systemd", "selinux", "ports", "cpu", "memory", "disk",
            "resources-recommended", "clock", "detect-ip", "hostname", "bootstrap-url", "manifest",
        ] {
            #expect(names.contains(name), "no check named \(name)")
        }
        for check in checks {
            #expect(Set(check.keys) == ["name", "severity", "status", "detail"])
            #expect(["error", "warning"].contains(check["severity"] ?? ""))
            #expect(["pass", "fail", "skip"].contains(check["status"] ?? ""))
        }
        // A file:// bootstrap directory answers; the port list is the agent's, not the master's.
        let ports = try #require(checks.first { $0["name"] == "ports" })
        #expect(ports["detail"]?.contains("5051") == true)
        #expect(ports["detail"]?.contains("2181") == false)
        // The file:// bootstrap directory has no manifest.json: that error is ignored, so it is a warning.
        let bootstrap = try #require(checks.first { $0["name"] == "bootstrap-url" })
        #expect(bootstrap["status"] == "fail")
        #expect(bootstrap["severity"] == "warning")
        #expect(bootstrap["detail"]?.hasPrefix("ignored (--ignore-preflight-errors): cannot fetch") == true)
        #expect(checks.first { $0["name"] == "manifest" }?["status"] == "skip")
        let failedErrors = checks.filter { $0["status"] == "fail" && $0["severity"] == "error" }
        #expect((result.status == 0) == failedErrors.isEmpty, "exit \(result.status) with \(failedErrors)")
    }
}
