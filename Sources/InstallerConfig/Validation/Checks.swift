import FoundationEssentials
import InstallerSystem

/// Reusable per-key checks. Each reports on the item that is wrong, with a message that says what to write.
enum Checks {
    /// IPv4 addresses, no duplicates.
    static func ipv4List(_ check: inout KeyCheck) {
        guard let items = check.value.listValue else { return }
        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if !NetworkSyntax.isIPv4(item) {
                check.fail(
                    "'\(item)' is not an IPv4 address. Write four numbers 0-255 separated by dots, like 10.0.0.1 (no port, no host name, no leading zeros).",
                    item: index
                )
            } else if let first = firstIndex[item] {
                let line = check.location(item: first).map { " (first at line \($0.line))" } ?? ""
                check.fail("\(item) is listed more than once\(line). Remove the duplicate.", item: index)
            } else {
                firstIndex[item] = index
            }
        }
    }

    /// DNS resolvers: `ip` or `ip:port`, no duplicates.
    static func resolvers(_ check: inout KeyCheck) {
        guard let items = check.value.listValue else { return }
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            var host = item
            if let colon = item.lastIndex(of: ":") {
                host = String(item[..<colon])
                let port = item[item.index(after: colon)...]
                guard let number = Int(port) else {
                    check.fail("The port in '\(item)' must be an integer, but is '\(port)'.", item: index)
                    continue
                }
                guard (1...65535).contains(number) else {
                    check.fail("The port in '\(item)' must be between 1 and 65535.", item: index)
                    continue
                }
            }
            if !NetworkSyntax.isIPv4(host) {
                check.fail(
                    "'\(host)' is not an IPv4 address. Write a resolver as an IPv4 address with an optional port, like 8.8.8.8 or 10.0.0.2:53.",
                    item: index
                )
            } else if let first = seen[item] {
                let line = check.location(item: first).map { " (first at line \($0.line))" } ?? ""
                check.fail("\(item) is listed more than once\(line). Remove the duplicate.", item: index)
            } else {
                seen[item] = index
            }
        }
    }

    static func ipv4(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !NetworkSyntax.isIPv4(text) else { return }
        check.fail("'\(text)' is not an IPv4 address (like 11.0.0.0).")
    }

    static func ipv6(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !NetworkSyntax.isIPv6(text) else { return }
        check.fail("'\(text)' is not an IPv6 address (like fd01:c::).")
    }

    static func ipv4Network(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !NetworkSyntax.isIPv4Network(text) else { return }
        check.fail(
            "'\(text)' is not an IPv4 network. Write it in CIDR form, like 172.31.254.0/24; IPv6 networks are not allowed here."
        )
    }

    static func bootstrapURL(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue else { return }
        let example =
            "Write it like http://10.0.0.1:8080 (the bootstrap node serving genconf/serve) or file:///opt/dcos_install_tmp."
        guard !text.isEmpty else { return check.fail("Must not be empty. \(example)") }
        guard !text.hasSuffix("/") else {
            return check.fail("Must not end in a '/': write '\(text.dropLast())'.")
        }
        guard let url = NetworkSyntax.parseURL(text) else {
            return check.fail("'\(text)' is not a URL. \(example)")
        }
        switch url.scheme {
        case "http", "https":
            guard !url.host.isEmpty, NetworkSyntax.isHost(url.host) else {
                return check.fail("'\(text)' has no valid host name or address. \(example)")
            }
        case "file":
            guard url.host.isEmpty || url.host == "localhost", url.path.count > 1 else {
                return check.fail(
                    "A file URL must name an absolute directory on the nodes, like file:///opt/dcos_install_tmp."
                )
            }
        default:
            check.fail("The scheme '\(url.scheme)' is not supported. Use http, https or file. \(example)")
        }
    }

    static func dnsSearch(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !text.isEmpty else { return }
        if text.contains("\n") { return check.fail("Newlines are not allowed. Separate search domains with spaces.") }
        if text.contains(",") { return check.fail("Commas are not allowed. Separate search domains with spaces.") }
        if text.utf8.count >= 256 { return check.fail("Must be less than 256 characters long (resolv.conf's limit).") }
        let domains = text.split(separator: " ")
        if domains.count > 6 {
            return check.fail("Must contain no more than 6 domains (resolv.conf's limit), but has \(domains.count).")
        }
        for domain in domains where !NetworkSyntax.isHost(String(domain)) {
            check.fail("'\(domain)' is not a valid domain name.")
        }
    }

    /// `text` without its leading and trailing spaces and tabs (Unicode's space separators and U+0009).
    private static func trimmingSpaces(_ text: Substring) -> String {
        String(
            text.trimming { character in
                character.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
            }
        )
    }

    static func zkHosts(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue else { return }
        if text.hasPrefix("zk://") {
            return check.fail(
                "Must be of the form host:port,host:port without the zk:// prefix: write '\(text.dropFirst(5))'."
            )
        }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = trimmingSpaces(part)
            guard let colon = item.lastIndex(of: ":"), let port = Int(item[item.index(after: colon)...]),
                (1...65535).contains(port), NetworkSyntax.isHost(String(item[..<colon]))
            else {
                return check.fail(
                    "'\(item)' is not host:port. Write the ZooKeeper servers as host:port,host:port, like 10.0.0.5:2181,10.0.0.6:2181."
                )
            }
        }
    }

    static func zkPath(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !text.hasPrefix("/") else { return }
        check.fail("Must be of the form /path/to/znode (starting with /), for example /dcos-exhibitor.")
    }

    static func noTrailingSlash(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, text.hasSuffix("/") else { return }
        check.fail("Must be a path that does not end in a '/': write '\(text.dropLast())'.")
    }

    /// An OpenSSL cipher list: it is written into admin router's nginx configuration, where `;`, quotes,
    /// braces or `$` would be nginx syntax.
    static func cipherList(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue,
            let bad = text.unicodeScalars.first(where: {
                !($0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
                    || ":+!@=_.,-".unicodeScalars.contains($0))
            })
        else { return }
        check.fail(
            "'\(bad)' cannot appear in an OpenSSL cipher list (letters, digits and - _ : + ! @ = . , only). Write it like ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:!aNULL."
        )
    }

    /// A DNS name or IP address, when set.
    static func optionalHost(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !text.isEmpty, !NetworkSyntax.isHost(text) else { return }
        check.fail("Must be a DNS name or IP address such as lb.example.com, but is '\(text)'.")
    }

    static func nonEmpty(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, text.trimmingBlanks().isEmpty else { return }
        check.fail("Must not be empty.")
    }

    static func optionalNonNegativeInteger(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !text.isEmpty else { return }
        guard let number = Int(text), number >= 0 else {
            return check.fail("Must be empty or a non-negative integer, but is '\(text)'.")
        }
    }

    static func bootstrapTmpDir(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue else { return }
        if text.isEmpty || text.hasPrefix("/") || text.split(separator: "/").contains("..") {
            check.fail(
                "Must be a directory name relative to / without '..', like tmp (the nodes use /<bootstrap_tmp_dir>)."
            )
        }
    }

    static func uniqueStrings(_ check: inout KeyCheck) {
        guard let items = check.value.listValue else { return }
        var seen: Set<String> = []
        for (index, item) in items.enumerated() where !seen.insert(item).inserted {
            check.fail("'\(item)' is listed more than once. Remove the duplicate.", item: index)
        }
    }

    static func mesosDNSIPSources(_ check: inout KeyCheck) {
        let known = ["host", "netinfo", "mesos", "docker", "autoip"]
        guard let items = check.value.listValue else { return }
        if items.isEmpty { check.fail("Must list at least one source: \(known.joined(separator: ", ")).") }
        for (index, item) in items.enumerated() where !known.contains(item) {
            check.fail("'\(item)' is not a Mesos-DNS IP source. Use \(known.joined(separator: ", ")).", item: index)
        }
        uniqueStrings(&check)
    }

    /// A Docker `config.json` document: `{"auths": {registry: {"auth": "base64(user:password)"}}}`.
    static func dockerCredentials(_ check: inout KeyCheck) {
        guard let json = check.value.jsonValue?.objectValue, !json.isEmpty else { return }
        guard let auths = json["auths"]?.objectValue else {
            return check.fail(
                "Must be a Docker config.json document with an `auths` mapping: auths → registry URL → {auth: base64 of user:password}."
            )
        }
        for registry in auths.keys.sorted() {
            guard let entry = auths[registry]?.objectValue else {
                check.fail("The entry for registry '\(registry)' under auths must be a mapping with an `auth` key.")
                continue
            }
            if entry["auth"] != nil && entry["auth"]?.stringValue == nil {
                check.fail("The `auth` of registry '\(registry)' must be a string (base64 of user:password).")
            }
        }
    }

    static func forwardZones(_ check: inout KeyCheck) {
        guard let zones = check.value.jsonValue?.objectValue else { return }
        for zone in zones.keys.sorted() {
            guard let servers = zones[zone]?.arrayValue else {
                check.fail("The zone '\(zone)' must map to a list of resolvers like [\"1.1.1.1:53\"].")
                continue
            }
            for server in servers {
                guard let text = server.stringValue else {
                    check.fail("The resolvers of zone '\(zone)' must be strings like \"1.1.1.1:53\".")
                    continue
                }
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                if !NetworkSyntax.isIPv4(String(parts[0])) {
                    check.fail("'\(parts[0])' in zone '\(zone)' is not a valid IPv4 address.")
                } else if parts.count == 2, !(Int(parts[1]).map { (1...65535).contains($0) } ?? false) {
                    check.fail("The port in '\(text)' (zone '\(zone)') must be between 1 and 65535.")
                } else if parts.count > 2 {
                    check.fail("'\(text)' in zone '\(zone)' must be ip or ip:port.")
                }
            }
        }
    }

    static func overlayNetwork(_ check: inout KeyCheck) {
        guard let config = check.value.jsonValue?.objectValue else { return }
        guard let overlays = config["overlays"]?.arrayValue, !overlays.isEmpty else {
            return check.fail("Must have a non-empty `overlays` list, each with a `name` and a `subnet` or `subnet6`.")
        }
        if config["vtep_mac_oui"]?.stringValue == nil {
            check.fail("Must have `vtep_mac_oui`, the MAC prefix of the VTEP interfaces (default 70:B3:D5:00:00:00).")
        }
        var names: Set<String> = []
        for (index, overlay) in overlays.enumerated() {
            guard let fields = overlay.objectValue else {
                check.fail("Overlay \(index + 1) must be a mapping with `name` and `subnet` or `subnet6`.")
                continue
            }
            guard let name = fields["name"]?.stringValue, !name.isEmpty else {
                check.fail("Overlay \(index + 1) has no `name`.")
                continue
            }
            if name.count > 13 {
                check.fail("The overlay name '\(name)' is longer than 13 characters (a Linux interface name limit).")
            }
            if !names.insert(name).inserted { check.fail("The overlay name '\(name)' is used twice.") }
            let subnet = fields["subnet"]?.stringValue
            let subnet6 = fields["subnet6"]?.stringValue
            if subnet == nil && subnet6 == nil { check.fail("The overlay '\(name)' needs a `subnet` or a `subnet6`.") }
            if let subnet {
                if !NetworkSyntax.isIPv4Network(subnet) {
                    check.fail("The subnet '\(subnet)' of overlay '\(name)' is not an IPv4 network like 9.0.0.0/8.")
                }
                if !(config["vtep_subnet"]?.stringValue.map(NetworkSyntax.isIPv4Network) ?? false) {
                    check.fail(
                        "The overlay '\(name)' has an IPv4 subnet, so `vtep_subnet` must be an IPv4 network like 44.128.0.0/20."
                    )
                }
            }
            if let subnet6 {
                if !NetworkSyntax.isIPv6Network(subnet6) {
                    check.fail("The subnet6 '\(subnet6)' of overlay '\(name)' is not an IPv6 network like fd01:b::/64.")
                }
                if !(config["vtep_subnet6"]?.stringValue.map(NetworkSyntax.isIPv6Network) ?? false) {
                    check.fail(
                        "The overlay '\(name)' has an IPv6 subnet6, so `vtep_subnet6` must be an IPv6 network like fd01:a::/64."
                    )
                }
            }
            if let enabled = fields["enabled"], case .bool = enabled {
            } else if fields["enabled"] != nil {
                check.fail("`enabled` of overlay '\(name)' must be true or false.")
            }
        }
    }

    /// `user@host:port`, `host:port` or `host` (IPv6 in brackets).
    static func bastion(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue, !text.isEmpty else { return }
        guard NetworkSyntax.parseHostPort(text.split(separator: "@").last.map(String.init) ?? "") != nil,
            text.split(separator: "@", omittingEmptySubsequences: false).count <= 2, !text.hasPrefix("@")
        else {
            return check.fail(
                "'\(text)' is not a jump host. Write user@host:port, like admin@203.0.113.5:22 (user and port are optional)."
            )
        }
    }

    static func environmentVariableName(_ check: inout KeyCheck) {
        guard let text = check.value.stringValue else { return }
        let valid =
            !text.isEmpty && !(text.first?.isNumber ?? true)
            && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
        if !valid {
            check.fail(
                "'\(text)' is not an environment variable name (letters, digits and _, not starting with a digit). Name the variable, never the secret itself."
            )
        }
    }

    /// host → "SHA256:base64" or a list of them.
    static func hostKeyFingerprints(_ check: inout KeyCheck) {
        guard let hosts = check.value.jsonValue?.objectValue else { return }
        for host in hosts.keys.sorted() {
            let values: [JSONValue] = hosts[host]!.arrayValue ?? [hosts[host]!]
            if values.isEmpty { check.fail("The host \(host) has an empty list of fingerprints.") }
            for value in values {
                guard let text = value.stringValue, text.hasPrefix("SHA256:"), text.count >= 7 + 43 else {
                    check.fail(
                        "The fingerprint of \(host) must be an OpenSSH SHA-256 fingerprint like SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 (ssh-keygen -lf prints it)."
                    )
                    continue
                }
            }
        }
    }

    /// host → {user, port, key_path}.
    static func hostOverrides(_ check: inout KeyCheck) {
        guard let hosts = check.value.jsonValue?.objectValue else { return }
        for host in hosts.keys.sorted() {
            guard let fields = hosts[host]!.objectValue else {
                check.fail("The override for \(host) must be a mapping with user, port and/or key_path.")
                continue
            }
            for key in fields.keys.sorted() where !["user", "port", "key_path"].contains(key) {
                check.fail("Unknown setting '\(key)' for \(host). Allowed: user, port, key_path.")
            }
            if let port = fields["port"] {
                let number: Int? =
                    switch port {
                    case .int(let value): value
                    case .string(let text): Int(text)
                    default: nil
                    }
                if !(number.map { (1...65535).contains($0) } ?? false) {
                    check.fail("The port for \(host) must be an integer between 1 and 65535.")
                }
            }
            if let user = fields["user"], user.stringValue?.isEmpty ?? true {
                check.fail("The user for \(host) must be a non-empty string.")
            }
            if let path = fields["key_path"], path.stringValue?.isEmpty ?? true {
                check.fail("The key_path for \(host) must be a non-empty path.")
            }
        }
    }

    /// The DC/OS check-runner schema for `check_config` and `custom_checks`.
    static func checkConfig(_ check: inout KeyCheck) {
        guard let config = check.value.jsonValue?.objectValue else { return }
        for key in config.keys.sorted() where key != "cluster_checks" && key != "node_checks" {
            check.fail("Unknown section '\(key)'. Only cluster_checks and node_checks are allowed.")
        }
        if let cluster = config["cluster_checks"] {
            guard let checks = cluster.objectValue else {
                return check.fail("cluster_checks must be a mapping of check names to checks.")
            }
            for name in checks.keys.sorted() {
                validateCheck(name, checks[name]!, allowRoles: false, section: "cluster_checks", into: &check)
            }
        }
        if let node = config["node_checks"] {
            guard let fields = node.objectValue else {
                return check.fail("node_checks must be a mapping with `checks` and `prestart`/`poststart`.")
            }
            let checks = fields["checks"]?.objectValue ?? [:]
            if fields["checks"] != nil && fields["checks"]?.objectValue == nil {
                check.fail("node_checks.checks must be a mapping of check names to checks.")
            }
            for name in checks.keys.sorted() {
                validateCheck(name, checks[name]!, allowRoles: true, section: "node_checks", into: &check)
            }
            for key in fields.keys.sorted() where !["checks", "prestart", "poststart"].contains(key) {
                check.fail("Unknown key '\(key)' in node_checks. Allowed: checks, prestart, poststart.")
            }
            guard fields["prestart"] != nil || fields["poststart"] != nil else {
                return check.fail("At least one of prestart or poststart must be defined in node_checks.")
            }
            var referenced: Set<String> = []
            for phase in ["prestart", "poststart"] {
                guard let list = fields[phase] else { continue }
                guard let names = list.arrayValue?.compactMap(\.stringValue), names.count == list.arrayValue?.count
                else {
                    check.fail("node_checks.\(phase) must be a list of check names.")
                    continue
                }
                for name in names where checks[name] == nil {
                    check.fail("node_checks.\(phase) names '\(name)', which is not defined in node_checks.checks.")
                }
                referenced.formUnion(names)
            }
            let unreferenced = Set(checks.keys).subtracting(referenced).sorted()
            if !unreferenced.isEmpty {
                check.fail(
                    "All node checks must be referenced in either prestart or poststart, or both; not referenced: \(unreferenced.joined(separator: ", "))."
                )
            }
        }
    }

    private static func validateCheck(
        _ name: String,
        _ value: JSONValue,
        allowRoles: Bool,
        section: String,
        into check: inout KeyCheck
    ) {
        if name.isEmpty || name.contains(where: \.isWhitespace) {
            check.fail("Check name '\(name)' in \(section) must be a nonzero length string with no whitespace.")
        }
        guard let fields = value.objectValue else {
            return check.fail("Check '\(name)' in \(section) must be a mapping with description, cmd and timeout.")
        }
        if fields["description"]?.stringValue == nil {
            check.fail("Check '\(name)' in \(section) needs a `description` string.")
        }
        if let cmd = fields["cmd"]?.arrayValue, !cmd.isEmpty, cmd.allSatisfy({ $0.stringValue != nil }) {
        } else {
            check.fail("Check '\(name)' in \(section) needs `cmd`, a non-empty list of strings.")
        }
        if let timeout = fields["timeout"]?.stringValue, isCheckTimeout(timeout) {
        } else {
            check.fail(
                "Check '\(name)' in \(section): timeout must be a string containing an integer or float followed by a unit: ns, us, µs, ms, s, m, h."
            )
        }
        if let roles = fields["roles"] {
            let valid =
                allowRoles
                && (roles.arrayValue.map {
                    !$0.isEmpty && $0.allSatisfy { ["master", "agent"].contains($0.stringValue ?? "") }
                } ?? false)
            if !valid {
                check.fail("Check '\(name)' in \(section): roles must be a list containing master or agent or both.")
            }
        }
        for key in fields.keys.sorted() where !["description", "cmd", "timeout", "roles"].contains(key) {
            check.fail("Check '\(name)' in \(section) has an unknown key '\(key)'.")
        }
    }

    private static func isCheckTimeout(_ text: String) -> Bool {
        let units = ["ns", "us", "µs", "ms", "s", "m", "h"]
        guard let unit = units.sorted(by: { $0.count > $1.count }).first(where: { text.hasSuffix($0) }) else {
            return false
        }
        let number = text.dropLast(unit.count)
        return !number.isEmpty && Double(number) != nil
    }
}
