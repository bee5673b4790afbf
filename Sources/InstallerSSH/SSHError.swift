/// A classified failure of one SSH operation against one host.
///
/// The `description` is one line a human can act on, and always names the host. Secrets (passwords,
/// passphrases) never appear in it.
public struct SSHError: Error, Sendable, CustomStringConvertible, Hashable {
    /// The class of a failure. New codes may be added; switch with a `default` branch.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case resolve, refused, connectTimeout, connect, handshake, handshakeTimeout
            case hostKeyUnknown, hostKeyChanged, authentication, unsupportedKey, configuration
            case commandFailed, signaled, commandTimeout, cancelled, channel, transfer, checksum
            case disconnected, bastion, privilege
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The host name could not be resolved.
        public static let resolve = Code(.resolve)
        /// The host actively refused the TCP connection.
        public static let refused = Code(.refused)
        /// The TCP connection did not complete within the connect timeout.
        public static let connectTimeout = Code(.connectTimeout)
        /// Any other TCP connect failure (unreachable network, …).
        public static let connect = Code(.connect)
        /// The SSH handshake failed (banner, key exchange, algorithms).
        public static let handshake = Code(.handshake)
        /// Handshake and authentication did not complete within their timeout.
        public static let handshakeTimeout = Code(.handshakeTimeout)
        /// The host key is not in known_hosts (strict policy) or not among the pinned fingerprints.
        public static let hostKeyUnknown = Code(.hostKeyUnknown)
        /// The host offered a key different from the one recorded for it.
        public static let hostKeyChanged = Code(.hostKeyChanged)
        /// The server rejected every credential offered.
        public static let authentication = Code(.authentication)
        /// The key file cannot be used with this libssh2 (RSA on libssh2 < 1.11) or cannot be read.
        public static let unsupportedKey = Code(.unsupportedKey)
        /// The target or fleet configuration is unusable (missing environment variable, bad bastion, …).
        public static let configuration = Code(.configuration)
        /// The command ran and exited with a non-zero status.
        public static let commandFailed = Code(.commandFailed)
        /// The command was killed by a signal.
        public static let signaled = Code(.signaled)
        /// The command produced no output for the idle timeout, or exceeded its total timeout.
        public static let commandTimeout = Code(.commandTimeout)
        /// The operation was cancelled (Ctrl-C, a deadline, task cancellation).
        public static let cancelled = Code(.cancelled)
        /// A channel could not be opened or used.
        public static let channel = Code(.channel)
        /// An SFTP transfer failed.
        public static let transfer = Code(.transfer)
        /// An uploaded file's remote SHA-256 did not match the local one.
        public static let checksum = Code(.checksum)
        /// The connection was lost.
        public static let disconnected = Code(.disconnected)
        /// The jump host could not be reached or refused to open a tunnel.
        public static let bastion = Code(.bastion)
        /// The login user is not root and cannot become root (no sudo, sudo asks for a password that was
        /// not given, or refused the one given).
        public static let privilege = Code(.privilege)

        /// A stable machine-readable name, e.g. `host_key_changed`.
        public var description: String {
            var out = ""
            for ch in value.rawValue {
                if ch.isUppercase {
                    out += "_" + ch.lowercased()
                } else {
                    out.append(ch)
                }
            }
            return out
        }
    }

    /// The failure class.
    public var code: Code
    /// The host (as configured) the failure belongs to, with `:port` when the port is not 22.
    public var host: String
    /// What happened and, where possible, what to do about it. Does not repeat the host.
    public var message: String
    /// The exit status for `.commandFailed`.
    public var exitStatus: Int32?
    /// The signal name (e.g. `TERM`) for `.signaled`.
    public var signal: String?

    /// Creates an error.
    public init(_ code: Code, host: String, _ message: String, exitStatus: Int32? = nil, signal: String? = nil) {
        self.code = code
        self.host = host
        self.message = message
        self.exitStatus = exitStatus
        self.signal = signal
    }

    /// One line: `host: message`.
    public var description: String { "\(host): \(message)" }
}
