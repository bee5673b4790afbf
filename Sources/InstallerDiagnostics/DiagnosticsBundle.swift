import InstallerActions
import InstallerArchive
import InstallerCluster
import InstallerConfig
import InstallerRender
import InstallerSSH
import InstallerSystem

/// `--diagnostics`: one tar.gz for a support case. Per node: the journal of the DC/OS units (bounded by
/// time and size), `dcos_install.sh --verify`, versions, units, disk, memory, clock, DNS and network
/// facts. From the bootstrap node: config.yaml and the newest run records, the node inventory and the
/// served manifest. Every secret of the configuration is removed from every file first; the SSH key,
/// genconf/secrets/ and known_hosts are never read.
public enum DiagnosticsBundle {
    public struct Request: Sendable {
        public var nodes: [ClusterNode]
        public var settings: SSHSettings
        public var genconfDirectory: String
        public var document: ConfigDocument
        public var scrubber: SecretScrubber
        public var node: NodeDiagnostics
        /// The installer's own version line, for the summary.
        public var installerVersion: String
        /// How many of the newest runs under genconf/state go in, and the bytes kept of each of their files.
        public var runs = 10
        public var runFileBytes = 1 << 20

        public init(
            nodes: [ClusterNode],
            settings: SSHSettings,
            genconfDirectory: String,
            document: ConfigDocument,
            scrubber: SecretScrubber,
            node: NodeDiagnostics,
            installerVersion: String
        ) {
            self.nodes = nodes
            self.settings = settings
            self.genconfDirectory = genconfDirectory
            self.document = document
            self.scrubber = scrubber
            self.node = node
            self.installerVersion = installerVersion
        }
    }

    /// One node's part.
    public struct NodeOutcome: Sendable {
        public var node: ClusterNode
        /// nil: collected; otherwise why not (unreachable, …). A node that answered with a failing command
        /// still gives what it printed.
        public var error: String?
        public var files: [String]
    }

    /// Why no archive was written.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public struct Outcome: Sendable {
        /// The archive written.
        public var path: String
        public var bytes: Int
        public var nodes: [NodeOutcome]
    }

    /// Collects and writes `genconf/diagnostics/<name>.tar.gz` (0600, renamed into place). Per-node
    /// failures are recorded in the bundle and the outcome; only a failure to write the archive fails.
    public static func collect(_ request: Request) async -> Result<Outcome, Failure> {
        let started = WallTime.now
        let name = "dcos-diagnostics-" + started.compact
        let fleet = SSHFleet(request.settings.fleet)
        let results = await fleet.run(
            request.node.command,
            on: request.settings.targets,
            options: ExecOptions(captureLimit: request.node.captureLimit, totalTimeout: .seconds(180))
        )
        await fleet.shutdown()

        var files: [String: String] = [:]
        var outcomes: [NodeOutcome] = []
        for (node, result) in zip(request.nodes, results) {
            let directory = "nodes/" + safeName(node.host)
            var sections: [String: String] = [:]
            if let output = result.output { sections = NodeDiagnostics.parse(output.stdout.text) }
            var error: String?
            if sections.isEmpty {
                error = result.error?.message ?? "the node printed nothing"
                sections["error.txt"] = (error ?? "") + "\n"
            } else if let failure = result.error, failure.code != .commandFailed {
                error = failure.message
                sections["error.txt"] = failure.message + "\n"
            }
            for (file, text) in sections { files[directory + "/" + file] = text }
            outcomes.append(NodeOutcome(node: node, error: error, files: sections.keys.sorted()))
        }

        files["bootstrap/config.yaml"] = request.scrubber.sanitizedConfig(request.document)
        let state = request.genconfDirectory + "/state"
        if let inventory = FileReader.text(state + "/nodes.json", limit: 16 << 20) {
            files["bootstrap/nodes.json"] = inventory
        }
        if let manifest = FileReader.text(request.genconfDirectory + "/serve/manifest.json", limit: 16 << 20) {
            files["bootstrap/serve-manifest.json"] = manifest
        }
        let runs = ((try? FileReader.directoryEntries(state)) ?? []).filter(RunRecorder.isRunID).sorted().suffix(
            request.runs
        )
        for run in runs {
            var paths = ["report.json", "journal.jsonl"]
            paths += ((try? FileReader.directoryEntries(state + "/" + run + "/hosts")) ?? []).sorted().map {
                "hosts/" + $0
            }
            for path in paths {
                if let text = FileReader.tail(state + "/" + run + "/" + path, limit: request.runFileBytes) {
                    files["bootstrap/runs/\(run)/\(path)"] = text
                }
            }
        }
        files["summary.json"] =
            summary(request, outcomes: outcomes, runs: Array(runs), started: started).encoded(
                pretty: true
            ) + "\n"

        var entries: [TarEntry] = []
        do {
            entries.append(try TarEntry.directory(name))
            var directories: Set<String> = []
            for path in files.keys.sorted() {
                var parts = path.split(separator: "/").dropLast()
                var missing: [String] = []
                while !parts.isEmpty {
                    let directory = parts.joined(separator: "/")
                    if directories.contains(directory) { break }
                    missing.insert(directory, at: 0)
                    parts = parts.dropLast()
                }
                for directory in missing {
                    directories.insert(directory)
                    entries.append(try TarEntry.directory(name + "/" + directory))
                }
                let text = request.scrubber.scrub(files[path] ?? "")
                entries.append(try TarEntry.file(name + "/" + path, contents: Array(text.utf8), mode: 0o600))
            }
        } catch {
            return .failure(Failure(message: "Cannot make the diagnostics archive: \(error)"))
        }
        let bytes: [UInt8]
        do {
            bytes = try makeTarGz(entries: entries, mtime: Int(started.seconds))
        } catch {
            return .failure(Failure(message: "Cannot compress the diagnostics archive: \(error)"))
        }
        let directory = request.genconfDirectory + "/diagnostics"
        let path = directory + "/" + name + ".tar.gz"
        do {
            try FileWriter.makeDirectory(directory)
            try FileWriter.replace(path, bytes: bytes, mode: 0o600)
        } catch {
            return .failure(Failure(message: "Cannot write \(path): \(error)"))
        }
        return .success(Outcome(path: path, bytes: bytes.count, nodes: outcomes))
    }

    static func summary(_ request: Request, outcomes: [NodeOutcome], runs: [String], started: WallTime) -> JSONValue {
        .object([
            "created_at": .string(started.rfc3339),
            "installer": .string(request.installerVersion),
            "journal": .object([
                "units": .string("dcos-*"), "hours": .int(request.node.journalHours),
                "bytes_per_node": .int(request.node.journalBytes),
            ]),
            "runs": .array(runs.map(JSONValue.string)),
            "nodes": .array(
                outcomes.map { outcome in
                    .object([
                        "host": .string(outcome.node.host), "role": .string(outcome.node.role.rawValue),
                        "collected": .bool(outcome.error == nil),
                        "error": outcome.error.map(JSONValue.string) ?? .null,
                        "files": .array(outcome.files.map(JSONValue.string)),
                    ])
                }
            ),
            "secrets_removed": .string(
                "every value of a secret key of config.yaml (\(ValidatedConfig.secretKeys.sorted().joined(separator: ", "))) is replaced by '\(SecretScrubber.mark)' in every file"
            ),
        ])
    }

    /// A host as a directory name: letters, digits, dots, dashes; anything else `_`.
    static func safeName(_ host: String) -> String {
        String(host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
    }
}
