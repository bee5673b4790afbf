import InstallerConfig
import InstallerSSH
import Logging

/// The SSH side of a validated configuration: one target per node, and the fleet's limits.
public struct SSHSettings: Sendable {
    public var targets: [SSHTarget]
    public var fleet: FleetConfiguration

    /// Maps the config's SSH keys onto targets for `nodes`. Problems that validation cannot see (an
    /// RSA key this libssh2 cannot use, extra_ssh_options it cannot honour, a bad bastion) come back as
    /// diagnostics on the key to edit.
    ///   - passphraseSource: asked for the passphrase of an encrypted key when the environment variable
    ///     named by ssh_key_passphrase_env is not set (the CLI prompts on the terminal); `nil` leaves it unset.
    public static func make(
        for nodes: [ClusterNode],
        config: ValidatedConfig,
        document: ConfigDocument?,
        logger: Logger,
        passphraseSource: (String) -> SecretSource? = { _ in nil }
    ) -> Result<SSHSettings, SSHSettingsError> {
        var problems: [Diagnostic] = []
        func location(_ key: String) -> SourceLocation? {
            document?.entries.first { $0.key == key }.map { $0.value.location }
        }
        func resolve(_ path: String) -> String {
            if path.hasPrefix("/") { return path }
            if path.hasPrefix("~/"), let home = ProcessEnvironment.value("HOME") { return home + path.dropFirst(1) }
            return config.baseDirectory + "/" + path
        }

        let useAgent = config.sshUseAgent
        let keyPath = resolve(config.sshKeyPath)
        let passphraseVariable = config.sshKeyPassphraseEnv
        let passphrase: SecretSource? =
            ProcessEnvironment.value(passphraseVariable) != nil
            ? .environment(passphraseVariable) : passphraseSource(keyPath)
        let authentication: SSHAuthentication = useAgent ? .agent : .privateKey(path: keyPath, passphrase: passphrase)
        if useAgent {
            if ProcessEnvironment.value("SSH_AUTH_SOCK") == nil {
                problems.append(
                    .error(
                        "ssh_use_agent",
                        at: location("ssh_use_agent"),
                        "ssh_use_agent is true, but SSH_AUTH_SOCK is not set: start ssh-agent and add the key (ssh-add), or set ssh_use_agent: false."
                    )
                )
            }
        } else {
            do {
                try PrivateKey.checkUsable(path: keyPath)
            } catch {
                problems.append(
                    .error(
                        "ssh_key_path",
                        at: location("ssh_key_path"),
                        error.message.prefix(1).uppercased() + error.message.dropFirst() + "."
                    )
                )
            }
        }

        let fingerprints = config.sshHostKeyFingerprints.objectValue ?? [:]
        let policyName = config.sshKnownHostsPolicy
        let sudo: SudoMode =
            switch config.sshSudo {
            case "none": .none
            case "password": .password(.environment(config.sshSudoPasswordEnv))
            default: .passwordless
            }
        let idle = config.sshCommandIdleTimeout
        let timeouts = SSHTimeouts(
            connect: .seconds(config.sshConnectTimeout),
            handshake: .seconds(config.sshHandshakeTimeout),
            commandIdle: idle > 0 ? .seconds(idle) : nil,
            commandTotal: .seconds(config.processTimeout),
            keepalive: .seconds(30)
        )
        var bastion: SSHBastion?
        let bastionText = config.sshBastion
        if !bastionText.isEmpty {
            bastion = SSHBastion.parse(
                bastionText,
                defaultUser: config.sshUser,
                authentication: authentication
            )
            if bastion == nil {
                problems.append(
                    .error(
                        "ssh_bastion",
                        at: location("ssh_bastion"),
                        "'\(bastionText)' is not a jump host. Write user@host:port."
                    )
                )
            }
        }
        let extraOptions = config.extraSSHOptions.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(
            String.init
        )
        let overrides = config.sshHostOverrides.objectValue ?? [:]

        var targets: [SSHTarget] = []
        var optionsFailed = false
        for node in nodes {
            let policy: HostKeyPolicy =
                switch policyName {
                case "strict": .strict
                case "pinned":
                    .pinned((fingerprints[node.host].map { $0.arrayValue ?? [$0] } ?? []).compactMap(\.stringValue))
                default: .acceptNew
                }
            var target = SSHTarget(
                host: node.host,
                port: config.sshPort,
                user: config.sshUser,
                authentication: authentication,
                hostKeyPolicy: policy,
                knownHostsFile: resolve(config.sshKnownHostsFile),
                bastion: bastion,
                sudo: sudo,
                timeouts: timeouts
            )
            if !extraOptions.isEmpty && !optionsFailed {
                do {
                    try ExtraSSHOptions.apply(extraOptions, to: &target)
                } catch {
                    optionsFailed = true
                    problems.append(
                        .error(
                            "extra_ssh_options",
                            at: location("extra_ssh_options"),
                            error.message.prefix(1).uppercased() + error.message.dropFirst() + "."
                        )
                    )
                }
            }
            if let override = overrides[node.host]?.objectValue {
                if let user = override["user"]?.stringValue { target.user = user }
                if let port = override["port"] {
                    switch port {
                    case .int(let number): target.port = number
                    case .string(let text): target.port = Int(text) ?? target.port
                    default: break
                    }
                }
                if let path = override["key_path"]?.stringValue, !useAgent {
                    let resolved = resolve(path)
                    target.authentication = .privateKey(
                        path: resolved,
                        passphrase: ProcessEnvironment.value(passphraseVariable) != nil
                            ? .environment(passphraseVariable) : passphraseSource(resolved)
                    )
                    do {
                        try PrivateKey.checkUsable(path: resolved)
                    } catch {
                        problems.append(
                            .error(
                                "ssh_host_overrides",
                                at: location("ssh_host_overrides"),
                                "For \(node.host): " + error.message + "."
                            )
                        )
                    }
                }
            }
            targets.append(target)
        }
        guard problems.isEmpty else { return .failure(SSHSettingsError(diagnostics: problems)) }
        let fleet = FleetConfiguration(
            parallelism: config.sshParallelism,
            handshakeParallelism: config.sshHandshakeParallelism,
            logger: logger
        )
        return .success(SSHSettings(targets: targets, fleet: fleet))
    }
}

/// Configuration problems found while building the SSH targets, on the keys to edit.
public struct SSHSettingsError: Error, Sendable {
    public var diagnostics: [Diagnostic]
}

enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let text = String(cString: raw)
        return text.isEmpty ? nil : text
    }
}

#if canImport(Glibc)
    import Glibc
#endif
