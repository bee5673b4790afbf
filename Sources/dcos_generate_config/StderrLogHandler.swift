import InstallerSystem
import Logging

/// Plain log lines on stderr: `warning: ...`, `error: ...`; info without a prefix; debug with `-v`.
/// Metadata is appended as key=value. Secrets are never passed to the logger.
struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line: String
        switch event.level {
        case .trace, .debug: line = "debug: "
        case .info, .notice: line = ""
        case .warning: line = "warning: "
        case .error, .critical: line = "error: "
        }
        line += event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            line += " " + merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
        }
        Terminal.writeError(line + "\n")
    }
}
