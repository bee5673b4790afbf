import Foundation
import InstallerTestSupport
import Testing

@Suite("Command line: modes, flags and exit codes")
struct ModeTests {
    @Test func versionPrintsJSONOnStdout() throws {
        let result = try runCLI(["--version"])
        #expect(result.status == 0)
        let object = try jsonObject(result.stdout)
        #expect(object["variant"] as? String == "")
        let version = try #require(object["version"] as? String)
        #expect(version.hasPrefix("1.11"))
        #expect(Set(object.keys) == ["version", "variant", "installer_version", "installer_commit"])
        let installer = try #require(object["installer_version"] as? String)
        #expect(installer.split(separator: ".").count == 3)
        // A build tree's binary has no build-info.json: the commit is null (the release's names it).
        #expect(object["installer_commit"] is NSNull)
    }

    @Test func versionLineIsOneLine() throws {
        let result = try runCLI(["-V"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("dcos_generate_config ") == true)
        #expect(result.stdout.contains("(commit unknown) for DC/OS 1.11"))
    }

    @Test("--help and -h print the usage on stdout and exit 0", arguments: ["--help", "-h"])
    func help(flag: String) throws {
        let result = try runCLI([flag])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("USAGE: dcos_generate_config"))
        #expect(result.stdout.contains("--validate-config"))
        #expect(result.stderr.isEmpty)
    }

    @Test func genconfIsTheDefaultMode() throws {
        let workspace = try Workspace()
        let result = try runCLI(["--genconf-dir", workspace.genconf])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/manifest.json"))
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/dcos_install.sh"))
        #expect(result.stdout.contains(workspace.serve))
    }

    @Test(
        "Usage errors exit 2 and write nothing to stdout",
        arguments: [
            ["--genconf", "--validate-config"],
            ["--version", "--hash-password", "secret"],
            ["--validate-config", "--version"],
            ["--no-such-flag"],
            ["stray-argument"],
            ["--genconf", "stray-argument"],
            ["--validate-config", "stray-argument"],
        ]
    )
    func usageErrors(arguments: [String]) throws {
        let workspace = try Workspace()
        let result = try runCLI(arguments + ["--genconf-dir", workspace.genconf])
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: workspace.serve))
    }

    @Test(
        "DC/OS compatibility flags are accepted",
        arguments: [
            ["--offline"], ["--cli-telemetry-disabled"], ["-v"], ["--verbose"],
            ["--offline", "--cli-telemetry-disabled", "--verbose"],
        ]
    )
    func compatibilityFlags(flags: [String]) throws {
        let workspace = try Workspace()
        let validate = try runCLI(["--validate-config", "--genconf-dir", workspace.genconf] + flags)
        #expect(validate.status == 0, "\(flags): \(validate.stderr)")
        let genconf = try runCLI(["--genconf", "--genconf-dir", workspace.genconf] + flags)
        #expect(genconf.status == 0, "\(flags): \(genconf.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.serve + "/manifest.json"))
    }

    @Test func verboseLogsGoToStderrOnly() throws {
        let workspace = try Workspace()
        let quiet = try runCLI(["--genconf", "--json", "--genconf-dir", workspace.genconf])
        let verbose = try runCLI(["--genconf", "--json", "-v", "--genconf-dir", workspace.genconf])
        #expect(quiet.status == 0 && verbose.status == 0)
        #expect(verbose.stderr.contains("debug:"))
        #expect(!quiet.stderr.contains("debug:"))
        #expect(quiet.stdout == verbose.stdout)
    }

    @Test func genconfJSONIsOneObjectOnStdout() throws {
        let workspace = try Workspace()
        let result = try runCLI(["--genconf", "--json", "--genconf-dir", workspace.genconf])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try jsonObject(result.stdout)
        let configID = try #require(object["config_id"] as? String)
        #expect(configID.count == 64)
        #expect(object["cluster_name"] as? String == "example-cluster")
        let bundles = try #require(object["bundles"] as? [String: Any])
        #expect(Set(bundles.keys) == ["master", "slave", "slave_public"])
        for (_, value) in bundles {
            let bundle = try #require(value as? [String: Any])
            let path = try #require(bundle["path"] as? String)
            #expect(FileManager.default.fileExists(atPath: workspace.serve + "/" + path))
        }
    }
}

@Suite("Command line: --hash-password")
struct HashPasswordTests {
    static let passwords = [
        "secret", "p@ss w0rd!", "dollar$sign'quote\"", "ünïcødé-密码", String(repeating: "x", count: 200),
    ]

    /// Recomputes the hash with openssl and the salt taken from the hash, and checks it matches.
    func verify(_ hash: String, password: String) throws {
        #expect(hash.hasPrefix("$6$"))
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        try #require(parts.count == 4, "\(hash)")
        let salt = String(parts[2])
        #expect(!salt.isEmpty && salt.count <= 16)
        #expect(parts[3].count == 86)
        let openssl = try runProcess(
            "/usr/bin/openssl",
            ["passwd", "-6", "-salt", salt, "-stdin"],
            stdin: Data((password + "\n").utf8)
        )
        #expect(openssl.status == 0, "\(openssl.stderr)")
        #expect(openssl.stdout.trimmingCharacters(in: .newlines) == hash)
    }

    @Test(arguments: passwords)
    func hashesTheArgument(password: String) throws {
        let result = try runCLI(["--hash-password", password])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 1)
        try verify(String(lines[0]), password: password)
        #expect(!result.stderr.contains(password))
    }

    @Test("A password given as an argument is hashed with a warning on stderr naming the safe forms")
    func warnsAboutTheArgument() throws {
        let result = try runCLI(["--hash-password", "secret"])
        #expect(result.status == 0, "\(result.stderr)")
        try verify(result.stdout.trimmingCharacters(in: .newlines), password: "secret")
        #expect(result.stderr.hasPrefix("warning: A password on the command line is visible to every user"))
        #expect(result.stderr.contains("`ps`") && result.stderr.contains("shell history"))
        #expect(result.stderr.contains("`dcos_generate_config --hash-password` with no value to be prompted"))
        #expect(result.stderr.contains("printf '%s\\n' \"$PW\" | dcos_generate_config --hash-password"))
        #expect(!result.stderr.contains("secret"))
        let json = try runCLI(["--hash-password", "secret", "--json"])
        #expect(json.stdout.hasPrefix("{\"hash\":"), "stdout stays the result alone: \(json.stdout)")
        #expect(json.stderr.hasPrefix("warning: "))
    }

    @Test("No warning when the password comes from stdin")
    func noWarningFromStdin() throws {
        let result = try runCLI(["--hash-password"], stdin: Data("secret\n".utf8))
        #expect(result.status == 0)
        #expect(!result.stderr.contains("warning"))
    }

    @Test(arguments: passwords)
    func readsOneLineFromStdinWhenNotATerminal(password: String) throws {
        let result = try runCLI(["--hash-password"], stdin: Data((password + "\nsecond-line\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 1)
        try verify(String(lines[0]), password: password)
        #expect(!result.stderr.contains(password))
    }

    @Test func twoRunsUseDifferentSalts() throws {
        let first = try runCLI(["--hash-password", "same"])
        let second = try runCLI(["--hash-password", "same"])
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdout != second.stdout)
    }

    @Test(arguments: ["", "\n"])
    func emptyInputFails(input: String) throws {
        let result = try runCLI(["--hash-password"], stdin: Data(input.utf8))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error"))
    }
}

@Suite("Command line: --hash-password on a terminal")
struct HashPasswordTerminalTests {
    /// Runs the binary on a pseudo-terminal (`script`), types the password after the prompt, and checks
    /// that the prompt appeared, the password was not echoed, and the hash verifies.
    @Test func promptsWithoutEcho() throws {
        let password = "TtyPass-123"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "'\(Repo.binary)' --hash-password", "/dev/null"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Password:") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        input.fileHandleForWriting.write(Data((password + "\n").utf8))
        try input.fileHandleForWriting.close()
        seen.append(output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        let text = String(decoding: seen, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Password:"))
        #expect(!text.contains(password), "the password was echoed: \(text)")
        let hash = try #require(
            text.split(whereSeparator: \.isNewline).map(String.init).first { $0.hasPrefix("$6$") }
        )
        try HashPasswordTests().verify(hash, password: password)
    }
}
