import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("authentication", .serialized, .stopsProcesses)
final class AuthTests {
    let lab: SSHLab
    let server: SSHD
    let fleet = SSHFleet()

    init() async throws {
        lab = try await SSHLab()
        server = try await lab.startSSHD()
    }
    deinit { lab.cleanup() }

    func check(_ authentication: SSHAuthentication, port: Int? = nil) async -> HostResult {
        await fleet.run(
            "true",
            on: [lab.target(server.address, port: port ?? server.port, authentication: authentication)]
        )[0]
    }

    @Test func passphraseFromEnvironment() async throws {
        let variable = "INSTALLER_SSH_TEST_PASSPHRASE"
        setenv(variable, lab.passphrase, 1)
        defer { unsetenv(variable) }
        let result = await check(.privateKey(path: lab.encryptedKey, passphrase: .environment(variable)))
        #expect(result.error == nil)
    }

    @Test func wrongOrMissingPassphrase() async throws {
        let wrong = await check(.privateKey(path: lab.encryptedKey, passphrase: .value(Secret("wrong"))))
        #expect(wrong.error?.code == .authentication)
        #expect(wrong.error?.description.contains("wrong") == false)  // the secret is never shown
        let missing = await check(
            .privateKey(path: lab.encryptedKey, passphrase: .environment("INSTALLER_SSH_UNSET_VAR"))
        )
        #expect(missing.error?.code == .configuration)
        #expect(missing.error?.description.contains("INSTALLER_SSH_UNSET_VAR") == true)
    }

    @Test func unauthorisedKeyIsRefused() async throws {
        let other = lab.dir + "/stranger"
        try await sh("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other])
        let result = await check(.privateKey(path: other))
        #expect(result.error?.code == .authentication)
        #expect(result.error?.description.contains("refused the key") == true)
    }

    @Test func rsaKeyFailsImmediatelyOnOldLibssh2() async throws {
        // Port with nothing listening: the error must come before any network round trip.
        let result = await check(.privateKey(path: lab.rsaKey), port: freePort())
        #expect(result.error?.code == .unsupportedKey)
        #expect(result.error?.description.contains("ed25519") == true)
    }

    @Test func agent() async throws {
        let socketPath = lab.dir + "/agent.sock"
        let agent = try spawnProcess("/usr/bin/ssh-agent", ["-D", "-a", socketPath])
        defer {
            kill(agent, SIGKILL)  // ssh-agent -D does not exit on SIGTERM
            _ = waitForProcess(agent)
        }
        try await waitUntil(.seconds(10), "ssh-agent socket") { FileManager.default.fileExists(atPath: socketPath) }
        try await sh("/usr/bin/ssh-add", ["-q", lab.key], environment: ["SSH_AUTH_SOCK": socketPath])
        setenv("SSH_AUTH_SOCK", socketPath, 1)
        defer { unsetenv("SSH_AUTH_SOCK") }
        let result = await check(.agent)
        #expect(result.error == nil)
    }
}
