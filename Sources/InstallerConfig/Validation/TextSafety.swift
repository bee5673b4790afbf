/// What text a key's value may hold. Values are written into shell scripts, JSON, systemd units and
/// environment files on every node, so no value may hold a control character (one could end a line and
/// start a command or a setting there), and URLs, host names, addresses, node paths and names may not
/// hold whitespace either.
public enum TextRule: Sendable {
    /// Not text (booleans, integers, fixed words, JSON documents: those are encoded where they are written).
    case notText
    /// Any single-line text: spaces allowed, control characters not.
    case singleLine
    /// No whitespace and no control characters: URLs, hosts and addresses, node paths, names.
    case noWhitespace
    /// A comma-separated list of hosts: no whitespace except spaces after a comma, no control characters.
    case commaList

    /// The sentence the key's help (README's key table, `--list-keys`) ends with.
    public var documentation: String? {
        switch self {
        case .noWhitespace: "No spaces or control characters."
        case .commaList: "No control characters; spaces only after commas."
        case .notText, .singleLine: nil
        }
    }
}

extension KeySpec {
    /// Text keys that may hold spaces (free text, option strings, secrets, files on the bootstrap machine).
    static let spacesAllowed: Set<String> = [
        "cluster_name", "dns_search", "extra_ssh_options", "marathon_java_args", "weights",
        "exhibitor_admin_password", "aws_secret_access_key", "exhibitor_azure_account_key",
        "superuser_password_hash", "customer_key", "license_key_contents", "ui_banner_header_content",
        "ui_banner_footer_content", "ui_banner_image_path",
    ]

    public var textRule: TextRule {
        switch kind {
        case .bool, .int, .oneOf, .json, .duration, .countOrPercent: .notText
        case .url, .ipv4List, .absolutePath: .noWhitespace
        case .localPath: .singleLine
        case .string, .stringList:
            Self.spacesAllowed.contains(name) ? .singleLine : name == "exhibitor_zk_hosts" ? .commaList : .noWhitespace
        }
    }

    /// The summary, with what text the value may hold.
    public var help: String {
        textRule.documentation.map { summary + " " + $0 } ?? summary
    }
}

enum TextSafety {
    /// Fails a text value (or list item) that holds a character its rule refuses. Secret values are not
    /// shown; only the kind of character and where it is.
    static func check(_ spec: KeySpec, _ check: inout KeyCheck) {
        let rule = spec.textRule
        guard rule != .notText else { return }
        switch check.value {
        case .string(let text):
            if let problem = problem(in: text, rule: rule, kind: spec.kind) { check.fail(problem) }
        case .list(let items):
            for (index, item) in items.enumerated() {
                if let problem = problem(in: item, rule: rule, kind: spec.kind) {
                    check.fail("Item \(index + 1): " + problem, item: index)
                }
            }
        default:
            break
        }
    }

    static func problem(in text: String, rule: TextRule, kind: ValueKind) -> String? {
        var previous: Unicode.Scalar = "a"
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            defer { previous = scalar }
            let position = "at character \(offset + 1)"
            if let name = controlName(scalar) {
                return
                    "Must not contain \(name) (\(position)): values are written into scripts, units and configuration files on every node, where it would start a new line or command. Write the value on one line without control characters (in YAML, a quoted \"\\n\" or a block scalar puts one there)."
            }
            let allowedSpace = rule == .commaList && scalar == " " && (previous == "," || previous == " ")
            if rule == .noWhitespace || rule == .commaList, scalar.properties.isWhitespace, !allowedSpace {
                let what: String
                switch kind {
                case .url: what = "a URL has no whitespace; write a space in a URL as %20"
                case .absolutePath: what = "node paths may not contain whitespace; choose a path without spaces"
                case .ipv4List: what = "write one address per item"
                default: what = "this value is a host, address, path or name; remove the whitespace"
                }
                return
                    "Must not contain whitespace (\(scalar == " " ? "a space" : "U+\(hex(scalar.value))") \(position)): \(what)."
            }
        }
        return nil
    }

    /// A name for a character below U+0020, U+007F, or a Unicode line or paragraph separator.
    static func controlName(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x0A: "a newline"
        case 0x0D: "a carriage return"
        case 0x09: "a tab"
        case 0x2028: "a Unicode line separator (U+2028)"
        case 0x2029: "a Unicode paragraph separator (U+2029)"
        case 0x00..<0x20, 0x7F: "the control character U+\(hex(scalar.value))"
        default: nil
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
