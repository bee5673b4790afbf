import InstallerRender
import Yams

/// The distribution packages each role needs, per package manager (`apt`, `dnf`).
///
/// Read from the `roles:` section of the release's `templates/manifest.yaml`
/// (`roles: {all|master|slave|slave_public: {prerequisites: {apt: [...], dnf: [...]}}}`, `all` first).
/// This is the one place that reads it; when ``ReleaseManifest`` parses that section, read it from there.
public struct Prerequisites: Sendable, Hashable {
    /// Package manager → packages, per role, with the `all` entries first and no duplicates.
    public var byRole: [Role: [String: [String]]]

    public init(byRole: [Role: [String: [String]]]) {
        self.byRole = byRole
    }

    public func packages(for role: Role, manager: String) -> [String] {
        byRole[role]?[manager] ?? []
    }

    /// Reads `templatesDirectory/manifest.yaml`. A release without a `roles:` section, or with no
    /// prerequisites at all, is an error that says so.
    public static func load(templatesDirectory: String) -> Result<Prerequisites, ActionError> {
        let path = templatesDirectory + "/manifest.yaml"
        guard let text = readSmallFile(path, limit: 4 << 20) else {
            return .failure(ActionError(.prerequisites, "Cannot read \(path), the release manifest."))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return .failure(ActionError(.prerequisites, "\(path) is not valid YAML: \(error)"))
        }
        guard let roles = root?.mapping?["roles"]?.mapping else {
            return .failure(
                ActionError(
                    .prerequisites,
                    "\(path) has no roles: section naming each role's prerequisites (roles: {all: {prerequisites: {apt: [...], dnf: [...]}}}), so --install-prereqs does not know what to install. Use a release that has one."
                )
            )
        }
        func lists(_ name: String) -> [String: [String]] {
            var result: [String: [String]] = [:]
            for (key, value) in roles[name]?.mapping?["prerequisites"]?.mapping ?? [:] {
                guard let manager = key.string else { continue }
                result[manager] = (value.sequence ?? []).compactMap(\.string)
            }
            return result
        }
        let common = lists("all")
        var byRole: [Role: [String: [String]]] = [:]
        for role in Role.allCases {
            let own = lists(role.rawValue)
            var merged: [String: [String]] = [:]
            for manager in Set(common.keys).union(own.keys) {
                var seen: Set<String> = []
                merged[manager] = ((common[manager] ?? []) + (own[manager] ?? [])).filter { seen.insert($0).inserted }
            }
            byRole[role] = merged
        }
        guard byRole.values.contains(where: { $0.values.contains { !$0.isEmpty } }) else {
            return .failure(ActionError(.prerequisites, "\(path) names no prerequisites under roles:."))
        }
        return .success(Prerequisites(byRole: byRole))
    }
}
