/// Trimming without Foundation (the release binary links FoundationEssentials only, which has no
/// `trimmingCharacters(in:)`).
extension StringProtocol {
    /// Without the leading and trailing characters for which `isTrimmed` is true.
    package func trimming(while isTrimmed: (Character) -> Bool) -> SubSequence {
        var result = self[...]
        while let first = result.first, isTrimmed(first) { result = result.dropFirst() }
        while let last = result.last, isTrimmed(last) { result = result.dropLast() }
        return result
    }

    /// Without leading and trailing spaces and tabs.
    package func trimmingBlanks() -> SubSequence { trimming { $0 == " " || $0 == "\t" } }

    /// Without leading and trailing white space, line breaks included.
    package func trimmingWhitespace() -> SubSequence { trimming(while: \.isWhitespace) }
}
