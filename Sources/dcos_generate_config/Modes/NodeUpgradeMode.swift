import InstallerConfig
import InstallerGenconf
import Logging

/// `--generate-node-upgrade-script INSTALLED_VERSION`: writes the node upgrade script of the configuration
/// genconf/serve holds and prints its URL. Exit codes: 0 written, 1 not (the reason on stderr).
enum NodeUpgradeMode {
    static func run(_ context: CommandContext, installedVersion: String) -> Int32 {
        let written: NodeUpgradeScript.Written
        do {
            written = try NodeUpgradeScript.write(
                context.options,
                installedVersion: installedVersion,
                logger: context.logger
            )
        } catch .invalidConfig(let diagnostics, let document) {
            DiagnosticsOutput.printHuman(
                diagnostics,
                document: document,
                displayPath: context.displayConfigPath,
                sourcePath: context.options.configPath
            )
            context.logger.error("\(DiagnosticsOutput.summary(diagnostics, displayPath: context.displayConfigPath))")
            return 1
        } catch {
            context.logger.error("\(error)")
            return 1
        }
        if context.json {
            printResult(
                JSONValue.object([
                    "path": .string(written.path), "url": .string(written.url), "config_id": .string(written.configID),
                    "from_version": .string(written.fromVersion), "to_version": .string(written.toVersion),
                ]).encoded(pretty: true)
            )
        } else {
            printResult(
                """
                Node upgrade script for DC/OS \(written.fromVersion) nodes → \(written.toVersion) (configuration \(written.configID.prefix(12))):
                  \(written.path)
                  \(written.url)
                On each node, as root (masters one at a time, then agents; serve genconf/serve meanwhile):
                  curl -fsSO \(written.url) && bash dcos_node_upgrade.sh
                """
            )
        }
        return 0
    }
}
