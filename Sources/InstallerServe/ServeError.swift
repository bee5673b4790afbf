/// An error from the bootstrap server. Its description is a complete sentence that says what to do.
public struct ServeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidAddress
            case addressInUse
            case permissionDenied
            case addressNotAvailable
            case bindFailed
            case tlsSetupFailed
            case secretsUnsafe
        }

        private let base: Base

        public static let invalidAddress = Code(base: .invalidAddress)
        public static let addressInUse = Code(base: .addressInUse)
        public static let permissionDenied = Code(base: .permissionDenied)
        public static let addressNotAvailable = Code(base: .addressNotAvailable)
        public static let bindFailed = Code(base: .bindFailed)
        public static let tlsSetupFailed = Code(base: .tlsSetupFailed)
        /// A key or secrets archive on the bootstrap node is readable by other users, or a key is unusable.
        public static let secretsUnsafe = Code(base: .secretsUnsafe)

        public var description: String { String(describing: self.base) }
    }

    /// The kind of failure.
    public var code: Code
    /// The human-readable sentence.
    public var message: String

    public var description: String { self.message }

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
