#if canImport(Glibc)
    import Glibc
#endif

/// Small POSIX file helpers with errors that name the path.
public enum FileWriter {
    /// Writes `bytes` to a new file (fails if it exists), sets `mode`, and flushes it to disk.
    public static func create(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw SystemError("create", path: path, errno: errno) }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, path: path, mode: mode)
    }

    /// Replaces `path` atomically with a file holding `bytes`: written to a temporary file beside it,
    /// flushed, then renamed over it, so a reader sees the old contents or the new, never a part.
    public static func replace(_ path: String, bytes: [UInt8], mode: mode_t = 0o644) throws(SystemError) {
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw SystemError("create a temporary file beside", path: path, errno: errno) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do {
            defer { close(descriptor) }
            try writeAll(bytes, to: descriptor, path: temporary, mode: mode)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = errno
            unlink(temporary)
            throw SystemError("replace", path: path, errno: failure)
        }
        let slash = path.lastIndex(of: "/")
        syncDirectory(slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? ".")
    }

    /// Writes all of `bytes` to `descriptor`, sets `mode` and flushes the file to disk.
    private static func writeAll(
        _ bytes: [UInt8],
        to descriptor: Int32,
        path: String,
        mode: mode_t
    ) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path: path, errno: errno, hint: "Check free disk space.")
            }
            offset += written
        }
        guard fchmod(descriptor, mode) == 0 else { throw SystemError("set the mode of", path: path, errno: errno) }
        guard fsync(descriptor) == 0 else { throw SystemError("flush", path: path, errno: errno) }
    }

    /// Creates a directory (and missing parents) with mode 0755.
    public static func makeDirectory(_ path: String) throws(SystemError) {
        if mkdir(path, 0o755) == 0 { return }
        if errno == EEXIST { return }
        if errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectory(String(path[..<slash]))
            if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        }
        throw SystemError("create directory", path: path, errno: errno)
    }

    /// Flushes a directory's entries (after creating or renaming files in it).
    public static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Hard-links `source` to `destination`, or copies it when linking is not possible
    /// (another filesystem). The copy is flushed to disk. A symbolic link is followed, so the
    /// destination is always the file's contents, never a copy of a (possibly relative) link.
    public static func linkOrCopy(_ source: String, to destination: String) throws(SystemError) {
        if linkat(AT_FDCWD, source, AT_FDCWD, destination, AT_SYMLINK_FOLLOW) == 0 { return }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SystemError("open", path: source, errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SystemError("create", path: destination, errno: errno) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: source, errno: errno)
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SystemError("write", path: destination, errno: errno, hint: "Check free disk space.")
                }
                offset += written
            }
        }
        guard fsync(output) == 0 else { throw SystemError("flush", path: destination, errno: errno) }
    }
}
