import InstallerConfig
import InstallerRender
import InstallerSystem

#if canImport(Glibc)
    import Glibc
#endif

/// What `--genconf` wrote to genconf/serve/manifest.json: the configuration id, and per role the bundle
/// and packages a node of that role needs, with their SHA-256.
public struct ServeManifest: Sendable {
    public struct RoleFiles: Sendable, Hashable {
        /// `bundles/<name>.tar.gz`, relative to serve/.
        public var bundle: String
        public var bundleSHA256: String
        /// `packages/<name>`, relative to serve/.
        public var packages: [String]

        public init(bundle: String, bundleSHA256: String, packages: [String]) {
            self.bundle = bundle
            self.bundleSHA256 = bundleSHA256
            self.packages = packages
        }
    }

    /// A role's secrets archive: `secrets/<name>` (in genconf/secrets/, not in serve/) and its SHA-256.
    public struct SecretsFile: Sendable, Hashable {
        public var path: String
        public var sha256: String

        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    public var directory: String
    /// Roles whose configuration has secrets.
    public var secrets: [Role: SecretsFile] = [:]
    public var clusterName: String
    public var configID: String
    public var roles: [Role: RoleFiles]
    /// SHA-256 of every file, by path relative to serve/.
    public var files: [String: String]

    public init(
        directory: String,
        clusterName: String,
        configID: String,
        roles: [Role: RoleFiles],
        files: [String: String]
    ) {
        self.directory = directory
        self.clusterName = clusterName
        self.configID = configID
        self.roles = roles
        self.files = files
    }

    public var installScriptSHA256: String { files["dcos_install.sh"] ?? "" }

    /// `genconf/secrets`, beside serve/: where a role's secrets archive is on the bootstrap node.
    public var secretsDirectory: String {
        let parent = directory.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (parent.isEmpty ? "." : parent) + "/secrets"
    }

    /// The largest manifest.json read: 16 MiB (one entry per file of serve/, about 150 bytes each).
    public static let maximumBytes = 16 << 20
    /// What manifest.json may hold: `--genconf` writes objects three levels deep.
    public static let parseLimits = JSONValue.ParseLimits(
        maximumBytes: maximumBytes,
        maximumDepth: 16,
        maximumStringBytes: ConfigLimits.maximumScalarBytes,
        maximumItems: 1_000_000
    )

    /// Reads `directory/manifest.json`. The error says what to do (run --genconf).
    public static func load(directory: String) -> Result<ServeManifest, ActionError> {
        let path = directory + "/manifest.json"
        let text: String
        switch FileReader.read(path, limit: maximumBytes).map({ String(decoding: $0, as: UTF8.self) }) {
        case .success(let read):
            text = read
        case .failure(.tooLarge):
            return .failure(
                ActionError(
                    .serveDirectory,
                    "\(path) is larger than \(maximumBytes >> 20) MiB, so it is not a manifest written by --genconf: run --genconf again."
                )
            )
        case .failure(.missing), .failure(.unreadable):
            return .failure(
                ActionError(
                    .serveDirectory,
                    "\(path) does not exist or cannot be read: run dcos_generate_config --genconf first."
                )
            )
        }
        guard let object = JSONValue.parse(text, limits: parseLimits)?.objectValue,
            let configID = object["config_id"]?.stringValue,
            let roleObject = object["roles"]?.objectValue
        else {
            return .failure(
                ActionError(.serveDirectory, "\(path) is not a manifest written by --genconf: run --genconf again.")
            )
        }
        var roles: [Role: RoleFiles] = [:]
        var secrets: [Role: SecretsFile] = [:]
        for (name, entry) in roleObject {
            guard let role = Role(rawValue: name), let bundle = entry["bundle"]?.stringValue else { continue }
            if let archive = entry["secrets"]?.objectValue, let path = archive["path"]?.stringValue,
                let sha = archive["sha256"]?.stringValue
            {
                secrets[role] = SecretsFile(path: path, sha256: sha)
            }
            roles[role] = RoleFiles(
                bundle: bundle,
                bundleSHA256: entry["sha256"]?.stringValue ?? "",
                packages: (entry["packages"]?.arrayValue ?? []).compactMap(\.stringValue)
            )
        }
        var files: [String: String] = [:]
        for (name, entry) in object["files"]?.objectValue ?? [:] {
            files[name] = entry["sha256"]?.stringValue ?? ""
        }
        var manifest = ServeManifest(
            directory: directory,
            clusterName: object["cluster_name"]?.stringValue ?? "",
            configID: configID,
            roles: roles,
            files: files
        )
        manifest.secrets = secrets
        return .success(manifest)
    }
}

/// Reads a whole file as UTF-8 (``FileReader``); nil when it is missing, unreadable or larger than `limit`.
func readSmallFile(_ path: String, limit: Int) -> String? {
    FileReader.text(path, limit: limit)
}
