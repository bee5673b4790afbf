import Foundation
import InstallerTestSupport
import Testing

@Suite("Command line: broken input files")
struct ErrorPathTests {
    enum Input: String, CaseIterable {
        case missing, empty, whitespace, binary, topLevelList, topLevelScalar, unclosedQuote
    }

    func prepare(_ input: Input, in workspace: Workspace) throws {
        switch input {
        case .missing: try FileManager.default.removeItem(atPath: workspace.config)
        case .empty: try workspace.writeConfig("")
        case .whitespace: try workspace.writeConfig("\n   \n# only a comment\n")
        case .binary:
            var bytes: [UInt8] = []
            var state: UInt32 = 12345
            for _ in 0..<4096 {
                state = state &* 1_103_515_245 &+ 12345
                bytes.append(UInt8(truncatingIfNeeded: state >> 16))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: workspace.config))
        case .topLevelList: try workspace.writeConfig("- cluster_name: a\n- bootstrap_url: b\n")
        case .topLevelScalar: try workspace.writeConfig("just some text\n")
        case .unclosedQuote: try workspace.writeConfig("cluster_name: \"unterminated\nbootstrap_url: x\n")
        }
    }

    @Test(arguments: Input.allCases, [["--genconf"], ["--validate-config"], ["--validate-config", "--json"], []])
    func failsCleanly(input: Input, mode: [String]) throws {
        let workspace = try Workspace()
        try prepare(input, in: workspace)
        let result = try runCLI(mode + ["--genconf-dir", workspace.genconf])
        #expect(result.status == 1, "\(input) \(mode): \(result.combined)")
        if !mode.contains("--json") { #expect(result.stderr.contains("error")) }
        for crash in ["Fatal error", "backtrace", "Stack dump", "Segmentation", "Illegal instruction"] {
            #expect(!result.combined.contains(crash), "\(input) \(mode)")
        }
        if mode.contains("--json") {
            let object = try jsonObject(result.stdout)
            #expect(object["valid"] as? Bool == false)
            #expect((object["errors"] as? [Any])?.isEmpty == false)
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.serve))
    }

    @Test func missingConfigNamesThePath() throws {
        let workspace = try Workspace()
        try FileManager.default.removeItem(atPath: workspace.config)
        let result = try runCLI(["--genconf-dir", workspace.genconf])
        #expect(result.status == 1)
        #expect(result.stderr.contains("config.yaml"))
        #expect(
            result.stderr.lowercased().contains("no config file") || result.stderr.lowercased().contains("not found")
        )
    }

    @Test func missingGenconfDirectoryFails() throws {
        let workspace = try Workspace(example: false)
        let result = try runCLI(["--genconf-dir", workspace.root + "/does-not-exist"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("config.yaml"))
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/does-not-exist"))
    }

    /// The snippet under a top-level-list error shows the file's first line. Today it shows an empty
    /// line, because the CLI takes the snippet text from the parsed document, which does not exist when
    /// the top level is not a mapping (Sources/dcos_generate_config/Modes/DiagnosticsOutput.swift).
    @Test func topLevelListSnippetShowsTheLine() throws {
        let workspace = try Workspace()
        try workspace.writeConfig("- cluster_name: a\n- bootstrap_url: b\n")
        let result = try runCLI(["--validate-config"], directory: workspace.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("genconf/config.yaml:1:1: error:"))
        #expect(result.stderr.contains("1 | - cluster_name: a"))
    }
}
