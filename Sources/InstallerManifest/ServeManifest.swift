import InstallerConfig
import InstallerRender
import InstallerSystem

/// genconf/serve/manifest.json: what `--genconf` wrote and everything else reads (the SSH actions,
/// `--serve`, the web installer). One type, one encoding, one bounded parser.
///
/// The file is signed (manifest.json.sig). dcos_install.sh has no JSON parser: it finds its configuration
/// id and the `sums` lines (`SHA256 SIZE PATH`) with grep, so the encoding is JSONValue's pretty form,
/// keys sorted, byte for byte reproducible.
public struct ServeManifest: Sendable, Hashable {
    /// A file of serve/: SHA-256 (lowercase hex) and size.
    public struct File: Sendable, Hashable {
        public var sha256: String
        public var size: Int

        public init(sha256: String, size: Int) {
            self.sha256 = sha256
            self.size = size
        }
    }

    /// A role's secrets archive: `secrets/<name>` in genconf/secrets/ (never in serve/).
    public struct Secrets: Sendable, Hashable {
        public var path: String
        public var sha256: String
        public var size: Int

        public init(path: String, sha256: String, size: Int) {
            self.path = path
            self.sha256 = sha256
            self.size = size
        }
    }

    /// What a node of one role fetches: its bundle, packages and (if its configuration has secrets) archive.
    public struct RoleFiles: Sendable, Hashable {
        /// `bundles/<role>--<sha>.tar.gz`, relative to serve/.
        public var bundle: String
        public var bundleSHA256: String
        /// `packages/<name>`, relative to serve/.
        public var packages: [String]
        public var secrets: Secrets?

        public init(bundle: String, bundleSHA256: String, packages: [String], secrets: Secrets? = nil) {
            self.bundle = bundle
            self.bundleSHA256 = bundleSHA256
            self.packages = packages
            self.secrets = secrets
        }
    }

    /// prereqs_offline: the apt repository under serve/prereqs/apt.
    public struct Prerequisites: Sendable, Hashable {
        public var path: String
        public var distribution: String
        public var packagesSHA256: String

        public init(path: String, distribution: String, packagesSHA256: String) {
            self.path = path
            self.distribution = distribution
            self.packagesSHA256 = packagesSHA256
        }
    }

    /// A configuration serve/ still holds: its manifest, signature and dcos_install.sh are under
    /// `generations/<config id>/`, and every file it lists is kept, so a node that has not been upgraded
    /// yet, or is rolled back, can still fetch its own.
    public struct Generation: Sendable, Hashable {
        public var configID: String
        public var releaseVersion: String

        public init(configID: String, releaseVersion: String) {
            self.configID = configID
            self.releaseVersion = releaseVersion
        }

        /// `generations/<config id>`, relative to serve/.
        public var directory: String { ServeManifest.generationsDirectory + "/" + configID }
    }

    public static let fileName = "manifest.json"
    public static let signatureFileName = "manifest.json.sig"
    public static let publicKeyFileName = "manifest-signing.pub"
    public static let installScriptFileName = "dcos_install.sh"
    public static let generationsDirectory = "generations"
    /// The format written; a manifest of another format is refused with "run --genconf again".
    public static let currentFormat = 1

    public var clusterName: String
    public var configID: String
    public var bootstrapURL: String
    public var release: ReleaseManifest.Release
    /// zlib's version and the gzip level the bundles were written with.
    public var zlibVersion: String
    public var roles: [Role: RoleFiles]
    /// Every file of this configuration in serve/ (bundles, packages, prerequisites, dcos_install.sh), by
    /// path relative to serve/.
    public var files: [String: File]
    public var prerequisites: Prerequisites?
    /// The SHA-256 fingerprint of the ed25519 key that signs this manifest.
    public var signingKeyFingerprint: String
    /// The older configurations serve/ keeps, newest first (this one is not among them).
    public var previousGenerations: [Generation]

    public init(
        clusterName: String,
        configID: String,
        bootstrapURL: String = "",
        release: ReleaseManifest.Release = .init(name: "dcos", version: ""),
        zlibVersion: String = "",
        roles: [Role: RoleFiles],
        files: [String: File],
        prerequisites: Prerequisites? = nil,
        signingKeyFingerprint: String = "",
        previousGenerations: [Generation] = []
    ) {
        self.clusterName = clusterName
        self.configID = configID
        self.bootstrapURL = bootstrapURL
        self.release = release
        self.zlibVersion = zlibVersion
        self.roles = roles
        self.files = files
        self.prerequisites = prerequisites
        self.signingKeyFingerprint = signingKeyFingerprint
        self.previousGenerations = previousGenerations
    }

    public var installScriptSHA256: String { files[Self.installScriptFileName]?.sha256 ?? "" }

    /// This configuration as a generation.
    public var generation: Generation { Generation(configID: configID, releaseVersion: release.version) }

    /// One line per file, `SHA256 SIZE PATH`, sorted: what dcos_install.sh checks a fetched file against.
    /// Secrets archives are listed by their (salted) digest, never by contents.
    public var sums: [String] {
        var lines = files.map { path, file in "\(file.sha256) \(file.size) \(path)" }
        lines += roles.values.compactMap(\.secrets).map { "\($0.sha256) \($0.size) \($0.path)" }
        return lines.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    // MARK: Encoding

    public var json: JSONValue {
        var roleObjects: [String: JSONValue] = [:]
        for (role, entry) in roles {
            var object: [String: JSONValue] = [
                "bundle": .string(entry.bundle),
                "sha256": .string(entry.bundleSHA256),
                "packages": .array(entry.packages.map(JSONValue.string)),
            ]
            if let secrets = entry.secrets {
                object["secrets"] = .object([
                    "path": .string(secrets.path), "sha256": .string(secrets.sha256), "size": .int(secrets.size),
                ])
            }
            roleObjects[role.rawValue] = .object(object)
        }
        var object: [String: JSONValue] = [
            "format": .int(Self.currentFormat),
            "cluster_name": .string(clusterName),
            "config_id": .string(configID),
            "bootstrap_url": .string(bootstrapURL),
            "release": .object(["name": .string(release.name), "version": .string(release.version)]),
            "archive": .object(["format": .string("ustar+pax, gzip"), "zlib": .string(zlibVersion), "level": .int(9)]),
            "roles": .object(roleObjects),
            "files": .object(files.mapValues { .object(["sha256": .string($0.sha256), "size": .int($0.size)]) }),
            "sums": .array(sums.map(JSONValue.string)),
            "signing_key": .object([
                "fingerprint": .string(signingKeyFingerprint), "path": .string(Self.publicKeyFileName),
                "signature": .string(Self.signatureFileName), "algorithm": .string("ed25519"),
            ]),
            "generations": .array(
                ([generation] + previousGenerations).map {
                    .object([
                        "config_id": .string($0.configID), "release": .string($0.releaseVersion),
                        "path": .string($0.directory),
                    ])
                }
            ),
        ]
        if let prerequisites {
            object["prereqs"] = .object([
                "format": .string("apt"), "path": .string(prerequisites.path),
                "distribution": .string(prerequisites.distribution),
                "packages_sha256": .string(prerequisites.packagesSHA256),
            ])
        }
        return .object(object)
    }

    /// The bytes of manifest.json (what is signed).
    public var encoded: [UInt8] { Array((json.encoded(pretty: true) + "\n").utf8) }

    // MARK: Reading

    /// The largest manifest.json read: 16 MiB (one entry per file of serve/, about 150 bytes each).
    public static let maximumBytes = 16 << 20
    /// What manifest.json may hold: `--genconf` writes objects three levels deep.
    public static let parseLimits = JSONValue.ParseLimits(
        maximumBytes: maximumBytes,
        maximumDepth: 16,
        maximumStringBytes: ConfigLimits.maximumScalarBytes,
        maximumItems: 1_000_000
    )

    /// Why a manifest could not be read. `message` says what to do.
    public struct LoadError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses manifest.json's bytes within ``parseLimits``. Entries that are not what `--genconf` writes
    /// (a digest that is not 64 lowercase hex digits, a negative size, an unknown role) are dropped;
    /// nil when it is not a manifest at all.
    public static func parse(_ bytes: [UInt8]) -> ServeManifest? {
        guard bytes.count <= maximumBytes,
            let object = JSONValue.parse(String(decoding: bytes, as: UTF8.self), limits: parseLimits)?.objectValue,
            object["format"]?.intValue == currentFormat,
            let configID = object["config_id"]?.stringValue,
            let roleObject = object["roles"]?.objectValue
        else { return nil }
        var files: [String: File] = [:]
        for (path, entry) in object["files"]?.objectValue ?? [:] {
            guard let file = file(entry) else { continue }
            files[path] = file
        }
        var roles: [Role: RoleFiles] = [:]
        for (name, entry) in roleObject {
            guard let role = Role(rawValue: name), let bundle = entry["bundle"]?.stringValue else { continue }
            var secrets: Secrets?
            if let archive = entry["secrets"], let path = archive["path"]?.stringValue, let file = file(archive) {
                secrets = Secrets(path: path, sha256: file.sha256, size: file.size)
            }
            roles[role] = RoleFiles(
                bundle: bundle,
                bundleSHA256: entry["sha256"]?.stringValue ?? "",
                packages: (entry["packages"]?.arrayValue ?? []).compactMap(\.stringValue),
                secrets: secrets
            )
        }
        var prerequisites: Prerequisites?
        if let prereqs = object["prereqs"], let path = prereqs["path"]?.stringValue {
            prerequisites = Prerequisites(
                path: path,
                distribution: prereqs["distribution"]?.stringValue ?? "",
                packagesSHA256: prereqs["packages_sha256"]?.stringValue ?? ""
            )
        }
        let generations = (object["generations"]?.arrayValue ?? []).compactMap { entry -> Generation? in
            guard let id = entry["config_id"]?.stringValue, isGenerationID(id) else { return nil }
            return Generation(configID: id, releaseVersion: entry["release"]?.stringValue ?? "")
        }
        return ServeManifest(
            clusterName: object["cluster_name"]?.stringValue ?? "",
            configID: configID,
            bootstrapURL: object["bootstrap_url"]?.stringValue ?? "",
            release: .init(
                name: object["release"]?["name"]?.stringValue ?? "",
                version: object["release"]?["version"]?.stringValue ?? ""
            ),
            zlibVersion: object["archive"]?["zlib"]?.stringValue ?? "",
            roles: roles,
            files: files,
            prerequisites: prerequisites,
            signingKeyFingerprint: object["signing_key"]?["fingerprint"]?.stringValue ?? "",
            previousGenerations: generations.filter { $0.configID != configID }
        )
    }

    /// Reads `directory/manifest.json` (bounded). The error says what to do (run --genconf).
    public static func load(directory: String) -> Result<ServeManifest, LoadError> {
        let path = directory + "/" + fileName
        switch FileReader.read(path, limit: maximumBytes) {
        case .success(let bytes):
            guard let manifest = parse(bytes) else {
                return .failure(
                    LoadError(message: "\(path) is not a manifest written by --genconf: run --genconf again.")
                )
            }
            return .success(manifest)
        case .failure(.tooLarge):
            return .failure(
                LoadError(
                    message:
                        "\(path) is larger than \(maximumBytes >> 20) MiB, so it is not a manifest written by --genconf: run --genconf again."
                )
            )
        case .failure(.missing), .failure(.unreadable):
            return .failure(
                LoadError(
                    message: "\(path) does not exist or cannot be read: run dcos_generate_config --genconf first."
                )
            )
        }
    }

    /// A configuration id as genconf writes it (64 lowercase hex digits): safe as a directory name.
    public static func isGenerationID(_ id: String) -> Bool {
        id.utf8.count == 64 && id.utf8.allSatisfy(isLowerHex)
    }

    private static func file(_ entry: JSONValue) -> File? {
        guard let sha = entry["sha256"]?.stringValue, sha.utf8.count == 64, sha.utf8.allSatisfy(isLowerHex),
            let size = entry["size"]?.intValue, size >= 0
        else { return nil }
        return File(sha256: sha, size: size)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }
}

/// A serve directory on the bootstrap node and the manifest `--genconf` wrote in it.
public struct ServeDirectory: Sendable, Hashable {
    /// genconf/serve (as given: relative or absolute).
    public var path: String
    public var manifest: ServeManifest

    public init(path: String, manifest: ServeManifest) {
        self.path = path
        self.manifest = manifest
    }

    /// Reads `path/manifest.json`.
    public static func load(_ path: String) -> Result<ServeDirectory, ServeManifest.LoadError> {
        ServeManifest.load(directory: path).map { ServeDirectory(path: path, manifest: $0) }
    }

    /// `genconf/secrets`, beside serve/: where the roles' secrets archives are on the bootstrap node.
    public var secretsDirectory: String {
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (parent.isEmpty ? "." : parent) + "/secrets"
    }

    /// The local path of `relative` (a path relative to serve/).
    public func file(_ relative: String) -> String { path + "/" + relative }
}
