/// A position in a source file, 1-based, as YAML parsers and compilers report it.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// One problem found in the configuration: always attached to the top-level key the user wrote
/// (or must write), with the position of the offending value when there is one.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    /// The top-level key of config.yaml to edit. `nil` only for problems with the file as a whole.
    public var key: String?
    /// Where the problem is. `nil` when the key is missing from the file.
    public var location: SourceLocation?
    /// A complete sentence that says what is wrong and how to fix it. Never contains a secret value.
    public var message: String

    public init(_ severity: Severity, key: String?, at location: SourceLocation?, _ message: String) {
        self.severity = severity
        self.key = key
        self.location = location
        self.message = message
    }

    public static func error(_ key: String?, at location: SourceLocation?, _ message: String) -> Diagnostic {
        Diagnostic(.error, key: key, at: location, message)
    }

    public static func warning(_ key: String?, at location: SourceLocation?, _ message: String) -> Diagnostic {
        Diagnostic(.warning, key: key, at: location, message)
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += "\(severity.rawValue): "
        if let key { text += "\(key): " }
        return text + message
    }
}

extension Array where Element == Diagnostic {
    /// Sorted by position in the file; problems without a position (missing keys) come last, by key.
    public func sortedByPosition() -> [Diagnostic] {
        sorted { lhs, rhs in
            switch (lhs.location, rhs.location) {
            case let (l?, r?) where l != r: return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            default:
                if (lhs.key ?? "") != (rhs.key ?? "") { return (lhs.key ?? "") < (rhs.key ?? "") }
                return lhs.message < rhs.message
            }
        }
    }

    public var errors: [Diagnostic] { filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { filter { $0.severity == .warning } }
    public var hasErrors: Bool { contains { $0.severity == .error } }
}

extension Diagnostic {
    /// `{"key", "line", "column", "message"}`: what `--validate-config --json` and the web API show.
    public var json: JSONValue {
        .object([
            "key": key.map(JSONValue.string) ?? .null,
            "line": location.map { .int($0.line) } ?? .null,
            "column": location.map { .int($0.column) } ?? .null,
            "message": .string(message),
        ])
    }
}

extension Array where Element == Diagnostic {
    /// `{"valid": bool, "errors": [...], "warnings": [...]}`, each entry ``Diagnostic/json``.
    public func validationJSON(valid: Bool) -> JSONValue {
        .object([
            "valid": .bool(valid),
            "errors": .array(errors.map(\.json)),
            "warnings": .array(warnings.map(\.json)),
        ])
    }
}
