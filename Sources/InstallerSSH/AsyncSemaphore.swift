import Synchronization

/// A counting semaphore for tasks: `acquire` suspends (cancellably) instead of blocking a thread.
final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(available: max(1, count))) }

    /// Takes a permit; false when the task was cancelled while waiting (no permit is held then).
    func acquire() async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { state in
                    if Task.isCancelled { return false }
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Returns a permit.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: true)
    }
}

/// Per-key semaphores created on demand (the per-host cap).
final class KeyedSemaphores: Sendable {
    private let semaphores = Mutex<[String: AsyncSemaphore]>([:])
    private let count: Int

    init(count: Int) { self.count = count }

    func semaphore(for key: String) -> AsyncSemaphore {
        semaphores.withLock { map in
            if let existing = map[key] { return existing }
            let created = AsyncSemaphore(count)
            map[key] = created
            return created
        }
    }
}
