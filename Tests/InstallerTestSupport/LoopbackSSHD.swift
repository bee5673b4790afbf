import Foundation

/// A private OpenSSH sshd on loopback for the CLI and actions tests: its own host key and authorized key
/// in the workspace, listening on one port of several loopback addresses so the cluster has a master and
/// agents. Started with ``withLoopbackSSHD(workspace:addresses:_:)``, which stops it when the body ends.
///
/// sshd listens on at most 16 addresses: more addresses are served by more sshd processes on the same
/// port, one per 16 addresses, sharing the host key.
public final class LoopbackSSHD: Sendable {
    public let directory: String
    public let port: Int
    public let clientKey: String
    public let daemons: [SSHDaemon]

    private init(directory: String, port: Int, clientKey: String, daemons: [SSHDaemon]) {
        self.directory = directory
        self.port = port
        self.clientKey = clientKey
        self.daemons = daemons
    }

    /// Starts one. Prefer ``withLoopbackSSHD(workspace:addresses:_:)``; a suite that keeps it for its
    /// tests must carry `.stopsProcesses` (and may call ``stop()``).
    public static func start(workspace: Workspace, addresses: [String] = ["127.0.0.1", "127.0.0.2"]) async throws
        -> LoopbackSSHD
    {
        let directory = workspace.root + "/sshd"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let clientKey = workspace.genconf + "/ssh_key"
        for key in [directory + "/host_key", clientKey] {
            let result = try runProcess("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
            guard result.status == 0 else { throw TestProcessError("ssh-keygen failed: \(result.stderr)") }
        }
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: directory + "/authorized_keys")
        let port = freePort(on: addresses[0])
        var daemons: [SSHDaemon] = []
        do {
            for (index, start) in stride(from: 0, to: addresses.count, by: 16).enumerated() {
                let group = Array(addresses[start..<min(start + 16, addresses.count)])
                let config =
                    ["Port \(port)"] + group.map { "ListenAddress " + $0 } + [
                        "HostKey \(directory)/host_key",
                        "AuthorizedKeysFile \(directory)/authorized_keys",
                        "PidFile none",
                        "StrictModes no",
                        "UsePAM no",
                        "UseDNS no",
                        "MaxStartups 100",
                        "SetEnv SHLVL=1",
                        "Subsystem sftp internal-sftp",
                    ]
                daemons.append(
                    try await SSHDaemon.start(
                        directory: index == 0 ? directory : directory + "/\(index)",
                        config: config,
                        addresses: group,
                        port: port
                    )
                )
            }
        } catch {
            for daemon in daemons { daemon.stop() }
            throw error
        }
        return LoopbackSSHD(directory: directory, port: port, clientKey: clientKey, daemons: daemons)
    }

    /// Logins the servers accepted so far (from their logs).
    public var logins: Int {
        daemons.reduce(0) { total, daemon in
            let log = (try? String(contentsOfFile: daemon.log, encoding: .utf8)) ?? ""
            return total + log.components(separatedBy: "Accepted publickey").count - 1
        }
    }

    /// Ends every connection, as a reboot or a network cut would; the servers keep listening.
    public func dropConnections() throws {
        for daemon in daemons { try daemon.dropConnections() }
    }

    /// Stops sshd (by PID). Idempotent.
    public func stop() {
        for daemon in daemons { daemon.stop() }
    }
}

/// Runs `body` with a loopback sshd and stops it when `body` returns or throws.
public func withLoopbackSSHD<T>(
    workspace: Workspace,
    addresses: [String] = ["127.0.0.1", "127.0.0.2"],
    _ body: (LoopbackSSHD) async throws -> T
) async throws -> T {
    let sshd = try await LoopbackSSHD.start(workspace: workspace, addresses: addresses)
    defer { sshd.stop() }
    return try await body(sshd)
}
