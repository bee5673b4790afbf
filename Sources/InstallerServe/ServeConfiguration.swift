/// Where the bootstrap server serves from, where it listens, and the limits it enforces.
public struct ServeConfiguration: Sendable {
    /// Absolute path of `genconf/serve`. It may not exist yet when the server starts: requests then get 404.
    public var root: String
    /// The address to listen on: `0.0.0.0` (all IPv4 interfaces), `::`, `127.0.0.1`, `::1`, or a local address.
    public var bindAddress: String
    /// The TCP port; 0 asks the kernel for an ephemeral port (the URL given to `onListening` names it).
    public var port: Int
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    public var tls: TLSFiles?
    /// Write the request log as JSON lines instead of plain text lines (both go to stderr).
    public var jsonLogs: Bool
    /// Size limits, timeouts and the connection cap.
    public var limits: ServeLimits
    /// The genconf directory whose `keys/` and `secrets/` back `/secrets/` (node tokens); nil serves no secrets.
    public var genconfDirectory: String?
    /// Stop on SIGINT and SIGTERM. The CLI leaves this on; in-process tests turn it off and cancel the task instead.
    public var handlesSignals: Bool

    public init(
        root: String,
        bindAddress: String = "0.0.0.0",
        port: Int,
        tls: TLSFiles? = nil,
        jsonLogs: Bool = false,
        limits: ServeLimits = ServeLimits(),
        handlesSignals: Bool = true,
        genconfDirectory: String? = nil
    ) {
        self.genconfDirectory = genconfDirectory
        self.root = root
        self.bindAddress = bindAddress
        self.port = port
        self.tls = tls
        self.jsonLogs = jsonLogs
        self.limits = limits
        self.handlesSignals = handlesSignals
    }
}

/// The PEM files for `--tls-cert` and `--tls-key`.
public struct TLSFiles: Sendable {
    /// PEM certificate chain, leaf first.
    public var certificatePath: String
    /// PEM private key for the leaf certificate.
    public var privateKeyPath: String

    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }
}

/// Limits that keep slow or hostile clients from holding the server.
public struct ServeLimits: Sendable {
    /// Largest request head (request line and headers, with their line ends) accepted; larger gets 431.
    public var maxHeaderBytes: Int
    /// Most header fields accepted in one request; more gets 431.
    public var maxHeaderCount: Int
    /// Longest request line accepted; longer gets 414.
    public var maxRequestLineBytes: Int
    /// How long a keep-alive connection may wait for the first byte of its next request.
    public var idleTimeout: Duration
    /// How long a client may take to send a complete request head, from its first byte.
    public var headerReadTimeout: Duration
    /// How long a response body may make no progress (a client that stopped reading) before the connection is closed.
    public var sendTimeout: Duration
    /// Most connections open at once; a connection over the cap gets 503 and is closed, the others continue.
    public var maxConnections: Int
    /// Most connections open at once from one client address (a node needs one or two): a client that opens more
    /// gets 503 for them, so that idle connections from one place cannot use up `maxConnections`.
    public var maxConnectionsPerClient: Int
    /// On SIGINT/SIGTERM, how long in-flight responses may take to finish before their connections are closed.
    public var shutdownGracePeriod: Duration

    public init(
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 64,
        maxRequestLineBytes: Int = 8 * 1024,
        idleTimeout: Duration = .seconds(60),
        headerReadTimeout: Duration = .seconds(10),
        sendTimeout: Duration = .seconds(60),
        maxConnections: Int = 1024,
        maxConnectionsPerClient: Int = 64,
        shutdownGracePeriod: Duration = .seconds(30)
    ) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxRequestLineBytes = maxRequestLineBytes
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.sendTimeout = sendTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}
