import Foundation
import InstallerConfig
import InstallerTestSupport
import Logging
import Testing

@testable import InstallerWeb

/// The repository's release (templates/), found from this file's path.
let templatesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("templates").path

/// The login token the test servers print.
let testLoginToken = String(repeating: "ab", count: 32)

struct WebTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs the real web server in-process on 127.0.0.1, port 0, over `genconf`, for the duration of `body`.
func withWebServer<T: Sendable>(
    genconf: String,
    limits: WebLimits = WebLimits(),
    _ body: @Sendable (_ client: WebClient) async throws -> T
) async throws -> T {
    let options = GenconfOptions(genconfDirectory: genconf, templatesDirectory: templatesDirectory)
    let logger = Logger(label: "web-test")
    let actions = WebActions(genconf: options, logger: logger)
    let api = WebAPI(
        genconf: options,
        version: .init(dcosVersion: "1.11.13", variant: "", installerVersion: "0.0.0-test", commit: nil),
        sessions: WebSessions(loginToken: testLoginToken),
        actions: actions,
        usesTLS: false
    )
    let configuration = WebConfiguration(bindAddress: "127.0.0.1", port: 0, limits: limits, handlesSignals: false)
    let (urls, continuation) = AsyncStream.makeStream(of: String.self)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await WebServer.run(configuration, api: api, logger: Logger(label: "web-test")) {
                continuation.yield($0)
            }
            continuation.finish()
        }
        var iterator = urls.makeAsyncIterator()
        guard let url = await iterator.next() else {
            try await group.waitForAll()
            throw WebTestFailure("the web server did not start")
        }
        do {
            let result = try await body(WebClient(base: url))
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// One HTTP response as curl received it.
struct WebTestResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
}

/// curl against the server: a real HTTP client, with the session cookie when logged in.
struct WebClient: Sendable {
    let base: String
    var cookie: String?
    var csrf: String?

    var port: Int { Int(base.split(separator: ":").last ?? "") ?? 0 }
    var origin: String { base }
    var host: String { String(base.dropFirst("http://".count)) }

    /// Runs `curl -i` (off the cooperative pool) and parses status, headers (lowercased names, first
    /// value) and body.
    func request(
        _ method: String,
        _ path: String,
        headers: [String: String] = [:],
        body: String? = nil,
        extra: [String] = []
    ) async throws -> WebTestResponse {
        var arguments = ["-sS", "-i", "--max-time", "20"]
        arguments += method == "HEAD" ? ["-I"] : ["-X", method]
        arguments.append(base + path)
        if let cookie { arguments += ["-H", "Cookie: \(WebSessions.cookieName)=\(cookie)"] }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        let bodyFile = NSTemporaryDirectory() + "web-body-" + UUID().uuidString
        defer { unlink(bodyFile) }
        if let body {
            try Data(body.utf8).write(to: URL(fileURLWithPath: bodyFile))
            arguments += ["--data-binary", "@" + bodyFile, "-H", "Content-Type: application/json"]
        }
        let output = try await runOffThePool("/usr/bin/curl", arguments + extra)
        guard output.status == 0 else {
            throw WebTestFailure("curl \(method) \(path) failed (\(output.status)): \(output.stderr)")
        }
        return Self.parse(output.stdout)
    }

    static func parse(_ text: String) -> WebTestResponse {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            if headers[name] == nil {
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return WebTestResponse(status: status, headers: headers, body: body)
    }

    /// Logs in with the test token; the client with its session cookie and CSRF token.
    func loggedIn() async throws -> WebClient {
        let login = try await request("GET", "/login?token=\(testLoginToken)")
        guard login.status == 303, let setCookie = login.headers["set-cookie"],
            let value = setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last
        else { throw WebTestFailure("login failed: \(login.status) \(login.headers)") }
        var client = self
        client.cookie = String(value)
        let session = try await client.request("GET", "/api/v1/session")
        client.csrf = session.object["csrf_token"] as? String
        return client
    }

    /// The headers a state-changing request from the page carries.
    var pageHeaders: [String: String] { ["X-CSRF-Token": csrf ?? "", "Origin": origin] }
}

/// An ed25519 key at genconf/ssh_key (0600), as an operator's setup has: the SSH settings need one.
func addSSHKey(_ workspace: Workspace) async throws {
    let made = try await runOffThePool(
        "/usr/bin/ssh-keygen",
        ["-q", "-t", "ed25519", "-N", "", "-f", workspace.genconf + "/ssh_key"]
    )
    guard made.status == 0 else { throw WebTestFailure("ssh-keygen failed: \(made.stderr)") }
}
