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
    }

    /// Where nodes keep dcos_install.sh. `DCOS_INSTALL_REMOTE_DIR` overrides it for test rigs whose
    /// "nodes" share one filesystem (loopback sshd).
    static var remoteDirectory: String {
        if let raw = getenv("DCOS_INSTALL_REMOTE_DIR") {
            let value = String(cString: raw)
            if value.hasPrefix("/") { return value }
        }
        return "/opt/dcos-install"
    }

    static func run(_ context: CommandContext, _ options: Options) async -> Int32 {
        let (document, validation) = Genconf.validate(context.options, stage: .ssh)
        guard let config = validation.config else {
            DiagnosticsOutput.reportInvalid(validation.diagnostics, document: document, context: context)
            return 1
        }
        if !validation.diagnostics.isEmpty && !context.json {
            DiagnosticsOutput.printHuman(
                validation.diagnostics,
                document: document,
                displayPath: context.displayConfigPath
            )
        }
        let all = ClusterNode.all(in: config)
        let nodes: [ClusterNode]
        switch ClusterNode.select(from: all, roles: options.roles, hosts: options.hosts) {
        case .success(let selected): nodes = selected
        case .failure(let error):
            context.logger.error("\(error.message)")
            return 2
        }
        guard !nodes.isEmpty else {
            context.logger.error("No node matches --role/--hosts; nothing to do.")
            return 2
        }
        let masters = all.filter { $0.role == .master }
        // A dry run contacts no host and writes no run record, so it needs no lock.
        guard !options.dryRun else {
            return await perform(context, options, config: config, document: document, nodes: nodes, masters: masters)
        }
        // One action at a time per genconf directory, from before the run record (and the journal that
        // --resume reads) to the end of the run.
        let runID = RunRecorder.makeRunID(started: .now)
        let locked = await ActionLock.withLock(
            genconfDirectory: context.options.genconfDirectory,
            holder: .current(action: options.action.rawValue, runID: runID)
        ) {
            await perform(
                context,
                options,
                config: config,
                document: document,
                nodes: nodes,
                masters: masters,
                runID: runID
            )
        }
        switch locked {
        case .success(let code): return code
        case .failure(let error):
            context.logger.error("\(error.message)")
            return 1
        }
    }

    /// The action once the config is valid and the nodes are chosen, under the action lock (unless a dry
    /// run): check serve/ and the release, resolve SSH, resume state and confirmation, then run.
    private static func perform(
        _ context: CommandContext,
        _ options: Options,
        config: ValidatedConfig,
        document: ConfigDocument?,
        nodes: [ClusterNode],
        masters: [ClusterNode],
        runID: String? = nil
    ) async -> Int32 {
        var serve: ServeManifest?
        if options.action.needsServeDirectory {
            switch ServeManifest.load(directory: context.options.serveDirectory) {
            case .success(let loaded): serve = loaded
            case .failure(let error):
                context.logger.error("\(error.message)")
                return 1
            }
            if let configTime = modificationTime(context.options.configPath),
                let serveTime = modificationTime(context.options.serveDirectory + "/manifest.json"),
                configTime > serveTime
            {
                context.logger.error(
                    "\(context.displayConfigPath) changed after genconf/serve/ was written: run dcos_generate_config --genconf again, so the nodes get this configuration."
                )
                return 1
            }
        }
        var prerequisites: Prerequisites?
        if options.action == .installPrereqs {
            switch Prerequisites.load(templatesDirectory: context.options.templatesDirectory) {
            case .success(let loaded): prerequisites = loaded
            case .failure(let error):
                context.logger.error("\(error.message)")
                return 1
            }
            if config.prereqsOffline {
                let bootstrapURL = config.bootstrapURL
                let index = "prereqs/apt/Packages"
                guard bootstrapURL.hasPrefix("http://") || bootstrapURL.hasPrefix("https://") else {
                    context.logger.error(
                        "prereqs_offline: the nodes install from bootstrap_url over HTTP; \(bootstrapURL) is not http:// or https://."
                    )
                    return 1
                }
                switch ServeManifest.load(directory: context.options.serveDirectory) {
                case .success(let serve):
                    guard let sha = serve.files[index] else {
                        context.logger.error(
                            "genconf/serve/ has no \(index): run dcos_generate_config --genconf with prereqs_offline: true first (it collects the packages), and serve it."
                        )
                        return 1
                    }
                    let base = bootstrapURL.hasSuffix("/") ? String(bootstrapURL.dropLast()) : bootstrapURL
                    prerequisites?.offline = .init(url: base + "/prereqs/apt", packagesSHA256: sha)
                case .failure(let error):
                    context.logger.error("\(error.message)")
                    return 1
                }
            }
        }

        var sshNodes = nodes
        for master in masters where !sshNodes.contains(master) { sshNodes.append(master) }
        let settings: SSHSettings
        switch SSHSettings.make(
            for: sshNodes,
            config: config,
            document: document,
            logger: context.logger,
            passphraseSource: options.dryRun ? { _ in nil } : PassphrasePrompt().source(for:)
        ) {
        case .success(let made): settings = made
        case .failure(let error):
            DiagnosticsOutput.reportInvalid(error.diagnostics, document: document, context: context)
            return 1
        }
        let stateDirectory = context.options.genconfDirectory + "/state"
        var resume: ResumeState?
        if let runID = options.resume {
            switch ResumeState.load(
                stateDirectory: stateDirectory,
                action: options.action,
                runID: runID.isEmpty ? nil : runID
            ) {
            case .success(let loaded): resume = loaded
            case .failure(let error):
                context.logger.error("\(error.message)")
                return 1
            }
        }
        var targets: [String: SSHTarget] = [:]
        for (node, target) in zip(sshNodes, settings.targets) { targets[node.host] = target }
        let request = ActionRequest(
            action: options.action,
            nodes: nodes,
            clusterMasters: masters,
            targets: targets,
            fleet: settings.fleet,
            policy: DeployPolicy(config: config),
            postflightTimeout: .seconds(config.postflightTimeout),
            bootstrapURL: config.bootstrapURL,
            serve: serve,
            prerequisites: prerequisites,
            stateDirectory: stateDirectory,
            resume: resume,
            remoteDirectory: remoteDirectory,
            verbose: context.verbose,
            live: Terminal.stderrIsTerminal && !context.json,
            runID: runID
        )

        if options.dryRun {
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
                options.action == .preflight ? Tables.preflight(runReport) : Tables.summary(runReport)
            )
        }
        context.logger.info(
            "Run record: \(stateDirectory)/\(runReport.runID)/ (report.json, journal.jsonl, hosts/*.log)"
        )
        return runReport.exitCode
    }
}

/// Modification time in seconds since the epoch; nil when the file is missing.
func modificationTime(_ path: String) -> Double? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
}
