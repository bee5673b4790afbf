/// Which remote stream a chunk of output came from.
public enum OutputStream: String, Sendable, Hashable {
    case stdout
    case stderr
}

/// A chunk of live output, delivered as it arrives.
public struct OutputChunk: Sendable {
    /// The host label (``SSHTarget/label``).
    public var host: String
    /// The stream.
    public var stream: OutputStream
    /// The bytes, as received (a UTF-8 sequence may be split across chunks).
    public var bytes: [UInt8]
}

/// Receives live output. It is called on an event-loop thread: keep it short and non-blocking
/// (hand the bytes to an `AsyncStream` or a buffered writer).
public typealias OutputHandler = @Sendable (OutputChunk) -> Void

/// How a remote command ended.
public enum Termination: Sendable, Hashable, CustomStringConvertible {
    /// It exited with this status.
    case exited(Int32)
    /// It was killed by this signal (`TERM`, `KILL`, …).
    case signaled(String)

    /// Exited with status 0.
    public var isSuccess: Bool { self == .exited(0) }

    /// `exit 3` or `signal TERM`.
    public var description: String {
        switch self {
        case .exited(let status): "exit \(status)"
        case .signaled(let signal): "signal \(signal)"
        }
    }
}

/// Captured output of one stream: the last `limit` bytes are kept.
public struct CapturedOutput: Sendable, Hashable {
    /// The kept bytes (the tail when the output was longer than the capture limit).
    public internal(set) var bytes: [UInt8] = []
    /// How many bytes the stream produced in total.
    public internal(set) var totalBytes: Int = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// True when the head of the output was dropped.
    public var isTruncated: Bool { totalBytes > bytes.count }

    /// The kept bytes as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        totalBytes += chunk.count
        guard limit > 0 else { return }
        if chunk.count >= limit {
            bytes = Array(chunk[(chunk.count - limit)...])
            return
        }
        bytes.append(contentsOf: chunk)
        if bytes.count > 2 * limit { bytes.removeFirst(bytes.count - limit) }
    }

    mutating func finish() {
        if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
    }
}

/// The result of a command that ran: how it ended and what it printed.
public struct CommandOutput: Sendable, Hashable {
    /// Exit status or signal.
    public var termination: Termination
    /// Captured standard output (tail).
    public var stdout: CapturedOutput
    /// Captured standard error (tail).
    public var stderr: CapturedOutput
    /// Wall time from channel open to close.
    public var duration: Duration
}

/// Options of one command execution.
public struct ExecOptions: Sendable {
    /// Bytes fed to the command's stdin, then EOF. With ``SudoMode/password(_:)``, the password line goes first.
    public var stdin: [UInt8]
    /// Bytes kept per stream (the tail). Default 1 MiB.
    public var captureLimit: Int
    /// Overrides the target's sudo mode.
    public var sudo: SudoMode?
    /// Overrides the target's idle timeout.
    public var idleTimeout: Duration?
    /// Overrides the target's total timeout.
    public var totalTimeout: Duration?

    /// Creates options.
    public init(
        stdin: [UInt8] = [],
        captureLimit: Int = 1 << 20,
        sudo: SudoMode? = nil,
        idleTimeout: Duration? = nil,
        totalTimeout: Duration? = nil
    ) {
        self.stdin = stdin
        self.captureLimit = captureLimit
        self.sudo = sudo
        self.idleTimeout = idleTimeout
        self.totalTimeout = totalTimeout
    }
}

/// Quotes `text` for a POSIX shell.
public func shellQuote(_ text: String) -> String {
    "'" + text.replacing("'", with: #"'\''"#) + "'"
}
