import InstallerCluster
import InstallerRender
import InstallerSystem
import Synchronization

/// Progress on stderr. On a terminal, a block per role (done / running / failed / waiting, elapsed
/// time, the hosts still running) redrawn in place, with one line per host as it finishes above it;
/// otherwise plain lines only.
public final class ConsoleView: Sendable {
    private struct State {
        var total: [Role: Int] = [:]
        var done: [Role: Int] = [:]
        var failed: [Role: Int] = [:]
        var running: [String: (role: Role, since: ContinuousClock.Instant)] = [:]
        var drawn = 0
    }

    private let state = Mutex(State())
    private let live: Bool
    private let started = ContinuousClock.now
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - live: redraw a status block (stderr is a terminal).
    ///   - write: where the text goes (stderr).
    public init(nodes: [ClusterNode], live: Bool, write: @escaping @Sendable (String) -> Void = Terminal.writeError) {
        self.live = live
        self.write = write
        state.withLock { state in
            for node in nodes { state.total[node.role, default: 0] += 1 }
        }
    }

    public func started(_ node: ClusterNode) {
        state.withLock { $0.running[node.host] = (node.role, .now) }
        if live { redraw(prefix: "") }
    }

    public func finished(_ record: HostRecord, phase: Phase) {
        state.withLock { state in
            guard state.running.removeValue(forKey: record.node.host) != nil else { return }
            if record.status == .ok {
                state.done[record.node.role, default: 0] += 1
            } else {
                state.failed[record.node.role, default: 0] += 1
            }
        }
        let seconds = Double(record.durationMilliseconds) / 1000
        var line = "\(record.address) (\(record.node.role)) \(phase): \(record.status.rawValue) in \(format(seconds)) s"
        if record.status == .ok, let word = record.nodeResult { line += ": \(word)" }
        if record.status != .ok, !record.message.isEmpty { line += ": \(record.message)" }
        emit(line)
    }

    public func note(_ text: String) {
        emit(text)
    }

    /// Redraws the block (called about once a second on a terminal).
    public func tick() {
        if live { redraw(prefix: "") }
    }

    /// Removes the block.
    public func stop() {
        guard live else { return }
        let drawn = state.withLock { state -> Int in
            defer { state.drawn = 0 }
            return state.drawn
        }
        if drawn > 0 { write("\u{1B}[\(drawn)F\u{1B}[J") }
    }

    private func emit(_ line: String) {
        if live { redraw(prefix: line + "\n") } else { write(line + "\n") }
    }

    private func redraw(prefix: String) {
        let text = state.withLock { state -> String in
            var out = state.drawn > 0 ? "\u{1B}[\(state.drawn)F\u{1B}[J" : ""
            out += prefix
            let elapsed = Int((ContinuousClock.now - started).components.seconds)
            var lines: [String] = []
            for role in Role.allCases {
                guard let total = state.total[role], total > 0 else { continue }
                let running = state.running.filter { $0.value.role == role }.keys.sorted()
                let done = state.done[role] ?? 0
                let failed = state.failed[role] ?? 0
                let waiting = max(0, total - done - failed - running.count)
                var line =
                    "\(role.rawValue.padding(12)) done \(done)/\(total)  running \(running.count)  failed \(failed)  waiting \(waiting)"
                if !running.isEmpty {
                    let shown = running.prefix(4).joined(separator: ", ")
                    line += "  [\(shown)\(running.count > 4 ? ", +\(running.count - 4)" : "")]"
                }
                lines.append(line)
            }
            lines.append("elapsed \(elapsed / 60)m\(elapsed % 60)s")
            out += lines.joined(separator: "\n") + "\n"
            state.drawn = lines.count
            return out
        }
        write(text)
    }

    private func format(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
