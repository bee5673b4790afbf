import Foundation
import Testing

@testable import InstallerConfig

@Suite("Diagnostics: positions, ordering, user keys, formatting")
struct DiagnosticsTests {
    /// Keys the user never writes; no diagnostic may name them.
    static let derivedNames: Set<String> = [
        "num_masters", "ip_detect_contents", "ip_detect_public_contents", "no_proxy_final", "master_quorum",
        "has_mesos_max_completed_tasks_per_framework", "exhibitor_static_ensemble", "dcos_overlay_network_json",
    ]

    static let badConfig = """
        cluster_name: c
        bootstrap_url: ftp://x
        master_discovery: static
        exhibitor_storage_backend: static
        master_list:
        - 10.0.0.1
        - 10.0.0.2
        ip_detect_filename: genconf/missing
        use_proxy: true
        no_proxy: [.a, .a]
        dcos_overlay_mtu: 1420.5
        mesos_max_completed_tasks_per_framework: x
        clustr_name: typo
        dns_search: a,b

        """

    @Test("all errors at once, sorted by position, each on the key the user wrote")
    func allAtOnce() throws {
        let outcome = try Fixture.validate(text: Self.badConfig)
        let errors = outcome.errors
        let located = errors.compactMap(\.location)
        #expect(located == located.sorted(), "not sorted: \(outcome.summary)")
        let keys = Set(errors.compactMap(\.key))
        #expect(
            keys.isSuperset(of: [
                "bootstrap_url", "master_list", "ip_detect_filename", "no_proxy", "dcos_overlay_mtu",
                "mesos_max_completed_tasks_per_framework", "clustr_name", "dns_search", "http_proxy", "https_proxy",
            ]),
            "\(outcome.summary)"
        )
        #expect(keys.isDisjoint(with: Self.derivedNames), "\(outcome.summary)")
        // Missing keys (no position) come last.
        let firstMissing = errors.firstIndex { $0.location == nil } ?? errors.endIndex
        #expect(errors[firstMissing...].allSatisfy { $0.location == nil })
        #expect(errors.last?.key == "https_proxy")
        #expect(
            errors.first { $0.key == "master_list" }?.location == InstallerConfig.SourceLocation(line: 6, column: 1)
        )
        #expect(
            errors.first { $0.key == "dcos_overlay_mtu" }?.location
                == InstallerConfig.SourceLocation(line: 11, column: 19)
        )
    }

    @Test(
        "each rejected row's key is a key the user wrote or must write",
        arguments: [
            "master_list: [10.0.0.1, 10.0.0.2]", "ip_detect_filename: nope",
            "mesos_max_completed_tasks_per_framework: x",
            "use_proxy: true\nhttp_proxy: h\nhttps_proxy: h\nno_proxy: 3", "ip_detect_public_filename: nope",
        ]
    )
    func userKeys(_ yaml: String) throws {
        let outcome = try Fixture.check(yaml)
        #expect(!outcome.errors.isEmpty)
        for error in outcome.errors {
            let key = try #require(error.key)
            #expect(!Self.derivedNames.contains(key), "\(error)")
            #expect(ConfigSchema.byName[key] != nil, "\(error)")
        }
    }

    @Test("the formatter prints path:line:column, the key, the source line and a caret")
    func caret() throws {
        let outcome = try Fixture.check("master_list:\n  - 10.0.0.1\n  - 10.0.0.300\n  - 10.0.0.3")
        let error = try #require(outcome.errors.first)
        #expect(error.location == InstallerConfig.SourceLocation(line: 3, column: 5))
        let formatter = DiagnosticFormatter(path: "genconf/config.yaml", text: outcome.text)
        let lines = formatter.format(error).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("genconf/config.yaml:3:5: error: master_list: '10.0.0.300' is not an IPv4 address"))
        #expect(lines[1] == "    3 |   - 10.0.0.300")
        #expect(lines[2] == "      |     ^")
    }

    @Test("a missing key is formatted without a position or snippet")
    func missingKeyFormat() throws {
        let outcome = try Fixture.check("", removing: ["cluster_name"])
        let error = try #require(outcome.errors.first)
        let text = DiagnosticFormatter(path: "config.yaml", text: outcome.text).format(error)
        #expect(text.hasPrefix("config.yaml: error: cluster_name: cluster_name is required"))
        #expect(!text.contains("\n"))
    }

    @Test("tabs in a snippet are shown as spaces so the caret lines up")
    func tabsInSnippet() {
        let diagnostic = Diagnostic.error("k", at: InstallerConfig.SourceLocation(line: 1, column: 4), "m")
        let text = DiagnosticFormatter(path: "p", text: "k:\tx\n").format(diagnostic)
        #expect(text.hasSuffix("    1 | k: x\n      |    ^"))
    }

    @Test("a diagnostic past the end of the text has no snippet and does not crash")
    func pastTheEnd() {
        let diagnostic = Diagnostic.error("k", at: InstallerConfig.SourceLocation(line: 99, column: 200), "m")
        #expect(DiagnosticFormatter(path: "p", text: "a: b\n").format(diagnostic) == "p:99:200: error: k: m")
    }

    @Test("description is line:column: severity: key: message")
    func description() {
        let diagnostic = Diagnostic.warning("gc_delay", at: InstallerConfig.SourceLocation(line: 2, column: 3), "x")
        #expect(diagnostic.description == "2:3: warning: gc_delay: x")
    }

    @Test("sortedByPosition puts located diagnostics first, then by key")
    func sorting() {
        let list: [Diagnostic] = [
            .error("b", at: nil, "m"),
            .error("z", at: InstallerConfig.SourceLocation(line: 2, column: 1), "m"),
            .error("a", at: nil, "m"),
            .error("y", at: InstallerConfig.SourceLocation(line: 1, column: 5), "m"),
        ]
        #expect(list.sortedByPosition().map(\.key) == ["y", "z", "a", "b"])
    }

    @Test("a duplicated key is reported at its second line, naming the first")
    func duplicateLines() throws {
        let outcome = try Fixture.validate(text: "cluster_name: a\nbootstrap_url: http://x\ncluster_name: b\n")
        let error = try #require(outcome.errors.first)
        #expect(error.key == "cluster_name")
        #expect(error.message.contains("(first at line 1)"))
        #expect(error.location == InstallerConfig.SourceLocation(line: 3, column: 1))
    }
}
