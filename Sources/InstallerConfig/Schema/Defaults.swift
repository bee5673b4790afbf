/// Default values that are structured (JSON) rather than a single word.
enum Defaults {
    static let overlayNetwork: JSONValue = .object([
        "vtep_subnet": .string("44.128.0.0/20"),
        "vtep_subnet6": .string("fd01:a::/64"),
        "vtep_mac_oui": .string("70:B3:D5:00:00:00"),
        "overlays": .array([
            .object(["name": .string("dcos"), "subnet": .string("9.0.0.0/8"), "prefix": .int(24)]),
            .object(["name": .string("dcos6"), "subnet6": .string("fd01:b::/64"), "prefix6": .int(80)]),
        ]),
    ])

    static let rexrayConfig: JSONValue = .object([
        "rexray": .object([
            "loglevel": .string("info"),
            "modules": .object(["default-docker": .object(["disabled": .bool(true)])]),
            "service": .string("vfs"),
        ])
    ])

    static let rexrayAWSPreset: JSONValue = .object([
        "rexray": .object([
            "loglevel": .string("info"),
            "service": .string("ebs"),
            "modules": .object(["default-docker": .object(["disabled": .bool(true)])]),
        ])
    ])

    /// DC/OS's built-in node checks (all run after start); `clock_sync` only with `check_time: true`.
    static func builtinChecks(checkTime: Bool) -> JSONValue {
        func check(_ description: String, _ cmd: [String], roles: [String]? = nil, timeout: String = "1s") -> JSONValue
        {
            var members: [String: JSONValue] = [
                "description": .string(description),
                "cmd": .array(cmd.map(JSONValue.string)),
                "timeout": .string(timeout),
            ]
            if let roles { members["roles"] = .array(roles.map(JSONValue.string)) }
            return .object(members)
        }
        let bin = "/opt/mesosphere/bin/dcos-checks"
        var checks: [String: JSONValue] = [
            "components_master": check(
                "All DC/OS components are healthy.",
                [bin, "--role", "master", "components"],
                roles: ["master"],
                timeout: "3s"
            ),
            "components_agent": check(
                "All DC/OS components are healthy",
                [bin, "--role", "agent", "components"],
                roles: ["agent"],
                timeout: "3s"
            ),
            "xz": check("The xz utility is available", [bin, "executable", "xz"]),
            "tar": check("The tar utility is available", [bin, "executable", "tar"]),
            "curl": check("The curl utility is available", [bin, "executable", "curl"]),
            "unzip": check("The unzip utility is available", [bin, "executable", "unzip"]),
            "ip_detect_script": check("The IP detect script produces valid output", [bin, "ip"]),
            "mesos_master_replog_synchronized": check(
                "The Mesos master has synchronized its replicated log",
                [bin, "--role", "master", "mesos-metrics"],
                roles: ["master"]
            ),
            "mesos_agent_registered_with_masters": check(
                "The Mesos agent has registered with the masters",
                [bin, "--role", "agent", "mesos-metrics"],
                roles: ["agent"]
            ),
            "journald_dir_permissions": check(
                "journald directory has the right owners and permissions",
                [bin, "journald"]
            ),
        ]
        if checkTime {
            checks["clock_sync"] = check("System clock is in sync.", [bin, "time"])
        }
        let names = checks.keys.sorted()
        return .object([
            "node_checks": .object([
                "checks": .object(checks),
                "poststart": .array(names.map(JSONValue.string)),
            ])
        ])
    }
}
