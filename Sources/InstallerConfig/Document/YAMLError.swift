/// Why a text is not one YAML document: libyaml's own words and positions (what Yams' `YamlError` carried),
/// or the composer's (`YAMLComposer`: a second document, nesting beyond its bound). `YAMLErrorTranslator` turns
/// it into config.yaml's diagnostic; `report(in:)` is the compiler-style text for the release manifest.
package struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stage that gave up, as libyaml names its errors.
    package enum Kind: String, Sendable, Hashable {
        /// Decoding the input (a control character, say); see `offset`.
        case reader
        case scanner
        case parser
        /// Composing the nodes: `YAMLComposer`'s own checks.
        case composer
        /// libyaml could not allocate memory.
        case memory
    }

    package var kind: Kind
    /// libyaml's description of the problem, such as "did not find expected key".
    package var problem: String
    /// Where the problem is, 1-based (line; column in Unicode scalars); nil for the reader and memory errors.
    package var mark: SourceLocation?
    /// What was being read when the problem was found, such as "while parsing a block mapping".
    package var context: String?
    /// Where that began.
    package var contextMark: SourceLocation?
    /// For the reader: the byte offset of the problem in the text.
    package var offset: Int?

    package init(
        _ kind: Kind,
        _ problem: String,
        at mark: SourceLocation? = nil,
        context: String? = nil,
        contextMark: SourceLocation? = nil,
        offset: Int? = nil
    ) {
        self.kind = kind
        self.problem = problem
        self.mark = mark
        self.context = context
        self.contextMark = contextMark
        self.offset = offset
    }

    /// `3:5: error: parser: while parsing a block mapping in line 1, column 1\ndid not find expected key`.
    package var description: String {
        var text = mark.map { "\($0): " } ?? ""
        text += "error: \(kind.rawValue): "
        if let context {
            text += context
            if let contextMark { text += " in line \(contextMark.line), column \(contextMark.column)" }
            text += "\n"
        }
        text += problem
        if let offset { text += " at byte \(offset)" }
        return text
    }

    /// `description`, a colon and the line of `text` it points at with a caret under the column, as Yams
    /// printed its errors.
    package func report(in text: String) -> String {
        guard let mark else { return description }
        let lines = text.split(omittingEmptySubsequences: false) { Self.lineBreaks.contains($0) }
        guard mark.line >= 1, mark.line <= lines.count else { return description }
        let line = lines[mark.line - 1]
        let indent = line.unicodeScalars.prefix(mark.column - 1).reduce(0) { $0 + $1.utf16.count }
        return description + ":\n" + line + "\n" + String(repeating: " ", count: indent) + "^"
    }

    /// libyaml's line breaks.
    private static let lineBreaks: Set<Character> = ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]
}
