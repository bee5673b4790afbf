import InstallerConfig
import InstallerRender
import InstallerSSH

#if canImport(Glibc)
    import Glibc
#endif

/// `--exec`: one command on many nodes in parallel, with live output prefixed by host, and a report.
public enum ClusterExec {
    /// One node's outcome.
    public struct NodeResult: Sendable {
        public var node: ClusterNode
        public var result: HostResult
    }

    /// Runs `command` on `nodes`. With `live`, each complete output line is written as it arrives:
    /// stdout lines to stdout as `host: line`, stderr lines to stderr. Cancelling the calling task
    /// closes every session within about a second; unfinished hosts come back as cancelled.
    public static func run(
        _ command: String,
        on nodes: [ClusterNode],
        settings: SSHSettings,
        live: Bool
    ) async -> [NodeResult] {
        let printer = live ? LinePrinter(hostWidth: settings.targets.map(\.label.count).max() ?? 0) : nil
        let fleet = SSHFleet(settings.fleet)
        var handler: OutputHandler?
        if let printer {
            handler = { chunk in printer.take(chunk) }
        }
        let results = await fleet.run(command, on: settings.targets, output: handler)
        await fleet.shutdown()
        printer?.flushAll()
        return zip(nodes, results).map { NodeResult(node: $0, result: $1) }
    }

    /// The stable JSON report of `--exec --json`.
    public static func report(command: String, results: [NodeResult]) -> JSONValue {
        let failed = results.filter { !$0.result.succeeded }.count
        return .object([
            "command": .string(command),
            "summary": .object([
                "hosts": .int(results.count),
                "succeeded": .int(results.count - failed),
                "failed": .int(failed),
            ]),
            "hosts": .array(
                results.map { entry in
                    let result = entry.result
                    var exitStatus: JSONValue = .null
                    var signal: JSONValue = .null
                    switch result.output?.termination {
                    case .exited(let status)?: exitStatus = .int(Int(status))
                    case .signaled(let name)?: signal = .string(name)
                    case nil: break
                    }
                    return .object([
                        "host": .string(entry.node.host),
                        "role": .string(entry.node.role.rawValue),
                        "status": .string(status(of: result)),
                        "error": errorJSON(result.error),
                        "exit_status": exitStatus,
                        "signal": signal,
                        "stdout": .string(result.output?.stdout.text ?? ""),
                        "stderr": .string(result.output?.stderr.text ?? ""),
                        "duration_ms": .int(
                            Int(
                                result.timings.total.components.seconds * 1000 + result.timings.total.components
                                    .attoseconds / 1_000_000_000_000_000
                            )
                        ),
                    ])
                }
            ),
        ])
    }

    private static func errorJSON(_ error: SSHError?) -> JSONValue {
        guard let error else { return .null }
        return .object(["code": .string(error.code.description), "message": .string(error.description)])
    }

    /// ok, failed (the command), unreachable (connection), timeout, cancelled, or error (SSH setup).
    public static func status(of result: HostResult) -> String {
        guard let error = result.error else { return "ok" }
        switch error.code {
        case .commandFailed, .signaled: return "failed"
        case .commandTimeout, .connectTimeout, .handshakeTimeout: return "timeout"
        case .cancelled: return "cancelled"
        case .resolve, .refused, .connect, .disconnected: return "unreachable"
        default: return "error"
        }
    }
}

/// Splits live output into lines per host and stream, and writes whole lines with a host prefix.
/// Called on SSH event-loop threads, so it only buffers and writes.
final class LinePrinter: Sendable {
    private let lines = OutputLines()
    private let hostWidth: Int

    init(hostWidth: Int) {
        self.hostWidth = hostWidth
    }

    func take(_ chunk: OutputChunk) {
        let (source, complete) = lines.take(chunk)
        for line in complete { emit(line, key: source) }
    }

    func flushAll() {
        for (source, bytes) in lines.drain() { emit(bytes, key: source) }
    }

    private func emit(_ line: [UInt8], key: OutputLines.Source) {
        let padding = String(repeating: " ", count: max(0, hostWidth - key.host.count))
        var bytes = Array("\(key.host)\(padding) | ".utf8)
        bytes += line
        bytes.append(UInt8(ascii: "\n"))
        let descriptor = key.stream == .stdout ? STDOUT_FILENO : STDERR_FILENO
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
