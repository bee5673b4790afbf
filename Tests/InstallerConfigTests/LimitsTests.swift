import Foundation
import Testing

@testable import InstallerConfig

/// Hostile config files: each limit of `ConfigLimits` gives its one diagnostic, and the reader returns
/// (these tests finishing at all is the point: before the limits, several of them hung or ran out of memory).
@Suite("Input limits of config.yaml")
struct LimitsTests {
    /// The only diagnostic of parsing `text`, which must fail.
    static func refusal(_ text: String) throws -> Diagnostic {
        let (document, problems) = ConfigDocument.parse(text: text, path: "genconf/config.yaml")
        #expect(document == nil)
        #expect(problems.count == 1, "\(problems)")
        return try #require(problems.first)
    }

    @Test("a flow nesting bomb is refused, not parsed", arguments: [66, 1_001, 100_000])
    func flowNestingBomb(depth: Int) throws {
        let text =
            "cluster_name: a\ndcos_overlay_network: " + String(repeating: "[", count: depth)
            + String(repeating: "]", count: depth) + "\n"
        let error = try Self.refusal(text)
        #expect(error.message.contains("nested more than 64 levels deep"))
        #expect(error.key == "dcos_overlay_network")
        // At the 65th level, or where libyaml's own bound of 1,000 levels stopped its look-ahead.
        #expect(error.location?.line == 2)
        if depth < 1_000 { #expect(error.location?.column == 22 + ConfigLimits.maximumDepth) }
    }

    @Test("block mappings nested more than 64 levels deep are refused")
    func blockNesting() throws {
        var text = ""
        for level in 0..<80 { text += String(repeating: "  ", count: level) + "k:\n" }
        let error = try Self.refusal(text + String(repeating: "  ", count: 80) + "v\n")
        #expect(error.message.contains("nested more than 64 levels deep"))
        #expect(error.location?.line == ConfigLimits.maximumDepth + 1)
    }

    @Test("64 levels are still accepted by the reader")
    func depthAtTheLimit() {
        let depth = ConfigLimits.maximumDepth
        let text =
            "custom_checks: " + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        let (document, problems) = ConfigDocument.parse(text: text, path: "genconf/config.yaml")
        #expect(document != nil, "\(problems)")
    }

    /// Ten levels of ten aliases each: 10^10 nodes once expanded.
    static let billionLaughs: String = {
        var text = "cluster_name: lol\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            text +=
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        return text
    }()

    @Test("billion laughs: aliases are refused at the first one, never expanded")
    func billionLaughs() throws {
        let error = try Self.refusal(Self.billionLaughs)
        #expect(error.message.contains("YAML aliases (*l0) are not supported"))
        #expect(error.key == "l1")
        #expect(error.location == SourceLocation(line: 3, column: 10))
    }

    @Test("billion laughs as a mapping key (which Yams would hash in full) is refused too")
    func billionLaughsKey() throws {
        let error = try Self.refusal(Self.billionLaughs + "k: {*l9: 1}\n")
        #expect(error.message.contains("YAML aliases (*l0)"))
        let keyOnly = try Self.refusal("k: &k {a: 1}\nm: {*k : 1}\n")
        #expect(keyOnly.message.contains("YAML aliases (*k)"))
        #expect(keyOnly.location?.line == 2)
    }

    @Test("an anchor nobody refers to is harmless and accepted")
    func anchorAlone() {
        let (document, problems) = ConfigDocument.parse(text: "cluster_name: &name a\n", path: "config.yaml")
        #expect(document != nil, "\(problems)")
    }

    @Test("a value over 1 MiB is refused with its size and the limit")
    func hugeScalar() throws {
        let length = ConfigLimits.maximumScalarBytes + 1
        let error = try Self.refusal(
            "cluster_name: a\nui_banner_header_content: " + String(repeating: "x", count: length)
        )
        #expect(error.message.contains("This value is \(length) bytes long"))
        #expect(error.message.contains("longer than 1 MiB (1,048,576 bytes)"))
        #expect(error.key == "ui_banner_header_content")
        #expect(error.location == SourceLocation(line: 2, column: 27))
        // Quoted, with escapes: the length counted is the value's.
        let quoted = try Self.refusal("a: \"" + String(repeating: "\\t", count: length) + "\"")
        #expect(quoted.message.contains("This value is \(length) bytes long"))
    }

    @Test("a limit inside a secret's value points at the key, whose line is masked, not at the secret")
    func limitInsideSecret() throws {
        let secret = String(repeating: "s", count: ConfigLimits.maximumScalarBytes + 1)
        let text = "cluster_docker_credentials:\n  auths:\n    registry: \(secret)\n"
        let error = try Self.refusal(text)
        #expect(error.key == "cluster_docker_credentials")
        #expect(error.location?.line == 1)
        let shown = DiagnosticFormatter(path: "config.yaml", text: text).format(error)
        #expect(!shown.contains("sss"))
    }

    @Test("a list of more than 100,000 items is refused at the list")
    func tooManyItems() throws {
        let text =
            "cluster_name: a\nagent_list: ["
            + Array(repeating: "1", count: ConfigLimits.maximumCollectionItems + 1)
            .joined(separator: ",") + "]\n"
        let error = try Self.refusal(text)
        #expect(error.message.contains("This list has more than 100,000 items"))
        #expect(error.key == "agent_list")
        #expect(error.location == SourceLocation(line: 2, column: 13))
    }

    @Test("a mapping of more than 100,000 keys is refused")
    func tooManyKeys() throws {
        let text = (0...ConfigLimits.maximumCollectionItems).map { "k\($0): 1" }.joined(separator: "\n")
        let error = try Self.refusal(text)
        #expect(error.message.contains("This mapping has more than 100,000 keys"))
        #expect(error.key == nil)
        #expect(error.location == SourceLocation(line: 1, column: 1))
    }

    @Test("more than 1,000,000 values in the file are refused")
    func tooManyValues() throws {
        let list = "[" + Array(repeating: "1", count: ConfigLimits.maximumCollectionItems).joined(separator: ",") + "]"
        let text = (0...10).map { "k\($0): \(list)" }.joined(separator: "\n")
        let error = try Self.refusal(text)
        #expect(error.message.contains("more than 1,000,000 values"))
        #expect(error.key == "k9")
    }

    @Test("a text over 4 MiB is refused before it is parsed")
    func oversizedText() throws {
        let text = "cluster_name: a\n" + String(repeating: "# comment\n", count: ConfigLimits.maximumFileBytes / 10 + 1)
        let error = try Self.refusal(text)
        #expect(error.message.contains("larger than 4 MiB (4,194,304 bytes)"))
        #expect(error.location == nil)
        let (document, problems) = ConfigDocument.parse(data: Data(text.utf8), path: "config.yaml")
        #expect(document == nil)
        #expect(problems.first?.message.contains("larger than 4 MiB") == true)
    }

    @Test("an oversized file, and a device that never ends, are read only up to the limit")
    func oversizedFile() throws {
        try Fixture.withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("config.yaml").path
            try Data(repeating: UInt8(ascii: "#"), count: ConfigLimits.maximumFileBytes + 1).write(
                to: URL(fileURLWithPath: path)
            )
            for file in [path, "/dev/zero"] {
                let (document, problems) = ConfigDocument.load(path: file)
                #expect(document == nil)
                #expect(problems.first?.message.contains("larger than 4 MiB") == true, "\(problems)")
                #expect(problems.first?.message.contains(file) == true)
            }
            #expect(ConfigDocument.readSource(path: "/dev/zero") == nil)
        }
    }

    @Test("a directory as config.yaml is a diagnostic, not a crash")
    func directoryAsFile() throws {
        try Fixture.withTemporaryDirectory { directory in
            let (document, problems) = ConfigDocument.load(path: directory.path)
            #expect(document == nil)
            #expect(problems.first?.message.contains("Cannot read \(directory.path)") == true, "\(problems)")
        }
    }

    @Test("thousands of repeated keys are each reported, from one parse")
    func manyRepeatedKeys() throws {
        let text = Fixture.config("") + String(repeating: "cluster_name: again\n", count: 10_000)
        let (document, problems) = ConfigDocument.parse(text: text, path: "config.yaml")
        let parsed = try #require(document, "\(problems)")
        #expect(parsed.duplicateKeys.count == 10_000)
        #expect(parsed.duplicateKeys.last?.location.line == 10_006)
        #expect(parsed.duplicateKeys.allSatisfy { $0.name == "cluster_name" && $0.firstLocation.line == 1 })
    }

    @Test("repeated tagged keys are each reported at their own position too")
    func repeatedTaggedKeys() throws {
        let text = (0...25).map { "!!str k: \($0)" }.joined(separator: "\n")
        let (document, problems) = ConfigDocument.parse(text: text, path: "config.yaml")
        let parsed = try #require(document, "\(problems)")
        #expect(parsed.duplicateKeys.map(\.location.line) == Array(2...26))
        #expect(parsed.duplicateKeys.allSatisfy { $0.name == "k" && $0.firstLocation.line == 1 })
    }

    @Test("an ip-detect script that is a device, or too big, is refused, not read without end")
    func hugeIPDetect() throws {
        let outcome = try Fixture.check("ip_detect_filename: /dev/zero")
        let error = try #require(outcome.errors.first { $0.key == "ip_detect_filename" }, "\(outcome.summary)")
        #expect(error.message.contains("larger than 1 MiB (1,048,576 bytes)"))
        #expect(error.location?.line == 1)
        let big = try Fixture.check(
            "ip_detect_filename: genconf/big",
            files: ["genconf/big": "#!/bin/sh\n" + String(repeating: "#", count: ConfigLimits.maximumScriptBytes)]
        )
        #expect(big.errors.contains { $0.key == "ip_detect_filename" && $0.message.contains("larger than 1 MiB") })
    }

    @Test("a config value written as deeply nested JSON is refused by the JSON limits")
    func deepJSONValue() throws {
        let outcome = try Fixture.check(
            "dcos_overlay_network: '" + String(repeating: "[", count: 100_000) + "'"
        )
        let error = try #require(outcome.errors.first { $0.key == "dcos_overlay_network" }, "\(outcome.summary)")
        #expect(error.message.contains("nesting is too deep (more than 64 levels)"))
    }
}

@Suite("JSON parse limits")
struct JSONLimitsTests {
    static let small = JSONValue.ParseLimits(maximumBytes: 64, maximumDepth: 3, maximumStringBytes: 8, maximumItems: 4)

    static func failure(_ text: String) -> String {
        do {
            _ = try JSONParser.parse(text, limits: small)
            return ""
        } catch {
            return error.message
        }
    }

    @Test("each limit gives its own message")
    func eachLimit() {
        #expect(Self.failure("[[[1]]]") == "")
        #expect(Self.failure("[[[[1]]]]").hasPrefix("nesting is too deep (more than 3 levels)"))
        #expect(Self.failure("\"12345678\"") == "")
        #expect(Self.failure("\"123456789\"").hasPrefix("a string is longer than 8 bytes"))
        #expect(Self.failure("{\"123456789\": 1}").hasPrefix("a string is longer than 8 bytes"))
        #expect(Self.failure("[1,2,3,4]") == "")
        #expect(Self.failure("[1,2,3,4,5]").hasPrefix("a list or object has more than 4 items"))
        #expect(Self.failure("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}").hasPrefix("a list or object has more than 4"))
        #expect(Self.failure(String(repeating: " ", count: 65)).hasPrefix("the text is longer than 64 bytes"))
    }

    @Test("a deep JSON bomb returns quickly with an error, at the default limits too")
    func deepBomb() {
        let bomb = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(JSONValue.parse(bomb) == nil)
        #expect(JSONValue.parse(String(repeating: "{\"a\":", count: 100_000)) == nil)
    }
}
