import Testing

@testable import InstallerConfig

/// `YAMLComposer`, on its own: positions and styles as libyaml reports them (as Yams did), repeated keys
/// kept, libyaml's errors, and its bounds.
@Suite("YAML composer")
struct YAMLComposerTests {
    typealias Location = InstallerConfig.SourceLocation

    static func compose(_ text: String) throws -> YAMLNode {
        try #require(try YAMLComposer.compose(text))
    }

    /// The error composing `text` throws; nil when it composes.
    static func error(_ text: String, maximumDepth: Int = ConfigLimits.maximumDepth) -> YAMLError? {
        do {
            _ = try YAMLComposer.compose(text, maximumDepth: maximumDepth)
            return nil
        } catch {
            return error
        }
    }

    /// Every node's position, depth first.
    static func marks(_ node: YAMLNode) -> [Location] {
        switch node {
        case .scalar, .alias: [node.mark]
        case .sequence(let items, let mark): [mark] + items.flatMap(marks)
        case .mapping(let pairs, let mark): [mark] + pairs.flatMap { marks($0.key) + marks($0.value) }
        }
    }

    /// How many nodes the tree holds.
    static func count(_ node: YAMLNode) -> Int {
        switch node {
        case .scalar, .alias: 1
        case .sequence(let items, _): 1 + items.map(count).reduce(0, +)
        case .mapping(let pairs, _): 1 + pairs.map { count($0.key) + count($0.value) }.reduce(0, +)
        }
    }

    @Test("marks are 1-based lines and columns in Unicode scalars, at each node's first character")
    func marks() throws {
        let root = try Self.compose("a: 1\nb:\n  - x\n  - 'y'\nhö: {k: [v]}\n")
        #expect(
            Self.marks(root) == [
                Location(line: 1, column: 1),  // the mapping
                Location(line: 1, column: 1), Location(line: 1, column: 4),  // a: 1
                Location(line: 2, column: 1), Location(line: 3, column: 3),  // b: [
                Location(line: 3, column: 5), Location(line: 4, column: 5),  // x, 'y' (at its quote)
                Location(line: 5, column: 1), Location(line: 5, column: 5),  // hö: {
                Location(line: 5, column: 6), Location(line: 5, column: 9), Location(line: 5, column: 10),  // k: [v]
            ]
        )
        // CR LF is one line break.
        #expect(Self.marks(try Self.compose("a: b\r\nc: d")).map(\.description) == ["1:1", "1:1", "1:4", "2:1", "2:4"])
    }

    @Test("scalars keep their text, style and tag; nothing is typed")
    func styles() throws {
        let root = try Self.compose(
            "plain: 1\nsingle: 'it''s'\ndouble: \"a\\tb\"\nliteral: |\n  one\n  two\nfolded: >\n  one\n  two\ntagged: !!str 5\nempty:\n"
        )
        let values = try #require(root.mapping).map { try #require($0.value.scalar) }
        #expect(values.map(\.string) == ["1", "it's", "a\tb", "one\ntwo\n", "one two\n", "5", ""])
        #expect(values.map(\.style) == [.plain, .quoted, .quoted, .literal, .folded, .plain, .plain])
        #expect(values.map(\.tag) == [nil, nil, nil, nil, nil, "tag:yaml.org,2002:str", nil])
        #expect(YAMLScalar(plain: values[0].string, location: values[0].mark).kind == .int(1))
    }

    @Test("a repeated key stays, in file order, each at its own position")
    func repeatedKeys() throws {
        let root = try Self.compose("a: 1\nb: 2\na: 3\nnested: {k: x, k: y}\n'a': 4\n")
        let pairs = try #require(root.mapping)
        #expect(pairs.map(\.key.string) == ["a", "b", "a", "nested", "a"])
        #expect(pairs.map(\.key.mark.line) == [1, 2, 3, 4, 5])
        #expect(pairs.map(\.value.string) == ["1", "2", "3", nil, "4"])
        #expect(pairs["a"]?.string == "1", "the first one is the one looked up")
        let nested = try #require(pairs[3].value.mapping)
        #expect(nested.map(\.key.mark) == [Location(line: 4, column: 10), Location(line: 4, column: 16)])
        #expect(nested.map(\.value.string) == ["x", "y"])
    }

    @Test("an alias stays an alias: nothing is expanded")
    func aliases() throws {
        let root = try Self.compose("a: &x [1, 2]\nb: *x\n")
        let pairs = try #require(root.mapping)
        #expect(pairs[1].value == .alias("x", Location(line: 2, column: 4)))
    }

    @Test(
        "no document is nil; an empty document is an empty plain scalar",
        arguments: ["", "\n\n", "# only a comment\n"]
    )
    func noDocument(_ text: String) throws {
        #expect(try YAMLComposer.compose(text) == nil)
    }

    @Test("a lone document marker is one empty scalar")
    func emptyDocument() throws {
        #expect(try Self.compose("---\n") == .scalar(YAMLNode.Scalar("", mark: Location(line: 2, column: 1))))
    }

    @Test("a second document is Yams' single-root error, at its start")
    func twoDocuments() throws {
        let error = Self.error("a: 1\n---\nb: 2\n")
        #expect(
            error
                == YAMLError(
                    .composer,
                    "but found another document",
                    at: Location(line: 2, column: 1),
                    context: "expected a single document in the stream",
                    contextMark: Location(line: 1, column: 1)
                )
        )
        let (document, problems) = ConfigDocument.parse(text: "cluster_name: a\n...\n---\nb: 2\n", path: "config.yaml")
        #expect(document == nil)
        #expect(
            problems.map(\.message) == [
                "Invalid YAML: but found another document (expected a single document in the stream at line 1, "
                    + "column 1). Check the indentation and quoting on this line and the one before it."
            ]
        )
        #expect(problems.first?.location == Location(line: 3, column: 1))
    }

    @Test("invalid YAML is libyaml's error, with its problem, context and positions")
    func invalid() throws {
        #expect(
            Self.error("a: [b\nc: d\n")
                == YAMLError(
                    .parser,
                    "did not find expected ',' or ']'",
                    at: Location(line: 2, column: 2),
                    context: "while parsing a flow sequence",
                    contextMark: Location(line: 1, column: 4)
                )
        )
        #expect(
            Self.error("a: b\n  c: d\n")
                == YAMLError(
                    .scanner,
                    "mapping values are not allowed in this context",
                    at: Location(line: 2, column: 4)
                )
        )
        #expect(
            Self.error("a: 'open\n")
                == YAMLError(
                    .scanner,
                    "found unexpected end of stream",
                    at: Location(line: 2, column: 1),
                    context: "while scanning a quoted scalar",
                    contextMark: Location(line: 1, column: 4)
                )
        )
        // The reader's error is at a byte offset (after a two-byte character here).
        #expect(
            Self.error("é: \u{1}\n") == YAMLError(.reader, "control characters are not allowed", offset: 4)
        )
        #expect(
            Self.error("a: [b\nc: d\n")?.report(in: "a: [b\nc: d\n")
                == "2:2: error: parser: while parsing a flow sequence in line 1, column 4\n"
                + "did not find expected ',' or ']':\nc: d\n ^"
        )
        #expect(
            Self.error("a: b\n  c: d\n")?.report(in: "a: b\n  c: d\n")
                == "2:4: error: scanner: mapping values are not allowed in this context:\n  c: d\n   ^"
        )
    }

    @Test("nesting deeper than the bound is refused, not composed, at the first level too deep")
    func depth() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try YAMLComposer.compose(deepest) != nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = try #require(Self.error(tooDeep))
        #expect(error.kind == .composer)
        #expect(error.problem == "lists and mappings are nested more than 64 levels deep")
        #expect(error.mark == Location(line: 1, column: 65))
        let block = (0..<4).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " v\n"
        #expect(Self.error(block, maximumDepth: 3)?.mark == Location(line: 4, column: 7))
        #expect(try YAMLComposer.compose(block, maximumDepth: 4) != nil)
        // Far beyond the bound: refused as quickly, without recursing further.
        let hostile = String(repeating: "- ", count: 100_000) + "x\n"
        #expect(Self.error(hostile)?.mark == Location(line: 1, column: 129))
    }

    @Test("memory stays bounded: the tree is one node per node written, aliases are never expanded")
    func bounded() throws {
        // A billion laughs: ten levels of ten aliases each would be 10^10 nodes expanded.
        var laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...10 {
            let aliases = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            laughs += "l\(level): &l\(level) [\(aliases)]\n"
        }
        #expect(Self.count(try Self.compose(laughs)) == 1 + 11 * 2 + 10 + 10 * 10)
        // The largest file config.yaml may be: every scalar once, nothing more.
        let line = "- 10.0.0.1\n"
        let items = ConfigLimits.maximumFileBytes / line.utf8.count
        let large = String(repeating: line, count: items)
        let root = try Self.compose(large)
        #expect(Self.count(root) == 1 + items)
        #expect(root.sequence?.last?.mark == Location(line: items, column: 3))
    }
}
