import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One OpenSSH sshd the tests started: in the foreground (`-D`, our child, registered with
/// ``TestProcesses``), logging to its own file. Creates everything sshd needs on a fresh machine (its
/// privilege-separation directory), and when it cannot start, the error carries sshd's own last log lines.
public final class SSHDaemon: Sendable {
    public let addresses: [String]
    public let port: Int
    public let pid: pid_t
    /// sshd's `-E` log.
    public let log: String
    public let configPath: String

    private init(addresses: [String], port: Int, pid: pid_t, log: String, configPath: String) {
        self.addresses = addresses
        self.port = port
        self.pid = pid
        self.log = log
        self.configPath = configPath
    }

    public var address: String { addresses[0] }

    /// Writes `config` to DIRECTORY/sshd_config and starts sshd on it; returns once it listens on every
    /// IPv4 address of `addresses` at `port` (up to `timeout`), or throws with sshd's log.
    /// `netns`: run it inside that network namespace (`ip netns exec`).
    public static func start(
        directory: String,
        config: [String],
        addresses: [String],
        port: Int,
        netns: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> SSHDaemon {
        // sshd refuses to start without its privilege-separation directory, and no package creates it
        // while services are held back (policy-rc.d), as on a fresh machine or in a container.
        try FileManager.default.createDirectory(
            atPath: "/run/sshd",
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755]
        )
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configPath = directory + "/sshd_config"
        let log = directory + "/sshd.log"
        try (config.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        let arguments = ["-D", "-f", configPath, "-E", log]
        let pid =
            if let netns {
                try spawnProcess("/usr/sbin/ip", ["netns", "exec", netns, "/usr/sbin/sshd"] + arguments)
            } else {
                try spawnProcess("/usr/sbin/sshd", arguments)
            }
        let daemon = SSHDaemon(addresses: addresses, port: port, pid: pid, log: log, configPath: configPath)
        do {
            for address in addresses where !address.contains(":") {
                try await daemon.waitUntilListening(on: address, netns: netns, timeout: timeout)
            }
        } catch {
            daemon.stop()
            throw error
        }
        return daemon
    }

    private func waitUntilListening(on address: String, netns: String?, timeout: Duration) async throws {
        let where_ = "\(address):\(port)\(netns.map { " in netns \($0)" } ?? "")"
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatusIfExited() {
                throw TestProcessError(
                    "sshd (\(configPath)) exited with status \(status) before listening on \(where_); its log:\n\(logTail(log))"
                )
            }
            if await isListening(address, netns: netns) { return }
            guard ContinuousClock.now < deadline else {
                throw TestProcessError(
                    "sshd (\(configPath)) did not listen on \(where_) within \(timeout); its log:\n\(logTail(log))"
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func isListening(_ address: String, netns: String?) async -> Bool {
        guard let netns else { return canConnect(address, port) }
        // Inside the namespace, through a process: never a blocking connect on the cooperative pool.
        guard
            let probe = try? spawnProcess(
                "/usr/sbin/ip",
                ["netns", "exec", netns, "bash", "-c", "exec 3<>/dev/tcp/\(address)/\(port)"]
            )
        else { return false }
        return await waitForProcessExit(probe) == 0
    }

    /// The exit status when sshd has already exited, nil while it runs (not reaped: WNOWAIT).
    public func exitStatusIfExited() -> Int32? {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info._sifields._sigchld.si_pid == pid
        else { return nil }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? status : 128 + status
    }

    /// Stops this sshd (by its PID) and reaps it. Idempotent. Connections it accepted end with their clients.
    public func stop() {
        TestProcesses.stop(pid)
    }

    /// Ends every connection (the per-connection sshd processes, children of ours), as a reboot or a
    /// network cut would; the server keeps listening.
    public func dropConnections() throws {
        let children = try runProcess("/usr/bin/pgrep", ["-P", String(pid)])
        for line in children.stdout.split(separator: "\n") {
            if let child = pid_t(line.trimmingCharacters(in: .whitespaces)) { kill(child, SIGTERM) }
        }
    }
}

/// True when a TCP connect to address:port succeeds (loopback: answered at once).
public func canConnect(_ address: String, _ port: Int) -> Bool {
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
public func freePort(on address: String = "127.0.0.1") -> Int {
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

/// A loopback port that refuses connections and that no other test can take meanwhile: held by a socket
/// that is bound but does not listen (a port from ``freePort(on:)`` may be taken by another test's
/// listener between the two calls). Close it when done.
public final class RefusingPort: @unchecked Sendable {
    public let port: Int
    private let fd: Int32

    public init(on address: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let descriptor = fd
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw TestProcessError("cannot hold a port on \(address): \(String(cString: strerror(errno)))")
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    public func close() { Glibc.close(fd) }
}
