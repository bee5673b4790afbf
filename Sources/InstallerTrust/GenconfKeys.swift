import Crypto
import InstallerSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The genconf directory's own keys, in `genconf/keys/` (mode 0700, each file 0600). Each is created once, on the
/// first `--genconf`, and never overwritten; deleting one and running `--genconf` again rotates it.
///
/// - `manifest-signing.key`: ed25519 private key (PKCS#8 PEM, usable by openssl) that signs `manifest.json`.
/// - `node-token.key`: 32 random bytes (hex) that authenticate node tokens for `/secrets/` on `--serve`.
///   Rotating it revokes every token given out.
/// - `secrets-salt.key`: 32 random bytes (hex) that key the digests by which public files refer to secret values
///   (the configuration id, the secrets archives' salt), so a public digest cannot be used to guess a secret.
public struct GenconfKeys: Sendable {
    public static let directoryName = "keys"
    public static let signingKeyName = "manifest-signing.key"
    public static let tokenKeyName = "node-token.key"
    public static let saltKeyName = "secrets-salt.key"
    /// Key files are a few hundred bytes; anything larger is not ours.
    static let fileLimit = 4096

    public let directory: String
    let signingKey: Curve25519.Signing.PrivateKey
    let tokenKey: SymmetricKey
    let saltKey: SymmetricKey

    /// Loads the keys, creating those that do not exist yet. Returns the names of the keys created.
    public static func loadOrCreate(genconfDirectory: String) throws(TrustError) -> (
        keys: GenconfKeys, created: [String]
    ) {
        let directory = genconfDirectory + "/" + directoryName
        do {
            try FileWriter.makeDirectory(directory, mode: 0o700)
        } catch {
            throw TrustError("Cannot create the key directory: \(error)")
        }
        var created: [String] = []
        // A key is made only for a file that is missing: every run of genconf passes here.
        let items: [(String, () -> [UInt8])] = [
            (
                signingKeyName,
                {
                    let seed = Curve25519.Signing.PrivateKey().rawRepresentation
                    return Array(PEM.encode(label: "PRIVATE KEY", der: DER.ed25519PrivateKey(seed)).utf8)
                }
            ),
            (tokenKeyName, { Array((Hex.encode(randomBytes(32)) + "\n").utf8) }),
            (saltKeyName, { Array((Hex.encode(randomBytes(32)) + "\n").utf8) }),
        ]
        for (name, make) in items where FileReader.permissions(directory + "/" + name) == nil {
            do {
                if try FileWriter.createIfAbsent(directory + "/" + name, bytes: make(), mode: 0o600) {
                    created.append(name)
                }
            } catch {
                throw TrustError("Cannot create the key \(directory)/\(name): \(error)")
            }
        }
        return (try load(genconfDirectory: genconfDirectory), created)
    }

    /// Whether the genconf directory has a key directory (genconf has run there).
    public static func exist(genconfDirectory: String) -> Bool {
        FileReader.permissions(genconfDirectory + "/" + directoryName) != nil
    }

    /// Loads existing keys; a missing key says to run `--genconf`, a key others can read says how to fix it.
    public static func load(genconfDirectory: String) throws(TrustError) -> GenconfKeys {
        let directory = genconfDirectory + "/" + directoryName
        try PrivateFiles.check(directory)
        let signingText = try read(directory, signingKeyName)
        guard let der = PEM.decode(signingText, label: "PRIVATE KEY"), let seed = DER.ed25519Seed(fromPrivateKey: der),
            let signing = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw TrustError(
                "\(directory)/\(signingKeyName) is not an ed25519 private key (PKCS#8 PEM). Move it away and run --genconf to create a new one (see README, key rotation)."
            )
        }
        return GenconfKeys(
            directory: directory,
            signingKey: signing,
            tokenKey: try symmetric(directory, tokenKeyName),
            saltKey: try symmetric(directory, saltKeyName)
        )
    }

    private static func read(_ directory: String, _ name: String) throws(TrustError) -> String {
        let path = directory + "/" + name
        guard FileReader.permissions(path) != nil else {
            throw TrustError("\(path) does not exist: run dcos_generate_config --genconf first (it creates the keys).")
        }
        try PrivateFiles.check(path)
        do {
            return String(decoding: try FileReader.contents(path, limit: fileLimit), as: UTF8.self)
        } catch {
            throw TrustError("\(error)")
        }
    }

    private static func symmetric(_ directory: String, _ name: String) throws(TrustError) -> SymmetricKey {
        let text = try read(directory, name)
        guard let bytes = Hex.decode(String(text.trimmingWhitespace())), bytes.count == 32 else {
            throw TrustError(
                "\(directory)/\(name) is not 32 bytes of hex. Move it away and run --genconf to create a new one (see README, key rotation)."
            )
        }
        return SymmetricKey(data: bytes)
    }

    // MARK: - Signing

    /// The ed25519 signature of `bytes` (64 bytes).
    public func sign(_ bytes: [UInt8]) -> [UInt8] {
        // swift-crypto's ed25519 signatures are deterministic (RFC 8032), so serve/ stays byte-reproducible.
        (try? signingKey.signature(for: bytes)).map { Array($0) } ?? []
    }

    /// The public key as PEM (SubjectPublicKeyInfo), as `openssl pkeyutl -verify -pubin` reads it.
    public var publicKeyPEM: String {
        PEM.encode(label: "PUBLIC KEY", der: DER.ed25519PublicKey(signingKey.publicKey.rawRepresentation))
    }

    /// `SHA256:` and the hex SHA-256 of the raw public key: what an operator compares.
    public var publicKeyFingerprint: String {
        "SHA256:" + Hex.encode(Array(SHA256.hash(data: signingKey.publicKey.rawRepresentation)))
    }

    /// Verifies a signature with the public key of these keys.
    public func verify(signature: [UInt8], of bytes: [UInt8]) -> Bool {
        signingKey.publicKey.isValidSignature(signature, for: bytes)
    }

    // MARK: - Keyed digests

    /// HMAC-SHA256 under the salt key, hex: how public files refer to secret values.
    public func secretDigest(_ label: String, _ bytes: [UInt8]) -> String {
        var message = Array("dcos-installer/\(label)/v1\n".utf8)
        message += bytes
        return Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: message, using: saltKey)))
    }

    // MARK: - Node tokens

    /// A token for `role`'s secrets under configuration `configID`. `expires` is a Unix time, or 0 for a token
    /// that is valid as long as the configuration is (genconf's per-role tokens).
    public func mintToken(role: String, configID: String, expires: Int64) -> String {
        NodeToken.mint(role: role, configID: configID, expires: expires, key: tokenKey)
    }

    /// Checks a token presented for `role`'s secrets.
    public func verifyToken(_ token: String?, role: String, configID: String, now: Int64) -> Result<
        Void, NodeToken.Denial
    > {
        NodeToken.verify(token, role: role, configID: configID, now: now, key: tokenKey)
    }
}

/// Random bytes from the kernel's CSPRNG.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
}
