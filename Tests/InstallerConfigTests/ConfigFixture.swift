import Foundation
import Testing

@testable import InstallerConfig

/// A config that must be rejected: the snippet (written first in the file, so `line` is the snippet's own
/// line number), the key the error must name, a fragment of the message and the line it must point at
/// (`nil`: the key is missing, so no position).
struct Reject: Sendable, CustomTestStringConvertible {
    var yaml: String
    var key: String
    var fragment: String
    var line: Int?
    var stage: ConfigStage = .genconf

    init(_ yaml: String, _ key: String, _ fragment: String, line: Int?, stage: ConfigStage = .genconf) {
        self.yaml = yaml
        self.key = key
        self.fragment = fragment
        self.line = line
        self.stage = stage
    }

    var testDescription: String { "\(key): \(yaml.replacingOccurrences(of: "\n", with: "⏎"))" }
}

/// A config snippet that must validate without errors.
struct Accept: Sendable, CustomTestStringConvertible {
    var yaml: String
    var stage: ConfigStage = .genconf

    init(_ yaml: String, stage: ConfigStage = .genconf) {
        self.yaml = yaml
        self.stage = stage
    }

    var testDescription: String { yaml.replacingOccurrences(of: "\n", with: "⏎") }
}

/// The outcome of parsing and validating one config text.
struct Outcome {
    var text: String
    var document: ConfigDocument?
    /// Parse problems, or the validator's diagnostics (sorted by position).
    var diagnostics: [Diagnostic]
    var result: ValidationResult?

    var errors: [Diagnostic] { diagnostics.errors }
    var warnings: [Diagnostic] { diagnostics.warnings }
    var config: ValidatedConfig? { result?.config }

    /// The formatter's output for every diagnostic, with secret lines masked as the CLI does.
    var formatted: String {
        let masked = document.map(ConfigValidator.secretLines(in:)) ?? []
        return DiagnosticFormatter(path: "genconf/config.yaml", text: text, maskedLines: masked).format(diagnostics)
    }

    var summary: String { diagnostics.map(\.description).joined(separator: "\n") }
}

enum Fixture {
    /// The smallest valid config: one static master, static Exhibitor. (key, lines)
    static let base: [(key: String, text: String)] = [
        ("cluster_name", "cluster_name: test-cluster"),
        ("bootstrap_url", "bootstrap_url: http://10.0.0.1:8080"),
        ("master_discovery", "master_discovery: static"),
        ("exhibitor_storage_backend", "exhibitor_storage_backend: static"),
        ("master_list", "master_list:\n- 10.0.0.2"),
    ]

    static let ipDetect = "#!/usr/bin/env bash\necho 10.0.0.2\n"

    /// The snippet first (so its line numbers are the file's), then the base lines whose keys the snippet
    /// does not set, minus `removing`.
    static func config(_ snippet: String, removing: Set<String> = []) -> String {
        let written = topLevelKeys(snippet)
        var lines: [String] = snippet.isEmpty ? [] : [snippet.hasSuffix("\n") ? String(snippet.dropLast()) : snippet]
        for entry in base where !written.contains(entry.key) && !removing.contains(entry.key) {
            lines.append(entry.text)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func topLevelKeys(_ yaml: String) -> Set<String> {
        var keys: Set<String> = []
        for line in yaml.split(separator: "\n") {
            guard let first = line.first, first != " ", first != "-", first != "#", let colon = line.firstIndex(of: ":")
            else { continue }
            keys.insert(String(line[..<colon]))
        }
        return keys
    }

    /// Validates `snippet` merged into the base config.
    static func check(
        _ snippet: String,
        removing: Set<String> = [],
        stage: ConfigStage = .genconf,
        files: [String: String] = [:]
    ) throws -> Outcome {
        try validate(text: config(snippet, removing: removing), stage: stage, files: files)
    }

    /// Validates `text` as a whole file, in a temporary directory holding genconf/ip-detect and
    /// genconf/ssh_key (plus `files`, relative to that directory). The directory is removed afterwards.
    static func validate(text: String, stage: ConfigStage = .genconf, files: [String: String] = [:]) throws -> Outcome {
        try withTemporaryDirectory { directory in
            var all = ["genconf/ip-detect": ipDetect, "genconf/ssh_key": "-----BEGIN OPENSSH PRIVATE KEY-----\n"]
            all.merge(files) { $1 }
            for (path, contents) in all {
                let url = directory.appendingPathComponent(path)
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                try Data(contents.utf8).write(to: url)
            }
            let (document, problems) = ConfigDocument.parse(text: text, path: "genconf/config.yaml")
            guard let document, !problems.hasErrors else {
                return Outcome(text: text, document: document, diagnostics: problems, result: nil)
            }
            let result = ConfigValidator(document: document, stage: stage, baseDirectory: directory.path).validate()
            return Outcome(text: text, document: document, diagnostics: result.diagnostics, result: result)
        }
    }

    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("InstallerConfigTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// Asserts that `row` is rejected with an error on its key, message and line.
    static func expectRejected(
        _ row: Reject,
        removing: Set<String> = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    )
        throws
    {
        let outcome = try check(row.yaml, removing: removing, stage: row.stage)
        #expect(outcome.config == nil, "accepted:\n\(outcome.text)", sourceLocation: sourceLocation)
        let match = outcome.errors.first { $0.key == row.key && $0.message.contains(row.fragment) }
        #expect(
            match != nil,
            "no error on \(row.key) containing '\(row.fragment)'; got:\n\(outcome.summary)",
            sourceLocation: sourceLocation
        )
        if let match {
            #expect(
                match.location?.line == row.line,
                "\(match) should be on line \(row.line.map(String.init) ?? "nil")",
                sourceLocation: sourceLocation
            )
        }
    }

    /// Asserts that `row` validates with no errors.
    static func expectAccepted(
        _ row: Accept,
        removing: Set<String> = [],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws
        -> Outcome
    {
        let outcome = try check(row.yaml, removing: removing, stage: row.stage)
        #expect(
            outcome.errors.isEmpty,
            "rejected:\n\(outcome.text)\n\(outcome.summary)",
            sourceLocation: sourceLocation
        )
        #expect(outcome.config != nil, sourceLocation: sourceLocation)
        return outcome
    }

    /// Derived values of a valid config.
    static func derived(
        _ snippet: String,
        stage: ConfigStage = .genconf,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    )
        throws -> [String: JSONValue]
    {
        let outcome = try check(snippet, stage: stage)
        let config = try #require(outcome.config, "rejected: \(outcome.summary)", sourceLocation: sourceLocation)
        return DerivedValues.compute(config)
    }
}

extension [String: JSONValue] {
    func text(_ key: String) -> String? { self[key]?.stringValue }
}
