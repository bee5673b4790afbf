/// A value a template can use: text, a flag for `{{#flag}}` sections, a list for loops, or an object.
public indirect enum TemplateValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])

    var kindDescription: String {
        switch self {
        case .string: "text"
        case .bool: "a boolean"
        case .list: "a list"
        case .object: "an object"
        }
    }
}
