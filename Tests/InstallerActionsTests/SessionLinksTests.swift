import Foundation
import InstallerCluster
import InstallerRender
import InstallerSSH
import InstallerTestSupport
import Testing

@testable import InstallerActions

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Sessions kept for the run, against a real sshd", .serialized, .stopsProcesses)
struct SessionLinksTests {
    static var user: String { String(cString: getpwuid(getuid())!.pointee.pw_name) }

    static func target(_ workspace: Workspace, _ sshd: LoopbackSSHD, port: Int? = nil) -> SSHTarget {
        SSHTarget(
            host: "127.0.0.1",
            port: port ?? sshd.port,
            user: user,
            authentication: .privateKey(path: sshd.clientKey),
            knownHostsFile: workspace.root + "/known_hosts",
            // Loopback answers at once; the margin is for a machine loaded by parallel tests (CI).
            timeouts: SSHTimeouts(connect: .seconds(20), handshake: .seconds(30))
        )
    }

    /// Runs `echo ran` on the host's kept session.
    static func echo(_ links: SessionLinks, _ target: SSHTarget) async throws -> String {
        let output = Output()
        try await links.withSession(target) { session throws(SSHError) in
            output.set(try await session.run("echo ran").stdout.text)
        }
        return output.text
    }

    final class Output: @unchecked Sendable {
        // Written by one job, read after it finished.
        var text = ""
        func set(_ value: String) { text = value }
    }

    @Test("Jobs share one login; a session that died while kept is replaced before the next job")
    func reuseThenReplace() async throws {
        let workspace = try Workspace()
        let sshd = try await LoopbackSSHD.start(workspace: workspace, addresses: ["127.0.0.1"])
        let fleet = SSHFleet()
        // Probe before every job, so the dead session is noticed at once.
        let links = SessionLinks(fleet: fleet, probeAfter: .zero)
        let target = Self.target(workspace, sshd)

        #expect(try await Self.echo(links, target) == "ran\n")
        #expect(try await Self.echo(links, target) == "ran\n")
        #expect(sshd.logins == 1)

        try sshd.dropConnections()
        #expect(try await Self.echo(links, target) == "ran\n")
        #expect(sshd.logins == 2)

        await links.closeAll()
        await fleet.shutdown()
    }

    @Test("A prefetched session serves the next job; a failed connect is reported as itself")
    func prefetchAndRefused() async throws {
        let workspace = try Workspace()
        let sshd = try await LoopbackSSHD.start(workspace: workspace, addresses: ["127.0.0.1"])
        let fleet = SSHFleet()
        let links = SessionLinks(fleet: fleet)
        let target = Self.target(workspace, sshd)

        let warmed = Output()
        links.prefetch(target) { session in
            warmed.set((try? await session.run("echo warm").stdout.text) ?? "")
        }
        #expect(try await Self.echo(links, target) == "ran\n")
        #expect(warmed.text == "warm\n")  // the warm-up ran first, on the same session
        #expect(sshd.logins == 1)

        // A port held by a socket that does not listen: connecting is refused, and nobody else can take it.
        let holder = try RefusingPort()
        defer { holder.close() }
        let closed = Self.target(workspace, sshd, port: holder.port)
        await #expect {
            try await links.withSession(closed) { _ throws(SSHError) in }
        } throws: { error in
            (error as? SSHError)?.code == .refused
        }

        await links.closeAll()
        await fleet.shutdown()
    }

    @Test("A fan-out keeps at most parallelism plus a small look-ahead sessions, each closed when its host is done")
    func boundedFanOut() async throws {
        let workspace = try Workspace()
        let addresses = (1...16).map { "127.0.1.\($0)" }
        let sshd = try await LoopbackSSHD.start(workspace: workspace, addresses: addresses)
        let fleet = SSHFleet(FleetConfiguration(parallelism: 3))
        let links = SessionLinks(fleet: fleet)
        #expect(links.capacity == 3 + SessionLinks.lookAhead(parallelism: 3))
        let worker = LinkWorker(links: links) { host in
            var target = Self.target(workspace, sshd)
            target.host = host
            return target
        }
        let nodes = addresses.map { ClusterNode(host: $0, role: .slave) }
        let records = await Orchestrator.parallel(
            .preflight,
            nodes: nodes,
            limit: 3,
            worker: worker,
            observer: SilentObserver()
        )
        #expect(records.allSatisfy { $0.status == .ok }, "\(records.map(\.message))")
        #expect(sshd.logins == 16)  // one session per host, prefetched or not
        // Released hosts close in the background; the bound allows for one closing per free slot.
        #expect(links.peak <= links.capacity + 3, "peak \(links.peak)")
        await links.closeAll()
        #expect(links.live == 0)
        await fleet.shutdown()
    }

    @Test("At capacity, a new host's session closes the one idle the longest; a prefetch is skipped")
    func capacityEvictsTheIdlest() async throws {
        let workspace = try Workspace()
        let sshd = try await LoopbackSSHD.start(
            workspace: workspace,
            addresses: ["127.0.2.1", "127.0.2.2", "127.0.2.3"]
        )
        let fleet = SSHFleet()
        let links = SessionLinks(fleet: fleet, capacity: 2)
        func target(_ host: String) -> SSHTarget {
            var target = Self.target(workspace, sshd)
            target.host = host
            return target
        }
        #expect(try await Self.echo(links, target("127.0.2.1")) == "ran\n")
        #expect(try await Self.echo(links, target("127.0.2.2")) == "ran\n")
        links.prefetch(target("127.0.2.3"))  // at capacity with nothing busy: skipped, not connected
        #expect(links.live == 2)
        #expect(try await Self.echo(links, target("127.0.2.3")) == "ran\n")  // closes 127.0.2.1's
        try await waitUntil("the idlest session to close") { links.live == 2 }
        #expect(try await Self.echo(links, target("127.0.2.2")) == "ran\n")  // still kept: no new login
        #expect(sshd.logins == 3)
        await links.closeAll()
        await fleet.shutdown()
    }
}

/// The session bound on 1,000 hosts (63 sshd processes on loopback). Heavy: set
/// `INSTALLER_SSH_THOUSAND=1` to run it; it prints the peak of open sessions.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["INSTALLER_SSH_THOUSAND"] != nil), .stopsProcesses)
struct ThousandHostFanOutTests {
    @Test func thousandHostsUnderTheSessionBound() async throws {
        let workspace = try Workspace()
        let addresses = (0..<1000).map { "127.0.\(10 + $0 / 250).\(1 + $0 % 250)" }
        let sshd = try await LoopbackSSHD.start(workspace: workspace, addresses: addresses)
        defer { sshd.stop() }
        let fleet = SSHFleet(FleetConfiguration(parallelism: 20))
        let links = SessionLinks(fleet: fleet)
        let worker = LinkWorker(links: links) { host in
            var target = SessionLinksTests.target(workspace, sshd)
            target.host = host
            return target
        }
        let clock = ContinuousClock()
        let started = clock.now
        let records = await Orchestrator.parallel(
            .preflight,
            nodes: addresses.map { ClusterNode(host: $0, role: .slave) },
            limit: 20,
            worker: worker,
            observer: SilentObserver()
        )
        let elapsed = clock.now - started
        await links.closeAll()
        await fleet.shutdown()
        print(
            "1000-host fan-out: parallelism 20, capacity \(links.capacity), peak \(links.peak) open sessions, \(elapsed)"
        )
        #expect(records.allSatisfy { $0.status == .ok })
        #expect(links.peak <= links.capacity + 20)
        #expect(sshd.logins == 1000)
    }
}

/// The SSH actions' use of kept sessions, without the node installer: each host runs `true` on its
/// session; prefetch and release go to the links, as in ``SSHNodeWorker``.
struct LinkWorker: NodeWorker {
    let links: SessionLinks
    let target: @Sendable (String) -> SSHTarget

    init(links: SessionLinks, target: @escaping @Sendable (String) -> SSHTarget) {
        self.links = links
        self.target = target
    }

    func perform(_ phase: Phase, on node: ClusterNode) async -> HostRecord {
        do throws(SSHError) {
            try await links.withSession(target(node.host)) { session throws(SSHError) in
                _ = try await session.run("true")
            }
            return HostRecord(node: node, address: node.host, status: .ok)
        } catch {
            return HostRecord(node: node, address: node.host, status: .failed, message: error.description)
        }
    }

    func address(of node: ClusterNode) -> String { node.host }
    func prefetch(_ nodes: [ClusterNode]) { for node in nodes { links.prefetch(target(node.host)) } }
    func release(_ nodes: [ClusterNode]) { for node in nodes { links.release(target(node.host)) } }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestProcessError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
