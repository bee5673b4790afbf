import InstallerConfig
import InstallerSystem

/// Removes a configuration's secrets from text bound for a diagnostics bundle: every value config.yaml
/// gives a key the schema marks secret (and the values rendered from it, e.g. their JSON forms and the
/// strings inside a JSON value) is replaced wherever it appears; config.yaml itself is rewritten with
/// those keys' values removed.
public struct SecretScrubber: Sendable {
    /// What replaces a secret.
    public static let mark = "[secret removed]"
    /// The secret strings, longest first (a secret that contains another is removed whole).
    public let secrets: [String]

    public init(secrets: some Sequence<String>) {
        self.secrets = Set(secrets.filter { !$0.isEmpty }).sorted { ($0.utf8.count, $0) > ($1.utf8.count, $1) }
    }

    /// The secrets of `config`.
    public init(config: ValidatedConfig) {
        var found: [String] = []
        let derived = DerivedValues.compute(config)
        for name in DerivedValues.secretNames(config) {
            if let value = derived[name] { Self.strings(in: value, into: &found) }
            if let value = config[name] {
                switch value {
                case .string(let text): found.append(text)
                case .list(let items): found += items
                case .json(let json): Self.strings(in: json, into: &found)
                case .bool, .int: break
                }
            }
        }
        // A secret written as JSON text: the strings inside it too (a registry password in docker credentials).
        for text in found {
            if let json = JSONValue.parse(text) { Self.strings(in: json, into: &found) }
        }
        self.init(secrets: found)
    }

    private static func strings(in value: JSONValue, into found: inout [String]) {
        switch value {
        case .string(let text): found.append(text)
        case .array(let items): for item in items { strings(in: item, into: &found) }
        case .object(let members): for member in members.values { strings(in: member, into: &found) }
        case .null, .bool, .int, .double: break
        }
    }

    /// `text` with every secret replaced by ``mark``.
    public func scrub(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacing(secret, with: Self.mark)
        }
        return text
    }

    /// config.yaml with the value of every secret key replaced (its lines, a block scalar's included),
    /// then every secret removed from what is left.
    public func sanitizedConfig(_ document: ConfigDocument) -> String {
        let lines = document.text.split(separator: "\n", omittingEmptySubsequences: false)
        let starts = document.entries.map { ($0.key, $0.keyLocation.line) }.sorted { $0.1 < $1.1 }
        var drop: [(from: Int, to: Int, key: String)] = []
        for (index, entry) in starts.enumerated() where ValidatedConfig.secretKeys.contains(entry.0) {
            let end = index + 1 < starts.count ? starts[index + 1].1 - 1 : lines.count
            drop.append((entry.1, end, entry.0))
        }
        var out: [String] = []
        var number = 0
        while number < lines.count {
            let line = number + 1
            if let range = drop.first(where: { $0.from == line }) {
                out.append("\(range.key): '\(Self.mark)'")
                // Keep the comments and blank lines at the end of the dropped range (they belong to the next key).
                var keep: [String] = []
                var last = range.to
                while last > range.from, last - 1 < lines.count {
                    let text = lines[last - 1].trimmingBlanks()
                    guard text.isEmpty || text.hasPrefix("#") else { break }
                    keep.insert(String(lines[last - 1]), at: 0)
                    last -= 1
                }
                out += keep
                number = range.to
                continue
            }
            out.append(String(lines[number]))
            number += 1
        }
        return scrub(out.joined(separator: "\n"))
    }
}
