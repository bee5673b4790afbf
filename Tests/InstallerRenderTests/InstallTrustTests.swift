import Foundation
import InstallerRender
import InstallerTrust
import Testing

/// dcos_install.sh and the signed manifest: a tampered manifest, signature or file is refused with nothing changed;
/// a role's secrets come from --secrets (or a token), are checked like the bundle, and land 0600.
extension InstallScriptTests {
    /// Nothing of an install exists in the scratch root.
    func expectUntouched(_ node: ScratchNode, _ context: String) {
        for path in ["/opt", "/etc", "/var/lib/dcos-install/pending", "/var/lib/dcos-install/installed"] {
            #expect(!node.exists(path), "\(context): \(path) exists")
        }
    }

    @Test(
        "A changed manifest, a signature by another key, or a file the manifest does not list: refused, nothing changed",
        .enabled(if: isRoot, "needs root")
    )
    func refusesTamperedManifest() throws {
        let manifestPath = "/" + TestSigning.installManifest()
        // A byte of the signed manifest changed.
        var node = try scratchNode()
        var text = try String(contentsOfFile: node.directory.path + manifestPath, encoding: .utf8)
        try node.directory.write(
            TestSigning.installManifest(),
            text.replacingOccurrences(of: "\n}", with: ", \"x\": 1\n}")
        )
        var result = try node.run(["--disable-preflight", "slave"])
        #expect(result.status == 1)
        #expect(result.output.contains("its signature does not verify with this installer's key"), "\(result.output)")
        expectUntouched(node, "changed manifest")

        // Signed, but by another genconf directory's key.
        node = try scratchNode()
        let other = try TemporaryDirectory()
        let otherKeys = try GenconfKeys.loadOrCreate(genconfDirectory: other.path + "/genconf").keys
        text = try String(contentsOfFile: node.directory.path + manifestPath, encoding: .utf8)
        try Data(otherKeys.sign(Array(text.utf8))).write(
            to: URL(fileURLWithPath: node.directory.path + manifestPath + ".sig")
        )
        result = try node.run(["--disable-preflight", "slave"])
        #expect(result.status == 1)
        #expect(result.output.contains("does not verify"), "\(result.output)")
        expectUntouched(node, "other key")

        // Properly signed, but listing the bundle with another size: the bundle is refused before unpacking.
        node = try scratchNode()
        text = try String(contentsOfFile: node.directory.path + manifestPath, encoding: .utf8)
        let changed =
            text.split(separator: "\n").map { line in
                guard line.contains(".tar.gz\""), let size = line.split(separator: " ").dropFirst(1).first else {
                    return String(line)
                }
                return line.replacingOccurrences(of: " \(size) ", with: " \((Int(size) ?? 0) + 1) ")
            }.joined(separator: "\n") + "\n"
        #expect(changed != text)
        try node.directory.write(TestSigning.installManifest(), changed)
        try Data(TestSigning.keys.sign(Array(changed.utf8))).write(
            to: URL(fileURLWithPath: node.directory.path + manifestPath + ".sig")
        )
        result = try node.run(["--disable-preflight", "slave"])
        #expect(result.status == 1)
        #expect(result.output.contains("the signed manifest.json does not list it"), "\(result.output)")
        expectUntouched(node, "unlisted bundle")

        // No signature at all.
        node = try scratchNode()
        try FileManager.default.removeItem(atPath: node.directory.path + manifestPath + ".sig")
        result = try node.run(["--disable-preflight", "slave"])
        #expect(result.status == 1)
        expectUntouched(node, "no signature")
    }

    /// A slave scratch node whose configuration has one secret file, /etc/dcos-secret, in a secrets archive.
    func scratchNodeWithSecrets() throws -> (node: ScratchNode, archive: String) {
        let directory = try TemporaryDirectory()
        let bundle = try bootstrap(role: .slave, in: directory)
        try directory.write("secrets-staging/files/etc/dcos-secret", "s3cret value\n")
        let digest = try run(["sha256sum", directory.path + "/secrets-staging/files/etc/dcos-secret"]).output.prefix(64)
        try directory.write("secrets-staging/install.list", "0600 \(digest) /etc/dcos-secret\n")
        try directory.write("secrets-staging/salt", "salt\n")
        let archive = directory.path + "/slave--secrets.tar.gz"
        let tar = try run([
            "tar", "-czf", archive, "-C", directory.path + "/secrets-staging", "install.list", "salt", "files",
        ])
        try #require(tar.status == 0, "\(tar.output)")
        let data = try Data(contentsOf: URL(fileURLWithPath: archive))
        let sha = TestSigning.sha256Hex(data)
        let servePath = "secrets/slave--0123456789abcdef.tar.gz"
        try TestSigning.sign(directory, extra: ["\(sha) \(data.count) \(servePath)"])
        let role: TemplateValue = .object([
            "role": .string("slave"), "bundle": .string(bundle.bundle), "sha256": .string(bundle.sha256),
            "size": .string(bundle.size), "secrets": .string(servePath), "secrets_sha256": .string(sha),
            "secrets_size": .string(String(data.count)),
        ])
        try directory.write(
            "dcos_install.sh",
            try render(bootstrapURL: "file://\(directory.path)/serve", roles: [role], packages: [])
        )
        return (ScratchNode(directory: directory, script: directory.path + "/dcos_install.sh"), archive)
    }

    @Test(
        "A role's secrets: required before anything runs, checked like the bundle, installed 0600",
        .enabled(if: isRoot, "needs root")
    )
    func installsSecrets() throws {
        let (node, archive) = try scratchNodeWithSecrets()
        let missing = try node.run(["--disable-preflight", "slave"])
        #expect(missing.status == 2)
        #expect(missing.output.contains("has secrets, which no public file carries"), "\(missing.output)")
        #expect(missing.output.contains("--token=TOKEN") && missing.output.contains("--secrets=FILE"))
        // A token cannot fetch from a file:// bootstrap directory.
        let fileURL = try node.run(["--disable-preflight", "--token=dcos1.slave.0.x", "slave"])
        #expect(fileURL.status == 1)
        #expect(fileURL.output.contains("pass --secrets=FILE"), "\(fileURL.output)")
        #expect(try node.run(["--token=bad token", "slave"]).status == 2)

        // Another archive (the same size, other bytes): refused, nothing installed.
        var forged = try Data(contentsOf: URL(fileURLWithPath: archive))
        forged[forged.count - 1] ^= 0xFF
        try forged.write(to: URL(fileURLWithPath: node.directory.path + "/forged.tar.gz"))
        let refused = try node.run([
            "--disable-preflight", "--secrets", node.directory.path + "/forged.tar.gz", "slave",
        ])
        #expect(refused.status == 1)
        #expect(
            refused.output.contains("Refusing secrets/slave--0123456789abcdef.tar.gz: SHA-256 is"),
            "\(refused.output)"
        )
        expectUntouched(node, "forged secrets")

        let installed = try node.run(["--disable-preflight", "--secrets=\(archive)", "slave"])
        #expect(installed.status == 0, "\(installed.output)")
        #expect(try node.read("/etc/dcos-secret") == "s3cret value\n")
        let mode = try FileManager.default.attributesOfItem(atPath: resolved(node.root + "/etc/dcos-secret"))[
            .posixPermissions
        ]
        #expect(mode as? Int == 0o600)
        #expect(!installed.output.contains("s3cret"))
        // --uninstall removes the secret file with the rest.
        #expect(try node.run(["--uninstall"]).status == 0)
        #expect(!node.exists("/etc/dcos-secret"))
    }
}
