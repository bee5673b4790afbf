import InstallerConfig

/// What a role needs and promises, from the `roles:` section of `templates/manifest.yaml`.
///
/// dcos_install.sh embeds it: preflight checks the commands, ports and resources; `--postflight` runs
/// the checks; `--uninstall` removes the state paths. The SSH actions install the prerequisites.
public struct RoleSpec: Sendable, Equatable {
    /// A TCP port the role's services listen on.
    public struct Port: Sendable, Equatable {
        public var port: Int
        public var service: String

        public init(port: Int, service: String) {
            self.port = port
            self.service = service
        }
    }

    /// CPUs, memory and free disk in MiB.
    public struct Resources: Sendable, Equatable {
        public var cpus: Int
        public var memoryMB: Int
        public var diskMB: Int

        public init(cpus: Int, memoryMB: Int, diskMB: Int) {
            self.cpus = cpus
            self.memoryMB = memoryMB
            self.diskMB = diskMB
        }

        public static let none = Resources(cpus: 0, memoryMB: 0, diskMB: 0)
    }

    /// A postflight check, run on the node as `/opt/mesosphere/bin/dcos-check NAME`.
    public struct Check: Sendable, Equatable {
        public var name: String
        public var description: String
    }

    /// Distribution packages per package manager (`apt`, `dnf`).
    public var prerequisites: [String: [String]] = [:]
    /// Commands (names looked up in PATH, or absolute paths) that must exist before install.
    public var commands: [String] = []
    public var ports: [Port] = []
    /// Below these, install is refused.
    public var minimum: Resources = .none
    /// Below these, preflight warns.
    public var recommended: Resources = .none
    public var postflight: [Check] = []
    /// Directories the services create at run time, removed by `--uninstall`.
    public var state: [String] = []
    /// systemd units the prerequisites bring that the role's own units replace (the distribution's
    /// nginx.service holds port 80): `--install-prereqs` installs without starting them and leaves them
    /// stopped and disabled.
    public var stoppedUnits: [String] = []

    /// The package managers a release may name prerequisites for.
    public static let packageManagers = ["apt", "dnf"]

    /// Values for the node installer template: one object per role with space-separated lists.
    static func installScriptValue(_ roles: [Role: RoleSpec]) -> TemplateValue {
        .list(
            Role.allCases.map { role in
                let spec = roles[role] ?? RoleSpec()
                return .object([
                    "role": .string(role.rawValue),
                    "commands": .string(spec.commands.joined(separator: " ")),
                    "ports": .string(spec.ports.map { "\($0.port):\($0.service)" }.joined(separator: " ")),
                    "min_cpus": .string(String(spec.minimum.cpus)),
                    "min_memory_mb": .string(String(spec.minimum.memoryMB)),
                    "min_disk_mb": .string(String(spec.minimum.diskMB)),
                    "rec_cpus": .string(String(spec.recommended.cpus)),
                    "rec_memory_mb": .string(String(spec.recommended.memoryMB)),
                    "rec_disk_mb": .string(String(spec.recommended.diskMB)),
                    "postflight": .string(spec.postflight.map(\.name).joined(separator: " ")),
                    "state": .string(spec.state.joined(separator: " ")),
                    "apt": .string((spec.prerequisites["apt"] ?? []).joined(separator: " ")),
                    "dnf": .string((spec.prerequisites["dnf"] ?? []).joined(separator: " ")),
                ])
            }
        )
    }
}

extension ReleaseManifest {
    /// The `role_specs` list dcos_install.sh.mustache loops over.
    public var installScriptRoleValue: TemplateValue { RoleSpec.installScriptValue(roles) }
}

extension ManifestParser {
    /// Parses `roles:`: an optional `all` entry merged in front of each role's own lists.
    mutating func roleSpecs(_ node: YAMLNode?) -> [Role: RoleSpec] {
        var result: [Role: RoleSpec] = [:]
        for role in Role.allCases { result[role] = RoleSpec() }
        guard let node else { return result }
        guard let mapping = node.mapping else {
            fail(node, "`roles` must be a mapping of all, master, slave, slave_public to what each role needs.")
            return result
        }
        checkKeys(mapping, allowed: ["all"] + Role.allCases.map(\.rawValue))
        let common = mapping["all"].map { roleSpec($0, name: "all", resources: false) } ?? RoleSpec()
        for role in Role.allCases {
            let own = mapping[role.rawValue].map { roleSpec($0, name: role.rawValue, resources: true) } ?? RoleSpec()
            var merged = own
            for manager in RoleSpec.packageManagers {
                let packages = (common.prerequisites[manager] ?? []) + (own.prerequisites[manager] ?? [])
                if !packages.isEmpty { merged.prerequisites[manager] = packages }
            }
            merged.commands = common.commands + own.commands
            merged.ports = common.ports + own.ports
            merged.postflight = common.postflight + own.postflight
            merged.state = common.state + own.state
            merged.stoppedUnits = common.stoppedUnits + own.stoppedUnits
            checkUnique(merged.ports.map { String($0.port) }, role: role, what: "port", node: mapping[role.rawValue])
            checkUnique(
                merged.postflight.map(\.name),
                role: role,
                what: "postflight check",
                node: mapping[role.rawValue]
            )
            result[role] = merged
        }
        return result
    }

    private mutating func checkUnique(_ names: [String], role: Role, what: String, node: YAMLNode?) {
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            fail(node, "Role \(role): the \(what) '\(name)' is listed twice (check `all` and `\(role)`).")
        }
    }

    private mutating func roleSpec(_ node: YAMLNode, name: String, resources: Bool) -> RoleSpec {
        var spec = RoleSpec()
        guard let entry = node.mapping else {
            fail(node, "`roles.\(name)` must be a mapping.")
            return spec
        }
        var allowed = ["prerequisites", "commands", "ports", "postflight", "state", "stopped_units"]
        if resources { allowed += ["minimum", "recommended"] }
        checkKeys(entry, allowed: allowed)
        if let prerequisites = entry["prerequisites"] {
            if let managers = prerequisites.mapping {
                checkKeys(managers, allowed: RoleSpec.packageManagers)
                for manager in RoleSpec.packageManagers {
                    if let list = managers[manager] {
                        spec.prerequisites[manager] = words(
                            list,
                            "roles.\(name).prerequisites.\(manager)",
                            kind: .package
                        )
                    }
                }
            } else {
                fail(prerequisites, "`roles.\(name).prerequisites` must map apt and dnf to package lists.")
            }
        }
        if let commands = entry["commands"] {
            spec.commands = words(commands, "roles.\(name).commands", kind: .command)
        }
        if let state = entry["state"] { spec.state = words(state, "roles.\(name).state", kind: .path) }
        if let units = entry["stopped_units"] {
            spec.stoppedUnits = words(units, "roles.\(name).stopped_units", kind: .unit)
        }
        for item in entry["ports"]?.sequence ?? [] {
            guard let port = item.mapping else {
                fail(item, "Each port in `roles.\(name).ports` must be a mapping with port and service.")
                continue
            }
            checkKeys(port, allowed: ["port", "service"])
            let text = port["port"]?.scalar?.string ?? ""
            guard let number = Int(text), (1...65535).contains(number) else {
                fail(port["port"] ?? item, "The port '\(text)' must be a number from 1 to 65535.")
                continue
            }
            guard let service = word(port["service"], "service", kind: .name) else { continue }
            spec.ports.append(.init(port: number, service: service))
        }
        for item in entry["postflight"]?.sequence ?? [] {
            guard let check = item.mapping else {
                fail(item, "Each check in `roles.\(name).postflight` must be a mapping with name and description.")
                continue
            }
            checkKeys(check, allowed: ["name", "description"])
            guard let checkName = word(check["name"], "name", kind: .name),
                let description = string(check["description"], "description")
            else { continue }
            spec.postflight.append(.init(name: checkName, description: description))
        }
        if resources {
            spec.minimum = self.resources(entry["minimum"], "roles.\(name).minimum")
            spec.recommended = self.resources(entry["recommended"], "roles.\(name).recommended")
        }
        return spec
    }

    private mutating func resources(_ node: YAMLNode?, _ what: String) -> RoleSpec.Resources {
        guard let node else { return .none }
        guard let mapping = node.mapping else {
            fail(node, "`\(what)` must be a mapping with cpus, memory_mb and disk_mb.")
            return .none
        }
        checkKeys(mapping, allowed: ["cpus", "memory_mb", "disk_mb"])
        func number(_ key: String) -> Int {
            guard let value = mapping[key] else { return 0 }
            guard let text = value.scalar?.string, let number = Int(text), number >= 0 else {
                fail(value, "`\(what).\(key)` must be a whole number of at least 0.")
                return 0
            }
            return number
        }
        return .init(cpus: number("cpus"), memoryMB: number("memory_mb"), diskMB: number("disk_mb"))
    }

    /// What a word may contain: it is embedded in a shell script, so only characters that need no quoting.
    enum WordKind {
        case package, command, path, name, unit

        var allowed: Set<Character> {
            let base = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
            switch self {
            case .package: return base.union("ABCDEFGHIJKLMNOPQRSTUVWXYZ.+_:")
            case .command: return base.union("ABCDEFGHIJKLMNOPQRSTUVWXYZ._/+")
            case .path: return base.union("ABCDEFGHIJKLMNOPQRSTUVWXYZ._/")
            case .name: return base
            case .unit: return base.union("ABCDEFGHIJKLMNOPQRSTUVWXYZ._@")
            }
        }

        var rule: String {
            switch self {
            case .package: "a package name (letters, digits, . + _ : -)"
            case .command: "a command name or absolute path (letters, digits, . _ / + -)"
            case .path: "an absolute path (letters, digits, . _ / -) without '..'"
            case .name: "a lowercase name (a-z, 0-9, -)"
            case .unit: "a systemd unit name (letters, digits, . _ @ -)"
            }
        }
    }

    private mutating func word(_ node: YAMLNode?, _ what: String, kind: WordKind) -> String? {
        guard let text = string(node, what) else { return nil }
        var valid = text.allSatisfy(kind.allowed.contains) && !text.hasPrefix("-")
        if kind == .path { valid = valid && text.hasPrefix("/") && !text.split(separator: "/").contains("..") }
        if kind == .command && text.contains("/") { valid = valid && text.hasPrefix("/") }
        if !valid { fail(node, "'\(text)' must be \(kind.rule).") }
        return valid ? text : nil
    }

    private mutating func words(_ node: YAMLNode, _ what: String, kind: WordKind) -> [String] {
        guard let items = node.sequence else {
            fail(node, "`\(what)` must be a list.")
            return []
        }
        return items.compactMap { word($0, what, kind: kind) }
    }
}
