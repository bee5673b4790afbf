import InstallerArchive
import InstallerConfig
import InstallerRender

/// One role's bundle: a deterministic .tar.gz of the role's files plus the lists dcos_install.sh reads.
///
/// Layout inside the archive:
/// - `bundle.json`: role, config id, release, files (path, mode, sha256, size), units, packages
/// - `install.list`: `MODE SHA256 /abs/path` per file (files rendered from secrets are in the secrets archive)
/// - `units.list`: `NAME start|enable` per unit, in start order
/// - `packages.list`: `SHA256 packages/<file>` per package the role installs
/// - `files/<abs path without the leading />`: the files themselves
public struct RoleBundle: Sendable {
    public let role: Role
    public let bytes: [UInt8]
    public let sha256: String
    public let fileCount: Int

    /// The content-derived id: the first 16 hex digits of the bundle's SHA-256.
    public var id: String { String(sha256.prefix(16)) }
    /// Path under serve/.
    public var servePath: String { "bundles/\(role.rawValue)--\(id).tar.gz" }

    static func build(
        rendering: RoleRendering,
        packages: [PackageCatalog.Entry],
        configID: String,
        clusterName: String,
        release: ReleaseManifest.Release
    ) throws(GenconfError) -> RoleBundle {
        do {
            let publicFiles = rendering.files.filter { !$0.isSecret }
            var (entries, installList, fileRecords) = try FileEntries.make(publicFiles)
            let unitsList = rendering.units.map { "\($0.name) \($0.start ? "start" : "enable")\n" }.joined()
            let packagesList = packages.map { "\($0.sha256) \($0.servePath)\n" }.joined()
            let metadata = JSONValue.object([
                "role": .string(rendering.role.rawValue),
                "config_id": .string(configID),
                "cluster_name": .string(clusterName),
                "release": .object(["name": .string(release.name), "version": .string(release.version)]),
                "files": .array(fileRecords),
                // Installed from the role's secrets archive: named here, their contents and digests are not.
                "secret_files": .array(rendering.files.filter(\.isSecret).map { .string($0.path) }),
                "units": .array(rendering.units.map { .object(["name": .string($0.name), "start": .bool($0.start)]) }),
                "packages": .array(
                    packages.map {
                        .object([
                            "name": .string($0.name), "file": .string($0.servePath), "sha256": .string($0.sha256),
                            "size": .int($0.size), "required": .bool($0.required),
                        ])
                    }
                ),
            ])
            entries.append(try .file("bundle.json", contents: Array((metadata.encoded(pretty: true) + "\n").utf8)))
            entries.append(try .file("install.list", contents: installList))
            entries.append(try .file("units.list", contents: Array(unitsList.utf8)))
            entries.append(try .file("packages.list", contents: Array(packagesList.utf8)))
            let bytes = try makeTarGz(entries: entries, mtime: 0, level: 9)
            return RoleBundle(
                role: rendering.role,
                bytes: bytes,
                sha256: Digest.sha256(bytes),
                fileCount: publicFiles.count
            )
        } catch {
            throw .output("Cannot build the \(rendering.role) bundle: \(error)")
        }
    }
}

/// The `files/…` entries of an archive, its `install.list` (`MODE SHA256 /abs/path` per file) and the
/// `bundle.json` file records: shared by role bundles and secrets archives.
enum FileEntries {
    static func make(_ files: [RenderedFile]) throws(ArchiveError) -> (
        entries: [TarEntry], installList: [UInt8], records: [JSONValue]
    ) {
        var entries: [TarEntry] = []
        var installList = ""
        var records: [JSONValue] = []
        for file in files {
            let digest = Digest.sha256(file.contents)
            let mode = String(file.mode, radix: 8)
            let modeText = String(repeating: "0", count: max(0, 4 - mode.count)) + mode
            installList += "\(modeText) \(digest) \(file.path)\n"
            records.append(
                .object([
                    "path": .string(file.path),
                    "mode": .string(modeText),
                    "sha256": .string(digest),
                    "size": .int(file.contents.count),
                ])
            )
            entries.append(try .file("files" + file.path, contents: file.contents, mode: UInt32(file.mode)))
        }
        return (entries, Array(installList.utf8), records)
    }
}
