import ArgumentParser
import FoundationEssentials
import InstallerActions
import InstallerConfig
import InstallerGenconf
import InstallerRender
import InstallerSystem
import Logging

/// The command line of `dcos_generate_config`: DC/OS's flags, one mode at a time, `--genconf` by default.
struct DCOSGenerateConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcos_generate_config",
        abstract: "DC/OS install and configuration utility.",
        discussion: """
            Reads genconf/config.yaml (DC/OS 1.11 schema), validates it, and writes genconf/serve/: one bundle \
            per role, the node installer dcos_install.sh and manifest.json. Without a mode flag, --genconf runs.

            Results go to stdout (JSON with --json); logs and errors go to stderr.

            Exit codes:
              0  success
              1  invalid configuration, or the run failed
              2  usage error (unknown flag, two modes at once, ...)
              3  --exec and the SSH actions: at least one host failed
            130  --exec and the SSH actions: interrupted (Ctrl-C)

            The SSH actions (--preflight, --deploy, --postflight, --install-prereqs, --uninstall, --upgrade) exit 1 when the \
            config is invalid or no host could be worked on, and record each run in genconf/state/<run id>/.

            --serve runs until SIGINT or SIGTERM, lets downloads in flight finish, and exits 0.
            """
    )

    // MARK: Modes (at most one)

    @Flag(help: "Create the install files in genconf/serve from genconf/config.yaml (the default mode).")
    var genconf = false

    @Flag(help: "Validate genconf/config.yaml for --genconf and the SSH actions; print every problem.")
    var validateConfig = false

    @Flag(
        help:
            "Hash a password (SHA-512 crypt) for superuser_password_hash and print it; prompts without echo when no PASSWORD is given."
    )
    var hashPassword = false

    @Flag(help: "Serve genconf/serve over HTTP (the bootstrap server nodes download from) until Ctrl-C.")
    var serve = false

    @Flag(
        help:
            "Run the web installer (default port 9000) until Ctrl-C: configure, preflight, deploy and postflight from a browser; prints the URL to open, with a one-time login token."
    )
    var web = false

    @Option(
        help: ArgumentHelp(
            "Run a shell command on the cluster's nodes over SSH, in parallel, with live output.",
            valueName: "command"
        )
    )
    var exec: String?

    @Flag(
        help:
            "Check every node (dcos_install.sh --preflight-only) and the cluster as a whole; print a host × check table."
    )
    var preflight = false

    @Flag(help: "Install DC/OS: masters, the masters' health gate, then agents in batches (deploy_* keys).")
    var deploy = false

    @Flag(help: "Run the nodes' postflight checks until they pass or postflight_timeout expires.")
    var postflight = false

    @Flag(
        help:
            "Upgrade a running cluster to genconf/serve: probe and plan (--dry-run stops there), masters one at a time behind the ZooKeeper gate, then agents (upgrade_* keys); a node that fails is rolled back."
    )
    var upgrade = false

    @Flag(
        help:
            "Compare every node with genconf/serve: installed configuration, files changed on the node (SHA-256), the role's checks; one table, exit 0 only when every node is converged and healthy."
    )
    var status = false

    @Flag(
        help:
            "Bring back every node that is not converged and healthy: missing or changed files, stopped units, a blank machine at a known address; masters one at a time behind the ZooKeeper gate, then repair_max_in_flight agents at once."
    )
    var repair = false

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Take these agents out of the cluster: stop their services, remove their registration, uninstall (asks for the hosts to be typed, unless --yes); then drop them from config.yaml.",
            valueName: "host"
        )
    )
    var decommission: [String] = []

    @Flag(
        help:
            "Run --status every --interval and repair what is not converged and healthy, within limits: one master at a time, repair_max_in_flight agents, backoff for a node that keeps failing; stops when more than watch_max_unhealthy nodes are down at once (a partition). Ctrl-C stops."
    )
    var watch = false

    @Flag(
        help:
            "Write genconf/diagnostics/dcos-diagnostics-TIME.tar.gz: each node's DC/OS journal (24 h, 2 MiB), --verify, versions, units, disk, memory, clock, DNS; the run records and config.yaml; every secret removed."
    )
    var diagnostics = false

    @Option(
        help: ArgumentHelp("--watch: time between status rounds (30s, 2m, 1h; default 30s).", valueName: "duration")
    )
    var interval: String?

    @Option(
        help: ArgumentHelp(
            "--repair: accept the new host key of this replaced machine (its old known_hosts entry is removed); repeatable or comma-separated.",
            valueName: "host"
        )
    )
    var acceptHostKey: [String] = []

    @Flag(help: "Install the release's missing prerequisite packages with each node's apt-get, dnf or yum.")
    var installPrereqs = false

    @Flag(help: "Uninstall DC/OS from the nodes (asks for the cluster name to be typed, unless --yes).")
    var uninstall = false

    @Option(
        help: ArgumentHelp(
            "Print a short-lived node token with which dcos_install.sh --token fetches this role's secrets from --serve.",
            valueName: "role"
        )
    )
    var issueNodeToken: String?

    @Option(
        help: ArgumentHelp(
            "Write serve/upgrade/<config id>/dcos_node_upgrade.sh for nodes that run this DC/OS version, and print its URL: run it as root on each node (masters one at a time) to upgrade it by hand, with rollback. --upgrade does it for the whole cluster.",
            valueName: "installed-version"
        )
    )
    var generateNodeUpgradeScript: String?

    @Option(
        help: ArgumentHelp(
            "--issue-node-token: how long the token is valid (s, m, h, d; at most 7d).",
            valueName: "ttl"
        )
    )
    var tokenTTL = "1h"

    @Option(
        help: ArgumentHelp(
            "--genconf, --web: how many earlier configurations serve/ keeps beside the current one (their installers and files), so nodes not upgraded yet, or rolled back, can still fetch theirs.",
            valueName: "n"
        )
    )
    var keepGenerations = GenconfOptions.defaultKeepGenerations

    @Flag(help: "Print the version as JSON: DC/OS's version and variant, the installer's version and commit.")
    var version = false

    @Flag(name: .customShort("V"), help: "Print the installer's version and commit and the DC/OS version on one line.")
    var versionLine = false

    @Flag(help: "Print every config.yaml key with its type, default and meaning (Markdown, or JSON with --json).")
    var listKeys = false

    @Argument(help: ArgumentHelp("The password for --hash-password.", valueName: "password"))
    var password: String?

    // MARK: Options

    @Flag(help: "SSH actions: print each host's plan (uploads, commands, order) without contacting any host.")
    var dryRun = false

    @Flag(
        help:
            "SSH actions: skip the hosts the newest run of the same action finished with this configuration (--resume RUNID for an older run)."
    )
    var resume = false

    @Option(help: .hidden)
    var resumeRun: String?

    @Flag(help: "--uninstall, --decommission: do not ask for the cluster name or the hosts to be typed.")
    var yes = false

    @Option(
        help: ArgumentHelp(
            "--exec and the SSH actions: only nodes of this role (master, slave, slave_public); repeatable.",
            valueName: "role"
        )
    )
    var role: [String] = []

    @Option(
        help: ArgumentHelp(
            "--exec and the SSH actions: only these hosts (comma-separated addresses from the node lists).",
            valueName: "hosts"
        )
    )
    var hosts: String?

    @Option(
        help: ArgumentHelp("--serve, --web: the address to listen on (default: all interfaces).", valueName: "addr")
    )
    var bind = "0.0.0.0"

    @Option(
        help: ArgumentHelp(
            "--serve: the port (default: the port of bootstrap_url; 80 for http). --web: the port (default: 9000).",
            valueName: "n"
        )
    )
    var port: Int?

    @Option(
        help: ArgumentHelp(
            "--serve, --web: serve HTTPS with this PEM certificate chain (with --tls-key).",
            valueName: "file"
        )
    )
    var tlsCert: String?

    @Option(help: ArgumentHelp("--serve, --web: the PEM private key for --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Option(
        help: ArgumentHelp(
            "The genconf directory (config.yaml, ip-detect, packages/; receives serve/).",
            valueName: "dir"
        )
    )
    var genconfDir = "genconf"

    @Option(
        help: ArgumentHelp(
            "The release templates directory (default: ./templates, or the one installed beside the binary).",
            valueName: "dir"
        )
    )
    var templatesDir: String?

    @Flag(help: "Machine-readable output on stdout.")
    var json = false

    @Flag(name: .shortAndLong, help: "Verbose log output (debug).")
    var verbose = false

    @Flag(help: "Accepted for DC/OS compatibility; has no effect.")
    var offline = false

    @Flag(help: "Accepted for DC/OS compatibility; this installer never sends telemetry.")
    var cliTelemetryDisabled = false

    enum Mode: String {
        case genconf = "--genconf"
        case validateConfig = "--validate-config"
        case hashPassword = "--hash-password"
        case serve = "--serve"
        case web = "--web"
        case exec = "--exec"
        case version = "--version"
        case listKeys = "--list-keys"
        case preflight = "--preflight"
        case deploy = "--deploy"
        case postflight = "--postflight"
        case installPrereqs = "--install-prereqs"
        case uninstall = "--uninstall"
        case upgrade = "--upgrade"
        case status = "--status"
        case repair = "--repair"
        case decommission = "--decommission"
        case watch = "--watch"
        case diagnostics = "--diagnostics"
        case issueNodeToken = "--issue-node-token"
        case generateNodeUpgradeScript = "--generate-node-upgrade-script"

        /// The SSH action of this mode, if it is one.
        var action: ActionKind? {
            switch self {
            case .preflight: .preflight
            case .deploy: .deploy
            case .postflight: .postflight
            case .installPrereqs: .installPrereqs
            case .uninstall: .uninstall
            case .upgrade: .upgrade
            case .status: .status
            case .repair: .repair
            case .decommission: .decommission
            case .watch: .watch
            default: nil
            }
        }
    }

    var modes: [Mode] {
        [
            (genconf, Mode.genconf), (validateConfig, .validateConfig), (hashPassword, .hashPassword),
            (serve, .serve), (web, .web), (exec != nil, .exec), (version || versionLine, .version),
            (listKeys, .listKeys),
            (preflight, .preflight), (deploy, .deploy), (postflight, .postflight), (installPrereqs, .installPrereqs),
            (uninstall, .uninstall), (upgrade, .upgrade), (status, .status), (repair, .repair),
            (!decommission.isEmpty, .decommission), (watch, .watch), (diagnostics, .diagnostics),
            (issueNodeToken != nil, .issueNodeToken),
            (generateNodeUpgradeScript != nil, .generateNodeUpgradeScript),
        ]
        .filter(\.0).map(\.1)
    }

    func validate() throws {
        if modes.count > 1 {
            throw ValidationError("Choose one mode; got \(modes.map(\.rawValue).joined(separator: " and ")).")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together; give both.")
        }
        if let port, !(0...65535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535.")
        }
        let serveOptions = bind != "0.0.0.0" || port != nil || tlsCert != nil
        if serveOptions && modes != [.serve] && modes != [.web] {
            throw ValidationError("--bind, --port, --tls-cert and --tls-key are options of --serve and --web.")
        }
        for name in role where Role(name: name) == nil {
            throw ValidationError("Unknown role '\(name)'. Use master, slave or slave_public.")
        }
        let isAction = modes.count == 1 && modes[0].action != nil
        if (!role.isEmpty || hosts != nil) && modes != [.exec] && modes != [.diagnostics] && !isAction {
            throw ValidationError("--role and --hosts are options of --exec and the SSH actions.")
        }
        if (dryRun || resume || resumeRun != nil) && !isAction {
            throw ValidationError(
                "--dry-run and --resume are options of --preflight, --deploy, --postflight, --install-prereqs, --uninstall and --upgrade."
            )
        }
        if (dryRun || resume || resumeRun != nil), let mode = modes.first,
            [.status, .repair, .watch, .decommission].contains(mode)
        {
            throw ValidationError(
                "\(mode.rawValue) takes neither --dry-run nor --resume: --status is what --repair would look at, and --repair and --watch start from the cluster as it is."
            )
        }
        if dryRun && (resume || resumeRun != nil) {
            throw ValidationError("--dry-run and --resume go separately: a dry run records nothing to resume.")
        }
        if tokenTTL != "1h" && modes != [.issueNodeToken] {
            throw ValidationError("--token-ttl is an option of --issue-node-token.")
        }
        if keepGenerations != GenconfOptions.defaultKeepGenerations {
            guard (modes.isEmpty || modes == [.genconf] || modes == [.web]) else {
                throw ValidationError("--keep-generations is an option of --genconf and --web.")
            }
            guard (0...100).contains(keepGenerations) else {
                throw ValidationError("--keep-generations must be between 0 and 100 (got \(keepGenerations)).")
            }
        }
        if yes && modes != [.uninstall] && modes != [.decommission] {
            throw ValidationError("--yes is an option of --uninstall and --decommission.")
        }
        if let interval {
            guard modes == [.watch] else { throw ValidationError("--interval is an option of --watch.") }
            guard Self.duration(interval) != nil else {
                throw ValidationError(
                    "--interval '\(interval)' is not a duration between 1s and 24h; write it like 30s, 2m or 1h."
                )
            }
        }
        if !acceptHostKey.isEmpty && modes != [.repair] {
            throw ValidationError("--accept-host-key is an option of --repair.")
        }
        if !decommission.isEmpty && hosts != nil {
            throw ValidationError("--decommission names its hosts itself; leave out --hosts.")
        }
        if let exec, exec.trimmingBlanks().isEmpty {
            throw ValidationError("--exec needs a command.")
        }
        if password != nil && modes != [.hashPassword] {
            throw ValidationError("Unexpected argument '\(password!)'. Only --hash-password takes a value.")
        }
    }

    mutating func execute() async throws -> Int32 {
        let level: Logger.Level = verbose ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StderrLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "dcos_generate_config")
        let context = CommandContext(
            genconfDir: genconfDir,
            templatesDir: templatesDir,
            keepGenerations: keepGenerations,
            json: json,
            verbose: verbose,
            logger: logger
        )
        switch modes.first ?? .genconf {
        case .genconf: return await GenconfMode.run(context)
        case .validateConfig: return ValidateMode.run(context)
        case .hashPassword: return HashPasswordMode.run(password: password, json: json)
        case .exec:
            let hostList = hosts.map {
                $0.split(separator: ",").map { String($0.trimmingBlanks()) }.filter { !$0.isEmpty }
            }
            return await ExecMode.run(
                context,
                command: exec ?? "",
                roles: Set(role.compactMap(Role.init(name:))),
                hosts: hostList
            )
        case .diagnostics:
            let hostList = hosts.map {
                $0.split(separator: ",").map { String($0.trimmingBlanks()) }.filter { !$0.isEmpty }
            }
            return await SupportBundleMode.run(context, roles: Set(role.compactMap(Role.init(name:))), hosts: hostList)
        case .serve: return await ServeMode.run(context, bind: bind, port: port, tlsCert: tlsCert, tlsKey: tlsKey)
        case .web: return await WebMode.run(context, bind: bind, port: port ?? 9000, tlsCert: tlsCert, tlsKey: tlsKey)
        case .preflight, .deploy, .postflight, .installPrereqs, .uninstall, .upgrade, .status, .repair, .decommission,
            .watch:
            let hostList = (decommission.isEmpty ? hosts.map { [$0] } : decommission).map { values in
                values.flatMap { $0.split(separator: ",") }.map { String($0.trimmingBlanks()) }.filter { !$0.isEmpty }
            }
            return await ActionMode.run(
                context,
                ActionMode.Options(
                    action: (modes.first?.action)!,
                    roles: Set(role.compactMap(Role.init(name:))),
                    hosts: hostList,
                    dryRun: dryRun,
                    resume: resumeRun ?? (resume ? "" : nil),
                    yes: yes,
                    watchInterval: interval.flatMap(Self.duration) ?? .seconds(30),
                    acceptHostKeys: acceptHostKey.flatMap { $0.split(separator: ",") }.map {
                        String($0.trimmingBlanks())
                    }.filter { !$0.isEmpty }
                )
            )
        case .issueNodeToken: return TokenMode.run(context, role: issueNodeToken ?? "", ttl: tokenTTL)
        case .generateNodeUpgradeScript:
            return NodeUpgradeMode.run(context, installedVersion: generateNodeUpgradeScript ?? "")
        case .version: return VersionMode.run(text: versionLine && !version)
        case .listKeys: return ListKeysMode.run(json: json)
        }
    }
}

extension DCOSGenerateConfig {
    /// `30s`, `2m`, `1h` or plain seconds, between one second and a day.
    static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingBlanks()
        let units: [(String, Int)] = [("h", 3600), ("m", 60), ("s", 1)]
        var seconds: Int?
        if let number = Int(trimmed) {
            seconds = number
        } else if let (suffix, scale) = units.first(where: { trimmed.hasSuffix($0.0) }),
            let number = Int(trimmed.dropLast(suffix.count))
        {
            seconds = number.multipliedReportingOverflow(by: scale).overflow ? nil : number * scale
        }
        guard let seconds, (1...86_400).contains(seconds) else { return nil }
        return .seconds(seconds)
    }
}

/// What every mode needs: resolved paths, output format, logger.
struct CommandContext {
    var genconfDir: String
    var templatesDir: String?
    var keepGenerations = GenconfOptions.defaultKeepGenerations
    var json: Bool
    var verbose: Bool
    var logger: Logger

    var options: GenconfOptions {
        GenconfOptions(
            genconfDirectory: Paths.absolute(genconfDir),
            templatesDirectory: Paths.templatesDirectory(explicit: templatesDir),
            keepGenerations: keepGenerations
        )
    }

    /// The config path as the user would write it, for messages.
    var displayConfigPath: String {
        (genconfDir.hasSuffix("/") ? String(genconfDir.dropLast()) : genconfDir) + "/config.yaml"
    }
}

enum InstallerVersion {
    /// The DC/OS release this installer produces.
    static let version = "1.11.13"
    static let variant = ""
    /// This installer's own version (the .deb's version too).
    static let installer = "0.13.0"

    /// The commit the release was built from: `commit` in the installed release's build-info.json, which
    /// scripts/release writes; nil for a binary built from a source tree.
    static var commit: String? {
        guard let release = Paths.installedRelease,
            let text = FileReader.text(release + "/build-info.json", limit: 4096),
            let commit = JSONValue.parse(text)?["commit"]?.stringValue, !commit.isEmpty
        else { return nil }
        return commit
    }

    /// `dcos_generate_config 0.13.0 (commit abc) for DC/OS 1.11.13`: `-V`, and the diagnostics' summary.
    static var line: String {
        "dcos_generate_config \(installer) (commit \(commit ?? "unknown")) for DC/OS \(version)"
    }
}
