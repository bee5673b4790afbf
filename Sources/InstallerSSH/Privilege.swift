/// How a session's commands get root, decided once per session from what the node says (its uid and
/// its sudo), not from the login name: a root login never goes through sudo (minimal images have none),
/// a sudo password is sent only to a sudo that asks for one, and a user who cannot become root is told
/// so, with the fix, before any command runs.
public struct Privilege: Sendable, Hashable {
    /// The login user's name and uid on the node.
    public var user: String
    public var uid: Int
    /// The wrapping commands get: `.none` for a root login.
    public var sudo: SudoMode

    public var isRoot: Bool { uid == 0 }

    public init(user: String, uid: Int, sudo: SudoMode) {
        self.user = user
        self.uid = uid
        self.sudo = sudo
    }
}

extension SSHSession {
    /// The session's privilege, probed on first use (one round trip; two when a sudo password must be
    /// checked) and kept: the same answer, or the same error, for every later call.
    public func privilege() async throws(SSHError) -> Privilege {
        if let known = privilegeResult { return try known.get() }
        let result: Result<Privilege, SSHError>
        do throws(SSHError) {
            result = .success(try await probePrivilege())
        } catch  where error.code == .cancelled || error.code == .disconnected {
            throw error  // not an answer about the node: ask again next time
        } catch {
            result = .failure(error)
        }
        privilegeResult = result
        return try result.get()
    }

    /// The wrapping for a command that asked for `requested` (``ExecOptions/sudo`` or the target's).
    func effectiveSudo(_ requested: SudoMode) async throws(SSHError) -> SudoMode {
        if requested == .none { return .none }
        return try await privilege().sudo
    }

    /// Fails unless commands of this session run as root (a root login, or a sudo that works).
    /// With `ssh_sudo: none` the login itself must be root.
    public func requireRoot() async throws(SSHError) {
        let privilege = try await privilege()
        guard privilege.isRoot || privilege.sudo != .none else {
            throw SSHError(
                .privilege,
                host: label,
                "logged in as \(privilege.user) (uid \(privilege.uid)), which is not root, and ssh_sudo is none: log in as root (ssh_user: root) or set ssh_sudo: passwordless or password"
            )
        }
    }

    private func probePrivilege() async throws(SSHError) -> Privilege {
        let script =
            "u=$(id -u); echo \"uid=$u\"; echo \"user=$(id -un)\"; [ \"$u\" = 0 ] && exit 0; "
            + "if ! command -v sudo >/dev/null 2>&1; then echo sudo=missing; "
            + "elif sudo -n true >/dev/null 2>&1; then echo sudo=nopasswd; else echo sudo=asks; fi"
        let output = try await run(
            script,
            options: ExecOptions(captureLimit: 4096, sudo: SudoMode.none, totalTimeout: target.timeouts.handshake)
        )
        var fields: [String: String] = [:]
        for line in output.stdout.text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard output.termination.isSuccess, let uid = fields["uid"].flatMap(Int.init) else {
            throw SSHError(
                .privilege,
                host: label,
                "cannot tell whether \(target.user) is root: `id -u` failed (\(output.termination)): \(output.stderr.text.trimmedLine)"
            )
        }
        let user = fields["user"] ?? target.user
        if uid == 0 { return Privilege(user: user, uid: 0, sudo: .none) }
        let requested = target.sudo
        if requested == .none { return Privilege(user: user, uid: uid, sudo: .none) }
        let who = "\(user) (uid \(uid)) is not root"
        switch (fields["sudo"], requested) {
        case ("missing", _):
            throw SSHError(
                .privilege,
                host: label,
                "\(who) and the host has no sudo: install sudo on it, or log in as root (ssh_user: root)"
            )
        case ("nopasswd", _):
            // A sudo that does not ask is never sent the password: the command would read it.
            return Privilege(user: user, uid: uid, sudo: .passwordless)
        case (_, .passwordless):
            throw SSHError(
                .privilege,
                host: label,
                "\(who) and sudo asks \(user) for a password: set ssh_sudo: password (with the password in the variable ssh_sudo_password_env names), allow \(user) NOPASSWD in sudoers, or log in as root"
            )
        case (_, .password(let source)):
            let password = try source.resolve(host: label, what: "sudo password")
            let check = try await run(
                "sudo -k -S -p '' true",
                options: ExecOptions(
                    stdin: Array((password.value + "\n").utf8),
                    captureLimit: 4096,
                    sudo: SudoMode.none,
                    totalTimeout: target.timeouts.handshake
                )
            )
            guard check.termination.isSuccess else {
                throw SSHError(
                    .privilege,
                    host: label,
                    "sudo refused the password for \(user) (from the environment variable of ssh_sudo_password_env): check the password, or allow \(user) NOPASSWD in sudoers"
                )
            }
            return Privilege(user: user, uid: uid, sudo: requested)
        case (_, .none):
            return Privilege(user: user, uid: uid, sudo: .none)
        }
    }
}

extension String {
    /// The last non-empty line, trimmed, at most 200 characters: a remote error for a one-line message.
    var trimmedLine: String {
        let line = split(separator: "\n", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        let trimmed = line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(String(trimmed.reversed()).prefix(200))
    }
}
