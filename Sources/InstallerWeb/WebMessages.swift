import InstallerConfig

/// One HTTP request as the API sees it: the whole body read (within ``WebLimits/maximumBodyBytes``).
package struct WebRequest: Sendable {
    package var method: String
    /// The path without the query, percent-decoding not applied (the API's paths are plain ASCII).
    package var path: String
    package var query: [String: String]
    /// Header names lowercased; a repeated header keeps its first value.
    package var headers: [String: String]
    package var body: [UInt8]

    package init(method: String, target: String, headers: [(String, String)], body: [UInt8] = []) {
        self.method = method
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.path = parts.first.map(String.init) ?? "/"
        var query: [String: String] = [:]
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = Self.percentDecoded(pair[0])
                if query[name] == nil { query[name] = pair.count == 2 ? Self.percentDecoded(pair[1]) : "" }
            }
        }
        self.query = query
        var fields: [String: String] = [:]
        for (name, value) in headers where fields[name.lowercased()] == nil { fields[name.lowercased()] = value }
        self.headers = fields
        self.body = body
    }

    /// `%41` → `A`, `+` → space (form encoding); a malformed escape stays as written.
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One HTTP response: a complete body, or a run's Server-Sent Events.
package struct WebResponse: Sendable {
    package enum Body: Sendable {
        case bytes([UInt8])
        /// `text/event-stream` following the run record in this directory (`genconf/state/<run id>`): the
        /// server sends its journal's progress as it grows, and ends when the run has finished.
        case run(String)
    }

    package var status: Int
    package var headers: [(String, String)]
    package var body: Body

    package init(status: Int, headers: [(String, String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body (stable, pretty-printed encoding).
    package static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> WebResponse {
        WebResponse(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: .bytes(Array((value.encoded(pretty: true) + "\n").utf8))
        )
    }

    /// `{"error": message}`: every refusal of the API says what to do in one sentence.
    package static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> WebResponse {
        json(status, .object(["error": .string(message)]), headers: headers)
    }

    package static func redirect(_ location: String, status: Int = 302, headers: [(String, String)] = [])
        -> WebResponse
    {
        WebResponse(status: status, headers: [("Location", location)] + headers)
    }

    /// The body's bytes, for tests and logs; empty for an event stream.
    package var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }
}

/// The web installer's limits: every wait bounded, every read capped.
package struct WebLimits: Sendable {
    /// A request body larger than this gets 413 (config.yaml's own cap is 4 MiB; a form post is small).
    package var maximumBodyBytes = 4 << 20
    /// A request must arrive whole (head and body) within this once its head is in; a slow one is closed.
    /// (SwiftNIO's parser refuses a head over 80 KiB with 400.)
    package var requestTimeout = Duration.seconds(30)
    /// A connection with no (complete request head) for this long is closed.
    package var idleTimeout = Duration.seconds(75)
    /// Open connections in all, and per client address.
    package var maximumConnections = 128
    package var maximumConnectionsPerClient = 32
    /// An event stream sends a comment this often, so proxies and browsers keep it open.
    package var heartbeat = Duration.seconds(15)
    /// How long an event stream waits for a run's journal to begin (a run just started) before it ends.
    package var runAppearance = Duration.seconds(60)
    /// How often an event stream looks at the journal.
    package var journalPoll = Duration.milliseconds(250)

    package init() {}
}
