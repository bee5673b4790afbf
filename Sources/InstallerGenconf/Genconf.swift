import FoundationEssentials
import InstallerConfig
import InstallerRender
import InstallerSystem
import InstallerTrust
import Logging

/// `dcos_generate_config --genconf`: config.yaml → validated values → rendered release → role bundles,
/// dcos_install.sh and manifest.json in genconf/serve, replaced atomically.
public enum Genconf {
    /// The node installer template, relative to the templates directory.
    public static let installScriptTemplate = "dcos_install.sh.mustache"

    /// Validates config.yaml for a stage (`.genconf` for --genconf, `.ssh` for --validate-config).
    public static func validate(_ options: GenconfOptions, stage: ConfigStage) -> (
        document: ConfigDocument?, result: ValidationResult
    ) {
        ConfigValidator.validateFile(at: options.configPath, stage: stage, baseDirectory: options.baseDirectory)
    }

    /// Runs genconf. On any failure the previous serve/ is left exactly as it was. Cancelling the calling
    /// task (Ctrl-C) stops the apt commands of `prereqs_offline` and throws ``GenconfError/interrupted(_:)``
    /// before serve/ is touched.
    public static func run(_ options: GenconfOptions, logger: Logger) async throws(GenconfError) -> GenconfResult {
        let (document, validation) = validate(options, stage: .genconf)
        guard let config = validation.config else { throw .invalidConfig(validation.diagnostics, document: document) }
        logger.debug("Configuration is valid", metadata: ["keys": "\(config.userKeys.count)"])

        let renderer: TemplateRenderer
        do {
            renderer = try TemplateRenderer(directory: options.templatesDirectory)
        } catch {
            throw .release(error)
        }
        let keys: GenconfKeys
        do {
            let (loaded, created) = try GenconfKeys.loadOrCreate(genconfDirectory: options.genconfDirectory)
            for name in created { logger.info("Created \(loaded.directory)/\(name) (mode 0600); keep it private") }
            keys = loaded
        } catch {
            throw .output("\(error)")
        }
        let release = renderer.manifest.release
        var values = DerivedValues.compute(config).mapValues(TemplateValue.init)
        let secretNames = DerivedValues.secretNames(config)
        let configID = Self.configID(
            values: values,
            secretNames: secretNames,
            keys: keys,
            releaseText: renderer.releaseText
        )
        values["config_id"] = .string(configID)
        values["release_name"] = .string(release.name)
        values["release_version"] = .string(release.version)
        logger.debug("Configuration id", metadata: ["config_id": "\(configID)"])

        let catalog = try PackageCatalog.scan(directory: options.packagesDirectory, manifest: renderer.manifest)
        for warning in catalog.warnings { logger.warning("\(warning)") }

        let renderings: [Role: RoleRendering]
        do {
            renderings = try renderer.render(values: values, secretNames: secretNames)
        } catch {
            throw .release(error)
        }
        let clusterName = config.clusterName
        var bundles: [RoleBundle] = []
        var secrets: [SecretsArchive] = []
        for role in Role.allCases {
            if let archive = try SecretsArchive.build(rendering: renderings[role]!, keys: keys) {
                logger.debug("Built secrets archive", metadata: ["role": "\(role)", "files": "\(archive.paths.count)"])
                secrets.append(archive)
            }
            let bundle = try RoleBundle.build(
                rendering: renderings[role]!,
                packages: catalog.entries(for: role),
                configID: configID,
                clusterName: clusterName,
                release: release
            )
            logger.debug(
                "Built bundle",
                metadata: ["role": "\(role)", "bundle": "\(bundle.servePath)", "files": "\(bundle.fileCount)"]
            )
            bundles.append(bundle)
        }

        var scriptValues = values
        scriptValues["roles"] = .list(
            bundles.map { bundle in
                let archive = secrets.first { $0.role == bundle.role }
                return .object([
                    "role": .string(bundle.role.rawValue), "bundle": .string(bundle.servePath),
                    "sha256": .string(bundle.sha256), "size": .string(String(bundle.bytes.count)),
                    "secrets": .string(archive?.servePath ?? ""), "secrets_sha256": .string(archive?.sha256 ?? ""),
                    "secrets_size": .string(archive.map { String($0.bytes.count) } ?? ""),
                ])
            }
        )
        scriptValues["manifest_public_key"] = .string(keys.publicKeyPEM)
        scriptValues["bootstrap_ca"] = .string(try Self.bootstrapCA(config.bootstrapURL, options, logger))
        scriptValues["packages"] = .list(
            catalog.entries.map {
                .object([
                    "name": .string($0.name), "file": .string($0.servePath), "sha256": .string($0.sha256),
                    "size": .string(String($0.size)),
                    "roles_list": .string($0.roles.map(\.rawValue).joined(separator: " ")),
                ])
            }
        )
        scriptValues["role_specs"] = renderer.manifest.installScriptRoleValue
        let script: [UInt8]
        do {
            script = Array(try renderer.renderTemplate(at: installScriptTemplate, values: scriptValues).utf8)
        } catch {
            throw .release(error)
        }

        var prerequisites: OfflinePrerequisites?
        if config.prereqsOffline {
            var seen: Set<String> = []
            let packages = Role.allCases.flatMap { renderer.manifest.roles[$0]?.prerequisites["apt"] ?? [] }
                .filter { seen.insert($0).inserted }
            prerequisites = try await OfflinePrerequisites.collect(
                packages: packages,
                cacheDirectory: options.prerequisitesCacheDirectory,
                logger: logger
            )
        }

        let output = ServeOutput(
            bundles: bundles,
            secrets: secrets,
            keys: keys,
            prerequisites: prerequisites,
            packages: catalog.entries,
            installScript: script,
            configID: configID,
            clusterName: clusterName,
            bootstrapURL: config.bootstrapURL,
            release: release
        )
        if Task.isCancelled { throw .interrupted("Interrupted before genconf/serve/ was written; it is unchanged.") }
        let kept = try ServeDirectoryWriter(
            genconfDirectory: options.genconfDirectory,
            keepGenerations: options.keepGenerations
        ).write(output, logger: logger)

        return GenconfResult(
            serveDirectory: options.serveDirectory,
            secretsDirectory: options.genconfDirectory + "/" + SecretsArchive.directoryName,
            configID: configID,
            publicKey: keys.publicKeyPEM,
            publicKeyFingerprint: keys.publicKeyFingerprint,
            secrets: secrets.map {
                .init(
                    role: $0.role,
                    path: $0.servePath,
                    files: $0.paths,
                    token: keys.mintToken(role: $0.role.rawValue, configID: configID, expires: 0)
                )
            },
            clusterName: clusterName,
            release: release,
            bundles: bundles.map {
                .init(role: $0.role, path: $0.servePath, sha256: $0.sha256, size: $0.bytes.count, files: $0.fileCount)
            },
            packages: catalog.entries.map {
                .init(name: $0.name, path: $0.servePath, sha256: $0.sha256, size: $0.size, roles: $0.roles)
            },
            installScriptSHA256: output.installScriptSHA256,
            previousGenerations: kept,
            diagnostics: validation.diagnostics,
            packageWarnings: catalog.warnings
        )
    }

    /// For an https bootstrap_url: the CA dcos_install.sh pins (genconf's private CA, created once, which also issues
    /// the server certificate `--serve` uses; or the operator's own CA certificate in its place). Empty for http
    /// and file URLs.
    static func bootstrapCA(_ url: String, _ options: GenconfOptions, _ logger: Logger) throws(GenconfError) -> String {
        guard let parsed = NetworkSyntax.parseURL(url), parsed.scheme == "https" else { return "" }
        do {
            let (pem, created) = try BootstrapTLS.prepare(genconfDirectory: options.genconfDirectory, host: parsed.host)
            for name in created {
                logger.info("Created genconf/keys/\(name) for https on \(parsed.host)")
            }
            return pem
        } catch {
            throw .output("\(error)")
        }
    }

    /// The configuration id: SHA-256 over every template value and the release's text. Any change to a
    /// value (including the ip-detect script's text) or to the release gives a new id. Secret values enter only
    /// through a digest keyed by `genconf/keys/secrets-salt.key`: the id is public, and must not let anyone test
    /// guesses of a password against it.
    static func configID(
        values: [String: TemplateValue],
        secretNames: Set<String>,
        keys: GenconfKeys,
        releaseText: String
    ) -> String {
        var publicValues = values.filter { !secretNames.contains($0.key) }
        let secretValues = values.filter { secretNames.contains($0.key) }
        if !secretValues.isEmpty {
            publicValues["secrets_digest"] = .string(
                keys.secretDigest("config-id-secrets", Array(TemplateValue.object(secretValues).canonicalJSON.utf8))
            )
        }
        var text = "dcos-installer/config-id/v1\n"
        text += TemplateValue.object(publicValues).canonicalJSON
        text += "\n"
        text += releaseText
        return Digest.sha256(text)
    }
}

extension TemplateValue {
    var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .bool(let flag): .bool(flag)
        case .list(let items): .array(items.map(\.json))
        case .object(let members): .object(members.mapValues(\.json))
        }
    }

    var canonicalJSON: String { json.encoded() }
}
