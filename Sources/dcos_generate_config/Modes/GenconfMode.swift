import FoundationEssentials
import InstallerConfig
import InstallerGenconf
import InstallerManifest
import InstallerRender
import Logging
import UnixSignals

/// `--genconf` (the default): write genconf/serve. Exit codes: 0 written, 1 invalid config or failed
/// (serve/ unchanged), 130 interrupted (serve/ unchanged).
enum GenconfMode {
    static func run(_ context: CommandContext) async -> Int32 {
        do {
            let result = try await runInterruptibly(context)
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
                printResult(diagnostics.validationJSON(valid: false).encoded(pretty: true))
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
        } catch .interrupted(let message) {
            context.logger.error("\(message)")
            return 130
        } catch {
            context.logger.error("\(error)")
            return 1
        }
    }

    /// Runs genconf; SIGINT or SIGTERM cancels it, which stops a running apt command (prereqs_offline) and
    /// leaves serve/ as it was.
    private static func runInterruptibly(_ context: CommandContext) async throws(GenconfError) -> GenconfResult {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let outcome = await withTaskGroup(of: Result<GenconfResult, GenconfError>?.self) { group in
            group.addTask {
                do throws(GenconfError) {
                    return .success(try await Genconf.run(context.options, logger: context.logger))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                for await _ in signals { return nil }
                return nil
            }
            var result: Result<GenconfResult, GenconfError>?
            while let value = await group.next() {
                if let value {
                    result = value
                    group.cancelAll()
                } else if result == nil {
                    context.logger.warning("Interrupted: stopping --genconf; genconf/serve/ stays as it was.")
                    group.cancelAll()
                }
            }
            return result
        }
        guard let outcome else { throw .interrupted("Interrupted; genconf/serve/ is unchanged.") }
        return try outcome.get()
    }

    static func humanSummary(_ result: GenconfResult, context: CommandContext) -> String {
        var lines = [
            "Generated \(result.serveDirectory) for cluster '\(result.clusterName)' (config \(result.configID.prefix(16))):"
        ]
        for bundle in result.bundles {
            let role = padded(bundle.role.rawValue, 13)
            lines.append("  \(role) \(bundle.path)  \(bundle.files) files  \(byteCount(bundle.size))")
        }
        for package in result.packages {
            lines.append(
                "  package       \(package.path)  \(byteCount(package.size))  for \(package.roles.map(\.rawValue).joined(separator: ", "))"
            )
        }
        lines.append("  dcos_install.sh, manifest.json (signed: manifest.json.sig, manifest-signing.pub)")
        if !result.previousGenerations.isEmpty {
            let kept = result.previousGenerations.map { "\($0.configID.prefix(16)) (\($0.releaseVersion))" }
            lines.append(
                "  kept for nodes not upgraded yet: \(kept.joined(separator: ", ")) in generations/ (--keep-generations)"
            )
        }
        lines.append("Manifest signing key \(result.publicKeyFingerprint) (genconf/keys/manifest-signing.key):")
        lines += result.publicKey.split(separator: "\n").map { "  " + $0 }
        if !result.secrets.isEmpty {
            lines.append(
                "Secrets, kept out of serve/ in \(result.secretsDirectory) (the SSH actions push them over SSH). For a manual install, dcos_install.sh --token=TOKEN ROLE fetches them from --serve:"
            )
            for secrets in result.secrets {
                let role = padded(secrets.role.rawValue, 13)
                lines.append("  \(role) \(secrets.token)")
            }
            lines.append(
                "  These tokens last as long as this configuration; --issue-node-token ROLE mints short-lived ones."
            )
        }
        return lines.joined(separator: "\n")
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return "\(tenths(bytes, per: 1024)) KiB" }
        return "\(tenths(bytes, per: 1024 * 1024)) MiB"
    }

    /// `bytes / unit` rounded to one decimal ("1.5").
    private static func tenths(_ bytes: Int, per unit: Int) -> String {
        let tenths = (bytes * 10 + unit / 2) / unit
        return "\(tenths / 10).\(tenths % 10)"
    }
}
