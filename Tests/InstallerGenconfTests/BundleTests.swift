import Foundation
import InstallerArchive
import InstallerGenconf
import InstallerRender
import InstallerTestSupport
import Testing

@Suite("Role bundles: format, determinism, layout")
struct BundleTests {
    @Test func oneBundlePerRoleNamedByItsContent() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        #expect(Set(result.bundles.map(\.role)) == Set(Role.allCases))
        #expect(result.bundles.count == Role.allCases.count)
        let names = try workspace.entries(workspace.serve + "/bundles")
        #expect(names.count == Role.allCases.count)
        for bundle in result.bundles {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: workspace.serve + "/" + bundle.path))
            let digest = sha256Hex(bytes)
            #expect(bundle.sha256 == digest)
            #expect(bundle.size == bytes.count)
            #expect(bundle.path == "bundles/\(bundle.role.rawValue)--\(digest.prefix(16)).tar.gz")
        }
    }

    @Test func sameInputsGiveByteIdenticalServeDirectories() async throws {
        let first = try Workspace()
        let second = try Workspace()
        _ = try await generate(first)
        // The genconf directory's keys are part of its inputs (the public key is in dcos_install.sh, the
        // signature beside manifest.json): the same keys give the same bytes.
        try FileManager.default.copyItem(atPath: first.genconf + "/keys", toPath: second.genconf + "/keys")
        _ = try await generate(second)
        let digests = try first.digests(first.serve)
        #expect(digests.count >= Role.allCases.count + 4)
        #expect(try second.digests(second.serve) == digests)

        // Other keys: the same bundles, another signature.
        let third = try Workspace()
        _ = try await generate(third)
        let others = try third.digests(third.serve)
        #expect(others.filter { $0.key.hasPrefix("bundles/") } == digests.filter { $0.key.hasPrefix("bundles/") })
        #expect(others["manifest.json.sig"] != digests["manifest.json.sig"])

        // Again in the same directory: the same bytes, and nothing else left behind.
        _ = try await generate(first)
        #expect(try first.digests(first.serve) == digests)
        #expect(try first.entries(first.genconf).filter { $0.hasPrefix("serve") } == ["serve"])
    }

    @Test func gnuTarAndGzipReadEveryBundle() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        for bundle in result.bundles {
            let path = workspace.serve + "/" + bundle.path
            let gzipCheck = try runProcess("/bin/gzip", ["-t", path])
            #expect(gzipCheck.status == 0, "\(gzipCheck.stderr)")
            let listing = try runProcess("/bin/tar", ["-tvzf", path])
            #expect(listing.status == 0, "\(listing.stderr)")
            let lines = listing.stdout.split(separator: "\n")
            #expect(lines.count == (try ReadBundle(path: path)).members.count)
            for line in lines {
                #expect(line.contains(" root/root "), "\(line)")
                #expect(line.contains(" 1970-01-01 00:00 "), "\(line)")
            }
            let names = try runProcess("/bin/tar", ["-tzf", path])
            #expect(names.stdout.contains("bundle.json\n"))
            #expect(names.stdout.contains("install.list\n"))
        }
    }

    @Test func membersAreSortedOwnedByRootWithFixedTimes() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        for (role, bundle) in try workspace.bundles(result) {
            let paths = bundle.members.map(\.path)
            #expect(paths == paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "\(role)")
            #expect(Set(paths).count == paths.count)
            for member in bundle.members {
                #expect(member.modificationTime == 0, "\(member.path)")
                #expect(member.userID == 0 && member.groupID == 0, "\(member.path)")
            }
            // gzip header: magic, deflate, no name or comment, zero mtime.
            let header = Array(bundle.bytes.prefix(10))
            #expect(header[0] == 0x1f && header[1] == 0x8b && header[2] == 8)
            #expect(header[3] == 0, "no FNAME/FCOMMENT/FEXTRA flags")
            #expect(header[4..<8].allSatisfy { $0 == 0 }, "gzip mtime must be zero")
        }
        let headers = Set(try workspace.bundles(result).values.map { Array($0.bytes.prefix(10)) })
        #expect(headers.count == 1)
    }

    @Test func layoutListsMatchTheFiles() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        for (role, bundle) in try workspace.bundles(result) {
            for name in ["bundle.json", "install.list", "units.list", "packages.list"] {
                #expect(bundle.member(name)?.contents != nil, "\(role) lacks \(name)")
            }
            let files = bundle.files
            #expect(!files.isEmpty)
            let installList = try #require(bundle.text("install.list"))
            var listed: Set<String> = []
            for line in installList.split(separator: "\n") {
                let fields = line.split(separator: " ")
                try #require(fields.count == 3, "\(line)")
                let (mode, digest, path) = (String(fields[0]), String(fields[1]), String(fields[2]))
                #expect(path.hasPrefix("/"))
                let member = try #require(files[String(path.dropFirst())], "\(role): \(path) not in files/")
                #expect(sha256Hex(member.contents ?? []) == digest, "\(role): \(path)")
                #expect(UInt32(mode, radix: 8) == member.mode, "\(role): \(path) mode \(mode)")
                #expect(mode.count == 4)
                listed.insert(String(path.dropFirst()))
            }
            #expect(listed == Set(files.keys), "\(role): install.list and files/ differ")

            let metadata = try #require(
                try JSONSerialization.jsonObject(with: Data((bundle.member("bundle.json")?.contents)!))
                    as? [String: Any]
            )
            #expect(metadata["role"] as? String == role.rawValue)
            #expect(metadata["config_id"] as? String == result.configID)
            #expect(metadata["cluster_name"] as? String == "example-cluster")
            #expect((metadata["files"] as? [Any])?.count == files.count)

            let units = try #require(bundle.text("units.list"))
            #expect(!units.isEmpty, "\(role) starts no unit")
            for line in units.split(separator: "\n") {
                let fields = line.split(separator: " ")
                #expect(fields.count == 2 && ["start", "enable"].contains(fields[1]), "\(line)")
                #expect(
                    fields[0].hasSuffix(".service") || fields[0].hasSuffix(".timer") || fields[0].hasSuffix(".socket")
                )
            }
            #expect(bundle.text("packages.list") == "")
        }
    }

    @Test func roleFilesDiffer() async throws {
        let workspace = try Workspace()
        let bundles = try workspace.bundles(try await generate(workspace))
        let master = try #require(bundles[.master]).files
        let agent = try #require(bundles[.slave]).files
        let publicAgent = try #require(bundles[.slave_public]).files
        #expect(master.keys.contains("etc/mesosphere/roles/master"))
        #expect(agent.keys.contains("etc/mesosphere/roles/slave"))
        #expect(publicAgent.keys.contains("etc/mesosphere/roles/slave_public"))
        #expect(!agent.keys.contains("etc/mesosphere/roles/master"))
        let detect = try #require(master["opt/mesosphere/bin/detect_ip"])
        #expect(detect.mode == 0o755)
        let script = try String(contentsOfFile: Repo.exampleGenconf + "/ip-detect", encoding: .utf8)
        #expect(
            String(decoding: detect.contents ?? [], as: UTF8.self).contains(script.trimmingCharacters(in: .newlines))
        )
    }
}

@Suite("Changed inputs change the config id and the bundles")
struct ChangeTests {
    enum Change: String, CaseIterable {
        case ipDetectScript, dnsSearch, clusterName, masterList, nothing
    }

    func apply(_ change: Change, to workspace: Workspace) throws {
        switch change {
        case .ipDetectScript:
            let script = try String(contentsOfFile: workspace.genconf + "/ip-detect", encoding: .utf8)
            try workspace.write(script + "# a comment changes the script\n", to: workspace.genconf + "/ip-detect")
        case .dnsSearch: try workspace.replaceInConfig("dns_search: cluster.example", with: "dns_search: other.example")
        case .clusterName: try workspace.replaceInConfig("cluster_name: example-cluster", with: "cluster_name: other")
        case .masterList: try workspace.replaceInConfig("  - 198.18.0.13\n", with: "  - 198.18.0.14\n")
        case .nothing: try workspace.writeConfig(try String(contentsOfFile: workspace.config, encoding: .utf8))
        }
    }

    @Test(arguments: Change.allCases)
    func changeIsReflected(change: Change) async throws {
        let workspace = try Workspace()
        let before = try await generate(workspace)
        let serveBefore = try workspace.digests(workspace.serve)
        try apply(change, to: workspace)
        let after = try await generate(workspace)
        if change == .nothing {
            #expect(after.configID == before.configID)
            #expect(after.bundles.map(\.path) == before.bundles.map(\.path))
            #expect(try workspace.digests(workspace.serve) == serveBefore)
        } else {
            #expect(after.configID != before.configID, "\(change)")
            for (old, new) in zip(before.bundles, after.bundles) {
                #expect(old.role == new.role)
                #expect(old.sha256 != new.sha256, "\(change): \(new.role)")
                #expect(old.path != new.path)
            }
            #expect(try workspace.digests(workspace.serve) != serveBefore)
            // The earlier configuration's bundles stay (a kept generation) beside the new ones.
            #expect(try workspace.entries(workspace.serve + "/bundles").count == 2 * Role.allCases.count)
        }
    }
}
