/// The SSH actions of `dcos_generate_config`.
public enum ActionKind: String, Sendable, Hashable, CaseIterable {
    case preflight
    case deploy
    case postflight
    case installPrereqs = "install-prereqs"
    case uninstall
    case upgrade
    case status
    case repair
    case decommission
    case watch

    /// The command-line flag: `--deploy`.
    public var flag: String { "--" + rawValue }

    /// True when the action uploads genconf/serve/dcos_install.sh and so needs a current genconf/serve/.
    public var needsServeDirectory: Bool { self != .installPrereqs }

    /// The phase whose success on a host `--resume` carries over.
    public var mainPhase: Phase {
        switch self {
        case .preflight: .preflight
        case .deploy, .upgrade: .install
        case .status: .verify
        case .repair, .watch: .repair
        case .decommission: .uninstall
        case .postflight: .postflight
        case .installPrereqs: .prereqs
        case .uninstall: .uninstall
        }
    }
}

/// What a worker does on one node.
public enum Phase: Sendable, Hashable, CustomStringConvertible {
    /// `dcos_install.sh --preflight-only --json ROLE`, plus the facts the cluster-wide checks need.
    case preflight
    /// `dcos_install.sh --json ROLE` (the node runs its own preflight first).
    case install
    /// `dcos_install.sh --postflight --json ROLE`, repeated until it passes or the timeout expires.
    case postflight
    /// `dcos_install.sh --uninstall --json`.
    case uninstall
    /// The package manager installs the missing prerequisites.
    case prereqs
    /// Reads what the node has installed (its install record): `--upgrade`'s plan.
    case probe
    /// `dcos_install.sh --verify --json ROLE`: the node against the served configuration (`--status`).
    case verify
    /// `dcos_install.sh --repair --json ROLE`: the node back to the served configuration (`--repair`).
    case repair

    public var description: String {
        switch self {
        case .preflight: "preflight"
        case .install: "install"
        case .postflight: "postflight"
        case .uninstall: "uninstall"
        case .prereqs: "install-prereqs"
        case .probe: "probe"
        case .verify: "verify"
        case .repair: "repair"
        }
    }
}
