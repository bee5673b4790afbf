import Foundation
import InstallerArchive
import InstallerConfig
import InstallerRender
import InstallerSystem
import Logging

/// Everything that goes into serve/.
struct ServeOutput {
    var bundles: [RoleBundle]
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
            roles[bundle.role.rawValue] = .object([
                "bundle": .string(bundle.servePath),
                "sha256": .string(bundle.sha256),
                "packages": .array(packages.filter { $0.roles.contains(bundle.role) }.map { .string($0.servePath) }),
            ])
        }
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
            try FileWriter.create(
                staging + "/manifest.json",
                bytes: Array((output.manifest.encoded(pretty: true) + "\n").utf8)
            )
            FileWriter.syncDirectory(staging + "/bundles")
            FileWriter.syncDirectory(staging)
            try DirectorySwap.replace(serveDirectory, with: staging)
            FileWriter.syncDirectory(genconfDirectory)
        } catch {
            try? DirectorySwap.removeTree(staging)
            throw .output("Could not write \(serveDirectory): \(error) The previous serve directory is unchanged.")
        }
        logger.debug("Replaced serve directory", metadata: ["path": "\(serveDirectory)"])
    }

    /// A run that was killed leaves serve.tmp-<pid>; we hold the lock, so any such directory is stale.
    private func removeStaleStagingDirectories(logger: Logger) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: genconfDirectory) else { return }
        for name in names where name.hasPrefix("serve.tmp-") {
            logger.info("Removing the leftover \(name) of an interrupted run")
            try? DirectorySwap.removeTree(genconfDirectory + "/" + name)
        }
    }
}
