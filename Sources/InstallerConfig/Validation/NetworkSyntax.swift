import FoundationEssentials

/// Address and URL syntax, written out so the rules are exact and fast (no regex, no resolver).
public enum NetworkSyntax {
    /// Dotted-quad IPv4 as `inet_pton` accepts it: four decimal numbers 0–255, no leading zeros, no spaces.
    public static func isIPv4(_ text: String) -> Bool {
        var parts = 0
        var digits = 0
        var value = 0
        var leadingZero = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                parts += 1
                digits = 0
                value = 0
                leadingZero = false
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            if leadingZero { return false }
            if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            if value > 255 || digits > 3 { return false }
        }
        return digits > 0 && parts == 3
    }

    /// The 16 bytes of an IPv6 address as `inet_pton(AF_INET6)` would parse it, or `nil`.
    public static func ipv6Groups(_ text: String) -> [UInt16]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4Tail, index == pieces.count - 1, piece.contains(".") {
                    guard isIPv4(String(piece)) else { return nil }
                    let octets = piece.split(separator: ".").compactMap { UInt16($0) }
                    result.append(octets[0] << 8 | octets[1])
                    result.append(octets[2] << 8 | octets[3])
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 8 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
            head.count + tail.count <= 7
        else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    public static func isIPv6(_ text: String) -> Bool { ipv6Groups(text) != nil }

    /// A DNS host name (RFC 1123 labels) or an IP address.
    public static func isHost(_ text: String) -> Bool {
        if isIPv4(text) || isIPv6(text) { return true }
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            guard
                label.utf8.allSatisfy({ byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                })
            else { return false }
        }
        return true
    }

    /// An IPv4 CIDR like `172.31.254.0/24`.
    public static func isIPv4Network(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPv4(String(parts[0])), let prefix = Int(parts[1]), (0...32).contains(prefix) else {
            return false
        }
        return true
    }

    /// An IPv6 CIDR like `fd01:a::/64`.
    public static func isIPv6Network(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPv6(String(parts[0])), let prefix = Int(parts[1]), (0...128).contains(prefix) else {
            return false
        }
        return true
    }

    /// `host`, `host:port`, `[v6]:port` → (host, port?); `nil` when malformed.
    public static func parseHostPort(_ text: String) -> (host: String, port: Int?)? {
        var host = text
        var port: Int?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let value = Int(rest.dropFirst()), (1...65535).contains(value) else { return nil }
                port = value
            } else if !rest.isEmpty {
                return nil
            }
            return isIPv6(host) ? (host, port) : nil
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let value = Int(text[text.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
        }
        return isHost(host) ? (host, port) : nil
    }

    /// The parts of a URL we check: scheme, host (with port), path.
    public struct URLParts: Sendable, Equatable {
        public var scheme: String
        public var host: String
        public var port: Int?
        public var path: String
    }

    /// Parses `scheme://host[:port][/path]`; `nil` when the text is not of that form.
    public static func parseURL(_ text: String) -> URLParts? {
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        let scheme = String(text[..<schemeEnd.lowerBound]).lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        let path = String(rest[authorityEnd...])
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        var host = authority
        var port: Int?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { return nil }
                port = value
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                return nil
            }
            port = value
        }
        return URLParts(scheme: scheme, host: host, port: port, path: path)
    }
}
