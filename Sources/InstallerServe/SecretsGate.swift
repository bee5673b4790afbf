import InstallerTrust

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `/secrets/<role>--<id>.tar.gz`: a role's secrets archive from `genconf/secrets/`, for a request that carries a
/// node token (`Authorization: Bearer <token>`) for that role and the configuration serve/manifest.json names.
struct SecretsGate: Sendable {
    static let prefix = "secrets"

    enum Decision {
        case granted(OpenedFile, role: String)
        /// 403: the reason goes to the request log (never the token).
        case denied(String)
        case notFound(String)
    }

    let directory: String
    let keys: GenconfKeys
    var now: @Sendable () -> Int64 = { Int64(time(nil)) }

    func authorize(name: String, authorization: String?, contents: ManifestCache.Contents) -> Decision {
        guard let role = contents.secretRoles[Self.prefix + "/" + name], let configID = contents.configID else {
            return .notFound("not a secrets archive of the served configuration")
        }
        let token = Self.bearerToken(authorization)
        if case .failure(let denial) = keys.verifyToken(token, role: role, configID: configID, now: now()) {
            return .denied("secrets of \(role) refused: \(denial)")
        }
        guard let root = RootDirectory(path: directory) else { return .notFound("no secrets directory") }
        switch PathResolver(rootPath: directory).open(segments: [name], root: root) {
        case .opened(let file):
            guard file.status.mode & 0o077 == 0 else {
                closeDescriptor(file.descriptor)
                return .denied(
                    "secrets of \(role) refused: \(directory)/\(name) is readable by other users (chmod 600)"
                )
            }
            return .granted(file, role: role)
        case .notFound(let reason):
            return .notFound("secrets archive: \(reason)")
        case .rootUnavailable:
            return .notFound("no secrets directory")
        }
    }

    /// The token of `Bearer <token>` (the scheme is case-insensitive, RFC 9110 §11.1).
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }
}
