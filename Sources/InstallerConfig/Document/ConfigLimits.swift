/// The limits of config.yaml, all in one place. A file beyond any of them is refused with one diagnostic
/// that names the limit, before it is composed into nodes, so no input can make the reader hang or use
/// unbounded memory. Each limit is far above what a real configuration needs.
public enum ConfigLimits {
    /// The largest config file read: 4 MiB. A 10,000-node cluster's config is well under 1 MiB. The file is
    /// read with this bound (a device or a growing file is never read past it), not only checked with stat.
    public static let maximumFileBytes = 4 << 20
    /// How deep lists and mappings may nest: 64. The deepest value of the schema needs 4 levels.
    public static let maximumDepth = 64
    /// The longest single value (after YAML escapes): 1 MiB.
    public static let maximumScalarBytes = 1 << 20
    /// Keys of one mapping, or items of one list: 100,000 (ten times a 10,000-agent `agent_list`).
    public static let maximumCollectionItems = 100_000
    /// Values in the whole file (every scalar, list and mapping counts once): 1,000,000.
    public static let maximumValues = 1_000_000
    /// The largest ip-detect script read (`ip_detect_filename`, `ip_detect_public_filename`): 1 MiB, read
    /// with that bound (a path such as /dev/zero is refused, not read without end).
    public static let maximumScriptBytes = 1 << 20
    // Aliases (`*name`) are refused outright: the schema has no use for them, and refusing them (rather than
    // bounding their expansion) keeps every value's position the one the user wrote.
}

/// Checks a config text against `ConfigLimits` by walking libyaml's events (`YAMLEventReader`) before it is
/// composed: an alias is a reference to the anchored node, so a few lines of aliases stand for billions of
/// nodes, and the walk refuses them, and every other limit, in constant memory. `check` gives the first limit
/// the text exceeds, or nil: within the limits, or not valid YAML (`YAMLComposer` then reports the syntax
/// error, having composed only the events before it, which are within the limits).
struct ConfigLimitScanner {
    private struct Collection {
        var isMapping: Bool
        var mark: SourceLocation
        /// Child nodes so far: for a mapping, keys and values.
        var children = 0
    }

    private var stack: [Collection] = []
    private var values = 0
    /// The top-level key whose value is being scanned, for the diagnostic's key.
    private var topLevelKey: String?
    private var topLevelKeyLocation: SourceLocation?

    static func check(_ text: String) -> Diagnostic? {
        var scanner = ConfigLimitScanner()
        do {
            return try YAMLEventReader.read(text) { (reader) throws(YAMLError) -> Diagnostic? in
                while true {
                    let event = try reader.next()
                    if event.kind == .streamEnd { return nil }
                    if let problem = scanner.visit(event) { return problem }
                }
            }
        } catch {
            // libyaml's own bound on nesting (1,000 levels), met while it looks ahead in a flow collection for a
            // possible key, before the 65th level's event: the same limit for the user.
            guard error.problem.hasPrefix("Maximum nesting level"), let mark = error.mark else { return nil }
            return scanner.refuse(at: mark, inValue: true, Self.tooDeep)
        }
    }

    private static let tooDeep =
        "Lists and mappings are nested more than \(ConfigLimits.maximumDepth) levels deep here; config.yaml needs "
        + "a few levels at most. Check the brackets and the indentation."

    private mutating func visit(_ event: YAMLEvent) -> Diagnostic? {
        let mark = event.mark
        switch event.kind {
        case .sequenceEnd, .mappingEnd:
            stack.removeLast()
            return nil
        case .alias:
            return refuse(
                at: mark,
                inValue: true,
                "YAML aliases (*\(event.value)) are not supported in config.yaml: write the value out in full. (An alias "
                    + "lets a few lines stand for an arbitrarily large value, so config.yaml does not accept them.)"
            )
        case .scalar:
            if let problem = countNode(at: mark) { return problem }
            let isTopLevelKey = stack.count == 1 && stack[0].isMapping && stack[0].children % 2 == 1
            if isTopLevelKey {
                topLevelKey = nil
                topLevelKeyLocation = nil
            }
            let length = event.value.utf8.count
            if length > ConfigLimits.maximumScalarBytes {
                return refuse(
                    at: mark,
                    inValue: true,
                    "This value is \(length) bytes long; values longer than \(Self.size(ConfigLimits.maximumScalarBytes)) "
                        + "are refused. Check that this is the right value (a script or key belongs in the file the "
                        + "key names, not in config.yaml)."
                )
            }
            if isTopLevelKey {
                topLevelKey = event.value
                topLevelKeyLocation = mark
            }
            return nil
        case .sequenceStart, .mappingStart:
            if let problem = countNode(at: mark) { return problem }
            if stack.count == 1, stack[0].isMapping, stack[0].children % 2 == 1 {
                topLevelKey = nil
                topLevelKeyLocation = nil
            }
            stack.append(Collection(isMapping: event.kind == .mappingStart, mark: mark))
            if stack.count > ConfigLimits.maximumDepth {
                return refuse(at: mark, inValue: true, Self.tooDeep)
            }
            return nil
        case .documentStart:
            stack.removeAll()
            return nil
        case .streamStart, .streamEnd, .documentEnd:
            return nil
        }
    }

    /// Counts a node in the file and in its parent collection.
    private mutating func countNode(at mark: SourceLocation) -> Diagnostic? {
        values += 1
        if values > ConfigLimits.maximumValues {
            return refuse(
                at: mark,
                inValue: true,
                "The file has more than \(Self.count(ConfigLimits.maximumValues)) values (scalars, lists and "
                    + "mappings); config.yaml is refused beyond that. Check that this is the right file."
            )
        }
        guard !stack.isEmpty else { return nil }
        stack[stack.count - 1].children += 1
        let parent = stack[stack.count - 1]
        let items = parent.isMapping ? (parent.children + 1) / 2 : parent.children
        guard items > ConfigLimits.maximumCollectionItems else { return nil }
        return refuse(
            at: parent.mark,
            inValue: stack.count > 1,
            "This \(parent.isMapping ? "mapping has more than \(Self.count(ConfigLimits.maximumCollectionItems)) keys" : "list has more than \(Self.count(ConfigLimits.maximumCollectionItems)) items"); "
                + "config.yaml is refused beyond that. Check that this is the right file."
        )
    }

    /// The diagnostic; `inValue`: on the top-level key whose value is being scanned. Inside a value that holds
    /// (or may hold) a secret it points at the key itself, whose line the formatter masks, never at a line of
    /// the secret.
    private func refuse(at mark: SourceLocation, inValue: Bool, _ message: String) -> Diagnostic {
        guard inValue, let key = topLevelKey else { return .error(nil, at: mark, message) }
        return .error(key, at: ConfigValidator.holdsSecret(key) ? topLevelKeyLocation : mark, message)
    }

    /// `1,000,000`.
    static func count(_ number: Int) -> String {
        var digits = String(number)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }

    /// `4 MiB (4,194,304 bytes)`.
    static func size(_ bytes: Int) -> String {
        "\(bytes >> 20) MiB (\(count(bytes)) bytes)"
    }
}
