import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

func threadCount() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
    return Int(line.split(separator: "\t").last.map(String.init) ?? "") ?? -1
}

@Suite("fleet fan-out", .serialized, .stopsProcesses)
final class FleetTests {
    let lab: SSHLab

    init() async throws { lab = try await SSHLab() }
    deinit { lab.cleanup() }

    /// 200 loopback addresses, served by 13 sshd processes (sshd listens on at most 16 addresses).
    @Test func twoHundredHostsAtOnce() async throws {
        let addresses = (1...200).map { "127.0.1.\($0)" }
        var servers: [SSHD] = []
        for start in stride(from: 0, to: addresses.count, by: 16) {
            servers.append(
                try await lab.startSSHD(addresses: Array(addresses[start..<min(start + 16, addresses.count)]))
            )
        }
        let knownHosts = lab.knownHostsPath()
        var targets: [SSHTarget] = []
        for server in servers {
            for address in server.addresses {
                targets.append(lab.target(address, port: server.port, knownHosts: knownHosts))
            }
        }
        // One host that refuses and one command that fails must not disturb the others.
        let refusing = try RefusingPort()
        defer { refusing.close() }
        targets.insert(lab.target("127.0.0.1", port: refusing.port, knownHosts: knownHosts), at: 100)
        let fleet = SSHFleet(FleetConfiguration(parallelism: 200, handshakeParallelism: 16))
        let threadsBefore = threadCount()
        let results = await fleet.run("test \"$SSH_CONNECTION\" != '' && echo ok || exit 9", on: targets)
        #expect(results.count == 201)
        #expect(results.map(\.host) == targets.map(\.label))  // stable order
        #expect(results[100].error?.code == .refused)
        let others = results.enumerated().filter { $0.offset != 100 }.map(\.element)
        #expect(others.allSatisfy { $0.succeeded && $0.output?.stdout.text == "ok\n" })
        let lines = try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 200)
        #expect(threadCount() - threadsBefore < 16)
    }

    @Test func perHostFailuresStayPerHost() async throws {
        let server = try await lab.startSSHD(addresses: ["127.0.2.1", "127.0.2.2", "127.0.2.3"])
        let knownHosts = lab.knownHostsPath()
        let targets = server.addresses.map { lab.target($0, port: server.port, knownHosts: knownHosts) }
        let fleet = SSHFleet()
        let results = await fleet.run("case $SSH_CONNECTION in *127.0.2.2*) exit 4;; esac; echo fine", on: targets)
        #expect(results[0].succeeded && results[2].succeeded)
        #expect(results[1].error?.code == .commandFailed)
        #expect(results[1].error?.description.hasPrefix("127.0.2.2:\(server.port): ") == true)
    }

    @Test func ipv6AndHostNames() async throws {
        let server = try await lab.startSSHD(addresses: ["127.0.0.1", "::1"], port: freePort())
        let knownHosts = lab.knownHostsPath()
        let targets = ["::1", "localhost", "127.0.0.1"].map {
            lab.target($0, port: server.port, knownHosts: knownHosts)
        }
        let results = await SSHFleet().run("echo $SSH_CONNECTION", on: targets)
        for result in results { #expect(result.error == nil, "\(result.error?.description ?? "")") }
        #expect(results[0].output?.stdout.text.hasPrefix("::1 ") == true)
        #expect(results[0].host == "[::1]:\(server.port)")
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(recorded.contains("[::1]:\(server.port) ssh-ed25519 "))
        #expect(recorded.contains("[localhost]:\(server.port) ssh-ed25519 "))
    }

    @Test func extraSSHOptions() throws {
        var target = lab.target("127.0.0.1", port: 22)
        try ExtraSSHOptions.apply(["-o", "ConnectTimeout=3", "-oStrictHostKeyChecking=yes", "Port 2222"], to: &target)
        #expect(target.timeouts.connect == .seconds(3))
        #expect(target.hostKeyPolicy == .strict)
        #expect(target.port == 2222)
        #expect(throws: SSHError.self) { try ExtraSSHOptions.apply(["-o", "StrictHostKeyChecking=no"], to: &target) }
        #expect(throws: SSHError.self) { try ExtraSSHOptions.apply(["-o", "ControlMaster=auto"], to: &target) }
    }

    @Test func bastionNameParsing() {
        let auth = SSHAuthentication.agent
        #expect(SSHBastion.parse("core@jump.example:2200", defaultUser: "root", authentication: auth)?.port == 2200)
        #expect(SSHBastion.parse("jump.example", defaultUser: "root", authentication: auth)?.user == "root")
        #expect(SSHBastion.parse("u@[fd00::1]:22", defaultUser: "root", authentication: auth)?.host == "fd00::1")
        #expect(SSHBastion.parse("u@host:0", defaultUser: "root", authentication: auth) == nil)
    }
}

/// One process holding 1,000 concurrent sessions. Heavy (about a minute on 2 cores): set
/// `INSTALLER_SSH_THOUSAND=1` to run it.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["INSTALLER_SSH_THOUSAND"] != nil), .stopsProcesses)
final class ThousandSessionsTests {
    @Test func thousandConcurrentSessions() async throws {
        let lab = try await SSHLab()
        defer { lab.cleanup() }
        let addresses = (0..<1000).map { "127.0.\(10 + $0 / 250).\(1 + $0 % 250)" }
        var servers: [SSHD] = []
        for start in stride(from: 0, to: addresses.count, by: 16) {
            servers.append(
                try await lab.startSSHD(
                    addresses: Array(addresses[start..<min(start + 16, addresses.count)]),
                    extraConfig: ["MaxSessions 10"]
                )
            )
        }
        let knownHosts = lab.knownHostsPath()
        let targets = servers.flatMap { server in
            server.addresses.map { lab.target($0, port: server.port, knownHosts: knownHosts) }
        }
        let fleet = SSHFleet(FleetConfiguration(parallelism: 1000, handshakeParallelism: 20))
        let peak = PeakCounter()
        let barrier = Barrier(count: targets.count)
        let results = await fleet.forEach(targets) { session throws(SSHError) -> Bool in
            peak.enter()
            defer { peak.leave() }
            // Hold every session open until all 1,000 are connected, then use each one.
            await barrier.arrive()
            let out = try await session.run("true")
            return out.termination.isSuccess
        }
        #expect(results.allSatisfy { (try? $0.result.get()) == true })
        #expect(peak.maximum == 1000)
        #expect(threadCount() < 40)
    }
}

final class PeakCounter: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var current = 0
    private(set) var maximum = 0
    func enter() {
        lock.withLock {
            current += 1
            maximum = max(maximum, current)
        }
    }
    func leave() { lock.withLock { current -= 1 } }
}

/// Resumes every arriving task once `count` have arrived (or after two minutes, so a failed host cannot hang the test).
final class Barrier: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var arrived = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let count: Int

    init(count: Int) {
        self.count = count
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(120))
            self?.releaseAll()
        }
    }

    func arrive() async {
        await withCheckedContinuation { continuation in
            let release = lock.withLock { () -> Bool in
                arrived += 1
                waiters.append(continuation)
                return arrived >= count
            }
            if release { releaseAll() }
        }
    }

    private func releaseAll() {
        let all = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in all { waiter.resume() }
    }
}
