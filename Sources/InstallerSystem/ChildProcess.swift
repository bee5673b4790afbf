import CLinux
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program run to completion without blocking the caller's thread: it is started and watched on a
/// thread of its own (never Swift's cooperative pool), in a process group of its own, with a deadline
/// and bounded output.
///
/// - When the deadline passes, or the calling task is cancelled (Ctrl-C), the child's whole process
///   group gets SIGTERM, then SIGKILL after ``terminationGrace``; the outcome says ``Termination/timedOut(_:)``
///   or ``Termination/cancelled``.
/// - When the child exits, whatever it left running in its process group is killed, so nothing it
///   started outlives the run or keeps its output open.
/// - Only the last ``outputLimit`` bytes of stdout and ``errorLimit`` bytes of stderr are kept; the
///   outcome counts every byte, so a caller that needs the whole output can tell when it was cut.
/// - stdin is /dev/null. The child's signal mask is empty and its signal handlers are the defaults, even
///   when this process ignores SIGINT and SIGTERM to handle them itself.
public struct ChildProcess: Sendable {
    /// The program's absolute path.
    public var executable: String
    public var arguments: [String]
    /// The child's whole environment; nil: this process's.
    public var environment: [String: String]?
    /// Where the child starts; nil: this process's working directory.
    public var workingDirectory: String?
    /// How long the child may run before it is stopped.
    public var timeout: Duration
    /// How many of the last bytes of stdout are kept.
    public var outputLimit: Int
    /// How many of the last bytes of stderr are kept.
    public var errorLimit: Int
    /// How long a stopped child has between SIGTERM and SIGKILL.
    public var terminationGrace: Duration

    public init(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        timeout: Duration,
        outputLimit: Int = 64 << 10,
        errorLimit: Int = 64 << 10,
        terminationGrace: Duration = .seconds(2)
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.outputLimit = outputLimit
        self.errorLimit = errorLimit
        self.terminationGrace = terminationGrace
    }

    /// The program and its arguments, space-separated (for messages).
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// How the child ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal it did not handle ended it (not one this runner sent).
        case signaled(Int32)
        /// It ran longer than its timeout, so it and its process group were stopped.
        case timedOut(Duration)
        /// The calling task was cancelled, so it and its process group were stopped (or it was never
        /// started, when the task was cancelled already).
        case cancelled

        /// Exited with status 0.
        public var isSuccess: Bool { self == .exited(0) }

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signaled(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
            case .timedOut(let timeout): "stopped after its timeout of \(ChildProcess.describe(timeout))"
            case .cancelled: "stopped because the run was cancelled"
            }
        }
    }

    /// The last bytes a child wrote to one stream.
    public struct CapturedOutput: Sendable, Hashable {
        /// The last bytes written (at most the stream's limit).
        public var bytes: [UInt8]
        /// How many bytes were written in all, kept or not.
        public var totalCount: Int

        public init(bytes: [UInt8] = [], totalCount: Int = 0) {
            self.bytes = bytes
            self.totalCount = totalCount
        }

        /// True when earlier bytes were dropped to stay within the limit.
        public var isTruncated: Bool { totalCount > bytes.count }
        /// The kept bytes as UTF-8 (invalid sequences replaced).
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        /// The child's PID (reaped by now); nil when it was never started (cancelled before).
        public var processID: pid_t?
        public var termination: Termination
        public var standardOutput: CapturedOutput
        public var standardError: CapturedOutput
        /// From just before the start until the child was reaped.
        public var duration: Duration
    }

    /// Runs the program to completion, or until its timeout or the calling task's cancellation stops it.
    ///
    /// - Throws: ``SystemError`` when it cannot be started (no such program or working directory, no
    ///   pipes or thread left); every way it ends once started is an ``Outcome``.
    public func run() async throws(SystemError) -> Outcome {
        let cancellation = try CancellationPipe()
        defer { cancellation.dispose() }
        let result: Result<Outcome, SystemError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let process = self
                let cancelDescriptor = cancellation.readDescriptor
                let failure = startThread {
                    continuation.resume(returning: Supervision(process, cancelDescriptor: cancelDescriptor).run())
                }
                if let failure { continuation.resume(returning: .failure(failure)) }
            }
        } onCancel: {
            cancellation.signal()
        }
        return try result.get()
    }

    /// `15 min`, `2 min 30 s`, `3 s`, `0.25 s`, `5 ms`: a timeout as a person says it.
    public static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds == 0 && attoseconds < 10_000_000_000_000_000 {
            return "\(attoseconds / 1_000_000_000_000_000) ms"
        }
        if seconds < 60 && attoseconds != 0 {
            let hundredths = (Double(seconds) + Double(attoseconds) / 1e18) * 100
            let text = String(Int(hundredths.rounded()))
            let padded = String(repeating: "0", count: max(0, 3 - text.count)) + text
            var value = String(padded.dropLast(2)) + "." + String(padded.suffix(2))
            while value.hasSuffix("0") { value.removeLast() }
            if value.hasSuffix(".") { value.removeLast() }
            return value + " s"
        }
        let minutes = seconds / 60
        let rest = seconds % 60
        if minutes == 0 { return "\(seconds) s" }
        return rest == 0 ? "\(minutes) min" : "\(minutes) min \(rest) s"
    }
}

// MARK: - Supervision on a dedicated thread

/// A non-blocking pipe whose read end becomes readable when the calling task is cancelled. The lock
/// makes `signal()` (the task's cancellation handler, on any thread) safe against `dispose()`.
private final class CancellationPipe: Sendable {
    private let descriptors: Mutex<(read: Int32, write: Int32)>

    init() throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        guard clinux_pipe2(&fds, O_CLOEXEC | O_NONBLOCK) == 0 else {
            throw SystemError("create a pipe to watch a child process", errno: errno)
        }
        descriptors = Mutex((fds[0], fds[1]))
    }

    var readDescriptor: Int32 { descriptors.withLock { $0.read } }

    func signal() {
        descriptors.withLock { fds in
            guard fds.write >= 0 else { return }
            var byte: UInt8 = 1
            _ = write(fds.write, &byte, 1)
        }
    }

    func dispose() {
        descriptors.withLock { fds in
            if fds.read >= 0 { close(fds.read) }
            if fds.write >= 0 { close(fds.write) }
            fds = (-1, -1)
        }
    }
}

/// Runs `body` on a new detached thread; returns the error when no thread could be started.
private func startThread(_ body: @escaping @Sendable () -> Void) -> SystemError? {
    final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
        &thread,
        nil,
        { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        },
        context
    )
    guard rc == 0 else {
        Unmanaged<Body>.fromOpaque(context).release()
        return SystemError("start a thread to watch a child process", errno: rc)
    }
    pthread_detach(thread)
    return nil
}

/// The last `limit` bytes of a stream, and how many there were in all.
private struct Tail {
    let limit: Int
    var bytes: [UInt8] = []
    var total = 0

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        total += chunk.count
        guard limit > 0 else { return }
        bytes.append(contentsOf: chunk)
        // Trimmed only once it is twice the limit, so dropping the front costs O(1) per byte.
        if bytes.count >= 2 * max(limit, 4096) { bytes.removeFirst(bytes.count - limit) }
    }

    var captured: ChildProcess.CapturedOutput {
        ChildProcess.CapturedOutput(bytes: Array(bytes.suffix(limit)), totalCount: total)
    }
}

/// One child, from spawn to reaping, on the thread that runs it. Blocking here is fine: nothing else
/// runs on this thread.
private final class Supervision {
    private let process: ChildProcess
    private let cancelDescriptor: Int32
    private var streams: [(descriptor: Int32, tail: Tail)] = []
    private var pid: pid_t = 0
    private var pidDescriptor: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    init(_ process: ChildProcess, cancelDescriptor: Int32) {
        self.process = process
        self.cancelDescriptor = cancelDescriptor
    }

    private enum Wake {
        case exited
        case deadline
        case cancelled
    }

    func run() -> Result<ChildProcess.Outcome, SystemError> {
        let start = ContinuousClock.now
        if isReadable(cancelDescriptor) {
            return .success(
                .init(
                    processID: nil,
                    termination: .cancelled,
                    standardOutput: .init(),
                    standardError: .init(),
                    duration: .zero
                )
            )
        }
        var output: [Int32] = [-1, -1]
        var error: [Int32] = [-1, -1]
        guard clinux_pipe2(&output, O_CLOEXEC) == 0 else {
            return .failure(SystemError("create a pipe for", path: process.executable, errno: errno))
        }
        guard clinux_pipe2(&error, O_CLOEXEC) == 0 else {
            let failure = errno
            close(output[0])
            close(output[1])
            return .failure(SystemError("create a pipe for", path: process.executable, errno: failure))
        }
        let spawned = spawn(stdout: output[1], stderr: error[1])
        close(output[1])
        close(error[1])
        guard case .success(let child) = spawned else {
            close(output[0])
            close(error[0])
            if case .failure(let failure) = spawned { return .failure(failure) }
            return .failure(SystemError("run", path: process.executable, errno: EINVAL))
        }
        pid = child
        for descriptor in [output[0], error[0]] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        streams = [(output[0], Tail(limit: process.outputLimit)), (error[0], Tail(limit: process.errorLimit))]
        pidDescriptor = clinux_pidfd_open(pid)
        defer { if pidDescriptor >= 0 { close(pidDescriptor) } }

        var termination: ChildProcess.Termination?
        switch watch(until: start + process.timeout, cancellable: true) {
        case .exited: break
        case .deadline:
            termination = .timedOut(process.timeout)
            stop()
        case .cancelled:
            termination = .cancelled
            stop()
        }
        // The child has exited but is not reaped, so its PID (and process group id) is still ours:
        // kill what it left in its group, then read what is left in the pipes.
        killpg(pid, SIGKILL)
        _ = watchOutputToEnd(until: .now + .seconds(1))
        for stream in streams where stream.descriptor >= 0 { close(stream.descriptor) }
        var status: Int32 = 0
        var reaped = waitpid(pid, &status, 0)
        while reaped < 0 && errno == EINTR { reaped = waitpid(pid, &status, 0) }
        guard reaped == pid else {
            return .failure(
                SystemError(
                    "learn how this child process ended:",
                    path: process.commandLine,
                    errno: errno,
                    hint: "Something else in this process reaped it (is SIGCHLD ignored?)."
                )
            )
        }
        let exit: ChildProcess.Termination =
            status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        return .success(
            .init(
                processID: pid,
                termination: termination ?? exit,
                standardOutput: streams[0].tail.captured,
                standardError: streams[1].tail.captured,
                duration: .now - start
            )
        )
    }

    /// SIGTERM to the group, then SIGKILL when it has not exited within the grace time.
    private func stop() {
        signalChild(SIGTERM)
        if watch(until: .now + process.terminationGrace, cancellable: false) == .exited { return }
        signalChild(SIGKILL)
        _ = watch(until: .now + .seconds(10), cancellable: false)
    }

    private func signalChild(_ signal: Int32) {
        killpg(pid, signal)
        // In case the child moved itself to another process group.
        kill(pid, signal)
    }

    /// Reads output until the child exits, the deadline passes or (when `cancellable`) the task is
    /// cancelled.
    private func watch(until deadline: ContinuousClock.Instant, cancellable: Bool) -> Wake {
        while true {
            if hasExited() { return .exited }
            let now = ContinuousClock.now
            if now >= deadline { return .deadline }
            var fds: [pollfd] = []
            if cancellable { fds.append(pollfd(fd: cancelDescriptor, events: Int16(POLLIN), revents: 0)) }
            for stream in streams where stream.descriptor >= 0 {
                fds.append(pollfd(fd: stream.descriptor, events: Int16(POLLIN), revents: 0))
            }
            if pidDescriptor >= 0 { fds.append(pollfd(fd: pidDescriptor, events: Int16(POLLIN), revents: 0)) }
            // Without a pidfd (Linux before 5.3) the exit is noticed on a short tick.
            var wait = milliseconds(deadline - now)
            if pidDescriptor < 0 { wait = min(wait, 50) }
            _ = poll(&fds, nfds_t(fds.count), wait)
            if cancellable && fds[0].revents != 0 { return .cancelled }
            readAvailable()
        }
    }

    /// Reads until both pipes are at their end or the deadline passes.
    private func watchOutputToEnd(until deadline: ContinuousClock.Instant) -> Bool {
        while streams.contains(where: { $0.descriptor >= 0 }) {
            let now = ContinuousClock.now
            if now >= deadline { return false }
            var fds = streams.filter { $0.descriptor >= 0 }.map {
                pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0)
            }
            _ = poll(&fds, nfds_t(fds.count), milliseconds(deadline - now))
            readAvailable()
        }
        return true
    }

    /// Reads what each open pipe has now; closes a pipe at its end.
    private func readAvailable() {
        for index in streams.indices where streams[index].descriptor >= 0 {
            while true {
                let descriptor = streams[index].descriptor
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer.withUnsafeBytes {
                        streams[index].tail.append(UnsafeRawBufferPointer(rebasing: $0[..<count]))
                    }
                    continue
                }
                if count < 0 && errno == EINTR { continue }
                if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    close(descriptor)
                    streams[index].descriptor = -1
                }
                break
            }
        }
    }

    /// True once the child has exited; it stays unreaped (a zombie) until `waitpid`.
    private func hasExited() -> Bool {
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        // ECHILD: someone else reaped it; it is gone either way.
        if rc < 0 && errno == ECHILD { return true }
        return rc == 0 && info._sifields._sigchld.si_pid != 0
    }

    private func isReadable(_ descriptor: Int32) -> Bool {
        var fd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, 0) > 0
    }

    private func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let value = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, value))
    }

    private func spawn(stdout: Int32, stderr: Int32) -> Result<pid_t, SystemError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let directory = process.workingDirectory { clinux_spawn_addchdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        )

        let argv = ([process.executable] + process.arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        let rc: Int32
        if let environment = process.environment {
            let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            rc = posix_spawn(&child, process.executable, &actions, &attributes, argv, envp)
        } else {
            rc = posix_spawn(&child, process.executable, &actions, &attributes, argv, environ)
        }
        guard rc == 0 else {
            let place = process.workingDirectory.map { " and that the directory \($0) exists" } ?? ""
            return .failure(
                SystemError("run", path: process.executable, errno: rc, hint: "Check that the program exists\(place).")
            )
        }
        return .success(child)
    }
}
