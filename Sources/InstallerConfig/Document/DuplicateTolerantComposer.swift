import Yams

/// Composes YAML text into Yams nodes even when a mapping repeats a key, so that a repeated key is one
/// error among the others of the file instead of the end of the validation.
///
/// Yams refuses such a mapping outright (`YamlError.duplicatedKeysInMapping`, with the position of only
/// the first occurrence of one of the repeated keys) and has no option to accept it. So each time it
/// refuses, that occurrence is renamed, in a working copy of the text, to a placeholder made of exactly as
/// many Unicode scalars (libyaml counts columns in scalars, so every line and column of the file stays
/// what it was), and the copy is parsed again, until it composes. `originalKeys` maps the position of each
/// renamed key back to what the user wrote; `ConfigDocument` then finds the repeats itself, each at its
/// own position.
///
/// The repeated keys `ConfigLimitScanner` found are renamed before the first parse, so a file with many of
/// them is parsed about once, not once per key; the loop is for the rest (a tagged key, say), and stops
/// after `ConfigLimits.maximumRepeatedKeys` renames, so no file makes it parse without end.
///
/// A key that cannot be renamed in place (written with escapes, a tag, over several lines, ...), or one
/// beyond that number, gets Yams' error rethrown, which `YAMLErrorTranslator` reports at its first occurrence.
struct DuplicateTolerantComposer {
    /// Private-use scalars (UTF-8 lead byte 0xEE): printable for libyaml, so valid in a plain scalar,
    /// and not something a config file contains. A text that does contain one is not rewritten.
    static let placeholderScalars: ClosedRange<UInt32> = 0xE000...0xEFFF

    private var scalars: [Unicode.Scalar]
    /// Offset in `scalars` of the start of each line, as libyaml counts lines.
    private let lineStarts: [Int]
    private let rewritable: Bool
    private var originalKeys: [SourceLocation: String] = [:]

    init(text: String) {
        scalars = Array(text.unicodeScalars)
        lineStarts = Self.lineStarts(of: scalars)
        rewritable = !scalars.contains { Self.placeholderScalars.contains($0.value) }
    }

    /// The root node (nil for an empty document) and the names of the keys renamed to compose it, by position.
    /// `repeatedKeys`: the repeats known before parsing (each one after the first of its mapping), renamed
    /// first. Throws the `YamlError` of the first problem that is not a repeated key that could be renamed.
    static func compose(
        _ text: String,
        repeatedKeys: [(name: String, location: SourceLocation)] = []
    ) throws -> (root: Node?, originalKeys: [SourceLocation: String]) {
        var composer = DuplicateTolerantComposer(text: text)
        var source = text
        var renamed = false
        for key in repeatedKeys where composer.rename(key.name, at: key.location) { renamed = true }
        if renamed { source = String(String.UnicodeScalarView(composer.scalars)) }
        var retries = 0
        while true {
            do {
                let parser = try Parser(yaml: source, resolver: .basic, constructor: .default, encoding: .utf8)
                return (try parser.singleRoot(), composer.originalKeys)
            } catch let error as YamlError {
                guard case .duplicatedKeysInMapping(let names, let context) = error, let name = names.first,
                    retries < ConfigLimits.maximumRepeatedKeys,
                    composer.rename(name, at: SourceLocation(line: context.mark.line, column: context.mark.column))
                else { throw error }
                retries += 1
                source = String(String.UnicodeScalarView(composer.scalars))
            }
        }
    }

    /// Replaces the key `name` whose scalar starts at `location` with the next placeholder; false when the
    /// text there is not `name` written plainly or in quotes without escapes.
    private mutating func rename(_ name: String, at location: SourceLocation) -> Bool {
        guard rewritable, originalKeys[location] == nil, location.line >= 1, location.line <= lineStarts.count,
            location.column >= 1
        else { return false }
        let written = Array(name.unicodeScalars)
        var start = lineStarts[location.line - 1] + location.column - 1
        guard start < scalars.count, !written.isEmpty else { return false }
        let quote = scalars[start]
        let quoted = quote == "\"" || quote == "'"
        if quoted { start += 1 }
        let end = start + written.count
        guard end <= scalars.count, Array(scalars[start..<end]) == written,
            !quoted || (end < scalars.count && scalars[end] == quote),
            let placeholder = placeholder(number: originalKeys.count, length: written.count)
        else { return false }
        scalars.replaceSubrange(start..<end, with: placeholder)
        originalKeys[location] = name
        return true
    }

    /// `number` in base 4096 with `length` digits, each digit a placeholder scalar; nil when it does not fit.
    private func placeholder(number: Int, length: Int) -> [Unicode.Scalar]? {
        let base = Int(Self.placeholderScalars.count)
        var rest = number
        var digits: [Unicode.Scalar] = []
        for _ in 0..<length {
            guard let digit = Unicode.Scalar(Self.placeholderScalars.lowerBound + UInt32(rest % base)) else {
                return nil
            }
            digits.append(digit)
            rest /= base
        }
        return rest == 0 ? digits : nil
    }

    /// Line starts by libyaml's line breaks (CR LF, CR, LF, NEL, LS, PS); a leading byte order mark is
    /// not part of the first line.
    private static func lineStarts(of scalars: [Unicode.Scalar]) -> [Int] {
        var starts = [scalars.first == "\u{FEFF}" ? 1 : 0]
        var index = 0
        while index < scalars.count {
            switch scalars[index] {
            case "\r":
                if index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                starts.append(index + 1)
            case "\n", "\u{85}", "\u{2028}", "\u{2029}":
                starts.append(index + 1)
            default:
                break
            }
            index += 1
        }
        return starts
    }
}
