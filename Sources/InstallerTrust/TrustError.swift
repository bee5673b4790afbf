/// A key, token or permission problem, as a sentence that says what to do.
public struct TrustError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
