import InstallerSSH
import InstallerSystem
import Synchronization

/// `-v`: every command's output as it arrives, as whole lines prefixed with the host, on stderr.
/// Called on SSH event-loop threads: it only buffers and writes.
public final class LiveOutput: Sendable {
    private struct Key: Hashable {
        var host: String
        var stream: OutputStream
    }

    private let pending = Mutex<[Key: [UInt8]]>([:])

    public init() {}

    public var handler: OutputHandler {
        { [self] chunk in take(chunk) }
    }

    func take(_ chunk: OutputChunk) {
        let key = Key(host: chunk.host, stream: chunk.stream)
        let lines: [[UInt8]] = pending.withLock { buffers in
            var buffer = buffers[key, default: []]
            buffer.append(contentsOf: chunk.bytes)
            var complete: [[UInt8]] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                complete.append(Array(buffer[..<newline]))
                buffer.removeSubrange(...newline)
            }
            buffers[key] = buffer
            return complete
        }
        guard !lines.isEmpty else { return }
        let marker = key.stream == .stdout ? "|" : "!"
        let text = lines.map { "\(key.host) \(marker) " + String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        Terminal.writeError(text)
    }
}
