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
    static let maximumManifestBytes = 64 * 1024 * 1024

    private let current = Mutex<(key: Key, files: [String: Entry])?>(nil)

    init() {}

    /// Looks `relativePath` up in the manifest of `tree` (whose `manifest.json` status was taken with the tree).
    func lookup(tree: RootCache.Snapshot, relativePath: String) -> Lookup {
        guard let manifest = tree.manifest else { return .absent }
        let key = Key(status: manifest)
        let cached: Entry?? = self.current.withLock { current in
            guard let current, current.key == key else { return .none }
            return .some(current.files[relativePath])
        }
        if let cached { return .known(cached) }
        let fd = openat(tree.directory.descriptor, "manifest.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .absent }
        return .needsLoad(descriptor: fd, key: key)
    }

    /// Reads and parses the manifest from `descriptor` and closes it. Blocking: call it on a thread pool.
    static func load(descriptor: CInt, size: Int64) -> [String: Entry] {
        defer { close(descriptor) }
        guard size > 0, size <= Self.maximumManifestBytes else { return [:] }
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

    /// The `files` table of a manifest, keeping entries whose digest is 64 hex digits.
    static func parse(_ bytes: [UInt8]) -> [String: Entry] {
        struct Manifest: Decodable {
            struct File: Decodable {
                var sha256: String?
                var size: Int64?
            }
            var files: [String: File]?
        }
        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(bytes)) else { return [:] }
        var result: [String: Entry] = [:]
        for (path, file) in manifest.files ?? [:] {
            guard let sha = file.sha256?.lowercased(), let size = file.size, sha.utf8.count == 64,
                sha.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            else { continue }
            let key = path.hasPrefix("/") ? String(path.dropFirst()) : path
            result[key] = Entry(sha256: sha, size: size)
        }
        return result
    }

    func store(key: Key, files: [String: Entry]) {
        self.current.withLock { $0 = (key, files) }
    }
}
