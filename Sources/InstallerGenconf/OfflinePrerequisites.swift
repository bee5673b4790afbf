import Foundation
import InstallerConfig
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

    static func collect(
        packages: [String],
        cacheDirectory: String,
        logger: Logger
    ) throws(GenconfError) -> OfflinePrerequisites {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") else {
            throw .prerequisites(
                "prereqs_offline: true needs a Debian or Ubuntu bootstrap node (apt-get and apt-cache) to collect the prerequisite packages; set it to false to install from the nodes' own repositories."
            )
        }
        let closure = try dependencyClosure(of: packages)
        let stanzas = try candidateStanzas(closure)
        var debs: [Deb] = []
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        } catch {
            throw .prerequisites("Cannot create \(cacheDirectory): \(error.localizedDescription)")
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
            let result = run(
                ["apt-get", "download", "-q"] + toDownload.map { "\($0.name)=\($0.version)" },
                directory: cacheDirectory
            )
            guard result.status == 0 else {
                throw .prerequisites(
                    "apt-get download failed (exit \(result.status)): \(result.output.suffix(600)) Run apt-get update on the bootstrap node, and check that it reaches its package mirror."
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
    private static func dependencyClosure(of packages: [String]) throws(GenconfError) -> [String] {
        let result = run(
            [
                "apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                "--no-breaks", "--no-replaces", "--no-enhances",
            ] + packages
        )
        guard result.status == 0 else {
            throw .prerequisites(
                "apt-cache depends failed for \(packages.joined(separator: " ")): \(result.output.suffix(600)) Run apt-get update on the bootstrap node."
            )
        }
        // Package names start a line; dependencies are indented; virtual packages are in <angle brackets>.
        let names = result.output.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("<") }
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
            "\(name)_\(version.replacingOccurrences(of: ":", with: "%3a"))_\(architecture).deb"
        }
    }

    /// The candidate version of each package, except those every Debian system has (Essential, or
    /// Priority required): the nodes already run them.
    private static func candidateStanzas(_ names: [String]) throws(GenconfError) -> [Stanza] {
        let result = run(["apt-cache", "show", "--no-all-versions"] + names)
        guard result.status == 0 else {
            throw .prerequisites("apt-cache show failed: \(result.output.suffix(600))")
        }
        var stanzas: [String: Stanza] = [:]
        for block in result.output.components(separatedBy: "\n\n") where !block.isEmpty {
            var fields: [String: String] = [:]
            var lines: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") {
                    fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(
                        in: .whitespaces
                    )
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
                fields[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return [fields["ID"], fields["VERSION_CODENAME"]].compactMap { $0 }.joined(separator: " ")
    }

    private static func run(_ arguments: [String], directory: String? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (127, "cannot run \(arguments[0]): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
