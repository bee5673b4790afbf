import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

@Suite("exec against a real sshd", .serialized, .stopsProcesses)
final class ExecTests {
    let lab: SSHLab
    let server: SSHD
    let fleet = SSHFleet()

    init() async throws {
        lab = try await SSHLab()
        server = try await lab.startSSHD()
    }

    deinit { lab.cleanup() }

    func run(_ command: String, options: ExecOptions = ExecOptions()) async throws -> CommandOutput {
        try await fleet.withSession(lab.target(server.address, port: server.port)) { session throws(SSHError) in
            try await session.run(command, options: options)
        }
    }

    @Test("A root login never goes through sudo, whatever ssh_sudo says (minimal hosts have none)")
    func rootLoginRunsWithoutSudo() async throws {
        var target = lab.target(server.address, port: server.port)
        target.sudo = .passwordless
        let (privilege, out) = try await fleet.withSession(target) { session throws(SSHError) in
            (try await session.privilege(), try await session.run("echo \"${SUDO_COMMAND:-no sudo}\"; id -u"))
        }
        #expect(privilege == Privilege(user: "root", uid: 0, sudo: .none))
        #expect(out.stdout.text == "no sudo\n0\n")
    }

    @Test func stdoutStderrAndExitStatus() async throws {
        let out = try await run("echo out; echo err >&2; exit 3")
        #expect(out.stdout.text == "out\n")
        #expect(out.stderr.text == "err\n")
        #expect(out.termination == .exited(3))
    }

    @Test func twoMebibytesOnBothStreamsDoNotStall() async throws {
        let out = try await run("head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; echo done >&2")
        #expect(out.stdout.totalBytes == 3_000_000)
        #expect(out.stderr.totalBytes == 3_000_005)
        #expect(out.termination == .exited(0))
    }

    @Test func interleavedLargeStreams() async throws {
        let out = try await run(
            "(head -c 2500000 /dev/urandom | base64 -w0) & (head -c 2500000 /dev/urandom | base64 -w0 >&2); wait"
        )
        #expect(out.stdout.totalBytes > 2_500_000)
        #expect(out.stderr.totalBytes > 2_500_000)
    }

    @Test func captureKeepsTheTail() async throws {
        let out = try await run("seq 1 100000", options: ExecOptions(captureLimit: 16))
        #expect(out.stdout.isTruncated)
        #expect(out.stdout.text.hasSuffix("99999\n100000\n"))
        #expect(out.stdout.bytes.count == 16)
    }

    @Test func signalIsToldApartFromExit() async throws {
        let out = try await run("kill -TERM $$")
        #expect(out.termination == .signaled("TERM"))
    }

    @Test func stdinBytesReachTheCommand() async throws {
        let input = Array("line one\nzweite Zeile ü\n".utf8)
        let out = try await run("cat; echo end", options: ExecOptions(stdin: input))
        #expect(out.stdout.text == "line one\nzweite Zeile ü\nend\n")
    }

    @Test func nonASCIICommandAndOutput() async throws {
        let out = try await run("printf '%s\\n' 'café ☕ 日本'")
        #expect(out.stdout.text == "café ☕ 日本\n")
    }

    @Test func streamingCallbackSeesOutputLive() async throws {
        let seen = Collected()
        let results = await fleet.run(
            "echo a; sleep 0.2; echo b >&2",
            on: [lab.target(server.address, port: server.port)]
        ) { chunk in
            seen.add(chunk)
        }
        #expect(results[0].succeeded)
        let chunks = seen.all
        #expect(chunks.contains { $0.stream == .stdout && $0.bytes == Array("a\n".utf8) })
        #expect(chunks.contains { $0.stream == .stderr && $0.bytes == Array("b\n".utf8) })
    }

    @Test func fleetClassifiesExitAndSignal() async throws {
        let target = lab.target(server.address, port: server.port)
        let failed = await fleet.run("echo boom >&2; exit 7", on: [target])
        #expect(failed[0].error?.code == .commandFailed)
        #expect(failed[0].error?.exitStatus == 7)
        #expect(failed[0].error?.description.contains(target.label) == true)
        #expect(failed[0].error?.description.contains("boom") == true)
        let killed = await fleet.run("kill -KILL $$", on: [target])
        #expect(killed[0].error?.code == .signaled)
        #expect(killed[0].error?.signal == "KILL")
    }
}

/// Thread-safe collector for streamed chunks.
final class Collected: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var chunks: [OutputChunk] = []
    func add(_ chunk: OutputChunk) { lock.withLock { chunks.append(chunk) } }
    var all: [OutputChunk] { lock.withLock { chunks } }
}
