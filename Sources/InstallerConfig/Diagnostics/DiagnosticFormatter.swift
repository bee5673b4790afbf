/// Formats diagnostics compiler-style for a terminal:
///
///     genconf/config.yaml:7:5: error: master_list: '10.0.0.300' is not an IPv4 address.
///         7 |   - 10.0.0.300
///           |     ^
///
/// Lines that hold a secret value are shown with the value masked.
public struct DiagnosticFormatter: Sendable {
    public var path: String
    private let lines: [Substring]
    private let maskedLines: Set<Int>

    /// - Parameters:
    ///   - path: the file name shown to the user.
    ///   - text: the file's text, for snippets.
    ///   - maskedLines: 1-based line numbers whose value must not be shown (secrets).
    public init(path: String, text: String, maskedLines: Set<Int> = []) {
        self.path = path
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.maskedLines = maskedLines
    }

    public func format(_ diagnostic: Diagnostic) -> String {
        guard let location = diagnostic.location else {
            return "\(path): \(diagnostic.severity.rawValue): "
                + (diagnostic.key.map { "\($0): " } ?? "") + diagnostic.message
        }
        var out = "\(path):\(location.line):\(location.column): \(diagnostic.severity.rawValue): "
        if let key = diagnostic.key { out += "\(key): " }
        out += diagnostic.message
        guard location.line >= 1, location.line <= lines.count else { return out }
        var source = String(lines[location.line - 1])
        if source.hasSuffix("\r") { source.removeLast() }
        if maskedLines.contains(location.line) || Self.startsWithSecretKey(source) { source = Self.mask(source) }
        let number = String(location.line)
        let gutter = String(repeating: " ", count: number.count)
        let visible = source.replacingTabs()
        let caretColumn = min(max(location.column - 1, 0), visible.count)
        out += "\n    \(number) | \(visible)\n    \(gutter) | "
        out += String(repeating: " ", count: caretColumn) + "^"
        return out
    }

    public func format(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(format).joined(separator: "\n")
    }

    /// A `secret_key: value` line, recognised from the text alone: a file that does not parse as YAML has no
    /// document to compute `maskedLines` from, and its error snippet must not show the secret either.
    static func startsWithSecretKey(_ line: String) -> Bool {
        let name = line.drop { $0 == " " || $0 == "\"" || $0 == "'" }.prefix { $0 == "_" || $0.isLetter || $0.isNumber }
        guard ValidatedConfig.secretKeys.contains(String(name)) else { return false }
        return line.contains(":")
    }

    /// The top-level `key: value` → `key: ********`; any indented line of the value (`  - item`,
    /// `  name: item`) keeps only its indentation and list marker: `  - ********`.
    static func mask(_ line: String) -> String {
        if line.first != " ", line.first != "-", let colon = line.firstIndex(of: ":") {
            return String(line[...colon]) + " ********"
        }
        let indent = line.prefix { $0 == " " || $0 == "-" }
        return indent + "********"
    }
}

extension String {
    fileprivate func replacingTabs() -> String {
        contains("\t") ? split(separator: "\t", omittingEmptySubsequences: false).joined(separator: " ") : self
    }
}
