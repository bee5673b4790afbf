import CLibSSH2
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An OpenSSH known_hosts file shared by every session of the process that uses the same path.
///
/// Reads tolerate lines libssh2 cannot parse (they are skipped, not fatal). Appends are serialised in the
/// process (a Mutex) and, best effort, across processes (`flock`), and a host recorded by one session is seen by the next.
final class KnownHostsStore: Sendable {
    private static let registry = Mutex<[String: KnownHostsStore]>([:])

    /// The store for `path`, shared process-wide.
    static func store(for path: String) -> KnownHostsStore {
        registry.withLock { stores in
            if let store = stores[path] { return store }
            let store = KnownHostsStore(path: path)
            stores[path] = store
            return store
        }
    }

    /// The file's identity when it was last read: re-read when someone else changed it.
    private struct Version: Equatable {
        var inode: UInt64 = 0
        var size: Int64 = -1
        var modified: Int = 0
        var modifiedNanoseconds: Int = 0
    }

    private struct Cache {
        var version = Version(inode: 0, size: -2)
        var lines: [String] = []
    }

    let path: String
    private let cache = Mutex(Cache())

    private init(path: String) { self.path = path }

    private func currentVersion() -> Version {
        var info = stat()
        guard stat(path, &info) == 0 else { return Version() }
        return Version(
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            modified: info.st_mtim.tv_sec,
            modifiedNanoseconds: info.st_mtim.tv_nsec
        )
    }

    private func refresh(_ cache: inout Cache) {
        let version = currentVersion()
        guard version != cache.version else { return }
        let text = readSmallFile(path, limit: 64 << 20) ?? ""
        cache.lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        cache.version = version
    }

    /// The file's current lines (re-read only when the file changed).
    func snapshot() -> [String] {
        cache.withLock { cache in
            refresh(&cache)
            return cache.lines
        }
    }

    /// Appends `line` unless an identical line is already there.
    func append(_ line: String) -> Int32? {
        cache.withLock { cache -> Int32? in
            refresh(&cache)
            if cache.lines.contains(line) { return nil }
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            // Best effort against other processes; never block the event loop waiting for a lock.
            let locked = flock(fd, LOCK_EX | LOCK_NB) == 0
            defer { if locked { flock(fd, LOCK_UN) } }
            // Keep the file line-structured even if someone left it without a final newline.
            var size = stat()
            var text = line + "\n"
            if fstat(fd, &size) == 0 && size.st_size > 0 {
                var last: UInt8 = 0
                if pread(fd, &last, 1, size.st_size - 1) == 1 && last != UInt8(ascii: "\n") { text = "\n" + text }
            }
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else { return errno }
            cache.lines.append(line)
            cache.version = currentVersion()
            return nil
        }
    }
}

extension KnownHostsStore {
    /// Removes every line for `name` (`host` or `[host]:port`), plain or hashed (`|1|salt|hash`), like
    /// `ssh-keygen -R`. The file is rewritten beside and renamed. Returns how many lines went.
    func forget(_ name: String) throws(SSHError) -> Int {
        try cache.withLock { cache throws(SSHError) -> Int in
            refresh(&cache)
            let kept = cache.lines.filter { !Self.line($0, names: name) }
            let removed = cache.lines.count - kept.count
            guard removed > 0 else { return 0 }
            let temporary = path + ".new"
            let text = kept.map { $0 + "\n" }.joined()
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw SSHError(
                    .configuration,
                    host: name,
                    "cannot write \(temporary): \(String(cString: strerror(errno)))"
                )
            }
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == bytes.count, synced, rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw SSHError(.configuration, host: name, "cannot rewrite \(path): \(reason)")
            }
            cache.lines = kept
            cache.version = currentVersion()
            return removed
        }
    }

    /// True when the known_hosts `line` is for `name`: a plain pattern list naming it, or a hashed entry of it.
    static func line(_ line: String, names name: String) -> Bool {
        guard let field = line.split(separator: " ", maxSplits: 1).first, !line.hasPrefix("#") else { return false }
        if field.hasPrefix("|1|") {
            let parts = field.split(separator: "|", omittingEmptySubsequences: true)
            guard parts.count == 3, let salt = Base64.decode(String(parts[1])) else { return false }
            return Base64.encode(HMACSHA1.mac(key: salt, data: Array(name.utf8))) == parts[2]
        }
        return field.split(separator: ",").contains { $0 == name }
    }
}

extension SSHTarget {
    /// Accepts whatever host key this host offers next (a replaced machine): its entries are removed from
    /// the known_hosts file, so the next connection records the new key (policy accept-new). Returns how
    /// many entries went. Pinned fingerprints (`ssh_host_key_fingerprints`) are not touched here.
    public func forgetHostKey() throws(SSHError) -> Int {
        try KnownHostsStore.store(for: knownHostsFile).forget(port == 22 ? host : "[\(host)]:\(port)")
    }
}

/// A host-key algorithm as libssh2 names and numbers it.
struct HostKeyAlgorithm: Sendable, Equatable {
    var name: String
    var hostKeyType: Int32
    var knownHostMask: Int32

    static let all: [HostKeyAlgorithm] = [
        HostKeyAlgorithm(
            name: "ssh-ed25519",
            hostKeyType: LIBSSH2_HOSTKEY_TYPE_ED25519,
            knownHostMask: LIBSSH2_KNOWNHOST_KEY_ED25519
        ),
        HostKeyAlgorithm(
            name: "ecdsa-sha2-nistp256",
            hostKeyType: LIBSSH2_HOSTKEY_TYPE_ECDSA_256,
            knownHostMask: LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        ),
        HostKeyAlgorithm(
            name: "ecdsa-sha2-nistp384",
            hostKeyType: LIBSSH2_HOSTKEY_TYPE_ECDSA_384,
            knownHostMask: LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        ),
        HostKeyAlgorithm(
            name: "ecdsa-sha2-nistp521",
            hostKeyType: LIBSSH2_HOSTKEY_TYPE_ECDSA_521,
            knownHostMask: LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        ),
        HostKeyAlgorithm(
            name: "ssh-rsa",
            hostKeyType: LIBSSH2_HOSTKEY_TYPE_RSA,
            knownHostMask: LIBSSH2_KNOWNHOST_KEY_SSHRSA
        ),
    ]

    static func forHostKeyType(_ type: Int32) -> HostKeyAlgorithm? { all.first { $0.hostKeyType == type } }
}

/// Host-key verification against a known_hosts store or pinned fingerprints, run on the session's loop.
struct HostKeyVerifier {
    let session: OpaquePointer
    let host: String
    let port: Int
    let label: String
    let policy: HostKeyPolicy
    let store: KnownHostsStore
    let hashEntries: Bool

    /// The name known_hosts uses for this host: `host` on port 22, otherwise `[host]:port`.
    var entryName: String { port == 22 ? host : "[\(host)]:\(port)" }

    /// A libssh2 known-hosts collection loaded from the store; bad lines are skipped (gotcha G18).
    private func loadCollection() -> OpaquePointer? {
        guard let collection = libssh2_knownhost_init(session) else { return nil }
        for line in store.snapshot() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            _ = libssh2_knownhost_readline(collection, line, line.utf8.count, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
        }
        return collection
    }

    /// The recorded key (type name and blob) for `algorithm`, if known_hosts holds one for this host.
    private func recordedKey(_ collection: OpaquePointer, _ algorithm: HostKeyAlgorithm) -> [UInt8]? {
        var entry: UnsafeMutablePointer<libssh2_knownhost>?
        let probe = "x"
        let rc = libssh2_knownhost_checkp(
            collection,
            host,
            Int32(port),
            probe,
            probe.utf8.count,
            LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | algorithm.knownHostMask,
            &entry
        )
        guard rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH, let entry, let key = entry.pointee.key else { return nil }
        return Base64.decode(String(cString: key)) ?? []
    }

    /// The `HOSTKEY` method preference to set before the handshake, so the server offers the key type
    /// that is recorded (libssh2 prefers ECDSA over ed25519 otherwise; gotcha G3).
    func methodPreference() -> String {
        var recorded: [String] = []
        if case .pinned = policy {
            recorded = []
        } else if let collection = loadCollection() {
            defer { libssh2_knownhost_free(collection) }
            recorded = HostKeyAlgorithm.all.filter { recordedKey(collection, $0) != nil }.map(\.name)
        }
        let rest = HostKeyAlgorithm.all.map(\.name).filter { !recorded.contains($0) }
        return (recorded + rest).joined(separator: ",")
    }

    /// Verifies the key offered in the handshake. Records it when the policy allows.
    /// - Returns: a note when a new key was recorded.
    func verify() throws(SSHError) -> String? {
        var length = 0
        var type: Int32 = 0
        guard let raw = libssh2_session_hostkey(session, &length, &type) else {
            throw SSHError(.handshake, host: label, "the server sent no host key")
        }
        let blob = Array(UnsafeRawBufferPointer(start: raw, count: length))
        let offered = fingerprint(ofKeyBlob: blob)
        guard let algorithm = HostKeyAlgorithm.forHostKeyType(type) else {
            throw SSHError(.handshake, host: label, "the server offered a host key of an unsupported type (\(type))")
        }

        if case .pinned(let pins) = policy {
            let normalized = Set(pins.map(normalizeFingerprint))
            if normalized.contains(normalizeFingerprint(offered)) { return nil }
            throw SSHError(
                .hostKeyUnknown,
                host: label,
                "the host key \(algorithm.name) \(offered) is not among the pinned fingerprints "
                    + "(ssh_host_key_fingerprints: \(pins.joined(separator: ", ")))"
            )
        }

        guard let collection = loadCollection() else {
            throw SSHError(.handshake, host: label, "libssh2 cannot allocate a known-hosts collection")
        }
        defer { libssh2_knownhost_free(collection) }
        let check = raw.withMemoryRebound(to: CChar.self, capacity: length) { key in
            libssh2_knownhost_checkp(
                collection,
                host,
                Int32(port),
                key,
                length,
                LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | algorithm.knownHostMask,
                nil
            )
        }
        if check == LIBSSH2_KNOWNHOST_CHECK_MATCH { return nil }

        let removal = "ssh-keygen -f '\(store.path)' -R '\(entryName)'"
        if check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH {
            let expected = recordedKey(collection, algorithm).map(fingerprint(ofKeyBlob:)) ?? "?"
            throw SSHError(
                .hostKeyChanged,
                host: label,
                "HOST KEY CHANGED: \(store.path) expects \(algorithm.name) \(expected) but the host offered \(offered); "
                    + "if the host was legitimately reinstalled, clear the old entry with: \(removal)"
            )
        }
        // Not found for this key type. A key of another type recorded for the host is also a change.
        let others = HostKeyAlgorithm.all.filter { $0 != algorithm }.compactMap { other in
            recordedKey(collection, other).map { "\(other.name) \(fingerprint(ofKeyBlob: $0))" }
        }
        if !others.isEmpty {
            throw SSHError(
                .hostKeyChanged,
                host: label,
                "HOST KEY CHANGED: \(store.path) expects \(others.joined(separator: ", ")) but the host offered "
                    + "\(algorithm.name) \(offered); if the host was legitimately reinstalled, clear the old entry with: \(removal)"
            )
        }
        guard policy == .acceptNew else {
            throw SSHError(
                .hostKeyUnknown,
                host: label,
                "the host key \(algorithm.name) \(offered) is not in \(store.path) and the policy is strict; "
                    + "add it after checking the fingerprint, e.g. ssh-keyscan -p \(port) -t \(algorithm.name) \(host) >> \(store.path)"
            )
        }
        let line = "\(hashEntries ? hashedName(entryName) : entryName) \(algorithm.name) \(Base64.encode(blob))"
        if let failure = store.append(line) {
            throw SSHError(
                .configuration,
                host: label,
                "cannot record the new host key in \(store.path): \(String(cString: strerror(failure)))"
            )
        }
        return "recorded new host key \(algorithm.name) \(offered) in \(store.path)"
    }

    private func hashedName(_ name: String) -> String {
        var salt = [UInt8](repeating: 0, count: 20)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = salt.withUnsafeMutableBytes { read(fd, $0.baseAddress, 20) }
            close(fd)
        }
        let mac = HMACSHA1.mac(key: salt, data: Array(name.utf8))
        return "|1|\(Base64.encode(salt))|\(Base64.encode(mac))"
    }
}

/// `SHA256:abc=` and `abc` compare equal.
func normalizeFingerprint(_ text: String) -> String {
    var t = Substring(text.trimmingSpaces)
    if t.hasPrefix("SHA256:") { t = t.dropFirst(7) }
    while t.hasSuffix("=") { t = t.dropLast() }
    return String(t)
}

extension String {
    var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
