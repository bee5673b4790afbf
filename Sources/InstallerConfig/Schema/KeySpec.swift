/// When a key is validated. `--genconf` checks the genconf stage; `--validate-config` and the SSH actions
/// check both, as in DC/OS.
public enum ConfigStage: String, Sendable, Hashable, CaseIterable {
    case genconf
    case ssh

    /// The stages checked when running in this one.
    var includedStages: Set<ConfigStage> {
        switch self {
        case .genconf: [.genconf]
        case .ssh: [.genconf, .ssh]
        }
    }
}

/// The shape a key's value must have.
public enum ValueKind: Sendable {
    /// Any scalar, kept as text (numbers and booleans as written).
    case string
    /// `true` or `false` (YAML booleans, or the strings "true"/"false").
    case bool
    /// An integer in a range (YAML integer or a string of digits).
    case int(min: Int, max: Int?)
    /// One of a fixed set of words.
    case oneOf([String])
    /// A list of strings (YAML list, or a JSON list in a string as DC/OS accepted).
    case stringList
    /// A list of IPv4 addresses without duplicates.
    case ipv4List
    /// A mapping or list (YAML, or JSON in a string), kept as JSON.
    case json(JSONShape)
    /// A Mesos duration such as `24hrs`, `20secs`, `1.5days`.
    case duration
    /// An absolute filesystem path on the nodes.
    case absolutePath
    /// A path on the bootstrap machine; relative paths resolve against the directory holding genconf/.
    case localPath
    /// A URL.
    case url
    /// A count (integer ≥ `min`) or a percentage `N%` (0–100) of something counted at run time.
    case countOrPercent(min: Int)

    public enum JSONShape: Sendable {
        case object
        case array
    }

    /// A phrase for documentation: "true/false", "integer 1–65535", ...
    public var documentation: String {
        switch self {
        case .string: "string"
        case .bool: "true/false"
        case .int(let min, let max?): "integer \(min)–\(max)"
        case .int(let min, nil): "integer ≥ \(min)"
        case .oneOf(let words): words.map { $0.isEmpty ? "''" : "`\($0)`" }.joined(separator: " \\| ")
        case .stringList: "list of strings"
        case .ipv4List: "list of IPv4 addresses"
        case .json(.object): "mapping"
        case .json(.array): "list"
        case .duration: "duration (e.g. `20secs`)"
        case .absolutePath: "absolute path"
        case .localPath: "file path"
        case .url: "URL"
        case .countOrPercent(let min): "integer ≥ \(min), or percentage `N%`"
        }
    }
}

/// Everything the installer knows about one config.yaml key.
public struct KeySpec: Sendable {
    public let name: String
    public let kind: ValueKind
    /// `nil`: no default; the key is required when it applies (see `appliesWhen`) unless `optional`.
    public let defaultValue: ConfigValue?
    public let stage: ConfigStage
    public let section: String
    public let summary: String
    public let isSecret: Bool
    /// The key only matters when another key has one of these values (e.g. `exhibitor_zk_hosts` only with
    /// `exhibitor_storage_backend: zookeeper`). Outside that, a value written is ignored with a warning.
    public let appliesWhen: Condition?
    /// Without a default: may the key be left out?
    public let isOptional: Bool
    let check: (@Sendable (inout KeyCheck) -> Void)?

    init(
        _ name: String,
        _ kind: ValueKind,
        default defaultValue: ConfigValue?,
        stage: ConfigStage = .genconf,
        section: String,
        secret: Bool = false,
        when appliesWhen: Condition? = nil,
        optional: Bool = false,
        _ summary: String,
        check: (@Sendable (inout KeyCheck) -> Void)? = nil
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.stage = stage
        self.section = section
        self.summary = summary
        self.isSecret = secret
        self.appliesWhen = appliesWhen
        self.isOptional = optional
        self.check = check
    }

    public var isRequired: Bool { defaultValue == nil && !isOptional }
}

/// `key` has one of `values` (compared as DC/OS text).
public struct Condition: Sendable, CustomStringConvertible {
    public let key: String
    public let values: [String]

    public init(_ key: String, _ values: String...) {
        self.key = key
        self.values = values
    }

    public var description: String {
        values.count == 1 ? "\(key) is \(values[0])" : "\(key) is one of \(values.joined(separator: ", "))"
    }
}

/// What a per-key check sees: the value, the YAML it came from (for item positions), and a way to fail.
public struct KeyCheck {
    public let key: String
    public let value: ConfigValue
    let yaml: YAMLValue?
    let fallbackLocation: SourceLocation?
    var problems: [Diagnostic] = []

    /// Reports a problem with the whole value, or with item `item` of a list.
    mutating func fail(_ message: String, item: Int? = nil) {
        problems.append(.error(key, at: location(item: item), message))
    }

    mutating func warn(_ message: String, item: Int? = nil) {
        problems.append(.warning(key, at: location(item: item), message))
    }

    func location(item: Int?) -> SourceLocation? {
        if let item, case .sequence(let items, _)? = yaml, item < items.count { return items[item].location }
        return yaml?.location ?? fallbackLocation
    }
}
