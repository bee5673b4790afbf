/// Where genconf reads and writes.
public struct GenconfOptions: Sendable {
    /// The genconf directory (holds config.yaml, ip-detect, packages/, and receives serve/).
    public var genconfDirectory: String
    /// The release (manifest.yaml and templates).
    public var templatesDirectory: String
    /// How many earlier configurations serve/ keeps beside the current one (their manifests, installers
    /// and files), so nodes not upgraded yet, or rolled back, can still fetch theirs.
    public var keepGenerations: Int

    public init(
        genconfDirectory: String,
        templatesDirectory: String,
        keepGenerations: Int = Self.defaultKeepGenerations
    ) {
        self.genconfDirectory = genconfDirectory
        self.templatesDirectory = templatesDirectory
        self.keepGenerations = keepGenerations
    }

    public static let defaultKeepGenerations = 3

    public var configPath: String { genconfDirectory + "/config.yaml" }
    public var serveDirectory: String { genconfDirectory + "/serve" }
    public var packagesDirectory: String { genconfDirectory + "/packages" }
    /// prereqs_offline: downloaded prerequisite packages, reused between runs.
    public var prerequisitesCacheDirectory: String { genconfDirectory + "/prereqs-cache" }
    /// Relative paths in config.yaml (`genconf/ip-detect`) resolve against the directory holding genconf/.
    public var baseDirectory: String {
        guard let slash = genconfDirectory.lastIndex(of: "/") else { return "." }
        return slash == genconfDirectory.startIndex ? "/" : String(genconfDirectory[..<slash])
    }
}
