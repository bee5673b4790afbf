import Foundation
import Testing

@testable import InstallerConfig

@Suite("check_config and custom_checks schema")
struct ChecksSchemaTests {
    /// A valid node check, indented to sit under `node_checks.checks:`.
    static func nodeCheck(_ name: String, roles: String? = nil, timeout: String = "1s") -> String {
        check(name, indent: 6, roles: roles, timeout: timeout)
    }

    /// A valid cluster check, indented to sit under `cluster_checks:`.
    static func clusterCheck(_ name: String, timeout: String = "1s") -> String {
        check(name, indent: 4, roles: nil, timeout: timeout)
    }

    static func check(_ name: String, indent: Int, roles: String?, timeout: String) -> String {
        let outer = String(repeating: " ", count: indent)
        let inner = outer + "  "
        var text = "\(outer)\(name):\n\(inner)description: d\n\(inner)cmd: [echo, hi]\n\(inner)timeout: \(timeout)\n"
        if let roles { text += "\(inner)roles: \(roles)\n" }
        return text
    }

    static let rejects: [Reject] = [
        Reject("custom_checks:\n  other_checks: {}", "custom_checks", "Unknown section 'other_checks'", line: 2),
        Reject("custom_checks:\n  cluster_checks: [a]", "custom_checks", "cluster_checks must be a mapping", line: 2),
        Reject(
            "custom_checks:\n  cluster_checks:\n    'bad name':\n      description: d\n      cmd: [x]\n      timeout: 1s",
            "custom_checks",
            "must be a nonzero length string with no whitespace",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      cmd: [x]\n      timeout: 1s",
            "custom_checks",
            "needs a `description` string",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      timeout: 1s",
            "custom_checks",
            "needs `cmd`, a non-empty list of strings",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: echo hi\n      timeout: 1s",
            "custom_checks",
            "needs `cmd`",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: []\n      timeout: 1s",
            "custom_checks",
            "needs `cmd`",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: [x]\n      timeout: 1",
            "custom_checks",
            "timeout must be a string containing an integer or float followed by a unit",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: [x]\n      timeout: 1sec",
            "custom_checks",
            "timeout must be",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: [x]",
            "custom_checks",
            "timeout must be",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: [x]\n      timeout: 1s\n      roles: [master]",
            "custom_checks",
            "roles must be a list containing master or agent or both",
            line: 2
        ),
        Reject(
            "custom_checks:\n  cluster_checks:\n    c1:\n      description: d\n      cmd: [x]\n      timeout: 1s\n      retries: 3",
            "custom_checks",
            "unknown key 'retries'",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))",
            "custom_checks",
            "At least one of prestart or poststart must be defined in node_checks",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))    prestart: [n2]",
            "custom_checks",
            "names 'n2', which is not defined",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))\(nodeCheck("n2"))    poststart: [n1]",
            "custom_checks",
            "All node checks must be referenced in either prestart or poststart, or both; not referenced: n2",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1", roles: "[leader]"))    poststart: [n1]",
            "custom_checks",
            "roles must be a list containing master or agent",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1", roles: "[]"))    poststart: [n1]",
            "custom_checks",
            "roles must be a list",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1", timeout: "5x"))    poststart: [n1]",
            "custom_checks",
            "timeout must be",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))    poststart: n1",
            "custom_checks",
            "node_checks.poststart must be a list of check names",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks: [n1]\n    poststart: []",
            "custom_checks",
            "node_checks.checks must be a mapping",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))    poststart: [n1]\n    later: [n1]",
            "custom_checks",
            "Unknown key 'later' in node_checks",
            line: 2
        ),
        Reject(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("xz"))    poststart: [xz]",
            "custom_checks",
            "Custom check names conflict with built-in checks: xz",
            line: 2
        ),
        Reject(
            "check_config:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))",
            "check_config",
            "At least one of prestart or poststart",
            line: 2
        ),
        Reject("check_config: [a]", "check_config", "Must be a mapping", line: 1),
        Reject(
            "check_config:\n  cluster_checks:\n\(clusterCheck("mine"))custom_checks:\n  cluster_checks:\n\(clusterCheck("mine"))",
            "custom_checks",
            "conflict with built-in checks: mine",
            line: 8
        ),
    ]

    @Test("check schemas DC/OS rejects are rejected", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepts: [Accept] = [
        Accept("custom_checks: {}"),
        Accept("custom_checks:\n  cluster_checks:\n\(clusterCheck("c1"))"),
        Accept("custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))    prestart: [n1]"),
        Accept(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))    prestart: [n1]\n    poststart: [n1]"
        ),
        Accept(
            "custom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("n1", roles: "[master, agent]"))    poststart: [n1]"
        ),
        Accept("custom_checks:\n  cluster_checks:\n\(clusterCheck("c1", timeout: "1.5m"))"),
        Accept("custom_checks:\n  cluster_checks:\n\(clusterCheck("c1", timeout: "250ms"))"),
        Accept("custom_checks:\n  cluster_checks:\n\(clusterCheck("c1", timeout: "10µs"))"),
        Accept("custom_checks:\n  cluster_checks:\n\(clusterCheck("c1", timeout: "2h"))"),
        Accept("check_config:\n  node_checks:\n    checks:\n\(nodeCheck("xz"))    poststart: [xz]"),
        Accept(
            "check_config:\n  node_checks:\n    checks:\n\(nodeCheck("n1"))    poststart: [n1]\ncustom_checks:\n  node_checks:\n    checks:\n\(nodeCheck("xz"))    poststart: [xz]"
        ),
        Accept(
            "custom_checks: '{\"cluster_checks\": {\"c1\": {\"description\": \"d\", \"cmd\": [\"x\"], \"timeout\": \"1s\"}}}'"
        ),
    ]

    @Test("valid check schemas are accepted", arguments: accepts)
    func accept(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    @Test("clock_sync is a built-in name only with check_time")
    func clockSync() throws {
        let snippet =
            "custom_checks:\n  node_checks:\n    checks:\n\(Self.nodeCheck("clock_sync"))    poststart: [clock_sync]"
        let clash = try Fixture.check(snippet)
        #expect(clash.errors.contains { $0.key == "custom_checks" && $0.message.contains("clock_sync") })
        let fine = try Fixture.check("check_time: false\n" + snippet)
        #expect(fine.errors.isEmpty, "\(fine.summary)")
    }
}
