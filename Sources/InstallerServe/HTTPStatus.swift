/// The response statuses the bootstrap server sends.
struct HTTPStatus: Equatable, Sendable {
    let code: Int
    let reason: String
    /// `HTTP/1.1 <code> <reason>` and CR LF, built once.
    let statusLine: String

    init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
        self.statusLine = "HTTP/1.1 \(code) \(reason)\r\n"
    }

    static let ok = HTTPStatus(code: 200, reason: "OK")
    static let partialContent = HTTPStatus(code: 206, reason: "Partial Content")
    static let notModified = HTTPStatus(code: 304, reason: "Not Modified")
    static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    static let forbidden = HTTPStatus(code: 403, reason: "Forbidden")
    static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    static let requestTimeout = HTTPStatus(code: 408, reason: "Request Timeout")
    static let uriTooLong = HTTPStatus(code: 414, reason: "URI Too Long")
    static let rangeNotSatisfiable = HTTPStatus(code: 416, reason: "Range Not Satisfiable")
    static let headerFieldsTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")
    static let versionNotSupported = HTTPStatus(code: 505, reason: "HTTP Version Not Supported")
}
