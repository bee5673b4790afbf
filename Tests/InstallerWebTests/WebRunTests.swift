import Foundation
import InstallerActions
import InstallerConfig
import InstallerTestSupport
import Testing

@testable import InstallerWeb

/// Run records written by the real RunRecorder, as an action run writes them, read through the API.
@Suite("Web installer API: run records, the running action, Server-Sent Events", .stopsProcesses)
struct WebRunTests {
    /// A deploy run's first events: run-start with two hosts, the master running its install.
    static func startDeploy(_ stateDirectory: String, runID: String) throws -> RunRecorder {
        guard case .success(let recorder) = RunRecorder.create(stateDirectory: stateDirectory, runID: runID) else {
            throw WebTestFailure("cannot create the run record")
        }
        recorder.journal(
            "run-start",
            [
                "action": .string("deploy"), "run_id": .string(runID), "config_id": .string("cfg1"),
                "resumed_from": .null, "hosts": .array([.string("198.18.0.11"), .string("198.18.0.21")]),
                "roles": .object(["198.18.0.11": .string("master"), "198.18.0.21": .string("slave")]),
            ]
        )
        recorder.journal(
            "host-start",
            ["host": .string("198.18.0.11"), "role": .string("master"), "phase": .string("install")]
        )
        recorder.journal("step-start", ["host": .string("198.18.0.11"), "step": .string("upload")])
        recorder.journal(
            "step-finish",
            [
                "host": .string("198.18.0.11"), "step": .string("upload"), "result": .string("ok"),
                "duration_ms": .int(5),
            ]
        )
        recorder.journal("step-start", ["host": .string("198.18.0.11"), "step": .string("install")])
        return recorder
    }

    static func finish(_ recorder: RunRecorder) {
        for (host, role, status) in [("198.18.0.11", "master", "ok"), ("198.18.0.21", "slave", "failed")] {
            recorder.journal(
                "host-finish",
                [
                    "host": .string(host), "role": .string(role), "phase": .string("install"),
                    "status": .string(status), "error_class": status == "ok" ? .null : .string("node_preflight"),
                    "config_id": .string("cfg1"), "bundle_sha256": .string(""),
                ]
            )
        }
        recorder.journal("run-finish", ["result": .string("failed"), "exit_code": .int(3)])
    }

    @Test("GET /action/<name>: {} before any run, then DC/OS's state shape with the journal's view")
    func actionState() async throws {
        let workspace = try Workspace()
        let state = workspace.genconf + "/state"
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let none = try await client.request("GET", "/api/v1/action/deploy")
            #expect(none.status == 200)
            #expect(none.object.isEmpty)
            let current = try await client.request("GET", "/api/v1/action/current")
            #expect(current.object["current_action"] as? String == "")

            let recorder = try Self.startDeploy(state, runID: "20261206T120000Z-abcd")
            await recorder.flush()
            let running = try await client.request("GET", "/api/v1/action/deploy")
            #expect(running.object["chain_name"] as? String == "deploy")
            #expect(running.object["total_hosts"] as? Int == 2)
            #expect(running.object["total_masters"] as? Int == 1)
            #expect(running.object["total_agents"] as? Int == 1)
            let hosts = try #require(running.object["hosts"] as? [String: [String: Any]])
            #expect(hosts["198.18.0.11"]?["host_status"] as? String == "running")
            #expect(hosts["198.18.0.21"]?["host_status"] as? String == "unstarted")
            #expect(
                (hosts["198.18.0.21"]?["tags"] as? [String: String]) == [
                    "role": "agent", "dcos_install_param": "slave",
                ]
            )
            let run = try #require(running.object["run"] as? [String: Any])
            #expect(run["finished"] as? Bool == false)
            let rows = try #require(run["hosts"] as? [[String: Any]])
            #expect(rows.first?["step"] as? String == "install")

            Self.finish(recorder)
            await recorder.flush()
            let done = try await client.request("GET", "/api/v1/action/deploy")
            let finished = try #require(done.object["hosts"] as? [String: [String: Any]])
            #expect(finished["198.18.0.11"]?["host_status"] as? String == "success")
            #expect(finished["198.18.0.21"]?["host_status"] as? String == "failed")
            #expect((done.object["run"] as? [String: Any])?["result"] as? String == "failed")
            #expect(try await client.request("GET", "/api/v1/action/preflight").object.isEmpty, "only deploy ran")
            #expect(
                try await client.request("GET", "/api/v1/action/current").object["current_action"] as? String
                    == "deploy"
            )

            let byID = try await client.request("GET", "/api/v1/action/deploy?run=20261206T120000Z-abcd")
            #expect(byID.status == 200)
            for bad in ["..%2F..%2Fetc", "nope", "20261206T120000Z-abcd%2F..", String(repeating: "a", count: 65)] {
                #expect(try await client.request("GET", "/api/v1/action/deploy?run=\(bad)").status == 404, "\(bad)")
            }
            #expect(try await client.request("GET", "/api/v1/action/preflight?run=20261206T120000Z-abcd").status == 404)
        }
    }

    @Test("GET /action/current names the action another process is running, from the action lock")
    func currentFromLock() async throws {
        let workspace = try Workspace()
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let holder = ActionLock.Holder.current(action: "postflight", runID: "20261206T130000Z-wxyz")
            let locked = await ActionLock.withLock(genconfDirectory: workspace.genconf, holder: holder) {
                (try? await client.request("GET", "/api/v1/action/current"))?.object ?? [:]
            }
            guard case .success(let object) = locked else {
                Issue.record("could not take the action lock")
                return
            }
            #expect(object["current_action"] as? String == "postflight")
            #expect(object["running"] as? Bool == true)
            #expect(object["run_id"] as? String == "20261206T130000Z-wxyz")
            #expect((object["holder"] as? [String: Any])?["pid"] as? Int == Int(getpid()))
        }
    }

    @Test("events: progress as the journal grows, then end; a finished run streams once and ends")
    func events() async throws {
        let workspace = try Workspace()
        let state = workspace.genconf + "/state"
        var limits = WebLimits()
        limits.journalPoll = .milliseconds(50)
        try await withWebServer(genconf: workspace.genconf, limits: limits) { anonymous in
            let client = try await anonymous.loggedIn()
            #expect(try await client.request("GET", "/api/v1/action/deploy/events").status == 404)
            let recorder = try Self.startDeploy(state, runID: "20261206T140000Z-evts")
            await recorder.flush()
            // curl follows the stream in the background while the run goes on.
            let output = try await withThrowingTaskGroup(of: SpawnedOutput?.self) { group in
                group.addTask {
                    try await runOffThePool(
                        "/usr/bin/curl",
                        [
                            "-sS", "-N", "--max-time", "20", "-H",
                            "Cookie: \(WebSessions.cookieName)=\(client.cookie ?? "")",
                            client.base + "/api/v1/action/deploy/events",
                        ]
                    )
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(600))
                    Self.finish(recorder)
                    await recorder.flush()
                    return nil
                }
                var result: SpawnedOutput?
                for try await value in group { if let value { result = value } }
                return result
            }
            let stream = try #require(output)
            #expect(stream.status == 0, "\(stream.stderr)")
            let events = stream.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.first?.hasPrefix("event: progress\ndata: ") == true, "\(stream.stdout.prefix(300))")
            #expect(events.last == "event: end\ndata: {}")
            let last = try #require(events.dropLast().last?.components(separatedBy: "data: ").last)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            #expect((object["run"] as? [String: Any])?["finished"] as? Bool == true)
            #expect(
                ((object["hosts"] as? [String: Any])?["198.18.0.21"] as? [String: Any])?["host_status"] as? String
                    == "failed"
            )
            // The first event showed the run still going.
            #expect(events.first?.contains("\"running\"") == true)

            let again = try await runOffThePool(
                "/usr/bin/curl",
                [
                    "-sS", "-N", "--max-time", "10", "-H", "Cookie: \(WebSessions.cookieName)=\(client.cookie ?? "")",
                    client.base + "/api/v1/action/deploy/events",
                ]
            )
            #expect(again.status == 0)
            #expect(again.stdout.components(separatedBy: "event: progress").count == 2, "one progress event")
            #expect(again.stdout.hasSuffix("event: end\ndata: {}\n\n"))
        }
    }

    @Test("events for a run id just started wait for its journal; one that never begins ends the stream")
    func eventsOfARunNotBegunYet() async throws {
        let workspace = try Workspace()
        let state = workspace.genconf + "/state"
        var limits = WebLimits()
        limits.journalPoll = .milliseconds(50)
        limits.runAppearance = .seconds(5)
        try await withWebServer(genconf: workspace.genconf, limits: limits) { anonymous in
            let client = try await anonymous.loggedIn()
            let cookie = "Cookie: \(WebSessions.cookieName)=\(client.cookie ?? "")"
            // curl runs on its own (posix_spawn), not on a cooperative thread, while the run begins.
            let out = workspace.root + "/events.txt"
            let curl = try spawnProcess(
                "/usr/bin/curl",
                [
                    "-sS", "-N", "--max-time", "20", "-H", cookie,
                    client.base + "/api/v1/action/deploy/events?run=20261206T170000Z-late",
                ],
                stdout: out
            )
            try await Task.sleep(for: .milliseconds(500))
            let recorder = try Self.startDeploy(state, runID: "20261206T170000Z-late")
            Self.finish(recorder)
            await recorder.flush()
            #expect(await waitForProcessExit(curl) == 0)
            let stream = try String(contentsOfFile: out, encoding: .utf8)
            #expect(stream.contains("20261206T170000Z-late"))
            #expect(stream.hasSuffix("event: end\ndata: {}\n\n"), "\(stream.suffix(200))")

            let never = try await runOffThePool(
                "/usr/bin/curl",
                [
                    "-sS", "-N", "--max-time", "20", "-H", cookie,
                    client.base + "/api/v1/action/deploy/events?run=20261206T180000Z-none",
                ]
            )
            #expect(
                never.stdout.hasSuffix("event: end\ndata: {\"error\": \"the run did not begin\"}\n\n"),
                "\(never.stdout)"
            )
        }
    }

    @Test("RunFollower reads a journal in bounded chunks and keeps a line cut between two reads")
    func followerChunks() async throws {
        let workspace = try Workspace()
        let state = workspace.genconf + "/state"
        let recorder = try Self.startDeploy(state, runID: "20261206T150000Z-chnk")
        Self.finish(recorder)
        await recorder.flush()
        var follower = RunFollower(runDirectory: state + "/20261206T150000Z-chnk", chunk: 37)
        var polls = 0
        while follower.progress?.isFinished != true && polls < 10_000 {
            _ = follower.poll()
            polls += 1
        }
        let whole = try #require(RunProgress.load(runDirectory: state + "/20261206T150000Z-chnk"))
        #expect(follower.progress == whole)
        #expect(polls > 10)
        #expect(whole.hosts.map(\.status) == ["ok", "failed"])
    }
}

@Suite("Web installer: the run records download")
struct WebLogsTests {
    @Test("GET /logs: the newest run of each action, host logs included, secrets and private keys redacted")
    func logs() async throws {
        let workspace = try Workspace()
        let secret = "$6$rounds=656000$VERY-SECRET-HASH"
        try workspace.appendConfig("superuser_password_hash: '\(secret)'\n")
        let state = workspace.genconf + "/state"
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            #expect(try await client.request("GET", "/api/v1/logs").status == 404)
            let recorder = try WebRunTests.startDeploy(state, runID: "20261206T160000Z-logs")
            recorder.log(
                "198.18.0.11",
                "hash \(secret)\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\nafter"
            )
            WebRunTests.finish(recorder)
            await recorder.flush()
            let logs = try await client.request("GET", "/api/v1/logs")
            #expect(logs.status == 200)
            #expect(logs.headers["content-disposition"] == "attachment; filename=\"complete.log\"")
            #expect(logs.body.contains("===== deploy run 20261206T160000Z-logs (failed) ====="))
            #expect(logs.body.contains("----- hosts/198.18.0.11.log"))
            #expect(logs.body.contains("after"))
            #expect(!logs.body.contains("VERY-SECRET-HASH"))
            #expect(!logs.body.contains("AAAA"))
            #expect(logs.body.contains("[redacted private key]"))
        }
    }
}
