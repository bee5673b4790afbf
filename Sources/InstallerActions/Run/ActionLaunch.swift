import InstallerCluster
import InstallerConfig
import InstallerManifest
import InstallerRender
import InstallerSSH
import InstallerSystem
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// From a genconf directory and what was asked to an ``ActionRequest`` ready for ``ActionRunner/run(_:)``:
/// one path for the CLI's `--preflight`/`--deploy`/... and the web installer's actions, so both validate,
/// choose nodes, check genconf/serve/ and resume the same way.
///
/// In two steps: ``select(_:_:)`` validates and chooses the nodes (no lock needed: a dry run stops after
/// it); ``request(_:_:runID:passphraseSource:logger:)`` reads genconf/serve/, the release's prerequisites,
/// the SSH settings and the run to resume, and is called under the ``ActionLock``.
public enum ActionLaunch {
    /// What was asked.
    public struct Options: Sendable {
        public var action: ActionKind
        /// Nodes of these roles (all when empty).
        public var roles: Set<Role>
        /// Only these hosts, when given.
        public var hosts: [String]?
        /// Resume the newest run of the action (""), or run `resume`; nil for a new run.
        public var resume: String?
        public var dryRun: Bool
        public var verbose: Bool
        /// Draw the live progress block on the terminal.
        public var live: Bool
        /// Where nodes keep dcos_install.sh.
        public var remoteDirectory: String
        /// `--watch --interval`.
        public var watchInterval: Duration = .seconds(30)

        public init(
            action: ActionKind,
            roles: Set<Role> = [],
            hosts: [String]? = nil,
            resume: String? = nil,
            dryRun: Bool = false,
            verbose: Bool = false,
            live: Bool = false,
            remoteDirectory: String = ActionLaunch.defaultRemoteDirectory
        ) {
            self.action = action
            self.roles = roles
            self.hosts = hosts
            self.resume = resume
            self.dryRun = dryRun
            self.verbose = verbose
            self.live = live
            self.remoteDirectory = remoteDirectory
        }
    }

    /// Why an action cannot start. Nothing was changed on any host.
    public enum Failure: Error, Sendable {
        /// config.yaml (or the SSH keys it names) is not valid: the diagnostics, for the file's lines.
        case invalidConfig([Diagnostic], document: ConfigDocument?)
        /// The request names no node, or nodes the config does not have (exit 2 on the CLI).
        case selection(String)
        /// Anything else, as a sentence that says what to do (exit 1 on the CLI).
        case refused(String)

        public var message: String {
            switch self {
            case .invalidConfig(let diagnostics, _):
                let errors = diagnostics.errors
                return "config.yaml is not valid (\(errors.count) error\(errors.count == 1 ? "" : "s")): "
                    + errors.prefix(3).map(\.description).joined(separator: "; ")
            case .selection(let text), .refused(let text): return text
            }
        }
    }

    /// The validated config and the chosen nodes.
    public struct Selection: Sendable {
        public var config: ValidatedConfig
        public var document: ConfigDocument?
        /// Warnings of the validation (errors make it a failure).
        public var diagnostics: [Diagnostic]
        public var nodes: [ClusterNode]
        /// Every master of the cluster (the deploy's health gate asks them), whether chosen or not.
        public var masters: [ClusterNode]
        /// `--status`: nodes the inventory has installed that config.yaml no longer lists (chosen by
        /// --role/--hosts like the others).
        public var retired: [ClusterNode] = []
    }

    /// Where nodes keep dcos_install.sh. `DCOS_INSTALL_REMOTE_DIR` overrides it for test rigs whose
    /// "nodes" share one filesystem (loopback sshd).
    public static var defaultRemoteDirectory: String {
        if let raw = getenv("DCOS_INSTALL_REMOTE_DIR") {
            let value = String(cString: raw)
            if value.hasPrefix("/") { return value }
        }
        return "/opt/dcos-install"
    }

    /// Validates config.yaml for the SSH actions and chooses the nodes.
    public static func select(_ genconf: GenconfOptions, _ options: Options) -> Result<Selection, Failure> {
        let (document, validation) = ConfigValidator.validateFile(
            at: genconf.configPath,
            stage: .ssh,
            baseDirectory: genconf.baseDirectory
        )
        guard let config = validation.config else {
            return .failure(.invalidConfig(validation.diagnostics, document: document))
        }
        let all = ClusterNode.all(in: config)
        var retired: [ClusterNode] = []
        if options.action == .status || options.action == .decommission {
            switch NodeInventory.load(stateDirectory: genconf.genconfDirectory + "/state") {
            case .success(let inventory): retired = inventory.retired(from: all)
            case .failure(let error): return .failure(.refused(error.message))
            }
        }
        // --status and --decommission also take nodes config.yaml no longer lists (the inventory knows their role).
        var nodes: [ClusterNode]
        switch ClusterNode.select(from: all + retired, roles: options.roles, hosts: options.hosts) {
        case .success(let selected): nodes = selected
        case .failure(let error):
            guard options.action == .decommission, let hosts = options.hosts else {
                return .failure(.selection(error.message))
            }
            let unknown = hosts.filter { host in !(all + retired).contains { $0.host == host } }
            return .failure(
                .selection(
                    "--decommission names \(unknown.joined(separator: ", ")), which is in none of master_list, agent_list and public_agent_list, and which this installer has not installed (genconf/state/nodes.json)."
                )
            )
        }
        if options.action == .decommission {
            let masters = nodes.filter { $0.role == .master }
            if !masters.isEmpty {
                let why =
                    config.masterDiscovery == "static"
                    ? "with master_discovery: static the masters of a cluster cannot change (their ZooKeeper ensemble and every agent name them)"
                    : "this release's ZooKeeper ensemble is the masters as --genconf wrote them, which taking one out would leave without a member it counts on"
                return .failure(
                    .refused(
                        "\(masters.map(\.host).joined(separator: ", ")) \(masters.count == 1 ? "is a master" : "are masters"); \(why), so a master cannot be decommissioned. Replace a failed master's machine at the same address and run --repair instead."
                    )
                )
            }
            retired = []
        } else {
            retired = nodes.filter { retired.contains($0) }
            nodes = nodes.filter { !retired.contains($0) }
        }
        guard !nodes.isEmpty || !retired.isEmpty else {
            return .failure(.selection("No node matches --role/--hosts; nothing to do."))
        }
        var selection = Selection(
            config: config,
            document: document,
            diagnostics: validation.diagnostics,
            nodes: nodes,
            masters: all.filter { $0.role == .master }
        )
        selection.retired = retired
        return .success(selection)
    }

    /// The request for `selection`: genconf/serve/ current (for the actions that upload dcos_install.sh),
    /// the release's prerequisites (`--install-prereqs`), SSH settings, and the run to resume. Call it under
    /// the action lock when the run is real (it reads the journal a resume continues).
    public static func request(
        _ genconf: GenconfOptions,
        _ selection: Selection,
        _ options: Options,
        runID: String?,
        passphraseSource: (String) -> SecretSource?,
        logger: Logger
    ) -> Result<ActionRequest, Failure> {
        let config = selection.config
        var serve: ServeDirectory?
        if options.action.needsServeDirectory {
            switch ServeDirectory.load(genconf.serveDirectory) {
            case .success(let loaded): serve = loaded
            case .failure(let error): return .failure(.refused(error.message))
            }
            if let configTime = FileReader.modificationTime(genconf.configPath),
                let serveTime = FileReader.modificationTime(genconf.serveDirectory + "/manifest.json"),
                configTime > serveTime
            {
                return .failure(
                    .refused(
                        "\(genconf.configPath) changed after genconf/serve/ was written: run dcos_generate_config --genconf again, so the nodes get this configuration."
                    )
                )
            }
        }
        var prerequisites: Prerequisites?
        if options.action == .installPrereqs {
            switch Prerequisites.load(templatesDirectory: genconf.templatesDirectory) {
            case .success(let loaded): prerequisites = loaded
            case .failure(let error): return .failure(.refused(error.message))
            }
            if config.prereqsOffline {
                switch offlinePrerequisites(genconf, bootstrapURL: config.bootstrapURL) {
                case .success(let offline): prerequisites?.offline = offline
                case .failure(let failure): return .failure(failure)
                }
            }
        }
        var sshNodes = selection.nodes + selection.retired
        for master in selection.masters where !sshNodes.contains(master) { sshNodes.append(master) }
        let settings: SSHSettings
        switch SSHSettings.make(
            for: sshNodes,
            config: config,
            document: selection.document,
            logger: logger,
            passphraseSource: passphraseSource
        ) {
        case .success(let made): settings = made
        case .failure(let error): return .failure(.invalidConfig(error.diagnostics, document: selection.document))
        }
        let stateDirectory = genconf.genconfDirectory + "/state"
        var resume: ResumeState?
        if let runID = options.resume {
            switch ResumeState.load(
                stateDirectory: stateDirectory,
                action: options.action,
                runID: runID.isEmpty ? nil : runID
            ) {
            case .success(let loaded): resume = loaded
            case .failure(let error): return .failure(.refused(error.message))
            }
        }
        var targets: [String: SSHTarget] = [:]
        for (node, target) in zip(sshNodes, settings.targets) { targets[node.host] = target }
        var request = ActionRequest(
            action: options.action,
            nodes: selection.nodes,
            clusterMasters: selection.masters,
            targets: targets,
            fleet: settings.fleet,
            policy: DeployPolicy(config: config),
            postflightTimeout: .seconds(config.postflightTimeout),
            bootstrapURL: config.bootstrapURL,
            serve: serve,
            prerequisites: prerequisites,
            stateDirectory: stateDirectory,
            resume: resume,
            remoteDirectory: options.remoteDirectory,
            verbose: options.verbose,
            live: options.live,
            runID: runID
        )
        request.upgradePolicy = UpgradePolicy(config: config)
        request.staticMasters = config.masterDiscovery == "static"
        request.dryRun = options.dryRun
        request.repairPolicy = RepairPolicy(config: config)
        request.watchPolicy = WatchPolicy(
            interval: options.watchInterval,
            maxUnhealthy: config.watchMaxUnhealthy ?? .percent(30),
            repair: request.repairPolicy
        )
        request.retired = selection.retired
        return .success(request)
    }

    /// `prereqs_offline`: the nodes install from the apt repository genconf collected into serve/.
    private static func offlinePrerequisites(
        _ genconf: GenconfOptions,
        bootstrapURL: String
    ) -> Result<Prerequisites.OfflineRepository, Failure> {
        let index = "prereqs/apt/Packages"
        guard bootstrapURL.hasPrefix("http://") || bootstrapURL.hasPrefix("https://") else {
            return .failure(
                .refused(
                    "prereqs_offline: the nodes install from bootstrap_url over HTTP; \(bootstrapURL) is not http:// or https://."
                )
            )
        }
        switch ServeManifest.load(directory: genconf.serveDirectory) {
        case .success(let serve):
            guard let sha = serve.files[index]?.sha256 else {
                return .failure(
                    .refused(
                        "genconf/serve/ has no \(index): run dcos_generate_config --genconf with prereqs_offline: true first (it collects the packages), and serve it."
                    )
                )
            }
            let base = bootstrapURL.hasSuffix("/") ? String(bootstrapURL.dropLast()) : bootstrapURL
            return .success(.init(url: base + "/prereqs/apt", packagesSHA256: sha))
        case .failure(let error):
            return .failure(.refused(error.message))
        }
    }
}
