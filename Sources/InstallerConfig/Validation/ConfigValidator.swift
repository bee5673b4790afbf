import FoundationEssentials
import InstallerSystem

/// Validates a config document against `ConfigSchema`: all problems at once, each on the key the user wrote.
public struct ConfigValidator {
    public let document: ConfigDocument
    public let stage: ConfigStage
    /// Directory that contains genconf/; relative paths in config.yaml resolve against it, as in DC/OS.
    public let baseDirectory: String

    public init(document: ConfigDocument, stage: ConfigStage, baseDirectory: String) {
        self.document = document
        self.stage = stage
        self.baseDirectory = baseDirectory
    }

    /// Loads `path`, then validates; problems with the file itself are diagnostics too.
    public static func validateFile(
        at path: String,
        displayPath: String? = nil,
        stage: ConfigStage,
        baseDirectory: String
    ) -> (document: ConfigDocument?, result: ValidationResult) {
        let (document, problems) = ConfigDocument.load(path: path)
        guard let document, !problems.hasErrors else {
            return (document, ValidationResult(diagnostics: problems.sortedByPosition(), config: nil))
        }
        let result = ConfigValidator(document: document, stage: stage, baseDirectory: baseDirectory).validate()
        return (document, result)
    }

    /// Parses `text` as config.yaml (read from `path`, for messages), then validates it.
    public static func validate(
        text: String,
        path: String,
        stage: ConfigStage,
        baseDirectory: String
    ) -> ValidationResult {
        let (document, problems) = ConfigDocument.parse(text: text, path: path)
        guard let document, !problems.hasErrors else {
            return ValidationResult(diagnostics: problems.sortedByPosition(), config: nil)
        }
        return ConfigValidator(document: document, stage: stage, baseDirectory: baseDirectory).validate()
    }

    public func validate() -> ValidationResult {
        var run = Run(document: document, stages: stage.includedStages)
        run.checkKeyNames()
        for spec in ConfigSchema.keys { run.resolve(spec.name) }
        CrossChecks.run(&run, stage: stage)
        let files = run.readFiles(baseDirectory: baseDirectory, stage: stage)
        let diagnostics = run.diagnostics.sortedByPosition()
        guard !diagnostics.hasErrors else { return ValidationResult(diagnostics: diagnostics, config: nil) }
        let config = ValidatedConfig(
            stage: stage,
            values: run.values,
            userKeys: Set(run.entries.keys),
            ipDetectContents: files.ipDetect,
            ipDetectPublicContents: files.ipDetectPublic ?? files.ipDetect,
            baseDirectory: baseDirectory
        )
        return ValidationResult(diagnostics: diagnostics, config: config)
    }

    /// Whether the value of the top-level key `key` is, or may be, a secret: a secret key, or a misspelt
    /// one (an unknown key whose closest match is a secret). Nothing of such a value may be shown.
    public static func holdsSecret(_ key: String) -> Bool {
        ValidatedConfig.secretKeys.contains(key)
            || (ConfigSchema.byName[key] == nil && CalculatedKeys.derivedFrom[key] == nil
                && Suggestions.closest(to: key, in: ValidatedConfig.secretKeys) != nil)
    }

    /// A path of config.yaml (absolute, `~/...`, or relative to the directory holding genconf/) as a file path.
    public static func resolve(_ path: String, against base: String) -> String {
        Run.resolve(path, against: base)
    }

    /// Lines of the document that carry secret values, for masking in snippets.
    public static func secretLines(in document: ConfigDocument) -> Set<Int> {
        var lines: Set<Int> = []
        let entries = document.entries
        // The last entry's value runs to the end of the file (whatever its shape: nested lists, folded text).
        let lastLine = document.text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        for (index, entry) in entries.enumerated() where holdsSecret(entry.key) {
            let end =
                index + 1 < entries.count
                ? entries[index + 1].keyLocation.line - 1 : lastLine
            for line in entry.keyLocation.line...max(entry.keyLocation.line, end) { lines.insert(line) }
        }
        return lines
    }
}

/// The working state of one validation.
struct Run {
    let document: ConfigDocument
    let stages: Set<ConfigStage>
    var entries: [String: YAMLPair] = [:]
    var values: [String: ConfigValue] = [:]
    /// Keys whose value failed its checks: cross-checks involving them are skipped.
    var failed: Set<String> = []
    var resolved: Set<String> = []
    var diagnostics: [Diagnostic] = []

    init(document: ConfigDocument, stages: Set<ConfigStage>) {
        self.document = document
        self.stages = stages
        // A repeated key: the first one counts (DuplicateKey's message says so).
        for entry in document.entries where entries[entry.key] == nil { entries[entry.key] = entry }
    }

    func isActive(_ spec: KeySpec) -> Bool { stages.contains(spec.stage) }

    mutating func error(_ key: String?, at location: SourceLocation?, _ message: String) {
        diagnostics.append(.error(key, at: location, message))
    }

    /// Keys written more than once, unknown keys (with a suggestion) and calculated keys the user must
    /// not set. A repeated key is checked at its first occurrence only, the one that is used.
    mutating func checkKeyNames() {
        diagnostics += document.duplicateKeys.map(\.diagnostic)
        for entry in document.entries where entries[entry.key]?.keyLocation == entry.keyLocation {
            let key = entry.key
            if ConfigSchema.byName[key] != nil { continue }
            if let source = CalculatedKeys.derivedFrom[key] {
                error(
                    key,
                    at: entry.keyLocation,
                    "\(key) is calculated by the installer (from \(source)) and cannot be set. Remove this line."
                )
                continue
            }
            var message = "Unknown configuration key '\(key)'."
            if let suggestion = Suggestions.closest(to: key, in: ConfigSchema.byName.keys) {
                message += " Did you mean '\(suggestion)'?"
            } else {
                message += " Remove it, or see README.md for the supported keys."
            }
            error(key, at: entry.keyLocation, message)
        }
    }

    /// Resolves one key (and, first, the key its applicability depends on).
    mutating func resolve(_ name: String) {
        guard !resolved.contains(name), let spec = ConfigSchema.byName[name] else { return }
        resolved.insert(name)
        guard isActive(spec) else { return }
        let entry = entries[name]
        if let condition = spec.appliesWhen {
            resolve(condition.key)
            let current = values[condition.key]?.text
            if current == nil && failed.contains(condition.key) {
                failed.insert(name)
                return
            }
            // The SSH actions install the masters, so master_list applies at the SSH stage whatever the
            // discovery method (DC/OS's ssh/validate.py); a missing one is reported by CrossChecks.
            let applies = current.map { condition.values.contains($0) } ?? false
            let sshMasterList = !applies && current != nil && name == "master_list" && stages.contains(.ssh)
            if sshMasterList && entry == nil { return }
            if !applies, let current, name == "num_masters", let entry {
                // As in DC/OS, num_masters is calculated (not ignored) when master_discovery is static.
                error(
                    name,
                    at: entry.keyLocation,
                    "num_masters is calculated from master_list when master_discovery is \(current) and cannot be set. Remove this line."
                )
                failed.insert(name)
                return
            }
            guard applies || sshMasterList else {
                if let entry {
                    diagnostics.append(
                        .warning(
                            name,
                            at: entry.keyLocation,
                            "\(name) is ignored because it is only used when \(condition), and \(condition.key) is \(current.map { "'\($0)'" } ?? "not set"). Remove this line or change \(condition.key)."
                        )
                    )
                }
                return
            }
        }
        guard let entry else {
            if let value = spec.defaultValue {
                values[name] = value
            } else if !spec.isOptional {
                let because = spec.appliesWhen.map { " because \($0)" } ?? ""
                error(
                    name,
                    at: nil,
                    "\(name) is required\(because), but is not set. Add `\(name): ...` to \(document.path): \(spec.summary)"
                )
                failed.insert(name)
            }
            return
        }
        if case .scalar(let scalar) = entry.value, scalar.kind == .null {
            let fix =
                spec.defaultValue.map {
                    "or delete the line to use the default (\(spec.isSecret ? "empty" : $0.text.isEmpty ? "empty" : $0.text))"
                } ?? "(it is required)"
            error(name, at: entry.keyLocation, "\(name) has no value. Write a value after the colon \(fix).")
            failed.insert(name)
            return
        }
        switch ValueCoercion.coerce(entry.value, to: spec.kind, secret: spec.isSecret) {
        case .failure(let problem):
            error(name, at: problem.location ?? entry.keyLocation, problem.message)
            failed.insert(name)
        case .success(let value):
            var check = KeyCheck(key: name, value: value, yaml: entry.value, fallbackLocation: entry.keyLocation)
            TextSafety.check(spec, &check)
            if !check.problems.hasErrors {
                Self.checkKind(spec, &check)
                spec.check?(&check)
            }
            if check.problems.hasErrors { failed.insert(name) } else { values[name] = value }
            diagnostics += check.problems
        }
    }

    /// Checks that come with the value kind.
    private static func checkKind(_ spec: KeySpec, _ check: inout KeyCheck) {
        guard let text = check.value.stringValue else { return }
        switch spec.kind {
        case .oneOf(let words) where !words.contains(text):
            let choices = words.map { "'\($0)'" }.joined(separator: ", ")
            var message = "Must be one of \(choices), but is '\(text)'."
            if let suggestion = Suggestions.closest(to: text, in: words.filter { !$0.isEmpty }) {
                message += " Did you mean '\(suggestion)'?"
            }
            check.fail(message)
        case .duration:
            if let problem = MesosDuration.problem(in: text) { check.fail(problem) }
        case .absolutePath:
            if !text.hasPrefix("/") {
                check.fail("Must be an absolute filesystem path starting with /, but is '\(text)'.")
            }
        case .countOrPercent(let min):
            if CountOrPercent(text, min: min) == nil {
                check.fail(
                    "Must be an integer of at least \(min) or a percentage such as '25%', but is '\(text)'."
                )
            }
        case .localPath, .url, .string, .bool, .int, .oneOf, .stringList, .ipv4List, .json:
            break
        }
    }

    func location(of key: String) -> SourceLocation? {
        entries[key].map { $0.value.location }
    }

    func keyLocation(of key: String) -> SourceLocation? {
        entries[key]?.keyLocation
    }

    /// Reads the files the config names (ip-detect scripts; the SSH key's presence at the SSH stage).
    mutating func readFiles(baseDirectory: String, stage: ConfigStage) -> (ipDetect: String, ipDetectPublic: String?) {
        var ipDetect = ""
        var ipDetectPublic: String?
        if let path = values["ip_detect_filename"]?.stringValue {
            ipDetect = readScript(key: "ip_detect_filename", path: path, baseDirectory: baseDirectory) ?? ""
        }
        if let path = values["ip_detect_public_filename"]?.stringValue, !path.isEmpty {
            ipDetectPublic = readScript(key: "ip_detect_public_filename", path: path, baseDirectory: baseDirectory)
        }
        if stage == .ssh, let path = values["ssh_key_path"]?.stringValue {
            let resolvedPath = Self.resolve(path, against: baseDirectory)
            if !FileManager.default.fileExists(atPath: resolvedPath) {
                diagnostics.append(
                    .warning(
                        "ssh_key_path",
                        at: location(of: "ssh_key_path"),
                        "The SSH private key \(path) does not exist (looked at \(resolvedPath)). The SSH actions need it: create it, or set ssh_key_path."
                    )
                )
            }
        }
        return (ipDetect, ipDetectPublic)
    }

    private mutating func readScript(key: String, path: String, baseDirectory: String) -> String? {
        let resolvedPath = Self.resolve(path, against: baseDirectory)
        let at = location(of: key)
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: resolvedPath, isDirectory: &isDirectory), !isDirectory
        else {
            error(
                key,
                at: at,
                "The ip-detect script \(path) must exist (looked at \(resolvedPath)). Write a script that prints this node's IPv4 address, or point \(key) at one."
            )
            return nil
        }
        let data: [UInt8]
        switch ConfigDocument.readBounded(path: resolvedPath, limit: ConfigLimits.maximumScriptBytes) {
        case .success(let bytes):
            data = bytes
        case .failure(.tooLarge):
            error(
                key,
                at: at,
                "The ip-detect script \(resolvedPath) is larger than \(ConfigLimitScanner.size(ConfigLimits.maximumScriptBytes)), so it is not read. It must be a short script that prints this node's IPv4 address: check that \(key) names the right file."
            )
            return nil
        case .failure:
            error(key, at: at, "Cannot read the ip-detect script \(resolvedPath). Check its permissions.")
            return nil
        }
        guard let text = String(validating: data, as: UTF8.self), !data.contains(0) else {
            error(
                key,
                at: at,
                "The ip-detect script \(resolvedPath) is not a text file. It must be a shell script that prints an IPv4 address."
            )
            return nil
        }
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            error(key, at: at, "The ip-detect script \(resolvedPath) is empty. It must print this node's IPv4 address.")
            return nil
        }
        if !text.hasPrefix("#!") {
            diagnostics.append(
                .warning(
                    key,
                    at: at,
                    "The ip-detect script \(resolvedPath) has no #! line; nodes run it directly, so start it with #!/usr/bin/env bash (or similar)."
                )
            )
        }
        return text
    }

    static func resolve(_ path: String, against base: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            return home + path.dropFirst(1)
        }
        return (base.hasSuffix("/") ? base : base + "/") + path
    }
}
