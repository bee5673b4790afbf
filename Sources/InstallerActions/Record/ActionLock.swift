import InstallerConfig
import InstallerSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One SSH action at a time per genconf directory. `--preflight`, `--deploy`, `--postflight`,
/// `--install-prereqs`, `--uninstall` (with or without `--resume`) and `--exec` run inside
/// ``withLock(genconfDirectory:holder:_:)``: it holds `flock` on `genconf/.action.lock` and writes who holds
/// it (action, run id, PID, host, start time) to `genconf/.action.lock.json`, atomically. A second action on
/// the same directory fails at once with an ``ActionError`` (code `busy`) that names the holder, before it
/// creates a run record or contacts a host.
///
/// The kernel drops a `flock` when its holder dies, even by SIGKILL, so a lock file left behind never
/// blocks; the next holder overwrites the holder file the dead one left.
///
/// Take it before ``ResumeState/load(stateDirectory:action:runID:)`` and hold it around
/// ``ActionRunner/run(_:)``, so that only the holder reads a journal to resume or creates a run record.
public enum ActionLock {
    /// Who holds the lock, as the holder file records it.
    public struct Holder: Sendable, Hashable {
        /// The action's flag without `--`: `deploy`, `install-prereqs`, `exec`.
        public var action: String
        /// The run record the action writes (`genconf/state/<run id>/`); nil for `--exec`, which has none.
        public var runID: String?
        public var processID: Int32
        /// The machine the process runs on (its PID means nothing on another one).
        public var host: String
        /// When it took the lock, RFC 3339 UTC.
        public var startedAt: String

        public init(action: String, runID: String?, processID: Int32, host: String, startedAt: String) {
            self.action = action
            self.runID = runID
            self.processID = processID
            self.host = host
            self.startedAt = startedAt
        }

        /// This process, starting `action` (and run `runID`) now.
        public static func current(action: String, runID: String?) -> Holder {
            Holder(
                action: action,
                runID: runID,
                processID: getpid(),
                host: ActionLock.hostName,
                startedAt: WallTime.now.rfc3339
            )
        }

        public var json: JSONValue {
            .object([
                "action": .string(action),
                "run_id": runID.map(JSONValue.string) ?? .null,
                "pid": .int(Int(processID)),
                "host": .string(host),
                "started_at": .string(startedAt),
            ])
        }

        init?(json: JSONValue) {
            guard let object = json.objectValue, let action = object["action"]?.stringValue,
                let pid = object["pid"]?.intValue, let processID = Int32(exactly: pid)
            else { return nil }
            self.init(
                action: action,
                runID: object["run_id"]?.stringValue,
                processID: processID,
                host: object["host"]?.stringValue ?? "",
                startedAt: object["started_at"]?.stringValue ?? "?"
            )
        }

        /// False when the process is known to be gone: it ran on this machine and no process has its PID.
        var isAlive: Bool {
            guard host == ActionLock.hostName else { return true }
            return kill(processID, 0) == 0 || errno == EPERM
        }
    }

    /// The file `flock` is held on, in the genconf directory.
    public static let lockFileName = ".action.lock"
    /// The holder file beside it.
    public static let holderFileName = ".action.lock.json"

    /// Runs `body` while holding the action lock of `genconfDirectory`, recorded as held by `holder`.
    ///
    /// - Returns: what `body` returned; or, without running it, a `busy` error that names the action, run
    ///   id, PID and start time of the holder when another process holds the lock, or a `state_directory`
    ///   error when the lock file cannot be created.
    public static func withLock<T>(
        genconfDirectory: String,
        holder: Holder,
        _ body: () async -> T
    ) async -> Result<T, ActionError> {
        let paths = Paths(genconfDirectory)
        let lock: FileLock
        switch await acquire(paths, holder: holder) {
        case .success(let acquired): lock = acquired
        case .failure(let error): return .failure(error)
        }
        let value = await body()
        // Still ours: nobody writes the holder file without the lock.
        unlink(paths.holder)
        lock.unlock()
        return .success(value)
    }

    /// The action running now on `genconfDirectory`, by this or another process; nil when none is (a holder
    /// file left by a process killed on this machine names a process that is gone, and does not count).
    public static func activeHolder(genconfDirectory: String) -> Holder? {
        guard let holder = recordedHolder(genconfDirectory: genconfDirectory), holder.isAlive else { return nil }
        return holder
    }

    /// The holder the holder file names, if it can be read (whether or not the lock is held).
    public static func recordedHolder(genconfDirectory: String) -> Holder? {
        readHolder(Paths(genconfDirectory).holder)
    }

    struct Paths {
        var directory: String
        var lock: String
        var holder: String

        init(_ genconfDirectory: String) {
            directory = genconfDirectory.hasSuffix("/") ? String(genconfDirectory.dropLast()) : genconfDirectory
            lock = directory + "/" + ActionLock.lockFileName
            holder = directory + "/" + ActionLock.holderFileName
        }
    }

    /// Takes the lock and records `holder`. When another process holds it, reads who: a holder that has
    /// just taken the lock may not have written its file yet, so a missing file, or one naming a process
    /// that is gone, is read again for up to a second (taking the lock if it is released meanwhile).
    private static func acquire(_ paths: Paths, holder: Holder) async -> Result<FileLock, ActionError> {
        var attempts = 0
        while true {
            let lock: FileLock?
            do {
                lock = try FileLock.acquire(paths.lock)
            } catch {
                return .failure(
                    ActionError(
                        .stateDirectory,
                        "\(error) The SSH actions lock that file so that only one runs at a time on \(paths.directory); check the permissions of that directory."
                    )
                )
            }
            if let lock {
                do {
                    try FileWriter.replace(paths.holder, bytes: Array((holder.json.encoded() + "\n").utf8))
                } catch {
                    lock.unlock()
                    return .failure(
                        ActionError(.stateDirectory, "\(error) Check the permissions of \(paths.directory).")
                    )
                }
                return .success(lock)
            }
            let recorded = readHolder(paths.holder)
            attempts += 1
            if let recorded, recorded.isAlive { return .failure(busy(recorded, paths: paths)) }
            if attempts >= 50 { return .failure(busy(nil, paths: paths)) }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                return .failure(busy(recorded, paths: paths))
            }
        }
    }

    static func busy(_ holder: Holder?, paths: Paths) -> ActionError {
        guard let holder else {
            return ActionError(
                .busy,
                "Another SSH action or --exec is running on \(paths.directory): a process holds \(paths.lock), but \(paths.holder) does not say which (fuser -v \(paths.lock) shows it). One action at a time per genconf directory: wait for it to finish, then run again. Nothing was changed."
            )
        }
        let run = holder.runID.map { "run \($0)" } ?? "no run record"
        let remote = holder.host != hostName && !holder.host.isEmpty ? " on \(holder.host)" : ""
        return ActionError(
            .busy,
            "Another dcos_generate_config --\(holder.action) is running on \(paths.directory) (\(run), PID \(holder.processID)\(remote), started \(holder.startedAt)). One action at a time per genconf directory: wait for it to finish (or stop it: Ctrl-C in its terminal, or kill \(holder.processID)), then run again. Nothing was changed."
        )
    }

    /// The largest holder file (.action.lock.json) read, and what its JSON may hold: one flat object.
    static let maximumHolderBytes = 64 << 10
    static let holderLimits = JSONValue.ParseLimits(
        maximumBytes: maximumHolderBytes,
        maximumDepth: 4,
        maximumStringBytes: maximumHolderBytes,
        maximumItems: 100
    )

    static func readHolder(_ path: String) -> Holder? {
        guard let text = readSmallFile(path, limit: maximumHolderBytes),
            let json = JSONValue.parse(text, limits: holderLimits)
        else { return nil }
        return Holder(json: json)
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
