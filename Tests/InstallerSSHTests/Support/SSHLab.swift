import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Errors of the test support code.
struct LabError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a program to completion and returns its stdout; throws on a non-zero exit.
@discardableResult
func sh(_ program: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
    let output = try await runOffThePool(program, arguments, environment: environment ?? [:])
    guard output.status == 0 else {
        throw LabError(
            description: "\(program) \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.stderr)"
        )
    }
    return output.stdout
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func waitUntil(_ timeout: Duration = .seconds(10), _ what: String, _ condition: () async -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while await !condition() {
        guard clock.now < deadline else { throw LabError(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A temporary directory with client keys; removed by `cleanup()`.
final class SSHLab: @unchecked Sendable {
    // @unchecked: written only during init; the list of servers is guarded by `lock`.
    let dir: String
    /// An unencrypted ed25519 client key, authorised on every server of this lab.
    let key: String
    /// An ed25519 key encrypted with `passphrase`, also authorised.
    let encryptedKey: String
    let passphrase = "correct horse battery staple"
    /// An RSA key (authorised too: it must still fail on libssh2 1.10).
    let rsaKey: String
    let authorizedKeys: String
    private var servers: [SSHD] = []
    private let lock = NSLock()

    init() async throws {
        dir = NSTemporaryDirectory() + "ssh-lab-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o700)
        key = dir + "/id_ed25519"
        encryptedKey = dir + "/id_ed25519_enc"
        rsaKey = dir + "/id_rsa"
        try await sh("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
        try await sh("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", encryptedKey])
        try await sh("/usr/bin/ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", rsaKey])
        authorizedKeys = dir + "/authorized_keys"
        let pubs = try [key, encryptedKey, rsaKey].map { try String(contentsOfFile: $0 + ".pub", encoding: .utf8) }
        try pubs.joined().write(toFile: authorizedKeys, atomically: true, encoding: .utf8)
    }

    /// A fresh, empty known_hosts path inside the lab.
    func knownHostsPath(_ name: String = UUID().uuidString) -> String { dir + "/known_hosts-" + name }

    /// Starts an sshd listening on `addresses` (all on one free port) with its own ed25519 host key.
    func startSSHD(
        addresses: [String] = ["127.0.0.1"],
        hostKeyType: String = "ed25519",
        extraConfig: [String] = [],
        netns: String? = nil,
        port fixedPort: Int? = nil
    ) async throws -> SSHD {
        let name = "sshd-" + UUID().uuidString.prefix(8)
        let base = dir + "/" + name
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let hostKey = base + "/hostkey"
        try await sh("/usr/bin/ssh-keygen", ["-q", "-t", hostKeyType, "-N", "", "-f", hostKey])
        let port = fixedPort ?? freePort(on: addresses[0])
        // sshd keeps the first value of most keywords: extra settings go first.
        var config = addresses.map { "ListenAddress \($0.contains(":") ? "[\($0)]" : $0):\(port)" } + extraConfig
        config += [
            "HostKey \(hostKey)",
            "PidFile none",
            "AuthorizedKeysFile \(authorizedKeys)",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin yes",
            "StrictModes no",
            "UsePAM no",
            "UseDNS no",
            "MaxStartups 1000",
            "MaxSessions 100",
            "AllowTcpForwarding yes",
            "SetEnv SHLVL=1",
            "LogLevel ERROR",
            "Subsystem sftp internal-sftp",
        ]
        let daemon = try await SSHDaemon.start(
            directory: base,
            config: config,
            addresses: addresses,
            port: port,
            netns: netns
        )
        let server = SSHD(
            daemon: daemon,
            hostKeyPublic: try String(contentsOfFile: hostKey + ".pub", encoding: .utf8),
            hostKeyFingerprint: try await sh("/usr/bin/ssh-keygen", ["-l", "-f", hostKey + ".pub"]).split(
                separator: " "
            )[1]
            .description
        )
        lock.withLock { servers.append(server) }
        return server
    }

    /// A target for `address:port` with this lab's key and a private known_hosts file.
    func target(
        _ address: String,
        port: Int,
        knownHosts: String? = nil,
        policy: HostKeyPolicy = .acceptNew,
        authentication: SSHAuthentication? = nil,
        timeouts: SSHTimeouts = SSHTimeouts(connect: .seconds(5), handshake: .seconds(10))
    ) -> SSHTarget {
        SSHTarget(
            host: address,
            port: port,
            user: "root",
            authentication: authentication ?? .privateKey(path: key),
            hostKeyPolicy: policy,
            knownHostsFile: knownHosts ?? knownHostsPath(),
            timeouts: timeouts
        )
    }

    /// Stops every sshd this lab started (by PID) and removes the directory.
    func cleanup() {
        let all = lock.withLock { servers }
        for server in all { server.stop() }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// One sshd process started by an `SSHLab`.
final class SSHD: Sendable {
    let daemon: SSHDaemon
    let hostKeyPublic: String
    let hostKeyFingerprint: String

    init(daemon: SSHDaemon, hostKeyPublic: String, hostKeyFingerprint: String) {
        self.daemon = daemon
        self.hostKeyPublic = hostKeyPublic
        self.hostKeyFingerprint = hostKeyFingerprint
    }

    var addresses: [String] { daemon.addresses }
    var port: Int { daemon.port }
    var pid: pid_t { daemon.pid }
    var log: String { daemon.log }
    var address: String { addresses[0] }

    /// A known_hosts line for this server under `address`.
    func knownHostsLine(for address: String? = nil) -> String {
        let parts = hostKeyPublic.split(separator: " ")
        return "[\(address ?? self.address)]:\(port) \(parts[0]) \(parts[1])"
    }

    /// Stops this sshd (by its PID) and reaps it. Idempotent.
    func stop() { daemon.stop() }
}
