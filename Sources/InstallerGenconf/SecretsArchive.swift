import InstallerArchive
import InstallerConfig
import InstallerRender
import InstallerTrust

/// One role's files that were rendered from secret values, in an archive of their own that never enters serve/:
/// genconf writes it to `genconf/secrets/` (0600); the SSH actions push it to the node over SSH, and `--serve`
/// hands it only to a request with a valid node token.
///
/// Layout: `install.list` (`MODE SHA256 /abs/path`), `files/<abs path>`, and `salt`: a keyed digest of the
/// contents, so that the archive's SHA-256 (public: dcos_install.sh checks it) cannot be used to guess a secret.
struct SecretsArchive: Sendable {
    static let directoryName = "secrets"

    let role: Role
    let bytes: [UInt8]
    let sha256: String
    let paths: [String]

    var id: String { String(sha256.prefix(16)) }
    var fileName: String { "\(role.rawValue)--\(id).tar.gz" }
    /// The request path on `--serve` and the name in manifest.json.
    var servePath: String { Self.directoryName + "/" + fileName }

    /// The archive of the rendering's secret files; nil when the role has none.
    static func build(rendering: RoleRendering, keys: GenconfKeys) throws(GenconfError) -> SecretsArchive? {
        let files = rendering.files.filter(\.isSecret)
        guard !files.isEmpty else { return nil }
        do {
            var (entries, installList, _) = try FileEntries.make(files)
            var material = Array(rendering.role.rawValue.utf8)
            for file in files { material += Array(file.path.utf8) + [0] + file.contents + [0] }
            let salt = keys.secretDigest("secrets-archive-salt", material)
            entries.append(try .file("install.list", contents: installList, mode: 0o600))
            entries.append(try .file("salt", contents: Array((salt + "\n").utf8), mode: 0o600))
            let bytes = try makeTarGz(entries: entries, mtime: 0, level: 9)
            return SecretsArchive(
                role: rendering.role,
                bytes: bytes,
                sha256: Digest.sha256(bytes),
                paths: files.map(\.path)
            )
        } catch {
            throw .output("Cannot build the \(rendering.role) secrets archive: \(error)")
        }
    }
}
