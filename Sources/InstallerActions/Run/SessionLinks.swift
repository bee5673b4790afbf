import InstallerSSH
import Synchronization

/// One SSH session per host, kept open across the phases of a run (a master's install, then its health
/// gate) and opened ahead of use (the next agents while the masters install), so connecting (TCP, key
/// exchange, authentication, the node's login session) is off the deploy's critical path.
///
/// Each host's session lives in a task of its own that runs the jobs handed to it, one at a time. A job
/// that throws ends the session: the next job for that host connects afresh. A session idle for a while
/// is probed (`true`) before it is used; if the probe fails, the job runs on a new connection.
///
/// Bounded: at most `capacity` sessions are open at once (``SSHFleet``'s parallelism plus a small
/// look-ahead). A prefetch beyond that is skipped; a job that needs a new session past it first closes the
/// session idle the longest. ``release(_:)`` closes a host's session as soon as its part of the run is done.
final class SessionLinks: Sendable {
    private let fleet: SSHFleet
    /// After this long without use, a session is probed before a job runs on it.
    private let probeAfter: Duration
    /// Open (or opening, or closing) sessions at most, unless every one of them is busy.
    let capacity: Int
    private struct State {
        var links: [String: Link] = [:]
        /// Links whose task has not ended: open, opening, or closing after a release.
        var live: [ObjectIdentifier: Link] = [:]
        var peak = 0
    }
    private let state = Mutex(State())

    /// Sessions beyond the fleet's parallelism that may be opened ahead of their use.
    static func lookAhead(parallelism: Int) -> Int { min(max(2, parallelism / 4), 16) }

    init(fleet: SSHFleet, capacity: Int? = nil, probeAfter: Duration = .seconds(5)) {
        self.fleet = fleet
        let parallelism = fleet.configuration.parallelism
        self.capacity = max(1, capacity ?? parallelism + Self.lookAhead(parallelism: parallelism))
        self.probeAfter = probeAfter
    }

    /// The most sessions that were live at once.
    var peak: Int { state.withLock { $0.peak } }
    /// Sessions live now.
    var live: Int { state.withLock { $0.live.count } }

    /// Starts connecting to `target` unless a session to it is open or opening, or `capacity` sessions
    /// are; then runs `warmUp` on the new session (read-only work that saves time later, such as checking
    /// a file).
    func prefetch(_ target: SSHTarget, warmUp: (@Sendable (SSHSession) async -> Void)? = nil) {
        guard let (link, isNew) = link(for: target, ahead: true) else { return }
        if isNew, let warmUp { link.submit { session in await warmUp(session) } }
    }

    /// Closes the host's session (after the job it runs, if any): its part of the run is done.
    func release(_ target: SSHTarget) {
        let link = state.withLock { $0.links.removeValue(forKey: target.label) }
        link?.close()
    }

    /// Runs `body` on the host's session, connecting first when there is none. Throws what `body` or
    /// the connection threw; cancelling the calling task cancels the command in flight.
    func withSession(
        _ target: SSHTarget,
        _ body: @escaping @Sendable (SSHSession) async throws(SSHError) -> Void
    ) async throws(SSHError) {
        for _ in 0..<2 {
            switch await link(for: target, ahead: false)!.link.run(body) {
            case .done: return
            case .failed(let error): throw error
            case .stale: continue  // the kept session was gone before the job began: once more, connected afresh
            }
        }
        throw SSHError(.disconnected, host: target.label, "the connection closed twice before the command could start")
    }

    /// Closes every session (politely) and waits for them, released ones included.
    func closeAll() async {
        let all = state.withLock { state in
            defer { state.links.removeAll() }
            return Array(state.live.values)
        }
        for link in all { link.close() }
        for link in all { await link.finished() }
    }

    /// The host's open link, or a new one (connecting). At capacity, a new link first closes the link
    /// idle the longest; a prefetch (`ahead`) gets nil instead.
    private func link(for target: SSHTarget, ahead: Bool) -> (link: Link, isNew: Bool)? {
        let key = target.label
        let (result, evicted) = state.withLock { state -> ((link: Link, isNew: Bool)?, Link?) in
            if let existing = state.links[key], existing.isOpen { return ((existing, false), nil) }
            var evicted: Link?
            if state.live.count >= capacity {
                if ahead { return (nil, nil) }  // never close a session for a guess
                let idle = state.links.filter { $0.value.idleSince != nil }
                if let (host, oldest) = idle.min(by: { $0.value.idleSince! < $1.value.idleSince! }) {
                    state.links[host] = nil
                    evicted = oldest
                }
            }
            let link = Link()
            state.links[key] = link
            state.live[ObjectIdentifier(link)] = link
            state.peak = max(state.peak, state.live.count)
            link.start(fleet: fleet, target: target, probeAfter: probeAfter) { [weak self] ended in
                self?.state.withLock { state in
                    if state.links[key] === ended { state.links[key] = nil }
                    state.live[ObjectIdentifier(ended)] = nil
                }
            }
            return ((link, true), evicted)
        }
        evicted?.close()
        return result
    }
}

/// One host's session task and the jobs waiting for it.
private final class Link: Sendable {
    typealias Body = @Sendable (SSHSession) async throws(SSHError) -> Void

    enum Outcome: Sendable {
        case done
        case failed(SSHError)
        /// The session died while kept: the job did not start.
        case stale
    }

    struct Job: Sendable {
        var body: Body
        /// Nil for a job nobody waits for (a warm-up).
        var done: CheckedContinuation<Outcome, Never>?
    }

    private struct State {
        var queue: [Job] = []
        var waiter: CheckedContinuation<Job?, Never>?
        var closed = false
        /// The session is up (jobs run on it); until then, closing cancels the connect.
        var connected = false
        var task: Task<Void, Never>?
        /// Since when the session has been waiting for a job (nil while connecting or running one).
        var idleSince: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    var isOpen: Bool { state.withLock { !$0.closed } }
    /// Since when this open session has had nothing to do; nil when it is busy, connecting or closed.
    var idleSince: ContinuousClock.Instant? { state.withLock { $0.closed ? nil : $0.idleSince } }

    func start(
        fleet: SSHFleet,
        target: SSHTarget,
        probeAfter: Duration,
        ended: @escaping @Sendable (Link) -> Void
    ) {
        let task = Task {
            var failure = SSHError(.disconnected, host: target.label, "the session was closed")
            do throws(SSHError) {
                try await fleet.withSession(target) { session throws(SSHError) in
                    self.state.withLock { $0.connected = true }
                    var lastUsed = ContinuousClock.now
                    while let job = await self.next() {
                        if ContinuousClock.now - lastUsed > probeAfter {
                            let probe = try? await session.run(
                                "true",
                                options: ExecOptions(
                                    captureLimit: 1024,
                                    sudo: SudoMode.none,
                                    totalTimeout: .seconds(10)
                                )
                            )
                            if probe?.termination.isSuccess != true {
                                // Closed first, so the job's second try gets a new link, not this one.
                                self.state.withLock { $0.closed = true }
                                job.done?.resume(returning: .stale)
                                throw SSHError(.disconnected, host: target.label, "the kept session no longer answers")
                            }
                        }
                        do throws(SSHError) {
                            try await job.body(session)
                        } catch {
                            self.state.withLock { $0.closed = true }
                            job.done?.resume(returning: .failed(error))
                            throw error
                        }
                        job.done?.resume(returning: .done)
                        lastUsed = .now
                    }
                }
            } catch {
                failure = error
            }
            self.close(failing: failure)
            ended(self)
        }
        state.withLock { $0.task = task }
    }

    /// Queues `body` without waiting for it. It must not throw.
    func submit(_ body: @escaping @Sendable (SSHSession) async -> Void) {
        hand(Job(body: { session in await body(session) }, done: nil))
    }

    /// Queues a job; false when the link is closed.
    @discardableResult
    private func hand(_ job: Job) -> Bool {
        let (handed, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Job?, Never>?) in
            guard !state.closed else { return (false, nil) }
            guard let waiter = state.waiter else {
                state.queue.append(job)
                return (true, nil)
            }
            state.waiter = nil
            state.idleSince = nil
            return (true, waiter)
        }
        waiter?.resume(returning: job)
        return handed
    }

    /// Hands `body` to the session task and waits for it to run.
    func run(_ body: @escaping Body) async -> Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if !hand(Job(body: body, done: continuation)) { continuation.resume(returning: .stale) }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The next job, or nil once the link is closed. Called by the session task only.
    private func next() async -> Job? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                state.withLock { state in
                    if !state.queue.isEmpty {
                        continuation.resume(returning: state.queue.removeFirst())
                    } else if state.closed {
                        continuation.resume(returning: nil)
                    } else {
                        state.waiter = continuation
                        state.idleSince = .now
                    }
                }
            }
        } onCancel: {
            close()
        }
    }

    /// No more jobs: the session task finishes the one it runs, then closes the session; a connect still
    /// under way is cancelled.
    func close() {
        let (waiter, connecting) = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return (state.waiter, state.connected ? nil : state.task)
        }
        waiter?.resume(returning: nil)
        connecting?.cancel()
    }

    /// Closed for good: jobs still queued get `failure`, or `stale` when they may run on a new session.
    private func close(failing failure: SSHError) {
        let (queued, waiter, connected) = state.withLock { state in
            state.closed = true
            defer {
                state.queue.removeAll()
                state.waiter = nil
            }
            return (state.queue, state.waiter, state.connected)
        }
        waiter?.resume(returning: nil)
        // Never connected: the connect error is the answer. Connected: the next job may get a new session.
        let outcome: Outcome = !connected || failure.code == .cancelled ? .failed(failure) : .stale
        for job in queued { job.done?.resume(returning: outcome) }
    }

    /// Cancels the session task (Ctrl-C): the command in flight stops within about two seconds.
    private func cancel() {
        state.withLock { $0.task }?.cancel()
    }

    func finished() async {
        await state.withLock { $0.task }?.value
    }
}
