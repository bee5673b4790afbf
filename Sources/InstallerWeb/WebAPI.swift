import InstallerActions
import InstallerConfig
import InstallerGenconf
import InstallerSystem

/// The web installer's HTTP API: DC/OS 1.10's routes (`/api/v1/...`, reference §7) with their JSON
/// shapes, over the same validation and run records as the CLI. ``answer(_:)`` reads files (config.yaml,
/// journals): the server calls it off Swift's cooperative pool.
///
/// Deliberate differences from DC/OS, for safety: every route but `/login` needs a session (401
/// without); state-changing requests need the session's CSRF token and a matching `Origin` (403);
/// `GET /configure` never returns a secret, only whether it is set; validation errors carry their line
/// and column, as `--validate-config --json` does.
package struct WebAPI: Sendable {
    /// What `/api/v1/version` reports.
    package struct Version: Sendable {
        package var dcosVersion: String
        package var variant: String
        package var installerVersion: String
        package var commit: String?

        package init(dcosVersion: String, variant: String, installerVersion: String, commit: String?) {
            self.dcosVersion = dcosVersion
            self.variant = variant
            self.installerVersion = installerVersion
            self.commit = commit
        }
    }

    /// The actions the DC/OS API names, in its order, and uninstall (behind a typed confirmation).
    package static let actionKinds: [ActionKind] = [.preflight, .deploy, .postflight, .uninstall]

    package let genconf: GenconfOptions
    package let version: Version
    package let sessions: WebSessions
    package let actions: WebActions
    /// The server speaks HTTPS: cookies are `Secure` and the expected `Origin` is `https://`.
    package let usesTLS: Bool

    package init(
        genconf: GenconfOptions,
        version: Version,
        sessions: WebSessions,
        actions: WebActions,
        usesTLS: Bool
    ) {
        self.genconf = genconf
        self.version = version
        self.sessions = sessions
        self.actions = actions
        self.usesTLS = usesTLS
    }

    /// An answer now (read from files: call it off the cooperative pool), or work to await (an action start).
    package enum Answer: Sendable {
        case now(WebResponse)
        case later(@Sendable () async -> WebResponse)
    }

    var stateDirectory: String { genconf.genconfDirectory + "/state" }

    /// The answer to one request. Never throws: every failure is a response that says what to do.
    package func answer(_ request: WebRequest) -> Answer {
        switch route(request) {
        case .now(let response): .now(Self.finished(response))
        case .later(let work): .later { Self.finished(await work()) }
        }
    }

    /// As DC/OS's server did: nothing of the API is cached; and nothing is framed or sniffed.
    private static func finished(_ response: WebResponse) -> WebResponse {
        var response = response
        response.headers += [
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
        ]
        return response
    }

    private func route(_ request: WebRequest) -> Answer {
        if request.path == "/login" {
            return .now(only(["GET"], request) { login(request) })
        }
        if request.path == "/" || request.path.hasPrefix("/assets/") {
            return .now(only(["GET"], request) { WebPage.response(for: request.path) })
        }
        guard let session = sessions.session(cookieHeader: request.headers["cookie"]) else {
            return .now(
                .error(
                    401,
                    "Not logged in: open the login URL that dcos_generate_config --web printed (its token works once; restart --web for a new one)."
                )
            )
        }
        if !["GET", "HEAD"].contains(request.method), let refusal = checkStateChange(request, session: session) {
            return .now(refusal)
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 2, parts[0] == "api", parts[1] == "v1" else {
            return .now(.error(404, "No such page: \(request.path)."))
        }
        let rest = Array(parts.dropFirst(2))
        let notFound = WebResponse.error(404, "No such API route: \(request.method) \(request.path).")
        switch rest.count {
        case 0:
            return .now(only(["GET"], request) { .redirect("/") })
        case 1:
            switch rest[0] {
            case "session":
                return .now(only(["GET"], request) { .json(200, .object(["csrf_token": .string(session.csrfToken)])) })
            case "version": return .now(only(["GET"], request) { versionResponse() })
            case "configure":
                if request.method == "POST" {
                    let validateOnly = ["true", "1"].contains(request.query["validate"] ?? "")
                    return .now(ConfigureEdit.post(genconf, body: request.body, validateOnly: validateOnly))
                }
                return .now(only(["GET", "POST"], request) { ConfigureView.current(genconf) })
            case "success": return .now(only(["GET"], request) { ConfigureView.success(genconf) })
            case "logs": return .now(only(["GET"], request) { RunRecordExport.response(genconf) })
            default: return .now(notFound)
            }
        case 2 where rest[0] == "configure":
            switch rest[1] {
            case "status": return .now(only(["GET"], request) { ConfigureView.status(genconf) })
            case "yaml":
                if request.method == "POST" {
                    let validateOnly = ["true", "1"].contains(request.query["validate"] ?? "")
                    return .now(ConfigureEdit.postText(genconf, body: request.body, validateOnly: validateOnly))
                }
                return .now(only(["GET", "POST"], request) { ConfigureEdit.maskedText(genconf) })
            case "type": return .now(only(["GET"], request) { ConfigureView.type(genconf) })
            default: return .now(notFound)
            }
        case 2 where rest[0] == "action":
            if rest[1] == "current" { return .now(only(["GET"], request) { currentAction() }) }
            guard let action = Self.action(named: rest[1]) else { return .now(notFound) }
            if request.method == "POST" { return startAction(action, request) }
            return .now(only(["GET", "POST"], request) { actionState(action, runID: request.query["run"]) })
        case 3 where rest[0] == "action" && rest[2] == "events":
            guard let action = Self.action(named: rest[1]) else { return .now(notFound) }
            return .now(only(["GET"], request) { actionEvents(action, runID: request.query["run"]) })
        case 3 where rest[0] == "action" && rest[2] == "log":
            guard let action = Self.action(named: rest[1]) else { return .now(notFound) }
            return .now(
                only(["GET"], request) { hostLog(action, runID: request.query["run"], host: request.query["host"]) }
            )
        default:
            return .now(notFound)
        }
    }

    static func action(named name: String) -> ActionKind? {
        actionKinds.first { $0.rawValue == name }
    }

    private func only(_ methods: [String], _ request: WebRequest, _ body: () -> WebResponse) -> WebResponse {
        let allowed = methods.contains("GET") ? methods + ["HEAD"] : methods
        guard allowed.contains(request.method) else { return methodNotAllowed(allowed) }
        return body()
    }

    private func methodNotAllowed(_ methods: [String]) -> WebResponse {
        .error(
            405,
            "Method not allowed here; use \(methods.joined(separator: " or ")).",
            headers: [("Allow", methods.joined(separator: ", "))]
        )
    }

    // MARK: - Starting actions

    /// `POST /action/<name>`: starts the action (preflight and deploy run genconf first when config.yaml is
    /// newer than genconf/serve/, as DC/OS did). A deploy that already ran is not run again unless `retry`
    /// (JSON `{"retry": true}`, form or query `retry=true`) asks to redo the hosts that did not finish ok.
    private func startAction(_ action: ActionKind, _ request: WebRequest) -> Answer {
        if action == .uninstall, let refusal = ConfigureView.uninstallRefusal(genconf, body: request.body) {
            return .now(refusal)
        }
        let retry = Self.flag("retry", in: request)
        var retried: [String]?
        if action == .deploy, let previous = RunProgress.newest(stateDirectory: stateDirectory, action: .deploy) {
            guard retry else {
                return .now(
                    .json(
                        200,
                        .object([
                            "status": .string("deploy was already executed, skipping"),
                            "run_id": .string(previous.runID),
                        ])
                    )
                )
            }
            retried = previous.hosts.filter { $0.status != "ok" }.map(\.host)
        }
        let actions = self.actions
        let redo = retried
        return .later {
            switch await actions.start(action, retry: redo != nil) {
            case .started(let runID):
                if let redo {
                    return .json(
                        200,
                        .object([
                            "status": .string("retried"), "details": .array(redo.map(JSONValue.string)),
                            "run_id": .string(runID),
                        ])
                    )
                }
                return .json(200, .object(["status": .string("\(action.rawValue) started"), "run_id": .string(runID)]))
            case .busy(let message):
                return .json(
                    409,
                    .object(["status": .string("\(action.rawValue) not started"), "error": .string(message)])
                )
            case .refused(let response):
                return response
            }
        }
    }

    /// A true `name` in the JSON body, the form body or the query.
    static func flag(_ name: String, in request: WebRequest) -> Bool {
        let text = String(decoding: request.body, as: UTF8.self)
        if let object = JSONValue.parse(text, limits: .configValue)?.objectValue {
            return object[name]?.boolValue == true || object[name]?.stringValue == "true"
        }
        let form = WebRequest(method: "POST", target: "/?" + text, headers: [])
        return ["true", "1", "yes"].contains(form.query[name] ?? request.query[name] ?? "")
    }

    // MARK: - Login and request checks

    private func login(_ request: WebRequest) -> WebResponse {
        guard let token = request.query["token"], let session = sessions.login(token: token) else {
            return .error(
                401,
                "This login link is wrong or was used already: each link works once. Restart dcos_generate_config --web for a new one."
            )
        }
        return .redirect(
            "/",
            status: 303,
            headers: [("Set-Cookie", WebSessions.setCookie(session, secure: usesTLS))]
        )
    }

    /// A state-changing request must carry the session's CSRF token and come from this server's own page.
    private func checkStateChange(_ request: WebRequest, session: WebSessions.Session) -> WebResponse? {
        guard let token = request.headers["x-csrf-token"], WebSessions.constantTimeEquals(token, session.csrfToken)
        else {
            return .error(
                403,
                "Missing or wrong X-CSRF-Token header: send the csrf_token of GET /api/v1/session with every POST."
            )
        }
        let scheme = usesTLS ? "https" : "http"
        guard let host = request.headers["host"], let origin = request.headers["origin"],
            origin == "\(scheme)://\(host)"
        else {
            return .error(
                403,
                "Refused: the request's Origin is not this installer's page (\(scheme)://\(request.headers["host"] ?? "?")). Use the page this server serves."
            )
        }
        return nil
    }

    // MARK: - Version and actions

    private func versionResponse() -> WebResponse {
        .json(
            200,
            .object([
                "version": .string(version.dcosVersion),
                "variant": .string(version.variant),
                "installer_version": .string(version.installerVersion),
                "installer_commit": version.commit.map(JSONValue.string) ?? .null,
            ])
        )
    }

    /// `{"current_action": name}`: the action running now (by the CLI or the page), else the newest run's;
    /// `""` when there is none. With `running`, `run_id`, and who runs it.
    private func currentAction() -> WebResponse {
        if let holder = ActionLock.activeHolder(genconfDirectory: genconf.genconfDirectory) {
            return .json(
                200,
                .object([
                    "current_action": .string(holder.action),
                    "running": .bool(true),
                    "run_id": holder.runID.map(JSONValue.string) ?? .null,
                    "holder": holder.json,
                ])
            )
        }
        let newest = RunProgress.newest(stateDirectory: stateDirectory)
        return .json(
            200,
            .object([
                "current_action": .string(newest?.action ?? ""),
                "running": .bool(false),
                "run_id": newest.map { .string($0.runID) } ?? .null,
            ])
        )
    }

    /// The newest run of `action` (or run `runID`) in DC/OS's state shape, plus `run`: the journal's view.
    /// `{}` when there is none, as DC/OS answered.
    private func actionState(_ action: ActionKind, runID: String?) -> WebResponse {
        switch progress(action, runID: runID) {
        case .refused(let refusal): return refusal
        case .found(nil): return .json(200, .object([:]))
        case .found(let progress?): return .json(200, Self.dcosState(progress))
        }
    }

    /// A run to show, or the response that says why there is none.
    private enum Lookup {
        case found(RunProgress?)
        case refused(WebResponse)
    }

    private func progress(_ action: ActionKind, runID: String?) -> Lookup {
        guard let runID else { return .found(RunProgress.newest(stateDirectory: stateDirectory, action: action)) }
        guard Self.isRunID(runID), let progress = RunProgress.load(runDirectory: stateDirectory + "/" + runID) else {
            return .refused(
                .error(404, "No run \(runID) in genconf/state/ (GET /api/v1/action/current names the newest).")
            )
        }
        guard progress.action == action.rawValue else {
            return .refused(.error(404, "Run \(runID) is a \(progress.action) run, not \(action.rawValue)."))
        }
        return .found(progress)
    }

    /// Run ids as RunRecorder makes them: letters, digits and `-` only (never a path).
    static func isRunID(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122)
            }
    }

    /// Server-Sent Events of the newest run of `action` (or run `runID`): a `progress` event with the
    /// run's JSON at once and at every change, `end` when it finished. 404 when there is no such run; a
    /// run id just returned by `POST /action/<name>` may not have its journal yet: the stream waits for it
    /// (``WebLimits/runAppearance``).
    private func actionEvents(_ action: ActionKind, runID: String?) -> WebResponse {
        if let runID, Self.isRunID(runID), RunProgress.load(runDirectory: stateDirectory + "/" + runID) == nil {
            return WebResponse(
                status: 200,
                headers: [("Content-Type", "text/event-stream; charset=utf-8")],
                body: .run(stateDirectory + "/" + runID)
            )
        }
        switch progress(action, runID: runID) {
        case .refused(let refusal): return refusal
        case .found(nil): return .error(404, "No \(action.rawValue) run yet in genconf/state/.")
        case .found(let progress?):
            return WebResponse(
                status: 200,
                headers: [("Content-Type", "text/event-stream; charset=utf-8")],
                body: .run(stateDirectory + "/" + progress.runID)
            )
        }
    }

    /// The largest part of a host's log sent: its end.
    static let maximumLogBytes = 1 << 20

    /// `GET /action/<name>/log?host=H[&run=R]`: the end (1 MiB) of the host's log in the run record, as text.
    private func hostLog(_ action: ActionKind, runID: String?, host: String?) -> WebResponse {
        guard let host, !host.isEmpty else { return .error(400, "Name the host: ?host=ADDRESS.") }
        let progress: RunProgress
        switch self.progress(action, runID: runID) {
        case .refused(let refusal): return refusal
        case .found(nil): return .error(404, "No \(action.rawValue) run yet in genconf/state/.")
        case .found(let found?): progress = found
        }
        guard progress.hosts.contains(where: { $0.host == host }) else {
            return .error(404, "Run \(progress.runID) has no host \(host).")
        }
        let directory = stateDirectory + "/" + progress.runID + "/hosts"
        let safe = String(host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        let names = (try? FileReader.directoryEntries(directory)) ?? []
        guard
            let name = names.sorted().first(where: { name in
                name == safe + ".log"
                    || (name.hasPrefix(safe + "_") && name.hasSuffix(".log")
                        && name.dropFirst(safe.count + 1).dropLast(4).allSatisfy(\.isNumber))
            })
        else {
            return .error(404, "No log of \(host) in run \(progress.runID) (nothing ran on it yet).")
        }
        let text = FileReader.tail(directory + "/" + name, limit: Self.maximumLogBytes) ?? ""
        return WebResponse(
            status: 200,
            headers: [("Content-Type", "text/plain; charset=utf-8")],
            body: .bytes(Array(text.utf8))
        )
    }

    /// DC/OS's state JSON (`chain_name`, `total_*`, `hosts` keyed by address with `host_status` and `tags`)
    /// with `run`: ``RunProgress/json``. A host's `commands` are its finished steps.
    package static func dcosState(_ progress: RunProgress) -> JSONValue {
        var hosts: [String: JSONValue] = [:]
        for host in progress.hosts {
            let status: String =
                switch host.state {
                case .pending: "unstarted"
                case .running: "running"
                case .finished:
                    switch host.status {
                    case "ok": "success"
                    case "cancelled": "terminated"
                    default: "failed"
                    }
                }
            let role: String =
                switch host.role {
                case "master": "master"
                case "slave_public": "public_agent"
                default: "agent"
                }
            hosts[host.host] = .object([
                "host_status": .string(status),
                "tags": .object(["role": .string(role), "dcos_install_param": .string(host.role)]),
                "commands": .array(
                    host.steps.map { .object(["stage": .string($0.name), "result": .string($0.result)]) }
                ),
            ])
        }
        let masters = progress.hosts.filter { $0.role == "master" }.count
        return .object([
            "chain_name": .string(progress.action),
            "total_hosts": .int(progress.hosts.count),
            "total_masters": .int(masters),
            "total_agents": .int(progress.hosts.count - masters),
            "hosts": .object(hosts),
            "run": progress.json,
        ])
    }
}
