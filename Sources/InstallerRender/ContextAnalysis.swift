/// Decides, for every variable of a template, how its value is escaped, from where it stands in the
/// file's syntax (``TemplateContext``); a variable that stands where no escaping makes it safe is an
/// error with its file and line. Sections are read in source order with all their branches, as if every
/// section were rendered once.
struct ContextAnalysis {
    let file: String
    let context: TemplateContext
    var errors: [RenderError] = []
    private var shell = ShellScanner()
    private var json = JSONScanner()
    private var lines = LineScanner()
    /// `script`: variables and non-empty text seen.
    private var scriptVariables = 0
    private var scriptText = false

    init(file: String, context: TemplateContext) {
        self.file = file
        self.context = context
    }

    static func annotate(_ nodes: [Template.Node], file: String, context: TemplateContext) -> (
        nodes: [Template.Node], errors: [RenderError]
    ) {
        var analysis = ContextAnalysis(file: file, context: context)
        let annotated = analysis.walk(nodes)
        analysis.finish()
        return (annotated, analysis.errors)
    }

    private mutating func fail(_ line: Int, _ message: String) {
        errors.append(RenderError(file: file, line: line, message))
    }

    private mutating func walk(_ nodes: [Template.Node]) -> [Template.Node] {
        nodes.map { node in
            switch node {
            case .text(let text):
                feed(text)
                return node
            case .variable(let name, let line, let raw, _):
                return .variable(name: name, line: line, raw: raw, escape: escape(name, line: line, raw: raw))
            case .section(let name, let inverted, let children, let line):
                return .section(name: name, inverted: inverted, children: walk(children), line: line)
            }
        }
    }

    private mutating func feed(_ text: String) {
        switch context {
        case .shell: shell.feed(text)
        case .json: json.feed(text)
        case .env, .unit: lines.feed(text)
        case .script: if !text.isEmpty { scriptText = true }
        case .nginx, .text: break
        }
    }

    private mutating func finish() {
        switch context {
        case .shell:
            shell.finish()
            errors += shell.problems.map { RenderError(file: file, line: $0.line, $0.message) }
        case .env, .unit:
            for line in lines.finish() { fail(line, Self.unitLineEnd) }
        case .script:
            if scriptText || scriptVariables != 1 {
                fail(
                    1,
                    "A script template must be exactly one variable (the whole file is that value), with no other text."
                )
            }
        case .json, .nginx, .text:
            break
        }
    }

    private static let unitLineEnd =
        "A value at the end of a line could end in a backslash, which continues the line; put text after it (e.g. a closing parenthesis)."

    private mutating func escape(_ name: String, line: Int, raw: Bool) -> Escape {
        if context == .script {
            scriptVariables += 1
            return .verbatim
        }
        if raw {
            guard context == .json, TemplateContext.isEncodedJSON(name) else {
                fail(
                    line,
                    "'{{{\(name)}}}' would write '\(name)' unescaped into a \(context.rawValue) file; use {{\(name)}} (values are escaped for the file's context). Unescaped output is only for installer-encoded JSON (names ending in _json) in json files."
                )
                return .text
            }
            if json.inString {
                fail(line, "'{{{\(name)}}}' is a whole JSON value and cannot stand inside a JSON string.")
            }
            return .verbatim
        }
        switch context {
        case .shell:
            if let problem = shell.variable(line: line) {
                fail(
                    line,
                    "'{{\(name)}}' is \(problem); in a shell template every value must be inside a single-quoted string on its line, e.g. NAME='{{\(name)}}'."
                )
            }
            return .shellSingleQuoted
        case .json:
            return json.inString ? .jsonString : .jsonValue
        case .env:
            if !lines.sawEquals && !lines.isComment {
                fail(
                    line,
                    "'{{\(name)}}' must stand in a value (after KEY=) or in a comment line of an environment file."
                )
            }
            lines.variableEndsLine = false
            return .env
        case .unit:
            if !lines.currentLine.hasPrefix("Description=") {
                fail(
                    line,
                    "'{{\(name)}}' may only appear in Description= of a unit: other settings unquote, unescape and expand specifiers. Pass values through an EnvironmentFile instead."
                )
            }
            lines.variableEndsLine = true
            lines.variableLine = line
            return .unit
        case .nginx: return .nginx
        case .text: return .text
        case .script: return .verbatim
        }
    }
}

// MARK: - Line-oriented files (env, unit)

/// What stands before a variable on its line.
struct LineScanner {
    var currentLine = ""
    var line = 1
    var sawEquals: Bool { currentLine.contains("=") }
    var isComment: Bool {
        let trimmed = currentLine.drop { $0 == " " || $0 == "\t" }
        return trimmed.first == "#" || trimmed.first == ";"
    }
    /// A unit variable with no text after it yet on its line.
    var variableEndsLine = false
    var variableLine = 0
    var lineEndProblems: [Int] = []

    mutating func feed(_ text: String) {
        for character in text.unicodeScalars {
            if character == "\n" {
                if variableEndsLine { lineEndProblems.append(variableLine) }
                variableEndsLine = false
                currentLine = ""
                line += 1
            } else {
                variableEndsLine = false
                currentLine.unicodeScalars.append(character)
            }
        }
    }

    mutating func finish() -> [Int] {
        if variableEndsLine { lineEndProblems.append(variableLine) }
        return lineEndProblems
    }
}

// MARK: - JSON

/// Whether the text so far ends inside a JSON string.
struct JSONScanner {
    var inString = false
    private var escaped = false

    mutating func feed(_ text: String) {
        for byte in text.utf8 {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
        }
    }
}

// MARK: - Shell

/// A small bash lexer: quotes, `$'…'`, `$(…)` and backticks (nested), comments and heredocs, enough to
/// tell whether a variable stands inside a single-quoted string.
struct ShellScanner {
    private enum State {
        /// Top level, or inside `$(…)` with its open parentheses.
        case code(depth: Int, substitution: Bool)
        /// `newlines`: line ends inside the string so far.
        case single(newlines: Int)
        case double
        case ansi
        case backtick
        case comment
    }

    private var stack: [State] = [.code(depth: 0, substitution: false)]
    private var previous = UInt8(ascii: "\n")
    private var skipNext = false
    private var dollar = false
    private var lessThanRun = 0
    /// The bytes of the current line, and where a `<<` ends in it.
    private var currentLine: [UInt8] = []
    private var heredocStarts: [Int] = []
    /// Heredoc bodies still to read (their delimiters), and the body line being read.
    private var heredocs: [(word: String, stripTabs: Bool)] = []
    private var bodyLine: [UInt8] = []
    /// Variables inside the single-quoted string now open (their lines).
    private var openVariables: [Int] = []
    private(set) var problems: [(line: Int, message: String)] = []

    /// Where a variable at this point stands, or nil when it is inside a single-quoted string opened on
    /// its line.
    mutating func variable(line variableLine: Int) -> String? {
        if !heredocs.isEmpty { return "inside a heredoc (a value could hold its end line)" }
        switch stack.last! {
        case .single(newlines: 0):
            openVariables.append(variableLine)
            return nil
        case .single: return "inside a single-quoted string that starts on an earlier line"
        case .double: return "inside a double-quoted string (where $, ` and \\ are live)"
        case .ansi: return "inside a $'...' string (where backslashes are escapes)"
        case .comment: return "in a comment (a newline in the value would end it)"
        case .backtick, .code: return "not quoted"
        }
    }

    mutating func feed(_ text: String) {
        for byte in text.utf8 { step(byte) }
    }

    /// Reports variables whose single-quoted string is never closed.
    mutating func finish() {
        if case .single? = stack.last {
            for line in openVariables {
                problems.append((line, "The single-quoted string holding this value is never closed."))
            }
        }
    }

    private mutating func step(_ byte: UInt8) {
        defer { previous = byte }
        if !heredocs.isEmpty {
            if byte == UInt8(ascii: "\n") {
                var body = bodyLine[...]
                if heredocs[0].stripTabs { body = body.drop { $0 == 0x09 } }
                if String(decoding: body, as: UTF8.self) == heredocs[0].word { heredocs.removeFirst() }
                bodyLine = []
            } else {
                bodyLine.append(byte)
            }
            return
        }
        currentLine.append(byte)
        if skipNext {
            skipNext = false
            return
        }
        let wasDollar = dollar
        dollar = false
        switch stack.last! {
        case .comment:
            if byte == UInt8(ascii: "\n") {
                stack.removeLast()
                endOfLine()
            }
        case .single(let newlines):
            if byte == UInt8(ascii: "\n") {
                stack[stack.count - 1] = .single(newlines: newlines + 1)
            } else if byte == UInt8(ascii: "'") {
                stack.removeLast()
                if newlines > 0 {
                    for variableLine in openVariables {
                        problems.append(
                            (
                                variableLine,
                                "The single-quoted string holding this value must close on the same line it opens."
                            )
                        )
                    }
                }
                openVariables = []
            }
        case .ansi:
            if byte == UInt8(ascii: "\\") {
                skipNext = true
            } else if byte == UInt8(ascii: "'") {
                stack.removeLast()
            }
        case .double:
            switch byte {
            case UInt8(ascii: "\\"): skipNext = true
            case UInt8(ascii: "\""): stack.removeLast()
            case UInt8(ascii: "`"): stack.append(.backtick)
            case UInt8(ascii: "$"): dollar = true
            case UInt8(ascii: "(") where wasDollar: stack.append(.code(depth: 0, substitution: true))
            default: break
            }
        case .backtick, .code:
            code(byte, wasDollar: wasDollar)
        }
    }

    private mutating func code(_ byte: UInt8, wasDollar: Bool) {
        let wordStart = previous == UInt8(ascii: "\n") || " \t;&|()<>".utf8.contains(previous)
        if byte == UInt8(ascii: "<") {
            lessThanRun += 1
            if lessThanRun == 2 {
                heredocStarts.append(currentLine.count)
            } else if lessThanRun == 3 {
                heredocStarts.removeLast()  // `<<<`: a here-string
            }
            return
        }
        lessThanRun = 0
        switch byte {
        case UInt8(ascii: "\\"): skipNext = true
        case UInt8(ascii: "'"): stack.append(wasDollar ? .ansi : .single(newlines: 0))
        case UInt8(ascii: "\""): stack.append(.double)
        case UInt8(ascii: "$"): dollar = true
        case UInt8(ascii: "#") where wordStart: stack.append(.comment)
        case UInt8(ascii: "`"):
            if case .backtick = stack.last! { stack.removeLast() } else { stack.append(.backtick) }
        case UInt8(ascii: "("):
            if wasDollar {
                stack.append(.code(depth: 0, substitution: true))
            } else if case .code(let depth, let substitution) = stack.last! {
                stack[stack.count - 1] = .code(depth: depth + 1, substitution: substitution)
            }
        case UInt8(ascii: ")"):
            if case .code(let depth, let substitution) = stack.last! {
                if depth > 0 {
                    stack[stack.count - 1] = .code(depth: depth - 1, substitution: substitution)
                } else if substitution {
                    stack.removeLast()
                }
            }
        case UInt8(ascii: "\n"):
            endOfLine()
        default:
            break
        }
    }

    /// At the end of a line, the delimiters of the heredocs it opened: their bodies follow.
    private mutating func endOfLine() {
        for start in heredocStarts {
            var index = start
            var stripTabs = false
            if index < currentLine.count, currentLine[index] == UInt8(ascii: "-") {
                stripTabs = true
                index += 1
            }
            while index < currentLine.count, currentLine[index] == UInt8(ascii: " ") || currentLine[index] == 0x09 {
                index += 1
            }
            var word: [UInt8] = []
            while index < currentLine.count, !" \t\n;&|()<>".utf8.contains(currentLine[index]) {
                let byte = currentLine[index]
                if byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    word.append(byte)
                }
                index += 1
            }
            if !word.isEmpty { heredocs.append((String(decoding: word, as: UTF8.self), stripTabs)) }
        }
        heredocStarts = []
        currentLine = []
    }
}
