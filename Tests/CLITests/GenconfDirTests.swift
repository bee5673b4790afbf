import Foundation
import InstallerTestSupport
import Testing

@Suite("Command line: --genconf-dir and relative paths")
struct GenconfDirTests {
    @Test func relativeGenconfDirResolvesAgainstTheWorkingDirectory() throws {
        let workspace = try Workspace()
        let result = try runCLI(["--genconf-dir", "genconf"], directory: workspace.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/manifest.json"))
    }

    @Test func defaultGenconfDirIsGenconfInTheWorkingDirectory() throws {
        let workspace = try Workspace()
        let result = try runCLI([], directory: workspace.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/manifest.json"))
    }

    @Test(arguments: [".", "./", "../genconf"])
    func genconfDirGivenFromInsideIt(argument: String) throws {
        let workspace = try Workspace()
        let result = try runCLI(["--genconf-dir", argument], directory: workspace.genconf)
        #expect(result.status == 0, "\(argument): \(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/manifest.json"))
    }

    /// `ip_detect_filename: genconf/ip-detect` resolves against the directory holding the genconf
    /// directory, not against the working directory.
    @Test func configPathsResolveAgainstTheParentOfTheGenconfDir() throws {
        let workspace = try Workspace()
        let site = workspace.root + "/site"
        let elsewhere = workspace.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: elsewhere + "/genconf", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: workspace.genconf, toPath: site + "/genconf")

        let fromElsewhere = try runCLI(["--genconf-dir", "../site/genconf"], directory: elsewhere)
        #expect(fromElsewhere.status == 0, "\(fromElsewhere.stderr)")
        #expect(FileManager.default.fileExists(atPath: site + "/genconf/serve/manifest.json"))

        // With the script only beside the working directory, the run must not find it.
        try FileManager.default.moveItem(atPath: site + "/genconf/ip-detect", toPath: elsewhere + "/genconf/ip-detect")
        let missing = try runCLI(
            ["--validate-config", "--json", "--genconf-dir", "../site/genconf"],
            directory: elsewhere
        )
        #expect(missing.status == 1)
        let object = try jsonObject(missing.stdout)
        let errors = try #require(object["errors"] as? [[String: Any]])
        #expect(errors.contains { $0["key"] as? String == "ip_detect_filename" })
    }

    @Test func ipDetectChangeGivesNewConfigID() throws {
        let workspace = try Workspace()
        let first = try jsonObject(try runCLI(["--json", "--genconf-dir", workspace.genconf]).stdout)
        let again = try jsonObject(try runCLI(["--json", "--genconf-dir", workspace.genconf]).stdout)
        let script = try String(contentsOfFile: workspace.genconf + "/ip-detect", encoding: .utf8)
        try workspace.write(script + "# changed\n", to: workspace.genconf + "/ip-detect")
        let changed = try jsonObject(try runCLI(["--json", "--genconf-dir", workspace.genconf]).stdout)
        let id = try #require(first["config_id"] as? String)
        #expect(again["config_id"] as? String == id)
        #expect(changed["config_id"] as? String != id)
    }
}

@Suite("Command line: serve/ is replaced atomically")
struct AtomicCLITests {
    @Test func unwritableGenconfDirLeavesServeUntouched() throws {
        let workspace = try Workspace()
        #expect(try runCLI(["--genconf-dir", workspace.genconf]).status == 0)
        let before = try workspace.digests(workspace.serve)
        let lock = workspace.genconf + "/.genconf.lock"
        // Make a config change so that a successful run would alter serve/.
        try workspace.appendConfig("master_dns_bindall: false\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: workspace.genconf)
        var arguments = ["--genconf-dir", workspace.genconf, "--templates-dir", Repo.templates]
        let result: ProcessOutput
        if getuid() == 0 {
            // root ignores permissions: run as nobody, who may take the lock but not write beside it.
            try FileManager.default.setAttributes(
                [.ownerAccountID: 65534, .groupOwnerAccountID: 65534],
                ofItemAtPath: lock
            )
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", Repo.binary] + arguments
            result = try runProcess("/usr/bin/setpriv", arguments)
        } else {
            result = try runProcess(Repo.binary, arguments)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: workspace.genconf)
        #expect(result.status == 1, "\(result.combined)")
        #expect(result.stderr.contains("error:"))
        #expect(result.stderr.contains(workspace.genconf))
        #expect(try workspace.digests(workspace.serve) == before)
        #expect(try workspace.entries(workspace.genconf).allSatisfy { !$0.hasPrefix("serve.tmp-") })
    }

    @Test func concurrentRunFailsClearlyWhileTheLockIsHeld() throws {
        let workspace = try Workspace()
        #expect(try runCLI(["--genconf-dir", workspace.genconf]).status == 0)
        let before = try workspace.digests(workspace.serve)
        try workspace.appendConfig("master_dns_bindall: false\n")
        let holder = try LockHolder(path: workspace.genconf + "/.genconf.lock")
        let busy = try runCLI(["--genconf-dir", workspace.genconf])
        holder.release()
        #expect(busy.status == 1)
        #expect(busy.stderr.contains(".genconf.lock"))
        #expect(busy.stdout.isEmpty)
        #expect(try workspace.digests(workspace.serve) == before)
        #expect(try workspace.entries(workspace.genconf).allSatisfy { !$0.hasPrefix("serve.tmp-") })

        let after = try runCLI(["--genconf-dir", workspace.genconf])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try workspace.digests(workspace.serve) != before)
    }

    @Test func invalidConfigLeavesServeUntouched() throws {
        let workspace = try Workspace()
        #expect(try runCLI(["--genconf-dir", workspace.genconf]).status == 0)
        let before = try workspace.digests(workspace.serve)
        try workspace.appendConfig("master_dns_bindall: sometimes\n")
        let result = try runCLI(["--genconf-dir", workspace.genconf])
        #expect(result.status == 1)
        #expect(try workspace.digests(workspace.serve) == before)
        #expect(try workspace.entries(workspace.genconf).allSatisfy { !$0.hasPrefix("serve.tmp-") })
    }

    @Test func simultaneousRunsLeaveOneConsistentServeDirectory() throws {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var outputs: [ProcessOutput] = []
            func add(_ output: ProcessOutput) {
                lock.lock()
                outputs.append(output)
                lock.unlock()
            }
        }
        let workspace = try Workspace()
        let genconf = workspace.genconf
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            if let output = try? runCLI(["--genconf", "--genconf-dir", genconf]) { results.add(output) }
        }
        #expect(results.outputs.count == 3)
        #expect(results.outputs.contains { $0.status == 0 })
        for output in results.outputs where output.status != 0 {
            #expect(output.status == 1)
            #expect(output.stderr.contains(".genconf.lock"))
        }
        let manifestData = try Data(contentsOf: URL(fileURLWithPath: workspace.serve + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        let files = try #require(manifest["files"] as? [String: [String: Any]])
        var onDisk = try workspace.digests(workspace.serve)
        for name in ["manifest.json", "manifest.json.sig", "manifest-signing.pub"] { onDisk.removeValue(forKey: name) }
        // The configuration's own generation: the same manifest, signature and installer as at the top.
        let generation = try #require(manifest["config_id"] as? String)
        let top = try workspace.digests(workspace.serve)
        for name in ["manifest.json", "manifest.json.sig", "dcos_install.sh"] {
            #expect(onDisk.removeValue(forKey: "generations/\(generation)/\(name)") == top[name], "\(name)")
        }
        #expect(Set(files.keys) == Set(onDisk.keys))
        for (path, digest) in onDisk { #expect(files[path]?["sha256"] as? String == digest) }
        #expect(try workspace.entries(workspace.genconf).allSatisfy { !$0.hasPrefix("serve.tmp-") })
    }
}
