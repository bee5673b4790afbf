import Foundation
import InstallerConfig
import InstallerGenconf
import InstallerRender
import Logging

/// `--genconf` (the default): write genconf/serve.
enum GenconfMode {
    static func run(_ context: CommandContext) -> Int32 {
        do {
            let result = try Genconf.run(context.options, logger: context.logger)
            if context.json {
                printResult(result.json.encoded(pretty: true))
            } else {
                DiagnosticsOutput.printHuman(
                    result.diagnostics.warnings,
                    document: nil,
                    displayPath: context.displayConfigPath
                )
                printResult(humanSummary(result, context: context))
            }
            return 0
        } catch .invalidConfig(let diagnostics, let document) {
            if context.json {
                printResult(DiagnosticsOutput.json(diagnostics, valid: false).encoded(pretty: true))
            } else {
                DiagnosticsOutput.printHuman(
                    diagnostics,
                    document: document,
                    displayPath: context.displayConfigPath,
                    sourcePath: context.options.configPath
                )
            }
            context.logger.error(
                "\(DiagnosticsOutput.summary(diagnostics, displayPath: context.displayConfigPath)) genconf/serve was not changed."
            )
            return 1
        } catch {
            context.logger.error("\(error)")
            return 1
        }
    }

    static func humanSummary(_ result: GenconfResult, context: CommandContext) -> String {
        var lines = [
            "Generated \(result.serveDirectory) for cluster '\(result.clusterName)' (config \(result.configID.prefix(16))):"
        ]
        for bundle in result.bundles {
            let role = bundle.role.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
            lines.append("  \(role) \(bundle.path)  \(bundle.files) files  \(byteCount(bundle.size))")
        }
        for package in result.packages {
            lines.append(
                "  package       \(package.path)  \(byteCount(package.size))  for \(package.roles.map(\.rawValue).joined(separator: ", "))"
            )
        }
        lines.append("  dcos_install.sh, manifest.json")
        return lines.joined(separator: "\n")
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / 1024 / 1024)
    }
}
