import InstallerConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Where a run is, read from its journal (`genconf/state/<run id>/journal.jsonl`) alone: so any process
/// can show a run another one is making (the web page a CLI run, the CLI a web run), while it runs or
/// after it ended or died.
public struct RunProgress: Sendable, Hashable {
    /// A step that finished on a host, with its result (`ok`, `failed`, `unchanged`...).
    public struct Step: Sendable, Hashable {
        public var name: String
        public var result: String
    }

    /// One host of the run.
    public struct Host: Sendable, Hashable {
        public enum State: String, Sendable, Hashable {
            /// Not started yet.
            case pending
            case running
            /// Finished; `status` says how.
            case finished
        }

        public var host: String
        public var role: String
        public var state: State
        /// The host's result once finished: a ``HostStatus`` raw value (`ok`, `failed`, `unreachable`...).
        public var status: String?
        public var errorClass: String?
        /// What happened, in a sentence, once finished (a failure's reason and fix).
        public var message: String?
        /// The error checks that failed (name, then what was found and how to fix it).
        public var failedChecks: [Step] = []
        /// The phase the host is in or finished last (`preflight`, `install`, `postflight`...).
        public var phase: String?
        /// The step running now, or the last one that ran.
        public var step: String?
        /// Steps that finished on this host, in order.
        public var steps: [Step] = []
        /// RFC 3339 times from the journal.
        public var startedAt: String?
        public var finishedAt: String?

        init(host: String, role: String) {
            self.host = host
            self.role = role
            self.state = .pending
        }
    }

    public var runID: String
    public var action: String
    public var configID: String?
    public var resumedFrom: String?
    public var startedAt: String?
    /// Nil while running (or when the run's process died before it finished: see ``RunProgress/isFinished``).
    public var finishedAt: String?
    /// `ok`, `failed`, `nothing_ran`, `interrupted` (``RunReport/Result``) once finished.
    public var result: String?
    public var exitCode: Int?
    /// In the order of the run-start event (masters, agents, public agents).
    public var hosts: [Host]
    /// The run's notes (health gate, batches, resume), in order.
    public var notes: [String]
    public var isFinished: Bool { result != nil }

    /// Folds a run's journal; nil when it has no run-start event (not a run, or not started).
    public static func load(runDirectory: String) -> RunProgress? {
        let name = runDirectory.split(separator: "/").last.map(String.init) ?? runDirectory
        return fold(Journal.events(runDirectory + "/journal.jsonl"), runID: name)
    }

    /// The newest run under `stateDirectory` (of `action`, when given); nil when there is none.
    public static func newest(stateDirectory: String, action: ActionKind? = nil) -> RunProgress? {
        for name in Journal.runNames(stateDirectory) {
            guard let progress = load(runDirectory: stateDirectory + "/" + name) else { continue }
            if let action, progress.action != action.rawValue { continue }
            return progress
        }
        return nil
    }

    static func fold(_ events: [JSONValue], runID: String) -> RunProgress? {
        guard let start = events.firstIndex(where: { $0["event"]?.stringValue == "run-start" }) else { return nil }
        var progress = RunProgress(start: events[start], runID: runID)
        for event in events[(start + 1)...] { progress.apply(event) }
        return progress
    }

    /// A run as its run-start event describes it: every host pending.
    public init(start: JSONValue, runID: String) {
        let roles = start["roles"]?.objectValue ?? [:]
        self.runID = start["run_id"]?.stringValue ?? runID
        self.action = start["action"]?.stringValue ?? ""
        self.configID = start["config_id"]?.stringValue
        self.resumedFrom = start["resumed_from"]?.stringValue
        self.startedAt = start["time"]?.stringValue
        self.hosts = []
        self.notes = []
        for value in start["hosts"]?.arrayValue ?? [] {
            guard let host = value.stringValue, index[host] == nil else { continue }
            index[host] = hosts.count
            hosts.append(Host(host: host, role: roles[host]?.stringValue ?? ""))
        }
    }

    /// Host → position in `hosts`.
    private var index: [String: Int] = [:]

    /// Applies one journal event that came after run-start.
    public mutating func apply(_ event: JSONValue) {
        let time = event["time"]?.stringValue
        switch event["event"]?.stringValue {
        case "host-start":
            update(event) { host in
                host.state = .running
                host.status = nil
                host.errorClass = nil
                host.message = nil
                host.failedChecks = []
                host.phase = event["phase"]?.stringValue
                if host.startedAt == nil { host.startedAt = time }
                host.finishedAt = nil
            }
        case "step-start":
            update(event) { host in
                host.state = .running
                host.step = event["step"]?.stringValue
                if host.startedAt == nil { host.startedAt = time }
            }
        case "step-finish":
            update(event) { host in
                host.steps.append(
                    Step(name: event["step"]?.stringValue ?? "", result: event["result"]?.stringValue ?? "")
                )
            }
        case "host-finish":
            update(event) { host in
                host.state = .finished
                host.status = event["status"]?.stringValue
                host.errorClass = event["error_class"]?.stringValue
                host.message = event["message"]?.stringValue
                host.failedChecks = (event["failed_checks"]?.arrayValue ?? []).map {
                    Step(name: $0["name"]?.stringValue ?? "", result: $0["detail"]?.stringValue ?? "")
                }
                host.phase = event["phase"]?.stringValue ?? host.phase
                host.finishedAt = time
            }
        case "note":
            if let text = event["text"]?.stringValue { notes.append(text) }
        case "run-finish":
            result = event["result"]?.stringValue
            exitCode = event["exit_code"]?.intValue
            finishedAt = time
        default:
            break
        }
    }

    private mutating func update(_ event: JSONValue, _ change: (inout Host) -> Void) {
        // Masters of a deploy's health gate may not be among the run's hosts: they get a row too.
        guard let host = event["host"]?.stringValue else { return }
        if index[host] == nil {
            index[host] = hosts.count
            hosts.append(Host(host: host, role: ""))
        }
        if let role = event["role"]?.stringValue { hosts[index[host]!].role = role }
        change(&hosts[index[host]!])
    }

    /// Stable JSON: the run, its totals per state and status, and one object per host.
    public var json: JSONValue {
        var totals: [String: Int] = ["hosts": hosts.count]
        for host in hosts {
            totals[host.state.rawValue, default: 0] += 1
            if let status = host.status { totals[status, default: 0] += 1 }
        }
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "run_id": .string(runID),
            "action": .string(action),
            "config_id": optional(configID),
            "resumed_from": optional(resumedFrom),
            "started_at": optional(startedAt),
            "finished_at": optional(finishedAt),
            "finished": .bool(isFinished),
            "result": optional(result),
            "exit_code": exitCode.map(JSONValue.int) ?? .null,
            "totals": .object(totals.mapValues(JSONValue.int)),
            "notes": .array(notes.map(JSONValue.string)),
            "hosts": .array(
                hosts.map { host in
                    .object([
                        "host": .string(host.host),
                        "role": .string(host.role),
                        "state": .string(host.state.rawValue),
                        "status": optional(host.status),
                        "error_class": optional(host.errorClass),
                        "message": optional(host.message),
                        "failed_checks": .array(
                            host.failedChecks.map { .object(["name": .string($0.name), "detail": .string($0.result)]) }
                        ),
                        "phase": optional(host.phase),
                        "step": optional(host.step),
                        "steps": .array(
                            host.steps.map { .object(["name": .string($0.name), "result": .string($0.result)]) }
                        ),
                        "started_at": optional(host.startedAt),
                        "finished_at": optional(host.finishedAt),
                    ])
                }
            ),
        ])
    }
}

/// Reading the run records' journals: one place for the bounds and the directory listing that
/// ``ResumeState`` and ``RunProgress`` share.
enum Journal {
    /// The largest journal.jsonl read: 256 MiB (a 10,000-host deploy writes a few MiB).
    static let maximumBytes = 256 << 20
    /// What one journal line may hold: the recorder writes flat objects of short fields (run-start's
    /// host list and role map are the largest).
    static let lineLimits = JSONValue.ParseLimits(
        maximumBytes: 1 << 20,
        maximumDepth: 8,
        maximumStringBytes: 1 << 20,
        maximumItems: 100_000
    )

    /// The events of a journal, in order; empty when it is missing, unreadable or over `maximumBytes`.
    static func events(_ path: String) -> [JSONValue] {
        guard let text = readSmallFile(path, limit: maximumBytes) else { return [] }
        // A line cut short by a crash, or beyond `lineLimits`, does not parse and is ignored.
        return text.split(separator: "\n").compactMap { JSONValue.parse(String($0), limits: lineLimits) }
    }

    /// The run directories' names under `stateDirectory`, newest first (run ids sort by start time).
    static func runNames(_ stateDirectory: String) -> [String] {
        ResumeState.listDirectory(stateDirectory).filter { !$0.hasPrefix(".") }.sorted(by: >)
    }
}

/// Follows a run's journal as it grows: each ``poll()`` applies the complete lines appended since the
/// last one to ``progress``. Reads at most `chunk` bytes a poll, so a huge journal is caught up with in
/// steps, never held whole.
public struct RunFollower: Sendable {
    public let runDirectory: String
    /// Nil until the run-start line has been read.
    public private(set) var progress: RunProgress?
    private var offset: Int64 = 0
    private var partial: [UInt8] = []
    private let chunk: Int

    public init(runDirectory: String, chunk: Int = 1 << 20) {
        self.runDirectory = runDirectory
        self.chunk = chunk
    }

    /// Reads what was appended; true when ``progress`` changed.
    public mutating func poll() -> Bool {
        let path = runDirectory + "/journal.jsonl"
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: chunk)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, chunk, off_t(offset)) }
        guard count > 0 else { return false }
        offset += Int64(count)
        var changed = false
        var start = 0
        for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
            var line = partial
            line.append(contentsOf: buffer[start..<index])
            partial = []
            start = index + 1
            guard line.count <= Journal.lineLimits.maximumBytes,
                let event = JSONValue.parse(String(decoding: line, as: UTF8.self), limits: Journal.lineLimits)
            else { continue }
            if progress == nil {
                if event["event"]?.stringValue == "run-start" {
                    let name = runDirectory.split(separator: "/").last.map(String.init) ?? runDirectory
                    progress = RunProgress(start: event, runID: name)
                    changed = true
                }
            } else {
                progress!.apply(event)
                changed = true
            }
        }
        // A line longer than the limit is dropped as it grows, like a torn one.
        partial.append(contentsOf: buffer[start..<count])
        if partial.count > Journal.lineLimits.maximumBytes { partial = [] }
        return changed
    }
}
