import InstallerActions
import InstallerCluster
import InstallerConfig
import InstallerDiagnostics
import InstallerRender
import InstallerSSH
import InstallerSystem
import Logging
import UnixSignals

/// `--diagnostics [--role R] [--hosts A,B]`: one tar.gz under genconf/diagnostics/ with every node's facts
/// and journal and the bootstrap's run records, the configuration's secrets removed. Reads only: it changes
/// no node. Exit codes: 0 every node collected, 1 config error or no archive, 3 some node not collected
/// (the archive says which and why), 130 interrupted.
enum SupportBundleMode {
    static func run(_ context: CommandContext, roles: Set<Role>, hosts: [String]?) async -> Int32 {
        let selection: ActionLaunch.Selection
        switch ActionLaunch.select(context.options, ActionLaunch.Options(action: .status, roles: roles, hosts: hosts)) {
        case .success(let selected): selection = selected
        case .failure(.invalidConfig(let diagnostics, let document)):
            DiagnosticsOutput.reportInvalid(diagnostics, document: document, context: context)
            return 1
        case .failure(.selection(let message)):
            context.logger.error("\(message)")
            return 2
        case .failure(.refused(let message)):
            context.logger.error("\(message)")
            return 1
        }
        guard let document = selection.document else {
            context.logger.error("\(context.displayConfigPath) could not be read.")
            return 1
        }
        let nodes = selection.nodes + selection.retired
        let settings: SSHSettings
        switch SSHSettings.make(
            for: nodes,
            config: selection.config,
            document: document,
            logger: context.logger,
            passphraseSource: PassphrasePrompt().source(for:)
        ) {
        case .success(let made): settings = made
        case .failure(let error):
            DiagnosticsOutput.reportInvalid(error.diagnostics, document: document, context: context)
            return 1
        }
        context.logger.info("Collecting diagnostics from \(nodes.count) node\(nodes.count == 1 ? "" : "s").")
        let request = DiagnosticsBundle.Request(
            nodes: nodes,
            settings: settings,
            genconfDirectory: context.options.genconfDirectory,
            document: document,
            scrubber: SecretScrubber(config: selection.config),
            node: NodeDiagnostics(remoteDirectory: ActionLaunch.defaultRemoteDirectory),
            installerVersion: InstallerVersion.line
        )
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        typealias Collected = Result<DiagnosticsBundle.Outcome, DiagnosticsBundle.Failure>
        let outcome: Collected? = await withTaskGroup(of: Collected?.self) { group -> Collected? in
            group.addTask { await DiagnosticsBundle.collect(request) }
            group.addTask {
                for await _ in signals { return nil }
                return nil
            }
            var result: Collected?
            while let value = await group.next() {
                if let value {
                    result = value
                    group.cancelAll()
                } else if result == nil {
                    context.logger.warning("Interrupted: closing every session; no archive is written.")
                    group.cancelAll()
                    return nil
                }
            }
            return result
        }
        switch outcome {
        case nil:
            return 130
        case .failure(let failure)?:
            context.logger.error("\(failure.message)")
            return 1
        case .success(let bundle)?:
            let missed = bundle.nodes.filter { $0.error != nil }
            if context.json {
                let nodes: [JSONValue] = bundle.nodes.map { entry in
                    var object: [String: JSONValue] = ["host": .string(entry.node.host)]
                    object["collected"] = .bool(entry.error == nil)
                    object["error"] = entry.error.map(JSONValue.string) ?? .null
                    return .object(object)
                }
                let report: JSONValue = .object([
                    "path": .string(bundle.path), "bytes": .int(bundle.bytes), "nodes": .array(nodes),
                ])
                printResult(report.encoded(pretty: true))
            } else {
                for node in missed { context.logger.warning("\(node.node.host): not collected: \(node.error ?? "")") }
                printResult(bundle.path)
            }
            context.logger.info(
                "Wrote \(bundle.path) (\(bundle.bytes) bytes; \(bundle.nodes.count - missed.count) of \(bundle.nodes.count) nodes collected; secrets removed)."
            )
            return missed.isEmpty ? 0 : 3
        }
    }
}
