import InstallerConfig
import InstallerRender

/// Why genconf did not produce a serve directory. The previous serve/ is untouched in every case.
public enum GenconfError: Error, Sendable, CustomStringConvertible {
    /// config.yaml is invalid: the diagnostics say where and why.
    case invalidConfig([Diagnostic], document: ConfigDocument?)
    /// The release in templates/ is broken (a bug in the release, not in the user's config).
    case release(RenderErrors)
    /// A package in genconf/packages/ is missing, duplicated or unreadable.
    case packages([String])
    /// prereqs_offline: the prerequisite packages could not be collected.
    case prerequisites(String)
    /// Another genconf is writing the same serve directory.
    case busy(String)
    /// Writing the output failed (disk full, permissions, ...).
    case output(String)
    /// The run was cancelled (Ctrl-C) before it wrote serve/; a command it was running was stopped.
    case interrupted(String)

    public var description: String {
        switch self {
        case .invalidConfig(let diagnostics, _):
            let count = diagnostics.errors.count
            return "Validation of the configuration failed with \(count) error\(count == 1 ? "" : "s")."
        case .release(let errors): return "The release in templates/ cannot be rendered:\n\(errors.description)"
        case .packages(let problems): return problems.joined(separator: "\n")
        case .busy(let message), .output(let message), .prerequisites(let message), .interrupted(let message):
            return message
        }
    }
}
