#if canImport(Glibc)
    import Glibc
#endif

/// A failed operating-system call, with the path and what to do.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String?
    public var errno: Int32
    public var hint: String?

    public init(_ operation: String, path: String? = nil, errno: Int32, hint: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.hint = hint
    }

    public var description: String {
        var text = "Cannot \(operation)"
        if let path { text += " \(path)" }
        text += ": \(String(cString: strerror(errno)))."
        if let hint { text += " " + hint }
        return text
    }
}
