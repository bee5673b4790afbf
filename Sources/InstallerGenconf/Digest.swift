import Crypto
import InstallerTrust

#if canImport(Glibc)
    import Glibc
#endif

/// SHA-256 in lowercase hex.
enum Digest {
    static func sha256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    static func sha256(_ text: String) -> String {
        sha256(Array(text.utf8))
    }

    /// Streams a file through SHA-256 without loading it whole. Returns the digest and size.
    static func sha256(file path: String) throws(GenconfError) -> (sha256: String, size: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .packages(["Cannot open \(path): \(String(cString: strerror(errno))). Check its permissions."])
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var size = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .packages(["Cannot read \(path): \(String(cString: strerror(errno)))."])
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            size += count
        }
        return (hex(hasher.finalize()), size)
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        Hex.encode(Array(digest))
    }
}
