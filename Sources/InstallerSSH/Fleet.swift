import Logging

/// Limits of a fleet run.
public struct FleetConfiguration: Sendable {
    /// Concurrent sessions across all hosts (`ssh_parallelism`; DC/OS default 20, up to 1,000).
    public var parallelism: Int
    /// Concurrent handshakes (TCP connect to authenticated) across all hosts. Queued hosts do not spend
    /// their handshake timeout while they wait.
    public var handshakeParallelism: Int
    /// Concurrent sessions to one host. Keep it under that sshd's `MaxStartups` (default 10).
    public var perHostParallelism: Int
    /// A logger for connection-level events (debug) and recorded host keys (notice).
    public var logger: Logger

    /// Creates a configuration.
    public init(
        parallelism: Int = 20,
        handshakeParallelism: Int = 50,
        perHostParallelism: Int = 4,
        logger: Logger = Logger(label: "InstallerSSH", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.parallelism = max(1, parallelism)
        self.handshakeParallelism = max(1, handshakeParallelism)
        self.perHostParallelism = max(1, perHostParallelism)
        self.logger = logger
    }
}

/// Runs work on many hosts in parallel under global, handshake and per-host caps.
///
/// Results are values, one per target, in the order of the targets; one host's failure never disturbs
/// another's run. Cancel the calling task (Ctrl-C) to stop: channels and sessions close within a second.
///
/// ```swift
/// let fleet = SSHFleet(FleetConfiguration(parallelism: 50))
/// let results = await fleet.run("uptime", on: targets) { chunk in print(chunk.host, chunk.bytes) }
/// ```
public final class SSHFleet: Sendable {
    /// The limits.
    public let configuration: FleetConfiguration
    private let group: EventLoopGroup
    private let handshakes: AsyncSemaphore
    private let perHost: KeyedSemaphores
    private let bastions = BastionPool()

    /// Creates a fleet runner.
    public init(_ configuration: FleetConfiguration = FleetConfiguration()) {
        self.configuration = configuration
        group = .shared
        handshakes = AsyncSemaphore(configuration.handshakeParallelism)
        perHost = KeyedSemaphores(count: configuration.perHostParallelism)
    }

    /// Runs `command` on every target and returns one result per target, in target order.
    ///
    /// A non-zero exit is reported as ``SSHError/Code-swift.struct/commandFailed`` and a signal as
    /// ``SSHError/Code-swift.struct/signaled``, with the output kept in ``HostResult/output``.
    public func run(
        _ command: String,
        on targets: [SSHTarget],
        options: ExecOptions = ExecOptions(),
        output: OutputHandler? = nil
    ) async -> [HostResult] {
        let outcomes = await forEach(targets) { session throws(SSHError) -> CommandOutput in
            try await session.run(command, options: options, output: output)
        }
        return outcomes.map { outcome in
            var result = HostResult(
                target: outcome.target,
                output: nil,
                error: nil,
                timings: outcome.timings,
                notes: outcome.notes
            )
            switch outcome.result {
            case .success(let output):
                result.output = output
                switch output.termination {
                case .exited(0):
                    break
                case .exited(let status):
                    result.error = SSHError(
                        .commandFailed,
                        host: outcome.host,
                        "the command exited with status \(status)" + stderrTail(output),
                        exitStatus: status
                    )
                case .signaled(let signal):
                    result.error = SSHError(
                        .signaled,
                        host: outcome.host,
                        "the command was killed by signal \(signal)" + stderrTail(output),
                        signal: signal
                    )
                }
            case .failure(let error):
                result.error = error
            }
            return result
        }
    }

    /// Connects to every target and runs `body` with the session, at most `parallelism` at a time.
    public func forEach<Value: Sendable>(
        _ targets: [SSHTarget],
        _ body: @escaping @Sendable (SSHSession) async throws(SSHError) -> Value
    ) async -> [HostOutcome<Value>] {
        let started = Instant.now
        var outcomes: [HostOutcome<Value>?] = Array(repeating: nil, count: targets.count)
        await withTaskGroup(of: (Int, HostOutcome<Value>).self) { group in
            var next = 0
            func startNext() {
                guard next < targets.count else { return }
                let index = next
                let target = targets[index]
                next += 1
                group.addTask {
                    (index, await self.session(target, started: started, body))
                }
            }
            for _ in 0..<min(configuration.parallelism, targets.count) { startNext() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                startNext()
            }
        }
        await bastions.closeAll()
        return outcomes.map { $0! }
    }

    /// Closes the jump-host connections kept for ``withSession(_:_:)`` calls. ``forEach(_:_:)`` and
    /// ``run(_:on:options:output:)`` close theirs when they return.
    public func shutdown() async {
        await bastions.closeAll()
    }

    /// Connects to one target, runs `body`, closes. Throws the classified failure.
    public func withSession<Value: Sendable>(
        _ target: SSHTarget,
        _ body: @escaping @Sendable (SSHSession) async throws(SSHError) -> Value
    ) async throws(SSHError) -> Value {
        let outcome = await session(target, started: .now, body)
        return try outcome.result.get()
    }

    private func session<Value: Sendable>(
        _ target: SSHTarget,
        started: Instant,
        _ body: @Sendable (SSHSession) async throws(SSHError) -> Value
    ) async -> HostOutcome<Value> {
        var timings = HostTimings()
        let logger = configuration.logger
        func finish(_ result: Result<Value, SSHError>, notes: [String] = []) -> HostOutcome<Value> {
            timings.total = Instant.now.duration(since: started)
            if case .failure(let error) = result {
                logger.debug("host failed", metadata: ["host": "\(target.label)", "code": "\(error.code)"])
            }
            return HostOutcome(target: target, result: result, timings: timings, notes: notes)
        }
        let cancelled = SSHError(.cancelled, host: target.label, "cancelled before connecting")
        let hostSlot = perHost.semaphore(for: target.label)
        guard await hostSlot.acquire() else { return finish(.failure(cancelled)) }
        defer { hostSlot.release() }
        guard await handshakes.acquire() else { return finish(.failure(cancelled)) }
        var handshakeHeld = true
        defer { if handshakeHeld { handshakes.release() } }
        timings.queued = Instant.now.duration(since: started)

        let connectStart = Instant.now
        let session = SSHSession(target: target, loop: group.next())
        do throws(SSHError) {
            let bastion = try await target.bastion.asyncMap { spec throws(SSHError) in
                try await bastions.session(for: spec, target: target, group: group)
            }
            try await session.connect(through: bastion)
        } catch {
            await session.abort()
            return finish(.failure(error))
        }
        handshakes.release()
        handshakeHeld = false
        let notes = await session.notes
        for note in notes { logger.notice("\(note)", metadata: ["host": "\(target.label)"]) }
        timings.connect = Instant.now.duration(since: connectStart)

        let workStart = Instant.now
        let result: Result<Value, SSHError>
        do throws(SSHError) {
            result = .success(try await body(session))
        } catch {
            result = .failure(error)
        }
        timings.work = Instant.now.duration(since: workStart)
        await session.close()
        return finish(result, notes: notes)
    }
}

private func stderrTail(_ output: CommandOutput) -> String {
    let lines = output.stderr.text.split(separator: "\n", omittingEmptySubsequences: true)
    guard let last = lines.last else { return "" }
    return ": " + String(last.prefix(200))
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws(SSHError) -> T) async throws(SSHError) -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
