import Foundation
import InstallerActions
import InstallerConfig
import InstallerTestSupport
import Testing

@testable import InstallerWeb

@Suite("Web installer API: sessions, CSRF and Origin, DC/OS's routes, limits (real server, curl)")
struct WebAPITests {
    static let getRoutes = [
        "/api/v1", "/api/v1/session", "/api/v1/version", "/api/v1/configure", "/api/v1/configure/status",
        "/api/v1/configure/type", "/api/v1/success", "/api/v1/action/current", "/api/v1/action/preflight",
        "/api/v1/action/deploy", "/api/v1/action/postflight", "/api/v1/action/deploy/events", "/api/v1/nothing",
    ]

    @Test("without a session every route answers 401 and nothing else; a wrong cookie is no session")
    func unauthenticated() async throws {
        let workspace = try Workspace()
        try await withWebServer(genconf: workspace.genconf) { client in
            for path in Self.getRoutes {
                let response = try await client.request("GET", path)
                #expect(response.status == 401, "\(path)")
                #expect((response.object["error"] as? String)?.contains("login URL") == true, "\(path)")
                #expect(!response.body.contains("example-cluster"), "\(path)")
            }
            var forged = client
            forged.cookie = String(repeating: "0", count: 64)
            #expect(try await forged.request("GET", "/api/v1/version").status == 401)
            #expect(try await client.request("POST", "/api/v1/configure", body: "{}").status == 401)
        }
    }

    @Test("the login token works once, with the right value only, and gives an HttpOnly SameSite=Strict cookie")
    func login() async throws {
        let workspace = try Workspace()
        try await withWebServer(genconf: workspace.genconf) { client in
            let wrong = try await client.request("GET", "/login?token=\(String(repeating: "cd", count: 32))")
            #expect(wrong.status == 401)
            #expect(wrong.headers["set-cookie"] == nil)
            #expect(try await client.request("GET", "/login").status == 401)
            let first = try await client.request("GET", "/login?token=\(testLoginToken)")
            #expect(first.status == 303)
            #expect(first.headers["location"] == "/")
            let cookie = try #require(first.headers["set-cookie"])
            #expect(cookie.hasPrefix("dcos_installer_session="))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
            let again = try await client.request("GET", "/login?token=\(testLoginToken)")
            #expect(again.status == 401)
            #expect((again.object["error"] as? String)?.contains("works once") == true)
        }
    }

    @Test("state-changing requests need the session's CSRF token and this server's Origin")
    func csrfAndOrigin() async throws {
        let workspace = try Workspace()
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let csrf = try #require(client.csrf)
            #expect(csrf.count == 64)
            let noToken = try await client.request(
                "POST",
                "/api/v1/version",
                headers: ["Origin": client.origin],
                body: "{}"
            )
            #expect(noToken.status == 403)
            #expect((noToken.object["error"] as? String)?.contains("X-CSRF-Token") == true)
            let wrongToken = try await client.request(
                "POST",
                "/api/v1/version",
                headers: ["X-CSRF-Token": String(repeating: "0", count: 64), "Origin": client.origin],
                body: "{}"
            )
            #expect(wrongToken.status == 403)
            let noOrigin = try await client.request(
                "POST",
                "/api/v1/version",
                headers: ["X-CSRF-Token": csrf],
                body: "{}"
            )
            #expect(noOrigin.status == 403)
            #expect((noOrigin.object["error"] as? String)?.contains("Origin") == true)
            let otherOrigin = try await client.request(
                "POST",
                "/api/v1/version",
                headers: ["X-CSRF-Token": csrf, "Origin": "http://evil.example"],
                body: "{}"
            )
            #expect(otherOrigin.status == 403)
            // Past the checks, the route decides: version is read-only.
            let allowed = try await client.request("POST", "/api/v1/version", headers: client.pageHeaders, body: "{}")
            #expect(allowed.status == 405)
            #expect(allowed.headers["allow"] == "GET, HEAD")
        }
    }

    @Test("version, configure without secrets, status with lines, type, success")
    func configureRoutes() async throws {
        let workspace = try Workspace()
        try await addSSHKey(workspace)
        let secret = "$6$rounds=656000$SECRET-HASH-VALUE"
        try workspace.appendConfig("superuser_password_hash: '\(secret)'\n")
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let version = try await client.request("GET", "/api/v1/version")
            #expect(version.status == 200)
            #expect(version.object["version"] as? String == "1.11.13")
            #expect(version.object["installer_version"] as? String == "0.0.0-test")
            #expect(version.headers["cache-control"] == "no-store")

            let configure = try await client.request("GET", "/api/v1/configure")
            #expect(configure.status == 200)
            #expect(configure.object["cluster_name"] as? String == "example-cluster")
            #expect(configure.object["master_list"] as? [String] == ["198.18.0.11", "198.18.0.12", "198.18.0.13"])
            #expect(configure.object["ssh_port"] as? Int == 22)
            #expect(!configure.body.contains("SECRET-HASH-VALUE"))
            #expect((configure.object["superuser_password_hash"] as? [String: Bool]) == ["set": true])
            #expect((configure.object["ssh_key"] as? [String: Bool]) == ["set": true])
            #expect((configure.object["ip_detect_script"] as? String)?.hasPrefix("#!") == true)

            let valid = try await client.request("GET", "/api/v1/configure/status")
            #expect(valid.status == 200, "\(valid.body)")
            #expect(valid.object["valid"] as? Bool == true)

            try workspace.appendConfig("ssh_port: 70000\nmaster_dicsovery: static\n")
            let invalid = try await client.request("GET", "/api/v1/configure/status")
            #expect(invalid.status == 400)
            #expect(invalid.object["valid"] as? Bool == false)
            #expect(invalid.object["master_dicsovery"] is String, "DC/OS's {key: message}")
            let errors = try #require(invalid.object["errors"] as? [[String: Any]])
            let unknown = try #require(errors.first { $0["key"] as? String == "master_dicsovery" })
            #expect(unknown["line"] as? Int != nil)
            #expect(unknown["column"] as? Int == 1)
            #expect((unknown["message"] as? String)?.contains("master_discovery") == true, "did you mean")
            #expect(!invalid.body.contains("SECRET-HASH-VALUE"))

            let type = try await client.request("GET", "/api/v1/configure/type")
            #expect(type.status == 200)
            #expect(type.object["type"] as? String == "advanced", "the example's bootstrap_url is http://")
            #expect((type.object["keys"] as? [String: Any])?.keys.sorted() == ["bootstrap_url"])

            let success = try await client.request("GET", "/api/v1/success")
            #expect(success.status == 200)
            #expect(success.object["success"] as? String == "http://198.18.0.11")
            #expect(success.object["master_count"] as? Int == 3)
            #expect(success.object["agent_count"] as? Int == 2)

            let redirect = try await client.request("GET", "/api/v1")
            #expect(redirect.status == 302)
            #expect(redirect.headers["location"] == "/")
            #expect(try await client.request("GET", "/api/v1/nothing").status == 404)
            #expect(try await client.request("DELETE", "/api/v1/configure", headers: client.pageHeaders).status == 405)
            let head = try await client.request("HEAD", "/api/v1/version")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test("bodies over the cap get 413 before they are read whole; slow requests are closed")
    func limits() async throws {
        let workspace = try Workspace()
        var limits = WebLimits()
        limits.maximumBodyBytes = 1024
        limits.requestTimeout = .seconds(1)
        try await withWebServer(genconf: workspace.genconf, limits: limits) { anonymous in
            let client = try await anonymous.loggedIn()
            let big = String(repeating: "x", count: 4096)
            let declared = try await client.request("POST", "/api/v1/configure", headers: client.pageHeaders, body: big)
            #expect(declared.status == 413)
            #expect((declared.object["error"] as? String)?.contains("nothing was changed") == true)
            let chunked = try await client.request(
                "POST",
                "/api/v1/configure",
                headers: client.pageHeaders.merging(["Transfer-Encoding": "chunked"]) { a, _ in a },
                body: big
            )
            #expect(chunked.status == 413)
            // A body that never arrives: the connection is closed after the request timeout.
            let started = ContinuousClock.now
            let output = try await runOffThePool(
                "/usr/bin/python3",
                [
                    "-c",
                    """
                    import socket, sys
                    s = socket.create_connection(("127.0.0.1", \(client.port)))
                    s.sendall(b"POST /api/v1/configure HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 100\\r\\n\\r\\nab")
                    s.settimeout(10)
                    data = s.recv(4096)
                    print("closed" if data == b"" else "answered")
                    """,
                ]
            )
            #expect(output.stdout.contains("closed"), "\(output.combined)")
            #expect(ContinuousClock.now - started < .seconds(8))
        }
    }

    @Test("connections over the per-client cap get 503")
    func connectionCap() async throws {
        let workspace = try Workspace()
        var limits = WebLimits()
        limits.maximumConnectionsPerClient = 2
        try await withWebServer(genconf: workspace.genconf, limits: limits) { client in
            let output = try await runOffThePool(
                "/usr/bin/python3",
                [
                    "-c",
                    """
                    import socket
                    held = [socket.create_connection(("127.0.0.1", \(client.port))) for _ in range(2)]
                    import time; time.sleep(0.3)
                    s = socket.create_connection(("127.0.0.1", \(client.port)))
                    s.settimeout(10)
                    print(s.recv(4096).decode().split("\\r\\n")[0])
                    """,
                ]
            )
            #expect(output.stdout.contains("503"), "\(output.combined)")
        }
    }
}
