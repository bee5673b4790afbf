import InstallerManifest
import InstallerRender
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The SHA-256 of each file listed in `serve/manifest.json`, re-read whenever the manifest changes.
///
/// The cache is keyed by the manifest's device, inode, size and modification time, found with `fstatat` through the
/// same root descriptor the requested file was opened from, so a file and the digest used as its ETag come from the
/// same `serve/` tree even while genconf swaps it.
final class ManifestCache: Sendable {
    /// What the manifest says about one file.
    struct Entry: Equatable, Sendable {
        var sha256: String
        var size: Int64
    }

    /// What one version of the manifest says: the files of serve/, the configuration id, and each role's secrets
    /// archive (`secrets/<name>` → role), which `--serve` hands out only with a node token.
    struct Contents: Sendable {
        var files: [String: Entry] = [:]
        var configID: String?
        var secretRoles: [String: String] = [:]
    }

    /// Identifies one version of `manifest.json`.
    struct Key: Equatable, Sendable {
        var status: FileStatus
    }

    /// The answer for one request.
    enum Lookup {
        /// The current manifest is cached; `entry` is nil when it does not list the file.
        case known(Entry?)
        /// The manifest changed: read it (off the event loop) from this open descriptor, then `store` it.
        case needsLoad(descriptor: CInt, key: Key)
        /// There is no readable manifest in this tree.
        case absent
    }

    /// The largest manifest read; a bigger one is ignored (weak validators are used instead).
    static let maximumManifestBytes = ServeManifest.maximumBytes

    private let current = Mutex<(key: Key, contents: Contents)?>(nil)

    init() {}

    /// Looks `relativePath` up in the manifest of `tree` (whose `manifest.json` status was taken with the tree).
    func lookup(tree: RootCache.Snapshot, relativePath: String) -> Lookup {
        guard let manifest = tree.manifest else { return .absent }
        let key = Key(status: manifest)
        let cached: Entry?? = self.current.withLock { current in
            guard let current, current.key == key else { return .none }
            return .some(current.contents.files[relativePath])
        }
        if let cached { return .known(cached) }
        let fd = openat(tree.directory.descriptor, "manifest.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .absent }
        return .needsLoad(descriptor: fd, key: key)
    }

    /// Reads and parses the manifest from `descriptor` and closes it. Blocking: call it on a thread pool.
    /// The whole current manifest, for the secrets gate: cached, or to be loaded like `lookup`'s.
    func contents(tree: RootCache.Snapshot) -> (cached: Contents?, load: (descriptor: CInt, key: Key)?) {
        guard let manifest = tree.manifest else { return (nil, nil) }
        let key = Key(status: manifest)
        if let cached = self.current.withLock({ $0?.key == key ? $0?.contents : nil }) { return (cached, nil) }
        let fd = openat(tree.directory.descriptor, "manifest.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return (nil, nil) }
        return (nil, (fd, key))
    }

    static func load(descriptor: CInt, size: Int64) -> Contents {
        defer { close(descriptor) }
        guard size > 0, size <= Self.maximumManifestBytes else { return Contents() }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(filled))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        return Self.parse(Array(bytes[..<filled]))
    }

    /// What the server needs of a manifest (``ServeManifest/parse(_:)``): the files' digests and the secrets
    /// archives' roles. Not a manifest: nothing (weak validators, no secrets).
    static func parse(_ bytes: [UInt8]) -> Contents {
        guard let manifest = ServeManifest.parse(bytes) else { return Contents() }
        var files: [String: Entry] = [:]
        for (path, file) in manifest.files {
            files[path.hasPrefix("/") ? String(path.dropFirst()) : path] = Entry(
                sha256: file.sha256,
                size: Int64(file.size)
            )
        }
        var secretRoles: [String: String] = [:]
        for (role, entry) in manifest.roles {
            if let path = entry.secrets?.path { secretRoles[path] = role.rawValue }
        }
        return Contents(files: files, configID: manifest.configID, secretRoles: secretRoles)
    }

    func store(key: Key, contents: Contents) {
        self.current.withLock { $0 = (key, contents) }
    }
}
