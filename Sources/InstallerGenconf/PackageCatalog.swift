import FoundationEssentials
import InstallerRender
import InstallerSystem

/// The optional software packages the operator dropped in genconf/packages/.
struct PackageCatalog {
    struct Entry: Sendable {
        var name: String
        var fileName: String
        var sourcePath: String
        var sha256: String
        var size: Int
        var roles: [Role]
        var required: Bool

        var servePath: String { "packages/" + fileName }
    }

    static let extensions = [".tar.gz", ".tgz", ".tar.xz", ".tar"]

    var entries: [Entry]
    var warnings: [String]

    /// `mesos--1.5.0.tar.gz` → `mesos`; `zookeeper.tgz` → `zookeeper`.
    static func packageName(of fileName: String) -> String? {
        guard let ext = extensions.first(where: { fileName.hasSuffix($0) }) else { return nil }
        let stem = String(fileName.dropLast(ext.count))
        let name = stem.components(separatedBy: "--").first ?? stem
        return name.isEmpty ? nil : name
    }

    static func scan(directory: String, manifest: ReleaseManifest) throws(GenconfError) -> PackageCatalog {
        var problems: [String] = []
        var warnings: [String] = []
        var files: [String] = []
        if let kind = FileReader.permissions(directory) {
            guard kind.isDirectory else {
                throw .packages(["\(directory) must be a directory of package tarballs."])
            }
            do {
                files = try FileReader.directoryEntries(directory).filter { !$0.hasPrefix(".") }
            } catch {
                throw .packages(["\(error)"])
            }
        }
        let declared = Dictionary(manifest.packages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var byName: [String: String] = [:]
        var entries: [Entry] = []
        for file in files {
            let path = directory + "/" + file
            guard let name = packageName(of: file) else {
                warnings.append(
                    "Ignoring \(path): package files must be named <name>--<version>.tar.gz (or .tgz, .tar.xz, .tar)."
                )
                continue
            }
            if let other = byName[name] {
                problems.append(
                    "Two files provide the package '\(name)': \(other) and \(file). Keep one of them in \(directory)."
                )
                continue
            }
            byName[name] = file
            guard let kind = FileReader.permissions(path), !kind.isDirectory else {
                problems.append("\(path) is a directory; package files must be tarballs.")
                continue
            }
            let digest = try Digest.sha256(file: path)
            let spec = declared[name]
            if spec == nil {
                warnings.append(
                    "The package '\(name)' (\(file)) is not used by any role of the release; it is served but no node installs it."
                )
            }
            entries.append(
                Entry(
                    name: name,
                    fileName: file,
                    sourcePath: path,
                    sha256: digest.sha256,
                    size: digest.size,
                    roles: (spec?.roles ?? []).sorted(),
                    required: spec?.required ?? false
                )
            )
        }
        for spec in manifest.packages where spec.required && byName[spec.name] == nil {
            problems.append(
                "The release needs the package '\(spec.name)' for \(spec.roles.sorted().map(\.rawValue).joined(separator: ", ")), but \(directory) has no \(spec.name)--<version>.tar.gz. Put the package tarball there."
            )
        }
        guard problems.isEmpty else { throw .packages(problems) }
        return PackageCatalog(entries: entries, warnings: warnings)
    }

    func entries(for role: Role) -> [Entry] {
        entries.filter { $0.roles.contains(role) }
    }
}
