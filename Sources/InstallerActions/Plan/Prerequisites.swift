import InstallerRender

/// The distribution packages each role needs, per package manager (`apt`, `dnf`).
///
/// Read from the `roles:` section of the release's `templates/manifest.yaml`
/// (`roles: {all|master|slave|slave_public: {prerequisites: {apt: [...], dnf: [...]}}}`, `all` first).
/// This is the one place that reads it; when ``ReleaseManifest`` parses that section, read it from there.
public struct Prerequisites: Sendable, Hashable {
    /// prereqs_offline: the apt repository genconf wrote under serve/ (nodes install only from it).
    public struct OfflineRepository: Sendable, Hashable {
        /// `<bootstrap_url>/prereqs/apt`.
        public var url: String
        /// SHA-256 of its `Packages` index, from manifest.json; the node checks what apt fetched.
        public var packagesSHA256: String

        public init(url: String, packagesSHA256: String) {
            self.url = url
            self.packagesSHA256 = packagesSHA256
        }
    }

    /// Package manager → packages, per role, with the `all` entries first and no duplicates.
    public var byRole: [Role: [String: [String]]]
    /// The units the packages bring that must not run (`stopped_units`), per role.
    public var stoppedUnits: [Role: [String]]
    public var offline: OfflineRepository?

    public init(
        byRole: [Role: [String: [String]]],
        stoppedUnits: [Role: [String]] = [:],
        offline: OfflineRepository? = nil
    ) {
        self.byRole = byRole
        self.stoppedUnits = stoppedUnits
        self.offline = offline
    }

    public func packages(for role: Role, manager: String) -> [String] {
        byRole[role]?[manager] ?? []
    }

    public func units(for role: Role) -> [String] {
        stoppedUnits[role] ?? []
    }

    /// Reads the `roles:` section of `templatesDirectory/manifest.yaml` through ``ReleaseManifest`` (which
    /// merges `all` in front of each role). A release that names no prerequisites is an error that says so.
    public static func load(templatesDirectory: String) -> Result<Prerequisites, ActionError> {
        let manifest: ReleaseManifest
        do {
            manifest = try ReleaseManifest.load(directory: templatesDirectory)
        } catch {
            return .failure(ActionError(.prerequisites, error.errors.map(\.description).joined(separator: "\n")))
        }
        var byRole: [Role: [String: [String]]] = [:]
        var stoppedUnits: [Role: [String]] = [:]
        for role in Role.allCases {
            byRole[role] = (manifest.roles[role]?.prerequisites ?? [:]).mapValues(unique)
            stoppedUnits[role] = unique(manifest.roles[role]?.stoppedUnits ?? [])
        }
        guard byRole.values.contains(where: { $0.values.contains { !$0.isEmpty } }) else {
            return .failure(
                ActionError(
                    .prerequisites,
                    "templates/manifest.yaml names no prerequisites under roles:, so --install-prereqs does not know what to install. Use a release that declares them (roles: {all: {prerequisites: {apt: [...], dnf: [...]}}})."
                )
            )
        }
        return .success(Prerequisites(byRole: byRole, stoppedUnits: stoppedUnits))
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
