/// Why an action could not start (before any host was touched). Per-host failures are not errors:
/// they are ``HostRecord`` values.
public struct ActionError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Value: String {
            case serveDirectory = "serve_directory"
            case stateDirectory = "state_directory"
            case resume
            case prerequisites
            case notImplemented = "not_implemented"
            case busy
        }

        let value: Value
        init(_ value: Value) { self.value = value }

        /// genconf/serve/ is missing, unreadable or older than config.yaml.
        public static let serveDirectory = Code(.serveDirectory)
        /// genconf/state/ cannot be written.
        public static let stateDirectory = Code(.stateDirectory)
        /// `--resume` found no run to resume.
        public static let resume = Code(.resume)
        /// The release names no prerequisites, or cannot be read.
        public static let prerequisites = Code(.prerequisites)
        /// A configured feature this installer does not implement yet.
        public static let notImplemented = Code(.notImplemented)
        /// Another action holds the genconf directory's action lock (``ActionLock``).
        public static let busy = Code(.busy)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
