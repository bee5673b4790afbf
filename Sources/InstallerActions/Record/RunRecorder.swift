import Dispatch
import InstallerConfig
import InstallerSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One run's record on disk, `genconf/state/<run id>/`: `journal.jsonl` (append-only, one JSON object
/// per line, fsync'd), `hosts/<address>.log` (every command with its output and timings), and
/// `report.json`. Writes happen in order on one serial queue, never on the caller's thread.
public final class RunRecorder: Sendable {
    /// `20240501T120000Z-k3x9`: UTC time then a short random suffix, so names sort by start time.
    public let runID: String
    /// `genconf/state/<run id>`.
    public let directory: String
    private let queue = DispatchQueue(label: "dcos-installer.run-recorder")

    /// A new run id for a run started at `started`: `20240501T120000Z-k3x9`. Made before the run when its
    /// caller holds the ``ActionLock`` under it.
    public static func makeRunID(started: WallTime) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<4).map { _ in alphabet.randomElement()! })
        return started.compact + "-" + suffix
    }

    /// True for a name `makeRunID` makes: `20240501T120000Z-k3x9`.
    public static func isRunID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 16, !parts[1].isEmpty else { return false }
        let stamp = Array(parts[0])
        let digits = stamp[0..<8] + stamp[9..<15]
        return stamp[8] == "T" && stamp[15] == "Z" && digits.allSatisfy(\.isNumber)
            && parts[1].allSatisfy { $0.isLowercase || $0.isNumber }
    }

    /// Creates the run directory under `stateDirectory` (created when missing), with a new run id.
    public static func create(stateDirectory: String, started: WallTime) -> Result<RunRecorder, ActionError> {
        create(stateDirectory: stateDirectory, runID: makeRunID(started: started))
    }

    /// Creates the directory of run `runID` under `stateDirectory` (created when missing).
    public static func create(stateDirectory: String, runID: String) -> Result<RunRecorder, ActionError> {
        let directory = stateDirectory + "/" + runID
        for path in [stateDirectory, directory, directory + "/hosts"] {
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                return .failure(
                    ActionError(
                        .stateDirectory,
                        "Cannot create \(path): \(String(cString: strerror(errno))). The run record goes there; check the permissions of genconf/."
                    )
                )
            }
        }
        return .success(RunRecorder(runID: runID, directory: directory))
    }

    private init(runID: String, directory: String) {
        self.runID = runID
        self.directory = directory
    }

    public var journalPath: String { directory + "/journal.jsonl" }
    public var reportPath: String { directory + "/report.json" }

    /// The log file of one host: `hosts/127.0.0.1_2222.log`.
    public func hostLogPath(_ address: String) -> String {
        let safe = address.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        return directory + "/hosts/" + String(safe) + ".log"
    }

    /// Appends one event to the journal, with its time, and syncs it to disk.
    public func journal(_ event: String, _ fields: [String: JSONValue]) {
        var object = fields
        object["event"] = .string(event)
        object["time"] = .string(WallTime.now.rfc3339)
        let line = JSONValue.object(object).encoded() + "\n"
        let path = journalPath
        queue.async { Self.append(line, to: path, sync: true) }
    }

    /// Appends text to a host's log, each line stamped with the time.
    public func log(_ address: String, _ text: String) {
        let stamp = WallTime.now.rfc3339
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(stamp) \($0)\n" }.joined()
        let path = hostLogPath(address)
        queue.async { Self.append(lines, to: path, sync: false) }
    }

    /// Writes `report.json` (atomically) after everything queued before it.
    public func writeReport(_ report: JSONValue) async {
        let bytes = Array((report.encoded(pretty: true) + "\n").utf8)
        let path = reportPath
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                let temporary = path + ".tmp"
                unlink(temporary)
                if (try? FileWriter.create(temporary, bytes: bytes)) != nil { rename(temporary, path) }
                continuation.resume()
            }
        }
    }

    /// Waits until everything queued is on disk.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }

    /// A host's log, and the journal, past these sizes are renamed to `NAME.1` (replacing the one before)
    /// and started again: a `--watch` that runs for months keeps at most twice each on disk.
    static let hostLogLimit = 16 << 20
    static let journalLimit = 64 << 20

    private static func append(_ text: String, to path: String, sync: Bool) {
        let bytes = Array(text.utf8)
        var fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        var status = stat()
        let limit = path.hasSuffix(".jsonl") ? journalLimit : hostLogLimit
        if fstat(fd, &status) == 0, Int(status.st_size) + bytes.count > limit, status.st_size > 0 {
            close(fd)
            rename(path, path + ".1")
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
        }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
        if sync { fsync(fd) }
    }
}
