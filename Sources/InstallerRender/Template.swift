import InstallerSystem

/// A parsed template in the Mustache subset the release uses: `{{name}}` (escaped for the file's
/// ``TemplateContext``; `{{{name}}}` and `{{&name}}` are written as they are, where the context allows
/// it), sections `{{#name}}…{{/name}}` over booleans, lists and
/// objects, inverted sections `{{^name}}…{{/name}}`, comments `{{! … }}`, pragmas `{{% … }}` (ignored),
/// `{{.}}` for the current list item, and `first()`, `last()`, `index()` inside list sections.
/// Standalone section, comment and pragma tags take their whole line with them, as the Mustache spec says.
///
/// Written for genconf's speed: swift-mustache's parser is quadratic on long shell templates full of `{`.
struct Template: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable(name: String, line: Int, raw: Bool, escape: Escape)
        case section(name: String, inverted: Bool, children: [Node], line: Int)
    }

    let file: String
    let context: TemplateContext
    let nodes: [Node]

    /// Every name the template uses, at any depth (variables and sections; dotted names whole).
    var names: Set<String> {
        var found: Set<String> = []
        func collect(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .text: continue
                case .variable(let name, _, _, _): found.insert(name)
                case .section(let name, _, let children, _):
                    found.insert(name)
                    collect(children)
                }
            }
        }
        collect(nodes)
        return found
    }

    // MARK: - Parsing

    private enum Token {
        case text(String)
        case tag(sigil: Character?, name: String, line: Int, raw: Bool)

        var isStandaloneKind: Bool {
            guard case .tag(let sigil?, _, _, _) = self else { return false }
            return "#^/!%".contains(sigil)
        }

        var isBlank: Bool {
            guard case .text(let text) = self else { return false }
            return text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        }
    }

    init(file: String, text: String, context: TemplateContext) throws(RenderErrors) {
        self.file = file
        self.context = context
        var errors: [RenderError] = []
        let tokens = Self.removeStandaloneLines(Self.tokenize(text, file: file, errors: &errors))
        var stack: [(name: String, inverted: Bool, line: Int, children: [Node])] = [("", false, 0, [])]
        for token in tokens {
            switch token {
            case .text(let text):
                stack[stack.count - 1].children.append(.text(text))
            case .tag(let sigil, let name, let line, let raw):
                switch sigil {
                case "!", "%":
                    continue
                case "#", "^":
                    stack.append((name, sigil == "^", line, []))
                case "/":
                    guard stack.count > 1 else {
                        errors.append(
                            RenderError(
                                file: file,
                                line: line,
                                "'{{/\(name)}}' closes a section that was never opened."
                            )
                        )
                        continue
                    }
                    let open = stack.removeLast()
                    if open.name != name {
                        errors.append(
                            RenderError(
                                file: file,
                                line: line,
                                "'{{/\(name)}}' closes '{{#\(open.name)}}' opened at line \(open.line); close sections in order."
                            )
                        )
                    }
                    stack[stack.count - 1].children.append(
                        .section(name: open.name, inverted: open.inverted, children: open.children, line: open.line)
                    )
                case ">", "=", "<", "$":
                    errors.append(
                        RenderError(
                            file: file,
                            line: line,
                            "The Mustache tag '{{\(sigil!)...}}' is not supported in release templates; use only variables and sections."
                        )
                    )
                default:
                    stack[stack.count - 1].children.append(.variable(name: name, line: line, raw: raw, escape: .text))
                }
            }
        }
        for open in stack.dropFirst() {
            errors.append(
                RenderError(
                    file: file,
                    line: open.line,
                    "The section '{{#\(open.name)}}' is never closed with '{{/\(open.name)}}'."
                )
            )
        }
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        let analysis = ContextAnalysis.annotate(stack[0].children, file: file, context: context)
        guard analysis.errors.isEmpty else { throw RenderErrors(errors: analysis.errors) }
        nodes = analysis.nodes
    }

    /// Splits text into text runs (each ending at a newline at the latest) and tags.
    private static func tokenize(_ text: String, file: String, errors: inout [RenderError]) -> [Token] {
        let bytes = Array(text.utf8)
        var tokens: [Token] = []
        var line = 1
        var runStart = 0
        var index = 0
        func flush(to end: Int) {
            if end > runStart { tokens.append(.text(String(decoding: bytes[runStart..<end], as: UTF8.self))) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                index += 1
                flush(to: index)
                runStart = index
                line += 1
                continue
            }
            guard byte == UInt8(ascii: "{"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            let triple = index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "{")
            let open = index + (triple ? 3 : 2)
            guard let close = find(bytes, triple ? [0x7D, 0x7D, 0x7D] : [0x7D, 0x7D], from: open) else {
                errors.append(RenderError(file: file, line: line, "A '{{' is never closed with '}}'."))
                break
            }
            flush(to: index)
            var body = Substring(String(decoding: bytes[open..<close], as: UTF8.self))
            var sigil: Character?
            let raw = triple || body.first == "&"
            if !triple, let first = body.first, "#^/!>&%=<$".contains(first) {
                sigil = first == "&" ? nil : first
                body = body.dropFirst()
            }
            let name = String(body.trimmingWhitespace())
            tokens.append(.tag(sigil: sigil, name: name, line: line, raw: raw))
            line += bytes[open..<close].reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            index = close + (triple ? 3 : 2)
            runStart = index
        }
        flush(to: bytes.count)
        return tokens
    }

    /// Mustache "standalone" rule: a line holding only whitespace and one section, inverted, closing,
    /// comment or pragma tag is removed from the output (the tag keeps its meaning).
    private static func removeStandaloneLines(_ tokens: [Token]) -> [Token] {
        var output: [Token] = []
        output.reserveCapacity(tokens.count)
        var lineStart = 0
        while lineStart < tokens.count {
            var lineEnd = lineStart
            while lineEnd < tokens.count {
                if case .text(let text) = tokens[lineEnd], text.hasSuffix("\n") {
                    lineEnd += 1
                    break
                }
                lineEnd += 1
            }
            let line = tokens[lineStart..<lineEnd]
            let tags = line.filter { if case .tag = $0 { true } else { false } }
            if tags.count == 1, tags[0].isStandaloneKind, line.allSatisfy({ $0.isStandaloneKind || $0.isBlank }) {
                output.append(tags[0])
            } else {
                output.append(contentsOf: line)
            }
            lineStart = lineEnd
        }
        return output
    }

    private static func find(_ bytes: [UInt8], _ pattern: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + pattern.count <= bytes.count {
            if bytes[index] == pattern[0] && Array(bytes[index..<index + pattern.count]) == pattern { return index }
            index += 1
        }
        return nil
    }

    // MARK: - Rendering

    /// One level of context: an object's members, or a list item with its position.
    struct Frame {
        var value: TemplateValue
        var position: (index: Int, count: Int)?
    }

    /// Renders with every value escaped for the template's context; values the context cannot hold (a
    /// newline in a line-oriented file) are errors with the line and the value's name.
    func render(_ root: [String: TemplateValue]) throws(RenderErrors) -> String {
        var out = ""
        var errors: [RenderError] = []
        var frames = [Frame(value: .object(root), position: nil)]
        render(nodes, frames: &frames, into: &out, errors: &errors)
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        return out
    }

    private func render(_ nodes: [Node], frames: inout [Frame], into out: inout String, errors: inout [RenderError]) {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .variable(let name, let line, _, let escape):
                switch Self.lookup(name, frames: frames) {
                case .string(let text)?:
                    if let problem = escape.append(text, to: &out) {
                        errors.append(
                            RenderError(
                                file: file,
                                line: line,
                                "The value of '\(name)' \(problem), so it cannot be written into this \(context.rawValue) file. Change the value in config.yaml."
                            )
                        )
                    }
                case .bool(let flag)?: out += flag ? "true" : "false"
                default: break  // the checker rejects lists, objects and undefined names before rendering
                }
            case .section(let name, let inverted, let children, _):
                let value = Self.lookup(name, frames: frames)
                if inverted {
                    if !Self.isTruthy(value) { render(children, frames: &frames, into: &out, errors: &errors) }
                    continue
                }
                switch value {
                case .bool(true)?:
                    render(children, frames: &frames, into: &out, errors: &errors)
                case .list(let items)?:
                    for (index, item) in items.enumerated() {
                        frames.append(Frame(value: item, position: (index, items.count)))
                        render(children, frames: &frames, into: &out, errors: &errors)
                        frames.removeLast()
                    }
                case .object?:
                    frames.append(Frame(value: value!, position: nil))
                    render(children, frames: &frames, into: &out, errors: &errors)
                    frames.removeLast()
                case .string(let text)? where !text.isEmpty:
                    render(children, frames: &frames, into: &out, errors: &errors)
                default:
                    break
                }
            }
        }
    }

    static func isTruthy(_ value: TemplateValue?) -> Bool {
        switch value {
        case .bool(let flag)?: flag
        case .list(let items)?: !items.isEmpty
        case .string(let text)?: !text.isEmpty
        case .object?: true
        case nil: false
        }
    }

    /// Resolves `name` innermost frame first: `.`, `first()`, `last()`, `index()`, or a dotted name.
    static func lookup(_ name: String, frames: [Frame]) -> TemplateValue? {
        if name == "." { return frames.last?.value }
        if name.hasSuffix("()") {
            guard let position = frames.last(where: { $0.position != nil })?.position else { return nil }
            switch name {
            case "first()": return .bool(position.index == 0)
            case "last()": return .bool(position.index == position.count - 1)
            case "index()": return .string(String(position.index))
            default: return nil
            }
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        var found: TemplateValue?
        for frame in frames.reversed() {
            if case .object(let members) = frame.value, let value = members[String(parts[0])] {
                found = value
                break
            }
        }
        for part in parts.dropFirst() {
            guard case .object(let members)? = found else { return nil }
            found = members[String(part)]
        }
        return found
    }
}
