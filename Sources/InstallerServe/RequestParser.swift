/// A strict HTTP/1.x request-head parser with explicit limits.
///
/// It reads the request line and header fields only; the server never reads request bodies. Anything outside
/// RFC 9112's grammar that could be read two ways (obsolete line folding, whitespace before a colon, bare CR or LF,
/// conflicting `Content-Length`) is refused with 400 rather than guessed at.
struct RequestParser: Sendable {
    enum Result {
        /// The head is not complete yet.
        case needMoreData
        /// A complete head, which used `consumed` bytes of the input.
        case head(RequestHead, consumed: Int)
        /// A malformed or oversized head: answer with this status and close the connection.
        case failure(HTTPStatus, reason: String)
    }

    let limits: ServeLimits

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        var start = 0
        // RFC 9112 §2.2: ignore empty lines before the request line.
        while start + 1 < bytes.count, bytes[start] == Self.cr, bytes[start + 1] == Self.lf { start += 2 }
        guard let lineEnd = Self.findCRLF(bytes, from: start, limit: start + self.limits.maxRequestLineBytes + 2)
        else {
            if bytes.count - start > self.limits.maxRequestLineBytes {
                return .failure(
                    .uriTooLong,
                    reason: "request line longer than \(self.limits.maxRequestLineBytes) bytes"
                )
            }
            return .needMoreData
        }
        // Find the empty line that ends the head.
        var headEnd: Int?
        var lineStarts: [Int] = []
        var cursor = lineEnd + 2
        let headLimit = start + self.limits.maxHeaderBytes
        while cursor <= bytes.count {
            guard let next = Self.findCRLF(bytes, from: cursor, limit: min(bytes.count, headLimit)) else { break }
            if next == cursor {
                headEnd = next + 2
                break
            }
            lineStarts.append(cursor)
            if lineStarts.count > self.limits.maxHeaderCount {
                return .failure(.headerFieldsTooLarge, reason: "more than \(self.limits.maxHeaderCount) header fields")
            }
            cursor = next + 2
        }
        guard let headEnd else {
            if bytes.count - start > self.limits.maxHeaderBytes {
                return .failure(
                    .headerFieldsTooLarge,
                    reason: "request head larger than \(self.limits.maxHeaderBytes) bytes"
                )
            }
            return .needMoreData
        }
        guard headEnd - start <= self.limits.maxHeaderBytes else {
            return .failure(
                .headerFieldsTooLarge,
                reason: "request head larger than \(self.limits.maxHeaderBytes) bytes"
            )
        }
        return self.parseHead(bytes, requestLine: start..<lineEnd, fieldLines: lineStarts, headEnd: headEnd)
    }

    private func parseHead(
        _ bytes: UnsafeRawBufferPointer,
        requestLine: Range<Int>,
        fieldLines: [Int],
        headEnd: Int
    ) -> Result {
        let line = bytes[requestLine]
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(.badRequest, reason: "malformed request line")
        }
        guard parts[0].allSatisfy(Self.isTokenByte) else { return .failure(.badRequest, reason: "malformed method") }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.badRequest, reason: "control byte or space in the request target")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        let isHTTP11: Bool
        switch version {
        case "HTTP/1.1": isHTTP11 = true
        case "HTTP/1.0": isHTTP11 = false
        default:
            if version.hasPrefix("HTTP/") && version.utf8.count == 8 {
                return .failure(.versionNotSupported, reason: "unsupported version \(version)")
            }
            return .failure(.badRequest, reason: "malformed protocol version")
        }
        var head = RequestHead(
            method: String(decoding: parts[0], as: UTF8.self),
            target: String(decoding: parts[1], as: UTF8.self),
            isHTTP11: isHTTP11,
            hasBody: false
        )
        var contentLength: Int64?
        for (index, lineStart) in fieldLines.enumerated() {
            let lineEnd = (index + 1 < fieldLines.count ? fieldLines[index + 1] : headEnd - 2) - 2
            let field = bytes[lineStart..<lineEnd]
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > lineStart else {
                return .failure(.badRequest, reason: "malformed header field")
            }
            let name = field[lineStart..<colon]
            guard name.allSatisfy(Self.isTokenByte) else {
                // Also catches obsolete line folding (a line starting with whitespace) and space before the colon.
                return .failure(.badRequest, reason: "malformed header field name")
            }
            var value = field[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
            guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
                return .failure(.badRequest, reason: "control byte in a header value")
            }
            let text = String(decoding: value, as: UTF8.self)
            switch Self.lowercased(name) {
            case "host":
                if head.host != nil { return .failure(.badRequest, reason: "more than one Host header") }
                head.host = text
            case "connection": head.connection = head.connection.map { "\($0), \(text)" } ?? text
            case "range": head.range = text
            case "if-range": head.ifRange = text
            case "if-none-match": head.ifNoneMatch = head.ifNoneMatch.map { "\($0), \(text)" } ?? text
            case "if-modified-since": head.ifModifiedSince = text
            case "authorization":
                if head.authorization != nil {
                    return .failure(.badRequest, reason: "more than one Authorization header")
                }
                head.authorization = text
            case "content-length":
                guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int64(text),
                    contentLength == nil || contentLength == length
                else { return .failure(.badRequest, reason: "invalid Content-Length") }
                contentLength = length
                if length > 0 { head.hasBody = true }
            case "transfer-encoding":
                head.hasBody = true
            default:
                break
            }
        }
        if isHTTP11 && head.host == nil {
            return .failure(.badRequest, reason: "HTTP/1.1 request without Host")
        }
        return .head(head, consumed: headEnd)
    }

    /// The index of the next CR LF at or after `from` and before `limit`. A bare LF or CR inside the head is not a
    /// line end, and is then refused as a control byte by the field checks.
    private static func findCRLF(_ bytes: UnsafeRawBufferPointer, from: Int, limit: Int) -> Int? {
        let end = min(limit, bytes.count)
        var index = from
        while index + 1 < end {
            if bytes[index] == Self.cr && bytes[index + 1] == Self.lf { return index }
            index += 1
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func lowercased(_ name: Slice<UnsafeRawBufferPointer>) -> String {
        String(decoding: name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
