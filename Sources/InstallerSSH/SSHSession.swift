import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// libssh2_init is not thread-safe: run it once, from a Swift global (swift_once), before any session.
private let libssh2GlobalInit: Int32 = libssh2_init(0)

/// A connected, authenticated SSH session to one host.
///
/// Every libssh2 call runs on the session's event-loop thread (the actor's executor), non-blocking:
/// when libssh2 would block, the session suspends until its socket is ready, a deadline passes or the
/// task is cancelled. Obtain one through ``SSHFleet/withSession(_:_:)`` or ``SSHFleet/forEach(_:_:)``;
/// it is closed when the closure returns.
public actor SSHSession {
    /// The target this session is connected to.
    public nonisolated let target: SSHTarget
    nonisolated let loop: EventLoop

    /// Runs this actor's jobs on its event loop.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    var session: OpaquePointer?
    var fd: Int32 = -1
    var nextKeepalive: Instant = .distantFuture
    /// Set for the session of a jump host: the tunnels it carries.
    var tunnels: [Tunnel] = []
    var pumpRunning = false
    /// libssh2 keeps the state of a pending channel open (and SFTP init/open) in the session, not in the
    /// call: two interleaved non-blocking opens would get each other's channel. Opens take turns.
    nonisolated let opening = AsyncSemaphore(1)
    /// How commands get root on this host, once probed (``privilege()``).
    var privilegeResult: Result<Privilege, SSHError>?
    /// Notes worth telling the operator (e.g. a host key was recorded).
    public private(set) var notes: [String] = []

    nonisolated var label: String { target.label }

    init(target: SSHTarget, loop: EventLoop) {
        precondition(libssh2GlobalInit == 0, "libssh2_init failed")
        self.target = target
        self.loop = loop
    }

    // MARK: - Connect

    /// TCP connect (or tunnel), handshake, host-key check and authentication, each bounded by its timeout.
    func connect(through bastion: SSHSession?) async throws(SSHError) {
        let timeouts = target.timeouts
        // Fail before any network round trip when the key cannot work with this libssh2.
        if case .privateKey(let path, _) = target.authentication {
            try KeyFile.inspect(path: path, host: label).checkUsable(path: path, host: label)
        }
        if let bastion {
            fd = try await bastion.openTunnel(to: target.host, port: target.port, for: label)
        } else {
            fd = try await connectTCP(
                host: target.host,
                label: label,
                port: target.port,
                deadline: .now + timeouts.connect,
                loop: loop
            )
        }
        let deadline = Instant.now + timeouts.handshake
        guard let s = cssh2_session_init() else {
            throw SSHError(.handshake, host: label, "libssh2 cannot allocate a session")
        }
        session = s
        libssh2_session_set_blocking(s, 0)
        let store = KnownHostsStore.store(for: target.knownHostsFile)
        let verifier = HostKeyVerifier(
            session: s,
            host: target.host,
            port: target.port,
            label: label,
            policy: target.hostKeyPolicy,
            store: store,
            hashEntries: target.hashKnownHostsEntries
        )
        let preference = verifier.methodPreference()
        _ = libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, preference)
        if let keepalive = timeouts.keepalive {
            libssh2_keepalive_config(s, 0, UInt32(max(1, keepalive.components.seconds)))
        }
        let handshakeFD = fd
        _ = try await call("SSH handshake", deadline: deadline, code: .handshake, timeout: .handshakeTimeout) {
            libssh2_session_handshake(s, handshakeFD)
        }
        if let note = try verifier.verify() { notes.append(note) }
        try await authenticate(deadline: deadline)
        if let keepalive = timeouts.keepalive { nextKeepalive = .now + keepalive }
    }

    // MARK: - Close

    /// Closes politely (bounded to one second), then frees everything. Idempotent.
    func close() async {
        guard let s = session else {
            closeSocket()
            return
        }
        if !Task.isCancelled {
            let deadline = Instant.now + .seconds(1)
            _ = try? await call("disconnect", deadline: deadline, code: .disconnected, timeout: .disconnected) {
                cssh2_session_disconnect(s, "bye")
            }
        }
        abort()
    }

    /// Frees the session at once: shuts the socket down so no libssh2 call can wait, then frees.
    func abort() {
        for tunnel in tunnels { tunnel.closeLocal() }
        tunnels.removeAll()
        if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        if let s = session {
            session = nil
            _ = libssh2_session_free(s)
        }
        closeSocket()
    }

    private func closeSocket() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: - Waiting on libssh2

    /// The libssh2 session, or a `disconnected` error.
    func requireSession() throws(SSHError) -> OpaquePointer {
        guard let session else { throw SSHError(.disconnected, host: label, "the session is closed") }
        return session
    }

    /// The last libssh2 error as text (capture it at once: the next call overwrites it).
    func lastError() -> (code: Int32, text: String) {
        guard let session else { return (0, "session closed") }
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        return (code, message.map { String(cString: $0) } ?? "unknown error")
    }

    /// An error built from libssh2's last error.
    func failure(_ what: String, code: SSHError.Code, rc: Int32) -> SSHError {
        let (_, text) = lastError()
        if rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_SEND {
            return SSHError(
                code == .handshake ? .handshake : .disconnected,
                host: label,
                "\(what) failed: the connection was closed by the server (\(text))"
            )
        }
        return SSHError(code, host: label, "\(what) failed: \(text) (libssh2 error \(rc))")
    }

    /// Calls `operation` until it stops returning EAGAIN, waiting for the socket in between.
    func call(
        _ what: String,
        deadline: Instant,
        code: SSHError.Code,
        timeout: SSHError.Code,
        _ operation: () -> Int32
    ) async throws(SSHError) -> Int32 {
        while true {
            let rc = operation()
            if rc != LIBSSH2_ERROR_EAGAIN {
                if rc < 0 { throw failure(what, code: code, rc: rc) }
                return rc
            }
            try await waitForSocket(deadline: deadline) { SSHError(timeout, host: label, "\(what) timed out") }
        }
    }

    /// Like ``call(_:deadline:code:timeout:_:)`` for libssh2 calls that return a pointer (NULL + EAGAIN).
    func callPointer(
        _ what: String,
        deadline: Instant,
        code: SSHError.Code,
        timeout: SSHError.Code,
        _ operation: () -> OpaquePointer?
    ) async throws(SSHError) -> OpaquePointer {
        guard await opening.acquire() else { throw SSHError(.cancelled, host: label, "cancelled") }
        defer { opening.release() }
        let s = try requireSession()  // it may have been closed while this waited for its turn
        while true {
            if let pointer = operation() { return pointer }
            let errno = libssh2_session_last_errno(s)
            if errno != LIBSSH2_ERROR_EAGAIN { throw failure(what, code: code, rc: errno) }
            try await waitForSocket(deadline: deadline) { SSHError(timeout, host: label, "\(what) timed out") }
        }
    }

    /// Suspends until the socket is ready in the direction libssh2 waits for. Sends keepalives when due.
    func waitForSocket(
        deadline: Instant,
        also extra: [(fd: Int32, events: UInt32)] = [],
        onTimeout: () -> SSHError
    ) async throws(SSHError) {
        let s = try requireSession()
        let directions = libssh2_session_block_directions(s)
        var events: UInt32 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= PollEvents.readable }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= PollEvents.writable }
        if events == 0 { events = PollEvents.readable }
        let wakeAt = min(deadline, nextKeepalive)
        switch await loop.wait(for: [(fd, events)] + extra, deadline: wakeAt) {
        case .ready:
            return
        case .cancelled:
            throw SSHError(.cancelled, host: label, "cancelled")
        case .timedOut:
            if Instant.now >= deadline { throw onTimeout() }
            sendKeepalive()
        }
    }

    /// Sends a keepalive if one is due and schedules the next.
    func sendKeepalive() {
        guard let s = session, let interval = target.timeouts.keepalive else { return }
        var seconds: Int32 = 0
        _ = libssh2_keepalive_send(s, &seconds)
        nextKeepalive = .now + interval
    }

    // MARK: - Authentication

    private func authenticate(deadline: Instant) async throws(SSHError) {
        let s = try requireSession()
        let user = target.user
        let userLength = UInt32(user.utf8.count)
        switch target.authentication {
        case .privateKey(let path, let passphraseSource):
            let passphrase = try passphraseSource?.resolve(host: label, what: "passphrase of \(path)")
            while true {
                let rc = libssh2_userauth_publickey_fromfile_ex(s, user, userLength, nil, path, passphrase?.value)
                if rc == 0 { return }
                if rc == LIBSSH2_ERROR_EAGAIN {
                    try await waitForSocket(deadline: deadline) {
                        SSHError(.handshakeTimeout, host: label, "authentication timed out")
                    }
                    continue
                }
                let (_, text) = lastError()
                if rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED {
                    let hint =
                        passphrase == nil
                        ? "is it encrypted? give its passphrase" : "is the passphrase right?"
                    throw SSHError(
                        .authentication,
                        host: label,
                        "cannot use the private key \(path): \(text); \(hint)"
                    )
                }
                if rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED {
                    throw SSHError(
                        .authentication,
                        host: label,
                        "the server refused the key \(path) for user \(user) (is its public key in ~\(user)/.ssh/authorized_keys?)"
                    )
                }
                throw failure("authentication as \(user)", code: .authentication, rc: rc)
            }
        case .agent:
            try await authenticateWithAgent(s, deadline: deadline)
        }
    }

    private func authenticateWithAgent(_ s: OpaquePointer, deadline: Instant) async throws(SSHError) {
        let user = target.user
        guard getenv("SSH_AUTH_SOCK") != nil else {
            throw SSHError(
                .authentication,
                host: label,
                "ssh-agent authentication requested but SSH_AUTH_SOCK is not set"
            )
        }
        guard let agent = libssh2_agent_init(s) else {
            throw failure("ssh-agent init", code: .authentication, rc: -1)
        }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        // The agent is a local Unix socket: these calls are short blocking round trips.
        guard libssh2_agent_connect(agent) == 0 else {
            throw SSHError(
                .authentication,
                host: label,
                "cannot connect to the ssh-agent at SSH_AUTH_SOCK: \(lastError().text)"
            )
        }
        guard libssh2_agent_list_identities(agent) == 0 else {
            throw SSHError(.authentication, host: label, "cannot list the ssh-agent's identities: \(lastError().text)")
        }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var tried: [String] = []
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            let rc = libssh2_agent_get_identity(agent, &identity, previous)
            if rc == 1 { break }
            guard rc == 0, let identity else {
                throw SSHError(
                    .authentication,
                    host: label,
                    "cannot read the ssh-agent's identities: \(lastError().text)"
                )
            }
            previous = identity
            let comment = identity.pointee.comment.map { String(cString: $0) } ?? "?"
            let blob = Array(UnsafeBufferPointer(start: identity.pointee.blob, count: Int(identity.pointee.blob_len)))
            var reader = WireReader(bytes: blob, offset: 0)
            let type = reader.string().map { String(decoding: $0, as: UTF8.self) } ?? "?"
            if type == "ssh-rsa" && !KeyFile.libraryCanSignRSASHA2 {
                tried.append("\(comment) (RSA, skipped: libssh2 \(KeyFile.libraryVersion) cannot sign with rsa-sha2)")
                continue
            }
            while true {
                let auth = libssh2_agent_userauth(agent, user, identity)
                if auth == 0 { return }
                if auth == LIBSSH2_ERROR_EAGAIN {
                    try await waitForSocket(deadline: deadline) {
                        SSHError(.handshakeTimeout, host: label, "authentication timed out")
                    }
                    continue
                }
                tried.append(comment)
                break
            }
        }
        let list = tried.isEmpty ? "the agent has no identities" : "tried \(tried.joined(separator: ", "))"
        throw SSHError(.authentication, host: label, "the server refused every ssh-agent key for user \(user): \(list)")
    }
}
