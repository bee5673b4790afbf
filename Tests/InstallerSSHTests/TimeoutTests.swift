import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A listening socket that never accepts. With `backlog` 0 its queue fills after one connection,
/// so further SYNs are dropped (a connect timeout on loopback).
final class SilentListener {
    let fd: Int32
    let port: Int
    var fillers: [Int32] = []

    init(address: String, backlog: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &addr.sin_addr)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(fd, backlog)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        self.port = port
        if backlog == 0 {
            // Fill the accept queue.
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            fillers.append(filler)
        }
    }

    deinit {
        for filler in fillers { close(filler) }
        close(fd)
    }
}

@Suite("timeouts and cancellation", .serialized, .stopsProcesses)
final class TimeoutTests {
    let lab: SSHLab
    let fleet = SSHFleet()

    init() async throws { lab = try await SSHLab() }
    deinit { lab.cleanup() }

    @Test func nothingListeningIsRefused() async throws {
        let closed = try RefusingPort()
        defer { closed.close() }
        let result = await fleet.run("true", on: [lab.target("127.0.0.1", port: closed.port)])[0]
        #expect(result.error?.code == .refused)
    }

    @Test func droppedSYNsHitTheConnectTimeout() async throws {
        let listener = SilentListener(address: "127.0.0.5", backlog: 0)
        let clock = ContinuousClock()
        let started = clock.now
        let result = await fleet.run(
            "true",
            on: [lab.target("127.0.0.5", port: listener.port, timeouts: SSHTimeouts(connect: .milliseconds(500)))]
        )[0]
        #expect(result.error?.code == .connectTimeout)
        #expect(clock.now - started < .seconds(3))
    }

    @Test func listenerThatNeverSpeaksHitsTheHandshakeTimeout() async throws {
        let listener = SilentListener(address: "127.0.0.6", backlog: 16)
        let clock = ContinuousClock()
        let started = clock.now
        let result = await fleet.run(
            "true",
            on: [lab.target("127.0.0.6", port: listener.port, timeouts: SSHTimeouts(handshake: .milliseconds(700)))]
        )[0]
        #expect(result.error?.code == .handshakeTimeout)
        #expect(clock.now - started < .seconds(3))
    }

    @Test func idleAndTotalCommandTimeouts() async throws {
        let server = try await lab.startSSHD()
        let idle = await fleet.run(
            "echo hi; sleep 30",
            on: [lab.target(server.address, port: server.port, timeouts: SSHTimeouts(commandIdle: .milliseconds(500)))]
        )[0]
        #expect(idle.error?.code == .commandTimeout)
        #expect(idle.error?.description.contains("no output") == true)
        #expect(idle.timings.work < .seconds(3))

        let total = await fleet.run(
            "while true; do echo tick; sleep 0.1; done",
            on: [
                lab.target(
                    server.address,
                    port: server.port,
                    timeouts: SSHTimeouts(commandIdle: .seconds(5), commandTotal: .milliseconds(800))
                )
            ]
        )[0]
        #expect(total.error?.code == .commandTimeout)
        #expect(total.timings.work < .seconds(3))
    }

    @Test("A command that hits its timeout is stopped on the node: its whole process group")
    func timedOutCommandIsStoppedOnTheNode() async throws {
        let server = try await lab.startSSHD()
        let groupFile = lab.dir + "/timed-out.pgid"
        // A child in the background and one that ignores SIGTERM: both are in the command's group.
        let result = await fleet.run(
            "echo $$ > \(groupFile); sleep 301 & sh -c 'trap \"\" TERM; sleep 302'",
            on: [lab.target(server.address, port: server.port, timeouts: SSHTimeouts(commandTotal: .seconds(1)))]
        )[0]
        #expect(result.error?.code == .commandTimeout)
        let message = result.error?.description ?? ""
        let group = try #require(
            Int(try String(contentsOfFile: groupFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        )
        #expect(
            message.contains("it was stopped on the node (process group \(group), SIGTERM, then SIGKILL)"),
            "\(message)"
        )
        // Nothing of the group is left (kill -0 on a group fails once it is empty).
        try await waitUntil(.seconds(5), "process group \(group) to be gone") { kill(-pid_t(group), 0) != 0 }
    }

    @Test("stderr is exactly the command's own: the process-group line is taken off")
    func stderrCarriesNoMarker() async throws {
        let server = try await lab.startSSHD()
        let target = lab.target(server.address, port: server.port)
        let output = try await fleet.withSession(target) { session throws(SSHError) in
            try await session.run("printf 'a\\nb' >&2")
        }
        #expect(output.stderr.text == "a\nb")
    }

    @Test("Cancelling ends the run within a second and stops the commands on the node, started or just starting")
    func cancellationClosesWithinOneSecond() async throws {
        let server = try await lab.startSSHD()
        let fleet = self.fleet
        let target = lab.target(server.address, port: server.port)
        let groups = lab.dir + "/cancelled.pgids"
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        // The second host may be cancelled while its command is only starting (no output read yet).
        let task = Task {
            await fleet.run("echo $$ >> \(groups); echo started; sleep 30", on: [target, target]) { _ in
                startedContinuation.yield()
            }
        }
        for await _ in started { break }
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        task.cancel()
        let results = await task.value
        #expect(clock.now - cancelledAt < .seconds(1))
        #expect(results.allSatisfy { $0.error?.code == .cancelled })
        // A host cancelled while it was still connecting ran nothing; every command that started is gone.
        let written = (try? String(contentsOfFile: groups, encoding: .utf8)) ?? ""
        for group in written.split(separator: "\n").compactMap({ Int($0) }) {
            try await waitUntil(.seconds(5), "process group \(group) to be gone") { kill(-pid_t(group), 0) != 0 }
        }
    }
}
