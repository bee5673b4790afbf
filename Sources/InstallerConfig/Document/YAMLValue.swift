/// A YAML value as written by the user, with its position. Scalars keep their text and how YAML 1.1
/// (the dialect DC/OS used through PyYAML) would type an unquoted one.
public indirect enum YAMLValue: Sendable, Hashable {
    case scalar(YAMLScalar)
    case sequence([YAMLValue], SourceLocation)
    case mapping([YAMLPair], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(let scalar): scalar.location
        case .sequence(_, let location), .mapping(_, let location): location
        }
    }

    /// A short name of the value's kind for messages: "a list", "a mapping", "the integer 3", ...
    public var kindDescription: String {
        switch self {
        case .scalar(let scalar): scalar.kindDescription
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

public struct YAMLPair: Sendable, Hashable {
    public var key: String
    public var keyLocation: SourceLocation
    public var value: YAMLValue
}

public struct YAMLScalar: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case string
        case int(Int)
        case float(Double)
        case bool(Bool)
        case null
    }

    public var text: String
    public var kind: Kind
    public var location: SourceLocation

    public init(text: String, kind: Kind, location: SourceLocation) {
        self.text = text
        self.kind = kind
        self.location = location
    }

    /// Types an unquoted scalar the way YAML 1.1 does (true/yes/on, ints, floats, ~/null/empty).
    public init(plain text: String, location: SourceLocation) {
        self.text = text
        self.location = location
        self.kind = Self.classify(text)
    }

    public var kindDescription: String {
        switch kind {
        case .string: "the text '\(text)'"
        case .int: "the integer \(text)"
        case .float: "the number \(text)"
        case .bool: "the boolean \(text)"
        case .null: "no value"
        }
    }

    static func classify(_ text: String) -> Kind {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        default: break
        }
        guard let first = text.utf8.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return .string }
        if let value = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return .int(value) }
        let digits = String(text.filter { $0 != "_" })
        if digits.hasPrefix("0x") || digits.hasPrefix("-0x") {
            let negative = digits.hasPrefix("-")
            if let value = Int(digits.dropFirst(negative ? 3 : 2), radix: 16) { return .int(negative ? -value : value) }
        }
        if isFloat(digits), let value = Double(digits) { return .float(value) }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "-.inf", ".nan", ".NaN", ".NAN": return .float(Double(text) ?? .nan)
        default: return .string
        }
    }

    private static func isFloat(_ text: String) -> Bool {
        var sawDigit = false
        var sawDot = false
        var sawExponent = false
        var previous: Character = " "
        for (index, character) in text.enumerated() {
            switch character {
            case "0"..."9": sawDigit = true
            case "+", "-": if index != 0 && previous != "e" && previous != "E" { return false }
            case ".": if sawDot || sawExponent { return false } else { sawDot = true }
            case "e", "E": if sawExponent || !sawDigit { return false } else { sawExponent = true }
            default: return false
            }
            previous = character
        }
        return sawDigit && (sawDot || sawExponent)
    }
}

extension YAMLValue {
    /// The value as JSON, typed as YAML 1.1 types it (an unquoted `3` is a number, a quoted one text);
    /// a mapping's repeated key keeps its last value.
    public var json: JSONValue {
        switch self {
        case .scalar(let scalar):
            switch scalar.kind {
            case .string: .string(scalar.text)
            case .int(let value): .int(value)
            case .float(let value): value.isFinite ? .double(value) : .string(scalar.text)
            case .bool(let value): .bool(value)
            case .null: .null
            }
        case .sequence(let items, _): .array(items.map(\.json))
        case .mapping(let pairs, _):
            .object(Dictionary(pairs.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
