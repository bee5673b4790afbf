import Synchronization

/// Reassembles live output chunks into whole lines, per host and stream. Safe to call from SSH
/// event-loop threads: it only buffers.
public final class OutputLines: Sendable {
    /// Where a line came from.
    public struct Source: Hashable, Sendable {
        public var host: String
        public var stream: OutputStream
    }

    private let pending = Mutex<[Source: [UInt8]]>([:])

    public init() {}

    /// Adds a chunk; returns the lines it completed (without their newlines).
    public func take(_ chunk: OutputChunk) -> (source: Source, lines: [[UInt8]]) {
        let source = Source(host: chunk.host, stream: chunk.stream)
        let lines: [[UInt8]] = pending.withLock { buffers in
            var buffer = buffers[source, default: []]
            buffer.append(contentsOf: chunk.bytes)
            var complete: [[UInt8]] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                complete.append(Array(buffer[..<newline]))
                buffer.removeSubrange(...newline)
            }
            buffers[source] = buffer
            return complete
        }
        return (source, lines)
    }

    /// Takes every unfinished line, sorted by host.
    public func drain() -> [(source: Source, bytes: [UInt8])] {
        let rest = pending.withLock { buffers in
            defer { buffers.removeAll() }
            return buffers.filter { !$0.value.isEmpty }
        }
        return rest.sorted { $0.key.host < $1.key.host }.map { ($0.key, $0.value) }
    }
}
