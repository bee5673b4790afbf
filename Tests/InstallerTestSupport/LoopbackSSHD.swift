import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a LoopbackSSHD could not start.
public struct SSHDError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A private OpenSSH sshd on loopback for `--exec`: its own host key and authorized key in a temp dir,
/// listening on two loopback addresses so the cluster has a master and an agent. Stopped by PID.
public final class LoopbackSSHD {
    public let directory: String
    public let port: Int
    public let clientKey: String
    private let pidFile: String

    public init(workspace: Workspace, addresses: [String] = ["127.0.0.1", "127.0.0.2"]) throws {
        directory = workspace.root + "/sshd"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        clientKey = workspace.genconf + "/ssh_key"
        pidFile = directory + "/sshd.pid"
        for key in [directory + "/host_key", clientKey] {
            let result = try runProcess("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
            guard result.status == 0 else { throw SSHDError("ssh-keygen failed: \(result.stderr)") }
        }
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: directory + "/authorized_keys")
        port = try Self.freePort()
        let config = """
            Port \(port)
            \(addresses.map { "ListenAddress " + $0 }.joined(separator: "\n"))
            HostKey \(directory)/host_key
            AuthorizedKeysFile \(directory)/authorized_keys
            PidFile \(pidFile)
            StrictModes no
            UsePAM no
            SetEnv SHLVL=1
            Subsystem sftp internal-sftp
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/sshd_config"))
        let started = try runProcess(
            "/usr/sbin/sshd",
            ["-f", directory + "/sshd_config", "-E", directory + "/sshd.log"]
        )
        guard started.status == 0 else { throw SSHDError("sshd did not start: \(started.stderr)") }
        try waitUntilListening(on: addresses[0])
    }

    /// Logins the server accepted so far (from its log).
    public var logins: Int {
        let log = (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? ""
        return log.components(separatedBy: "Accepted publickey").count - 1
    }

    /// Ends every connection (the per-connection sshd processes, children of ours), as a reboot or a
    /// network cut would; the server keeps listening.
    public func dropConnections() throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw SSHDError("no sshd pid in \(pidFile)") }
        let children = try runProcess("/usr/bin/pgrep", ["-P", String(pid)])
        for line in children.stdout.split(separator: "\n") {
            if let child = pid_t(line.trimmingCharacters(in: .whitespaces)) { kill(child, SIGTERM) }
        }
    }

    deinit {
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGTERM)
        }
    }

    private func waitUntilListening(on address: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.canConnect(address, port: port) { return }
            usleep(20_000)
        }
        throw SSHDError("sshd did not listen on port \(port) within 10 s")
    }

    private static func canConnect(_ host: String, port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw SSHDError("cannot bind a port on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
