import FoundationEssentials
import InstallerArchive
import InstallerConfig
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
    var manifest: JSONValue {
        var files: [String: JSONValue] = [:]
        files["dcos_install.sh"] = .object(["sha256": .string(installScriptSHA256), "size": .int(installScript.count)])
        for bundle in bundles {
            files[bundle.servePath] = .object(["sha256": .string(bundle.sha256), "size": .int(bundle.bytes.count)])
        }
        for package in packages {
            files[package.servePath] = .object(["sha256": .string(package.sha256), "size": .int(package.size)])
        }
        var prereqs: JSONValue = .null
        if let prerequisites {
            let index = prerequisites.packagesIndex
            let indexSHA = Digest.sha256(index)
            files[OfflinePrerequisites.servePath + "/Packages"] = .object([
                "sha256": .string(indexSHA), "size": .int(index.count),
            ])
            for deb in prerequisites.debs {
                files[deb.servePath] = .object(["sha256": .string(deb.sha256), "size": .int(deb.size)])
            }
            prereqs = .object([
                "format": .string("apt"),
                "path": .string(OfflinePrerequisites.servePath),
                "distribution": .string(prerequisites.distribution),
                "packages_sha256": .string(indexSHA),
            ])
        }
        var roles: [String: JSONValue] = [:]
        for bundle in bundles {
            var entry: [String: JSONValue] = [
                "bundle": .string(bundle.servePath),
                "sha256": .string(bundle.sha256),
                "packages": .array(packages.filter { $0.roles.contains(bundle.role) }.map { .string($0.servePath) }),
            ]
            if let archive = secrets.first(where: { $0.role == bundle.role }) {
                entry["secrets"] = .object([
                    "path": .string(archive.servePath), "sha256": .string(archive.sha256),
                    "size": .int(archive.bytes.count),
                ])
            }
            roles[bundle.role.rawValue] = .object(entry)
        }
        // One line per file, `SHA256 SIZE PATH`: what dcos_install.sh checks against the signed manifest with grep,
        // having no JSON parser. Secrets archives are listed by digest (salted), never by contents.
        var sums = files.map { path, entry in
            "\(entry["sha256"]?.stringValue ?? "") \(entry["size"]?.intValue ?? 0) \(path)"
        }
        sums += secrets.map { "\($0.sha256) \($0.bytes.count) \($0.servePath)" }
        sums.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return .object(
            [
                "format": .int(1),
                "cluster_name": .string(clusterName),
                "config_id": .string(configID),
                "bootstrap_url": .string(bootstrapURL),
                "release": .object(["name": .string(release.name), "version": .string(release.version)]),
                "archive": .object([
                    "format": .string("ustar+pax, gzip"), "zlib": .string(GzipWriter.zlibVersion), "level": .int(9),
                ]),
                "roles": .object(roles),
                "files": .object(files),
                "sums": .array(sums.map(JSONValue.string)),
                "signing_key": .object([
                    "fingerprint": .string(keys.publicKeyFingerprint), "path": .string("manifest-signing.pub"),
                    "signature": .string("manifest.json.sig"), "algorithm": .string("ed25519"),
                ]),
            ].merging(prereqs == .null ? [:] : ["prereqs": prereqs]) { first, _ in first }
        )
    }
}

/// Writes serve/ as a whole: into a fresh directory beside it, then swapped in atomically.
struct ServeDirectoryWriter {
    let genconfDirectory: String

    var serveDirectory: String { genconfDirectory + "/serve" }

    func write(_ output: ServeOutput, logger: Logger) throws(GenconfError) {
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
            try FileWriter.create(staging + "/dcos_install.sh", bytes: output.installScript, mode: 0o755)
            let manifest = Array((output.manifest.encoded(pretty: true) + "\n").utf8)
            try FileWriter.create(staging + "/manifest.json", bytes: manifest)
            try FileWriter.create(staging + "/manifest.json.sig", bytes: output.keys.sign(manifest))
            try FileWriter.create(staging + "/manifest-signing.pub", bytes: Array(output.keys.publicKeyPEM.utf8))
            try writeSecrets(output.secrets)
            FileWriter.syncDirectory(staging + "/bundles")
            FileWriter.syncDirectory(staging)
            try DirectorySwap.replace(serveDirectory, with: staging)
            FileWriter.syncDirectory(genconfDirectory)
            pruneSecrets(keeping: Set(output.secrets.map(\.fileName)), logger: logger)
        } catch {
            try? DirectorySwap.removeTree(staging)
            throw .output("Could not write \(serveDirectory): \(error) The previous serve directory is unchanged.")
        }
        logger.debug("Replaced serve directory", metadata: ["path": "\(serveDirectory)"])
    }

    var secretsDirectory: String { genconfDirectory + "/" + SecretsArchive.directoryName }

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
