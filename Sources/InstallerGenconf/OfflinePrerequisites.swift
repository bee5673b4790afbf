import FoundationEssentials
import InstallerConfig
import InstallerSystem
import Logging

/// `prereqs_offline: true`: the release's apt prerequisites and the dependencies a minimal node lacks,
/// downloaded with this (Debian/Ubuntu) bootstrap node's apt into a flat repository that serve/ holds
/// at `prereqs/apt/` (the .deb files and a `Packages` index), so air-gapped nodes install from
/// bootstrap_url. Downloads are kept in genconf/prereqs-cache/ and reused while their SHA-256 matches.
struct OfflinePrerequisites {
    /// One package of the repository.
    struct Deb: Sendable {
        var name: String
        var fileName: String
        var sourcePath: String
        var sha256: String
        var size: Int
        /// The package's stanza for `Packages`, with `Filename` pointing into the repository.
        var stanza: String

        var servePath: String { "prereqs/apt/" + fileName }
    }

    var debs: [Deb]
    /// `distribution` of the repository: what `/etc/os-release` of this node says (nodes must match).
    var distribution: String

    /// The `Packages` index: stanzas sorted by package name.
    var packagesIndex: [UInt8] { Array(debs.map { $0.stanza + "\n\n" }.joined().utf8) }

    static let servePath = "prereqs/apt"

    /// How long each apt command may run before it is stopped (with every process it started).
    struct Timeouts: Sendable {
        /// `apt-cache depends` and `apt-cache show`: lookups in the local package lists.
        var query: Duration = .seconds(120)
        /// `apt-get download` of every package missing from the cache (hundreds on a fresh cache).
        var download: Duration = .seconds(900)
    }

    /// What is kept of an apt command's output: its stdout is parsed, so it is kept whole up to this size
    /// (hundreds of packages' stanzas are a few MiB); stderr only goes into messages.
    static let outputLimit = 64 << 20
    static let errorLimit = 16 << 10

    static func collect(
        packages: [String],
        cacheDirectory: String,
        timeouts: Timeouts = Timeouts(),
        logger: Logger
    ) async throws(GenconfError) -> OfflinePrerequisites {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") else {
            throw .prerequisites(
                "prereqs_offline: true needs a Debian or Ubuntu bootstrap node (apt-get and apt-cache) to collect the prerequisite packages; set it to false to install from the nodes' own repositories."
            )
        }
        let closure = try await dependencyClosure(of: packages, timeout: timeouts.query)
        let stanzas = try await candidateStanzas(closure, timeout: timeouts.query)
        var debs: [Deb] = []
        do {
            try FileWriter.makeDirectory(cacheDirectory)
        } catch {
            throw .prerequisites("\(error)")
        }
        var toDownload: [(name: String, version: String)] = []
        for stanza in stanzas {
            let path = cacheDirectory + "/" + stanza.fileName
            if (try? Digest.sha256(file: path))?.sha256 != stanza.sha256 {
                toDownload.append((stanza.name, stanza.version))
            }
        }
        if !toDownload.isEmpty {
            logger.info("Downloading \(toDownload.count) prerequisite packages into \(cacheDirectory)")
            let result = try await run(
                "/usr/bin/apt-get",
                ["download", "-q"] + toDownload.map { "\($0.name)=\($0.version)" },
                directory: cacheDirectory,
                timeout: timeouts.download,
                what: "apt-get download of \(toDownload.count) package\(toDownload.count == 1 ? "" : "s")",
                timeoutHint:
                    "Check that this bootstrap node reaches its package mirror (the sources in /etc/apt/sources.list and /etc/apt/sources.list.d/, and any proxy set as Acquire::http::Proxy in /etc/apt/apt.conf.d/), then run --genconf again: what was downloaded is kept in \(cacheDirectory) and not fetched again."
            )
            guard result.termination.isSuccess else {
                throw .prerequisites(
                    "apt-get download failed (\(result.termination)): \(Self.messageTail(result)) Run apt-get update on the bootstrap node, and check that it reaches its package mirror."
                )
            }
        }
        for stanza in stanzas {
            let path = cacheDirectory + "/" + stanza.fileName
            // apt-get download names a file with an epoch in its version name_1%3a2.0_arch.deb.
            let downloaded = cacheDirectory + "/" + stanza.downloadName
            if downloaded != path, FileManager.default.fileExists(atPath: downloaded) {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.moveItem(atPath: downloaded, toPath: path)
            }
            guard let sha = (try? Digest.sha256(file: path))?.sha256, sha == stanza.sha256 else {
                throw .prerequisites(
                    "\(path) does not have the SHA-256 apt lists for \(stanza.name) \(stanza.version); delete it and run --genconf again."
                )
            }
            debs.append(
                Deb(
                    name: stanza.name,
                    fileName: stanza.fileName,
                    sourcePath: path,
                    sha256: sha,
                    size: stanza.size,
                    stanza: stanza.text
                )
            )
        }
        logger.info("Offline prerequisites: \(debs.count) packages (\(debs.reduce(0) { $0 + $1.size } >> 20) MiB)")
        return OfflinePrerequisites(debs: debs, distribution: osRelease())
    }

    /// Every package `packages` need, recursively (Depends and Pre-Depends; no Recommends or Suggests).
    private static func dependencyClosure(
        of packages: [String],
        timeout: Duration
    ) async throws(GenconfError) -> [String] {
        let result = try await run(
            "/usr/bin/apt-cache",
            [
                "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
                "--no-replaces", "--no-enhances",
            ] + packages,
            timeout: timeout,
            what: "apt-cache depends for \(packages.count) package\(packages.count == 1 ? "" : "s")",
            timeoutHint: queryTimeoutHint
        )
        guard result.termination.isSuccess else {
            throw .prerequisites(
                "apt-cache depends failed for \(packages.joined(separator: " ")) (\(result.termination)): \(Self.messageTail(result)) Run apt-get update on the bootstrap node."
            )
        }
        // Package names start a line; dependencies are indented; virtual packages are in <angle brackets>.
        let names = result.standardOutput.text.split(separator: "\n").filter {
            !$0.hasPrefix(" ") && !$0.hasPrefix("<")
        }
        return Set(names.map(String.init)).sorted()
    }

    private struct Stanza {
        var name: String
        var version: String
        var architecture: String
        var fileName: String
        var sha256: String
        var size: Int
        var text: String

        /// The name `apt-get download` gives the file.
        var downloadName: String {
            "\(name)_\(version.split(separator: ":", omittingEmptySubsequences: false).joined(separator: "%3a"))_\(architecture).deb"
        }
    }

    /// The candidate version of each package, except those every Debian system has (Essential, or
    /// Priority required): the nodes already run them.
    private static func candidateStanzas(_ names: [String], timeout: Duration) async throws(GenconfError) -> [Stanza] {
        let result = try await run(
            "/usr/bin/apt-cache",
            ["show", "--no-all-versions"] + names,
            timeout: timeout,
            what: "apt-cache show for \(names.count) package\(names.count == 1 ? "" : "s")",
            timeoutHint: queryTimeoutHint
        )
        guard result.termination.isSuccess else {
            throw .prerequisites("apt-cache show failed (\(result.termination)): \(Self.messageTail(result))")
        }
        var stanzas: [String: Stanza] = [:]
        for block in result.standardOutput.text.components(separatedBy: "\n\n") where !block.isEmpty {
            var fields: [String: String] = [:]
            var lines: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") {
                    fields[String(line[..<colon])] = String(line[line.index(after: colon)...].trimmingBlanks())
                }
                lines.append(String(line))
            }
            guard let name = fields["Package"], let version = fields["Version"], let filename = fields["Filename"],
                let architecture = fields["Architecture"],
                let sha = fields["SHA256"], let size = fields["Size"].flatMap(Int.init)
            else { continue }
            if fields["Essential"] == "yes" || fields["Priority"] == "required" { continue }
            let fileName = String(filename.split(separator: "/").last ?? "")
            guard !fileName.isEmpty, !fileName.contains(".."), stanzas[name] == nil else { continue }
            let text = lines.map { $0.hasPrefix("Filename:") ? "Filename: ./\(fileName)" : $0 }.joined(separator: "\n")
            stanzas[name] = Stanza(
                name: name,
                version: version,
                architecture: architecture,
                fileName: fileName,
                sha256: sha,
                size: size,
                text: text
            )
        }
        return stanzas.keys.sorted().map { stanzas[$0]! }
    }

    private static func osRelease() -> String {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return "unknown" }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                fields[String(parts[0])] = String(parts[1].trimming { $0 == "\"" })
            }
        }
        return [fields["ID"], fields["VERSION_CODENAME"]].compactMap { $0 }.joined(separator: " ")
    }

    private static let queryTimeoutHint =
        "apt-cache only reads this node's package lists: check that no other apt or dpkg process holds them (ps -C apt-get,apt,dpkg) and that /var/lib/apt/lists is readable, then run --genconf again."

    /// Runs one apt command with `LC_ALL=C`, stopped after `timeout`. Returns how it ended when it ran to
    /// its end (the caller judges the exit status); throws when it could not start, ran out of time, was
    /// cancelled (Ctrl-C), or printed more than ``outputLimit``.
    ///
    /// - Parameters:
    ///   - what: the command as the messages name it: `apt-get download of 12 packages`.
    ///   - timeoutHint: what to check when it runs out of time.
    static func run(
        _ executable: String,
        _ arguments: [String],
        directory: String? = nil,
        timeout: Duration,
        what: String,
        timeoutHint: String
    ) async throws(GenconfError) -> ChildProcess.Outcome {
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        let command = ChildProcess(
            executable,
            arguments,
            environment: environment,
            workingDirectory: directory,
            timeout: timeout,
            outputLimit: outputLimit,
            errorLimit: errorLimit
        )
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await command.run()
        } catch {
            throw .prerequisites("prereqs_offline: \(error)")
        }
        switch outcome.termination {
        case .timedOut(let limit):
            throw .prerequisites(
                "prereqs_offline: \(what) did not finish within \(ChildProcess.describe(limit)), so it was stopped (with every process it started). \(timeoutHint)"
            )
        case .cancelled:
            throw .interrupted("Interrupted during \(what); it was stopped, and genconf/serve/ is unchanged.")
        case .exited, .signaled:
            break
        }
        guard !outcome.standardOutput.isTruncated else {
            throw .prerequisites(
                "prereqs_offline: \(what) printed more than \(outputLimit >> 20) MiB, more than a package list can be; check the bootstrap node's apt configuration."
            )
        }
        return outcome
    }

    /// The end of what a failed command printed, for an error message: its stderr, else its stdout.
    static func messageTail(_ outcome: ChildProcess.Outcome) -> String {
        let error = outcome.standardError.text.trimmingWhitespace()
        let text = error.isEmpty ? outcome.standardOutput.text.trimmingWhitespace() : error
        return String(text.suffix(600))
    }
}
