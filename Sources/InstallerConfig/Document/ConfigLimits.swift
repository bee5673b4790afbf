// libyaml's event API, through Yams' own C module (the libyaml Yams parses with). Yams exposes only composed
// nodes, and composing is where a hostile file does its harm: an alias is a reference to the anchored node,
// so a few lines of aliases stand for billions of nodes, and Yams hashes every mapping key in full to find
// repeated keys (exponential in the aliases' nesting, before any node reaches us). The scan below walks the
// events first, in constant memory, and refuses such a file before Yams composes it.
internal import CYaml

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
    /// Repeated keys reported each at its own position. Each one costs `DuplicateTolerantComposer` another
    /// parse of the file, so beyond this many the next one is reported alone (fix these, then run again).
    public static let maximumRepeatedKeys = 20
    /// The largest ip-detect script read (`ip_detect_filename`, `ip_detect_public_filename`): 1 MiB, read
    /// with that bound (a path such as /dev/zero is refused, not read without end).
    public static let maximumScriptBytes = 1 << 20
    // Aliases (`*name`) are refused outright: the schema has no use for them, and refusing them (rather than
    // bounding their expansion) keeps every value's position the one the user wrote.
}

/// Checks a config text against `ConfigLimits` by walking libyaml's events. `problem` is the first limit the
/// text exceeds, or nil: within the limits, or not valid YAML (Yams then reports the syntax error in its own
/// words, having composed only the events before it, which are within the limits).
///
/// On the way it finds the keys repeated in a mapping (untagged scalar keys with the same text: what Yams,
/// with the basic resolver, refuses as duplicates), so `DuplicateTolerantComposer` can rename them all before
/// its first parse instead of parsing again for each.
struct ConfigLimitScanner {
    struct Outcome {
        var problem: Diagnostic?
        var repeatedKeys: [(name: String, location: SourceLocation)] = []
    }

    private struct Collection {
        var isMapping: Bool
        var mark: SourceLocation
        /// Child nodes so far: for a mapping, keys and values.
        var children = 0
        /// A mapping's untagged scalar keys so far.
        var keys: Set<String> = []
    }

    private var stack: [Collection] = []
    private var repeatedKeys: [(name: String, location: SourceLocation)] = []
    private var values = 0
    /// The top-level key whose value is being scanned, for the diagnostic's key.
    private var topLevelKey: String?
    private var topLevelKeyLocation: SourceLocation?

    static func check(_ text: String) -> Outcome {
        var scanner = ConfigLimitScanner()
        var bytes = Array(text.utf8)
        let problem = bytes.withUnsafeMutableBufferPointer { buffer in scanner.scan(buffer) }
        return Outcome(problem: problem, repeatedKeys: problem == nil ? scanner.repeatedKeys : [])
    }

    private mutating func scan(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Diagnostic? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        var event = yaml_event_t()
        while yaml_parser_parse(&parser, &event) == 1 {
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return nil }
            if let problem = visit(event) { return problem }
        }
        // libyaml's own bound on nesting (1,000 levels), met while it looks ahead in a flow collection for a
        // possible key, before the 65th level's event: the same limit for the user.
        if let problem = parser.problem, String(cString: problem).hasPrefix("Maximum nesting level") {
            let mark = parser.problem_mark
            return refuse(
                at: SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1),
                inValue: true,
                Self.tooDeep
            )
        }
        return nil
    }

    private static let tooDeep =
        "Lists and mappings are nested more than \(ConfigLimits.maximumDepth) levels deep here; config.yaml needs "
        + "a few levels at most. Check the brackets and the indentation."

    private mutating func visit(_ event: yaml_event_t) -> Diagnostic? {
        let mark = SourceLocation(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            stack.removeLast()
            return nil
        case YAML_ALIAS_EVENT:
            let name = Self.text(event.data.alias.anchor, length: nil)
            return refuse(
                at: mark,
                inValue: true,
                "YAML aliases (*\(name)) are not supported in config.yaml: write the value out in full. (An alias "
                    + "lets a few lines stand for an arbitrarily large value, so config.yaml does not accept them.)"
            )
        case YAML_SCALAR_EVENT:
            if let problem = countNode(at: mark) { return problem }
            let isTopLevelKey = stack.count == 1 && stack[0].isMapping && stack[0].children % 2 == 1
            if isTopLevelKey {
                topLevelKey = nil
                topLevelKeyLocation = nil
            }
            let length = event.data.scalar.length
            if length > ConfigLimits.maximumScalarBytes {
                return refuse(
                    at: mark,
                    inValue: true,
                    "This value is \(length) bytes long; values longer than \(Self.size(ConfigLimits.maximumScalarBytes)) "
                        + "are refused. Check that this is the right value (a script or key belongs in the file the "
                        + "key names, not in config.yaml)."
                )
            }
            // A key: the odd children of a mapping (no copy of the parent is held, so its key set is not copied).
            let isKey = !stack.isEmpty && stack[stack.count - 1].isMapping && stack[stack.count - 1].children % 2 == 1
            if isKey, event.data.scalar.tag == nil {
                let name = Self.text(event.data.scalar.value, length: length)
                if !stack[stack.count - 1].keys.insert(name).inserted { repeatedKeys.append((name, mark)) }
                if isTopLevelKey {
                    topLevelKey = name
                    topLevelKeyLocation = mark
                }
            } else if isTopLevelKey {
                topLevelKey = Self.text(event.data.scalar.value, length: length)
                topLevelKeyLocation = mark
            }
            return nil
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            if let problem = countNode(at: mark) { return problem }
            if stack.count == 1, stack[0].isMapping, stack[0].children % 2 == 1 {
                topLevelKey = nil
                topLevelKeyLocation = nil
            }
            stack.append(Collection(isMapping: event.type == YAML_MAPPING_START_EVENT, mark: mark))
            if stack.count > ConfigLimits.maximumDepth {
                return refuse(at: mark, inValue: true, Self.tooDeep)
            }
            return nil
        default:
            // Stream and document starts and ends.
            if event.type == YAML_DOCUMENT_START_EVENT { stack.removeAll() }
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

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int?) -> String {
        guard let pointer else { return "" }
        let count = length ?? strlen(pointer)
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private static func strlen(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> Int {
        var count = 0
        while pointer[count] != 0 { count += 1 }
        return count
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
