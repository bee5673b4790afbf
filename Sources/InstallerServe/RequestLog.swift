import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One line per request on stderr, as text or as JSON.
///
/// Event loops only append to a bounded in-memory buffer; a serial dispatch queue writes it out at most every
/// `batchInterval`, so a slow or blocked stderr never stalls request handling and a busy server does not pay a
/// thread wake-up per request. If stderr falls more than `maximumBufferedBytes` behind, lines are
/// dropped and the count of dropped lines is written once it catches up.
final class RequestLog: Sendable {
    struct Entry {
        var method: String
        var target: String
        var status: Int
        var bytes: Int64
        var durationNanoseconds: Int64
        var client: String
        var note: String?
    }

    static let maximumBufferedBytes = 1 << 20
    static let batchInterval = DispatchTimeInterval.milliseconds(50)

    private let json: Bool
    private let descriptor: CInt
    private let queue = DispatchQueue(label: "dcos.serve.request-log")
    private let pending = Mutex<(lines: [UInt8], scheduled: Bool, dropped: Int)>(([], false, 0))

    init(json: Bool, descriptor: CInt = STDERR_FILENO) {
        self.json = json
        self.descriptor = descriptor
    }

    func record(_ entry: Entry) {
        let line = self.json ? Self.jsonLine(entry) : Self.textLine(entry)
        let schedule = self.pending.withLock { state -> Bool in
            guard state.lines.count + line.utf8.count <= Self.maximumBufferedBytes else {
                state.dropped += 1
                return false
            }
            state.lines.append(contentsOf: line.utf8)
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule {
            // Batch: one wake-up of the writer per interval however many requests arrive, instead of one per line.
            self.queue.asyncAfter(deadline: .now() + Self.batchInterval) { self.drain() }
        }
    }

    /// Returns once every line recorded so far has been written (used at shutdown).
    func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async {
                self.drain()
                continuation.resume()
            }
        }
    }

    private func drain() {
        while true {
            let (lines, dropped) = self.pending.withLock { state -> ([UInt8], Int) in
                defer {
                    state.lines.removeAll(keepingCapacity: true)
                    state.dropped = 0
                    state.scheduled = !state.lines.isEmpty
                }
                let taken = (state.lines, state.dropped)
                state.lines = []
                return taken
            }
            if lines.isEmpty && dropped == 0 { return }
            var output = lines
            if dropped > 0 {
                output.append(contentsOf: "request log: \(dropped) lines dropped (stderr too slow)\n".utf8)
            }
            output.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(self.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    static func textLine(_ entry: Entry) -> String {
        var line =
            "\(HTTPDate.isoTimestamp()) \(entry.client) \(escapeText(entry.method)) \(escapeText(entry.target)) "
            + "\(entry.status) \(entry.bytes) \(milliseconds(entry.durationNanoseconds))ms"
        if let note = entry.note { line += " (\(escapeText(note)))" }
        return line + "\n"
    }

    static func jsonLine(_ entry: Entry) -> String {
        var line =
            "{\"time\":\"\(HTTPDate.isoTimestamp())\",\"client\":\(jsonString(entry.client)),"
            + "\"method\":\(jsonString(entry.method)),\"path\":\(jsonString(entry.target)),"
            + "\"status\":\(entry.status),\"bytes\":\(entry.bytes),"
            + "\"duration_ms\":\(milliseconds(entry.durationNanoseconds))"
        if let note = entry.note { line += ",\"note\":\(jsonString(note))" }
        return line + "}\n"
    }

    private static func milliseconds(_ nanoseconds: Int64) -> String {
        let micros = nanoseconds / 1000
        let fraction = micros % 1000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(micros / 1000).\(padded)"
    }

    /// Client-controlled text with control bytes, quotes and backslashes escaped, so a request cannot forge lines.
    private static func escapeText(_ text: String) -> String {
        let plain = text.utf8.allSatisfy {
            $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
        }
        if plain { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func jsonString(_ text: String) -> String {
        let plain = text.utf8.allSatisfy {
            $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
        }
        if plain { return "\"" + text + "\"" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
