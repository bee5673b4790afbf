import FoundationEssentials
import InstallerActions
import InstallerCluster
import InstallerConfig
import InstallerGenconf
import InstallerRender
import InstallerSSH
import InstallerSystem
import Logging
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `--preflight`, `--deploy`, `--postflight`, `--install-prereqs`, `--uninstall`: validate, resolve the
/// request, then run it with InstallerActions. Exit codes: 0 every host ok, 1 config error or nothing
/// could run, 2 usage, 3 one or more hosts failed, 130 interrupted.
enum ActionMode {
    struct Options {
        var action: ActionKind
        var roles: Set<Role>
        var hosts: [String]?
        var dryRun: Bool
        /// `--resume`: nil when not resuming; "" for the newest run.
        var resume: String?
        var yes: Bool
        /// `--watch --interval`.
        var watchInterval: Duration = .seconds(30)
        /// `--repair --accept-host-key HOST`: replaced machines whose new host key is accepted.
        var acceptHostKeys: [String] = []
    }

    static func run(_ context: CommandContext, _ options: Options) async -> Int32 {
        var launch = ActionLaunch.Options(
            action: options.action,
            roles: options.roles,
            hosts: options.hosts,
            resume: options.resume,
            dryRun: options.dryRun,
            verbose: context.verbose,
            // --watch runs for hours: plain lines, no redrawn block.
            live: Terminal.stderrIsTerminal && !context.json && options.action != .watch
        )
        launch.watchInterval = options.watchInterval
        let selection: ActionLaunch.Selection
        switch ActionLaunch.select(context.options, launch) {
        case .success(let selected): selection = selected
        case .failure(let failure): return report(failure, context: context)
        }
        if !selection.diagnostics.isEmpty && !context.json {
            DiagnosticsOutput.printHuman(
                selection.diagnostics,
                document: selection.document,
                displayPath: context.displayConfigPath
            )
        }
        // A dry run contacts no host and writes no run record, so it needs no lock. (--upgrade --dry-run
        // probes the nodes, read-only, and records that like a run.) --status changes no node and has no
        // --resume: it runs beside another action (an operator's look while --watch runs).
        guard (!options.dryRun || options.action == .upgrade) && options.action != .status else {
            return await perform(context, options, launch, selection)
        }
        // One action at a time per genconf directory, from before the run record (and the journal that
        // --resume reads) to the end of the run.
        let runID = RunRecorder.makeRunID(started: .now)
        let locked = await ActionLock.withLock(
            genconfDirectory: context.options.genconfDirectory,
            holder: .current(action: options.action.rawValue, runID: runID)
        ) {
            await perform(context, options, launch, selection, runID: runID)
        }
        switch locked {
        case .success(let code): return code
        case .failure(let error):
            context.logger.error("\(error.message)")
            return 1
        }
    }

    /// Shows why an action cannot start; its exit code (2 for a selection that names no node, else 1).
    private static func report(_ failure: ActionLaunch.Failure, context: CommandContext) -> Int32 {
        switch failure {
        case .invalidConfig(let diagnostics, let document):
            DiagnosticsOutput.reportInvalid(diagnostics, document: document, context: context)
            return 1
        case .selection(let message):
            context.logger.error("\(message)")
            return 2
        case .refused(let message):
            context.logger.error("\(message)")
            return 1
        }
    }

    /// The action once the config is valid and the nodes are chosen, under the action lock (unless a dry
    /// run): the request (serve/, release, SSH, resume), confirmation, then the run.
    private static func perform(
        _ context: CommandContext,
        _ options: Options,
        _ launch: ActionLaunch.Options,
        _ selection: ActionLaunch.Selection,
        runID: String? = nil
    ) async -> Int32 {
        let request: ActionRequest
        switch ActionLaunch.request(
            context.options,
            selection,
            launch,
            runID: runID,
            passphraseSource: options.dryRun ? { _ in nil } : PassphrasePrompt().source(for:),
            logger: context.logger
        ) {
        case .success(let made): request = made
        case .failure(let failure): return report(failure, context: context)
        }
        let config = selection.config
        let nodes = selection.nodes
        let stateDirectory = request.stateDirectory

        if options.dryRun && options.action != .upgrade {
            let plan = ActionRunner.plan(request)
            printResult(context.json ? plan.json.encoded(pretty: true) : plan.text)
            return 0
        }
        if options.action == .uninstall && !options.yes {
            let name = config.clusterName
            Terminal.writeError(
                "--uninstall removes DC/OS from \(nodes.count) node\(nodes.count == 1 ? "" : "s") of cluster '\(name)'. Type the cluster name to go on: "
            )
            let typed = readLine(strippingNewline: true).map { String($0.trimmingBlanks()) }
            guard typed == name else {
                Terminal.writeError("\n")
                context.logger.error(
                    "Not confirmed (expected the cluster name '\(name)'); nothing was changed. Use --yes to skip the question."
                )
                return 1
            }
        }

        if options.action == .decommission && !options.yes {
            let hosts = nodes.map(\.host).joined(separator: " ")
            Terminal.writeError(
                "--decommission stops and uninstalls DC/OS on \(hosts) of cluster '\(config.clusterName)' and removes \(nodes.count == 1 ? "it" : "them") from the cluster. Type the host\(nodes.count == 1 ? "" : "s") (\(hosts)) to go on: "
            )
            let typed = readLine(strippingNewline: true).map {
                $0.split(whereSeparator: { $0 == " " || $0 == "," }).joined(separator: " ")
            }
            guard typed == hosts else {
                Terminal.writeError("\n")
                context.logger.error(
                    "Not confirmed (expected '\(hosts)'); nothing was changed. Use --yes to skip the question."
                )
                return 1
            }
        }
        for host in options.acceptHostKeys {
            guard let target = request.targets[host], nodes.contains(where: { $0.host == host }) else {
                context.logger.error(
                    "--accept-host-key names \(host), which is in none of master_list, agent_list and public_agent_list."
                )
                return 2
            }
            do {
                let removed = try target.forgetHostKey()
                context.logger.notice(
                    "\(host): \(removed == 0 ? "no key was recorded" : "removed \(removed) recorded key\(removed == 1 ? "" : "s") from \(target.knownHostsFile)"); the key it offers now is accepted and recorded."
                )
            } catch {
                context.logger.error("\(error.message)")
                return 1
            }
        }

        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let outcome = await withTaskGroup(of: Result<RunReport, ActionError>?.self) { group in
            group.addTask { await ActionRunner.run(request) }
            group.addTask {
                for await _ in signals { return nil }
                return nil
            }
            var result: Result<RunReport, ActionError>?
            while let value = await group.next() {
                if let value {
                    result = value
                    group.cancelAll()
                } else if result == nil {
                    context.logger.warning("Interrupted: stopping new work, cancelling the commands in flight.")
                    group.cancelAll()
                }
            }
            return result
        }
        guard case .success(let runReport)? = outcome else {
            if case .failure(let error)? = outcome { context.logger.error("\(error.message)") }
            return 1
        }
        if context.json {
            printResult(runReport.json.encoded(pretty: true))
        } else {
            printResult(
                options.action == .preflight
                    ? Tables.preflight(runReport)
                    : options.action == .status ? Tables.status(runReport) : Tables.summary(runReport)
            )
        }
        context.logger.info(
            "Run record: \(stateDirectory)/\(runReport.runID)/ (report.json, journal.jsonl, hosts/*.log)"
        )
        return runReport.exitCode
    }
}
