import InstallerActions
import InstallerConfig
import InstallerGenconf
import InstallerSystem
package import Logging
import Synchronization

/// The actions the page starts: `POST /api/v1/action/{preflight,deploy,postflight}`. Each runs in a task
/// of this server process, under the same ``ActionLock`` as the CLI's (so a CLI action and a page action
/// never overlap, and either names the other), with the same ``ActionLaunch`` and ``ActionRunner``; it
/// keeps running when the browser closes. The page follows it through the run's journal.
package final class WebActions: Sendable {
    /// How a start request ended.
    enum Start: Sendable {
        case started(runID: String)
        /// Another action holds the lock (this process's or another's): the busy message names it.
        case busy(String)
        /// genconf or the launch refused, before anything ran on a host.
        case refused(WebResponse)
    }

    private let genconf: GenconfOptions
    private let logger: Logger
    private let runs = Mutex<[Task<Void, Never>]>([])

    package init(genconf: GenconfOptions, logger: Logger) {
        self.genconf = genconf
        self.logger = logger
    }

    /// Cancels the runs this server started (as Ctrl-C cancels the CLI's) and waits until each has written
    /// its report and released the lock.
    package func shutdown() async {
        let tasks = runs.withLock { $0 }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Starts `action` (`retry`: a deploy resumes the newest deploy run, redoing only the hosts that did
    /// not finish ok); returns once it is running or refused.
    func start(_ action: ActionKind, retry: Bool) async -> Start {
        if action == .preflight || action == .deploy {
            if let refusal = await generateIfStale() { return .refused(refusal) }
        }
        var options = ActionLaunch.Options(action: action)
        if retry { options.resume = "" }
        let selection: ActionLaunch.Selection
        switch ActionLaunch.select(genconf, options) {
        case .success(let selected): selection = selected
        case .failure(let failure): return .refused(Self.refusal(failure))
        }
        let (signals, signal) = AsyncStream.makeStream(of: Start.self)
        let genconf = self.genconf
        let logger = self.logger
        let runID = RunRecorder.makeRunID(started: .now)
        let task = Task {
            let locked = await ActionLock.withLock(
                genconfDirectory: genconf.genconfDirectory,
                holder: .current(action: action.rawValue, runID: runID)
            ) {
                switch ActionLaunch.request(
                    genconf,
                    selection,
                    options,
                    runID: runID,
                    passphraseSource: { _ in nil },
                    logger: logger
                ) {
                case .failure(let failure):
                    signal.yield(.refused(Self.refusal(failure)))
                case .success(let request):
                    signal.yield(.started(runID: runID))
                    logger.info("Started --\(action.rawValue) from the web page: run \(runID).")
                    switch await ActionRunner.run(request) {
                    case .success(let report):
                        logger.info("--\(action.rawValue) run \(runID) finished: \(report.result.rawValue).")
                    case .failure(let error):
                        logger.error("--\(action.rawValue) run \(runID) failed: \(error.message)")
                    }
                }
            }
            if case .failure(let error) = locked { signal.yield(.busy(error.message)) }
            signal.finish()
        }
        runs.withLock { tasks in
            tasks.removeAll { $0.isCancelled }
            tasks.append(task)
        }
        for await first in signals { return first }
        return .refused(.error(500, "The action ended before it started; the server log says why."))
    }

    /// genconf/serve/ as `--genconf` writes it, made again when config.yaml is newer (or it is missing), as
    /// DC/OS's preflight did; nil when it is current or was made, else the refusal.
    private func generateIfStale() async -> WebResponse? {
        guard let configTime = FileReader.modificationTime(genconf.configPath) else {
            return .error(400, "There is no genconf/config.yaml yet: save the setup first.")
        }
        if let serveTime = FileReader.modificationTime(genconf.serveDirectory + "/manifest.json"),
            serveTime >= configTime
        {
            return nil
        }
        do {
            _ = try await Genconf.run(genconf, logger: logger)
            return nil
        } catch {
            switch error {
            case .invalidConfig(let diagnostics, _):
                return Self.refusal(.invalidConfig(diagnostics, document: nil))
            default:
                return .error(400, "--genconf failed: \(error.description)")
            }
        }
    }

    /// 400 with the message; for an invalid config, also `--validate-config --json`'s fields.
    static func refusal(_ failure: ActionLaunch.Failure) -> WebResponse {
        switch failure {
        case .invalidConfig(let diagnostics, _):
            guard case .object(var body) = diagnostics.validationJSON(valid: false) else { break }
            body["error"] = .string(failure.message)
            return .json(400, .object(body))
        case .selection, .refused:
            break
        }
        return .error(400, failure.message)
    }
}
