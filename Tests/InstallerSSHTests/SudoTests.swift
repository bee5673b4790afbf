import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(
    "sudo",
    .enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo"), "needs root and sudo"),
    .serialized,
    .stopsProcesses
)
final class SudoTests {
    let lab: SSHLab
    let user: TestUser
    let server: SSHD

    init() async throws {
        lab = try await SSHLab()
        user = try TestUser(sudoers: "ALL=(ALL) ALL")
        // sshd reads authorized_keys as the target user, who cannot enter the lab directory (0700).
        let keys = try user.authorize(lab.authorizedKeys)
        server = try await lab.startSSHD(extraConfig: ["AuthorizedKeysFile \(keys)"])
    }

    deinit {
        lab.cleanup()
        user.remove()
    }

    func target(_ sudo: SudoMode) -> SSHTarget {
        var target = lab.target(server.address, port: server.port)
        target.user = user.name
        target.sudo = sudo
        return target
    }

    @Test func passwordFedOnStdinNeverOnTheCommandLine() async throws {
        let variable = "INSTALLER_SSH_TEST_SUDO_PASSWORD"
        setenv(variable, user.password, 1)
        defer { unsetenv(variable) }
        let results = await SSHFleet().run(
            "id -u; cat; ps -eo args | grep -c -- '\(user.password.prefix(7))' || true",
            on: [target(.password(.environment(variable)))],
            options: ExecOptions(stdin: Array("payload\n".utf8))
        )
        let result = results[0]
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        let lines = result.output?.stdout.text.split(separator: "\n") ?? []
        #expect(lines.first == "0")  // ran as root
        #expect(lines.dropFirst().first == "payload")  // the rest of stdin reached the command
        #expect(result.output?.stdout.text.contains(user.password) == false)
    }

    @Test func wrongPasswordAndPasswordlessAreRefusedByTheProbeWithTheFix() async throws {
        let wrong = await SSHFleet().run("id -u", on: [target(.password(.value(Secret("not-it"))))])[0]
        #expect(wrong.error?.code == .privilege)
        #expect(wrong.error?.description.contains("sudo refused the password for \(user.name)") == true)
        #expect(wrong.error?.description.contains("not-it") == false)
        #expect(wrong.output == nil)  // the command itself never ran
        // sudo -n must fail rather than wait for a password that never comes; the probe says how to fix it.
        let passwordless = await SSHFleet().run("id -u", on: [target(.passwordless)])[0]
        #expect(passwordless.error?.code == .privilege)
        let message = passwordless.error?.description ?? ""
        #expect(message.contains("sudo asks \(user.name) for a password"), "\(message)")
        #expect(message.contains("ssh_sudo: password"))
        #expect(passwordless.output == nil)
    }

    @Test func aSudoThatDoesNotAskIsNeverSentThePassword() async throws {
        try user.setSudoers("ALL=(ALL) NOPASSWD: ALL")
        let results = await SSHFleet().run(
            "id -u; cat",
            on: [target(.password(.value(Secret(user.password))))],
            options: ExecOptions(stdin: Array("payload\n".utf8))
        )
        #expect(results[0].error == nil, "\(results[0].error?.description ?? "")")
        // Root, and stdin is exactly what the caller gave: no password line for the command to read.
        #expect(results[0].output?.stdout.text == "0\npayload\n")
    }

    @Test func aUserWithoutSudoFailsTheProbeBeforeAnyCommandRuns() async throws {
        // A host without sudo, as a minimal image is: the user's PATH has a shell and id, no sudo.
        let bin = lab.dir + "/nosudo-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["sh", "id", "touch"] { symlink("/usr/bin/" + tool, bin + "/" + tool) }
        chmod(lab.dir, 0o755)
        let keys = "/home/\(user.name)/authorized_keys"
        let server = try await lab.startSSHD(extraConfig: ["AuthorizedKeysFile \(keys)", "SetEnv PATH=\(bin)"])
        var target = lab.target(server.address, port: server.port)
        target.user = user.name
        target.sudo = .passwordless
        let marker = "/home/\(user.name)/changed"
        let result = await SSHFleet().run("touch \(marker)", on: [target])[0]
        #expect(result.error?.code == .privilege)
        #expect(
            result.error?.description
                == "\(target.label): \(user.name) (uid \(getpwnam(user.name).pointee.pw_uid)) is not root and the host has no sudo: install sudo on it, or log in as root (ssh_user: root)"
        )
        #expect(!FileManager.default.fileExists(atPath: marker))  // nothing ran
    }
}
