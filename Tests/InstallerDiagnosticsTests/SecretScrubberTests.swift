import InstallerConfig
import InstallerDiagnostics
import Testing

@Suite("Diagnostics: secrets removed, node output split into files")
struct SecretScrubberTests {
    @Test("config.yaml: a secret key's value goes, block scalars and all; comments and other keys stay")
    func sanitizedConfig() throws {
        let text = """
            cluster_name: demo
            # the license
            license_key_contents: |
              LINE-ONE-SECRET
              LINE-TWO-SECRET

            # resolvers
            resolvers: [8.8.8.8]
            exhibitor_admin_password: hunter2-secret
            """
        let document = try #require(ConfigDocument.parse(text: text, path: "config.yaml").document)
        let scrubber = SecretScrubber(secrets: ["hunter2-secret", "LINE-ONE-SECRET\nLINE-TWO-SECRET\n"])
        let clean = scrubber.sanitizedConfig(document)
        #expect(
            clean == """
                cluster_name: demo
                # the license
                license_key_contents: '[secret removed]'

                # resolvers
                resolvers: [8.8.8.8]
                exhibitor_admin_password: '[secret removed]'
                """,
            "\(clean)"
        )
    }

    @Test("Every secret is replaced wherever it appears, the longer one first")
    func scrub() {
        let scrubber = SecretScrubber(secrets: ["abc", "abcdef", ""])
        #expect(scrubber.scrub("x abcdef y abc z") == "x [secret removed] y [secret removed] z")
        #expect(scrubber.secrets == ["abcdef", "abc"])
    }

    @Test("The node's output splits into its files at the markers; text before the first marker is dropped")
    func parse() {
        let node = NodeDiagnostics(remoteDirectory: "/opt/dcos-install")
        #expect(node.command.contains("journalctl -u 'dcos-*' --since '-24 hours'"))
        #expect(node.command.contains("tail -c 2097152"))
        let files = NodeDiagnostics.parse(
            "motd\n\n@@dcos-diagnostics@@ disk.txt\n/dev/sda1 10G\n\n@@dcos-diagnostics@@ journal.log\nline\n"
        )
        #expect(files == ["disk.txt": "/dev/sda1 10G\n", "journal.log": "line\n"])
    }
}
