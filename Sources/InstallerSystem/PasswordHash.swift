import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// SHA-512 crypt (`$6$`) through the system's crypt(3), for `superuser_password_hash`.
public enum PasswordHash {
    private static let saltAlphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Hashes `password` with a random 16-character salt.
    public static func sha512Crypt(_ password: String) throws(SystemError) -> String {
        var random = [UInt8](repeating: 0, count: 16)
        let got = random.withUnsafeMutableBytes { clinux_getrandom($0.baseAddress, UInt($0.count)) }
        guard got == 16 else { throw SystemError("read random bytes for the salt", errno: errno) }
        let salt = String(decoding: random.map { saltAlphabet[Int($0) % saltAlphabet.count] }, as: UTF8.self)
        return try sha512Crypt(password, salt: salt)
    }

    /// Hashes `password` with the given salt (for tests and reproducibility).
    public static func sha512Crypt(_ password: String, salt: String) throws(SystemError) -> String {
        guard let result = clinux_crypt(password, "$6$" + salt + "$") else {
            throw SystemError("hash the password with crypt(3)", errno: errno)
        }
        let hash = String(cString: result)
        guard hash.hasPrefix("$6$") else {
            throw SystemError(
                "hash the password with crypt(3)",
                errno: EINVAL,
                hint: "The system's libcrypt does not support SHA-512 ($6$)."
            )
        }
        return hash
    }
}
