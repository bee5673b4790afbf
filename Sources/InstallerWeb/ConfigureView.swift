import InstallerConfig
import InstallerGenconf
import InstallerSystem

/// The `/api/v1/configure...` and `/api/v1/success` answers, read from genconf/config.yaml with the CLI's
/// own reader and validator.
enum ConfigureView {
    /// `GET /configure`: config.yaml's keys as JSON, plus `ssh_key` and `ip_detect_script` as DC/OS gave them,
    /// except that no secret is ever sent: a secret key (or a misspelling of one) and the SSH key are
    /// `{"set": true|false}`. `{}` when there is no config.yaml; a file that does not parse gives the keys
    /// that could be read (GET /configure/status says what is wrong).
    static func current(_ genconf: GenconfOptions) -> WebResponse {
        let (document, _) = ConfigDocument.load(path: genconf.configPath)
        guard let document else { return .json(200, .object([:])) }
        var values: [String: JSONValue] = [:]
        for entry in document.entries {
            if ConfigValidator.holdsSecret(entry.key) {
                values[entry.key] = .object(["set": .bool(entry.value.json != .null)])
            } else {
                values[entry.key] = entry.value.json
            }
        }
        let sshKeyPath = values["ssh_key_path"]?.stringValue ?? "genconf/ssh_key"
        let sshKey = ConfigValidator.resolve(sshKeyPath, against: genconf.baseDirectory)
        values["ssh_key"] = .object(["set": .bool(FileReader.permissions(sshKey).map { !$0.isDirectory } ?? false)])
        let ipDetectPath = values["ip_detect_filename"]?.stringValue ?? "genconf/ip-detect"
        let script = FileReader.text(
            ConfigValidator.resolve(ipDetectPath, against: genconf.baseDirectory),
            limit: ConfigLimits.maximumScriptBytes
        )
        values["ip_detect_script"] = script.map(JSONValue.string) ?? .null
        return .json(200, .object(values))
    }

    /// `GET /configure/status`: the whole config validated as the SSH actions validate it (with their SSH
    /// settings: the key usable, the bastion, the options; as ``ConfigureEdit`` does before saving). 200 when valid,
    /// 400 when not; the body has DC/OS's `{key: message}` (the first error of each key) and, as
    /// `--validate-config --json`, `valid`, `errors` and `warnings` with each one's line and column.
    static func status(_ genconf: GenconfOptions) -> WebResponse {
        let text = FileReader.text(genconf.configPath, limit: ConfigLimits.maximumFileBytes)
        let result =
            text.map { ConfigureEdit.validate($0, genconf: genconf) }
            ?? Genconf.validate(genconf, stage: .ssh).result
        guard case .object(var body) = result.diagnostics.validationJSON(valid: result.isValid) else {
            return .error(500, "Validation gave no result.")
        }
        for diagnostic in result.diagnostics.errors {
            let key = diagnostic.key ?? "config.yaml"
            if body[key] == nil { body[key] = .string(diagnostic.message) }
        }
        return .json(result.isValid ? 200 : 400, .object(body))
    }

    /// The keys DC/OS's `determine_config_type` calls advanced, with the values that make them so.
    static let advancedDefaults: [(key: String, plain: String?)] = [
        ("bootstrap_url", "file:///opt/dcos_install_tmp"),
        ("docker_remove_delay", nil),
        ("exhibitor_storage_backend", "static"),
        ("gc_delay", nil),
        ("master_discovery", "static"),
        ("roles", nil),
        ("weights", nil),
    ]

    /// `GET /configure/type`: `minimal`, or `advanced` with the keys that make it so. The page edits both
    /// (the advanced view edits the whole file), so unlike DC/OS's this is information, not a refusal.
    static func type(_ genconf: GenconfOptions) -> WebResponse {
        let (document, _) = ConfigDocument.load(path: genconf.configPath)
        var found: [String: JSONValue] = [:]
        for entry in document?.entries ?? [] {
            guard let rule = advancedDefaults.first(where: { $0.key == entry.key }) else { continue }
            let value = entry.value.json
            if let plain = rule.plain, value == .string(plain) { continue }
            found[entry.key] = value
        }
        guard !found.isEmpty else {
            return .json(200, .object(["type": .string("minimal"), "message": .string("")]))
        }
        let keys = found.keys.sorted().joined(separator: ", ")
        return .json(
            200,
            .object([
                "type": .string("advanced"),
                "keys": .object(found),
                "message": .string(
                    "Advanced configuration detected in genconf/config.yaml (\(keys)). The setup form shows the common keys; the advanced view edits the whole file."
                ),
            ])
        )
    }

    /// `GET /success`: the first master's admin router and the node counts; 400 with empty values when
    /// the lists are missing.
    static func success(_ genconf: GenconfOptions) -> WebResponse {
        let (document, _) = ConfigDocument.load(path: genconf.configPath)
        func list(_ key: String) -> [String] {
            guard let entry = document?.entries.last(where: { $0.key == key }) else { return [] }
            return entry.value.json.arrayValue?.compactMap(\.stringValue) ?? []
        }
        let masters = list("master_list")
        let agents = list("agent_list").count + list("public_agent_list").count
        guard let first = masters.first else {
            return .json(400, .object(["success": .string(""), "master_count": .int(0), "agent_count": .int(0)]))
        }
        let host = first.contains(":") ? "[\(first)]" : first
        return .json(
            200,
            .object([
                "success": .string("http://\(host)"), "master_count": .int(masters.count),
                "agent_count": .int(agents),
            ])
        )
    }

    /// An uninstall needs `{"confirm": "<cluster_name>"}`, the name typed by the operator; nil when given.
    static func uninstallRefusal(_ genconf: GenconfOptions, body: [UInt8]) -> WebResponse? {
        let (document, _) = ConfigDocument.load(path: genconf.configPath)
        let name = document?.entries.last { $0.key == "cluster_name" }?.value.json.stringValue ?? ""
        let typed = JSONValue.parse(String(decoding: body, as: UTF8.self), limits: .configValue)?["confirm"]?
            .stringValue
        guard !name.isEmpty, typed == name else {
            return .error(
                400,
                "Uninstall removes DC/OS from every node: confirm with {\"confirm\": \"<cluster_name>\"}, the cluster's name as config.yaml has it. Nothing was changed."
            )
        }
        return nil
    }
}
