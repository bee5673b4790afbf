import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// What an upload did.
public struct UploadReport: Sendable, Hashable {
    /// Bytes sent.
    public var bytes: Int
    /// Lowercase hex SHA-256 of the content, verified on the remote side before the rename.
    public var sha256: String
}

extension SSHSession {
    /// Uploads a local file over SFTP: writes `remotePath.tmp-…`, checks its SHA-256 on the host
    /// (`sha256sum`), then renames it over `remotePath` (atomic `mv -f`). The temporary file is removed
    /// on a checksum mismatch.
    ///
    /// Local reads are short blocking file reads on the event loop (256 KiB at a time).
    public func upload(file localPath: String, to remotePath: String, mode: Int32 = 0o644) async throws(SSHError)
        -> UploadReport
    {
        let fd = open(localPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SSHError(.transfer, host: label, "cannot read \(localPath): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        return try await upload(to: remotePath, mode: mode, source: localPath) { buffer in
            read(fd, buffer.baseAddress, buffer.count)
        }
    }

    /// Uploads `bytes` like ``upload(file:to:mode:)``.
    public func upload(bytes: [UInt8], to remotePath: String, mode: Int32 = 0o644) async throws(SSHError)
        -> UploadReport
    {
        var offset = 0
        return try await upload(to: remotePath, mode: mode, source: "memory") { buffer in
            let n = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }

    private func upload(
        to remotePath: String,
        mode: Int32,
        source: String,
        next: (UnsafeMutableRawBufferPointer) -> Int
    ) async throws(SSHError) -> UploadReport {
        let s = try requireSession()
        let deadline = Instant.now + target.timeouts.commandTotal
        let sftp = try await callPointer("starting SFTP", deadline: deadline, code: .transfer, timeout: .commandTimeout)
        {
            libssh2_sftp_init(s)
        }
        defer { _ = libssh2_sftp_shutdown(sftp) }
        let temporary = remotePath + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC)
        let handle: OpaquePointer
        do {
            handle = try await callPointer(
                "opening \(temporary)",
                deadline: deadline,
                code: .transfer,
                timeout: .commandTimeout
            ) {
                cssh2_sftp_open(sftp, temporary, UInt32(temporary.utf8.count), flags, Int(mode))
            }
        } catch {
            throw sftpError(error, sftp: sftp, path: temporary)
        }
        var hasher = SHA256()
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        do throws(SSHError) {
            while true {
                let count = next(buffer)
                if count < 0 {
                    throw SSHError(.transfer, host: label, "cannot read \(source): \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                var sent = 0
                while sent < count {
                    // After EAGAIN, call again with the same pointer and length (gotcha in §6).
                    let n = libssh2_sftp_write(
                        handle,
                        buffer.baseAddress!.assumingMemoryBound(to: CChar.self) + sent,
                        count - sent
                    )
                    if n >= 0 {
                        sent += n
                        continue
                    }
                    if n != Int(LIBSSH2_ERROR_EAGAIN) {
                        throw sftpError(
                            failure("writing \(temporary)", code: .transfer, rc: Int32(n)),
                            sftp: sftp,
                            path: temporary
                        )
                    }
                    try await waitForSocket(deadline: deadline) {
                        SSHError(.commandTimeout, host: label, "upload of \(remotePath) timed out")
                    }
                }
                total += count
            }
            _ = try await call("closing \(temporary)", deadline: deadline, code: .transfer, timeout: .commandTimeout) {
                cssh2_sftp_close(handle)
            }
        } catch {
            _ = cssh2_sftp_close(handle)
            throw error
        }
        let digest = hex(hasher.finalize())
        let script =
            "t=\(shellQuote(temporary)); s=$(sha256sum -- \"$t\" | cut -d' ' -f1) || exit 90; "
            + "if [ \"$s\" != \(digest) ]; then rm -f -- \"$t\"; echo \"$s\"; exit 91; fi; "
            + "mv -f -- \"$t\" \(shellQuote(remotePath))"
        let check = try await run(script, options: ExecOptions(captureLimit: 4096, sudo: SudoMode.none))
        switch check.termination {
        case .exited(0):
            return UploadReport(bytes: total, sha256: digest)
        case .exited(91):
            throw SSHError(
                .checksum,
                host: label,
                "uploaded \(remotePath) but its SHA-256 on the host is \(check.stdout.text.trimmingSpaces.prefix(64)), "
                    + "expected \(digest); the temporary file was removed"
            )
        default:
            throw SSHError(
                .transfer,
                host: label,
                "cannot verify or rename the upload of \(remotePath) (\(check.termination)): \(check.stderr.text.trimmingSpaces)"
            )
        }
    }

    /// Downloads `remotePath` over SFTP into `localPath` (written to a temporary name, then renamed).
    /// - Returns: the number of bytes.
    @discardableResult
    public func download(_ remotePath: String, to localPath: String) async throws(SSHError) -> Int {
        let s = try requireSession()
        let deadline = Instant.now + target.timeouts.commandTotal
        let sftp = try await callPointer("starting SFTP", deadline: deadline, code: .transfer, timeout: .commandTimeout)
        {
            libssh2_sftp_init(s)
        }
        defer { _ = libssh2_sftp_shutdown(sftp) }
        let handle: OpaquePointer
        do {
            handle = try await callPointer(
                "opening \(remotePath)",
                deadline: deadline,
                code: .transfer,
                timeout: .commandTimeout
            ) {
                cssh2_sftp_open(sftp, remotePath, UInt32(remotePath.utf8.count), UInt(LIBSSH2_FXF_READ), 0)
            }
        } catch {
            throw sftpError(error, sftp: sftp, path: remotePath)
        }
        defer { _ = cssh2_sftp_close(handle) }
        let temporary = localPath + ".part"
        let out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard out >= 0 else {
            throw SSHError(.transfer, host: label, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        var outClosed = false
        defer { if !outClosed { Glibc.close(out) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = libssh2_sftp_read(handle, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
            if n == 0 { break }
            if n == Int(LIBSSH2_ERROR_EAGAIN) {
                try await waitForSocket(deadline: deadline) {
                    SSHError(.commandTimeout, host: label, "download of \(remotePath) timed out")
                }
                continue
            }
            if n < 0 {
                throw sftpError(
                    failure("reading \(remotePath)", code: .transfer, rc: Int32(n)),
                    sftp: sftp,
                    path: remotePath
                )
            }
            var written = 0
            while written < n {
                let w = write(out, buffer.baseAddress! + written, n - written)
                if w < 0 {
                    unlink(temporary)
                    throw SSHError(
                        .transfer,
                        host: label,
                        "cannot write \(temporary): \(String(cString: strerror(errno)))"
                    )
                }
                written += w
            }
            total += n
        }
        fsync(out)
        Glibc.close(out)
        outClosed = true
        guard rename(temporary, localPath) == 0 else {
            throw SSHError(
                .transfer,
                host: label,
                "cannot rename \(temporary) to \(localPath): \(String(cString: strerror(errno)))"
            )
        }
        return total
    }

    /// Adds the SFTP status (no such file, permission denied, …) to a failure.
    private func sftpError(_ error: SSHError, sftp: OpaquePointer, path: String) -> SSHError {
        let status = libssh2_sftp_last_error(sftp)
        let meaning: String? =
            switch UInt(status) {
            case LIBSSH2_FX_NO_SUCH_FILE: "no such file or directory"
            case LIBSSH2_FX_PERMISSION_DENIED: "permission denied"
            case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, LIBSSH2_FX_QUOTA_EXCEEDED: "no space left"
            case LIBSSH2_FX_NO_SUCH_PATH: "no such directory"
            default: nil
            }
        guard let meaning else { return error }
        return SSHError(.transfer, host: label, "SFTP on \(path): \(meaning)")
    }
}
