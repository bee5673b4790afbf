import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

extension SSHSession {
    /// Runs `command` through the remote user's shell and waits for it to end.
    ///
    /// stdout and stderr are read together, so neither stalls when the other fills its window. A non-zero
    /// exit or a signal is *not* thrown: it is in the returned ``CommandOutput/termination``.
    /// - Throws: ``SSHError`` for channel failures, ``SSHError/Code-swift.struct/commandTimeout``
    ///   (no output for the idle timeout, or over the total timeout) and cancellation.
    public func run(
        _ command: String,
        options: ExecOptions = ExecOptions(),
        output: OutputHandler? = nil
    ) async throws(SSHError) -> CommandOutput {
        let s = try requireSession()
        let started = Instant.now
        let idle = options.idleTimeout ?? target.timeouts.commandIdle
        let totalDeadline = started + (options.totalTimeout ?? target.timeouts.commandTotal)
        var stdinBytes = options.stdin
        let sudo = try await effectiveSudo(options.sudo ?? target.sudo)
        var remoteCommand = command
        switch sudo {
        case .none:
            break
        case .passwordless:
            remoteCommand = "sudo -n -- sh -c \(shellQuote(command))"
        case .password(let source):
            let password = try source.resolve(host: label, what: "sudo password")
            // -k: never use cached credentials, so the password line is always consumed by sudo.
            remoteCommand = "sudo -k -S -p '' -- sh -c \(shellQuote(command))"
            stdinBytes = Array((password.value + "\n").utf8) + stdinBytes
        }
        // sshd starts the command's shell as a session (and process group) leader. Its PID, told first
        // on stderr and taken off there, is what a timeout stops: the command's whole process group.
        remoteCommand = ProcessGroupMarker.announce + remoteCommand
        var marker = ProcessGroupMarker()

        let openDeadline = min(totalDeadline, .now + target.timeouts.handshake)
        let channel = try await callPointer(
            "opening a channel",
            deadline: openDeadline,
            code: .channel,
            timeout: .commandTimeout
        ) {
            cssh2_channel_open_session(s, 2 * 1024 * 1024)
        }
        var closed = false
        defer {
            if !closed { _ = libssh2_channel_free(channel) }
        }
        let commandLength = UInt32(remoteCommand.utf8.count)
        do throws(SSHError) {
            _ = try await call("starting the command", deadline: openDeadline, code: .channel, timeout: .commandTimeout)
            {
                cssh2_channel_exec(channel, remoteCommand, commandLength)
            }
        } catch  where error.code == .cancelled {
            // The request may have reached the node already: the command may be running there.
            closed = true  // stopCancelled frees it
            throw await Task { await self.stopCancelled(channel, marker: marker, sudo: sudo, after: error) }.value
        }

        var stdout = CapturedOutput(limit: options.captureLimit)
        var stderr = CapturedOutput(limit: options.captureLimit)
        var written = 0
        var eofSent = false
        var lastActivity = Instant.now
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        let host = label

        while true {
            var progressed = false
            // Feed stdin (partial writes are normal; retry with the rest).
            if written < stdinBytes.count {
                let n = stdinBytes[written...].withUnsafeBytes {
                    cssh2_channel_write(channel, $0.baseAddress, $0.count)
                }
                if n > 0 {
                    written += n
                    progressed = true
                } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                    // The command may have exited without reading its input: stop feeding, keep reading.
                    written = stdinBytes.count
                }
            }
            if written >= stdinBytes.count && !eofSent {
                let rc = libssh2_channel_send_eof(channel)
                if rc != LIBSSH2_ERROR_EAGAIN { eofSent = true }
            }
            // Drain both streams alternately.
            for (stream, id) in [(OutputStream.stdout, Int32(0)), (.stderr, SSH_EXTENDED_DATA_STDERR)] {
                while true {
                    let n = cssh2_channel_read(channel, id, buffer.baseAddress, buffer.count)
                    if n > 0 {
                        let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                        progressed = true
                        lastActivity = .now
                        if stream == .stdout {
                            stdout.append(chunk)
                            output?(OutputChunk(host: host, stream: stream, bytes: Array(chunk)))
                        } else {
                            let rest = marker.take(chunk)
                            if !rest.isEmpty {
                                rest.withUnsafeBytes { stderr.append($0) }
                                output?(OutputChunk(host: host, stream: stream, bytes: rest))
                            }
                        }
                        continue
                    }
                    if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                        throw failure("reading the command's \(stream.rawValue)", code: .disconnected, rc: Int32(n))
                    }
                    break
                }
            }
            if libssh2_channel_eof(channel) != 0 && !progressed { break }
            if progressed { continue }
            let idleDeadline = idle.map { lastActivity + $0 } ?? .distantFuture
            let deadline = min(totalDeadline, idleDeadline)
            do throws(SSHError) {
                try await waitForSocket(deadline: deadline) {
                    if Instant.now >= totalDeadline {
                        return SSHError(
                            .commandTimeout,
                            host: host,
                            "the command did not finish within \(formatSeconds(totalDeadline.duration(since: started))) (process_timeout)"
                        )
                    }
                    return SSHError(
                        .commandTimeout,
                        host: host,
                        "the command produced no output for \(formatSeconds(idle ?? .zero)) (ssh_command_idle_timeout)"
                    )
                }
            } catch  where error.code == .commandTimeout {
                _ = libssh2_channel_free(channel)
                closed = true
                throw await stopRemote(marker.processGroup, sudo: sudo, after: error)
            } catch  where error.code == .cancelled {
                // Ctrl-C: the command must not go on by itself on the node either. The stop runs in a
                // task of its own (not cancelled), bounded to a few seconds.
                closed = true  // stopCancelled frees it
                throw await Task { await self.stopCancelled(channel, marker: marker, sudo: sudo, after: error) }.value
            }
        }
        if let rest = marker.finish() { rest.withUnsafeBytes { stderr.append($0) } }
        stdout.finish()
        stderr.finish()

        // The exit status may arrive after EOF: close and wait for the peer's close first (gotcha G9).
        let closeDeadline = min(totalDeadline, .now + .seconds(10))
        _ = try await call("closing the channel", deadline: closeDeadline, code: .channel, timeout: .commandTimeout) {
            libssh2_channel_close(channel)
        }
        _ = try await call(
            "waiting for the channel to close",
            deadline: closeDeadline,
            code: .channel,
            timeout: .commandTimeout
        ) {
            libssh2_channel_wait_closed(channel)
        }
        let status = libssh2_channel_get_exit_status(channel)
        var signalName: UnsafeMutablePointer<CChar>?
        var signalLength = 0
        _ = libssh2_channel_get_exit_signal(channel, &signalName, &signalLength, nil, nil, nil, nil)
        var termination = Termination.exited(status)
        if let signalName {
            termination = .signaled(String(cString: signalName))
            cssh2_free(s, signalName)
        }
        _ = libssh2_channel_free(channel)
        closed = true
        return CommandOutput(
            termination: termination,
            stdout: stdout,
            stderr: stderr,
            duration: Instant.now.duration(since: started)
        )
    }
}

func formatSeconds(_ duration: Duration) -> String {
    let seconds = duration.seconds
    if seconds == seconds.rounded() { return "\(Int(seconds)) s" }
    return "\((seconds * 10).rounded() / 10) s"
}

extension SSHSession {
    /// After Ctrl-C: stops the command on the node. When it has not announced its process group yet
    /// (cancelled right after it started), reads on for that first line, briefly, then stops the group.
    /// Runs in a task of its own (not cancelled); frees `channel`.
    func stopCancelled(
        _ channel: OpaquePointer,
        marker: ProcessGroupMarker,
        sudo: SudoMode,
        after error: SSHError
    ) async -> SSHError {
        var marker = marker
        if marker.processGroup == nil {
            await readProcessGroup(channel, marker: &marker, deadline: .now + .seconds(1))
        }
        _ = libssh2_channel_free(channel)
        return await stopRemote(marker.processGroup, sudo: sudo, after: error, grace: 5)
    }

    /// Reads `channel` until the command's process-group line has come (or cannot come any more) or
    /// `deadline` passes. stdout is read and dropped, so a full window cannot hold the line back.
    private func readProcessGroup(_ channel: OpaquePointer, marker: inout ProcessGroupMarker, deadline: Instant) async {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !marker.isSettled {
            var progressed = false
            for id in [Int32(0), SSH_EXTENDED_DATA_STDERR] {
                let n = buffer.withUnsafeMutableBytes { cssh2_channel_read(channel, id, $0.baseAddress, $0.count) }
                if n > 0 {
                    progressed = true
                    if id != 0 {
                        buffer.withUnsafeBytes { _ = marker.take(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    }
                } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                    return
                }
            }
            if marker.isSettled || libssh2_channel_eof(channel) != 0 { return }
            if progressed { continue }
            do throws(SSHError) {
                try await waitForSocket(deadline: deadline) {
                    SSHError(.commandTimeout, host: label, "no process group")
                }
            } catch {
                return
            }
        }
    }

    /// After a timeout: stops the command's process group on the node (SIGTERM, then SIGKILL two seconds
    /// later for whatever is left), on a channel of its own, and says so in the error.
    func stopRemote(_ group: Int?, sudo: SudoMode, after error: SSHError, grace: Int = 20) async -> SSHError {
        var stopped = error
        guard let group, group > 1 else {
            stopped.message += "; the command's process group was not known, so it may still run on the node"
            return stopped
        }
        let script =
            "kill -TERM -- -\(group) 2>/dev/null || exit 0; i=0; "
            + "while kill -0 -- -\(group) 2>/dev/null && [ $i -lt \(grace) ]; do sleep 0.1; i=$((i+1)); done; "
            + "if kill -KILL -- -\(group) 2>/dev/null; then echo killed; else echo terminated; fi"
        do throws(SSHError) {
            let output = try await run(
                script,
                options: ExecOptions(captureLimit: 4096, sudo: sudo, totalTimeout: .seconds(10))
            )
            let how = output.stdout.text.contains("killed") ? "SIGTERM, then SIGKILL" : "SIGTERM"
            stopped.message += "; it was stopped on the node (process group \(group), \(how))"
        } catch {
            stopped.message += "; stopping it on the node failed (\(error.message)), so it may still run there"
        }
        return stopped
    }
}

/// The first stderr line of every command: `\u{1}dcos-pgid PID`, the PID of the shell sshd started
/// (a process-group leader). Taken off stderr before anyone sees it.
struct ProcessGroupMarker {
    static let prefix: [UInt8] = Array("\u{1}dcos-pgid ".utf8)
    static let announce = "printf '\\001dcos-pgid %s\\n' \"$$\" >&2; "

    private var pending: [UInt8] = []
    private var done = false
    private(set) var processGroup: Int?

    /// True once the first stderr line was read: it was the marker, or it could not be one.
    var isSettled: Bool { done }

    /// The part of `chunk` that is the command's own stderr.
    mutating func take(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        if done { return Array(chunk) }
        pending += chunk
        if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            done = true
            let line = pending[..<newline]
            guard line.starts(with: Self.prefix) else { return finishPending() }
            processGroup = Int(String(decoding: line.dropFirst(Self.prefix.count), as: UTF8.self))
            return Array(pending[(newline + 1)...])
        }
        // Not (or not yet) the marker: once it cannot be one, it is the command's own output.
        if !Self.prefix.starts(with: pending.prefix(Self.prefix.count)) || pending.count > 64 {
            done = true
            return finishPending()
        }
        return []
    }

    /// What is still held back at the end of the output (a marker line that never ended).
    mutating func finish() -> [UInt8]? {
        guard !done, !pending.isEmpty else { return nil }
        done = true
        return finishPending()
    }

    private mutating func finishPending() -> [UInt8] {
        defer { pending.removeAll() }
        return pending
    }
}
