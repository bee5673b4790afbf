/// A validated configuration value.
public enum ConfigValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case list([String])
    case json(JSONValue)

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    public var listValue: [String]? {
        if case .list(let value) = self { return value }
        return nil
    }

    public var jsonValue: JSONValue? {
        if case .json(let value) = self { return value }
        return nil
    }

    /// The value as DC/OS would have stringified it: lists and mappings as compact JSON,
    /// booleans as `true`/`false`.
    public var text: String {
        switch self {
        case .string(let value): value
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .list(let values): JSONValue.array(values.map(JSONValue.string)).encoded()
        case .json(let value): value.encoded()
        }
    }
}
