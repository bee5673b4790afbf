import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

@Suite("host-key policies", .stopsProcesses)
final class HostKeyTests {
    let lab: SSHLab
    let fleet = SSHFleet()

    init() async throws { lab = try await SSHLab() }
    deinit { lab.cleanup() }

    func check(_ target: SSHTarget) async -> HostResult {
        await fleet.run("true", on: [target])[0]
    }

    @Test func acceptNewRecordsUnknownHostThenMatches() async throws {
        let server = try await lab.startSSHD()
        let knownHosts = lab.knownHostsPath()
        let target = lab.target(server.address, port: server.port, knownHosts: knownHosts)
        let first = await check(target)
        #expect(first.error == nil)
        #expect(first.notes.contains { $0.contains("recorded new host key") })
        let text = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(text == server.knownHostsLine() + "\n")
        let second = await check(target)
        #expect(second.error == nil)
        #expect(second.notes.isEmpty)
    }

    @Test func changedKeyIsAHardFailureWithBothFingerprintsAndTheFix() async throws {
        let server = try await lab.startSSHD()
        let impostor = try await lab.startSSHD()
        let knownHosts = lab.knownHostsPath()
        // Record the impostor's key under the real server's name.
        let parts = impostor.hostKeyPublic.split(separator: " ")
        try "[\(server.address)]:\(server.port) \(parts[0]) \(parts[1])\n".write(
            toFile: knownHosts,
            atomically: true,
            encoding: .utf8
        )
        for policy in [HostKeyPolicy.acceptNew, .strict] {
            let result = await check(
                lab.target(server.address, port: server.port, knownHosts: knownHosts, policy: policy)
            )
            let error = try #require(result.error)
            #expect(error.code == .hostKeyChanged)
            #expect(error.description.contains(server.hostKeyFingerprint))
            #expect(error.description.contains(impostor.hostKeyFingerprint))
            #expect(error.description.contains("ssh-keygen -f '\(knownHosts)' -R '[\(server.address)]:\(server.port)'"))
        }
        // The file is left alone.
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test("--accept-host-key: a replaced machine's old entries (plain and hashed) go, its new key is recorded")
    func forgetHostKeyAcceptsTheReplacedMachine() async throws {
        let server = try await lab.startSSHD()
        let impostor = try await lab.startSSHD()
        let knownHosts = lab.knownHostsPath()
        let parts = impostor.hostKeyPublic.split(separator: " ")
        let name = "[\(server.address)]:\(server.port)"
        // The old key, recorded twice (plain, and a copy hashed by ssh-keygen -H), beside another host's entry.
        try "\(name) \(parts[0]) \(parts[1])\n".write(toFile: knownHosts + ".hashed", atomically: true, encoding: .utf8)
        try await sh("/usr/bin/ssh-keygen", ["-H", "-f", knownHosts + ".hashed"])
        let hashed = try String(contentsOfFile: knownHosts + ".hashed", encoding: .utf8)
        let other = "[198.18.0.99]:22 \(parts[0]) \(parts[1])"
        try "\(name) \(parts[0]) \(parts[1])\n\(other)\n\(hashed)".write(
            toFile: knownHosts,
            atomically: true,
            encoding: .utf8
        )
        let target = lab.target(server.address, port: server.port, knownHosts: knownHosts)
        #expect(await check(target).error?.code == .hostKeyChanged)
        #expect(try target.forgetHostKey() == 2)
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == other + "\n")
        let accepted = await check(target)
        #expect(accepted.error == nil)
        #expect(accepted.notes.contains { $0.contains("recorded new host key") })
        #expect(try target.forgetHostKey() == 1)
        #expect(try target.forgetHostKey() == 0)
    }

    @Test func strictRefusesUnknownAndAcceptsKnown() async throws {
        let server = try await lab.startSSHD()
        let knownHosts = lab.knownHostsPath()
        let unknown = await check(
            lab.target(server.address, port: server.port, knownHosts: knownHosts, policy: .strict)
        )
        #expect(unknown.error?.code == .hostKeyUnknown)
        #expect(unknown.error?.description.contains(server.hostKeyFingerprint) == true)
        #expect(!FileManager.default.fileExists(atPath: knownHosts))
        try (server.knownHostsLine() + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let known = await check(lab.target(server.address, port: server.port, knownHosts: knownHosts, policy: .strict))
        #expect(known.error == nil)
    }

    @Test func hashedEntriesAndBadLinesAreHandled() async throws {
        let server = try await lab.startSSHD()
        let knownHosts = lab.knownHostsPath()
        try (server.knownHostsLine() + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        try await sh("/usr/bin/ssh-keygen", ["-H", "-f", knownHosts])
        let hashed = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(hashed.hasPrefix("|1|"))
        try ("# comment\nthis line is not known_hosts\n" + hashed).write(
            toFile: knownHosts,
            atomically: true,
            encoding: .utf8
        )
        let result = await check(lab.target(server.address, port: server.port, knownHosts: knownHosts, policy: .strict))
        #expect(result.error == nil)
    }

    @Test func recordedTypeIsTheOneAskedFor() async throws {
        // The server offers ECDSA and ed25519; libssh2 would pick ECDSA unless told otherwise.
        let extraKey = lab.dir + "/extra-ecdsa-\(UUID().uuidString.prefix(6))"
        try await sh("/usr/bin/ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", extraKey])
        let server = try await lab.startSSHD(extraConfig: ["HostKey \(extraKey)"])
        let knownHosts = lab.knownHostsPath()
        try (server.knownHostsLine() + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let result = await check(lab.target(server.address, port: server.port, knownHosts: knownHosts, policy: .strict))
        #expect(result.error == nil)
        // accept-new on a fresh file records ed25519, as OpenSSH does.
        let fresh = lab.knownHostsPath()
        #expect(await check(lab.target(server.address, port: server.port, knownHosts: fresh)).error == nil)
        #expect(try String(contentsOfFile: fresh, encoding: .utf8).contains(" ssh-ed25519 "))
    }

    @Test func hashedRecording() async throws {
        let server = try await lab.startSSHD()
        let knownHosts = lab.knownHostsPath()
        var target = lab.target(server.address, port: server.port, knownHosts: knownHosts)
        target.hashKnownHostsEntries = true
        #expect(await check(target).error == nil)
        let text = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(text.hasPrefix("|1|"))
        // OpenSSH finds it too.
        let found = try await sh("/usr/bin/ssh-keygen", ["-F", "[\(server.address)]:\(server.port)", "-f", knownHosts])
        #expect(found.contains("ssh-ed25519"))
        target.hostKeyPolicy = .strict
        #expect(await check(target).error == nil)
    }

    @Test func pinnedFingerprints() async throws {
        let server = try await lab.startSSHD()
        let good = await check(
            lab.target(server.address, port: server.port, policy: .pinned(["SHA256:nope", server.hostKeyFingerprint]))
        )
        #expect(good.error == nil)
        let bad = await check(
            lab.target(
                server.address,
                port: server.port,
                policy: .pinned(["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
            )
        )
        #expect(bad.error?.code == .hostKeyUnknown)
        #expect(bad.error?.description.contains(server.hostKeyFingerprint) == true)
    }
}
