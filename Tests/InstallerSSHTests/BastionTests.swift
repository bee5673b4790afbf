import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

let isRoot = getuid() == 0

/// A network namespace with a veth pair: the host side has 198.18.0.249/30, the namespace 198.18.0.250/30.
/// A /30 at the top of the test range, so it never meets the testbed's bridge (198.18.0.1/24, hosts from .2).
final class NetworkNamespace {
    let name: String

    init() async throws {
        name = "issh-" + UUID().uuidString.prefix(6).lowercased()
        let hostSide = "v" + name.suffix(6) + "h"
        let nsSide = "v" + name.suffix(6) + "n"
        try await sh("/usr/sbin/ip", ["netns", "add", name])
        do {
            try await sh("/usr/sbin/ip", ["link", "add", hostSide, "type", "veth", "peer", "name", nsSide])
            try await sh("/usr/sbin/ip", ["link", "set", nsSide, "netns", name])
            try await sh("/usr/sbin/ip", ["addr", "add", "198.18.0.249/30", "dev", hostSide])
            try await sh("/usr/sbin/ip", ["link", "set", hostSide, "up"])
            try await exec(["ip", "addr", "add", "198.18.0.250/30", "dev", nsSide])
            try await exec(["ip", "link", "set", nsSide, "up"])
            try await exec(["ip", "link", "set", "lo", "up"])
        } catch {
            remove()
            throw error
        }
    }

    func exec(_ arguments: [String]) async throws {
        try await sh("/usr/sbin/ip", ["netns", "exec", name] + arguments)
    }

    /// Deleting the namespace also deletes the veth pair.
    func remove() {
        if let pid = try? spawnProcess("/usr/sbin/ip", ["netns", "delete", name]) { _ = waitForProcess(pid) }
    }
}

@Suite("jump host", .enabled(if: isRoot, "needs root for ip netns"), .serialized, .stopsProcesses)
final class BastionTests {
    let lab: SSHLab
    let namespace: NetworkNamespace

    init() async throws {
        lab = try await SSHLab()
        namespace = try await NetworkNamespace()
    }

    deinit {
        lab.cleanup()  // stops the sshd processes first
        namespace.remove()
    }

    @Test func targetsReachableOnlyThroughTheJumpHost() async throws {
        // Inside the namespace: the jump host on 198.18.0.250, two targets on the namespace's own loopback.
        let jump = try await lab.startSSHD(
            addresses: ["198.18.0.250"],
            extraConfig: ["LogLevel INFO"],
            netns: namespace.name,
            port: 2222
        )
        let targetA = try await lab.startSSHD(addresses: ["127.0.0.1"], netns: namespace.name, port: 2201)
        let targetB = try await lab.startSSHD(addresses: ["127.0.0.1"], netns: namespace.name, port: 2202)
        // startSSHD waited for each to listen inside the namespace; the jump host must be reachable from here too.
        try await waitUntil(.seconds(30), "jump host sshd from outside the namespace") {
            (try? await sh("/usr/bin/timeout", ["5", "bash", "-c", "exec 3<>/dev/tcp/198.18.0.250/2222"])) != nil
        }
        #expect(jump.port == 2222 && targetA.port == 2201 && targetB.port == 2202)
        // From here, 127.0.0.1:2201 is not the target (nothing listens in our namespace).
        let knownHosts = lab.knownHostsPath()
        let direct = await SSHFleet().run("true", on: [lab.target("127.0.0.1", port: 2201, knownHosts: knownHosts)])
        #expect(direct[0].error?.code == .refused)

        let bastion = SSHBastion(
            host: "198.18.0.250",
            port: 2222,
            user: "root",
            authentication: .privateKey(path: lab.key)
        )
        var targets: [SSHTarget] = []
        for _ in 0..<6 {
            for port in [2201, 2202] {
                var target = lab.target("127.0.0.1", port: port, knownHosts: knownHosts)
                target.bastion = bastion
                targets.append(target)
            }
        }
        let fleet = SSHFleet(FleetConfiguration(parallelism: 12, perHostParallelism: 6))
        let results = await fleet.run(
            "echo $SSH_CONNECTION; head -c 300000 /dev/zero | base64 -w0 | wc -c",
            on: targets
        )
        for result in results {
            #expect(result.error == nil, "\(result.error?.description ?? "")")
            #expect(result.output?.stdout.text.contains("127.0.0.1") == true)
            #expect(result.output?.stdout.text.hasSuffix("400000\n") == true)
        }
        // Host keys are recorded under the configured names, not the tunnel's: two targets and the jump host.
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(recorded.contains("[127.0.0.1]:2201 "))
        #expect(recorded.contains("[127.0.0.1]:2202 "))
        #expect(recorded.contains("[198.18.0.250]:2222 "))
        // The jump host accepted exactly one connection for all twelve sessions.
        let log = try String(contentsOfFile: jump.log, encoding: .utf8)
        #expect(log.components(separatedBy: "Accepted publickey").count - 1 == 1)
    }
}
