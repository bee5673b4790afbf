import InstallerSystem

/// The parts of a request head the file server uses.
struct RequestHead: Sendable {
    var method: String
    var target: String
    /// HTTP/1.1 (otherwise HTTP/1.0).
    var isHTTP11: Bool
    var host: String?
    var connection: String?
    var range: String?
    var ifRange: String?
    var ifNoneMatch: String?
    var ifModifiedSince: String?
    /// `Authorization` (only `Bearer <node token>` means anything, for `/secrets/`). Never logged.
    var authorization: String?
    /// The request announces a body (`Content-Length` > 0 or `Transfer-Encoding`). The server never reads bodies:
    /// it answers and closes the connection.
    var hasBody: Bool

    /// Whether the client wants the connection kept open after the response.
    var wantsKeepAlive: Bool {
        let tokens = (self.connection ?? "").lowercased().split(separator: ",").map {
            $0.trimmingBlanks()
        }
        if tokens.contains("close") { return false }
        return self.isHTTP11 || tokens.contains("keep-alive")
    }
}
