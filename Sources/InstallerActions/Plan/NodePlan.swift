import InstallerCluster
import InstallerManifest
import InstallerRender
import InstallerSSH

/// One step of a host's plan, in order: what `--dry-run` prints and what the worker does.
public struct PlannedStep: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// SFTP upload with a remote SHA-256 check; skipped when the host already has that content.
        case upload(local: String, remote: String, sha256: String, mode: Int32)
        /// A `dcos_install.sh` invocation whose stdout is one JSON object.
        case nodeScript(Phase)
        /// `date +%s.%N`, timed from here, for the clock-skew check.
        case clock
        /// Host name, machine id, bootstrap_url and master reachability, for the cluster-wide checks.
        case facts
        /// The package manager installs what is missing.
        case packages
        /// Prints the node's install record (and its master list): what `--upgrade` compares.
        case probe
    }

    public var name: String
    public var kind: Kind
    /// The command run on the node (for an upload, `local → remote`).
    public var command: String
}

/// Builds each host's steps for a phase. Pure: no I/O.
public struct NodePlanner: Sendable {
    /// The node-side directory that receives dcos_install.sh (`/opt/dcos-install`).
    public var remoteDirectory: String
    public var serve: ServeDirectory?
    public var bootstrapURL: String
    /// Every master of the cluster with its SSH port, for the master reachability check.
    public var masters: [(host: String, port: Int)]
    public var prerequisites: Prerequisites?

    public init(
        remoteDirectory: String,
        serve: ServeDirectory?,
        bootstrapURL: String,
        masters: [(host: String, port: Int)],
        prerequisites: Prerequisites?
    ) {
        self.remoteDirectory = remoteDirectory
        self.serve = serve
        self.bootstrapURL = bootstrapURL
        self.masters = masters
        self.prerequisites = prerequisites
    }

    public var scriptPath: String { remoteDirectory + "/dcos_install.sh" }

    /// For `bootstrap_url: file:///dir`, `/dir`; nil for http(s).
    public var fileBootstrapDirectory: String? {
        guard bootstrapURL.hasPrefix("file://") else { return nil }
        var path = String(bootstrapURL.dropFirst("file://".count))
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    public func plan(_ phase: Phase, for node: ClusterNode) -> [PlannedStep] {
        let script = shellQuote(scriptPath)
        let role = node.role.rawValue
        switch phase {
        case .preflight:
            return [
                uploadScript(),
                PlannedStep(
                    name: "preflight",
                    kind: .nodeScript(.preflight),
                    command: "bash \(script) --preflight-only --json \(role)"
                ),
                PlannedStep(name: "clock", kind: .clock, command: RemoteScripts.clock),
                PlannedStep(name: "facts", kind: .facts, command: RemoteScripts.facts(for: node, planner: self)),
            ]
        case .install, .repair:
            var secrets: [PlannedStep] = []
            var secretsArgument = ""
            if let archive = serve?.manifest.roles[node.role]?.secrets, let serve {
                // Over this SSH connection, never over HTTP: the node's secrets are no public file.
                let name = archive.path.split(separator: "/").last.map(String.init) ?? archive.path
                let local = serve.secretsDirectory + "/" + name
                let remote = remoteDirectory + "/secrets/" + name
                secrets.append(
                    PlannedStep(
                        name: "push secrets",
                        kind: .upload(local: local, remote: remote, sha256: archive.sha256, mode: 0o600),
                        command: "\(local) → \(remote)"
                    )
                )
                secretsArgument = " --secrets=\(shellQuote(remote))"
            }
            return [uploadScript()] + bootstrapPushes(for: node.role) + secrets
                + [
                    PlannedStep(
                        name: phase == .repair ? "repair" : "install",
                        kind: .nodeScript(phase),
                        command: "bash \(script)\(phase == .repair ? " --repair" : "") --json\(secretsArgument) \(role)"
                    )
                ]
        case .postflight:
            return [
                uploadScript(),
                PlannedStep(
                    name: "postflight",
                    kind: .nodeScript(.postflight),
                    command: "bash \(script) --postflight --json \(role)"
                ),
            ]
        case .probe:
            return [PlannedStep(name: "probe", kind: .probe, command: RemoteScripts.probe)]
        case .verify:
            return [
                uploadScript(),
                PlannedStep(
                    name: "verify",
                    kind: .nodeScript(.verify),
                    command: "bash \(script) --verify --json \(role)"
                ),
            ]
        case .uninstall:
            return [
                uploadScript(),
                PlannedStep(
                    name: "uninstall",
                    kind: .nodeScript(.uninstall),
                    command: "bash \(script) --uninstall --json"
                ),
            ]
        case .prereqs:
            let apt = prerequisites?.packages(for: node.role, manager: "apt") ?? []
            let dnf = prerequisites?.packages(for: node.role, manager: "dnf") ?? []
            return [
                PlannedStep(
                    name: "packages",
                    kind: .packages,
                    command: RemoteScripts.packages(
                        apt: apt,
                        dnf: dnf,
                        stoppedUnits: prerequisites?.units(for: node.role) ?? [],
                        offline: prerequisites?.offline
                    )
                )
            ]
        }
    }

    private func uploadScript() -> PlannedStep {
        let local = (serve?.path ?? "genconf/serve") + "/dcos_install.sh"
        return PlannedStep(
            name: "upload dcos_install.sh",
            kind: .upload(
                local: local,
                remote: scriptPath,
                sha256: serve?.manifest.installScriptSHA256 ?? "",
                mode: 0o755
            ),
            command: "\(local) → \(scriptPath)"
        )
    }

    /// With `file://`, the files of the role's install, pushed to that directory: bundle and packages
    /// first, then dcos_install.sh, manifest.json last (a node that sees the manifest sees its files).
    private func bootstrapPushes(for role: Role) -> [PlannedStep] {
        guard let directory = fileBootstrapDirectory, let serve else { return [] }
        var paths: [String] = []
        let manifest = serve.manifest
        if let files = manifest.roles[role] { paths = [files.bundle] + files.packages }
        // The installer reads its own generation's signed manifest; the top one is what serve/ serves now.
        let generation = manifest.generation.directory
        paths += [
            ServeManifest.installScriptFileName, ServeManifest.publicKeyFileName,
            generation + "/" + ServeManifest.signatureFileName, generation + "/" + ServeManifest.fileName,
            ServeManifest.signatureFileName, ServeManifest.fileName,
        ]
        return paths.map { relative in
            let local = serve.file(relative)
            let remote = directory + "/" + relative
            return PlannedStep(
                name: "push \(relative)",
                kind: .upload(
                    local: local,
                    remote: remote,
                    sha256: manifest.files[relative]?.sha256 ?? "",
                    mode: relative == "dcos_install.sh" ? 0o755 : 0o644
                ),
                command: "\(local) → \(remote)"
            )
        }
    }
}
