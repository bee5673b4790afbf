import Foundation
import InstallerTestSupport
import Testing

/// The built `dcos_generate_config --serve` on an ephemeral port, driven by curl and by the in-process client.
@Suite("dcos_generate_config --serve", .serialized, .stopsProcesses)
struct BinaryTests {
    @Test("Prints its URL, serves with every header, logs each request including refused paths")
    func servesAndLogs() async throws {
        let binary = try #require(builtBinaryPath(), "build dcos_generate_config first (swift build)")
        let curl = try #require(curlPath, "curl is needed: apt-get install curl")
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        let server = try ServerProcess(binary: binary, genconfDir: fixture.genconf.path)
        defer { server.stop() }
        let line = try await server.waitUntilListening()
        #expect(line == "Serving \(fixture.servePath) at http://127.0.0.1:\(server.port)")
        let base = "http://127.0.0.1:\(server.port)"

        let headers = try await runProcess(curl, ["-sS", "-D", "-", "-o", "/dev/null", "\(base)/dcos_install.sh"])
        #expect(headers.status == 0)
        for expected in [
            "HTTP/1.1 200 OK", "Content-Length: \(GenconfFixture.installScript.count)",
            "Content-Type: text/x-shellscript",
            "ETag: \"\(sha256Hex(GenconfFixture.installScript))\"", "Accept-Ranges: bytes", "Last-Modified: ",
        ] {
            #expect(headers.stdout.contains(expected), "\(expected) in \(headers.stdout)")
        }
        let head = try await runProcess(curl, ["-sS", "-I", "\(base)/range.bin"])
        #expect(head.stdout.contains("Content-Length: 1000"))
        let notModified = try await runProcess(
            curl,
            [
                "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                "If-None-Match: \"\(sha256Hex(GenconfFixture.installScript))\"",
                "\(base)/dcos_install.sh",
            ]
        )
        #expect(notModified.stdout == "304")
        let post = try await runProcess(
            curl,
            ["-sS", "-X", "POST", "-D", "-", "-o", "/dev/null", "\(base)/dcos_install.sh"]
        )
        #expect(post.stdout.contains("405 Method Not Allowed"))
        #expect(post.stdout.contains("Allow: GET, HEAD"))
        let escape = try await runProcess(
            curl,
            ["-sS", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/../secret.txt"]
        )
        #expect(escape.stdout == "400")
        let linkEscape = try await runProcess(
            curl,
            ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/link-outside"]
        )
        #expect(linkEscape.stdout == "404")

        server.signal(SIGTERM)
        #expect(await server.waitForExit(timeout: .seconds(30)) == 0)
        let log = server.stderr.text()
        #expect(log.contains("GET /dcos_install.sh 200 \(GenconfFixture.installScript.count)"))
        #expect(log.contains("HEAD /range.bin 200 0"))
        #expect(log.contains("POST /dcos_install.sh 405"))
        #expect(log.contains("GET /../secret.txt 400"))
        #expect(log.contains("GET /link-outside 404"))
        #expect(log.contains("127.0.0.1:"))
    }

    @Test("--json writes one JSON object per request")
    func jsonLogs() async throws {
        let binary = try #require(builtBinaryPath(), "build dcos_generate_config first (swift build)")
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        let server = try ServerProcess(binary: binary, genconfDir: fixture.genconf.path, extraArguments: ["--json"])
        defer { server.stop() }
        _ = try await server.waitUntilListening()
        _ = try await request(port: server.port, "GET", "/dcos_install.sh")
        _ = try await request(port: server.port, "GET", "/nope\u{7F}")
        server.signal(SIGINT)
        #expect(await server.waitForExit(timeout: .seconds(30)) == 0)
        let objects = server.stderr.text().split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let ok = objects.first { $0["path"] as? String == "/dcos_install.sh" }
        #expect(ok?["status"] as? Int == 200)
        #expect(ok?["method"] as? String == "GET")
        #expect(ok?["bytes"] as? Int == GenconfFixture.installScript.count)
        #expect(ok?["duration_ms"] != nil)
        #expect((ok?["client"] as? String)?.hasPrefix("127.0.0.1:") == true)
    }

    @Test("SIGTERM stops accepting, lets a download in flight finish, exits 0")
    func gracefulShutdown() async throws {
        let binary = try #require(builtBinaryPath(), "build dcos_generate_config first (swift build)")
        let curl = try #require(curlPath, "curl is needed: apt-get install curl")
        let fixture = try GenconfFixture(bigFileBytes: 48 << 20)
        defer { fixture.remove() }
        let expected = sha256Hex(try Data(contentsOf: fixture.serve.appendingPathComponent("big.bin")))
        let server = try ServerProcess(binary: binary, genconfDir: fixture.genconf.path)
        defer { server.stop() }
        _ = try await server.waitUntilListening()
        let base = "http://127.0.0.1:\(server.port)"
        let output = fixture.genconf.appendingPathComponent("inflight.bin")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // About 3 s at 16 MB/s: still running when SIGTERM arrives.
                let result = try await runProcess(
                    curl,
                    ["-sSf", "--limit-rate", "16M", "-o", output.path, "\(base)/big.bin"]
                )
                #expect(result.status == 0, "the in-flight download failed: \(result.stderr)")
            }
            let started = try await eventually {
                ((try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0) > 1 << 20
            }
            #expect(started)
            server.signal(SIGTERM)
            let refused = try await eventually {
                let probe = try await runProcess(
                    curl,
                    ["-sS", "-o", "/dev/null", "--max-time", "2", "\(base)/dcos_install.sh"]
                )
                return probe.status == 7
            }
            #expect(refused, "new connections are refused after SIGTERM")
            try await group.waitForAll()
        }
        #expect(sha256Hex(try Data(contentsOf: output)) == expected)
        #expect(await server.waitForExit(timeout: .seconds(40)) == 0)
    }

    @Test("A port already in use is reported as a sentence, exit status 1")
    func portInUse() async throws {
        let binary = try #require(builtBinaryPath(), "build dcos_generate_config first (swift build)")
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        let first = try ServerProcess(binary: binary, genconfDir: fixture.genconf.path)
        defer { first.stop() }
        _ = try await first.waitUntilListening()
        let second = try await runProcess(
            binary,
            [
                "--serve", "--genconf-dir", fixture.genconf.path, "--bind", "127.0.0.1", "--port", "\(first.port)",
            ]
        )
        #expect(second.status == 1)
        #expect(second.stderr.contains("Cannot listen on 127.0.0.1:\(first.port)"))
        #expect(second.stderr.contains("--port"))
        first.signal(SIGTERM)
        #expect(await first.waitForExit(timeout: .seconds(30)) == 0)
    }
}
