/// A config.yaml key that code reads, with the Swift type of its value.
///
/// Keys are declared once, in `ConfigKeys`, and read through `ValidatedConfig`'s dynamic members
/// (`config.postflightTimeout` is an `Int`). A misspelt key does not compile, and a test checks every
/// declared key against `ConfigSchema.keys`: the name exists and the schema's kind holds `Value`.
public struct ConfigKey<Value: ConfigValueConvertible>: Sendable, Hashable, CustomStringConvertible {
    /// The key's name in config.yaml and in `ConfigSchema.keys`.
    public let name: String

    init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}

/// A Swift type a config key's value is read as.
public protocol ConfigValueConvertible: Sendable {
    /// The value `value` holds as this type; nil when it holds another type.
    init?(configValue value: ConfigValue)
    /// What a key reads as when the validated configuration has no value for it (the key does not apply in
    /// the stage checked, or only under a condition that does not hold).
    static var absentValue: Self { get }
    /// Whether the schema's `kind` validates values to this type.
    static func isHeld(by kind: ValueKind) -> Bool
}

extension String: ConfigValueConvertible {
    /// Any value, as DC/OS text (see `ConfigValue.text`).
    public init(configValue value: ConfigValue) { self = value.text }
    public static var absentValue: String { "" }
    public static func isHeld(by kind: ValueKind) -> Bool {
        switch kind {
        case .string, .oneOf, .duration, .absolutePath, .localPath, .url: true
        case .bool, .int, .stringList, .ipv4List, .json, .countOrPercent: false
        }
    }
}

extension Bool: ConfigValueConvertible {
    public init?(configValue value: ConfigValue) {
        guard let flag = value.boolValue else { return nil }
        self = flag
    }
    public static var absentValue: Bool { false }
    public static func isHeld(by kind: ValueKind) -> Bool {
        if case .bool = kind { return true }
        return false
    }
}

extension Int: ConfigValueConvertible {
    /// An integer, or text that is one.
    public init?(configValue value: ConfigValue) {
        guard let number = value.intValue ?? Int(value.text) else { return nil }
        self = number
    }
    public static var absentValue: Int { 0 }
    public static func isHeld(by kind: ValueKind) -> Bool {
        if case .int = kind { return true }
        return false
    }
}

extension Array: ConfigValueConvertible where Element == String {
    public init?(configValue value: ConfigValue) {
        guard let items = value.listValue else { return nil }
        self = items
    }
    public static var absentValue: [String] { [] }
    public static func isHeld(by kind: ValueKind) -> Bool {
        switch kind {
        case .stringList, .ipv4List: true
        default: false
        }
    }
}

extension JSONValue: ConfigValueConvertible {
    public init?(configValue value: ConfigValue) {
        guard let json = value.jsonValue else { return nil }
        self = json
    }
    public static var absentValue: JSONValue { .null }
    public static func isHeld(by kind: ValueKind) -> Bool {
        if case .json = kind { return true }
        return false
    }
}

extension CountOrPercent: ConfigValueConvertible {
    public init?(configValue value: ConfigValue) {
        self.init(value.text)
    }
    /// Not used by the keys declared: they read as `CountOrPercent?`, and the caller picks the fallback.
    public static var absentValue: CountOrPercent { .count(0) }
    public static func isHeld(by kind: ValueKind) -> Bool {
        if case .countOrPercent = kind { return true }
        return false
    }
}

/// A value that may be absent: `nil` when the configuration has no value for the key, or one of another type.
extension Optional: ConfigValueConvertible where Wrapped: ConfigValueConvertible {
    public init?(configValue value: ConfigValue) {
        guard let wrapped = Wrapped(configValue: value) else { return nil }
        self = .some(wrapped)
    }
    public static var absentValue: Wrapped? { nil }
    public static func isHeld(by kind: ValueKind) -> Bool { Wrapped.isHeld(by: kind) }
}
