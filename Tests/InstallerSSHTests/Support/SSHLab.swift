import Foundation
import InstallerSSH
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Errors of the test support code.
struct LabError: Error, CustomStringConvertible {
    var description: String
}

/// Starts `program` with posix_spawn (Foundation's Process can hang in waitUntilExit on Linux when
/// several children run). stdin is /dev/null; stdout and stderr go to the given files.
/// The child gets a fixed minimal environment plus `environment`: tests call setenv concurrently, and
/// posix_spawn reading `environ` meanwhile fails with EFAULT.
func spawn(
    _ program: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    stdout: String = "/dev/null",
    stderr: String = "/dev/null"
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let variables =
        ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"]
        + environment.map { "\($0.key)=\($0.value)" }
    let envp = variables.map { strdup($0) } + [nil]
    defer { envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, program, &actions, nil, argv, envp)
    guard rc == 0 else { throw LabError(description: "cannot start \(program): \(String(cString: strerror(rc)))") }
    return pid
}

/// Waits for `pid` and returns its exit status (or 128 + signal).
func waitFor(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
}

/// Waits for `pid` on a thread of its own, so the cooperative pool (two threads here) is never blocked.
func waitForExit(_ pid: pid_t) async -> Int32 {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: waitFor(pid)) }
    }
}

/// Runs a program to completion and returns its stdout; throws on a non-zero exit.
@discardableResult
func sh(_ program: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
    let scratch = NSTemporaryDirectory() + "sh-" + UUID().uuidString
    defer {
        unlink(scratch + ".out")
        unlink(scratch + ".err")
    }
    let pid = try spawn(
        program,
        arguments,
        environment: environment ?? [:],
        stdout: scratch + ".out",
        stderr: scratch + ".err"
    )
    let status = await waitForExit(pid)
    let out = (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? ""
    guard status == 0 else {
        let err = (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? ""
        throw LabError(description: "\(program) \(arguments.joined(separator: " ")) failed (\(status)): \(err)")
    }
    return out
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

/// True when a TCP connect to address:port succeeds.
func canConnect(_ address: String, _ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    inet_pton(AF_INET, address, &addr.sin_addr)
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    } == 0
}

/// A TCP port free on `address` right now.
func freePort(on address: String = "127.0.0.1") -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    inet_pton(AF_INET, address, &addr.sin_addr)
    _ = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
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
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
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
            "PidFile \(base)/sshd.pid",
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
        let configPath = base + "/sshd_config"
        try (config.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        let arguments = ["-D", "-f", configPath, "-E", base + "/sshd.log"]
        let pid =
            if let netns {
                try spawn("/usr/sbin/ip", ["netns", "exec", netns, "/usr/sbin/sshd"] + arguments)
            } else {
                try spawn("/usr/sbin/sshd", arguments)
            }
        let server = SSHD(
            addresses: addresses,
            port: port,
            pid: pid,
            hostKeyPublic: try String(contentsOfFile: hostKey + ".pub", encoding: .utf8),
            hostKeyFingerprint: try await sh("/usr/bin/ssh-keygen", ["-l", "-f", hostKey + ".pub"]).split(
                separator: " "
            )[1]
            .description,
            log: base + "/sshd.log"
        )
        lock.withLock { servers.append(server) }
        // Generous: on a loaded 2-core CI machine, three hundred tests start at once.
        for address in addresses where !address.contains(":") {
            try await waitUntil(.seconds(60), "sshd on \(address):\(port)\(netns.map { " in netns \($0)" } ?? "")") {
                if let exit = server.exitStatusIfExited() {
                    let log = (try? String(contentsOfFile: server.log, encoding: .utf8)) ?? ""
                    Issue.record("sshd exited with status \(exit) before listening: \(log)")
                    return true
                }
                if let netns {
                    // Inside the namespace, through a process: never a blocking connect on the cooperative pool.
                    return
                        (try? await sh(
                            "/usr/sbin/ip",
                            ["netns", "exec", netns, "bash", "-c", "exec 3<>/dev/tcp/\(address)/\(port)"]
                        )) != nil
                }
                return canConnect(address, port)
            }
        }
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
    let addresses: [String]
    let port: Int
    let pid: pid_t
    let hostKeyPublic: String
    let hostKeyFingerprint: String
    let log: String

    init(addresses: [String], port: Int, pid: pid_t, hostKeyPublic: String, hostKeyFingerprint: String, log: String) {
        self.addresses = addresses
        self.port = port
        self.pid = pid
        self.hostKeyPublic = hostKeyPublic
        self.hostKeyFingerprint = hostKeyFingerprint
        self.log = log
    }

    var address: String { addresses[0] }

    /// A known_hosts line for this server under `address`.
    func knownHostsLine(for address: String? = nil) -> String {
        let parts = hostKeyPublic.split(separator: " ")
        return "[\(address ?? self.address)]:\(port) \(parts[0]) \(parts[1])"
    }

    /// The exit status when the process has already exited, nil while it runs. It does not reap the
    /// process (WNOWAIT), so `stop()` still signals and reaps only our own PID.
    func exitStatusIfExited() -> Int32? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid
        else { return nil }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? status : 128 + status
    }

    /// Stops this sshd (by its PID) and reaps it. Idempotent.
    func stop() {
        if kill(pid, SIGTERM) == 0 { _ = waitFor(pid) }
    }
}
