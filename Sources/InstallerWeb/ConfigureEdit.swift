import InstallerCluster
import InstallerConfig
import InstallerSystem
internal import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `POST /api/v1/configure`: a JSON object of config.yaml keys (and DC/OS's `ssh_key` and
/// `ip_detect_script`, whose contents go to genconf/ssh_key and genconf/ip-detect), merged into
/// config.yaml with its comments and layout kept (``ConfigEditor``), validated as the SSH actions
/// validate it, and written only when the whole config is valid: config.yaml is replaced atomically, and
/// an invalid one leaves every file as it was. `?validate=true` only validates (the page checks each field
/// as it is left). A key set to `null` is removed (`ssh_key` and `ip_detect_script`: their files stay);
/// a secret given back as GET /configure shows it (`{"set": true}`) is left as it is.
///
/// Answers 200 `{"valid": true, "warnings": [...]}` or 400 with DC/OS's `{key: message}` and
/// `--validate-config --json`'s `valid`, `errors` and `warnings` (lines of the merged file); with
/// `?validate=true` the same body, always with 200.
enum ConfigureEdit {
    /// What one post may hold: a form's worth of keys, each value within config.yaml's own limits.
    static let bodyLimits = JSONValue.ParseLimits(
        maximumBytes: 4 << 20,
        maximumDepth: 16,
        maximumStringBytes: 1 << 20,
        maximumItems: 100_000
    )

    /// config.yaml's checks for the SSH actions, then the SSH settings the actions would use (the key file
    /// readable and of a type this libssh2 can sign with, the bastion, extra options): what preflight would
    /// refuse is refused when the setup is saved.
    static func validate(_ text: String, genconf: GenconfOptions) -> ValidationResult {
        let result = ConfigValidator.validate(
            text: text,
            path: genconf.configPath,
            stage: .ssh,
            baseDirectory: genconf.baseDirectory
        )
        guard let config = result.config else { return result }
        let document = ConfigDocument.parse(text: text, path: genconf.configPath).document
        let nodes = ClusterNode.all(in: config)
        if case .failure(let error) = SSHSettings.make(
            for: nodes,
            config: config,
            document: document,
            logger: Logger(label: "dcos_generate_config.web.configure")
        ) {
            return ValidationResult(
                diagnostics: (result.diagnostics + error.diagnostics).sortedByPosition(),
                config: nil
            )
        }
        return result
    }

    static let sshKeyFile = "genconf/ssh_key"
    static let ipDetectFile = "genconf/ip-detect"

    static func post(_ genconf: GenconfOptions, body: [UInt8], validateOnly: Bool) -> WebResponse {
        guard let object = JSONValue.parse(String(decoding: body, as: UTF8.self), limits: bodyLimits)?.objectValue
        else {
            return .error(
                400,
                "The body must be a JSON object of config.yaml keys, such as {\"cluster_name\": \"prod\"}; nothing was changed."
            )
        }
        let current: String
        switch FileReader.read(genconf.configPath, limit: ConfigLimits.maximumFileBytes) {
        case .success(let bytes): current = String(decoding: bytes, as: UTF8.self)
        case .failure(.missing): current = ""
        case .failure(let failure):
            return .error(500, "Cannot read \(genconf.configPath) (\(failure)); nothing was changed.")
        }

        // The files DC/OS's API took as contents: staged beside their final names until the config is valid.
        var staged: [(key: String, final: String, temporary: String, mode: mode_t)] = []
        defer { for file in staged { unlink(file.temporary) } }
        var edits: [ConfigEditor.Edit] = []
        var validationEdits: [ConfigEditor.Edit] = []
        for key in object.keys.sorted() {
            let value = object[key]!
            if case .object(let members) = value, members.keys.sorted() == ["set"], members["set"]?.boolValue != nil,
                key == "ssh_key" || ConfigValidator.holdsSecret(key)
            {
                continue  // a secret shown as {"set": ...}: unchanged
            }
            switch key {
            case "ssh_key", "ip_detect_script":
                if value == .null { continue }  // nothing given: the file stays as it is
                guard let contents = value.stringValue else {
                    return .error(400, "\(key) must be the file's text; nothing was changed.")
                }
                let (configKey, relative, mode): (String, String, mode_t) =
                    key == "ssh_key" ? ("ssh_key_path", sshKeyFile, 0o600) : ("ip_detect_filename", ipDetectFile, 0o644)
                let final = ConfigValidator.resolve(relative, against: genconf.baseDirectory)
                let temporary = final + ".web-\(WebSessions.randomToken().prefix(12))"
                do {
                    try FileWriter.create(temporary, bytes: Array(contents.utf8), mode: mode)
                } catch {
                    return .error(500, "\(error) Nothing was changed.")
                }
                staged.append((key, final, temporary, mode))
                edits.append(.set(configKey, .string(relative)))
                validationEdits.append(.set(configKey, .string(temporary)))
            default:
                let edit: ConfigEditor.Edit = value == .null ? .remove(key) : .set(key, value)
                edits.append(edit)
                validationEdits.append(edit)
            }
        }
        let merged = ConfigEditor.apply(edits, to: current)
        let checked = ConfigEditor.apply(validationEdits, to: current)
        let result = validate(checked, genconf: genconf)
        // Messages name the final files, not the staged copies.
        let diagnostics = result.diagnostics.map { diagnostic -> Diagnostic in
            var diagnostic = diagnostic
            for file in staged {
                diagnostic.message = diagnostic.message.replacing(file.temporary, with: file.final)
                if diagnostic.key == (file.key == "ssh_key" ? "ssh_key_path" : "ip_detect_filename") {
                    diagnostic.key = file.key
                }
            }
            return diagnostic
        }
        guard case .object(var answer) = diagnostics.validationJSON(valid: result.isValid) else {
            return .error(500, "Validation gave no result.")
        }
        guard result.isValid else {
            for diagnostic in diagnostics.errors {
                let key = diagnostic.key ?? "config.yaml"
                if answer[key] == nil { answer[key] = .string(diagnostic.message) }
            }
            // A check that finds problems has done its job (200); a save that cannot be done is a 400.
            return .json(validateOnly ? 200 : 400, .object(answer))
        }
        guard !validateOnly else { return .json(200, .object(answer)) }
        do {
            for file in staged {
                guard rename(file.temporary, file.final) == 0 else {
                    throw SystemError("replace", path: file.final, errno: errno)
                }
            }
            staged = []
            let mode = FileReader.permissions(genconf.configPath).map { $0.mode & 0o777 } ?? 0o644
            try FileWriter.replace(genconf.configPath, bytes: Array(merged.utf8), mode: mode)
        } catch {
            return .error(500, "\(error)")
        }
        return .json(200, .object(answer))
    }

    // MARK: - The advanced view: the whole file

    /// What a secret's value reads as in the advanced view.
    static let mask = "********"

    /// `GET /configure/yaml`: `{"yaml": text}`, config.yaml as written, but every secret key's value
    /// replaced by the mask (its line only changes). `{"yaml": ""}` when there is no config.yaml.
    static func maskedText(_ genconf: GenconfOptions) -> WebResponse {
        let text = FileReader.text(genconf.configPath, limit: ConfigLimits.maximumFileBytes) ?? ""
        let document = ConfigDocument.parse(text: text, path: genconf.configPath).document
        let secrets = (document?.entries ?? []).filter { ConfigValidator.holdsSecret($0.key) && $0.value.json != .null }
        let masked = ConfigEditor.apply(secrets.map { .set($0.key, .string(mask)) }, to: text)
        return .json(200, .object(["yaml": .string(masked), "masked_keys": .array(secrets.map { .string($0.key) })]))
    }

    /// `POST /configure/yaml` with `{"yaml": text}`: the whole file from the advanced view. A secret key
    /// whose value is still the mask keeps its saved value. Validated as ``post(_:body:validateOnly:)``
    /// does and written atomically only when valid; errors carry the posted text's lines.
    static func postText(_ genconf: GenconfOptions, body: [UInt8], validateOnly: Bool) -> WebResponse {
        guard
            let posted = JSONValue.parse(String(decoding: body, as: UTF8.self), limits: bodyLimits)?["yaml"]?
                .stringValue
        else {
            return .error(400, "The body must be {\"yaml\": \"<the whole config.yaml>\"}; nothing was changed.")
        }
        let current = FileReader.text(genconf.configPath, limit: ConfigLimits.maximumFileBytes) ?? ""
        let saved = ConfigDocument.parse(text: current, path: genconf.configPath).document?.entries ?? []
        let postedEntries = ConfigDocument.parse(text: posted, path: genconf.configPath).document?.entries ?? []
        var restore: [ConfigEditor.Edit] = []
        for entry in postedEntries where ConfigValidator.holdsSecret(entry.key) && entry.value.json == .string(mask) {
            guard let original = saved.last(where: { $0.key == entry.key }) else { continue }
            restore.append(.set(entry.key, original.value.json))
        }
        let text = ConfigEditor.apply(restore, to: posted)
        let result = validate(text, genconf: genconf)
        guard case .object(var answer) = result.diagnostics.validationJSON(valid: result.isValid) else {
            return .error(500, "Validation gave no result.")
        }
        guard result.isValid else {
            for diagnostic in result.diagnostics.errors {
                let key = diagnostic.key ?? "config.yaml"
                if answer[key] == nil { answer[key] = .string(diagnostic.message) }
            }
            return .json(validateOnly ? 200 : 400, .object(answer))
        }
        guard !validateOnly else { return .json(200, .object(answer)) }
        do {
            let mode = FileReader.permissions(genconf.configPath).map { $0.mode & 0o777 } ?? 0o644
            try FileWriter.replace(genconf.configPath, bytes: Array(text.utf8), mode: mode)
        } catch {
            return .error(500, "\(error)")
        }
        return .json(200, .object(answer))
    }
}
