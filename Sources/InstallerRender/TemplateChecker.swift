/// Checks a template against the values it will get, before rendering: every name in every branch
/// must exist, sections must be over booleans, lists or objects, variables must be text, and
/// `first()`/`last()`/`index()`/`.` appear only inside list sections. Reports file:line per problem.
struct TemplateChecker {
    let root: [String: TemplateValue]

    private enum Scope {
        case object([String: TemplateValue])
        case listItem(TemplateValue?)
        case transparent
    }

    func check(_ template: Template) -> [RenderError] {
        var errors: [RenderError] = []
        var scopes: [Scope] = []
        walk(template.nodes, file: template.file, scopes: &scopes, errors: &errors)
        return errors
    }

    private func walk(_ nodes: [Template.Node], file: String, scopes: inout [Scope], errors: inout [RenderError]) {
        for node in nodes {
            switch node {
            case .text:
                continue
            case .variable(let name, let line, _, _):
                switch resolve(name, scopes: scopes) {
                case .missing(let message):
                    errors.append(RenderError(file: file, line: line, message))
                case .found(.list?), .found(.object?):
                    errors.append(
                        RenderError(
                            file: file,
                            line: line,
                            "'\(name)' is a list or object, not text; loop over it with {{#\(name)}}...{{/\(name)}} or use \(name)_json."
                        )
                    )
                case .found:
                    continue
                }
            case .section(let name, let inverted, let children, let line):
                var scope = Scope.transparent
                switch resolve(name, scopes: scopes) {
                case .missing(let message):
                    errors.append(RenderError(file: file, line: line, message))
                case .found(.string?) where !name.hasSuffix("()"):
                    errors.append(
                        RenderError(
                            file: file,
                            line: line,
                            "The section '\(name)' is over text; sections need a boolean, a list or an object (use a derived boolean such as has_\(name))."
                        )
                    )
                case .found(.object(let members)?):
                    if !inverted { scope = .object(members) }
                case .found(.list(let items)?):
                    if !inverted {
                        var merged: [String: TemplateValue] = [:]
                        var allObjects = !items.isEmpty
                        for item in items {
                            if case .object(let members) = item {
                                merged.merge(members) { current, _ in current }
                            } else {
                                allObjects = false
                            }
                        }
                        scope = allObjects ? .listItem(.object(merged)) : .listItem(items.first)
                    }
                case .found:
                    break
                }
                scopes.append(scope)
                walk(children, file: file, scopes: &scopes, errors: &errors)
                scopes.removeLast()
            }
        }
    }

    private enum Resolution {
        case found(TemplateValue?)
        case missing(String)
    }

    private func resolve(_ name: String, scopes: [Scope]) -> Resolution {
        let insideList = scopes.contains { if case .listItem = $0 { true } else { false } }
        if name == "." || name.hasSuffix("()") {
            guard insideList else { return .missing("'\(name)' is only meaningful inside a section over a list.") }
            guard name == "." || ["first()", "last()", "index()"].contains(name) else {
                return .missing("'\(name)' is not a list function; use first(), last() or index().")
            }
            if name == "." {
                for scope in scopes.reversed() { if case .listItem(let item) = scope { return .found(item) } }
            }
            return .found(name == "index()" ? .string("0") : .bool(true))
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var found: TemplateValue?
        for scope in scopes.reversed() {
            switch scope {
            case .object(let members), .listItem(.object(let members)?):
                if let value = members[parts[0]] { found = value }
            default: break
            }
            if found != nil { break }
        }
        if found == nil { found = root[parts[0]] }
        if found == nil, scopes.contains(where: { if case .listItem(.none) = $0 { true } else { false } }) {
            // Inside a section over a list that is empty for this rendering: nothing is rendered and the
            // items' names cannot be known (e.g. no optional packages in genconf/packages/).
            return .found(.bool(false))
        }
        for part in parts.dropFirst() {
            guard case .object(let members)? = found else { found = nil; break }
            found = members[part]
        }
        guard let found else {
            return .missing(
                "The template uses '\(name)', which is not a configuration key or derived value. Fix the name (see README's key table) or add the value to the installer."
            )
        }
        return .found(found)
    }
}
