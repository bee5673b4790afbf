import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// One `direct-tcpip` channel over the jump host's session, bridged to a local socket pair whose other
/// end is the "socket" of the target's own SSH session.
final class Tunnel {
    let channel: OpaquePointer
    /// Our end of the socket pair.
    var localFD: Int32
    let label: String
    var toChannel: [UInt8] = []
    var toLocal: [UInt8] = []
    var localEOF = false
    var channelEOF = false
    var finished = false

    init(channel: OpaquePointer, localFD: Int32, label: String) {
        self.channel = channel
        self.localFD = localFD
        self.label = label
    }

    func closeLocal() {
        if localFD >= 0 {
            close(localFD)
            localFD = -1
        }
    }
}

extension SSHSession {
    /// Opens a `direct-tcpip` channel to `host:port` through this (jump host) session and returns a
    /// socket for the target's session. The channel is pumped by this session's event loop.
    func openTunnel(to host: String, port: Int, for label: String) async throws(SSHError) -> Int32 {
        let s = try requireSession()
        let deadline = Instant.now + target.timeouts.connect
        let channel: OpaquePointer
        do {
            channel = try await callPointer(
                "opening a tunnel",
                deadline: deadline,
                code: .bastion,
                timeout: .connectTimeout
            ) {
                cssh2_channel_direct_tcpip(s, host, Int32(port))
            }
        } catch {
            var error = error
            error.message = "through the jump host \(self.label): " + error.message
            error.host = label
            if error.code == .bastion {
                error.message +=
                    " (is AllowTcpForwarding enabled on the jump host, and is the target reachable from it?)"
            }
            throw error
        }
        var pair: [Int32] = [-1, -1]
        guard
            socketpair(
                AF_UNIX,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                0,
                &pair
            ) == 0
        else {
            _ = libssh2_channel_free(channel)
            throw SSHError(.bastion, host: label, "cannot create a socket pair: \(String(cString: strerror(errno)))")
        }
        tunnels.append(Tunnel(channel: channel, localFD: pair[0], label: label))
        if !pumpRunning {
            pumpRunning = true
            Task { await self.pump() }
        }
        return pair[1]
    }

    /// Moves bytes between every tunnel's socket and its channel until no tunnel is left.
    private func pump() async {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer {
            buffer.deallocate()
            pumpRunning = false
        }
        while !tunnels.isEmpty, let s = session {
            var progressed = false
            var readFromChannel = false
            for tunnel in tunnels where !tunnel.finished {
                // local → channel
                if tunnel.toChannel.isEmpty && !tunnel.localEOF {
                    let n = read(tunnel.localFD, buffer.baseAddress, buffer.count)
                    if n > 0 {
                        tunnel.toChannel = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    } else if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
                        tunnel.localEOF = true
                    }
                }
                if !tunnel.toChannel.isEmpty {
                    let n = tunnel.toChannel.withUnsafeBytes {
                        cssh2_channel_write(tunnel.channel, $0.baseAddress, $0.count)
                    }
                    if n > 0 {
                        tunnel.toChannel.removeFirst(n)
                        progressed = true
                    } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                        tunnel.finished = true
                    }
                }
                // channel → local
                if tunnel.toLocal.isEmpty && !tunnel.channelEOF {
                    let n = cssh2_channel_read(tunnel.channel, 0, buffer.baseAddress, buffer.count)
                    if n > 0 {
                        tunnel.toLocal = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                        readFromChannel = true
                    } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                        tunnel.channelEOF = true
                    } else if libssh2_channel_eof(tunnel.channel) != 0 {
                        tunnel.channelEOF = true
                    }
                }
                if !tunnel.toLocal.isEmpty {
                    let n = tunnel.toLocal.withUnsafeBytes { write(tunnel.localFD, $0.baseAddress, $0.count) }
                    if n > 0 {
                        tunnel.toLocal.removeFirst(n)
                        progressed = true
                    } else if n < 0 && errno != EAGAIN && errno != EINTR {
                        tunnel.finished = true
                    }
                }
                if tunnel.localEOF && tunnel.toChannel.isEmpty { tunnel.finished = true }
                if tunnel.channelEOF && tunnel.toLocal.isEmpty { tunnel.finished = true }
            }
            // Retire finished tunnels: close our end so the target session sees EOF, free the channel.
            for tunnel in tunnels where tunnel.finished {
                tunnel.closeLocal()
                _ = libssh2_channel_free(tunnel.channel)
            }
            tunnels.removeAll { $0.finished }
            // Packets for other channels (a tunnel being opened) may have been queued while reading.
            if readFromChannel { loop.wakeWaiters(on: fd) }
            if progressed || readFromChannel {
                await Task.yield()
                continue
            }
            var interests: [(fd: Int32, events: UInt32)] = []
            for tunnel in tunnels {
                var events: UInt32 = 0
                if tunnel.toChannel.isEmpty && !tunnel.localEOF { events |= PollEvents.readable }
                if !tunnel.toLocal.isEmpty { events |= PollEvents.writable }
                if events != 0 { interests.append((tunnel.localFD, events)) }
            }
            let directions = libssh2_session_block_directions(s)
            var events = PollEvents.readable
            if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= PollEvents.writable }
            let wakeAt = min(Instant.now + .seconds(1), nextKeepalive)
            let result = await loop.wait(for: [(fd, events)] + interests, deadline: wakeAt)
            if result == .cancelled { break }
            if result == .timedOut && Instant.now >= nextKeepalive { sendKeepalive() }
        }
    }
}
