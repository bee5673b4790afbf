import Foundation
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Waits (at most `limit`) until `condition` holds; false when it never did.
private func waitUntil(_ limit: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return true
}

/// This machine's name, as gethostname(2) gives it (what the action lock records).
private func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

@Suite("One SSH action at a time per genconf directory", .serialized, .stopsProcesses)
struct ActionLockTests {
    @Test func secondActionIsRefusedWhileADeployRuns() async throws {
        let cluster = try await FakeCluster()
        try cluster.tell(FakeCluster.master, "sleep", "30")
        let logs = cluster.workspace.root
        let first = try spawnProcess(
            Repo.binary,
            ["--deploy", "--json", "--genconf-dir", cluster.workspace.genconf, "--templates-dir", Repo.templates],
            environment: ["DCOS_INSTALL_REMOTE_DIR": cluster.remote],
            stdout: logs + "/first.out",
            stderr: logs + "/first.err"
        )
        let started = await waitUntil { cluster.time(FakeCluster.master, "install-start") != nil }
        try #require(started, "the first deploy never reached the master: \(logTail(logs + "/first.err"))")
        let state = cluster.workspace.genconf + "/state"
        let runs = try FileManager.default.contentsOfDirectory(atPath: state)
        try #require(runs.count == 1, "\(runs)")
        let runID = runs[0]

        // Every other action, and --exec, and a --resume, is refused while the deploy runs.
        let marker = cluster.workspace.root + "/exec-ran"
        for arguments in [
            ["--deploy"], ["--deploy", "--resume"], ["--preflight", "--hosts", "127.0.0.2"],
            ["--exec", "touch \(marker)"],
        ] {
            let refused = try cluster.run(arguments)
            #expect(refused.status == 1, "\(arguments): \(refused.stderr)")
            #expect(
                refused.stderr.contains(
                    "Another dcos_generate_config --deploy is running on \(cluster.workspace.genconf) (run \(runID), PID \(first), started "
                ),
                "\(arguments): \(refused.stderr)"
            )
            #expect(refused.stderr.contains("Nothing was changed."))
        }
        // Nothing was touched: no new run record, no command on any host.
        #expect(try FileManager.default.contentsOfDirectory(atPath: state) == [runID])
        #expect(cluster.events("127.0.0.2").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(cluster.events(FakeCluster.master).filter { $0.0 == "install-start" }.count == 1)
        // A dry run contacts no host and writes no record, so it is not refused.
        let dryRun = try cluster.run(["--deploy", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.stderr)")

        // Ctrl-C the first; its lock goes with it, and --resume finishes the job.
        kill(first, SIGINT)
        #expect(await waitForProcessExit(first) == 130)
        cluster.forget(FakeCluster.master, "sleep")
        let resumed = try cluster.run(["--deploy", "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try jsonObject(resumed.stdout)["resumed_from"] as? String == runID)
        #expect(!FileManager.default.fileExists(atPath: cluster.workspace.genconf + "/.action.lock.json"))
    }

    @Test func lockOfAKilledProcessDoesNotBlock() async throws {
        let cluster = try await FakeCluster("master_list: [127.0.0.1]\nagent_list: []\npublic_agent_list: []")
        let lock = cluster.workspace.genconf + "/.action.lock"
        let holderFile = cluster.workspace.genconf + "/.action.lock.json"
        let ready = cluster.workspace.root + "/holder.out"
        // A process that holds flock on the lock file itself (no child holds it), as a run would.
        let holder = try spawnProcess(
            "/bin/sh",
            ["-c", "exec 9>>'\(lock)'; /usr/bin/flock 9; echo locked; exec sleep 600"],
            stdout: ready
        )
        let locked = await waitUntil(.seconds(10)) {
            (try? String(contentsOfFile: ready, encoding: .utf8))?.hasPrefix("locked") == true
        }
        try #require(locked, "the lock holder never took the lock")
        try cluster.workspace.write(
            "{\"action\":\"deploy\",\"host\":\"\(hostName())\",\"pid\":\(holder),\"run_id\":\"20200101T000000Z-gone\",\"started_at\":\"2020-01-01T00:00:00.000Z\"}\n",
            to: holderFile
        )
        let refused = try cluster.run(["--deploy"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "Another dcos_generate_config --deploy is running on \(cluster.workspace.genconf) (run 20200101T000000Z-gone, PID \(holder), started 2020-01-01T00:00:00.000Z)."
            ),
            "\(refused.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: cluster.workspace.genconf + "/state"))

        // SIGKILL: the kernel drops its flock; the lock file and the holder file naming it stay behind.
        kill(holder, SIGKILL)
        #expect(await waitForProcessExit(holder) == 128 + SIGKILL)
        #expect(FileManager.default.fileExists(atPath: lock))
        #expect(FileManager.default.fileExists(atPath: holderFile))
        let deployed = try cluster.run(["--deploy", "--json"])
        #expect(deployed.status == 0, "\(deployed.stderr)")
        let runID = try #require(try jsonObject(deployed.stdout)["run_id"] as? String)
        #expect(runID != "20200101T000000Z-gone")
        #expect(!FileManager.default.fileExists(atPath: holderFile), "the holder file outlived the run")
    }
}
