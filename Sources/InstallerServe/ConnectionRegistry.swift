import NIOCore
import Synchronization

/// The open connections of one server: enforces the connection caps (in all, and per client address, so that one
/// client holding idle connections cannot lock the nodes out) and drives graceful shutdown.
package final class ConnectionRegistry: Sendable {
    package enum Admission: Equatable {
        case admitted
        case serverFull
        case clientFull(Int)
    }

    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var perClient: [String: Int] = [:]
        var shuttingDown = false
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let maximum: Int
    private let maximumPerClient: Int
    private let state = Mutex(State())

    package init(maximum: Int, maximumPerClient: Int = .max) {
        self.maximum = maximum
        self.maximumPerClient = maximumPerClient
    }

    /// Registers `channel`, or says which cap refused it (also when the server is shutting down: full).
    package func admit(_ channel: any Channel) -> Admission {
        let client = Self.clientKey(channel)
        let admission = self.state.withLock { state -> Admission in
            guard !state.shuttingDown, state.channels.count < self.maximum else { return .serverFull }
            let open = state.perClient[client, default: 0]
            guard open < self.maximumPerClient else { return .clientFull(open) }
            state.channels[ObjectIdentifier(channel)] = channel
            state.perClient[client] = open + 1
            return .admitted
        }
        if admission == .admitted {
            channel.closeFuture.whenComplete { _ in self.remove(channel, client: client) }
        }
        return admission
    }

    /// The client's address without the port.
    private static func clientKey(_ channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "-"
    }

    package var count: Int { self.state.withLock { $0.channels.count } }

    private func remove(_ channel: any Channel, client: String) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.channels[ObjectIdentifier(channel)] = nil
            let left = state.perClient[client, default: 1] - 1
            state.perClient[client] = left > 0 ? left : nil
            guard state.channels.isEmpty else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Asks every connection to close once its current response is done (idle ones close at once).
    package func beginShutdown() {
        let channels = self.state.withLock { state in
            state.shuttingDown = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ConnectionHandler.ShutdownRequested())
        }
    }

    /// Returns once every connection has closed.
    package func waitUntilDrained() async {
        await withCheckedContinuation { continuation in
            let done = self.state.withLock { state -> Bool in
                if state.channels.isEmpty { return true }
                state.drained.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Closes every connection that is still open.
    package func closeAll() {
        let channels = self.state.withLock { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }
}
