import CFuzzer
import FoundationEssentials
import InstallerConfig
import InstallerRender
import InstallerSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The libFuzzer target of the config path: config.yaml text → `ConfigDocument` → validation (both stages)
/// → the diagnostics formatted → for a valid config, derived values → the release in templates/ rendered for
/// every role, and the node installer. Any crash, hang or memory blow-up on the way is a bug; so is a config
/// that validates but does not render.
///
/// `scripts/fuzz` builds it with `-sanitize=fuzzer,address -DCONFIG_FUZZER_LIBFUZZER` and runs libFuzzer. The
/// normal build (no fuzzer runtime) gives a replayer instead: `ConfigFuzzer FILE...` runs each file through
/// the same path, to reproduce a finding without the sanitizers.
@main
enum ConfigFuzzer {
    static func main() {
        #if CONFIG_FUZZER_LIBFUZZER
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in testOneInput(data, size) })
        #else
            let files = CommandLine.arguments.dropFirst()
            guard !files.isEmpty else {
                Terminal.writeError("usage: ConfigFuzzer FILE... (each a config.yaml to check)\n")
                exit(2)
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    Terminal.writeError("ConfigFuzzer: cannot read \(file)\n")
                    exit(1)
                }
                data.withUnsafeBytes { _ = testOneInput($0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
                print("\(file): ok")
            }
        #endif
    }
}

/// One input. Also exported under libFuzzer's name, for a driver that links its own main.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(
        data.map { UnsafeBufferPointer(start: $0, count: size) } ?? UnsafeBufferPointer(start: nil, count: 0)
    )
    let (document, problems) = ConfigDocument.parse(data: bytes, path: "genconf/config.yaml")
    guard let document, !problems.hasErrors else {
        _ = ConfigPath.format(problems, document: document, text: String(decoding: bytes, as: UTF8.self))
        return 0
    }
    let ssh = ConfigValidator(document: document, stage: .ssh, baseDirectory: ConfigPath.repository).validate()
    _ = ConfigPath.format(ssh.diagnostics, document: document, text: document.text)
    let genconf = ConfigValidator(document: document, stage: .genconf, baseDirectory: ConfigPath.repository).validate()
    _ = ConfigPath.format(genconf.diagnostics, document: document, text: document.text)
    guard let config = genconf.config else { return 0 }
    ConfigPath.render(config)
    return 0
}

/// What every input shares: the repository (its genconf/ip-detect is what relative paths find) and the
/// release, loaded once.
enum ConfigPath {
    /// `$CONFIG_FUZZER_ROOT`, or the repository this file is in.
    static let repository: String = {
        if let root = ProcessInfo.processInfo.environment["CONFIG_FUZZER_ROOT"], !root.isEmpty { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    static let renderer: TemplateRenderer = {
        do {
            return try TemplateRenderer(directory: repository + "/templates")
        } catch {
            fatalError("ConfigFuzzer: the release in \(repository)/templates does not load: \(error)")
        }
    }()

    static func format(_ diagnostics: [Diagnostic], document: ConfigDocument?, text: String) -> String {
        let masked = document.map(ConfigValidator.secretLines(in:)) ?? []
        return DiagnosticFormatter(path: "genconf/config.yaml", text: text, maskedLines: masked).format(diagnostics)
    }

    /// Derived values, then every role's files and the node installer, as `Genconf.run` renders them (bundle
    /// digests and package lists stand in for what genconf computes from the rendered bytes).
    static func render(_ config: ValidatedConfig) {
        let release = renderer.manifest.release
        var values = DerivedValues.compute(config).mapValues(TemplateValue.init)
        values["config_id"] = .string(String(repeating: "0", count: 64))
        values["release_name"] = .string(release.name)
        values["release_version"] = .string(release.version)
        do {
            let renderings = try renderer.render(values: values, secretNames: DerivedValues.secretNames(config))
            var scriptValues = values
            scriptValues["roles"] = .list(
                renderings.keys.sorted { $0.rawValue < $1.rawValue }.map {
                    .object([
                        "role": .string($0.rawValue), "bundle": .string("bundles/\($0.rawValue).tar.gz"),
                        "sha256": .string(String(repeating: "0", count: 64)), "size": .string("0"),
                        "secrets": .string(""), "secrets_sha256": .string(""), "secrets_size": .string(""),
                    ])
                }
            )
            // As genconf adds them (its keys and CA are files, not config): a PEM-shaped text each.
            scriptValues["manifest_public_key"] = .string(
                "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"
            )
            scriptValues["bootstrap_ca"] = .string("")
            scriptValues["packages"] = .list([])
            scriptValues["role_specs"] = renderer.manifest.installScriptRoleValue
            _ = try renderer.renderTemplate(at: "dcos_install.sh.mustache", values: scriptValues)
        } catch {
            fatalError("A config that validates does not render: \(error)")
        }
    }
}
