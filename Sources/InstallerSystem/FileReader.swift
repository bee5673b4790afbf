import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// Bounded reads of small files (config, keys, manifests, records): at most `limit` + 1 bytes are ever read,
/// whatever the file is (a device, a growing file, a FIFO: opened without blocking, so one with no writer reads as
/// empty). The one reader of whole files for every target that may use InstallerSystem.
public enum FileReader {
    public enum Failure: Error, Sendable, Equatable {
        case missing
        case tooLarge
        /// The reason, from strerror.
        case unreadable(String)
    }

    /// The whole file; a file larger than `limit` is refused, not truncated.
    public static func read(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            return .failure(
                errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
            )
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: min(64 * 1024, limit + 1))
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { return .failure(.unreadable(String(cString: strerror(errno)))) }
            if count == 0 { return .success(bytes) }
            bytes += buffer[0..<count]
            if bytes.count > limit { return .failure(.tooLarge) }
        }
    }

    /// The whole file, or an error naming the path; a file larger than `limit` is refused, not truncated.
    public static func contents(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        switch read(path, limit: limit) {
        case .success(let bytes): return bytes
        case .failure(.missing): throw SystemError("open", path: path, errno: ENOENT)
        case .failure(.tooLarge):
            throw SystemError("read", path: path, errno: EFBIG, hint: "It is larger than \(limit) bytes.")
        case .failure(.unreadable(let reason)):
            throw SystemError("read", path: path, errno: EIO, hint: reason)
        }
    }

    /// The whole file as UTF-8 text (invalid sequences replaced), or nil when it is missing, unreadable or larger
    /// than `limit`.
    public static func text(_ path: String, limit: Int) -> String? {
        guard case .success(let bytes) = read(path, limit: limit) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The last `limit` bytes of a file (all of a smaller one) as UTF-8 text, from its first whole line when
    /// cut; nil when it is missing or unreadable. For logs that may be any size.
    public static func tail(_ path: String, limit: Int) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        let start = max(0, Int(status.st_size) - limit)
        var bytes = [UInt8](repeating: 0, count: min(limit, Int(status.st_size)))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(start + filled))
            }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            filled += count
        }
        var text = bytes[0..<filled]
        if start > 0, let newline = text.firstIndex(of: UInt8(ascii: "\n")) { text = text[(newline + 1)...] }
        return String(decoding: text, as: UTF8.self)
    }

    /// The permission bits of `path` (not following a symbolic link), or nil when it does not exist.
    public static func permissions(_ path: String) -> (mode: mode_t, isDirectory: Bool, isLink: Bool)? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        let type = status.st_mode & S_IFMT
        return (status.st_mode & 0o7777, type == S_IFDIR, type == S_IFLNK)
    }

    /// Modification time in seconds since the epoch; nil when the file is missing.
    public static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    /// The size of the regular file at `path` (following a symbolic link), or nil when there is none.
    public static func size(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// The names in a directory (without `.` and `..`), sorted by their bytes.
    public static func directoryEntries(_ path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else { throw SystemError("list", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

extension FileWriter {
    /// Creates `path` with `bytes` only if it does not exist, atomically: written and flushed under a temporary
    /// name, then hard-linked into place, so a reader never sees a part and an existing file is never replaced.
    /// Returns false when `path` already existed (its contents are left as they were).
    public static func createIfAbsent(_ path: String, bytes: [UInt8], mode: mode_t) throws(SystemError) -> Bool {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        try create(temporary, bytes: bytes, mode: mode)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 {
            let slash = path.lastIndex(of: "/")
            syncDirectory(slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? ".")
            return true
        }
        if errno == EEXIST { return false }
        throw SystemError("create", path: path, errno: errno)
    }

    /// Creates a directory (and missing parents) with `mode`; an existing directory keeps its mode.
    public static func makeDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        if mkdir(path, mode) == 0 {
            // mkdir applies the umask; the mode asked for is the mode wanted.
            guard chmod(path, mode) == 0 else { throw SystemError("set the mode of", path: path, errno: errno) }
            return
        }
        if errno == EEXIST { return }
        if errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectory(String(path[..<slash]))
            return try makeDirectory(path, mode: mode)
        }
        throw SystemError("create directory", path: path, errno: errno)
    }
}
