/// A key written again in the same mapping: at the top level of config.yaml, or inside a value (a mapping
/// under `ssh_host_overrides`, `dcos_overlay_network`, ...). Only the first occurrence counts: it is the one
/// the validator (and everything that reads the document) uses; the later ones are ignored.
public struct DuplicateKey: Sendable, Hashable {
    /// The key as written.
    public var name: String
    /// This (second, third, ...) occurrence.
    public var location: SourceLocation
    /// The first occurrence, the one that is used.
    public var firstLocation: SourceLocation
    /// The top-level key whose value holds the mapping; `nil` when the key is itself top-level.
    public var topLevelKey: String?

    public init(name: String, location: SourceLocation, firstLocation: SourceLocation, topLevelKey: String?) {
        self.name = name
        self.location = location
        self.firstLocation = firstLocation
        self.topLevelKey = topLevelKey
    }

    /// The error at this occurrence, on the top-level key to edit. A key inside a secret value is not
    /// named: it may be the secret itself.
    public var diagnostic: Diagnostic {
        let what: String
        switch topLevelKey {
        case nil: what = "The key '\(name)' is written more than once"
        case let top? where ConfigValidator.holdsSecret(top):
            what = "This key is written more than once in this mapping"
        case _?: what = "The key '\(name)' is written more than once in this mapping"
        }
        return .error(
            topLevelKey ?? name,
            at: location,
            "\(what) (first at line \(firstLocation.line)). Only the first one is used and this one is ignored; "
                + "delete the one you do not want."
        )
    }
}
