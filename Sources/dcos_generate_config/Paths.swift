import Foundation

enum Paths {
    static func absolute(_ path: String) -> String {
        var result = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return (result as NSString).standardizingPath
    }

    /// `--templates-dir`, else `$DCOS_INSTALLER_TEMPLATES`, else `./templates`, else the release
    /// installed beside the binary (`<prefix>/share/dcos-installer/templates`), else the repository
    /// the binary was built in (`.build/<config>/dcos_generate_config` → `templates/`).
    static func templatesDirectory(explicit: String?) -> String {
        if let explicit { return absolute(explicit) }
        if let environment = ProcessInfo.processInfo.environment["DCOS_INSTALLER_TEMPLATES"], !environment.isEmpty {
            return absolute(environment)
        }
        let candidates = [absolute("templates")] + binaryRelativeCandidates()
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/manifest.yaml") } ?? candidates[0]
    }

    private static func binaryRelativeCandidates() -> [String] {
        let executable =
            (Bundle.main.executablePath.map { ($0 as NSString).resolvingSymlinksInPath } ?? CommandLine.arguments[0])
        var directory = (executable as NSString).deletingLastPathComponent
        var result: [String] = []
        for _ in 0..<5 {
            result.append(directory + "/share/dcos-installer/templates")
            result.append(directory + "/templates")
            directory = (directory as NSString).deletingLastPathComponent
        }
        return result
    }
}
