import Foundation
import InstallerTestSupport
import Testing

@Suite("Command line: --validate-config")
struct ValidateTests {
    /// Two errors written in the opposite order of the schema: a bad flag at the top, a bad master below.
    static let invalidConfig = """
        cluster_docker_credentials_enabled: maybe
        cluster_name: example-cluster
        bootstrap_url: http://198.18.0.1:8080
        master_discovery: static
        exhibitor_storage_backend: static
        master_list:
          - not-an-ip
        agent_list:
          - 198.18.0.21
        resolvers:
          - 198.18.0.1
        ip_detect_filename: genconf/ip-detect

        """

    @Test func validExampleIsValid() throws {
        let workspace = try Workspace()
        let human = try runCLI(["--validate-config", "--genconf-dir", workspace.genconf])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(!human.stderr.contains("error:"))
        let json = try runCLI(["--validate-config", "--json", "--genconf-dir", workspace.genconf])
        #expect(json.status == 0)
        let object = try jsonObject(json.stdout)
        #expect(object["valid"] as? Bool == true)
        #expect((object["errors"] as? [Any])?.isEmpty == true)
        #expect(object["warnings"] is [Any])
        #expect(!FileManager.default.fileExists(atPath: workspace.serve))
    }

    @Test func jsonReportsKeyLineAndColumnSortedByPosition() throws {
        let workspace = try Workspace()
        try workspace.writeConfig(Self.invalidConfig)
        let result = try runCLI(["--validate-config", "--json", "--genconf-dir", workspace.genconf])
        #expect(result.status == 1)
        let object = try jsonObject(result.stdout)
        #expect(Set(object.keys) == ["valid", "errors", "warnings"])
        #expect(object["valid"] as? Bool == false)
        let errors = try #require(object["errors"] as? [[String: Any]])
        try #require(errors.count == 2, "\(errors)")
        #expect(errors[0]["key"] as? String == "cluster_docker_credentials_enabled")
        #expect(errors[0]["line"] as? Int == 1)
        #expect(errors[0]["column"] as? Int == 37)
        #expect(errors[1]["key"] as? String == "master_list")
        #expect(errors[1]["line"] as? Int == 7)
        #expect(errors[1]["column"] as? Int == 5)
        for error in errors {
            #expect(!((error["message"] as? String) ?? "").isEmpty)
            #expect(Set(error.keys) == ["key", "line", "column", "message"])
        }
        // Exactly one JSON value on stdout: nothing before or after the object.
        let trimmed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(trimmed.hasPrefix("{") && trimmed.hasSuffix("}"))
    }

    @Test func humanOutputIsCompilerStyleWithCaretOnStderr() throws {
        let workspace = try Workspace()
        try workspace.writeConfig(Self.invalidConfig)
        let result = try runCLI(["--validate-config"], directory: workspace.root)
        #expect(result.status == 1)
        #expect(!result.stdout.contains("error:"))
        let lines = result.stderr.components(separatedBy: "\n")
        let first = try #require(
            lines.firstIndex { $0.hasPrefix("genconf/config.yaml:1:37: error: cluster_docker_credentials_enabled: ") }
        )
        let second = try #require(lines.firstIndex { $0.hasPrefix("genconf/config.yaml:7:5: error: master_list: ") })
        #expect(first < second)
        #expect(lines[second + 1].hasSuffix("|   - not-an-ip"))
        let caretLine = lines[second + 2]
        let caretColumn = try #require(caretLine.firstIndex(of: "^"))
        let textLine = lines[second + 1]
        let dashColumn = try #require(textLine.firstIndex(of: "n"))
        #expect(
            caretLine.distance(from: caretLine.startIndex, to: caretColumn)
                == textLine.distance(from: textLine.startIndex, to: dashColumn)
        )
    }

    @Test(
        "Secrets never reach stdout or stderr",
        arguments: [
            ("exhibitor_admin_password: [Sup3rSecretPw]\n", "Sup3rSecretPw"),
            ("exhibitor_admin_password:\n  nested: Sup3rSecretPw\n", "Sup3rSecretPw"),
            ("cluster_docker_credentials: '{\"auths\": \"TOPSECRET42\"}'\n", "TOPSECRET42"),
            ("cluster_docker_credentials:\n  registry.example: TOPSECRET42\n", "TOPSECRET42"),
            ("cluster_docker_credentials: TOPSECRET42 not json\n", "TOPSECRET42"),
        ]
    )
    func secretsAreNeverPrinted(snippet: String, secret: String) throws {
        let workspace = try Workspace()
        try workspace.appendConfig(snippet)
        for arguments in [
            ["--validate-config"], ["--validate-config", "--json"], ["--genconf"], ["--genconf", "--json"],
        ] {
            let result = try runCLI(arguments + ["-v", "--genconf-dir", workspace.genconf])
            #expect(result.status == 1, "\(arguments): \(result.combined)")
            #expect(!result.stdout.contains(secret), "\(arguments)")
            #expect(!result.stderr.contains(secret), "\(arguments)")
            #expect(result.combined.contains("error"))
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.serve))
    }

    @Test func ignoredSecretKeyWarnsWithoutShowingTheSecret() throws {
        let workspace = try Workspace()
        try workspace.appendConfig("aws_secret_access_key: SECRETAWS123\n")
        for arguments in [
            ["--validate-config"], ["--validate-config", "--json"], ["--genconf"], ["--genconf", "--json"],
        ] {
            let result = try runCLI(arguments + ["-v", "--genconf-dir", workspace.genconf])
            #expect(result.status == 0, "\(arguments): \(result.combined)")
            #expect(result.combined.contains("aws_secret_access_key"), "\(arguments)")
            #expect(!result.combined.contains("SECRETAWS123"), "\(arguments)")
        }
    }
}
