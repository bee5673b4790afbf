import Foundation
import Testing

@testable import InstallerConfig

@Suite("Secrets never appear in diagnostics")
struct SecretsTests {
    static let secret = "Sup3rS3cretValue"

    /// (config snippet containing the secret, key expected to be rejected or warned about)
    static let rows: [(String, String)] = [
        ("exhibitor_admin_password: [\(secret)]", "exhibitor_admin_password"),
        ("exhibitor_admin_password:\n  \(secret): x", "exhibitor_admin_password"),
        ("superuser_password_hash: [\(secret)]", "superuser_password_hash"),
        ("cluster_docker_credentials: '{\"\(secret)\": '", "cluster_docker_credentials"),
        ("cluster_docker_credentials: \(secret)", "cluster_docker_credentials"),
        ("cluster_docker_credentials: [\(secret)]", "cluster_docker_credentials"),
        ("exhibitor_azure_account_key: \(secret)", "exhibitor_azure_account_key"),
        ("exhibitor_azure_account_key: [\(secret)]", "exhibitor_azure_account_key"),
        ("aws_secret_access_key: \(secret)", "aws_secret_access_key"),
        (
            "exhibitor_storage_backend: aws_s3\naws_region: r\ns3_bucket: b\ns3_prefix: p\nexhibitor_explicit_keys: true\naws_access_key_id: id\naws_secret_access_key: [\(secret)]",
            "aws_secret_access_key"
        ),
        ("exhibitor_admin_pasword: \(secret)", "exhibitor_admin_pasword"),
        ("aws_secret_acess_key: \(secret)", "aws_secret_acess_key"),
    ]

    @Test("a bad or ignored secret is reported without echoing its value", arguments: rows)
    func notEchoed(_ yaml: String, _ key: String) throws {
        let outcome = try Fixture.check(yaml)
        let reported = try #require(outcome.diagnostics.first { $0.key == key }, "\(outcome.summary)")
        #expect(reported.location != nil)
        for diagnostic in outcome.diagnostics {
            #expect(!diagnostic.message.contains(Self.secret), "\(diagnostic)")
        }
        #expect(!outcome.formatted.contains(Self.secret), "\(outcome.formatted)")
        #expect(outcome.formatted.contains("********"), "\(outcome.formatted)")
    }

    @Test(
        "a secret on a line that YAML cannot parse is masked in the snippet",
        arguments: [
            "cluster_name: a\nexhibitor_admin_password: \(secret): x\n",
            "cluster_name: a\n\"aws_secret_access_key\": \(secret): x\n",
            "cluster_name: a\n  superuser_password_hash: \(secret)\n",
            "cluster_name: a\nexhibitor_azure_account_key: \(secret)\n\tbad: tab\n",
        ]
    )
    func unparsable(_ text: String) throws {
        let outcome = try Fixture.validate(text: text)
        #expect(outcome.document == nil)
        #expect(outcome.errors.count == 1)
        #expect(!outcome.formatted.contains(Self.secret), "\(outcome.formatted)")
        #expect(!outcome.errors.contains { $0.message.contains(Self.secret) })
    }

    @Test("secret lines cover multi-line values and are masked in snippets")
    func multiLine() throws {
        let text = Fixture.config(
            "cluster_docker_credentials:\n  registry.example.com: \(Self.secret)\n  other: {auth: \(Self.secret)}\ndcos_overlay_mtu: 1"
        )
        let outcome = try Fixture.validate(text: text)
        let document = try #require(outcome.document)
        let lines = ConfigValidator.secretLines(in: document)
        #expect(lines.isSuperset(of: [1, 2, 3]))
        #expect(!lines.contains(4))
        #expect(!outcome.formatted.contains(Self.secret), "\(outcome.formatted)")
        #expect(outcome.formatted.contains("dcos_overlay_mtu: 1"))
    }

    @Test("a secret written last covers every line to the end of the file, whatever its shape")
    func lastEntry() throws {
        let text =
            Fixture.config("")
            + "exhibitor_admin_password:\n- - a\n  - b\n  - \(Self.secret)\n# trailing comment\n"
        let outcome = try Fixture.validate(text: text)
        let document = try #require(outcome.document)
        let first = Fixture.base.count + 2
        #expect(ConfigValidator.secretLines(in: document).isSuperset(of: Set(first...(first + 4))))
        let diagnostic = Diagnostic.error("exhibitor_admin_password", at: .init(line: first + 3, column: 5), "m")
        let formatter = DiagnosticFormatter(
            path: "p",
            text: text,
            maskedLines: ConfigValidator.secretLines(in: document)
        )
        #expect(!formatter.format(diagnostic).contains(Self.secret))
        #expect(outcome.errors.first?.key == "exhibitor_admin_password")
    }

    @Test(
        "the mask keeps the key and list markers",
        arguments: [
            ("exhibitor_admin_password: abc", "exhibitor_admin_password: ********"),
            ("  - abc", "  - ********"),
            ("  registry: {auth: abc}", "  ********"),
            ("  user:pass", "  ********"),
            ("  - user:pass", "  - ********"),
        ]
    )
    func mask(_ line: String, _ masked: String) {
        #expect(DiagnosticFormatter.mask(line) == masked)
    }

    @Test("every secret key of DC/OS is marked secret")
    func secretKeys() {
        #expect(
            ValidatedConfig.secretKeys.isSuperset(of: [
                "exhibitor_admin_password", "aws_secret_access_key", "exhibitor_azure_account_key",
                "cluster_docker_credentials", "superuser_password_hash",
            ])
        )
    }
}
