import Foundation
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dcos_generate_config --web` as an operator runs it: the real binary, curl as the browser's HTTP
/// client, actions on a real sshd with the fake node installer. What the page starts is the CLI's own
/// action: the same lock, run record and resume.
@Suite("--web: actions from the API on a real sshd, shared with the CLI", .serialized, .stopsProcesses)
struct WebModeTests {
    /// The running `--web` process and the client state a browser keeps.
    struct WebProcess {
        let pid: pid_t
        let base: String
        var cookie = ""
        var csrf = ""

        static func start(_ cluster: FakeCluster) async throws -> WebProcess {
            let out = cluster.workspace.root + "/web.out"
            let pid = try spawnProcess(
                Repo.binary,
                [
                    "--web", "--bind", "127.0.0.1", "--port", "0", "--genconf-dir", cluster.workspace.genconf,
                    "--templates-dir", Repo.templates,
                ],
                environment: ["DCOS_INSTALL_REMOTE_DIR": cluster.remote, "USER": NSUserName()],
                stdout: out,
                stderr: cluster.workspace.root + "/web.err"
            )
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.contains("/login?token=") }),
                    let url = line.split(separator: " ").last
                {
                    let login = String(url)
                    let base = String(login[..<login.range(of: "/login")!.lowerBound])
                    var web = WebProcess(pid: pid, base: base)
                    let response = try await web.curl(["-i", login])
                    let cookie = try #require(
                        response.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }
                    )
                    web.cookie = String(cookie.split(separator: ";")[0].split(separator: " ").last!)
                    web.csrf = try #require(try await web.get("/api/v1/session")["csrf_token"] as? String)
                    return web
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let log = (try? String(contentsOfFile: cluster.workspace.root + "/web.err", encoding: .utf8)) ?? ""
            throw TestProcessError("--web printed no login URL within 30 s: \(log)")
        }

        func curl(_ arguments: [String]) async throws -> String {
            let output = try await runOffThePool("/usr/bin/curl", ["-sS", "--max-time", "60"] + arguments)
            guard output.status == 0 else { throw TestProcessError("curl failed: \(output.stderr)") }
            return output.stdout
        }

        func get(_ path: String) async throws -> [String: Any] {
            try jsonObject(await curl(["-H", "Cookie: \(cookie)", base + path]))
        }

        /// POST with the page's headers; (status, JSON body).
        func post(_ path: String, _ body: String = "{}") async throws -> (Int, [String: Any]) {
            let text = try await curl([
                "-w", "\n%{http_code}", "-X", "POST", "-H", "Cookie: \(cookie)", "-H", "X-CSRF-Token: \(csrf)",
                "-H", "Origin: \(base)", "-H", "Content-Type: application/json", "--data-binary", body, base + path,
            ])
            let status = Int(text.split(separator: "\n").last ?? "") ?? 0
            return (status, try jsonObject(String(text[..<text.lastIndex(of: "\n")!])))
        }

        /// The run's Server-Sent Events until its end.
        func follow(_ action: String) async throws -> String {
            try await curl(["-N", "-H", "Cookie: \(cookie)", base + "/api/v1/action/\(action)/events"])
        }
    }

    @Test("a deploy started from the API runs under the action lock, streams its progress and resumes from the CLI")
    func deployFromTheWeb() async throws {
        let cluster = try await FakeCluster("deploy_canary: 1\ndeploy_max_in_flight: 1")
        // Long enough that the busy checks below run while the deploy does, even on a loaded machine.
        try cluster.tell(FakeCluster.master, "sleep", "6")
        var web = try await WebProcess.start(cluster)
        defer { TestProcesses.stop(web.pid) }

        let (status, started) = try await web.post("/api/v1/action/deploy")
        #expect(status == 200, "\(started)")
        #expect(started["status"] as? String == "deploy started")
        let runID = try #require(started["run_id"] as? String)

        // While it runs, a second action (from the page or the CLI) is refused, naming the run.
        let (busyStatus, busy) = try await web.post("/api/v1/action/postflight")
        #expect(busyStatus == 409)
        #expect((busy["error"] as? String)?.contains("--deploy") == true, "\(busy)")
        #expect((busy["error"] as? String)?.contains(runID) == true, "\(busy)")
        let cli = try cluster.run(["--postflight"])
        #expect(cli.status == 1)
        #expect(cli.stderr.contains("run \(runID)"), "\(cli.stderr)")
        let current = try await web.get("/api/v1/action/current")
        #expect(current["current_action"] as? String == "deploy")
        #expect(current["running"] as? Bool == true)

        let events = try await web.follow("deploy")
        #expect(events.contains("event: progress"))
        #expect(events.hasSuffix("event: end\ndata: {}\n\n"), "\(events.suffix(300))")
        let state = try await web.get("/api/v1/action/deploy")
        let hosts = try #require(state["hosts"] as? [String: [String: Any]])
        #expect(hosts.count == FakeCluster.all.count)
        for host in FakeCluster.all { #expect(hosts[host]?["host_status"] as? String == "success", "\(host)") }
        #expect((state["run"] as? [String: Any])?["result"] as? String == "ok")
        // The run record is the CLI's: report.json, and the host logs through the API.
        let report = try jsonObject(
            String(contentsOfFile: cluster.workspace.genconf + "/state/\(runID)/report.json", encoding: .utf8)
        )
        #expect(report["result"] as? String == "ok")
        let log = try await web.curl([
            "-H", "Cookie: \(web.cookie)", web.base + "/api/v1/action/deploy/log?host=127.0.0.2",
        ])
        #expect(log.contains("--json slave"))

        // A deploy that ran is not run again without retry; with retry, only hosts not ok run (none here).
        let (_, again) = try await web.post("/api/v1/action/deploy")
        #expect(again["status"] as? String == "deploy was already executed, skipping")
        let (retryStatus, retried) = try await web.post("/api/v1/action/deploy", #"{"retry": true}"#)
        #expect(retryStatus == 200, "\(retried)")
        #expect(retried["status"] as? String == "retried")
        #expect((retried["details"] as? [String])?.isEmpty == true)
        _ = try await web.follow("deploy")

        // The CLI resumes the page's run: every host carried over.
        let resumed = try cluster.run(["--deploy", "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let resumedReport = try jsonObject(resumed.stdout)
        #expect(resumedReport["resumed_from"] as? String != nil)

        // SIGTERM: the server stops and exits 0.
        kill(web.pid, SIGTERM)
        #expect(await waitForProcessExit(web.pid) == 0)
        web.csrf = ""
    }

    @Test("an invalid config or missing serve/ refuses an action with the reasons, and nothing runs")
    func refusals() async throws {
        let cluster = try await FakeCluster()
        let web = try await WebProcess.start(cluster)
        defer { TestProcesses.stop(web.pid) }
        try cluster.workspace.appendConfig("ssh_port: 70000\n")
        let (status, body) = try await web.post("/api/v1/action/postflight")
        #expect(status == 400)
        let errors = try #require(body["errors"] as? [[String: Any]])
        #expect(errors.contains { $0["key"] as? String == "ssh_port" && $0["line"] as? Int != nil })
        #expect(!FileManager.default.fileExists(atPath: cluster.workspace.genconf + "/state"))
    }
}
