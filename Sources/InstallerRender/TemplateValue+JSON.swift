import InstallerConfig

extension TemplateValue {
    /// The template value of a derived value (``DerivedValues``): null is the empty text, numbers are text.
    public init(_ json: JSONValue) {
        switch json {
        case .null: self = .string("")
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .string(String(number))
        case .double(let number): self = .string(JSONValue.double(number).encoded())
        case .string(let text): self = .string(text)
        case .array(let items): self = .list(items.map(TemplateValue.init))
        case .object(let members): self = .object(members.mapValues(TemplateValue.init))
        }
    }
}
