import InstallerConfig
import InstallerManifest
import InstallerRender
import InstallerSystem
import Logging

/// `--generate-node-upgrade-script INSTALLED_VERSION` (DC/OS's flag): a script an operator runs by hand on
/// each node to upgrade it to the configuration serve/ holds. It checks the node's installed version,
/// finds its role, fetches this configuration's dcos_install.sh (pinned by SHA-256) and upgrades with it,
/// the same way `--upgrade` does (side by side, rolled back when its checks fail), then checks health.
public enum NodeUpgradeScript {
    public static let template = "dcos_node_upgrade.sh.mustache"
    /// serve/upgrade/<config id>/dcos_node_upgrade.sh, kept across --genconf runs while the configuration is.
    public static let directory = "upgrade"
    public static let fileName = "dcos_node_upgrade.sh"

    public struct Written: Sendable {
        /// The script's path on the bootstrap node.
        public var path: String
        /// Where the nodes fetch it.
        public var url: String
        public var configID: String
        public var fromVersion: String
        public var toVersion: String
    }

    /// Writes the script for nodes running `installedVersion` (atomically, under genconf's lock).
    public static func write(
        _ options: GenconfOptions,
        installedVersion: String,
        logger: Logger
    ) throws(GenconfError) -> Written {
        guard !installedVersion.isEmpty, installedVersion.utf8.count <= 64,
            installedVersion.utf8.allSatisfy({ isVersionByte($0) })
        else {
            throw .output(
                "'\(installedVersion)' is not a DC/OS version (like 1.11.0): give the version the nodes run now."
            )
        }
        let (document, validation) = Genconf.validate(options, stage: .genconf)
        guard let config = validation.config else { throw .invalidConfig(validation.diagnostics, document: document) }
        let manifest: ServeManifest
        switch ServeManifest.load(directory: options.serveDirectory) {
        case .success(let loaded): manifest = loaded
        case .failure(let error): throw .output(error.message)
        }
        if let configTime = FileReader.modificationTime(options.configPath),
            let serveTime = FileReader.modificationTime(options.serveDirectory + "/" + ServeManifest.fileName),
            configTime > serveTime
        {
            throw .output(
                "\(options.configPath) changed after genconf/serve/ was written: run dcos_generate_config --genconf first, then write the upgrade script."
            )
        }
        let renderer: TemplateRenderer
        do {
            renderer = try TemplateRenderer(directory: options.templatesDirectory)
        } catch {
            throw .release(error)
        }
        let values: [String: TemplateValue] = [
            "installed_version": .string(installedVersion),
            "release_version": .string(manifest.release.version),
            "config_id": .string(manifest.configID),
            "bootstrap_url": .string(config.bootstrapURL),
            "install_script_path": .string(manifest.generation.directory + "/" + ServeManifest.installScriptFileName),
            "install_script_sha256": .string(manifest.installScriptSHA256),
            "bootstrap_ca": .string(try Genconf.bootstrapCA(config.bootstrapURL, options, logger)),
        ]
        let script: String
        do {
            script = try renderer.renderTemplate(at: template, values: values)
        } catch {
            throw .release(error)
        }
        let relative = "\(directory)/\(manifest.configID)/\(fileName)"
        let path = options.serveDirectory + "/" + relative
        let lockPath = options.genconfDirectory + "/.genconf.lock"
        do {
            guard let lock = try FileLock.acquire(lockPath) else {
                throw GenconfError.busy(
                    "A dcos_generate_config --genconf is writing \(options.serveDirectory) right now (it holds \(lockPath)). Wait for it to finish, then run again."
                )
            }
            defer { lock.unlock() }
            try FileWriter.makeDirectory(options.serveDirectory + "/" + directory + "/" + manifest.configID)
            try FileWriter.replace(path, bytes: Array(script.utf8), mode: 0o755)
        } catch let error as GenconfError {
            throw error
        } catch {
            throw .output("Could not write \(path): \(error)")
        }
        let base = config.bootstrapURL.hasSuffix("/") ? String(config.bootstrapURL.dropLast()) : config.bootstrapURL
        return Written(
            path: path,
            url: base + "/" + relative,
            configID: manifest.configID,
            fromVersion: installedVersion,
            toVersion: manifest.release.version
        )
    }

    private static func isVersionByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "+")
    }
}
