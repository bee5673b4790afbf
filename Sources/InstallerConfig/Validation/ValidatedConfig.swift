/// A configuration that passed validation: every applicable key of the checked stages with its value
/// (the user's or the default), and the contents of the files it names.
public struct ValidatedConfig: Sendable {
    public let stage: ConfigStage
    /// Every applicable key, user-written or defaulted.
    public let values: [String: ConfigValue]
    /// The keys the user wrote.
    public let userKeys: Set<String>
    /// Text of the ip-detect script (`ip_detect_filename`).
    public let ipDetectContents: String
    /// Text of the public ip-detect script (defaults to `ipDetectContents`).
    public let ipDetectPublicContents: String
    /// Absolute path of the directory that holds genconf/ (relative paths resolve here).
    public let baseDirectory: String

    public subscript(key: String) -> ConfigValue? { values[key] }

    public func string(_ key: String) -> String { values[key]?.text ?? "" }
    public func bool(_ key: String) -> Bool { values[key]?.boolValue ?? false }
    public func int(_ key: String) -> Int { values[key]?.intValue ?? Int(string(key)) ?? 0 }
    public func list(_ key: String) -> [String] { values[key]?.listValue ?? [] }
    public func json(_ key: String) -> JSONValue { values[key]?.jsonValue ?? .null }

    /// Names of the keys whose values must never be logged or printed.
    public static let secretKeys: Set<String> = Set(ConfigSchema.keys.filter(\.isSecret).map(\.name))
}

/// The outcome of validating a document.
public struct ValidationResult: Sendable {
    /// Errors and warnings, sorted by position in the file.
    public let diagnostics: [Diagnostic]
    /// Present only when there are no errors.
    public let config: ValidatedConfig?

    public var isValid: Bool { config != nil }
}
