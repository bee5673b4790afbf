import Foundation
import InstallerGenconf
import InstallerRender
import InstallerTestSupport
import Testing

@Suite("serve/: manifest.json and dcos_install.sh")
struct ServeTests {
    @Test func manifestDescribesEveryOtherFile() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        let manifest = try workspace.manifest()
        let files = try #require(manifest["files"] as? [String: [String: Any]])
        var onDisk = try workspace.digests(workspace.serve)
        #expect(onDisk.removeValue(forKey: "manifest.json") != nil)
        // The signature of the manifest, and the key that checks it, are beside it, not in it.
        #expect(onDisk.removeValue(forKey: "manifest.json.sig") != nil)
        #expect(onDisk.removeValue(forKey: "manifest-signing.pub") != nil)
        // The configuration as a generation of its own: the same manifest, signature and installer.
        let generation = "generations/\(result.configID)/"
        for name in ["manifest.json", "manifest.json.sig", "dcos_install.sh"] {
            let copy = onDisk.removeValue(forKey: generation + name)
            #expect(copy != nil, "\(generation + name)")
            let top = try workspace.digests(workspace.serve)[name]
            #expect(copy == top, "\(name)")
        }
        #expect(Set(files.keys) == Set(onDisk.keys))
        for (path, digest) in onDisk {
            let entry = try #require(files[path])
            #expect(entry["sha256"] as? String == digest, "\(path)")
            let size = try FileManager.default.attributesOfItem(atPath: workspace.serve + "/" + path)[.size] as? Int
            #expect(entry["size"] as? Int == size, "\(path)")
        }
        #expect(manifest["cluster_name"] as? String == "example-cluster")
        #expect(manifest["config_id"] as? String == result.configID)
        let roles = try #require(manifest["roles"] as? [String: [String: Any]])
        #expect(Set(roles.keys) == Set(Role.allCases.map(\.rawValue)))
        for bundle in result.bundles {
            #expect(roles[bundle.role.rawValue]?["bundle"] as? String == bundle.path)
            #expect(roles[bundle.role.rawValue]?["sha256"] as? String == bundle.sha256)
        }
    }

    @Test func installScriptEmbedsBootstrapURLAndBundleDigests() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        let path = workspace.serve + "/dcos_install.sh"
        let script = try String(contentsOfFile: path, encoding: .utf8)
        #expect(script.hasPrefix("#!"))
        #expect(script.contains("http://198.18.0.1:8080"))
        #expect(script.contains(result.configID))
        for bundle in result.bundles {
            #expect(script.contains(bundle.sha256), "\(bundle.role)")
            #expect(script.contains(bundle.path), "\(bundle.role)")
        }
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o755)
        #expect(sha256Hex(try Data(contentsOf: URL(fileURLWithPath: path))) == result.installScriptSHA256)
        let syntax = try runProcess("/bin/bash", ["-n", path])
        #expect(syntax.status == 0, "\(syntax.stderr)")
    }

    @Test func bootstrapURLChangeReachesTheScript() async throws {
        let workspace = try Workspace()
        try workspace.replaceInConfig(
            "bootstrap_url: http://198.18.0.1:8080",
            with: "bootstrap_url: http://198.18.0.2:9090"
        )
        _ = try await generate(workspace)
        let script = try String(contentsOfFile: workspace.serve + "/dcos_install.sh", encoding: .utf8)
        #expect(script.contains("http://198.18.0.2:9090"))
        #expect(!script.contains("http://198.18.0.1:8080"))
        #expect(try workspace.manifest()["bootstrap_url"] as? String == "http://198.18.0.2:9090")
    }
}

@Suite("Optional packages in genconf/packages/")
struct PackageTests {
    func addPackages(_ names: [String: String], to workspace: Workspace) throws {
        try FileManager.default.createDirectory(
            atPath: workspace.genconf + "/packages",
            withIntermediateDirectories: true
        )
        for (name, text) in names { try workspace.write(text, to: workspace.genconf + "/packages/" + name) }
    }

    func inode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
    }

    @Test func packagesAreLinkedAndReferencedByTheirRoles() async throws {
        let workspace = try Workspace()
        try addPackages(
            ["mesos--1.5.0.tar.gz": "mesos bits\n", "marathon--1.6.322.tgz": "marathon bits\n"],
            to: workspace
        )
        let result = try await generate(workspace)
        #expect(result.packageWarnings.isEmpty)
        #expect(result.packages.map(\.name).sorted() == ["marathon", "mesos"])
        for name in ["mesos--1.5.0.tar.gz", "marathon--1.6.322.tgz"] {
            let source = workspace.genconf + "/packages/" + name
            let served = workspace.serve + "/packages/" + name
            #expect(try inode(source) == inode(served), "\(name) is not a hard link")
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: served)) == Data(contentsOf: URL(fileURLWithPath: source))
            )
        }
        let mesosDigest = sha256Hex(Array("mesos bits\n".utf8))
        let marathonDigest = sha256Hex(Array("marathon bits\n".utf8))
        let bundles = try workspace.bundles(result)
        let masterList = try #require(bundles[.master]?.text("packages.list"))
        #expect(masterList.contains("\(mesosDigest) packages/mesos--1.5.0.tar.gz\n"))
        #expect(masterList.contains("\(marathonDigest) packages/marathon--1.6.322.tgz\n"))
        for role in [Role.slave, .slave_public] {
            let list = try #require(bundles[role]?.text("packages.list"))
            #expect(list == "\(mesosDigest) packages/mesos--1.5.0.tar.gz\n", "\(role)")
        }

        let manifest = try workspace.manifest()
        let roles = try #require(manifest["roles"] as? [String: [String: Any]])
        #expect(
            Set(roles["master"]?["packages"] as? [String] ?? []) == [
                "packages/mesos--1.5.0.tar.gz", "packages/marathon--1.6.322.tgz",
            ]
        )
        #expect(roles["slave"]?["packages"] as? [String] == ["packages/mesos--1.5.0.tar.gz"])
        let files = try #require(manifest["files"] as? [String: [String: Any]])
        #expect(files["packages/mesos--1.5.0.tar.gz"]?["sha256"] as? String == mesosDigest)
        #expect(files["packages/mesos--1.5.0.tar.gz"]?["size"] as? Int == "mesos bits\n".utf8.count)
    }

    @Test func packageChangeChangesTheBundlesThatUseIt() async throws {
        let workspace = try Workspace()
        try addPackages(["marathon--1.6.tgz": "one\n"], to: workspace)
        let before = try await generate(workspace)
        try FileManager.default.removeItem(atPath: workspace.genconf + "/packages/marathon--1.6.tgz")
        try addPackages(["marathon--1.6.tgz": "two\n"], to: workspace)
        let after = try await generate(workspace)
        let old = Dictionary(uniqueKeysWithValues: before.bundles.map { ($0.role, $0.sha256) })
        for bundle in after.bundles {
            if bundle.role == .master {
                #expect(old[bundle.role] != bundle.sha256)
            } else {
                #expect(old[bundle.role] == bundle.sha256)
            }
        }
    }

    @Test(arguments: [
        ["mesos--1.5.0.tar.gz", "mesos--1.6.0.tar.gz"],
        ["mesos.tgz", "mesos--1.5.0.tar.gz"],
        ["marathon--1.tar", "marathon--2.tar.xz"],
    ])
    func twoFilesForOnePackageIsAnError(files: [String]) async throws {
        let workspace = try Workspace()
        _ = try await generate(workspace)
        let before = try workspace.digests(workspace.serve)
        try addPackages(Dictionary(uniqueKeysWithValues: files.map { ($0, "bits of \($0)\n") }), to: workspace)
        let error = try #require(await generateFailure(workspace))
        guard case .packages(let problems) = error else {
            Issue.record("expected a package error, got \(error)")
            return
        }
        #expect(problems.count == 1)
        for file in files { #expect(problems[0].contains(file)) }
        #expect(try workspace.digests(workspace.serve) == before)
    }

    @Test func undeclaredPackageIsServedWithAWarning() async throws {
        let workspace = try Workspace()
        try addPackages(["extra-tool--2.0.tar.gz": "extra\n"], to: workspace)
        let result = try await generate(workspace)
        #expect(result.packageWarnings.count == 1)
        #expect(result.packageWarnings.first?.contains("extra-tool") == true)
        let package = try #require(result.packages.first { $0.name == "extra-tool" })
        #expect(package.roles.isEmpty)
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/packages/extra-tool--2.0.tar.gz"))
        for (role, bundle) in try workspace.bundles(result) {
            #expect(bundle.text("packages.list") == "", "\(role)")
        }
    }
}

@Suite("Packages given as symbolic links")
struct PackageLinkTests {
    @Test func symlinkedPackageIsServedAsTheFileItPointsTo() async throws {
        let workspace = try Workspace()
        let downloads = workspace.root + "/downloads"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: workspace.genconf + "/packages",
            withIntermediateDirectories: true
        )
        try workspace.write("mesos bits\n", to: downloads + "/mesos.tar.gz")
        try FileManager.default.createSymbolicLink(
            atPath: workspace.genconf + "/packages/mesos--1.5.0.tar.gz",
            withDestinationPath: "../../downloads/mesos.tar.gz"
        )
        let result = try await generate(workspace)
        let served = workspace.serve + "/packages/mesos--1.5.0.tar.gz"
        let type = try FileManager.default.attributesOfItem(atPath: served)[.type] as? FileAttributeType
        #expect(type == .typeRegular)
        #expect(try Data(contentsOf: URL(fileURLWithPath: served)) == Data("mesos bits\n".utf8))
        #expect(result.packages.first?.sha256 == sha256Hex(Array("mesos bits\n".utf8)))
    }

    @Test func nonTarballFilesAreIgnoredWithAWarning() async throws {
        let workspace = try Workspace()
        try FileManager.default.createDirectory(
            atPath: workspace.genconf + "/packages",
            withIntermediateDirectories: true
        )
        try workspace.write("notes\n", to: workspace.genconf + "/packages/README.txt")
        let result = try await generate(workspace)
        #expect(result.packages.isEmpty)
        #expect(result.packageWarnings.contains { $0.contains("README.txt") })
        #expect(!FileManager.default.fileExists(atPath: workspace.serve + "/packages/README.txt"))
    }

    @Test func packagesPathThatIsAFileIsAnError() async throws {
        let workspace = try Workspace()
        try workspace.write("not a directory\n", to: workspace.genconf + "/packages")
        let error = try #require(await generateFailure(workspace))
        guard case .packages(let problems) = error else {
            Issue.record("expected a package error, got \(error)")
            return
        }
        #expect(problems.first?.contains("must be a directory") == true)
        #expect(!FileManager.default.fileExists(atPath: workspace.serve))
    }
}
