import InstallerConfig
import InstallerManifest
import InstallerRender

/// What a successful genconf produced.
public struct GenconfResult: Sendable {
    public struct Bundle: Sendable {
        public var role: Role
        public var path: String
        public var sha256: String
        public var size: Int
        public var files: Int
    }

    public struct Package: Sendable {
        public var name: String
        public var path: String
        public var sha256: String
        public var size: Int
        public var roles: [Role]
    }

    /// A role's secrets archive and the token that fetches it from `--serve`.
    public struct Secrets: Sendable {
        public var role: Role
        public var path: String
        /// The node paths of the files in it.
        public var files: [String]
        /// Valid while this configuration is served; `--issue-node-token` mints short-lived ones.
        public var token: String
    }

    public var serveDirectory: String
    /// `genconf/secrets`: the secrets archives (0600), never part of serve/.
    public var secretsDirectory: String
    public var configID: String
    /// The ed25519 public key that verifies serve/manifest.json.sig (also in serve/manifest-signing.pub).
    public var publicKey: String
    public var publicKeyFingerprint: String
    public var secrets: [Secrets]
    public var clusterName: String
    public var release: ReleaseManifest.Release
    public var bundles: [Bundle]
    public var packages: [Package]
    public var installScriptSHA256: String
    /// The earlier configurations serve/ keeps (generations/<id>/), newest first.
    public var previousGenerations: [ServeManifest.Generation]
    /// Warnings from validation (diagnostics) and from the package scan.
    public var diagnostics: [Diagnostic]
    public var packageWarnings: [String]

    /// The stable JSON shown by `--genconf --json`.
    public var json: JSONValue {
        .object([
            "serve_directory": .string(serveDirectory),
            "config_id": .string(configID),
            "cluster_name": .string(clusterName),
            "release": .object(["name": .string(release.name), "version": .string(release.version)]),
            "bundles": .object(
                Dictionary(
                    uniqueKeysWithValues: bundles.map {
                        (
                            $0.role.rawValue,
                            JSONValue.object([
                                "path": .string($0.path), "sha256": .string($0.sha256), "size": .int($0.size),
                                "files": .int($0.files),
                            ])
                        )
                    }
                )
            ),
            "packages": .array(
                packages.map {
                    .object([
                        "name": .string($0.name), "path": .string($0.path), "sha256": .string($0.sha256),
                        "size": .int($0.size), "roles": .array($0.roles.map { .string($0.rawValue) }),
                    ])
                }
            ),
            "install_script": .object(["path": .string("dcos_install.sh"), "sha256": .string(installScriptSHA256)]),
            "generations": .array(
                ([ServeManifest.Generation(configID: configID, releaseVersion: release.version)] + previousGenerations)
                    .map {
                        .object([
                            "config_id": .string($0.configID), "release": .string($0.releaseVersion),
                            "path": .string($0.directory),
                        ])
                    }
            ),
            "signing_key": .object([
                "public_key": .string(publicKey), "fingerprint": .string(publicKeyFingerprint),
                "path": .string("manifest-signing.pub"), "signature": .string("manifest.json.sig"),
            ]),
            "secrets": .object(
                Dictionary(
                    uniqueKeysWithValues: secrets.map {
                        (
                            $0.role.rawValue,
                            JSONValue.object([
                                "path": .string($0.path), "files": .array($0.files.map(JSONValue.string)),
                                "token": .string($0.token),
                            ])
                        )
                    }
                )
            ),
            "warnings": .array(
                diagnostics.warnings.map { .string($0.description) } + packageWarnings.map(JSONValue.string)
            ),
        ])
    }
}
