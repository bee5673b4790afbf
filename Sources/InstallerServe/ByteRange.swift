import InstallerSystem

/// A `Range: bytes=…` request header, read against a file of known size.
///
/// One range gives 206, an unsatisfiable one 416. Several ranges, a unit other than bytes, or a malformed header are
/// answered with the whole file (200), which RFC 9110 §14.2 allows.
enum ByteRange: Equatable {
    /// Serve the whole file.
    case whole
    /// Serve these bytes, both ends inclusive.
    case partial(first: Int64, last: Int64)
    /// No byte of the file matches: 416 with `Content-Range: bytes */size`.
    case unsatisfiable

    init(header: String?, size: Int64) {
        guard let header else {
            self = .whole
            return
        }
        let value = header.drop { $0 == " " || $0 == "\t" }
        guard value.count > 6, value.prefix(6).lowercased() == "bytes=" else {
            self = .whole
            return
        }
        let spec = value.dropFirst(6).trimmingBlanks()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let firstText = spec[..<dash]
        let lastText = spec[spec.index(after: dash)...]
        if firstText.isEmpty {
            // Suffix range: the last N bytes.
            guard let suffix = Self.number(lastText) else {
                self = .whole
                return
            }
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .partial(first: max(0, size - suffix), last: size - 1)
            return
        }
        guard let first = Self.number(firstText) else {
            self = .whole
            return
        }
        var last = size - 1
        if !lastText.isEmpty {
            guard let requested = Self.number(lastText), requested >= first else {
                self = .whole
                return
            }
            last = min(requested, size - 1)
        }
        self = first < size ? .partial(first: first, last: last) : .unsatisfiable
    }

    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        // Digits too many for Int64 mean "beyond any file": saturate rather than reject.
        return Int64(text) ?? Int64.max
    }
}
