#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(CNIOLinux)
    // Glibc is not a modular C library: `struct stat` also comes in through NIO's C shim module, and with
    // MemberImportVisibility the compiler may attribute its fields to that module (it does in release builds).
    // Importing it here, in the only file that reads `struct stat`, keeps the fields visible either way.
    import CNIOLinux
#endif

/// What `fstat`/`fstatat`/`stat` said about a file. The only place that reads `struct stat`.
struct FileStatus: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64
    var isRegularFile: Bool
    var isDirectory: Bool
    /// Permission bits.
    var mode: UInt32

    /// `fstat` of an open descriptor.
    init?(descriptor: CInt) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    /// `fstatat` of `name` in `directory`, not following a final symbolic link.
    init?(directory: CInt, name: String) {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        self.init(info)
    }

    /// `stat` of a path (following symbolic links).
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    private init(_ info: stat) {
        self.device = UInt64(info.st_dev)
        self.inode = UInt64(info.st_ino)
        self.size = Int64(info.st_size)
        #if canImport(Darwin)
            self.modifiedSeconds = Int64(info.st_mtimespec.tv_sec)
            self.modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #else
            self.modifiedSeconds = Int64(info.st_mtim.tv_sec)
            self.modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        #endif
        self.mode = UInt32(info.st_mode & 0o7777)
        self.isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
        self.isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// Reads `buffer.count` bytes at `offset` with `pread`, retrying short reads; returns the count read (less at EOF or
/// on error). Used for small files only: like `sendfile`, it reads the page cache from the event loop.
func readFully(_ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Int {
    var done = 0
    while done < buffer.count {
        let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        done += count
    }
    return done
}
