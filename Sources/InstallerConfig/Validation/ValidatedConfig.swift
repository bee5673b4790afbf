/// A configuration that passed validation: every applicable key of the checked stages with its value
/// (the user's or the default), and the contents of the files it names.
///
/// Code reads a key through the typed member of the same name in `ConfigKeys`: `config.postflightTimeout` is
/// an `Int`, `config.clusterName` a `String`. A key with no value (it does not apply in the stage checked, or
/// only under a condition that does not hold) reads as the type's `absentValue`: "", 0, false, [], JSON null,
/// or nil for an optional. `values` holds every key by name, for code that walks all of them.
@dynamicMemberLookup
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

    /// The value of the key named `key`, as validated; nil when it has none.
    public subscript(key: String) -> ConfigValue? { values[key] }

    /// The value of a declared key, typed: `config.sshPort`, `config.masterList`.
    public subscript<Value>(dynamicMember member: KeyPath<ConfigKeys, ConfigKey<Value>>) -> Value {
        self[ConfigKeys.catalogue[keyPath: member]]
    }

    /// The value of `key` as its type, or the type's `absentValue` when the configuration has none.
    subscript<Value>(key: ConfigKey<Value>) -> Value {
        values[key.name].flatMap { Value(configValue: $0) } ?? Value.absentValue
    }

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

    public init(diagnostics: [Diagnostic], config: ValidatedConfig?) {
        self.diagnostics = diagnostics
        self.config = config
    }
}
