import InstallerActions
import InstallerConfig
import InstallerGenconf

/// The web installer's HTTP API: DC/OS 1.10's routes (`/api/v1/...`, reference §7) with their JSON
/// shapes, over the same validation and run records as the CLI. ``respond(to:)`` reads files (config.yaml,
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

    /// The actions the DC/OS API names, in its order.
    package static let actions: [ActionKind] = [.preflight, .deploy, .postflight]

    package let genconf: GenconfOptions
    package let version: Version
    package let sessions: WebSessions
    /// The server speaks HTTPS: cookies are `Secure` and the expected `Origin` is `https://`.
    package let usesTLS: Bool

    package init(genconf: GenconfOptions, version: Version, sessions: WebSessions, usesTLS: Bool) {
        self.genconf = genconf
        self.version = version
        self.sessions = sessions
        self.usesTLS = usesTLS
    }

    var stateDirectory: String { genconf.genconfDirectory + "/state" }

    /// The response to one request. Never throws: every failure is a response that says what to do.
    package func respond(to request: WebRequest) -> WebResponse {
        var response = route(request)
        // As DC/OS's server did: nothing of the API is cached; and nothing is framed or sniffed.
        response.headers += [
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
        ]
        return response
    }

    private func route(_ request: WebRequest) -> WebResponse {
        if request.path == "/login" {
            guard request.method == "GET" || request.method == "HEAD" else { return methodNotAllowed(["GET"]) }
            return login(request)
        }
        guard let session = sessions.session(cookieHeader: request.headers["cookie"]) else {
            return .error(
                401,
                "Not logged in: open the login URL that dcos_generate_config --web printed (its token works once; restart --web for a new one)."
            )
        }
        if !["GET", "HEAD"].contains(request.method), let refusal = checkStateChange(request, session: session) {
            return refusal
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 2, parts[0] == "api", parts[1] == "v1" else {
            return .error(404, "No such page: \(request.path).")
        }
        let rest = Array(parts.dropFirst(2))
        switch rest {
        case []:
            return only(["GET"], request) { .redirect("/") }
        case ["session"]:
            return only(["GET"], request) {
                .json(200, .object(["csrf_token": .string(session.csrfToken)]))
            }
        case ["version"]:
            return only(["GET"], request) { versionResponse() }
        case ["configure"]:
            return only(["GET"], request) { ConfigureView.current(genconf) }
        case ["configure", "status"]:
            return only(["GET"], request) { ConfigureView.status(genconf) }
        case ["configure", "type"]:
            return only(["GET"], request) { ConfigureView.type(genconf) }
        case ["success"]:
            return only(["GET"], request) { ConfigureView.success(genconf) }
        case ["action", "current"]:
            return only(["GET"], request) { currentAction() }
        default:
            if rest.count >= 2, rest.count <= 3, rest[0] == "action", let action = Self.action(named: rest[1]) {
                if rest.count == 2 {
                    return only(["GET"], request) { actionState(action, runID: request.query["run"]) }
                }
                if rest[2] == "events" {
                    return only(["GET"], request) { actionEvents(action, runID: request.query["run"]) }
                }
            }
        }
        return .error(404, "No such API route: \(request.method) \(request.path).")
    }

    static func action(named name: String) -> ActionKind? {
        actions.first { $0.rawValue == name }
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
    /// run's JSON at once and at every change, `end` when it finished. 404 when there is no such run.
    private func actionEvents(_ action: ActionKind, runID: String?) -> WebResponse {
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
