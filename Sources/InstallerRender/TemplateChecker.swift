/// Checks a Mustache template against the values it will get, before rendering: every name in every
/// branch must exist, sections must be over booleans, lists or objects, and only the Mustache features
/// we support are used. Reports file:line for each problem.
struct TemplateChecker {
    let file: String
    let root: [String: TemplateValue]

    private enum Frame {
        case object([String: TemplateValue])
        case scalarItem
        case transparent
        /// Inside a section over a list that is empty for this rendering: its items' names are unknown.
        case emptyList
    }

    /// swift-mustache's sequence transforms, booleans inside a section over a list.
    private static let sequenceFlags: Set<String> = ["first()", "last()", "even()", "odd()"]

    func check(_ text: String) -> [RenderError] {
        var errors: [RenderError] = []
        var frames: [Frame] = []
        var open: [(name: String, line: Int)] = []
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var lineCursor = 0
        func lineAt(_ position: Int) -> Int {
            while lineCursor < position {
                if bytes[lineCursor] == UInt8(ascii: "\n") { line += 1 }
                lineCursor += 1
            }
            return line
        }
        while let start = find(bytes, "{{", from: index) {
            let tagLine = lineAt(start)
            let triple = start + 2 < bytes.count && bytes[start + 2] == UInt8(ascii: "{")
            guard let end = find(bytes, triple ? "}}}" : "}}", from: start + 2) else {
                errors.append(RenderError(file: file, line: tagLine, "A '{{' is never closed with '}}'."))
                break
            }
            index = end + (triple ? 3 : 2)
            var body = String(decoding: bytes[(start + (triple ? 3 : 2))..<end], as: UTF8.self)
            var sigil: Character = " "
            if !triple, let first = body.first, "#^/!>&%=<$".contains(first) {
                sigil = first
                body.removeFirst()
            }
            let name = body.trimmingCharacters()
            switch sigil {
            case "!", "%":
                continue
            case ">", "=", "<", "$":
                errors.append(RenderError(file: file, line: tagLine, "The Mustache tag '{{\(sigil)...}}' is not supported in release templates; use only variables and sections."))
            case "#", "^":
                if Self.sequenceFlags.contains(name) && !frames.isEmpty {
                    frames.append(.transparent)
                    open.append((name, tagLine))
                    continue
                }
                let value = lookup(name, frames: frames)
                switch value {
                case nil:
                    errors.append(undefined(name, line: tagLine))
                    frames.append(.transparent)
                case .string?:
                    errors.append(RenderError(file: file, line: tagLine, "The section '\(name)' is over text; sections need a boolean, a list or an object (use a derived boolean such as has_\(name))."))
                    frames.append(.transparent)
                case .bool?:
                    frames.append(.transparent)
                case .object(let members)?:
                    frames.append(sigil == "#" ? .object(members) : .transparent)
                case .list(let items)?:
                    if sigil == "^" {
                        frames.append(.transparent)
                    } else if items.isEmpty {
                        frames.append(.emptyList)
                    } else if items.allSatisfy({ if case .object = $0 { true } else { false } }) && !items.isEmpty {
                        var keys: [String: TemplateValue] = [:]
                        for case .object(let members) in items { keys.merge(members) { current, _ in current } }
                        frames.append(.object(keys))
                    } else {
                        frames.append(.scalarItem)
                    }
                }
                open.append((name, tagLine))
            case "/":
                guard let last = open.popLast() else {
                    errors.append(RenderError(file: file, line: tagLine, "'{{/\(name)}}' closes a section that was never opened."))
                    continue
                }
                frames.removeLast()
                if last.name != name {
                    errors.append(RenderError(file: file, line: tagLine, "'{{/\(name)}}' closes '{{#\(last.name)}}' opened at line \(last.line); close sections in order."))
                }
            default:
                if name == "." {
                    if !frames.contains(where: { if case .scalarItem = $0 { true } else { false } }) {
                        errors.append(RenderError(file: file, line: tagLine, "'{{.}}' is only meaningful inside a section over a list."))
                    }
                    continue
                }
                switch lookup(name, frames: frames) {
                case nil: errors.append(undefined(name, line: tagLine))
                case .list?, .object?:
                    errors.append(RenderError(file: file, line: tagLine, "'\(name)' is \(lookup(name, frames: frames)!.kindDescription), not text; loop over it with {{#\(name)}}...{{/\(name)}} or use \(name)_json."))
                default: break
                }
            }
        }
        for section in open {
            errors.append(RenderError(file: file, line: section.line, "The section '{{#\(section.name)}}' is never closed with '{{/\(section.name)}}'."))
        }
        return errors
    }

    private func undefined(_ name: String, line: Int) -> RenderError {
        RenderError(file: file, line: line, "The template uses '\(name)', which is not a configuration key or derived value. Fix the name (see README's key table) or add the value to the installer.")
    }

    private func lookup(_ name: String, frames: [Frame]) -> TemplateValue? {
        let parts = name.split(separator: ".").map(String.init)
        guard let head = parts.first else { return nil }
        var found: TemplateValue?
        for frame in frames.reversed() {
            if case .object(let members) = frame, let value = members[head] {
                found = value
                break
            }
        }
        if found == nil { found = root[head] }
        if found == nil, frames.contains(where: { if case .emptyList = $0 { true } else { false } }) {
            // An item of a list that is empty here: accept the name, nothing will be rendered.
            return parts.count == 1 ? .bool(false) : nil
        }
        for part in parts.dropFirst() {
            guard case .object(let members)? = found else { return nil }
            found = members[part]
        }
        return found
    }

    private func find(_ bytes: [UInt8], _ needle: StaticString, from start: Int) -> Int? {
        let pattern = needle.withUTF8Buffer { Array($0) }
        guard start <= bytes.count - pattern.count else { return nil }
        var i = start
        while i <= bytes.count - pattern.count {
            if bytes[i] == pattern[0] {
                var matched = true
                for j in 1..<pattern.count where bytes[i + j] != pattern[j] {
                    matched = false
                    break
                }
                if matched { return i }
            }
            i += 1
        }
        return nil
    }
}

extension String {
    func trimmingCharacters() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
