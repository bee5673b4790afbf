import CLibSSH2

#if canImport(Glibc)
    import Glibc
#endif

/// What can be learnt about a private key file before any network round trip.
struct KeyFile {
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, … or nil when the file does not say.
    var keyType: String?

    /// True when this libssh2 can sign with rsa-sha2-256/512 (added in libssh2 1.11.0).
    static let libraryCanSignRSASHA2 = libssh2_version(0x010B00) != nil

    /// The libssh2 version string.
    static var libraryVersion: String { libssh2_version(0).map { String(cString: $0) } ?? "unknown" }

    /// Reads the key file (and its `.pub` neighbour) to learn the key type.
    static func inspect(path: String, host: String) throws(SSHError) -> KeyFile {
        guard let text = readSmallFile(path, limit: 1 << 20) else {
            throw SSHError(
                .unsupportedKey,
                host: host,
                "cannot read the private key file \(path): \(String(cString: strerror(errno)))"
            )
        }
        if text.contains("-----BEGIN RSA PRIVATE KEY-----") { return KeyFile(keyType: "ssh-rsa") }
        if text.contains("-----BEGIN EC PRIVATE KEY-----") { return KeyFile(keyType: "ecdsa-sha2") }
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            if let blob = Base64.decode(body), let type = openSSHKeyType(blob) { return KeyFile(keyType: type) }
        }
        if let pub = readSmallFile(path + ".pub", limit: 1 << 16), let type = pub.split(separator: " ").first {
            return KeyFile(keyType: String(type))
        }
        return KeyFile(keyType: nil)
    }

    /// The key type from an `openssh-key-v1` blob: the public key section is never encrypted.
    private static func openSSHKeyType(_ blob: [UInt8]) -> String? {
        let magic = Array("openssh-key-v1\0".utf8)
        guard blob.starts(with: magic) else { return nil }
        var reader = WireReader(bytes: blob, offset: magic.count)
        guard reader.string() != nil, reader.string() != nil, reader.string() != nil,  // cipher, kdf, kdf options
            let count = reader.uint32(), count >= 1,
            let publicKey = reader.string()
        else { return nil }
        var inner = WireReader(bytes: publicKey, offset: 0)
        return inner.string().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Fails before any connection when the key is RSA and this libssh2 cannot use it.
    func checkUsable(path: String, host: String) throws(SSHError) {
        guard keyType == "ssh-rsa", !KeyFile.libraryCanSignRSASHA2 else { return }
        throw SSHError(
            .unsupportedKey,
            host: host,
            "the key \(path) is an RSA key, but libssh2 \(KeyFile.libraryVersion) can only sign with ssh-rsa (SHA-1), "
                + "which OpenSSH 8.8 and later refuse; use an ed25519 or ECDSA key (ssh-keygen -t ed25519) "
                + "or build against libssh2 1.11 or later"
        )
    }
}

/// Reads SSH wire-format strings and integers.
struct WireReader {
    var bytes: [UInt8]
    var offset: Int

    mutating func uint32() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        defer { offset += 4 }
        return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string() -> [UInt8]? {
        guard let length = uint32(), offset + Int(length) <= bytes.count else { return nil }
        defer { offset += Int(length) }
        return Array(bytes[offset..<offset + Int(length)])
    }
}

/// Reads a whole small file, or nil.
func readSmallFile(_ path: String, limit: Int) -> String? {
    guard let bytes = readFileBytes(path, limit: limit) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads a whole file up to `limit` bytes, or nil (errno set).
func readFileBytes(_ path: String, limit: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while out.count <= limit {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { break }
        out += buffer[0..<n]
    }
    return out
}
