import Testing

@testable import InstallerServe

@Suite("Traversal and symbolic-link escapes")
struct PathSafetyTests {
    /// Request targets sent verbatim. None may return a file outside serve/; each gets 400 or 404.
    static let attacks: [String] = [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/%2e%2e%5c%2e%2e%5csecret.txt",
        "/dcos_install.sh%00.txt",
        "/%00../secret.txt",
        "//etc/passwd",
        "/etc/passwd",
        "http://127.0.0.1/../secret.txt",
        "http://127.0.0.1/%2e%2e/secret.txt",
        "secret.txt",
        "../secret.txt",
        "/link-outside",
        "/link-absolute",
        "/dir-link-out/secret.txt",
        "/dir-link-out/config.yaml",
        "/packages/up/secret.txt",
        "/packages/etc/passwd",
        "/./dcos_install.sh/../../secret.txt",
        "/%2e/dcos_install.sh",
        "/./",
        "/packages/../../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/..;/secret.txt",
        "/link-inside/../../secret.txt",
        "/%",
        "/%zz/secret.txt",
        "/",
        "/packages/",
        "/packages",
    ]

    @Test(arguments: attacks)
    func attack(_ target: String) async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let connection = try await TestConnection.connect(port: port)
            try await connection.send("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let response = try await connection.readResponse()
            await connection.close()
            #expect([400, 404].contains(response.status), "\(target) → \(response.status)")
            #expect(!response.bodyText.contains(GenconfFixture.secretMarker))
            #expect(!response.bodyText.contains("root:"))
        }
    }

    /// A symbolic link that stays inside serve/ is followed; a literal `.` segment names its directory (apt
    /// asks for `./Packages` of a flat repository).
    @Test("Targets that stay inside serve/ are served", arguments: ["/link-inside", "/./dcos_install.sh"])
    func insideTargets(_ target: String) async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let response = try await request(port: port, "GET", target)
            #expect(response.status == 200)
            #expect(response.body == GenconfFixture.installScript)
        }
    }

    @Test("Segments are split before decoding and decoded once")
    func segments() throws {
        #expect(try PathResolver.segments(ofTarget: "/a/b%20c?x=1").get() == ["a", "b c"])
        #expect(try PathResolver.segments(ofTarget: "http://h:80/a").get() == ["a"])
        #expect(try PathResolver.segments(ofTarget: "/%252e%252e").get() == ["%2e%2e"])
        // apt fetches `./Packages` of a flat repository: a literal `.` is dropped, an encoded one refused.
        #expect(try PathResolver.segments(ofTarget: "/prereqs/apt/./Packages").get() == ["prereqs", "apt", "Packages"])
        #expect(throws: PathResolver.Rejection.self) { try PathResolver.segments(ofTarget: "/a/%2e/b").get() }
        #expect(throws: PathResolver.Rejection.self) { try PathResolver.segments(ofTarget: "/a%2fb").get() }
        #expect(throws: PathResolver.Rejection.self) { try PathResolver.segments(ofTarget: "/a/%2e%2e/b").get() }
        #expect(throws: PathResolver.Rejection.self) { try PathResolver.segments(ofTarget: "*").get() }
    }
}
