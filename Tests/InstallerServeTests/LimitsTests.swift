import InstallerServe
import Testing

@Suite("Limits and timeouts")
struct LimitsTests {
    static let tight = ServeLimits(
        maxHeaderBytes: 4096,
        maxHeaderCount: 20,
        maxRequestLineBytes: 1024,
        idleTimeout: .seconds(2),
        headerReadTimeout: .seconds(1),
        sendTimeout: .seconds(5),
        maxConnections: 3,
        shutdownGracePeriod: .seconds(5)
    )

    /// The size limits of `tight` with generous timeouts, for tests about sizes: on a loaded machine a
    /// 400 ms idle timeout can fire between connecting and sending, which is not what they test.
    static let tightSizes = ServeLimits(
        maxHeaderBytes: 4096,
        maxHeaderCount: 20,
        maxRequestLineBytes: 1024,
        idleTimeout: .seconds(30),
        headerReadTimeout: .seconds(30),
        sendTimeout: .seconds(30),
        maxConnections: 64,
        shutdownGracePeriod: .seconds(5)
    )

    @Test("A client that sends half a request head is answered 408 and closed, while others are served")
    func slowHeaders() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        // A long idle timeout: on a loaded machine, more than `tight`'s 2 s can pass between connecting and
        // sending, and the idle timeout is not what this tests. The head's 1 s read timeout is.
        var limits = Self.tight
        limits.idleTimeout = .seconds(30)
        try await withServer(root: fixture.servePath, limits: limits) { port in
            let slow = try await TestConnection.connect(port: port, deadline: .seconds(10))
            try await slow.send("GET /dcos_install.sh HTTP/1.1\r\nHost: x\r\n")
            let other = try await request(port: port, "GET", "/dcos_install.sh")
            #expect(other.status == 200)
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await slow.readResponse()
            #expect(response.status == 408)
            #expect(await slow.waitForClose())
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test("An idle connection is closed after the idle timeout")
    func idle() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath, limits: Self.tight) { port in
            let idle = try await TestConnection.connect(port: port, deadline: .seconds(10))
            let clock = ContinuousClock()
            let start = clock.now
            #expect(await idle.waitForClose())
            #expect(clock.now - start < .seconds(15))
        }
    }

    @Test(
        "Oversized heads are refused",
        arguments: [
            ("long request line", "GET /\(String(repeating: "a", count: 2000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("large header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 5000))\r\n\r\n", 431),
            (
                "many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + (0..<30).map { "X-H\($0): v\r\n" }.joined() + "\r\n",
                431
            ),
            ("obsolete folding", "GET /dcos_install.sh HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n", 400),
            ("space before colon", "GET /dcos_install.sh HTTP/1.1\r\nHost : x\r\n\r\n", 400),
            ("no Host in HTTP/1.1", "GET /dcos_install.sh HTTP/1.1\r\n\r\n", 400),
            ("HTTP/2 preface version", "GET /dcos_install.sh HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            ("garbage", "\u{01}\u{02}\u{03} nonsense\r\n\r\n", 400),
            ("bad content length", "GET /dcos_install.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", 400),
        ]
    )
    func oversized(name: String, raw: String, status: Int) async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath, limits: Self.tightSizes) { port in
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(raw)
            let response = try await connection.readResponse()
            #expect(response.status == status, "\(name)")
            #expect(await connection.waitForClose(), "\(name): connection closed after the error")
        }
    }

    @Test("Over the connection cap, a new connection gets 503 and the others carry on")
    func connectionCap() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        var limits = Self.tight
        limits.idleTimeout = .seconds(30)
        try await withServer(root: fixture.servePath, limits: limits) { port in
            var open: [TestConnection] = []
            for _ in 0..<3 {
                let connection = try await TestConnection.connect(port: port)
                try await connection.send("GET /range.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await connection.readResponse().status == 200)
                open.append(connection)
            }
            let extra = try await TestConnection.connect(port: port)
            let refused = try await extra.readResponse()
            #expect(refused.status == 503)
            #expect(await extra.waitForClose())
            for connection in open {
                try await connection.send("GET /dcos_install.sh HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await connection.readResponse().status == 200)
            }
            await open[0].close()
            // The server frees the slot when it sees the close, a moment later: until then a new connection
            // is still over the cap, and its 503 and close can beat the client's request (a closed channel).
            let admitted = try await eventually {
                (try? await request(port: port, "GET", "/dcos_install.sh"))?.status == 200
            }
            #expect(admitted)
            for connection in open { await connection.close() }
        }
    }

    @Test("One client address cannot hold more than its share: over the per-client cap it gets 503, others go on")
    func perClientCap() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        var limits = Self.tight
        limits.idleTimeout = .seconds(30)
        limits.maxConnections = 10
        limits.maxConnectionsPerClient = 2
        try await withServer(root: fixture.servePath, limits: limits) { port in
            var open: [TestConnection] = []
            for _ in 0..<2 {
                let connection = try await TestConnection.connect(port: port)
                try await connection.send("GET /range.bin HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await connection.readResponse().status == 200)
                open.append(connection)
            }
            let extra = try await TestConnection.connect(port: port)
            #expect(try await extra.readResponse().status == 503)
            #expect(await extra.waitForClose())
            await open[0].close()
            let admitted = try await eventually {
                (try? await request(port: port, "GET", "/dcos_install.sh"))?.status == 200
            }
            #expect(admitted)
            for connection in open { await connection.close() }
        }
    }
}
