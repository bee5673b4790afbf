import Foundation
import InstallerServe
import Logging
import Testing

@Suite("Headers, conditionals, methods")
struct HTTPBehaviourTests {
    @Test("GET sends the file with every header, the manifest SHA-256 as ETag")
    func getHeaders() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let response = try await request(port: port, "GET", "/dcos_install.sh")
            #expect(response.status == 200)
            #expect(response.body == GenconfFixture.installScript)
            #expect(response.header("Content-Length") == "\(GenconfFixture.installScript.count)")
            #expect(response.header("Content-Type") == "text/x-shellscript")
            #expect(response.header("ETag") == "\"\(sha256Hex(GenconfFixture.installScript))\"")
            #expect(response.header("Accept-Ranges") == "bytes")
            #expect(response.header("Date") != nil)
            let modified =
                try FileManager.default.attributesOfItem(
                    atPath: fixture.serve.appendingPathComponent("dcos_install.sh").path
                )[.modificationDate] as! Date
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            #expect(response.header("Last-Modified") == formatter.string(from: modified))

            let tarball = try await request(port: port, "GET", "/bootstrap/abc123.bootstrap.tar.gz")
            #expect(tarball.status == 200)
            #expect(tarball.header("Content-Type") == "application/gzip")
            #expect(tarball.header("ETag") == "\"\(sha256Hex(tarball.body))\"")
            #expect(tarball.body.count == 100_000)

            let manifest = try await request(port: port, "GET", "/manifest.json")
            #expect(manifest.header("Content-Type") == "application/json")
        }
    }

    @Test("Files the manifest does not list, or lists with another size, get a weak validator")
    func weakValidators() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let notListed = try await request(port: port, "GET", "/notes.txt")
            #expect(notListed.status == 200)
            #expect(notListed.header("ETag")?.hasPrefix("W/\"") == true)
            #expect(notListed.header("Content-Type") == "text/plain; charset=utf-8")
            let stale = try await request(port: port, "GET", "/stale.txt")
            #expect(stale.status == 200)
            #expect(stale.header("ETag")?.hasPrefix("W/\"") == true)
            #expect(stale.header("ETag")?.contains(String(repeating: "ab", count: 32)) == false)
        }
    }

    @Test("A changed manifest is re-read")
    func manifestReload() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let before = try await request(port: port, "GET", "/notes.txt")
            #expect(before.header("ETag")?.hasPrefix("W/") == true)
            let digest = sha256Hex(before.body)
            let manifestURL = fixture.serve.appendingPathComponent("manifest.json")
            var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
            var files = manifest["files"] as! [String: Any]
            files["notes.txt"] = ["sha256": digest, "size": before.body.count]
            manifest["files"] = files
            let replacement = fixture.serve.appendingPathComponent("manifest.json.new")
            try JSONSerialization.data(withJSONObject: manifest).write(to: replacement)
            #expect(rename(replacement.path, manifestURL.path) == 0)
            let after = try await request(port: port, "GET", "/notes.txt")
            #expect(after.header("ETag") == "\"\(digest)\"")
        }
    }

    @Test("HEAD sends the GET headers and no body")
    func head() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let get = try await request(port: port, "GET", "/range.bin")
            // HEAD then GET pipelined on one connection: if HEAD sent a body, the second response would not parse.
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(
                "HEAD /range.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /dcos_install.sh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            let head = try await connection.readResponse(isHead: true)
            let next = try await connection.readResponse()
            #expect(head.status == 200)
            for name in ["Content-Length", "Content-Type", "ETag", "Last-Modified", "Accept-Ranges"] {
                #expect(head.header(name) == get.header(name), "\(name)")
            }
            #expect(next.status == 200)
            #expect(next.body == GenconfFixture.installScript)
            #expect(await connection.waitForClose())
        }
    }

    @Test(
        "Conditional requests get 304 without a body",
        arguments: [
            ("If-None-Match", "etag", 304),
            ("If-None-Match", "W/etag", 304),
            ("If-None-Match", "\"other\", etag", 304),
            ("If-None-Match", "*", 304),
            ("If-None-Match", "\"0000\"", 200),
            ("If-Modified-Since", "last-modified", 304),
            ("If-Modified-Since", "Thu, 01 Jan 2099 00:00:00 GMT", 304),
            ("If-Modified-Since", "Mon, 01 Jan 1990 00:00:00 GMT", 200),
            ("If-Modified-Since", "not a date", 200),
        ]
    )
    func conditional(header: String, value: String, expected: Int) async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let plain = try await request(port: port, "GET", "/dcos_install.sh")
            let etag = try #require(plain.header("ETag"))
            let lastModified = try #require(plain.header("Last-Modified"))
            let resolved = value.replacingOccurrences(of: "W/etag", with: "W/\(etag)")
                .replacingOccurrences(of: "etag", with: etag)
                .replacingOccurrences(of: "last-modified", with: lastModified)
            let response = try await request(port: port, "GET", "/dcos_install.sh", headers: ["\(header): \(resolved)"])
            #expect(response.status == expected)
            if expected == 304 {
                #expect(response.body.isEmpty)
                #expect(response.header("ETag") == etag)
            } else {
                #expect(response.body == GenconfFixture.installScript)
            }
        }
    }

    @Test(
        "Methods other than GET and HEAD get 405 with Allow",
        arguments: ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PROPFIND"]
    )
    func methodNotAllowed(method: String) async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let response = try await request(port: port, method, "/dcos_install.sh")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
        }
    }

    @Test("Keep-alive serves several requests on one connection")
    func keepAlive() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let connection = try await TestConnection.connect(port: port)
            for _ in 0..<5 {
                try await connection.send("GET /range.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await connection.readResponse()
                #expect(response.status == 200)
                #expect(response.body == GenconfFixture.rangeFile)
                #expect(response.header("Connection") == nil)
            }
            // HTTP/1.0 closes by default.
            try await connection.send("GET /range.bin HTTP/1.0\r\n\r\n")
            let last = try await connection.readResponse()
            #expect(last.header("Connection") == "close")
            #expect(await connection.waitForClose())
        }
    }

    @Test("A missing serve directory gives 404 until genconf writes it")
    func rootAppearsLater() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        let later = fixture.genconf.appendingPathComponent("later-serve")
        try await withServer(root: later.path) { port in
            let before = try await request(port: port, "GET", "/dcos_install.sh")
            #expect(before.status == 404)
            try FileManager.default.copyItem(at: fixture.serve, to: later)
            let after = try await request(port: port, "GET", "/dcos_install.sh")
            #expect(after.status == 200)
        }
    }

    @Test("A port in use is a sentence naming the address and --port")
    func portInUse() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let configuration = ServeConfiguration(
                root: fixture.servePath,
                bindAddress: "127.0.0.1",
                port: port,
                handlesSignals: false
            )
            do {
                try await BootstrapServer.run(configuration, logger: .init(label: "t")) { _ in }
                Issue.record("a second server bound the same port")
            } catch let error as ServeError {
                #expect(error.code == .addressInUse)
                #expect(error.description.contains("127.0.0.1:\(port)"))
                #expect(error.description.contains("--port"))
            }
        }
        let bad = ServeConfiguration(root: fixture.servePath, bindAddress: "not-an-ip", port: 0, handlesSignals: false)
        await #expect(throws: ServeError.self) {
            try await BootstrapServer.run(bad, logger: .init(label: "t")) { _ in }
        }
    }
}
