import FoundationEssentials
import InstallerArchive
import InstallerConfig
import InstallerManifest
import InstallerRender
import InstallerSystem
import InstallerTrust
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Everything that goes into serve/.
struct ServeOutput {
    var bundles: [RoleBundle]
    /// Written to genconf/secrets/, never to serve/.
    var secrets: [SecretsArchive]
    /// Signs manifest.json.
    var keys: GenconfKeys
    /// prereqs_offline: the apt repository under prereqs/apt.
    var prerequisites: OfflinePrerequisites?
    var packages: [PackageCatalog.Entry]
    var installScript: [UInt8]
    var configID: String
    var clusterName: String
    var bootstrapURL: String
    var release: ReleaseManifest.Release

    var installScriptSHA256: String { Digest.sha256(installScript) }

    /// manifest.json: cluster, config id, roles → bundle, and SHA-256 and size of every other file.
    func manifest(previousGenerations: [ServeManifest.Generation]) -> ServeManifest {
        var files: [String: ServeManifest.File] = [:]
        files[ServeManifest.installScriptFileName] = .init(sha256: installScriptSHA256, size: installScript.count)
        for bundle in bundles {
            files[bundle.servePath] = .init(sha256: bundle.sha256, size: bundle.bytes.count)
        }
        for package in packages {
            files[package.servePath] = .init(sha256: package.sha256, size: Int(package.size))
        }
        var offline: ServeManifest.Prerequisites?
        if let prerequisites {
            let index = prerequisites.packagesIndex
            let indexSHA = Digest.sha256(index)
            files[OfflinePrerequisites.servePath + "/Packages"] = .init(sha256: indexSHA, size: index.count)
            for deb in prerequisites.debs {
                files[deb.servePath] = .init(sha256: deb.sha256, size: Int(deb.size))
            }
            offline = .init(
                path: OfflinePrerequisites.servePath,
                distribution: prerequisites.distribution,
                packagesSHA256: indexSHA
            )
        }
        var roles: [Role: ServeManifest.RoleFiles] = [:]
        for bundle in bundles {
            let archive = secrets.first { $0.role == bundle.role }
            roles[bundle.role] = .init(
                bundle: bundle.servePath,
                bundleSHA256: bundle.sha256,
                packages: packages.filter { $0.roles.contains(bundle.role) }.map(\.servePath),
                secrets: archive.map { .init(path: $0.servePath, sha256: $0.sha256, size: $0.bytes.count) }
            )
        }
        return ServeManifest(
            clusterName: clusterName,
            configID: configID,
            bootstrapURL: bootstrapURL,
            release: release,
            zlibVersion: GzipWriter.zlibVersion,
            roles: roles,
            files: files,
            prerequisites: offline,
            signingKeyFingerprint: keys.publicKeyFingerprint,
            previousGenerations: previousGenerations
        )
    }
}

/// Writes serve/ as a whole: into a fresh directory beside it, then swapped in atomically.
struct ServeDirectoryWriter {
    let genconfDirectory: String
    /// Earlier configurations kept beside the current one.
    var keepGenerations = GenconfOptions.defaultKeepGenerations

    var serveDirectory: String { genconfDirectory + "/serve" }

    /// Returns the earlier configurations it kept, newest first.
    func write(_ output: ServeOutput, logger: Logger) throws(GenconfError) -> [ServeManifest.Generation] {
        let lockPath = genconfDirectory + "/.genconf.lock"
        let lock: FileLock?
        do {
            lock = try FileLock.acquire(lockPath)
        } catch {
            throw .output("\(error)")
        }
        guard let lock else {
            throw .busy(
                "Another dcos_generate_config --genconf is writing \(serveDirectory) right now (it holds \(lockPath)). Wait for it to finish, then run again."
            )
        }
        defer { lock.unlock() }
        removeStaleStagingDirectories(logger: logger)

        let staging = genconfDirectory + "/serve.tmp-\(ProcessInfo.processInfo.processIdentifier)"
        let kept = keptGenerations(replacedBy: output.configID, logger: logger)
        do {
            try DirectorySwap.removeTree(staging)
            try FileWriter.makeDirectory(staging)
            try FileWriter.makeDirectory(staging + "/bundles")
            for bundle in output.bundles {
                try FileWriter.create(staging + "/" + bundle.servePath, bytes: bundle.bytes)
            }
            if !output.packages.isEmpty { try FileWriter.makeDirectory(staging + "/packages") }
            for package in output.packages {
                try FileWriter.linkOrCopy(package.sourcePath, to: staging + "/" + package.servePath)
            }
            if let prerequisites = output.prerequisites {
                let directory = staging + "/" + OfflinePrerequisites.servePath
                try FileWriter.makeDirectory(staging + "/prereqs")
                try FileWriter.makeDirectory(directory)
                for deb in prerequisites.debs {
                    try FileWriter.linkOrCopy(deb.sourcePath, to: staging + "/" + deb.servePath)
                }
                try FileWriter.create(directory + "/Packages", bytes: prerequisites.packagesIndex)
            }
            let manifest = output.manifest(previousGenerations: kept.map(\.manifest.generation))
            let manifestBytes = manifest.encoded
            let signature = output.keys.sign(manifestBytes)
            // The current configuration: at the top (what DC/OS's tools fetch) and as a generation of its own.
            try FileWriter.makeDirectory(staging + "/" + ServeManifest.generationsDirectory)
            for directory in [staging, staging + "/" + manifest.generation.directory] {
                if directory != staging { try FileWriter.makeDirectory(directory) }
                try FileWriter.create(
                    directory + "/" + ServeManifest.installScriptFileName,
                    bytes: output.installScript,
                    mode: 0o755
                )
                try FileWriter.create(directory + "/" + ServeManifest.fileName, bytes: manifestBytes)
                try FileWriter.create(directory + "/" + ServeManifest.signatureFileName, bytes: signature)
            }
            try FileWriter.create(
                staging + "/" + ServeManifest.publicKeyFileName,
                bytes: Array(output.keys.publicKeyPEM.utf8)
            )
            for generation in kept { try generation.link(into: staging, from: serveDirectory) }
            try keepNodeUpgradeScripts(for: [manifest.configID] + kept.map(\.manifest.configID), into: staging)
            try writeSecrets(output.secrets)
            FileWriter.syncDirectory(staging + "/bundles")
            FileWriter.syncDirectory(staging)
            try DirectorySwap.replace(serveDirectory, with: staging)
            FileWriter.syncDirectory(genconfDirectory)
            let secretNames = ([manifest] + kept.map(\.manifest)).flatMap { $0.roles.values.compactMap(\.secrets) }
                .map { String($0.path.split(separator: "/").last ?? "") }
            pruneSecrets(keeping: Set(secretNames), logger: logger)
        } catch {
            try? DirectorySwap.removeTree(staging)
            throw .output("Could not write \(serveDirectory): \(error) The previous serve directory is unchanged.")
        }
        logger.debug("Replaced serve directory", metadata: ["path": "\(serveDirectory)"])
        return kept.map(\.manifest.generation)
    }

    var secretsDirectory: String { genconfDirectory + "/" + SecretsArchive.directoryName }

    /// The node upgrade scripts (`--generate-node-upgrade-script`) of the configurations the new serve/
    /// holds stay; those of configurations it no longer keeps go with them.
    private func keepNodeUpgradeScripts(for configIDs: [String], into staging: String) throws(SystemError) {
        let from = serveDirectory + "/" + NodeUpgradeScript.directory
        for id in configIDs {
            let script = from + "/" + id + "/" + NodeUpgradeScript.fileName
            guard FileReader.size(script) != nil else { continue }
            let directory = staging + "/" + NodeUpgradeScript.directory + "/" + id
            try FileWriter.makeDirectory(directory)
            try FileWriter.linkOrCopy(script, to: directory + "/" + NodeUpgradeScript.fileName)
        }
    }

    /// An earlier configuration of serve/ that is kept: where its manifest, signature and installer are.
    struct KeptGeneration {
        var manifest: ServeManifest
        /// Relative to serve/: `generations/<id>`, or "" for a serve/ written before generations existed.
        var source: String

        /// Links its manifest, signature, installer and files into the new serve/ (`staging`). A file the
        /// new configuration has too is the same file: bundles and packages are named by their content.
        func link(into staging: String, from serve: String) throws(SystemError) {
            let from = source.isEmpty ? serve : serve + "/" + source
            let to = staging + "/" + manifest.generation.directory
            try FileWriter.makeDirectory(to)
            for name in [ServeManifest.fileName, ServeManifest.signatureFileName, ServeManifest.installScriptFileName] {
                try FileWriter.linkOrCopy(from + "/" + name, to: to + "/" + name)
            }
            for path in manifest.files.keys.sorted() where path != ServeManifest.installScriptFileName {
                let destination = staging + "/" + path
                if FileReader.permissions(destination) != nil { continue }
                if let slash = destination.lastIndex(of: "/") {
                    try FileWriter.makeDirectory(String(destination[..<slash]))  // and its parents
                }
                try FileWriter.linkOrCopy(serve + "/" + path, to: destination)
            }
        }
    }

    /// The configurations the new serve/ keeps: the one it replaces and those that one kept, newest first,
    /// at most `keepGenerations`, without the new one. A generation whose files are no longer all there
    /// (with their sizes) is dropped with a warning: a node of it could not fetch them anyway.
    func keptGenerations(replacedBy configID: String, logger: Logger) -> [KeptGeneration] {
        guard keepGenerations > 0, case .success(let current) = ServeManifest.load(directory: serveDirectory) else {
            return []
        }
        var seen: Set<String> = [configID]
        var kept: [KeptGeneration] = []
        for generation in [current.generation] + current.previousGenerations {
            guard kept.count < keepGenerations, ServeManifest.isGenerationID(generation.configID),
                seen.insert(generation.configID).inserted
            else { continue }
            var source = generation.directory
            var manifest = try? ServeManifest.load(directory: serveDirectory + "/" + source).get()
            if manifest == nil, generation.configID == current.configID {
                source = ""  // written before serve/ had generations/
                manifest = current
            }
            guard let manifest, manifest.configID == generation.configID else {
                logger.warning(
                    "serve/ no longer holds configuration \(generation.configID.prefix(12)) (\(generation.directory)/manifest.json is missing or damaged): it is not kept"
                )
                continue
            }
            let from = source.isEmpty ? serveDirectory : serveDirectory + "/" + source
            let missing =
                [ServeManifest.fileName, ServeManifest.signatureFileName, ServeManifest.installScriptFileName]
                .filter { FileReader.size(from + "/" + $0) == nil }
                + manifest.files.filter { path, file in
                    path != ServeManifest.installScriptFileName
                        && FileReader.size(serveDirectory + "/" + path) != file.size
                }.keys.sorted()
            guard missing.isEmpty else {
                logger.warning(
                    "Configuration \(generation.configID.prefix(12)) is not kept in serve/: \(missing.prefix(3).joined(separator: ", ")) missing or changed"
                )
                continue
            }
            kept.append(KeptGeneration(manifest: manifest, source: source))
        }
        return kept
    }

    /// The secrets archives go to genconf/secrets/ (0700, files 0600) before serve/ is swapped: a node that sees
    /// the new dcos_install.sh finds its archive. Archives are named by content, so an existing one is complete.
    private func writeSecrets(_ archives: [SecretsArchive]) throws(SystemError) {
        guard !archives.isEmpty || FileReader.permissions(secretsDirectory) != nil else { return }
        try FileWriter.makeDirectory(secretsDirectory, mode: 0o700)
        guard chmod(secretsDirectory, 0o700) == 0 else {
            throw SystemError("set the mode of", path: secretsDirectory, errno: errno)
        }
        for archive in archives {
            let path = secretsDirectory + "/" + archive.fileName
            _ = try FileWriter.createIfAbsent(path, bytes: archive.bytes, mode: 0o600)
            guard chmod(path, 0o600) == 0 else { throw SystemError("set the mode of", path: path, errno: errno) }
        }
        FileWriter.syncDirectory(secretsDirectory)
    }

    /// After the swap: archives the new serve/ no longer names are removed.
    private func pruneSecrets(keeping names: Set<String>, logger: Logger) {
        for name in PrivateFiles.entries(of: secretsDirectory) where !names.contains(name) {
            logger.debug("Removing an old secrets archive", metadata: ["name": "\(name)"])
            unlink(secretsDirectory + "/" + name)
        }
    }

    /// A run that was killed leaves serve.tmp-<pid>; we hold the lock, so any such directory is stale.
    private func removeStaleStagingDirectories(logger: Logger) {
        guard let names = try? FileReader.directoryEntries(genconfDirectory) else { return }
        for name in names where name.hasPrefix("serve.tmp-") {
            logger.info("Removing the leftover \(name) of an interrupted run")
            try? DirectorySwap.removeTree(genconfDirectory + "/" + name)
        }
    }
}
