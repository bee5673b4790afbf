import Testing

@Suite("Byte ranges")
struct ByteRangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var header: String
        var status: Int
        /// Inclusive bounds of the body for 206, or nil.
        var bytes: ClosedRange<Int>?
        var testDescription: String { "Range: \(self.header) → \(self.status)" }
    }

    static let cases: [Case] = [
        Case(header: "bytes=0-0", status: 206, bytes: 0...0),
        Case(header: "bytes=999-999", status: 206, bytes: 999...999),
        Case(header: "bytes=999-", status: 206, bytes: 999...999),
        Case(header: "bytes=-1", status: 206, bytes: 999...999),
        Case(header: "bytes=-500", status: 206, bytes: 500...999),
        Case(header: "bytes=-5000", status: 206, bytes: 0...999),
        Case(header: "bytes=100-199", status: 206, bytes: 100...199),
        Case(header: "bytes=500-5000", status: 206, bytes: 500...999),
        Case(header: "bytes=0-", status: 206, bytes: 0...999),
        Case(header: "BYTES=10-19", status: 206, bytes: 10...19),
        Case(header: "bytes=1000-", status: 416, bytes: nil),
        Case(header: "bytes=5000-6000", status: 416, bytes: nil),
        Case(header: "bytes=-0", status: 416, bytes: nil),
        Case(header: "bytes=99999999999999999999999-", status: 416, bytes: nil),
        Case(header: "bytes=abc", status: 200, bytes: nil),
        Case(header: "bytes=5-1", status: 200, bytes: nil),
        Case(header: "bytes=", status: 200, bytes: nil),
        Case(header: "bytes=--1", status: 200, bytes: nil),
        Case(header: "bytes=1-2-3", status: 200, bytes: nil),
        Case(header: "items=0-1", status: 200, bytes: nil),
        Case(header: "bytes=0-1,5-6", status: 200, bytes: nil),
    ]

    @Test(arguments: cases)
    func range(_ testCase: Case) async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let response = try await request(port: port, "GET", "/range.bin", headers: ["Range: \(testCase.header)"])
            #expect(response.status == testCase.status)
            let size = GenconfFixture.rangeFile.count
            switch testCase.status {
            case 206:
                let bytes = try #require(testCase.bytes)
                #expect(response.header("Content-Range") == "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(size)")
                #expect(response.header("Content-Length") == "\(bytes.count)")
                #expect(response.body == Array(GenconfFixture.rangeFile[bytes]))
            case 416:
                #expect(response.header("Content-Range") == "bytes */\(size)")
            default:
                #expect(response.header("Content-Range") == nil)
                #expect(response.body == GenconfFixture.rangeFile)
            }
        }
    }

    @Test("If-Range with the current ETag keeps the range; a stale one gets the whole file")
    func ifRange() async throws {
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let etag = try #require(try await request(port: port, "HEAD", "/range.bin").header("ETag"))
            let matching = try await request(
                port: port,
                "GET",
                "/range.bin",
                headers: ["Range: bytes=0-9", "If-Range: \(etag)"]
            )
            #expect(matching.status == 206)
            #expect(matching.body.count == 10)
            let stale = try await request(
                port: port,
                "GET",
                "/range.bin",
                headers: ["Range: bytes=0-9", "If-Range: \"nope\""]
            )
            #expect(stale.status == 200)
            #expect(stale.body.count == 1000)
        }
    }

    @Test("curl resumes a download with a range")
    func curlRange() async throws {
        let curl = try #require(curlPath, "curl is needed: apt-get install curl")
        let fixture = try GenconfFixture()
        defer { fixture.remove() }
        try await withServer(root: fixture.servePath) { port in
            let result = try await runProcess(
                curl,
                ["-sS", "-r", "990-", "-D", "-", "http://127.0.0.1:\(port)/range.bin", "-o", "/dev/null"]
            )
            #expect(result.status == 0)
            #expect(result.stdout.contains("HTTP/1.1 206 Partial Content"))
            #expect(result.stdout.contains("Content-Range: bytes 990-999/1000"))
        }
    }
}
