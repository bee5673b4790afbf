import Synchronization

/// Who may use the web installer. `--web` prints a URL with a one-time login token; opening it trades
/// the token for a session cookie (HttpOnly, SameSite=Strict). Every API call needs a live session;
/// state-changing ones also need the session's CSRF token in `X-CSRF-Token` and a matching `Origin`
/// (``WebAPI`` checks those). Tokens and session ids are 256-bit random values, compared in constant time.
package final class WebSessions: Sendable {
    package struct Session: Sendable, Hashable {
        package var id: String
        package var csrfToken: String
        package var lastUsed: ContinuousClock.Instant
    }

    package static let cookieName = "dcos_installer_session"
    /// A session unused this long is gone; its browser must log in again (with a new login link).
    package static let idleLifetime = Duration.seconds(12 * 3600)
    /// At most this many sessions; a new login drops the least recently used one.
    package static let maximumSessions = 16

    private struct State {
        var loginToken: String?
        var sessions: [String: Session] = [:]
    }

    private let state: Mutex<State>

    /// - Parameter loginToken: the one-time token the printed URL carries (random unless a test gives one).
    package init(loginToken: String = WebSessions.randomToken()) {
        state = Mutex(State(loginToken: loginToken))
    }

    /// The login token while it is unused, for the URL `--web` prints.
    package var pendingLoginToken: String? { state.withLock { $0.loginToken } }

    /// Trades the one-time login token for a new session; nil when the token is wrong or already used.
    package func login(token: String) -> Session? {
        state.withLock { state in
            guard let expected = state.loginToken, Self.constantTimeEquals(token, expected) else { return nil }
            state.loginToken = nil
            if state.sessions.count >= Self.maximumSessions,
                let oldest = state.sessions.values.min(by: { $0.lastUsed < $1.lastUsed })
            {
                state.sessions[oldest.id] = nil
            }
            let session = Session(id: Self.randomToken(), csrfToken: Self.randomToken(), lastUsed: .now)
            state.sessions[session.id] = session
            return session
        }
    }

    /// The live session a `Cookie` header names; refreshes its last use. Nil without one.
    package func session(cookieHeader: String?) -> Session? {
        guard let cookieHeader, let id = Self.cookie(Self.cookieName, in: cookieHeader) else { return nil }
        let now = ContinuousClock.now
        return state.withLock { state in
            // Constant-time over the candidate ids: the dictionary lookup alone would leak timing per prefix.
            guard let key = state.sessions.keys.first(where: { Self.constantTimeEquals($0, id) }),
                var session = state.sessions[key]
            else { return nil }
            guard now - session.lastUsed < Self.idleLifetime else {
                state.sessions[key] = nil
                return nil
            }
            session.lastUsed = now
            state.sessions[key] = session
            return session
        }
    }

    /// The `Set-Cookie` value for a new session.
    package static func setCookie(_ session: Session, secure: Bool) -> String {
        let seconds = Int(idleLifetime.components.seconds)
        return "\(cookieName)=\(session.id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(seconds)"
            + (secure ? "; Secure" : "")
    }

    /// The value of cookie `name` in a `Cookie` header (`a=1; b=2`).
    static func cookie(_ name: String, in header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: " ") == name else { continue }
            return String(pair[1].trimmingCharacters(in: " "))
        }
        return nil
    }

    /// 32 random bytes as 64 lowercase hex digits.
    package static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for _ in 0..<32 {
            let byte = UInt8.random(in: 0...255, using: &generator)
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Equal strings, in time that depends only on their lengths.
    package static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var result = self
        while result.first == set { result = result.dropFirst() }
        while result.last == set { result = result.dropLast() }
        return result
    }
}
