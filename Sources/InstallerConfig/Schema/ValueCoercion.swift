import InstallerSystem

/// Turns what the user wrote into a typed value, or a message that says what was expected.
enum ValueCoercion {
    struct Problem: Error {
        var message: String
        var location: SourceLocation?
    }

    static func coerce(_ yaml: YAMLValue, to kind: ValueKind, secret: Bool) -> Result<ConfigValue, Problem> {
        let shown = secret ? "a value" : yaml.kindDescription
        switch kind {
        case .string, .duration, .absolutePath, .localPath, .url, .oneOf, .countOrPercent:
            guard case .scalar(let scalar) = yaml else {
                return .failure(Problem(message: "Must be a single value, but is \(shown).", location: yaml.location))
            }
            let text: String
            switch scalar.kind {
            case .bool(let value): text = value ? "true" : "false"
            default: text = scalar.text
            }
            return .success(.string(text))
        case .bool:
            if case .scalar(let scalar) = yaml {
                switch scalar.kind {
                case .bool(let value): return .success(.bool(value))
                case .string where scalar.text == "true": return .success(.bool(true))
                case .string where scalar.text == "false": return .success(.bool(false))
                default: break
                }
            }
            return .failure(Problem(message: "Must be true or false, but is \(shown).", location: yaml.location))
        case .int(let min, let max):
            let number: Int
            switch yaml {
            case .scalar(let scalar):
                switch scalar.kind {
                case .int(let value): number = value
                case .string:
                    guard let value = Int(scalar.text.trimmingBlanks()) else {
                        return .failure(
                            Problem(message: "Must be an integer, but is \(shown).", location: yaml.location)
                        )
                    }
                    number = value
                default:
                    return .failure(Problem(message: "Must be an integer, but is \(shown).", location: yaml.location))
                }
            default:
                return .failure(Problem(message: "Must be an integer, but is \(shown).", location: yaml.location))
            }
            if number < min || (max.map { number > $0 } ?? false) {
                let range = max.map { "between \(min) and \($0)" } ?? "at least \(min)"
                return .failure(Problem(message: "Must be \(range), but is \(number).", location: yaml.location))
            }
            return .success(.int(number))
        case .stringList, .ipv4List:
            switch yaml {
            case .sequence(let items, _):
                var values: [String] = []
                values.reserveCapacity(items.count)
                for item in items {
                    guard case .scalar(let scalar) = item, scalar.kind != .null else {
                        return .failure(
                            Problem(
                                message:
                                    "Each list item must be a single text value, but one is \(item.kindDescription).",
                                location: item.location
                            )
                        )
                    }
                    values.append(scalar.text)
                }
                return .success(.list(values))
            case .scalar(let scalar) where scalar.kind == .string && scalar.text.hasPrefix("["):
                switch parseJSON(scalar.text, location: scalar.location) {
                case .failure(let problem): return .failure(problem)
                case .success(.array(let items)):
                    var values: [String] = []
                    for item in items {
                        guard case .string(let text) = item else {
                            return .failure(
                                Problem(
                                    message: "Items in the list must be strings, but one is \(item.kindDescription).",
                                    location: scalar.location
                                )
                            )
                        }
                        values.append(text)
                    }
                    return .success(.list(values))
                case .success(let other):
                    return .failure(
                        Problem(message: "Must be a list, but is \(other.kindDescription).", location: scalar.location)
                    )
                }
            default:
                return .failure(
                    Problem(
                        message: "Must be a list (one `- item` per line, or [a, b]), but is \(shown).",
                        location: yaml.location
                    )
                )
            }
        case .json(let shape):
            let json: JSONValue
            switch yaml {
            case .sequence, .mapping: json = JSONValue(yaml: yaml)
            case .scalar(let scalar)
            where scalar.kind == .string && (scalar.text.hasPrefix("{") || scalar.text.hasPrefix("[")):
                switch parseJSON(scalar.text, location: scalar.location) {
                case .failure(let problem):
                    return .failure(
                        secret
                            ? Problem(
                                message: "Must be valid JSON or a YAML mapping; the value could not be parsed.",
                                location: problem.location
                            ) : problem
                    )
                case .success(let value): json = value
                }
            default:
                let expected = shape == .object ? "a mapping" : "a list"
                return .failure(Problem(message: "Must be \(expected), but is \(shown).", location: yaml.location))
            }
            switch (shape, json) {
            case (.object, .object), (.array, .array): return .success(.json(json))
            case (.object, _):
                return .failure(
                    Problem(
                        message: "Must be a mapping (`name: value` pairs), but is \(json.kindDescription).",
                        location: yaml.location
                    )
                )
            case (.array, _):
                return .failure(
                    Problem(message: "Must be a list, but is \(json.kindDescription).", location: yaml.location)
                )
            }
        }
    }

    private static func parseJSON(_ text: String, location: SourceLocation) -> Result<JSONValue, Problem> {
        do {
            return .success(try JSONParser.parse(text))
        } catch {
            return .failure(
                Problem(
                    message:
                        "The value looks like JSON but cannot be parsed: \(error.message). Fix the JSON, or write the value as YAML.",
                    location: location
                )
            )
        }
    }
}
