import Foundation
import InstallerArchive
import InstallerGenconf
import InstallerRender
import InstallerTestSupport
import Testing

/// Secrets never travel in public files: every value of a secret key is searched for in everything genconf writes
/// to serve/ (inside the gzip'd bundles too), and found only in the 0600 secrets archives outside it.
@Suite("Secrets stay out of serve/")
struct SecretsTests {
    /// Two configurations, since the AWS and Azure Exhibitor backends exclude each other. Each value is distinct
    /// and appears nowhere else.
    static let configurations: [(name: String, yaml: String, values: [String])] = [
        (
            "aws",
            """
            exhibitor_storage_backend: aws_s3
            exhibitor_explicit_keys: true
            aws_access_key_id: AKIAPUBLICKEYID0
            aws_region: us-west-2
            s3_bucket: bucket
            s3_prefix: prefix
            aws_secret_access_key: Zq7SECRET-AWS-4f1c9e
            exhibitor_admin_password: Zq7SECRET-EXHIBITOR-77ab
            cluster_docker_credentials:
              auths:
                "https://registry.example.com":
                  auth: Zq7SECRET-DOCKER-AUTH-d1e2
            superuser_username: admin
            superuser_password_hash: "$6$rounds=5000$Zq7SECRETSALT$Zq7SECRETHASHpart0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
            customer_key: Zq7SECRET-CUSTOMER-5c3b
            license_key_contents: Zq7SECRET-LICENSE-91aa

            """,
            [
                "Zq7SECRET-AWS-4f1c9e", "Zq7SECRET-EXHIBITOR-77ab", "Zq7SECRET-DOCKER-AUTH-d1e2", "Zq7SECRETHASHpart",
                "Zq7SECRET-CUSTOMER-5c3b", "Zq7SECRET-LICENSE-91aa",
            ]
        ),
        (
            "azure",
            """
            exhibitor_storage_backend: azure
            exhibitor_azure_account_name: account
            exhibitor_azure_prefix: prefix
            exhibitor_azure_account_key: Zq7SECRET-AZURE-0b5d

            """,
            ["Zq7SECRET-AZURE-0b5d"]
        ),
    ]

    @Test(arguments: 0..<configurations.count)
    func noSecretInAnyPublicFile(index: Int) async throws {
        let (name, yaml, secrets) = Self.configurations[index]
        let workspace = try Workspace()
        try workspace.replaceInConfig("exhibitor_storage_backend: static\n", with: yaml)
        let result: GenconfResult
        do {
            result = try await generate(workspace)
        } catch {
            Issue.record("\(name): \(error)")
            return
        }
        var searched = 0
        for path in try files(under: workspace.serve) {
            var contents = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            if path.hasSuffix(".tar.gz") { contents = try gunzip(contents, maxOutput: 256 << 20) }
            searched += 1
            for secret in secrets {
                #expect(!contains(contents, secret), "\(name): \(path) holds the secret \(secret)")
            }
        }
        #expect(searched >= 7)
        // The files rendered from secrets went to the secrets archives, 0600 in a 0700 directory.
        let secretFiles = Set(result.secrets.flatMap(\.files))
        #expect(secretFiles.contains("/opt/mesosphere/etc/docker_credentials") == (name == "aws"))
        #expect(secretFiles.contains("/opt/mesosphere/etc/exhibitor_realm") == (name == "aws"))
        // (The Azure key is used by no template of this release: nothing is rendered from it at all.)
        #expect(result.secrets.isEmpty == (name == "azure"))
        if !result.secrets.isEmpty { #expect(try mode(workspace.genconf + "/secrets") == 0o700) }
        for secrets in result.secrets {
            let path = workspace.genconf + "/" + secrets.path
            #expect(try mode(path) == 0o600, "\(path)")
            #expect(secrets.token.hasPrefix("dcos1.\(secrets.role.rawValue).0."))
        }
        if name == "aws" {
            let master = try #require(result.secrets.first { $0.role == .master })
            let archive = try gunzip(
                [UInt8](Data(contentsOf: URL(fileURLWithPath: workspace.genconf + "/" + master.path))),
                maxOutput: 1 << 20
            )
            #expect(contains(archive, "Zq7SECRET-EXHIBITOR-77ab"))
            #expect(contains(archive, "Zq7SECRET-DOCKER-AUTH-d1e2"))
            // The public bundle names the secret files without their contents.
            let bundle = try #require(try workspace.bundles(result)[.master])
            #expect(bundle.files["opt/mesosphere/etc/exhibitor_realm"] == nil)
        }
    }

    @Test("Without secrets in config.yaml, no secrets archive and no token are needed")
    func noSecretsNoArchive() async throws {
        let workspace = try Workspace()
        let result = try await generate(workspace)
        #expect(result.secrets.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: workspace.genconf + "/secrets"))
        let script = try String(contentsOfFile: workspace.serve + "/dcos_install.sh", encoding: .utf8)
        #expect(script.contains("SECRETS_PATH['master']=''\n"))
    }

    @Test("A changed secret changes the configuration id, which does not reveal it")
    func secretChangesTheConfigID() async throws {
        let workspace = try Workspace()
        try workspace.appendConfig("exhibitor_admin_password: first-password\n")
        let first = try await generate(workspace)
        try workspace.replaceInConfig("first-password", with: "second-password")
        let second = try await generate(workspace)
        #expect(first.configID != second.configID)
        // Only the masters render it (exhibitor_realm). The first configuration is kept as a generation,
        // its archive too; once no kept generation names it, it is removed.
        #expect(first.secrets.map(\.role) == [.master])
        #expect(first.secrets[0].path != second.secrets[0].path)
        var names = try workspace.entries(workspace.genconf + "/secrets")
        #expect(Set(names.map { "secrets/" + $0 }) == Set((first.secrets + second.secrets).map(\.path)))
        _ = try await generate(workspace, keepGenerations: 0)
        names = try workspace.entries(workspace.genconf + "/secrets")
        #expect(names.map { "secrets/" + $0 } == second.secrets.map(\.path))
    }

    private func files(under directory: String) throws -> [String] {
        var result: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                result.append(directory + "/" + relative)
            }
        }
        return result.sorted()
    }

    private func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard haystack.count >= pattern.count else { return false }
        for start in 0...(haystack.count - pattern.count) where haystack[start] == pattern[0] {
            if Array(haystack[start..<start + pattern.count]) == pattern { return true }
        }
        return false
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
