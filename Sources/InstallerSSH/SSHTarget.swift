#if canImport(Glibc)
    import Glibc
#endif

/// A secret string (sudo password, key passphrase). Its description is redacted so it cannot leak
/// into logs or error messages by accident.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Read it only to hand it to libssh2 or a remote stdin.
    public let value: String

    /// Wraps `value`.
    public init(_ value: String) { self.value = value }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
}

/// Where a secret comes from.
public enum SecretSource: Sendable, Hashable {
    /// Read from this environment variable when the session needs it. Missing or empty is an error.
    case environment(String)
    /// Already known (for example read from a terminal prompt by the CLI before the run).
    case value(Secret)

    func resolve(host: String, what: String) throws(SSHError) -> Secret {
        switch self {
        case .value(let secret):
            return secret
        case .environment(let name):
            guard let raw = getenv(name), let value = String(validatingCString: raw), !value.isEmpty else {
                throw SSHError(
                    .configuration,
                    host: host,
                    "the \(what) is to be read from the environment variable \(name), which is not set"
                )
            }
            return Secret(value)
        }
    }
}

/// How to authenticate.
public enum SSHAuthentication: Sendable, Hashable {
    /// A private key file (OpenSSH or PEM format; ed25519 or ECDSA; RSA only with libssh2 ≥ 1.11).
    case privateKey(path: String, passphrase: SecretSource? = nil)
    /// The identities of the ssh-agent at `SSH_AUTH_SOCK`.
    case agent
}

/// How the host key is verified.
public enum HostKeyPolicy: Sendable, Hashable {
    /// The key must already be in known_hosts.
    case strict
    /// Unknown hosts are recorded in known_hosts; a changed key is refused. The default.
    case acceptNew
    /// The key's SHA-256 fingerprint must be one of these (`SHA256:…` as `ssh-keygen -l` prints them).
    case pinned([String])
}

/// Whether and how the command is run through sudo.
public enum SudoMode: Sendable, Hashable {
    /// Run the command as the login user.
    case none
    /// `sudo -n`: fail rather than ask for a password.
    case passwordless
    /// `sudo -S`, with the password fed on stdin (never on a command line, never logged).
    case password(SecretSource)
}

/// Timeouts of one session. `nil` means no limit.
public struct SSHTimeouts: Sendable, Hashable {
    /// TCP connect.
    public var connect: Duration
    /// SSH handshake, host-key check and authentication together.
    public var handshake: Duration
    /// A command that produces no output for this long is stopped.
    public var commandIdle: Duration?
    /// A command that runs longer than this is stopped (DC/OS's `process_timeout`).
    public var commandTotal: Duration?
    /// Interval of SSH keepalive messages while waiting; `nil` disables them.
    public var keepalive: Duration?

    /// Creates timeouts. Defaults: connect 10 s, handshake 30 s, idle none, total 120 s, keepalive 15 s.
    public init(
        connect: Duration = .seconds(10),
        handshake: Duration = .seconds(30),
        commandIdle: Duration? = nil,
        commandTotal: Duration? = .seconds(120),
        keepalive: Duration? = .seconds(15)
    ) {
        self.connect = connect
        self.handshake = handshake
        self.commandIdle = commandIdle
        self.commandTotal = commandTotal
        self.keepalive = keepalive
    }
}

/// A jump host (`ssh_bastion`, `user@host:port`). It is reached once per fleet run; targets are reached
/// through `direct-tcpip` channels over that one connection.
public struct SSHBastion: Sendable, Hashable {
    /// Host name or address of the jump host.
    public var host: String
    /// Its SSH port.
    public var port: Int
    /// The login user on the jump host.
    public var user: String
    /// Credentials for the jump host.
    public var authentication: SSHAuthentication
    /// Host-key policy for the jump host itself.
    public var hostKeyPolicy: HostKeyPolicy

    /// Creates a bastion description.
    public init(
        host: String,
        port: Int = 22,
        user: String,
        authentication: SSHAuthentication,
        hostKeyPolicy: HostKeyPolicy = .acceptNew
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.authentication = authentication
        self.hostKeyPolicy = hostKeyPolicy
    }

    /// Parses `user@host:port`, `user@host`, `user@[v6addr]:port`; the user defaults to `defaultUser`.
    public static func parse(
        _ text: String,
        defaultUser: String,
        authentication: SSHAuthentication,
        hostKeyPolicy: HostKeyPolicy = .acceptNew
    ) -> SSHBastion? {
        var rest = Substring(text)
        var user = defaultUser
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        guard let (host, port) = splitHostPort(rest), !user.isEmpty else { return nil }
        return SSHBastion(
            host: host,
            port: port ?? 22,
            user: user,
            authentication: authentication,
            hostKeyPolicy: hostKeyPolicy
        )
    }
}

/// Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
func splitHostPort(_ text: Substring) -> (String, Int?)? {
    if text.hasPrefix("[") {
        guard let close = text.firstIndex(of: "]") else { return nil }
        let host = String(text[text.index(after: text.startIndex)..<close])
        let after = text[text.index(after: close)...]
        if after.isEmpty { return host.isEmpty ? nil : (host, nil) }
        guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
        return (host, port)
    }
    let colons = text.filter { $0 == ":" }.count
    if colons == 1, let colon = text.firstIndex(of: ":") {
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
    return text.isEmpty ? nil : (String(text), nil)
}

/// Everything needed to reach and log in to one host. Plain values; the CLI builds them from config.
public struct SSHTarget: Sendable, Hashable {
    /// Host name, IPv4 or IPv6 address (without brackets).
    public var host: String
    /// SSH port.
    public var port: Int
    /// Login user.
    public var user: String
    /// Credentials.
    public var authentication: SSHAuthentication
    /// Host-key verification.
    public var hostKeyPolicy: HostKeyPolicy
    /// The known_hosts file read and, with `.acceptNew`, appended to.
    public var knownHostsFile: String
    /// Optional jump host.
    public var bastion: SSHBastion?
    /// Sudo wrapping for commands.
    public var sudo: SudoMode
    /// Timeouts.
    public var timeouts: SSHTimeouts
    /// Record new host keys hashed (`|1|salt|hash`, like OpenSSH's `HashKnownHosts yes`).
    public var hashKnownHostsEntries: Bool = false

    /// Creates a target. The known_hosts file defaults to `genconf/known_hosts`, as in the issue.
    public init(
        host: String,
        port: Int = 22,
        user: String,
        authentication: SSHAuthentication,
        hostKeyPolicy: HostKeyPolicy = .acceptNew,
        knownHostsFile: String = "genconf/known_hosts",
        bastion: SSHBastion? = nil,
        sudo: SudoMode = .none,
        timeouts: SSHTimeouts = SSHTimeouts()
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.authentication = authentication
        self.hostKeyPolicy = hostKeyPolicy
        self.knownHostsFile = knownHostsFile
        self.bastion = bastion
        self.sudo = sudo
        self.timeouts = timeouts
    }

    /// `host` or `host:port` (`[v6]:port`) when the port is not 22; used in messages and results.
    public var label: String {
        if port == 22 { return host }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
