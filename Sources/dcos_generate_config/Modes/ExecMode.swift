import InstallerActions
import InstallerCluster
import InstallerConfig
import InstallerGenconf
import InstallerRender
import InstallerSSH
import InstallerSystem
import Logging
import UnixSignals

/// `--exec CMD [--role R] [--hosts A,B]`: run a command on the cluster's nodes in parallel.
/// Exit codes: 0 all succeeded, 1 config error or another action holds the genconf directory's lock,
/// 2 usage, 3 at least one host failed, 130 interrupted.
enum ExecMode {
    static func run(_ context: CommandContext, command: String, roles: Set<Role>, hosts: [String]?) async -> Int32 {
        let (document, validation) = Genconf.validate(context.options, stage: .ssh)
        guard let config = validation.config else {
            DiagnosticsOutput.reportInvalid(validation.diagnostics, document: document, context: context)
            return 1
        }
        let nodes: [ClusterNode]
        switch ClusterNode.select(from: ClusterNode.all(in: config), roles: roles, hosts: hosts) {
        case .success(let selected): nodes = selected
        case .failure(let error):
            context.logger.error("\(error.message)")
            return 2
        }
        guard !nodes.isEmpty else {
            context.logger.error("No node matches --role/--hosts; nothing to run.")
            return 2
        }
        // --exec changes hosts as the SSH actions do, so it takes their lock: one at a time per genconf directory.
        let locked = await ActionLock.withLock(
            genconfDirectory: context.options.genconfDirectory,
            holder: .current(action: "exec", runID: nil)
        ) {
            await perform(context, command: command, config: config, document: document, nodes: nodes)
        }
        switch locked {
        case .success(let code): return code
        case .failure(let error):
            context.logger.error("\(error.message)")
            return 1
        }
    }

    /// Runs the command on the chosen nodes, under the action lock.
    private static func perform(
        _ context: CommandContext,
        command: String,
        config: ValidatedConfig,
        document: ConfigDocument?,
        nodes: [ClusterNode]
    ) async -> Int32 {
        let settings: SSHSettings
        let passphrases = PassphrasePrompt()
        switch SSHSettings.make(
            for: nodes,
            config: config,
            document: document,
            logger: context.logger,
            passphraseSource: passphrases.source(for:)
        ) {
        case .success(let made): settings = made
        case .failure(let error):
            DiagnosticsOutput.reportInvalid(error.diagnostics, document: document, context: context)
            return 1
        }
        context.logger.info(
            "Running on \(nodes.count) node\(nodes.count == 1 ? "" : "s") (\(config.sshParallelism) at a time): \(command)"
        )

        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let (results, interrupted) = await withTaskGroup(of: ([ClusterExec.NodeResult]?, Bool).self) { group in
            group.addTask {
                (await ClusterExec.run(command, on: nodes, settings: settings, live: !context.json), false)
            }
            group.addTask {
                for await _ in signals { return (nil, true) }
                return (nil, false)
            }
            var results: [ClusterExec.NodeResult] = []
            var interrupted = false
            while let (value, signalled) = await group.next() {
                if signalled {
                    interrupted = true
                    context.logger.warning("Interrupted: closing every session.")
                    group.cancelAll()
                } else if let value {
                    results = value
                    group.cancelAll()
                }
            }
            return (results, interrupted)
        }

        if context.json {
            printResult(ClusterExec.report(command: command, results: results).encoded(pretty: true))
        } else {
            for entry in results where !entry.result.succeeded {
                context.logger.error(
                    "\(entry.node.host) (\(entry.node.role)): \(ClusterExec.status(of: entry.result)): \(entry.result.error?.message ?? "")"
                )
            }
            let failed = results.filter { !$0.result.succeeded }.count
            context.logger.info(
                "\(results.count - failed) of \(results.count) node\(results.count == 1 ? "" : "s") succeeded."
            )
        }
        if interrupted { return 130 }
        return results.allSatisfy(\.result.succeeded) ? 0 : 3
    }
}

/// Asks once per encrypted key file for its passphrase, on the terminal without echo.
final class PassphrasePrompt {
    private var answers: [String: SecretSource] = [:]

    func source(for keyPath: String) -> SecretSource? {
        guard PrivateKey.isEncrypted(path: keyPath) else { return nil }
        if let known = answers[keyPath] { return known }
        guard Terminal.stdinIsTerminal, let typed = Terminal.readSecret(prompt: "Passphrase for \(keyPath): ") else {
            return nil
        }
        let source = SecretSource.value(Secret(typed))
        answers[keyPath] = source
        return source
    }
}
