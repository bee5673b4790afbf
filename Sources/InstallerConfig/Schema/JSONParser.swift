/// A small strict JSON parser: for config values that DC/OS let users write as JSON strings
/// (`master_list: '["10.0.0.1"]'`, `dcos_overlay_network: '{...}'`), and for every JSON file and report the
/// installer reads (manifest.json, run journals, the lock's holder, the nodes' reports). Each caller names its
/// `JSONValue.ParseLimits`; no text makes it recurse without bound, hang or allocate beyond its size.
struct JSONParser {
    struct Failure: Error {
        var message: String
    }

    private let bytes: [UInt8]
    private let limits: JSONValue.ParseLimits
    private var index = 0

    static func parse(_ text: String, limits: JSONValue.ParseLimits = .configValue) throws(Failure) -> JSONValue {
        guard text.utf8.count <= limits.maximumBytes else {
            throw Failure(message: "the text is longer than \(limits.maximumBytes) bytes, the limit")
        }
        var parser = JSONParser(bytes: Array(text.utf8), limits: limits)
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: [UInt8], limits: JSONValue.ParseLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: "\(message) at character \(index + 1)")
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of text") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < limits.maximumDepth else { throw tooDeep() }
            index += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw failure("expected a quoted key")
                }
                let key = try parseString()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipSpace()
                members[key] = try parseValue(depth: depth + 1)
                guard members.count <= limits.maximumItems else { throw tooManyItems() }
                skipSpace()
                guard index < bytes.count else { throw failure("unexpected end of text") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
                index += 1
                return .object(members)
            }
        case UInt8(ascii: "["):
            guard depth < limits.maximumDepth else { throw tooDeep() }
            index += 1
            var values: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                skipSpace()
                values.append(try parseValue(depth: depth + 1))
                guard values.count <= limits.maximumItems else { throw tooManyItems() }
                skipSpace()
                guard index < bytes.count else { throw failure("unexpected end of text") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                index += 1
                return .array(values)
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try parseNumber()
        }
    }

    private func tooDeep() -> Failure {
        failure("nesting is too deep (more than \(limits.maximumDepth) levels)")
    }

    private func tooManyItems() -> Failure {
        failure("a list or object has more than \(limits.maximumItems) items")
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws(Failure) -> JSONValue {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
            throw failure("unexpected character")
        }
        index += utf8.count
        return value
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        guard index > start else { throw failure("unexpected character") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let value = Int(text) { return .int(value) }
        if let value = Double(text) { return .double(value) }
        index = start
        throw failure("invalid number '\(text)'")
    }

    private mutating func parseString() throws(Failure) -> String {
        index += 1
        let start = index
        var chunkStart = index
        var out = ""
        while index < bytes.count {
            guard index - start <= limits.maximumStringBytes else {
                throw failure("a string is longer than \(limits.maximumStringBytes) bytes")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                out += String(decoding: bytes[chunkStart..<index], as: UTF8.self)
                index += 1
                return out
            }
            if byte < 0x20 { throw failure("control character in string") }
            if byte == UInt8(ascii: "\\") {
                out += String(decoding: bytes[chunkStart..<index], as: UTF8.self)
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out += "\""
                case UInt8(ascii: "\\"): out += "\\"
                case UInt8(ascii: "/"): out += "/"
                case UInt8(ascii: "b"): out += "\u{08}"
                case UInt8(ascii: "f"): out += "\u{0C}"
                case UInt8(ascii: "n"): out += "\n"
                case UInt8(ascii: "r"): out += "\r"
                case UInt8(ascii: "t"): out += "\t"
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                        let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                    else { throw failure("invalid \\u escape") }
                    index += 4
                    out.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: throw failure("invalid escape")
                }
                chunkStart = index
                continue
            }
            index += 1
        }
        throw failure("unterminated string")
    }
}
