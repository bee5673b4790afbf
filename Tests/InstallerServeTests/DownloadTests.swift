import Foundation
import InstallerServe
import Logging
import Testing

@Suite("Large downloads, genconf swaps, TLS")
struct DownloadTests {
    @Test("Concurrent downloads of a 64 MiB file each arrive whole (in-process client and curl)")
    func concurrentDownloads() async throws {
        let fixture = try GenconfFixture(bigFileBytes: 64 << 20)
        defer { fixture.remove() }
        let expected = sha256Hex(try Data(contentsOf: fixture.serve.appendingPathComponent("big.bin")))
        try await withServer(root: fixture.servePath) { port in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await request(port: port, "GET", "/big.bin", hashBody: true)
                        #expect(response.status == 200)
                        #expect(response.bodyLength == 64 << 20)
                        #expect(response.header("ETag") == "\"\(expected)\"")
                        return response.bodySHA256 ?? ""
                    }
                }
                if let curl = curlPath {
                    for index in 0..<4 {
                        group.addTask {
                            let output = fixture.genconf.appendingPathComponent("curl-\(index).bin").path
                            let result = try await runProcess(
                                curl,
                                ["-sSf", "-o", output, "http://127.0.0.1:\(port)/big.bin"]
                            )
                            #expect(result.status == 0, "\(result.stderr)")
                            let digest = sha256Hex(try Data(contentsOf: URL(fileURLWithPath: output)))
                            try? FileManager.default.removeItem(atPath: output)
                            return digest
                        }
                    }
                }
                var count = 0
                for try await digest in group {
                    #expect(digest == expected)
                    count += 1
                }
                #expect(count >= 8)
            }
        }
    }

    @Test("While genconf swaps serve/, every response is the old or the new file, whole, with its own ETag")
    func swapDuringDownloads() async throws {
        let fixture = try GenconfFixture(bigFileBytes: 8 << 20)
        defer { fixture.remove() }
        let variantA = GenconfFixture.pseudoRandomBytes(8 << 20, seed: 1)
        let variantB = GenconfFixture.pseudoRandomBytes(8 << 20, seed: 2)
        let digests = Set([sha256Hex(variantA), sha256Hex(variantB)])
        let swapsDone = Flag()
        let completed = Counter()
        try await withServer(root: fixture.servePath) { port in
            try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    // genconf's swap: write serve.tmp-N, rename serve away, rename the new tree in, delete the old.
                    defer { swapsDone.set() }
                    for round in 0..<10 {
                        let fresh = fixture.genconf.appendingPathComponent("serve.tmp-\(round)")
                        let old = fixture.genconf.appendingPathComponent("serve.old-\(round)")
                        try GenconfFixture.writeTree(
                            at: fresh,
                            bigFile: round % 2 == 0 ? variantB : variantA,
                            variant: UInt8(round)
                        )
                        guard rename(fixture.servePath, old.path) == 0, rename(fresh.path, fixture.servePath) == 0
                        else {
                            throw TestFailure("rename failed: \(errno)")
                        }
                        try FileManager.default.removeItem(at: old)
                        // Let at least one download finish after each swap (bounded), so the downloads
                        // overlap both trees even when a loaded machine makes them slow.
                        let before = completed.current
                        let deadline = ContinuousClock.now + .seconds(30)
                        while completed.current == before && ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(10))
                        }
                    }
                    return []
                }
                for _ in 0..<6 {
                    group.addTask {
                        var seen: [String] = []
                        while !swapsDone.isSet && seen.count < 200 {
                            let response = try await request(port: port, "GET", "/big.bin", hashBody: true)
                            #expect(response.status == 200)
                            let digest = try #require(response.bodySHA256)
                            #expect(digests.contains(digest))
                            #expect(response.header("ETag") == "\"\(digest)\"")
                            seen.append(digest)
                            completed.increment()
                        }
                        return seen
                    }
                }
                var downloads: [String] = []
                for try await seen in group { downloads += seen }
                #expect(downloads.count >= 6)
                #expect(Set(downloads) == digests, "downloads overlapped the swaps and saw both trees")
            }
        }
    }

    @Test("HTTPS with --tls-cert and --tls-key serves the same bytes")
    func tls() async throws {
        let curl = try #require(curlPath, "curl is needed: apt-get install curl")
        let openssl = try #require(["/usr/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let fixture = try GenconfFixture(bigFileBytes: 3 << 20)
        defer { fixture.remove() }
        let cert = fixture.genconf.appendingPathComponent("tls.crt").path
        let key = fixture.genconf.appendingPathComponent("tls.key").path
        let made = try await runProcess(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            ]
        )
        try #require(made.status == 0, "\(made.stderr)")
        let expected = sha256Hex(try Data(contentsOf: fixture.serve.appendingPathComponent("big.bin")))
        try await withServer(root: fixture.servePath, tls: TLSFiles(certificatePath: cert, privateKeyPath: key)) {
            port in
            let output = fixture.genconf.appendingPathComponent("tls-download.bin").path
            let result = try await runProcess(
                curl,
                ["-sSf", "--cacert", cert, "-o", output, "https://127.0.0.1:\(port)/big.bin"]
            )
            #expect(result.status == 0, "\(result.stderr)")
            #expect(sha256Hex(try Data(contentsOf: URL(fileURLWithPath: output))) == expected)
            let ranged = try await runProcess(
                curl,
                ["-sSf", "--cacert", cert, "-r", "0-9", "https://127.0.0.1:\(port)/range.bin"]
            )
            #expect(
                Array(ranged.stdout.utf8) == Array(GenconfFixture.rangeFile[0...9]) || ranged.stdout.utf8.count == 10
            )
        }
        await #expect(throws: ServeError.self) {
            let bad = ServeConfiguration(
                root: fixture.servePath,
                bindAddress: "127.0.0.1",
                port: 0,
                tls: TLSFiles(certificatePath: key, privateKeyPath: cert),
                handlesSignals: false
            )
            try await BootstrapServer.run(bad, logger: .init(label: "t")) { _ in }
        }
    }
}
