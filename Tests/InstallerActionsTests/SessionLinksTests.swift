import Foundation
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
            timeouts: SSHTimeouts(connect: .seconds(5), handshake: .seconds(10))
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
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0
            }
        }
        try #require(bound)
        let closed = Self.target(workspace, sshd, port: Int(UInt16(bigEndian: address.sin_port)))
        await #expect {
            try await links.withSession(closed) { _ throws(SSHError) in }
        } throws: { error in
            (error as? SSHError)?.code == .refused
        }

        await links.closeAll()
        await fleet.shutdown()
    }
}
