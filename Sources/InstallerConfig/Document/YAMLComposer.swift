// libyaml's event API: the one place that calls libyaml. `YAMLEventReader` runs its parser over a text for
// the duration of a closure and copies each event out of libyaml's memory; `YAMLComposer` builds the nodes
// from them, and `ConfigLimitScanner` walks them first, in constant memory, to refuse a hostile file.
internal import CYAML

/// Composes a text holding one YAML document into a `YAMLNode`: what Yams' `Parser(yaml:).singleRoot()` did,
/// with the same positions and libyaml's same errors, but without Yams' Foundation, and keeping what Yams
/// would refuse or expand: a key repeated in a mapping stays (the reader reports it), an alias stays an alias.
package enum YAMLComposer {
    /// The root of the one document in `text`; nil when it holds none (empty, or only comments).
    ///
    /// Recursion is bounded: lists and mappings nested deeper than `maximumDepth` are refused, not composed.
    /// - Throws: libyaml's reader, scanner or parser error; a composer error for a second document (as Yams'
    ///   `singleRoot()` gave it) or for nesting beyond `maximumDepth`.
    package static func compose(
        _ text: String,
        maximumDepth: Int = ConfigLimits.maximumDepth
    ) throws(YAMLError) -> YAMLNode? {
        try YAMLEventReader.read(text) { (reader) throws(YAMLError) -> YAMLNode? in
            _ = try reader.next()  // stream start
            guard try reader.next().kind != .streamEnd else { return nil }  // else the document's start
            let root = try node(from: reader.next(), &reader, depth: 0, maximumDepth: maximumDepth)
            _ = try reader.next()  // document end
            let next = try reader.next()
            guard next.kind == .streamEnd else {
                throw YAMLError(
                    .composer,
                    "but found another document",
                    at: next.mark,
                    context: "expected a single document in the stream",
                    contextMark: SourceLocation(line: 1, column: 1)
                )
            }
            return root
        }
    }

    /// The node `event` starts, its children read from `reader`; `depth`: the collections around it.
    private static func node(
        from event: YAMLEvent,
        _ reader: inout YAMLEventReader,
        depth: Int,
        maximumDepth: Int
    ) throws(YAMLError) -> YAMLNode {
        switch event.kind {
        case .scalar:
            return .scalar(YAMLNode.Scalar(event.value, style: event.style, tag: event.tag, mark: event.mark))
        case .alias:
            return .alias(event.value, event.mark)
        case .sequenceStart, .mappingStart:
            guard depth < maximumDepth else {
                throw YAMLError(
                    .composer,
                    "lists and mappings are nested more than \(maximumDepth) levels deep",
                    at: event.mark
                )
            }
            if event.kind == .sequenceStart {
                var items: [YAMLNode] = []
                var item = try reader.next()
                while item.kind != .sequenceEnd {
                    items.append(try node(from: item, &reader, depth: depth + 1, maximumDepth: maximumDepth))
                    item = try reader.next()
                }
                return .sequence(items, event.mark)
            }
            var pairs: [YAMLNode.Pair] = []
            var key = try reader.next()
            while key.kind != .mappingEnd {
                let keyNode = try node(from: key, &reader, depth: depth + 1, maximumDepth: maximumDepth)
                let value = try node(from: reader.next(), &reader, depth: depth + 1, maximumDepth: maximumDepth)
                pairs.append(YAMLNode.Pair(key: keyNode, value: value))
                key = try reader.next()
            }
            return .mapping(pairs, event.mark)
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            // libyaml never gives these where a node starts.
            throw YAMLError(.composer, "did not find a node where one was expected", at: event.mark)
        }
    }
}

/// One of libyaml's events, copied out of libyaml's memory.
struct YAMLEvent {
    enum Kind: Sendable, Hashable {
        case streamStart, streamEnd, documentStart, documentEnd, alias, scalar, sequenceStart, sequenceEnd
        case mappingStart, mappingEnd
    }

    var kind: Kind
    /// Where the event starts, 1-based.
    var mark: SourceLocation
    /// A scalar's text (it may contain NUL, written as an escape), or an alias's anchor name.
    var value = ""
    var tag: String?
    var style = YAMLNode.Scalar.Style.plain

    fileprivate init(_ event: yaml_event_t) {
        mark = SourceLocation(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_SEQUENCE_START_EVENT: kind = .sequenceStart
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT: kind = .mappingStart
        case YAML_MAPPING_END_EVENT: kind = .mappingEnd
        case YAML_ALIAS_EVENT:
            kind = .alias
            value = event.data.alias.anchor.map { String(cString: $0) } ?? ""
        case YAML_SCALAR_EVENT:
            kind = .scalar
            let scalar = event.data.scalar
            value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            tag = scalar.tag.map { String(cString: $0) }
            switch scalar.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .quoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
        default:
            // YAML_NO_EVENT, which libyaml gives once the stream has ended.
            kind = .streamEnd
        }
    }
}

/// libyaml's parser over one text, for the duration of `read`'s closure: created, fed and deleted there, on
/// every path. Each event is freed as soon as it is copied out.
struct YAMLEventReader: ~Copyable {
    private let parser: UnsafeMutablePointer<yaml_parser_t>

    private init(parser: UnsafeMutablePointer<yaml_parser_t>) {
        self.parser = parser
    }

    /// Runs `body` with a reader of `text`'s events.
    static func read<Success>(
        _ text: String,
        _ body: (inout YAMLEventReader) throws(YAMLError) -> Success
    ) throws(YAMLError) -> Success {
        var text = text
        let outcome = text.withUTF8 { bytes in
            guard let start = bytes.baseAddress else {
                return withUnsafePointer(to: UInt8(0)) { empty in run(empty, count: 0, body) }
            }
            return run(start, count: bytes.count, body)
        }
        return try outcome.get()
    }

    private static func run<Success>(
        _ bytes: UnsafePointer<UInt8>,
        count: Int,
        _ body: (inout YAMLEventReader) throws(YAMLError) -> Success
    ) -> Result<Success, YAMLError> {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        parser.initialize(to: yaml_parser_t())
        guard yaml_parser_initialize(parser) == 1 else {
            return .failure(YAMLError(.memory, "libyaml could not allocate its parser"))
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes, count)
        var reader = YAMLEventReader(parser: parser)
        return Result { () throws(YAMLError) -> Success in try body(&reader) }
    }

    /// The next event; after the stream's end, `.streamEnd` again.
    mutating func next() throws(YAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw YAMLError(parser.pointee) }
        defer { yaml_event_delete(&event) }
        return YAMLEvent(event)
    }
}

extension YAMLError {
    /// The error libyaml's parser stopped with, positions made 1-based as Yams made them.
    fileprivate init(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        let context = parser.context.map { String(cString: $0) }
        let contextMark = context == nil ? nil : SourceLocation(parser.context_mark)
        let kind: Kind
        switch parser.error {
        case YAML_READER_ERROR:
            self.init(.reader, problem, offset: Int(parser.problem_offset))
            return
        case YAML_SCANNER_ERROR: kind = .scanner
        case YAML_PARSER_ERROR: kind = .parser
        case YAML_COMPOSER_ERROR: kind = .composer
        default:
            self.init(.memory, "libyaml could not allocate memory")
            return
        }
        self.init(kind, problem, at: SourceLocation(parser.problem_mark), context: context, contextMark: contextMark)
    }
}

extension SourceLocation {
    /// libyaml's 0-based mark, 1-based.
    fileprivate init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
