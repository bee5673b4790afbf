import Crypto
import Foundation
import InstallerServe
import InstallerTestSupport
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A `genconf/` directory in a fresh temporary folder, with `serve/` laid out as genconf writes it, plus files and
/// links outside `serve/` that must never be served.
struct GenconfFixture {
    let genconf: URL
    var serve: URL { self.genconf.appendingPathComponent("serve") }
    var servePath: String { self.serve.path }

    static let secretMarker = "SECRET-OUTSIDE-SERVE"
    static let installScript = Array("#!/bin/bash\necho installing DC/OS\n".utf8)
    static let rangeFile: [UInt8] = (0..<1000).map { UInt8($0 % 251) }

    init(bigFileBytes: Int = 0) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("serve-test-\(UUID().uuidString)")
        self.genconf = base.appendingPathComponent("genconf")
        try FileManager.default.createDirectory(at: self.genconf, withIntermediateDirectories: true)
        try Data("\(Self.secretMarker)\n".utf8).write(to: self.genconf.appendingPathComponent("secret.txt"))
        try Data("ssh_key: \(Self.secretMarker)\n".utf8).write(to: self.genconf.appendingPathComponent("config.yaml"))
        try Self.writeTree(
            at: self.serve,
            bigFile: bigFileBytes > 0 ? Self.pseudoRandomBytes(bigFileBytes, seed: 1) : nil
        )
        let fm = FileManager.default
        try fm.createSymbolicLink(
            atPath: self.serve.appendingPathComponent("link-inside").path,
            withDestinationPath: "dcos_install.sh"
        )
        try fm.createSymbolicLink(
            atPath: self.serve.appendingPathComponent("link-outside").path,
            withDestinationPath: "../secret.txt"
        )
        try fm.createSymbolicLink(
            atPath: self.serve.appendingPathComponent("link-absolute").path,
            withDestinationPath: self.genconf.appendingPathComponent("secret.txt").path
        )
        try fm.createSymbolicLink(
            atPath: self.serve.appendingPathComponent("dir-link-out").path,
            withDestinationPath: ".."
        )
        try fm.createSymbolicLink(
            atPath: self.serve.appendingPathComponent("packages/up").path,
            withDestinationPath: "../.."
        )
        try fm.createSymbolicLink(
            atPath: self.serve.appendingPathComponent("packages/etc").path,
            withDestinationPath: "/etc"
        )
    }

    /// Writes a complete serve tree at `url`: install script, bootstrap tarball, a package, a 1000-byte range file, a
    /// file whose manifest size is stale, optionally `big.bin`, and `manifest.json`.
    static func writeTree(at url: URL, bigFile: [UInt8]?, variant: UInt8 = 0) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: url.appendingPathComponent("bootstrap"), withIntermediateDirectories: true)
        try fm.createDirectory(at: url.appendingPathComponent("packages/dcos-image"), withIntermediateDirectories: true)
        var files: [String: [UInt8]] = [
            "dcos_install.sh": installScript,
            "bootstrap/abc123.bootstrap.tar.gz": pseudoRandomBytes(100_000, seed: 7),
            "packages/dcos-image/dcos-image--1.tar.xz": pseudoRandomBytes(5000, seed: 9),
            "range.bin": rangeFile,
            "notes.txt": Array("not in the manifest\n".utf8),
        ]
        if let bigFile { files["big.bin"] = bigFile }
        var manifest: [String: Any] = [:]
        for (path, bytes) in files {
            try Data(bytes).write(to: url.appendingPathComponent(path))
            if path != "notes.txt" {
                manifest[path] = ["sha256": sha256Hex(bytes), "size": bytes.count]
            }
        }
        try Data("stale\n".utf8).write(to: url.appendingPathComponent("stale.txt"))
        manifest["stale.txt"] = ["sha256": String(repeating: "ab", count: 32), "size": 999]
        let json = try JSONSerialization.data(
            withJSONObject: [
                "format": 1, "config_id": String(repeating: "0", count: 64), "roles": [String: Any](),
                "files": manifest, "variant": Int(variant),
            ],
            options: [.sortedKeys]
        )
        try json.write(to: url.appendingPathComponent("manifest.json"))
    }

    func remove() {
        try? FileManager.default.removeItem(at: self.genconf.deletingLastPathComponent())
    }

    static func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var index = 0
            while index < count {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                var word = state
                for _ in 0..<8 where index < count {
                    buffer[index] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    index += 1
                }
            }
        }
        return bytes
    }
}

func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
    SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
}

/// Runs the real server in-process on 127.0.0.1, port 0, for the duration of `body`, then cancels it (which drains it
/// like SIGTERM would).
func withServer<T: Sendable>(
    root: String,
    limits: ServeLimits = ServeLimits(),
    tls: TLSFiles? = nil,
    _ body: @Sendable (_ port: Int) async throws -> T
) async throws -> T {
    let configuration = ServeConfiguration(
        root: root,
        bindAddress: "127.0.0.1",
        port: 0,
        tls: tls,
        limits: limits,
        handlesSignals: false
    )
    let (urls, continuation) = AsyncStream.makeStream(of: String.self)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await BootstrapServer.run(configuration, logger: Logger(label: "serve-test")) { url in
                continuation.yield(url)
            }
            continuation.finish()
        }
        var iterator = urls.makeAsyncIterator()
        guard let url = await iterator.next(), let port = Int(url.split(separator: ":").last ?? "") else {
            try await group.waitForAll()
            throw TestFailure("the server did not start")
        }
        do {
            let result = try await body(port)
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A parsed HTTP response.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    /// SHA-256 of the body when it was hashed while streaming instead of kept.
    var bodySHA256: String?
    var bodyLength: Int

    func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var bodyText: String { String(decoding: self.body, as: UTF8.self) }
}

/// A raw HTTP/1.1 client over a NIO socket, so tests can send exactly the bytes an attacker would.
///
/// Every connection has a deadline: when it passes, the socket is closed, so no read in a test waits forever.
final class TestConnection {
    private final class Forwarder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation
        init(_ continuation: AsyncStream<ByteBuffer>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.continuation.yield(self.unwrapInboundIn(data))
        }
        func channelInactive(context: ChannelHandlerContext) {
            self.continuation.finish()
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    let channel: any Channel
    private var iterator: AsyncStream<ByteBuffer>.Iterator
    private var pending: [UInt8] = []
    private(set) var closedByPeer = false

    static func connect(port: Int, deadline: Duration = .seconds(60)) async throws -> TestConnection {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Forwarder(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let (seconds, attos) = deadline.components
        channel.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attos / 1_000_000_000)) {
            channel.close(promise: nil)
        }
        return TestConnection(channel: channel, iterator: stream.makeAsyncIterator())
    }

    private init(channel: any Channel, iterator: AsyncStream<ByteBuffer>.Iterator) {
        self.channel = channel
        self.iterator = iterator
    }

    func send(_ text: String) async throws {
        try await self.send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Reads more bytes; false once the peer closed (or the deadline closed the socket).
    private func fill() async -> Bool {
        guard let buffer = await self.iterator.next() else {
            self.closedByPeer = true
            return false
        }
        self.pending.append(contentsOf: buffer.readableBytesView)
        return true
    }

    /// Reads one response. `isHead` says the request was HEAD (no body follows). With `hashBody`, the body is
    /// hashed as it streams instead of kept in memory.
    func readResponse(isHead: Bool = false, hashBody: Bool = false) async throws -> TestResponse {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let range = self.pending.firstRange(of: terminator) {
                headEnd = range.upperBound
            } else if await !self.fill() {
                throw TestFailure("connection closed before a complete response head (got \(self.pending.count) bytes)")
            }
        }
        let headText = String(decoding: self.pending[..<headEnd!], as: UTF8.self)
        self.pending.removeFirst(headEnd!)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestFailure("malformed status line in \(headText)")
        }
        let headers = lines.map { line -> (String, String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = TestResponse(status: status, headers: headers, body: [], bodySHA256: nil, bodyLength: 0)
        let hasBody = !isHead && status != 304 && status != 204
        let length = hasBody ? Int(response.header("Content-Length") ?? "0") ?? 0 : 0
        var hasher = SHA256()
        var remaining = length
        while remaining > 0 {
            if !self.pending.isEmpty {
                let take = min(remaining, self.pending.count)
                if hashBody {
                    self.pending.withUnsafeBytes {
                        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<take]))
                    }
                } else {
                    response.body.append(contentsOf: self.pending[..<take])
                }
                self.pending.removeFirst(take)
                remaining -= take
                continue
            }
            // Straight from the socket buffer: no per-byte copies for large bodies.
            guard let buffer = await self.iterator.next() else {
                self.closedByPeer = true
                throw TestFailure("connection closed with \(remaining) of \(length) body bytes missing")
            }
            let take = min(remaining, buffer.readableBytes)
            buffer.withUnsafeReadableBytes { raw in
                let used = UnsafeRawBufferPointer(rebasing: raw[..<take])
                if hashBody {
                    hasher.update(bufferPointer: used)
                } else {
                    response.body.append(contentsOf: used)
                }
                if take < raw.count {
                    self.pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[take...]))
                }
            }
            remaining -= take
        }
        response.bodyLength = length
        if hashBody {
            response.bodySHA256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        return response
    }

    /// Whether the server closes the connection (reads until EOF; extra bytes are kept).
    func waitForClose() async -> Bool {
        while await self.fill() {}
        return self.closedByPeer
    }

    func close() async {
        try? await self.channel.close()
    }
}

/// One request on a fresh connection with `Connection: close`.
func request(
    port: Int,
    _ method: String = "GET",
    _ target: String,
    headers: [String] = [],
    hashBody: Bool = false
) async throws -> TestResponse {
    let connection = try await TestConnection.connect(port: port)
    let extra = headers.map { "\($0)\r\n" }.joined()
    try await connection.send("\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)Connection: close\r\n\r\n")
    let response = try await connection.readResponse(isHead: method == "HEAD", hashBody: hashBody)
    await connection.close()
    return response
}

/// Runs a program to completion with a deadline (it is killed, by its own PID, if the deadline passes).
func runProcess(
    _ executable: String,
    _ arguments: [String],
    timeout: Duration = .seconds(120)
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let finished = AsyncStream.makeStream(of: Void.self)
    process.terminationHandler = { _ in
        finished.continuation.yield()
        finished.continuation.finish()
    }
    // Drain the pipes concurrently so a chatty process never blocks on a full pipe.
    let outData = OutputCollector(out.fileHandleForReading)
    let errData = OutputCollector(err.fileHandleForReading)
    try process.run()
    let pid = process.processIdentifier
    let killer = Task {
        try await Task.sleep(for: timeout)
        kill(pid, SIGKILL)
    }
    for await _ in finished.stream {}
    killer.cancel()
    _ = try await eventually(timeout: .seconds(5)) { outData.isFinished && errData.isFinished }
    return (process.terminationStatus, outData.text(), errData.text())
}

/// Collects a pipe's output on its own reader callback.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    private let handle: FileHandle

    var isFinished: Bool { self.lock.withLock { self.finished } }

    init(_ handle: FileHandle) {
        self.handle = handle
        handle.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self else { return }
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                self.lock.withLock { self.finished = true }
                return
            }
            self.lock.withLock { self.data.append(chunk) }
        }
    }

    func text() -> String {
        self.lock.withLock { String(decoding: self.data, as: UTF8.self) }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Whether curl is installed (the Debian package `curl`).
let curlPath: String? = ["/usr/bin/curl", "/usr/local/bin/curl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// The built `dcos_generate_config` next to the test bundle (or `$DCOS_GENERATE_CONFIG`).
func builtBinaryPath() -> String? {
    if let path = ProcessInfo.processInfo.environment["DCOS_GENERATE_CONFIG"] { return path }
    let directories = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle.main.bundleURL.deletingLastPathComponent(),
    ]
    for directory in directories {
        let candidate = directory.appendingPathComponent("dcos_generate_config").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// The real binary running `--serve` on 127.0.0.1 with an ephemeral port. Stopped by its own PID.
final class ServerProcess {
    let process = Process()
    let stdout: OutputCollector
    let stderr: OutputCollector
    private(set) var port = 0
    private let exited = AsyncStream.makeStream(of: Int32.self)

    init(binary: String, genconfDir: String, port: Int = 0, extraArguments: [String] = []) throws {
        self.process.executableURL = URL(fileURLWithPath: binary)
        self.process.arguments =
            ["--serve", "--genconf-dir", genconfDir, "--bind", "127.0.0.1", "--port", String(port)] + extraArguments
        let out = Pipe()
        let err = Pipe()
        self.process.standardOutput = out
        self.process.standardError = err
        self.stdout = OutputCollector(out.fileHandleForReading)
        self.stderr = OutputCollector(err.fileHandleForReading)
        let continuation = self.exited.continuation
        self.process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try self.process.run()
        TestProcesses.register(self.process.processIdentifier)
    }

    /// Waits for the "Serving … at http://127.0.0.1:PORT" line.
    func waitUntilListening() async throws -> String {
        var line = ""
        let ready = try await eventually(timeout: .seconds(30)) {
            guard let found = self.stdout.text().split(separator: "\n").first(where: { $0.hasPrefix("Serving ") })
            else {
                return false
            }
            line = String(found)
            return true
        }
        guard ready, let url = line.split(separator: " ").last, let port = Int(url.split(separator: ":").last ?? "")
        else {
            throw TestFailure("the server did not print its URL; stderr: \(self.stderr.text())")
        }
        self.port = port
        return line
    }

    func signal(_ number: Int32) {
        kill(self.process.processIdentifier, number)
    }

    /// Waits for the process to exit and returns its status, killing it if it takes longer than `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let pid = self.process.processIdentifier
        let killer = Task {
            try await Task.sleep(for: timeout)
            kill(pid, SIGKILL)
        }
        var status: Int32?
        for await code in self.exited.stream { status = code }
        killer.cancel()
        _ = try? await eventually(timeout: .seconds(5)) { self.stdout.isFinished && self.stderr.isFinished }
        return self.process.terminationReason == .exit ? status : nil
    }

    /// Kills the process if a test left it running.
    func stop() {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
    }
}

/// A one-way flag shared between test tasks.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() { self.value.withLock { $0 = true } }

    var isSet: Bool { self.value.withLock { $0 } }
}

/// A count shared between tasks.
final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() { self.value.withLock { $0 += 1 } }

    var current: Int { self.value.withLock { $0 } }
}
