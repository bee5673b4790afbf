import CLibSSH2
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What ended a wait on the event loop.
enum WaitResult: Sendable {
    /// One of the descriptors is ready (or in error: the caller retries its operation and sees it).
    case ready
    /// The deadline passed first.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
}

/// One thread running `epoll_wait`, which is also the serial executor of every `SSHSession` bound to it.
///
/// Sessions run their libssh2 calls non-blocking on this thread; when libssh2 says EAGAIN they suspend
/// in ``wait(for:deadline:isolation:)`` and the loop resumes them when the socket is ready, the deadline
/// passes or the task is cancelled. A fixed number of loops serves any number of hosts, so the process's
/// thread count does not grow with the fleet.
final class EventLoop: SerialExecutor, @unchecked Sendable {
    // @unchecked: `confined` is only touched on the loop thread (checked by `preconditionInLoop`);
    // everything shared across threads is behind the `inbox` Mutex or is immutable.

    private enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private struct Inbox {
        var work: [Work] = []
        var wakePending = false
    }

    private final class Waiter: @unchecked Sendable {
        // @unchecked: created on any thread, then only used on the loop thread.
        let id: UInt64
        let interests: [(fd: Int32, events: UInt32)]
        let deadline: Instant
        let continuation: CheckedContinuation<WaitResult, Never>

        init(
            id: UInt64,
            interests: [(fd: Int32, events: UInt32)],
            deadline: Instant,
            continuation: CheckedContinuation<WaitResult, Never>
        ) {
            self.id = id
            self.interests = interests
            self.deadline = deadline
            self.continuation = continuation
        }
    }

    private final class Confined {
        var waiters: [UInt64: Waiter] = [:]
        var waitersByFD: [Int32: [UInt64]] = [:]
        var registered: [Int32: UInt32] = [:]
        var nextID: UInt64 = 1
    }

    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex(Inbox())
    private let confined = Confined()
    private let threadID = Mutex<pthread_t?>(nil)
    let name: String

    init(name: String) {
        self.name = name
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(epollFD >= 0 && wakeFD >= 0, "EventLoop: cannot create epoll/eventfd (errno \(errno))")
        var event = epoll_event()
        event.events = PollEvents.readable
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        start()
    }

    // MARK: - SerialExecutor

    func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        preconditionInLoop()
    }

    /// Runs `body` on the loop thread, soon. Callable from any thread.
    func execute(_ body: @escaping @Sendable () -> Void) {
        submit(.closure(body))
    }

    var inLoop: Bool {
        guard let id = threadID.withLock({ $0 }) else { return false }
        return pthread_equal(id, pthread_self()) != 0
    }

    func preconditionInLoop() {
        precondition(inLoop, "\(name): called off its event-loop thread")
    }

    private func submit(_ work: Work) {
        let mustWake = inbox.withLock { inbox -> Bool in
            inbox.work.append(work)
            if inbox.wakePending { return false }
            inbox.wakePending = true
            return true
        }
        if mustWake && !inLoop {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    // MARK: - Waiting

    /// Suspends until one of `interests` is ready, `deadline` passes or the task is cancelled.
    ///
    /// Must be called from a context isolated to this loop (an `SSHSession` method): the registration
    /// happens synchronously on the loop thread.
    func wait(
        for interests: [(fd: Int32, events: UInt32)],
        deadline: Instant,
        isolation: isolated (any Actor)? = #isolation
    ) async -> WaitResult {
        preconditionInLoop()
        let id = confined.nextID
        confined.nextID += 1
        let cancelled = Atomic<Bool>(false)
        // The operation closure of withTaskCancellationHandler is not reliably isolated to the caller
        // (gotcha G12), so the registration hops to the loop explicitly when it is not already there.
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<WaitResult, Never>) in
                if Task.isCancelled {
                    continuation.resume(returning: .cancelled)
                    return
                }
                let waiter = Waiter(id: id, interests: interests, deadline: deadline, continuation: continuation)
                let register: @Sendable () -> Void = {
                    if cancelled.load(ordering: .acquiring) {
                        continuation.resume(returning: .cancelled)
                    } else if deadline <= .now {
                        continuation.resume(returning: .timedOut)
                    } else {
                        self.register(waiter)
                    }
                }
                if inLoop { register() } else { execute(register) }
            }
        } onCancel: {
            cancelled.store(true, ordering: .releasing)
            self.execute { self.fire(id, .cancelled) }
        }
    }

    /// Suspends until `deadline` (or cancellation). Returns false when cancelled.
    func sleep(until deadline: Instant, isolation: isolated (any Actor)? = #isolation) async -> Bool {
        await wait(for: [], deadline: deadline) != .cancelled
    }

    /// Wakes every waiter on `fd` (used when one task consumed data another one waits for).
    func wakeWaiters(on fd: Int32) {
        preconditionInLoop()
        for id in confined.waitersByFD[fd] ?? [] {
            fire(id, .ready)
        }
    }

    private func register(_ waiter: Waiter) {
        confined.waiters[waiter.id] = waiter
        for interest in waiter.interests {
            confined.waitersByFD[interest.fd, default: []].append(waiter.id)
            updateInterest(interest.fd)
        }
    }

    private func fire(_ id: UInt64, _ result: WaitResult) {
        guard let waiter = confined.waiters.removeValue(forKey: id) else { return }
        for interest in waiter.interests {
            confined.waitersByFD[interest.fd]?.removeAll { $0 == id }
            if confined.waitersByFD[interest.fd]?.isEmpty == true {
                confined.waitersByFD[interest.fd] = nil
            }
            updateInterest(interest.fd)
        }
        waiter.continuation.resume(returning: result)
    }

    private func updateInterest(_ fd: Int32) {
        var wanted: UInt32 = 0
        for id in confined.waitersByFD[fd] ?? [] {
            for interest in confined.waiters[id]?.interests ?? [] where interest.fd == fd {
                wanted |= interest.events
            }
        }
        let current = confined.registered[fd]
        if wanted == 0 {
            if current != nil {
                confined.registered[fd] = nil
                _ = cssh2_epoll_ctl(epollFD, 2, fd, 0)
            }
            return
        }
        guard current != wanted else { return }
        let rc = cssh2_epoll_ctl(epollFD, current == nil ? 0 : 1, fd, wanted)
        if rc != 0 && errno == ENOENT {
            _ = cssh2_epoll_ctl(epollFD, 0, fd, wanted)
        } else if rc != 0 && errno == EEXIST {
            _ = cssh2_epoll_ctl(epollFD, 1, fd, wanted)
        }
        confined.registered[fd] = wanted
    }

    // MARK: - The loop

    private func start() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            nil,
            { raw in
                let loop = Unmanaged<EventLoop>.fromOpaque(raw!).takeRetainedValue()
                loop.run()
                return nil
            },
            box.toOpaque()
        )
        precondition(rc == 0, "EventLoop: pthread_create failed (\(rc))")
        pthread_detach(thread)
    }

    private func run() {
        threadID.withLock { $0 = pthread_self() }
        let capacity = 256
        let readyFDs = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        let readyEvents = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        defer {
            readyFDs.deallocate()
            readyEvents.deallocate()
        }
        while true {
            let work = inbox.withLock { inbox -> [Work] in
                let work = inbox.work
                inbox.work.removeAll(keepingCapacity: true)
                return work
            }
            for item in work {
                switch item {
                case .job(let job): job.runSynchronously(on: asUnownedSerialExecutor())
                case .closure(let body): body()
                }
            }
            let idle = inbox.withLock { inbox -> Bool in
                if inbox.work.isEmpty {
                    inbox.wakePending = false
                    return true
                }
                return false
            }
            let timeout = idle ? timeoutMilliseconds() : 0
            let n = cssh2_epoll_wait(epollFD, readyFDs, readyEvents, Int32(capacity), timeout)
            if n > 0 {
                for i in 0..<Int(n) {
                    let fd = readyFDs[i]
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = Glibc.read(wakeFD, &value, 8)
                        continue
                    }
                    for id in confined.waitersByFD[fd] ?? [] {
                        fire(id, .ready)
                    }
                }
            }
            fireExpired()
        }
    }

    private func timeoutMilliseconds() -> Int32 {
        var earliest = Instant.distantFuture
        for waiter in confined.waiters.values where waiter.deadline < earliest {
            earliest = waiter.deadline
        }
        if earliest == .distantFuture { return 1_000 }
        let now = Instant.now
        if earliest <= now { return 0 }
        return Int32(min(1_000, (earliest.nanoseconds - now.nanoseconds + 999_999) / 1_000_000))
    }

    private func fireExpired() {
        let now = Instant.now
        let expired = confined.waiters.values.filter { $0.deadline <= now }.map(\.id)
        for id in expired {
            fire(id, .timedOut)
        }
    }
}

/// A fixed set of event loops shared by all sessions of the process.
final class EventLoopGroup: Sendable {
    /// The process-wide group: one loop per core, at most four.
    static let shared = EventLoopGroup(count: min(4, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))))

    let loops: [EventLoop]
    private let counter = Atomic<Int>(0)

    init(count: Int) {
        // Ignore SIGPIPE: libssh2 writes to sockets the peer may have closed.
        signal(SIGPIPE, SIG_IGN)
        loops = (0..<count).map { EventLoop(name: "ssh-loop-\($0)") }
    }

    /// The next loop, round robin.
    func next() -> EventLoop {
        loops[counter.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }
}

/// epoll event bits (Glibc imports them as an enum that does not bridge cleanly).
enum PollEvents {
    static let readable: UInt32 = 0x001
    static let writable: UInt32 = 0x004
}
