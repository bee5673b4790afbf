import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway local user with a password and, optionally, a sudoers line; removed by ``remove()``
/// (use ``withTestUser(sudoers:_:)``). Needs root.
public final class TestUser: Sendable {
    public let name = "isshtest" + String(UInt32.random(in: 1000...9999))
    public let password = "s3cret-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    public var home: String { "/home/" + name }

    /// `sudoers`: the rule after the user's name, e.g. `ALL=(ALL) ALL` or `ALL=(ALL) NOPASSWD: ALL`; nil
    /// for none.
    public init(sudoers: String?) throws {
        let added = try runProcess("/usr/sbin/useradd", ["-m", "-s", "/bin/sh", name])
        guard added.status == 0 else { throw TestProcessError("useradd \(name) failed: \(added.stderr)") }
        do {
            let changed = try runProcess(
                "/usr/sbin/chpasswd",
                [],
                stdin: Data("\(name):\(password)\n".utf8)
            )
            guard changed.status == 0 else { throw TestProcessError("chpasswd failed: \(changed.stderr)") }
            try setSudoers(sudoers)
        } catch {
            remove()
            throw error
        }
    }

    /// Replaces the user's sudoers rule (nil: none).
    public func setSudoers(_ rule: String?) throws {
        let path = "/etc/sudoers.d/\(name)"
        guard let rule else {
            unlink(path)
            return
        }
        try "\(name) \(rule)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o440)
    }

    /// Copies `file` into the user's home as `authorized_keys` (readable by sshd as that user) and
    /// returns its path.
    public func authorize(_ file: String) throws -> String {
        let keys = home + "/authorized_keys"
        try? FileManager.default.removeItem(atPath: keys)
        try FileManager.default.copyItem(atPath: file, toPath: keys)
        chmod(keys, 0o644)
        return keys
    }

    public func remove() {
        unlink("/etc/sudoers.d/\(name)")
        _ = try? runProcess("/usr/sbin/userdel", ["-r", name])
    }
}

/// Runs `body` with a new local user and removes the user afterwards, whatever happens.
public func withTestUser<T>(sudoers: String?, _ body: (TestUser) async throws -> T) async throws -> T {
    let user = try TestUser(sudoers: sudoers)
    defer { user.remove() }
    return try await body(user)
}
