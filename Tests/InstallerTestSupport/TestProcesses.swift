import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Why a test process could not be started or did not become ready. Carries the process's own last log
/// lines when it has a log.
public struct TestProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Every long-running process the tests start (servers, agents, lock holders), by PID, so that none can
/// outlive its test: the test's scope (``StopsProcessesTrait``, `.stopsProcesses`) stops what was started
/// inside it when the test ends, passed, failed or threw; and the test process stops every one still
/// registered when it exits. Neither depends on a `deinit` running.
public enum TestProcesses {
    private static let all = Mutex<Set<pid_t>>([])
    private static let exitHook: Void = { atexit { TestProcesses.stopAllAtExit() } }()

    /// The processes started inside the current test's scope.
    @TaskLocal static var scope: Scope?

    final class Scope: Sendable {
        let pids = Mutex<[pid_t]>([])
    }

    /// Records `pid` as started by a test: it is stopped when the test's scope ends, or at exit.
    public static func register(_ pid: pid_t) {
        _ = exitHook
        all.withLock { _ = $0.insert(pid) }
        scope?.pids.withLock { $0.append(pid) }
    }

    /// Stops `pid` (SIGTERM, then SIGKILL after `grace`), reaps it and forgets it. Idempotent; only ever
    /// signals a PID this test process started and has not reaped yet, so it can never hit a stranger.
    public static func stop(_ pid: pid_t, grace: Duration = .seconds(5)) {
        let known = all.withLock { $0.remove(pid) != nil }
        guard known else { return }
        terminate(pid, grace: grace)
    }

    /// Forgets `pid` after the caller reaped it itself.
    public static func forget(_ pid: pid_t) {
        _ = all.withLock { $0.remove(pid) }
    }

    /// True while `pid` (our child) has not exited. Does not reap it.
    public static func isRunning(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        return rc == 0 && info._sifields._sigchld.si_pid == 0
    }

    /// Stops what was started inside the scope; returns how many were still running.
    @discardableResult
    static func stopScope(_ scope: Scope) -> Int {
        let pids = scope.pids.withLock { $0 }
        var running = 0
        for pid in pids.reversed() where all.withLock({ $0.contains(pid) }) {
            if isRunning(pid) { running += 1 }
            stop(pid, grace: .seconds(2))
        }
        return running
    }

    /// SIGTERM to the process and its group (it leads one: ``spawnProcess``), SIGKILL after `grace`.
    private static func terminate(_ pid: pid_t, grace: Duration) {
        guard kill(pid, SIGTERM) == 0 else { return }
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid || (rc < 0 && errno == ECHILD) { return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func stopAllAtExit() {
        let pids = all.withLock { pids in
            defer { pids.removeAll() }
            return pids
        }
        for pid in pids { terminate(pid, grace: .seconds(1)) }
    }
}

/// A trait for suites and tests that start processes: when each test ends, passed, failed or threw,
/// every process started inside it (``TestProcesses/register(_:)``) and still running is stopped.
public struct StopsProcessesTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite ? nil : self
    }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let scope = TestProcesses.Scope()
        defer { TestProcesses.stopScope(scope) }
        try await TestProcesses.$scope.withValue(scope) { try await function() }
    }
}

extension Trait where Self == StopsProcessesTrait {
    /// Stops every process a test started when the test ends.
    public static var stopsProcesses: Self { StopsProcessesTrait() }
}

/// Starts `program` with posix_spawn (Foundation's Process can hang in waitUntilExit on Linux when
/// several children run) and registers it with ``TestProcesses``. stdin is /dev/null; stdout and stderr
/// go to the given files. The child gets a fixed minimal environment plus `environment`: tests call
/// setenv concurrently, and posix_spawn reading `environ` meanwhile fails with EFAULT.
public func spawnProcess(
    _ program: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    stdout: String = "/dev/null",
    stderr: String = "/dev/null"
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var variables = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8"]
    // The run's marker (scripts/test), so a process that escapes every stop can still be found.
    if let marker = testRunMarker { variables.append("DCOS_INSTALLER_TEST_RUN=\(marker)") }
    variables += environment.map { "\($0.key)=\($0.value)" }
    let envp = variables.map { strdup($0) } + [nil]
    defer { envp.forEach { free($0) } }
    // Its own process group, so stopping it also ends the children it forked (sshd's connections).
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
    guard rc == 0 else { throw TestProcessError("cannot start \(program): \(String(cString: strerror(rc)))") }
    TestProcesses.register(pid)
    return pid
}

private let testRunMarker: String? = ProcessInfo.processInfo.environment["DCOS_INSTALLER_TEST_RUN"]

/// Waits for `pid` (our child) and returns its exit status (or 128 + signal).
public func waitForProcess(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    TestProcesses.forget(pid)
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
}

/// Waits for `pid` on a thread of its own, so the cooperative pool is never blocked.
public func waitForProcessExit(_ pid: pid_t) async -> Int32 {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: waitForProcess(pid)) }
    }
}

/// The last `count` lines of a log file ("" when it cannot be read), for error messages.
public func logTail(_ path: String, lines count: Int = 20) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
    return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).joined(separator: "\n")
}

/// What ``runOffThePool(_:_:environment:)`` returns.
public struct SpawnedOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var combined: String { stdout + stderr }
}

/// Runs a program to completion without blocking a thread of Swift's cooperative pool (posix_spawn, a
/// thread of its own waits): for tests that run many short commands (curl, ssh-keygen) while other tests
/// need the pool. Output goes through temporary files.
public func runOffThePool(
    _ program: String,
    _ arguments: [String],
    environment: [String: String] = [:]
) async throws -> SpawnedOutput {
    let scratch = NSTemporaryDirectory() + "spawned-" + UUID().uuidString
    defer {
        unlink(scratch + ".out")
        unlink(scratch + ".err")
    }
    let pid = try spawnProcess(
        program,
        arguments,
        environment: environment,
        stdout: scratch + ".out",
        stderr: scratch + ".err"
    )
    let status = await waitForProcessExit(pid)
    return SpawnedOutput(
        status: status,
        stdout: (try? String(contentsOfFile: scratch + ".out", encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: scratch + ".err", encoding: .utf8)) ?? ""
    )
}
