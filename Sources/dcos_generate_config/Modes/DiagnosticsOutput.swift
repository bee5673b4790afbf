import FoundationEssentials
import InstallerConfig
import InstallerGenconf
import InstallerSystem
import Logging

/// Shows validation diagnostics: compiler-style with snippets on stderr, or the JSON object of
/// `--validate-config --json` on stdout.
enum DiagnosticsOutput {
    /// - Parameter sourcePath: read for snippets when the file did not parse into a document.
    static func printHuman(
        _ diagnostics: [Diagnostic],
        document: ConfigDocument?,
        displayPath: String,
        sourcePath: String? = nil
    ) {
        guard !diagnostics.isEmpty else { return }
        var text = document?.text ?? ""
        // Read with the config reader's bound: the file may be why it did not parse (a device, 5 GB).
        if document == nil, let sourcePath, let decoded = ConfigDocument.readSource(path: sourcePath) {
            text = decoded
        }
        let formatter = DiagnosticFormatter(
            path: displayPath,
            text: text,
            maskedLines: document.map(ConfigValidator.secretLines(in:)) ?? []
        )
        Terminal.writeError(formatter.format(diagnostics) + "\n")
    }

    /// An SSH mode's config did not validate: the JSON object on stdout with --json, otherwise the
    /// diagnostics and a summary line on stderr.
    static func reportInvalid(_ diagnostics: [Diagnostic], document: ConfigDocument?, context: CommandContext) {
        if context.json {
            printResult(diagnostics.validationJSON(valid: !diagnostics.hasErrors).encoded(pretty: true))
        } else {
            printHuman(
                diagnostics,
                document: document,
                displayPath: context.displayConfigPath,
                sourcePath: context.options.configPath
            )
            context.logger.error("\(summary(diagnostics, displayPath: context.displayConfigPath))")
        }
    }

    static func summary(_ diagnostics: [Diagnostic], displayPath: String) -> String {
        let errors = diagnostics.errors.count
        let warnings = diagnostics.warnings.count
        let counts = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        return errors > 0 ? "Validation of \(displayPath) failed: \(counts)." : "\(displayPath) is valid (\(counts))."
    }
}

/// Writes one line to stdout.
/// Writes one line to stdout at once (unbuffered), so a reader sees it even while the process runs on.
func printResult(_ text: String) {
    Terminal.writeOutput(text + "\n")
}
