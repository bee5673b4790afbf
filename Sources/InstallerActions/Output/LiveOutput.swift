import InstallerSSH
import InstallerSystem

/// `-v`: every command's output as it arrives, as whole lines prefixed with the host, on stderr.
/// Called on SSH event-loop threads: it only buffers and writes.
public final class LiveOutput: Sendable {
    private let lines = OutputLines()

    public init() {}

    public var handler: OutputHandler {
        { [self] chunk in take(chunk) }
    }

    func take(_ chunk: OutputChunk) {
        let (source, complete) = lines.take(chunk)
        guard !complete.isEmpty else { return }
        let marker = source.stream == .stdout ? "|" : "!"
        let text = complete.map { "\(source.host) \(marker) " + String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        Terminal.writeError(text)
    }
}
