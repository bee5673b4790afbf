/// Edits top-level keys of a config.yaml's text and keeps everything else as written: comments, blank
/// lines, the order and form of the other keys. A set key replaces the lines of its entry (or is added at
/// the end); a removed key's lines go. New values are written in YAML's flow style, which for these
/// values is their JSON (`master_list: ["10.0.0.1","10.0.0.2"]`), so no value can change the meaning of a
/// line around it.
public enum ConfigEditor {
    public enum Edit: Sendable, Hashable {
        case set(String, JSONValue)
        case remove(String)

        var key: String {
            switch self {
            case .set(let key, _), .remove(let key): key
            }
        }
    }

    /// The text with `edits` applied. Keys are looked up where the composer found them, so a key that
    /// appears twice (an error the validator reports) has every appearance replaced or removed.
    public static func apply(_ edits: [Edit], to text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let entries = ConfigDocument.parse(text: text, path: "config.yaml").document?.entries ?? []
        var appended: [String] = []
        // Edits of later lines first, so earlier line numbers stay right.
        var spans: [(range: Range<Int>, replacement: [String])] = []
        for edit in edits {
            let found = entries.filter { $0.key == edit.key }
            let replacement: [String]
            switch edit {
            case .set(let key, let value): replacement = [line(key, value)]
            case .remove: replacement = []
            }
            if found.isEmpty {
                appended += replacement
                continue
            }
            for (index, entry) in found.enumerated() {
                let range = span(of: entry.keyLocation.line - 1, in: lines)
                spans.append((range, index == 0 ? replacement : []))
            }
        }
        for (range, replacement) in spans.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            lines.replaceSubrange(range, with: replacement)
        }
        lines += appended
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// `key: value` in flow style (JSON, which YAML reads the same).
    static func line(_ key: String, _ value: JSONValue) -> String {
        "\(key): \(value.encoded())"
    }

    /// The lines of the entry whose key is on line `start` (0-based): that line and the indented lines (or
    /// `- ` items) after it; blank and comment lines between them belong to it only when more of it follows.
    static func span(of start: Int, in lines: [String]) -> Range<Int> {
        var end = start + 1
        var candidate = end
        while candidate < lines.count {
            let line = lines[candidate]
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                candidate += 1
                continue
            }
            guard line.first == " " || line.first == "\t" || line.hasPrefix("- ") || line == "-" else { break }
            candidate += 1
            end = candidate
        }
        return start..<end
    }
}
