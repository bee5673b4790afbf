import FoundationEssentials
import InstallerSystem

/// Where the program's files are: paths the user gave, made absolute, and the release (templates/ and
/// build-info.json) this binary runs with.
enum Paths {
    /// `path` as an absolute path without `.`, `..`, repeated or trailing slashes (lexically: symbolic
    /// links are not resolved, as a shell's `cd` would not).
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `--templates-dir`, else `$DCOS_INSTALLER_TEMPLATES`, else the release installed with the binary
    /// (`<prefix>/share/dcos-installer/templates`: the .deb, or the self-contained file's extracted
    /// copy), else `./templates`, else the repository the binary was built in
    /// (`.build/<config>/dcos_generate_config` → `templates/`).
    static func templatesDirectory(explicit: String?) -> String {
        if let explicit { return absolute(explicit) }
        if let environment = ProcessInfo.processInfo.environment["DCOS_INSTALLER_TEMPLATES"], !environment.isEmpty {
            return absolute(environment)
        }
        let installed = installedRelease.map { [$0 + "/templates"] } ?? []
        let candidates = installed + [absolute("templates")] + buildTreeCandidates()
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/manifest.yaml") } ?? candidates[0]
    }

    /// The release installed with the binary: `<prefix>/share/dcos-installer` beside `<prefix>/bin`, when
    /// it has templates/manifest.yaml.
    static var installedRelease: String? {
        let release = parent(parent(executable)) + "/share/dcos-installer"
        return FileManager.default.fileExists(atPath: release + "/templates/manifest.yaml") ? release : nil
    }

    /// The running binary, symbolic links resolved (/proc/self/exe).
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? absolute(CommandLine.arguments[0])
    }

    private static func buildTreeCandidates() -> [String] {
        var directory = parent(executable)
        var result: [String] = []
        for _ in 0..<5 {
            result.append(directory + "/templates")
            directory = parent(directory)
        }
        return result
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
