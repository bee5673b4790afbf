import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// A resolved socket address.
struct SocketAddress: Sendable {
    var family: Int32
    var storage: sockaddr_storage
    var length: socklen_t
}

/// Name resolution off the event loops: `getaddrinfo` blocks, so names go to one dedicated serial queue.
/// Numeric addresses (the common case for cluster nodes) are parsed inline.
enum Resolver {
    private static let queue = DispatchQueue(label: "ssh-resolver")

    static func resolve(
        host: String,
        port: Int,
        isolation: isolated (any Actor)? = #isolation
    ) async -> Result<[SocketAddress], SSHError> {
        if let numeric = lookup(host: host, port: port, numericOnly: true), case .success = numeric {
            return numeric
        }
        return await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(
                    returning: lookup(host: host, port: port, numericOnly: false)
                        ?? .failure(SSHError(.resolve, host: host, "cannot resolve the host name"))
                )
            }
        }
    }

    private static func lookup(host: String, port: Int, numericOnly: Bool) -> Result<[SocketAddress], SSHError>? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = numericOnly ? AI_NUMERICHOST | AI_NUMERICSERV : AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            if numericOnly { return nil }
            let reason = String(cString: gai_strerror(rc))
            return .failure(SSHError(.resolve, host: host, "cannot resolve the host name: \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.copyMemory(
                    from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen))
                )
            }
            out.append(SocketAddress(family: info.pointee.ai_family, storage: storage, length: info.pointee.ai_addrlen))
            cursor = info.pointee.ai_next
        }
        return .success(out)
    }
}

/// Opens a non-blocking TCP connection with TCP_NODELAY set before the handshake (so the SSH
/// handshake does not wait on delayed ACKs), trying each address until one answers or `deadline` passes.
func connectTCP(
    host: String,
    label: String,
    port: Int,
    deadline: Instant,
    loop: EventLoop,
    isolation: isolated (any Actor)? = #isolation
) async throws(SSHError) -> Int32 {
    let addresses: [SocketAddress]
    switch await Resolver.resolve(host: host, port: port) {
    case .success(let list): addresses = list
    case .failure(var error):
        error.host = label
        throw error
    }
    var lastError = SSHError(.connect, host: label, "no address to connect to")
    for var address in addresses {
        let fd = socket(
            address.family,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            0
        )
        guard fd >= 0 else {
            throw SSHError(.connect, host: label, "cannot create a socket: \(String(cString: strerror(errno)))")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        var failure: Int32 = rc == 0 ? 0 : errno
        if rc != 0 && failure == EINPROGRESS {
            switch await loop.wait(for: [(fd, PollEvents.writable)], deadline: deadline) {
            case .cancelled:
                close(fd)
                throw SSHError(.cancelled, host: label, "cancelled while connecting")
            case .timedOut:
                // The deadline may have passed while this task waited for a thread (a loaded machine), not
                // while the peer was silent: a connection that has completed by now counts.
                guard isConnectedNow(fd) else {
                    close(fd)
                    throw SSHError(
                        .connectTimeout,
                        host: label,
                        "no answer to the TCP connect on port \(port) within the connect timeout"
                    )
                }
                failure = 0
            case .ready:
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                failure = soError
            }
        }
        if failure == 0 { return fd }
        close(fd)
        let reason = String(cString: strerror(failure))
        if failure == ECONNREFUSED {
            lastError = SSHError(.refused, host: label, "connection to port \(port) refused (is sshd running?)")
        } else if failure == ETIMEDOUT {
            lastError = SSHError(.connectTimeout, host: label, "TCP connect to port \(port) timed out: \(reason)")
        } else {
            lastError = SSHError(.connect, host: label, "cannot connect to port \(port): \(reason)")
        }
    }
    throw lastError
}

/// Whether a non-blocking connect on `fd` has completed without error, asked without waiting.
private func isConnectedNow(_ fd: Int32) -> Bool {
    var probe = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    guard poll(&probe, 1, 0) == 1, probe.revents & Int16(POLLOUT) != 0 else { return false }
    var soError: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) == 0 && soError == 0
}
