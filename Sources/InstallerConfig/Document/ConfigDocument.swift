import FoundationEssentials
import InstallerSystem

/// A parsed config.yaml: its text (for snippets) and its top-level entries in file order.
public struct ConfigDocument: Sendable {
    /// The path as shown to the user in messages.
    public let path: String
    public let text: String
    /// Every top-level entry as written, repeated keys included: the first entry of a key is the one
    /// that counts (see `duplicateKeys`). Mappings inside values keep their repeated keys the same way.
    public let entries: [YAMLPair]
    /// Every later occurrence of a key already written in the same mapping, in file order. They are
    /// errors the validator reports with the rest, not parse failures.
    public let duplicateKeys: [DuplicateKey]

    /// Reads and parses a config file. Problems with the file itself (missing, unreadable, larger than
    /// `ConfigLimits.maximumFileBytes`, not text, not YAML, beyond a limit of `ConfigLimits`, not a mapping)
    /// come back as diagnostics, never as a crash or a hang. Repeated keys do not stop the parse: they are in
    /// `duplicateKeys`.
    public static func load(path: String) -> (document: ConfigDocument?, diagnostics: [Diagnostic]) {
        switch readBounded(path: path, limit: ConfigLimits.maximumFileBytes) {
        case .success(let bytes):
            return parse(data: Data(bytes), path: path)
        case .failure(.missing):
            return (
                nil,
                [
                    .error(
                        nil,
                        at: nil,
                        "No config file found at \(path). Create it (see genconf/config.yaml in the installer's repository for an example) or point --genconf-dir at the directory that holds it."
                    )
                ]
            )
        case .failure(.tooLarge):
            return (nil, [tooLarge(path)])
        case .failure(.unreadable(let reason)):
            return (
                nil,
                [.error(nil, at: nil, "Cannot read \(path): \(reason). Check that it exists and is readable.")]
            )
        }
    }

    /// The text of the config file for diagnostics' snippets when it did not parse into a document: nil when
    /// it cannot be read, is larger than `ConfigLimits.maximumFileBytes` or is not UTF-8 text.
    public static func readSource(path: String) -> String? {
        guard case .success(let bytes) = readBounded(path: path, limit: ConfigLimits.maximumFileBytes),
            !bytes.contains(0)
        else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The bytes of `path`, read with a bound (``FileReader``).
    static func readBounded(path: String, limit: Int) -> Result<[UInt8], FileReader.Failure> {
        FileReader.read(path, limit: limit)
    }

    private static func tooLarge(_ path: String) -> Diagnostic {
        .error(
            nil,
            at: nil,
            "The file is larger than \(ConfigLimitScanner.size(ConfigLimits.maximumFileBytes)); config files larger than that are refused. A 10,000-node cluster's config is well under 1 MiB: check that \(path) is the right file."
        )
    }

    /// Parses config bytes. `path` is only used in messages.
    public static func parse(data: Data, path: String) -> (document: ConfigDocument?, diagnostics: [Diagnostic]) {
        guard data.count <= ConfigLimits.maximumFileBytes else { return (nil, [tooLarge(path)]) }
        if let nul = data.firstIndex(of: 0) {
            let line = data[data.startIndex..<nul].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            return (
                nil,
                [
                    .error(
                        nil,
                        at: SourceLocation(line: line, column: 1),
                        "The file contains a NUL byte, so it is not a text file. config.yaml must be UTF-8 YAML text."
                    )
                ]
            )
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let (line, offset) = firstInvalidUTF8(data)
            return (
                nil,
                [
                    .error(
                        nil,
                        at: SourceLocation(line: line, column: 1),
                        "The file is not valid UTF-8 text (invalid byte at offset \(offset)). config.yaml must be UTF-8 YAML text; re-save it as UTF-8."
                    )
                ]
            )
        }
        return parse(text: text, path: path)
    }

    /// Parses config text. `path` is only used in messages.
    public static func parse(text: String, path: String) -> (document: ConfigDocument?, diagnostics: [Diagnostic]) {
        guard text.utf8.count <= ConfigLimits.maximumFileBytes else { return (nil, [tooLarge(path)]) }
        if let problem = ConfigLimitScanner.check(text) { return (nil, [problem]) }
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            return (nil, [YAMLErrorTranslator(text: text).diagnostic(for: error)])
        }
        guard let root else {
            return (
                nil,
                [
                    .error(
                        nil,
                        at: SourceLocation(line: 1, column: 1),
                        "The file is empty. It must be a YAML mapping of configuration keys, for example:\n    cluster_name: my-cluster\n    bootstrap_url: http://10.0.0.1:8080"
                    )
                ]
            )
        }
        var converter = NodeConverter()
        let value = converter.convert(root, topLevelKey: nil)
        guard case .mapping(let pairs, _) = value else {
            return (
                nil,
                [
                    .error(
                        nil,
                        at: value.location,
                        "The top level of the file is \(value.kindDescription), but it must be a mapping of configuration keys (`key: value` lines, starting in the first column)."
                    )
                ]
            )
        }
        return (
            ConfigDocument(path: path, text: text, entries: pairs, duplicateKeys: converter.duplicateKeys),
            converter.diagnostics
        )
    }

    private static func firstInvalidUTF8(_ data: Data) -> (line: Int, offset: Int) {
        var line = 1
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            let length: Int
            switch byte {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (line, index - data.startIndex)
            }
            if length > 1 {
                let end = index + length
                guard end <= data.endIndex, data[(index + 1)..<end].allSatisfy({ $0 & 0xC0 == 0x80 }) else {
                    return (line, index - data.startIndex)
                }
            }
            if byte == 0x0A { line += 1 }
            index += length
        }
        return (line, data.count)
    }
}

/// `YAMLNode`s → `YAMLValue`, with every repeated key of a mapping recorded at its own position.
private struct NodeConverter {
    var diagnostics: [Diagnostic] = []
    var duplicateKeys: [DuplicateKey] = []

    /// Recursion is bounded: `ConfigLimitScanner` and `YAMLComposer` refuse nesting beyond `ConfigLimits`.
    mutating func convert(_ node: YAMLNode, topLevelKey: String?) -> YAMLValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                return .scalar(YAMLScalar(plain: scalar.string, location: scalar.mark))
            }
            return .scalar(YAMLScalar(text: scalar.string, kind: .string, location: scalar.mark))
        case .sequence(let sequence, let mark):
            var items: [YAMLValue] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(convert(item, topLevelKey: topLevelKey)) }
            return .sequence(items, mark)
        case .mapping(let mapping, let mark):
            var pairs: [YAMLPair] = []
            pairs.reserveCapacity(mapping.count)
            var firstLocations: [String: SourceLocation] = [:]
            for pair in mapping {
                guard case .scalar(let key) = pair.key else {
                    diagnostics.append(
                        .error(
                            topLevelKey,
                            at: pair.key.mark,
                            "A mapping key must be plain text, not a list or mapping."
                        )
                    )
                    continue
                }
                let name = key.string
                if let first = firstLocations[name] {
                    duplicateKeys.append(
                        DuplicateKey(name: name, location: key.mark, firstLocation: first, topLevelKey: topLevelKey)
                    )
                } else {
                    firstLocations[name] = key.mark
                }
                pairs.append(
                    YAMLPair(
                        key: name,
                        keyLocation: key.mark,
                        value: convert(pair.value, topLevelKey: topLevelKey ?? name)
                    )
                )
            }
            return .mapping(pairs, mark)
        case .alias(_, let mark):
            // ConfigLimitScanner refuses aliases before the file is composed: not reached.
            diagnostics.append(
                .error(
                    topLevelKey,
                    at: mark,
                    "YAML aliases (*name) are not supported in config.yaml; write the value out."
                )
            )
            return .scalar(YAMLScalar(text: "", kind: .null, location: mark))
        }
    }
}

/// Turns libyaml's terse errors into messages that say what to do.
struct YAMLErrorTranslator {
    let text: String

    func diagnostic(for error: YAMLError) -> Diagnostic {
        switch error.kind {
        case .scanner, .parser, .composer:
            let location = error.mark ?? SourceLocation(line: 1, column: 1)
            if lineContainsTab(location.line) {
                return .error(
                    nil,
                    at: location,
                    "This line contains a tab character. YAML does not allow tabs for indentation; indent with spaces."
                )
            }
            var message = "Invalid YAML: \(error.problem)"
            if let context = error.context, let mark = error.contextMark {
                message += " (\(context.isEmpty ? "" : context + " ")at line \(mark.line), column \(mark.column))"
            }
            return .error(
                nil,
                at: location,
                message + ". Check the indentation and quoting on this line and the one before it."
            )
        case .reader:
            return .error(
                nil,
                at: nil,
                "The file cannot be read as YAML text: \(error.problem)\(error.offset.map { " at byte \($0)" } ?? "")."
            )
        case .memory:
            return .error(nil, at: nil, "Invalid YAML: \(error.problem).")
        }
    }

    private func lineContainsTab(_ line: Int) -> Bool {
        var current = 1
        for character in text.utf8 {
            if character == UInt8(ascii: "\n") {
                current += 1
                if current > line { return false }
            } else if character == UInt8(ascii: "\t"), current == line || current == line - 1 {
                return true
            }
        }
        return false
    }
}
