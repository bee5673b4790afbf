import Synchronization

/// Jump-host sessions of one fleet, connected once each and shared by all targets behind them.
final class BastionPool: Sendable {
    private enum Entry {
        case connecting([CheckedContinuation<Result<SSHSession, SSHError>, Never>])
        case ready(Result<SSHSession, SSHError>)
    }

    private let entries = Mutex<[SSHBastion: Entry]>([:])

    /// The connected session of `spec`, connecting it on first use.
    func session(for spec: SSHBastion, target: SSHTarget, group: EventLoopGroup) async throws(SSHError) -> SSHSession {
        enum Action {
            case connect
            case wait
            case done(Result<SSHSession, SSHError>)
        }
        let result: Result<SSHSession, SSHError> = await withCheckedContinuation { continuation in
            let action = entries.withLock { entries -> Action in
                switch entries[spec] {
                case nil:
                    entries[spec] = .connecting([continuation])
                    return .connect
                case .connecting(var waiters):
                    waiters.append(continuation)
                    entries[spec] = .connecting(waiters)
                    return .wait
                case .ready(let result):
                    return .done(result)
                }
            }
            switch action {
            case .wait:
                break
            case .done(let result):
                continuation.resume(returning: result)
            case .connect:
                Task {
                    let bastionTarget = SSHTarget(
                        host: spec.host,
                        port: spec.port,
                        user: spec.user,
                        authentication: spec.authentication,
                        hostKeyPolicy: spec.hostKeyPolicy,
                        knownHostsFile: target.knownHostsFile,
                        timeouts: target.timeouts
                    )
                    let session = SSHSession(target: bastionTarget, loop: group.next())
                    var outcome: Result<SSHSession, SSHError>
                    do throws(SSHError) {
                        try await session.connect(through: nil)
                        outcome = .success(session)
                    } catch {
                        await session.abort()
                        var wrapped = error
                        wrapped.message =
                            "cannot reach the jump host \(spec.user)@\(bastionTarget.label): \(error.message)"
                        wrapped.code = error.code == .cancelled ? .cancelled : .bastion
                        outcome = .failure(wrapped)
                    }
                    let waiters = self.entries.withLock {
                        entries -> [CheckedContinuation<Result<SSHSession, SSHError>, Never>] in
                        guard case .connecting(let waiters) = entries[spec] else { return [] }
                        entries[spec] = .ready(outcome)
                        return waiters
                    }
                    for waiter in waiters { waiter.resume(returning: outcome) }
                }
            }
        }
        switch result {
        case .success(let session):
            return session
        case .failure(var error):
            error.host = target.label
            throw error
        }
    }

    /// Closes every jump-host session.
    func closeAll() async {
        let sessions = entries.withLock { entries -> [SSHSession] in
            let sessions = entries.values.compactMap { entry -> SSHSession? in
                if case .ready(.success(let session)) = entry { return session }
                return nil
            }
            entries.removeAll()
            return sessions
        }
        for session in sessions { await session.close() }
    }
}
