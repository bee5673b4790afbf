/// A value a template can use: text, a flag for `{{#flag}}` sections, a list for loops, or an object.
public indirect enum TemplateValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])

    /// What swift-mustache understands: String, Bool, [Any], [String: Any].
    var mustacheValue: Any {
        switch self {
        case .string(let text): text
        case .bool(let flag): flag
        case .list(let items): items.map(\.mustacheValue)
        case .object(let members): members.mapValues(\.mustacheValue)
        }
    }

    var kindDescription: String {
        switch self {
        case .string: "text"
        case .bool: "a boolean"
        case .list: "a list"
        case .object: "an object"
        }
    }
}
