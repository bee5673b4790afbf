/// Checks on a private key file that need no network, for validating configuration up front.
public enum PrivateKey {
    /// Throws ``SSHError`` (code `unsupportedKey`) when the file cannot be read, or when it is an RSA key
    /// and this libssh2 cannot sign with rsa-sha2 (libssh2 older than 1.11). The message says what to do.
    public static func checkUsable(path: String) throws(SSHError) {
        try KeyFile.inspect(path: path, host: path).checkUsable(path: path, host: path)
    }
}

extension PrivateKey {
    /// True when the key file is protected by a passphrase (PEM `ENCRYPTED`, or an OpenSSH key whose
    /// cipher is not `none`). Unreadable files count as not encrypted; connecting reports them.
    public static func isEncrypted(path: String) -> Bool {
        guard let text = readSmallFile(path, limit: 1 << 20) else { return false }
        if text.contains("ENCRYPTED") { return true }
        guard text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") else { return false }
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let blob = Base64.decode(body) else { return false }
        let magic = Array("openssh-key-v1\0".utf8)
        guard blob.starts(with: magic) else { return false }
        var reader = WireReader(bytes: blob, offset: magic.count)
        guard let cipher = reader.string() else { return false }
        return cipher != Array("none".utf8)
    }
}
