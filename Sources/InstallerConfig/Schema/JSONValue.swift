/// A JSON value with a deterministic encoding: object keys sorted byte-wise, no insignificant spaces.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    /// Compact JSON; with `pretty`, two-space indentation. Keys are always sorted.
    public func encoded(pretty: Bool = false) -> String {
        var out = ""
        encode(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func encode(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value):
            if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
                out += String(Int(value))
            } else if value.isFinite {
                out += String(value)
            } else {
                out += "null"
            }
        case .string(let value): Self.encodeString(value, into: &out)
        case .array(let values):
            if values.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                value.encode(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                Self.encodeString(key, into: &out)
                out += pretty ? ": " : ":"
                members[key]!.encode(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    static func encodeString(_ value: String, into out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue {
    /// Converts a YAML value to JSON. Unquoted YAML scalars keep their YAML type.
    init(yaml: YAMLValue) {
        switch yaml {
        case .scalar(let scalar):
            switch scalar.kind {
            case .string: self = .string(scalar.text)
            case .int(let value): self = .int(value)
            case .float(let value): self = .double(value)
            case .bool(let value): self = .bool(value)
            case .null: self = .null
            }
        case .sequence(let items, _): self = .array(items.map(JSONValue.init(yaml:)))
        case .mapping(let pairs, _):
            var members: [String: JSONValue] = [:]
            // A repeated key: the first one counts, as at the top level (see DuplicateKey).
            for pair in pairs where members[pair.key] == nil { members[pair.key] = JSONValue(yaml: pair.value) }
            self = .object(members)
        }
    }
}

extension JSONValue {
    /// What one JSON text may hold. Every reader of JSON names its own limits (a static constant next to it),
    /// so no text it is given makes the parser recurse without bound or build a huge value.
    public struct ParseLimits: Sendable, Hashable {
        /// The longest text, in bytes.
        public var maximumBytes: Int
        /// How deep arrays and objects may nest.
        public var maximumDepth: Int
        /// The longest string (key or value), in bytes as written.
        public var maximumStringBytes: Int
        /// Items of one array, or members of one object.
        public var maximumItems: Int

        public init(maximumBytes: Int, maximumDepth: Int, maximumStringBytes: Int, maximumItems: Int) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
            self.maximumStringBytes = maximumStringBytes
            self.maximumItems = maximumItems
        }

        /// A config value written as JSON (`master_list: '["10.0.0.1"]'`): it is a YAML scalar, so at most
        /// `ConfigLimits.maximumScalarBytes`; nested at most `ConfigLimits.maximumDepth` levels.
        public static let configValue = ParseLimits(
            maximumBytes: ConfigLimits.maximumScalarBytes,
            maximumDepth: ConfigLimits.maximumDepth,
            maximumStringBytes: ConfigLimits.maximumScalarBytes,
            maximumItems: ConfigLimits.maximumCollectionItems
        )
    }

    /// Parses JSON text (RFC 8259) within `limits`; nil when it is not JSON or exceeds them.
    public static func parse(_ text: String, limits: ParseLimits = .configValue) -> JSONValue? {
        try? JSONParser.parse(text, limits: limits)
    }

    /// The integer of `.int`, or of a whole `.double`.
    public var intValue: Int? {
        switch self {
        case .int(let value): value
        case .double(let value) where value == value.rounded() && abs(value) < 1e15: Int(value)
        default: nil
        }
    }

    /// The value of `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}
