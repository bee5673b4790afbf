import Foundation
import Testing

@testable import InstallerConfig

@Suite("Keys written more than once")
struct DuplicateKeyTests {
    typealias Location = InstallerConfig.SourceLocation

    /// The message of a repeated top-level key.
    static func topLevel(_ key: String, firstLine: Int) -> String {
        "The key '\(key)' is written more than once (first at line \(firstLine)). "
            + "Only the first one is used and this one is ignored; delete the one you do not want."
    }

    /// The message of a repeated key inside a value.
    static func nested(_ key: String, firstLine: Int) -> String {
        "The key '\(key)' is written more than once in this mapping (first at line \(firstLine)). "
            + "Only the first one is used and this one is ignored; delete the one you do not want."
    }

    @Test("two keys each written twice: one error each, at the second occurrence, naming the first line")
    func twoKeysTwice() throws {
        let text = """
            cluster_name: test-cluster
            ssh_port: 22
            bootstrap_url: http://10.0.0.1:8080
            resolvers:
            - 8.8.8.8
            master_discovery: static
            ssh_port: 2222
            exhibitor_storage_backend: static
            resolvers: [8.8.4.4]
            master_list:
            - 10.0.0.2

            """
        let outcome = try Fixture.validate(text: text)
        #expect(outcome.document != nil)
        #expect(outcome.config == nil)
        #expect(
            outcome.errors == [
                .error("ssh_port", at: Location(line: 7, column: 1), Self.topLevel("ssh_port", firstLine: 2)),
                .error("resolvers", at: Location(line: 9, column: 1), Self.topLevel("resolvers", firstLine: 4)),
            ],
            "\(outcome.summary)"
        )
        #expect(outcome.document?.duplicateKeys.map(\.name) == ["ssh_port", "resolvers"])
    }

    @Test("the error is formatted like every other one: path:line:column, key, source line, caret")
    func formatted() throws {
        let text = "cluster_name: a\nbootstrap_url: http://x\n  # note\ncluster_name: b\n"
        let outcome = try Fixture.validate(text: text)
        let duplicate = try #require(outcome.errors.first { $0.message.contains("more than once") })
        let lines = DiagnosticFormatter(path: "genconf/config.yaml", text: text).format(duplicate)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines == [
                "genconf/config.yaml:4:1: error: cluster_name: " + Self.topLevel("cluster_name", firstLine: 1),
                "    4 | cluster_name: b",
                "      | ^",
            ]
        )
    }

    @Test("a key written three times: an error at the second and at the third, each naming the first line")
    func threeTimes() throws {
        let outcome = try Fixture.check("cluster_name: a\nnum_masters: 1\ncluster_name: b\n\ncluster_name: c")
        let duplicates = outcome.errors.filter { $0.key == "cluster_name" }
        #expect(
            duplicates == [
                .error("cluster_name", at: Location(line: 3, column: 1), Self.topLevel("cluster_name", firstLine: 1)),
                .error("cluster_name", at: Location(line: 5, column: 1), Self.topLevel("cluster_name", firstLine: 1)),
            ],
            "\(outcome.summary)"
        )
        // The rest of the file is validated too.
        #expect(outcome.errors.contains { $0.key == "num_masters" && $0.location?.line == 2 }, "\(outcome.summary)")
    }

    @Test("a repeated key does not hide the file's other errors: bad values, unknown and missing keys, cross checks")
    func otherErrorsToo() throws {
        let snippet = """
            dcos_overlay_mtu: 1420.5
            clustr_nme: typo
            use_proxy: true
            dcos_overlay_mtu: big
            """
        let outcome = try Fixture.check(snippet, removing: ["cluster_name"])
        let summary = outcome.summary
        let errors = outcome.errors
        #expect(
            errors.contains {
                $0.key == "dcos_overlay_mtu" && $0.location == Location(line: 1, column: 19)
                    && $0.message.contains("Must be an integer, but is the number 1420.5")
            },
            "\(summary)"
        )
        #expect(
            errors.contains {
                $0.key == "clustr_nme" && $0.location?.line == 2 && $0.message.contains("Did you mean 'cluster_name'?")
            },
            "\(summary)"
        )
        #expect(
            errors.contains {
                $0
                    == .error(
                        "dcos_overlay_mtu",
                        at: Location(line: 4, column: 1),
                        Self.topLevel("dcos_overlay_mtu", firstLine: 1)
                    )
            },
            "\(summary)"
        )
        #expect(errors.contains { $0.key == "cluster_name" && $0.location == nil }, "\(summary)")
        #expect(errors.contains { $0.key == "http_proxy" && $0.message.contains("required") }, "\(summary)")
        // The ignored occurrence is not validated, as its message says.
        #expect(!errors.contains { $0.message.contains("'big'") }, "\(summary)")
    }

    @Test("the first occurrence is the one validated, the later one is ignored")
    func firstOneCounts() throws {
        let firstBad = try Fixture.check("dcos_overlay_mtu: 10\ndcos_overlay_mtu: 1500")
        #expect(
            firstBad.errors.map(\.location?.line) == [1, 2]
                && firstBad.errors.first?.message.contains("Must be between 552 and 65535, but is 10") == true,
            "\(firstBad.summary)"
        )
        let secondBad = try Fixture.check("dcos_overlay_mtu: 1500\ndcos_overlay_mtu: 10")
        #expect(
            secondBad.errors == [
                .error(
                    "dcos_overlay_mtu",
                    at: Location(line: 2, column: 1),
                    Self.topLevel("dcos_overlay_mtu", firstLine: 1)
                )
            ],
            "\(secondBad.summary)"
        )
    }

    @Test("a repeated unknown key is reported unknown once, at the occurrence that counts")
    func repeatedUnknownKey() throws {
        let outcome = try Fixture.check("clustr_nme: a\nclustr_nme: b")
        #expect(
            outcome.errors.map(\.location?.line) == [1, 2]
                && outcome.errors.first?.message.hasPrefix("Unknown configuration key 'clustr_nme'") == true
                && outcome.errors.last?.message == Self.topLevel("clustr_nme", firstLine: 1),
            "\(outcome.summary)"
        )
    }

    @Test("a key repeated inside a value is reported at its position, on the top-level key, and the first one counts")
    func nestedBlock() throws {
        let snippet =
            NetworkTests.overlayHead + """
                  vtep_mac_oui: 70:B3:D5:00:00:00
                  overlays:
                  - name: dcos
                    subnet: 9.0.0.0/8
                    subnet: 10.0.0.0/33
                  vtep_mac_oui: [not, a, mac]
                """
        let outcome = try Fixture.check(snippet)
        #expect(
            outcome.errors == [
                .error(
                    "dcos_overlay_network",
                    at: Location(line: 8, column: 5),
                    Self.nested("subnet", firstLine: 7)
                ),
                .error(
                    "dcos_overlay_network",
                    at: Location(line: 9, column: 3),
                    Self.nested("vtep_mac_oui", firstLine: 4)
                ),
            ],
            "\(outcome.summary)"
        )
    }

    @Test("repeated keys in flow mappings keep every column, also after a non-ASCII key")
    func nestedFlow() throws {
        let outcome = try Fixture.check(
            "ssh_host_overrides: {hö: {port: 2222, port: 99999}, hö: x, hö: y}",
            stage: .genconf
        )
        #expect(
            outcome.errors == [
                .error("ssh_host_overrides", at: Location(line: 1, column: 39), Self.nested("port", firstLine: 1)),
                .error("ssh_host_overrides", at: Location(line: 1, column: 53), Self.nested("hö", firstLine: 1)),
                .error("ssh_host_overrides", at: Location(line: 1, column: 60), Self.nested("hö", firstLine: 1)),
            ],
            "\(outcome.summary)"
        )
        let value = try #require(outcome.document?.entries.first?.value)
        #expect(JSONValue(yaml: value) == .object(["hö": .object(["port": .int(2222)])]))
    }

    @Test("quoted and plain spellings of a key are the same key")
    func quotedSpellings() throws {
        let outcome = try Fixture.check("\"cluster_name\": a\n'cluster_name': b\ncluster_name: c")
        #expect(
            outcome.errors == [
                .error("cluster_name", at: Location(line: 2, column: 1), Self.topLevel("cluster_name", firstLine: 1)),
                .error("cluster_name", at: Location(line: 3, column: 1), Self.topLevel("cluster_name", firstLine: 1)),
            ],
            "\(outcome.summary)"
        )
    }

    @Test("the snippet of a repeated secret key is masked")
    func repeatedSecret() throws {
        let secret = SecretsTests.secret
        let outcome = try Fixture.check("exhibitor_admin_password: a\nexhibitor_admin_password: \(secret)")
        #expect(
            outcome.errors.map(\.message) == [Self.topLevel("exhibitor_admin_password", firstLine: 1)],
            "\(outcome.summary)"
        )
        #expect(outcome.formatted.contains("    2 | exhibitor_admin_password: ********"), "\(outcome.formatted)")
        #expect(!outcome.formatted.contains(secret), "\(outcome.formatted)")
    }

    @Test("a key repeated inside a secret value is not named: it may be the secret")
    func nestedInSecret() throws {
        let secret = SecretsTests.secret
        let outcome = try Fixture.check("exhibitor_admin_password:\n  \(secret): x\n  \(secret): y")
        let duplicate = try #require(outcome.errors.first { $0.message.contains("more than once") })
        #expect(duplicate.key == "exhibitor_admin_password")
        #expect(duplicate.location == Location(line: 3, column: 3))
        #expect(duplicate.message.hasPrefix("This key is written more than once in this mapping (first at line 2)."))
        #expect(!outcome.summary.contains(secret), "\(outcome.summary)")
        #expect(!outcome.formatted.contains(secret), "\(outcome.formatted)")
    }

    @Test("a repeat of a key written with escapes is found before parsing and reported at its own position")
    func escapedFirst() throws {
        let outcome = try Fixture.validate(text: "\"cluster\\u005Fname\": a\ncluster_name: b\n")
        let document = try #require(outcome.document, "\(outcome.summary)")
        #expect(document.duplicateKeys.map(\.location) == [Location(line: 2, column: 1)])
        #expect(document.duplicateKeys.first?.firstLocation == Location(line: 1, column: 1))
    }

    @Test(
        "a repeat of a key written with escapes, or in a file with any character, is reported at its own position",
        arguments: [
            "\"cluster\\u005Fname\": a\n\"cluster\\u005Fname\": b\n",
            "cluster_name: \"\u{E000}\"\ncluster_name: b\n",
        ]
    )
    func anySpelling(_ text: String) throws {
        let outcome = try Fixture.validate(text: text)
        let document = try #require(outcome.document, "\(outcome.summary)")
        #expect(document.duplicateKeys.map(\.location) == [Location(line: 2, column: 1)])
        #expect(
            outcome.errors.contains(
                .error("cluster_name", at: Location(line: 2, column: 1), Self.topLevel("cluster_name", firstLine: 1))
            ),
            "\(outcome.summary)"
        )
    }

    @Test("a syntax error after a repeated key is still found, at its own position")
    func syntaxErrorAfterRepeat() throws {
        let outcome = try Fixture.validate(text: "cluster_name: a\ncluster_name: b\nbootstrap_url: [unclosed\n")
        #expect(outcome.document == nil)
        let error = try #require(outcome.errors.first, "\(outcome.summary)")
        #expect(error.message.hasPrefix("Invalid YAML"), "\(outcome.summary)")
        #expect(error.location?.line == 4, "\(outcome.summary)")
    }
}
