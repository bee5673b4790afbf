/// The syntax of a rendered file, which decides how every `{{name}}` in its template is escaped.
///
/// Each file in templates/manifest.yaml names its context (`context:`); units are always `unit`, and the
/// node installer (dcos_install.sh.mustache) is `shell`. The rules, also documented at the top of
/// manifest.yaml:
///
/// - `shell`: every `{{name}}` must sit inside a single-quoted string that opens and closes on its line
///   (not in a comment, a double-quoted string or a heredoc); `'` in a value becomes `'\''`.
/// - `json`: inside a JSON string a value is string-escaped; outside one it is emitted as a whole JSON
///   value (a boolean or a JSON number as it is, any other text as a JSON string). `{{{name}}}` emits
///   installer-encoded JSON as it is (names ending in `_json`, and ``TemplateContext/encodedJSONNames``).
/// - `env` (a systemd EnvironmentFile): values only after `KEY=` or in a comment line; `\`, `'`, `"` and
///   a leading or trailing space are backslash-escaped; control characters are refused.
/// - `unit` (a systemd unit file): values only in `Description=`, not at the end of the line; `%`
///   becomes `%%`; control characters are refused.
/// - `nginx`: control characters and `; { } " ' \ $ #` are refused (nginx cannot escape `$`).
/// - `text` (line-oriented files): nothing is escaped; control characters are refused.
/// - `script`: the whole file is one value, byte for byte (the operator's ip-detect script).
public enum TemplateContext: String, Sendable, CaseIterable {
    case shell
    case json
    case env
    case unit
    case nginx
    case text
    case script

    /// Derived values that hold whole JSON documents encoded by the installer, besides `*_json`.
    static let encodedJSONNames: Set<String> = ["check_config_contents", "rexray_config_contents"]

    static func isEncodedJSON(_ name: String) -> Bool {
        name.hasSuffix("_json") || encodedJSONNames.contains(name)
    }

    /// The context a file gets when manifest.yaml names none: executable or `.sh` → shell, `.json` →
    /// json, anything else → text.
    static func defaultContext(path: String, mode: UInt16) -> TemplateContext {
        if mode & 0o111 != 0 || path.hasSuffix(".sh") { return .shell }
        if path.hasSuffix(".json") { return .json }
        return .text
    }
}

/// How one variable's value is written, decided from where it stands in its template.
enum Escape: Sendable {
    case shellSingleQuoted
    case jsonString
    case jsonValue
    case env
    case unit
    case nginx
    case text
    /// As it is: installer-encoded JSON, or a `script` file.
    case verbatim
}

// MARK: - Escaping

extension Escape {
    /// Appends `value` escaped; returns a reason when the value cannot be written in this context.
    func append(_ value: String, to out: inout String) -> String? {
        switch self {
        case .verbatim:
            out += value
        case .shellSingleQuoted:
            if value.utf8.contains(0) { return "contains a NUL byte, which a shell variable cannot hold" }
            Self.replacing(value, into: &out) { $0 == UInt8(ascii: "'") ? Array("'\\''".utf8) : nil }
        case .jsonString:
            Self.appendJSONString(value, to: &out)
        case .jsonValue:
            if Self.isJSONNumber(value) {
                out += value
            } else {
                out += "\""
                Self.appendJSONString(value, to: &out)
                out += "\""
            }
        case .env:
            if let problem = Self.controlCharacterProblem(value) { return problem }
            let bytes = value.utf8
            let last = bytes.count - 1
            var index = 0
            Self.replacing(value, into: &out) { byte in
                defer { index += 1 }
                switch byte {
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): return [UInt8(ascii: "\\"), byte]
                case UInt8(ascii: " ") where index == 0 || index == last: return [UInt8(ascii: "\\"), byte]
                default: return nil
                }
            }
        case .unit:
            if let problem = Self.controlCharacterProblem(value) { return problem }
            Self.replacing(value, into: &out) {
                $0 == UInt8(ascii: "%") ? [UInt8(ascii: "%"), UInt8(ascii: "%")] : nil
            }
        case .nginx:
            if let problem = Self.controlCharacterProblem(value) { return problem }
            if let byte = value.utf8.first(where: { Self.nginxSpecial.contains($0) }) {
                return
                    "contains '\(Character(Unicode.Scalar(byte)))', which nginx would read as syntax (nginx files refuse ; { } \" ' \\ $ #)"
            }
            out += value
        case .text:
            if let problem = Self.controlCharacterProblem(value) { return problem }
            out += value
        }
        return nil
    }

    private static let nginxSpecial: Set<UInt8> = Set(";{}\"'\\$#".utf8)

    /// Control characters (below U+0020, U+007F, U+2028, U+2029) would start a new line or assignment.
    static func controlCharacterProblem(_ value: String) -> String? {
        for scalar in value.unicodeScalars
        where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
            let name =
                scalar == "\n"
                ? "a newline" : scalar == "\t" ? "a tab" : "the control character U+\(hex4(scalar.value))"
            return "contains \(name), which would start a new line or setting"
        }
        return nil
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Copies `value` to `out`, replacing the bytes `replacement` returns a substitute for. Values without
    /// such bytes (the common case) are appended in one piece.
    private static func replacing(_ value: String, into out: inout String, _ replacement: (UInt8) -> [UInt8]?) {
        var bytes: [UInt8] = []
        var changed = false
        for (offset, byte) in value.utf8.enumerated() {
            if let substitute = replacement(byte) {
                if !changed {
                    bytes.reserveCapacity(value.utf8.count + 16)
                    bytes.append(contentsOf: value.utf8.prefix(offset))
                    changed = true
                }
                bytes.append(contentsOf: substitute)
            } else if changed {
                bytes.append(byte)
            }
        }
        out += changed ? String(decoding: bytes, as: UTF8.self) : value
    }

    static func appendJSONString(_ value: String, to out: inout String) {
        replacing(value, into: &out) { byte in
            switch byte {
            case UInt8(ascii: "\""): Array("\\\"".utf8)
            case UInt8(ascii: "\\"): Array("\\\\".utf8)
            case 0x0A: Array("\\n".utf8)
            case 0x0D: Array("\\r".utf8)
            case 0x09: Array("\\t".utf8)
            case 0x08: Array("\\b".utf8)
            case 0x0C: Array("\\f".utf8)
            case ..<0x20: Array("\\u\(hex4(UInt32(byte)))".utf8)
            default: nil
            }
        }
    }

    /// The JSON number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            if digits() == 0 { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            if digits() == 0 { return false }
        }
        return index == bytes.count
    }
}
