/// OpenSSH `-o Key=Value` options (DC/OS's `extra_ssh_options`) mapped onto a target.
///
/// Only options this driver can honour are accepted; anything else is an error naming the option, so a
/// setting is never silently ignored.
public enum ExtraSSHOptions {
    /// Options that are accepted (case-insensitive), for documentation and error messages.
    public static let supported = [
        "ConnectTimeout", "ServerAliveInterval", "StrictHostKeyChecking", "UserKnownHostsFile", "IdentityFile",
        "Port", "User", "ProxyJump", "HashKnownHosts", "BatchMode", "PasswordAuthentication", "LogLevel",
    ]

    /// Applies `options` (`["-o", "Key=Value", "-oKey=Value", "Key Value", …]`) to `target`.
    /// - Throws: ``SSHError`` with code `configuration` for an unknown, unsupported or malformed option.
    public static func apply(_ options: [String], to target: inout SSHTarget) throws(SSHError) {
        var pending = options[...]
        while let item = pending.popFirst() {
            var text = item
            if text == "-o" {
                guard let next = pending.popFirst() else { throw error(target, "'-o' needs a Key=Value after it") }
                text = next
            } else if text.hasPrefix("-o") {
                text = String(text.dropFirst(2))
            } else if text.hasPrefix("-") {
                throw error(target, "the ssh flag '\(text)' is not supported; use -o Key=Value")
            }
            let separator = text.firstIndex { $0 == "=" || $0 == " " }
            guard let separator else { throw error(target, "'\(text)' is not Key=Value") }
            let key = text[..<separator].lowercased()
            let value = String(text[text.index(after: separator)...]).trimmingSpaces
            try apply(key: key, value: value, original: text, to: &target)
        }
    }

    private static func apply(key: String, value: String, original: String, to target: inout SSHTarget) throws(SSHError)
    {
        func seconds() throws(SSHError) -> Duration {
            guard let n = Int(value), n > 0 else {
                throw error(target, "'\(original)' needs a positive number of seconds")
            }
            return .seconds(n)
        }
        switch key {
        case "connecttimeout":
            target.timeouts.connect = try seconds()
        case "serveraliveinterval":
            target.timeouts.keepalive = value == "0" ? nil : try seconds()
        case "stricthostkeychecking":
            switch value.lowercased() {
            case "yes": target.hostKeyPolicy = .strict
            case "accept-new": target.hostKeyPolicy = .acceptNew
            default:
                throw error(
                    target,
                    "'\(original)' is refused: host keys are always verified (use ssh_known_hosts_policy: strict, accept-new or pinned)"
                )
            }
        case "userknownhostsfile":
            guard value != "/dev/null" else {
                throw error(target, "'\(original)' is refused: it would disable host-key checking")
            }
            target.knownHostsFile = value
        case "identityfile":
            target.authentication = .privateKey(path: value, passphrase: nil)
        case "port":
            guard let port = Int(value), (1...65535).contains(port) else {
                throw error(target, "'\(original)' is not a port")
            }
            target.port = port
        case "user":
            target.user = value
        case "proxyjump":
            guard let bastion = SSHBastion.parse(value, defaultUser: target.user, authentication: target.authentication)
            else {
                throw error(target, "'\(original)' is not user@host:port")
            }
            target.bastion = bastion
        case "hashknownhosts":
            target.hashKnownHostsEntries = value.lowercased() == "yes"
        case "batchmode", "passwordauthentication", "loglevel":
            break  // always non-interactive, never passwords, logging is ours: accepted and harmless
        default:
            throw error(
                target,
                "the ssh option '\(original)' is not supported by the libssh2 driver (supported: \(supported.joined(separator: ", ")))"
            )
        }
    }

    private static func error(_ target: SSHTarget, _ message: String) -> SSHError {
        SSHError(.configuration, host: target.label, "extra_ssh_options: " + message)
    }
}
