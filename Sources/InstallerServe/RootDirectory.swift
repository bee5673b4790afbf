import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open descriptor of one `serve/` tree. Requests resolve paths with `openat` from it, so a request sees one tree
/// from start to end; the descriptor closes when the last request holding it is done.
final class RootDirectory: Sendable {
    let descriptor: CInt
    /// The tree's device and inode, to notice that genconf swapped `serve/`.
    let status: FileStatus

    init?(path: String) {
        let descriptor = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        guard let status = FileStatus(descriptor: descriptor) else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.status = status
    }

    deinit {
        close(self.descriptor)
    }

    func isSameTree(as other: FileStatus) -> Bool {
        self.status.device == other.device && self.status.inode == other.inode
    }
}

/// The current `serve/` tree and its `manifest.json` status, re-validated with one `stat` at most every
/// `revalidationInterval` instead of opening the directory on every request.
///
/// Serving from a tree that genconf replaced a few milliseconds ago is still consistent: the file, its headers and
/// the manifest digest all come from that one tree. If the old tree is already being deleted, the file is missing,
/// the resolver notices the tree is no longer current, and the request is retried against the new one.
final class RootCache: Sendable {
    struct Snapshot: Sendable {
        var directory: RootDirectory
        /// `manifest.json` in this tree when it was last checked, if it is a regular file.
        var manifest: FileStatus?
        var checkedAt: NIODeadline
    }

    static let revalidationInterval = TimeAmount.milliseconds(10)

    let path: String
    private let snapshot = Mutex<Snapshot?>(nil)

    init(path: String) {
        self.path = path
    }

    /// The tree to serve this request from, or nil when `serve/` does not exist.
    func current() -> Snapshot? {
        let now = NIODeadline.now()
        let cached = self.snapshot.withLock { $0 }
        if let cached, now - cached.checkedAt < Self.revalidationInterval {
            return cached
        }
        guard let named = FileStatus(path: self.path), named.isDirectory else {
            self.snapshot.withLock { $0 = nil }
            return nil
        }
        let directory: RootDirectory
        if let cached, cached.directory.isSameTree(as: named) {
            directory = cached.directory
        } else if let opened = RootDirectory(path: self.path) {
            directory = opened
        } else {
            return nil
        }
        let manifest = FileStatus(directory: directory.descriptor, name: "manifest.json")
        let fresh = Snapshot(
            directory: directory,
            manifest: manifest?.isRegularFile == true ? manifest : nil,
            checkedAt: now
        )
        self.snapshot.withLock { $0 = fresh }
        return fresh
    }

    /// Forces the next `current()` to look at the file system again.
    func invalidate() {
        self.snapshot.withLock { $0 = nil }
    }
}
