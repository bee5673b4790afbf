import Foundation
import InstallerConfig
import InstallerTestSupport
import Testing

@testable import InstallerGenconf
@testable import InstallerRender

/// Renders the whole release and dcos_install.sh with hostile text in every string value (validation
/// bypassed: the values are built from DerivedValues as Genconf.run builds them, then every string is
/// replaced), and checks that no value changed what a file does: shell scripts pass `bash -n` and each
/// single-quoted word a value went into evaluates (in real bash) to the value; JSON files parse to the
/// values; environment and unit files parse (per systemd's rules) to the same settings with the values;
/// line-oriented files refuse a value with a newline, and nginx files any value nginx would read as
/// syntax.
@Suite("Hostile values cannot change what a generated file does")
struct HostileValuesTests {
    /// A value that needs no escaping anywhere: rendering with it shows where values land.
    static let marker = "@@V@@"
    static let pwned = FileManager.default.temporaryDirectory.appendingPathComponent(
        "dcos-hostile-\(UUID().uuidString)"
    ).path

    /// Quotes, command substitution, comment and statement characters, specifiers, backslashes, Mustache,
    /// leading and trailing spaces; with `newline`, also line breaks that would start a new assignment.
    static func hostile(newline: Bool) -> String {
        let text = " x'y\"z$(touch \(pwned))`touch \(pwned)`;#%n\\ {{a}} '\\'' ${HOME} $'\\n' "
        return newline ? text + "\nNEXT=1 # \u{2028}\r\n[Service]\nExecStart=/bin/touch \(pwned)\n" + text : text
    }

    // MARK: - Values

    /// The values of the shipped example, as Genconf.run builds them (plus the node installer's lists).
    static func values(renderer: TemplateRenderer) throws -> [String: TemplateValue] {
        let loaded = ConfigDocument.load(path: Repo.exampleGenconf + "/config.yaml")
        let document = try #require(loaded.document)
        let result = ConfigValidator(document: document, stage: .genconf, baseDirectory: Repo.root.path).validate()
        let config = try #require(result.config, "\(result.diagnostics)")
        var values = DerivedValues.compute(config).mapValues(TemplateValue.init)
        values["config_id"] = .string(String(repeating: "c", count: 64))
        values["release_name"] = .string(renderer.manifest.release.name)
        values["release_version"] = .string(renderer.manifest.release.version)
        values["roles"] = .list(
            Role.allCases.map {
                .object([
                    "role": .string($0.rawValue), "bundle": .string("bundles/\($0.rawValue).tar.gz"),
                    "sha256": .string(String(repeating: "ab", count: 32)), "size": .string("1234"),
                    "secrets": .string("secrets/\($0.rawValue)--0011.tar.gz"),
                    "secrets_sha256": .string(String(repeating: "cd", count: 32)), "secrets_size": .string("512"),
                ])
            }
        )
        values["manifest_public_key"] = .string(
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"
        )
        values["bootstrap_ca"] = .string("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        values["packages"] = .list([
            .object([
                "name": .string("mesos"), "file": .string("packages/mesos--1.tar.gz"),
                "sha256": .string(String(repeating: "ab", count: 32)), "size": .string("99"),
                "roles_list": .string("master slave"),
            ])
        ])
        values["role_specs"] = renderer.manifest.installScriptRoleValue
        return values
    }

    /// Every text replaced by `text`; installer-encoded JSON replaced by a JSON document holding it.
    static func replacingText(_ value: TemplateValue, name: String?, with text: String) -> TemplateValue {
        switch value {
        case .string:
            if let name, TemplateContext.isEncodedJSON(name) {
                return .string(
                    JSONValue.object(["value": .string(text), "list": .array([.string(text)])]).encoded(pretty: true)
                )
            }
            return .string(text)
        case .bool:
            return value
        case .list(let items):
            return .list(items.map { replacingText($0, name: nil, with: text) })
        case .object(let members):
            var result: [String: TemplateValue] = [:]
            for (key, member) in members { result[key] = replacingText(member, name: key, with: text) }
            return .object(result)
        }
    }

    static func replacing(_ values: [String: TemplateValue], with text: String) -> [String: TemplateValue] {
        var result: [String: TemplateValue] = [:]
        for (key, value) in values { result[key] = replacingText(value, name: key, with: text) }
        return result
    }

    // MARK: - Rendering

    struct Release {
        var renderer: TemplateRenderer
        /// Template name → context, the node installer included.
        var contexts: [String: TemplateContext]

        init() throws {
            renderer = try TemplateRenderer(directory: Repo.templates)
            var contexts: [String: TemplateContext] = [Genconf.installScriptTemplate: .shell]
            for file in renderer.manifest.files { contexts[file.template] = file.context }
            for unit in renderer.manifest.units { contexts[unit.template] = .unit }
            self.contexts = contexts
        }

        func render(_ name: String, _ values: [String: TemplateValue]) -> Result<String, RenderErrors> {
            do throws(RenderErrors) {
                if name == Genconf.installScriptTemplate {
                    return .success(try renderer.renderTemplate(at: name, values: values))
                }
                return .success(try renderer.templates[name]!.render(values))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test("Every file of the release and dcos_install.sh keeps hostile values inert", arguments: [false, true])
    func hostileValues(newline: Bool) throws {
        let release = try Release()
        let base = try Self.values(renderer: release.renderer)
        let hostile = Self.hostile(newline: newline)
        let benignValues = Self.replacing(base, with: Self.marker)
        let hostileValues = Self.replacing(base, with: hostile)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var checkedShell = 0
        var checkedValues = 0

        for (name, context) in release.contexts.sorted(by: { $0.key < $1.key }) {
            let benign = try release.render(name, benignValues).get()
            let outcome = release.render(name, hostileValues)
            let carriesValues = benign.contains(Self.marker)
            let expected = benign.replacingOccurrences(of: Self.marker, with: hostile)
            switch context {
            case .shell:
                let script = try #require(try? outcome.get(), "\(name): \(outcome)")
                let path = directory.path + "/" + name.replacingOccurrences(of: "/", with: "_")
                try Data(script.utf8).write(to: URL(fileURLWithPath: path))
                let syntax = try runProcess("/usr/bin/env", ["bash", "-n", path])
                #expect(syntax.status == 0, "\(name): bash -n: \(syntax.stderr)")
                checkedValues += try Self.expectShellWords(name, benign: benign, hostile: script, value: hostile)
                checkedShell += 1
            case .json:
                let text = try #require(try? outcome.get(), "\(name): \(outcome)")
                let parsedBenign = try Self.parseJSON(benign, name)
                let parsedHostile = try Self.parseJSON(text, name)
                let wanted = Self.replacingStrings(parsedBenign, with: hostile)
                #expect(try Self.canonical(wanted) == Self.canonical(parsedHostile), "\(name): \(text)")
                if carriesValues { checkedValues += 1 }
            case .env, .unit, .text, .nginx:
                guard carriesValues else {
                    #expect((try? outcome.get()) == benign, "\(name)")
                    continue
                }
                if newline || context == .nginx {
                    guard case .failure(let errors) = outcome else {
                        Issue.record("\(name): a value with \(newline ? "a newline" : "nginx syntax") was written")
                        continue
                    }
                    for error in errors.errors {
                        #expect(error.file == "templates/" + name && error.line != nil, "\(error)")
                        #expect(
                            error.message.contains(newline ? "a newline" : "nginx would read as syntax"),
                            "\(error)"
                        )
                    }
                    checkedValues += 1
                    continue
                }
                let text = try #require(try? outcome.get(), "\(name): \(outcome)")
                switch context {
                case .env:
                    let wanted = try Self.parseEnvironmentFile(benign, name).map {
                        ($0.key, $0.value.replacingOccurrences(of: Self.marker, with: hostile))
                    }
                    let parsed = try Self.parseEnvironmentFile(text, name)
                    #expect(parsed.map(\.key) == wanted.map(\.0), "\(name): \(text)")
                    #expect(parsed.map(\.value) == wanted.map(\.1), "\(name): \(text)")
                case .unit:
                    let wanted = try Self.parseUnit(benign, name).map {
                        ($0.key, $0.value.replacingOccurrences(of: Self.marker, with: hostile))
                    }
                    let parsed = try Self.parseUnit(text, name)
                    #expect(parsed.map(\.key) == wanted.map(\.0), "\(name): \(text)")
                    #expect(parsed.map(\.value) == wanted.map(\.1), "\(name): \(text)")
                default:
                    #expect(text == expected, "\(name)")
                }
                checkedValues += 1
            case .script:
                #expect((try? outcome.get()) == expected, "\(name)")
                #expect(expected == hostile)
            }
        }
        #expect(checkedShell >= 6, "the node installer and the scripts under bin/ and profile.d")
        #expect(checkedValues > 20)

        // The whole release: only the nginx files refuse (plain hostile text), or every line-oriented file
        // (with a newline); nothing is written.
        do {
            _ = try release.renderer.render(values: hostileValues)
            Issue.record("The release rendered with hostile values")
        } catch {
            let refusing = Set(error.errors.map(\.file))
            let lineOriented = Set(
                release.contexts.filter { [.env, .unit, .text, .nginx].contains($0.value) }.map {
                    "templates/" + $0.key
                }
            )
            let nginx = Set(release.contexts.filter { $0.value == .nginx }.map { "templates/" + $0.key })
            #expect(refusing.isSubset(of: newline ? lineOriented : nginx), "\(refusing)")
            #expect(nginx.isSubset(of: refusing))
        }
        #expect(!FileManager.default.fileExists(atPath: Self.pwned), "a value ran a command")
    }

    // MARK: - Shell

    /// Compares the single-quoted words values went into (assignments `NAME='…'`, `NAME['…']='…'` and
    /// `printf '%s\n' '…'`), evaluated by bash, with the benign rendering's words holding `value`.
    /// Returns how many words held a value.
    static func expectShellWords(_ name: String, benign: String, hostile: String, value: String) throws -> Int {
        let benignWords = quotedWords(benign)
        let hostileWords = quotedWords(hostile)
        let markers = benignWords.reduce(0) { $0 + $1.components(separatedBy: marker).count - 1 }
        #expect(
            markers == benign.components(separatedBy: marker).count - 1,
            "\(name): a value outside the words this test reads back"
        )
        #expect(benignWords.count == hostileWords.count, "\(name): the values changed the script's assignments")
        guard benignWords.count == hostileWords.count else { return 0 }
        let wanted = try evaluate(benignWords).map { $0.replacingOccurrences(of: marker, with: value) }
        let got = try evaluate(hostileWords)
        #expect(got == wanted, "\(name)")
        return benignWords.filter { $0.contains(marker) }.count
    }

    /// Each word's value in bash (`__v=WORD`), in order.
    static func evaluate(_ words: [String]) throws -> [String] {
        let script = words.map { "__v=\($0)\nprintf '%s\\0' \"$__v\"\n" }.joined()
        let result = try runProcess("/usr/bin/env", ["bash", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        var values = result.stdout.components(separatedBy: "\0")
        values.removeLast()
        return values
    }

    static func quotedWords(_ script: String) -> [String] {
        let bytes = Array(script.utf8)
        let quote = UInt8(ascii: "'")
        func isName(_ byte: UInt8, first: Bool) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_") || (!first && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        /// The end of the word of single-quoted strings and \' starting at `start`.
        func wordEnd(_ start: Int) -> Int {
            var index = start
            while index < bytes.count {
                if bytes[index] == quote {
                    index += 1
                    while index < bytes.count && bytes[index] != quote { index += 1 }
                    index += 1
                } else if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                } else {
                    break
                }
            }
            return min(index, bytes.count)
        }
        func text(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }
        let printf = Array("printf '%s\\n' '".utf8)
        var words: [String] = []
        var index = 0
        while index < bytes.count {
            let wordStart = index == 0 || " \t\n;".utf8.contains(bytes[index - 1])
            if wordStart, isName(bytes[index], first: true) {
                var end = index
                while end < bytes.count && isName(bytes[end], first: false) { end += 1 }
                if end + 1 < bytes.count, bytes[end] == UInt8(ascii: "["), bytes[end + 1] == quote {
                    let subscriptEnd = wordEnd(end + 1)
                    if subscriptEnd + 2 < bytes.count, bytes[subscriptEnd] == UInt8(ascii: "]"),
                        bytes[subscriptEnd + 1] == UInt8(ascii: "="), bytes[subscriptEnd + 2] == quote
                    {
                        let valueEnd = wordEnd(subscriptEnd + 2)
                        words += [text(end + 1, subscriptEnd), text(subscriptEnd + 2, valueEnd)]
                        index = valueEnd
                        continue
                    }
                } else if end + 1 < bytes.count, bytes[end] == UInt8(ascii: "="), bytes[end + 1] == quote {
                    let valueEnd = wordEnd(end + 1)
                    words.append(text(end + 1, valueEnd))
                    index = valueEnd
                    continue
                }
            }
            // An array item on a line of its own: `    '…'`.
            if bytes[index] == quote {
                var lineStart = index
                while lineStart > 0 && (bytes[lineStart - 1] == UInt8(ascii: " ")) { lineStart -= 1 }
                if lineStart == 0 || bytes[lineStart - 1] == UInt8(ascii: "\n") {
                    let end = wordEnd(index)
                    words.append(text(index, end))
                    index = end
                    continue
                }
            }
            if bytes[index...].starts(with: printf) {
                let start = index + printf.count - 1
                let end = wordEnd(start)
                words.append(text(start, end))
                index = end
                continue
            }
            index += 1
        }
        return words
    }

    // MARK: - JSON

    static func parseJSON(_ text: String, _ name: String) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            Issue.record("\(name) is not JSON: \(error)\n\(text)")
            throw error
        }
    }

    static func canonical(_ json: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    static func replacingStrings(_ json: Any, with value: String) -> Any {
        switch json {
        case let text as String: return text.replacingOccurrences(of: marker, with: value)
        case let items as [Any]: return items.map { replacingStrings($0, with: value) }
        case let members as [String: Any]: return members.mapValues { replacingStrings($0, with: value) }
        default: return json
        }
    }

    // MARK: - systemd

    struct Unparsable: Error, CustomStringConvertible {
        var description: String
    }

    /// An EnvironmentFile read the way systemd's env-file parser reads it (src/basic/env-file.c).
    static func parseEnvironmentFile(_ text: String, _ name: String) throws -> [(key: String, value: String)] {
        enum State {
            case preKey, key, preValue, value, valueEscape, single, double, doubleEscape, comment, commentEscape
        }
        var state = State.preKey
        var key = ""
        var value = ""
        var trailingWhitespace: String.Index?
        var result: [(key: String, value: String)] = []
        func push() {
            if let trailingWhitespace { value = String(value[..<trailingWhitespace]) }
            result.append((key.trimmingCharacters(in: .whitespaces), value))
            key = ""
            value = ""
            trailingWhitespace = nil
        }
        for character in text + "\n" {
            let newline = character == "\n" || character == "\r"
            let whitespace = character == " " || character == "\t"
            switch state {
            case .preKey:
                if character == "#" || character == ";" {
                    state = .comment
                } else if !whitespace && !newline {
                    state = .key
                    key.append(character)
                }
            case .key:
                if newline {
                    throw Unparsable(description: "\(name): a line without '=': \(key)")
                } else if character == "=" {
                    state = .preValue
                } else {
                    key.append(character)
                }
            case .preValue:
                if newline {
                    push()
                    state = .preKey
                } else if character == "'" {
                    state = .single
                } else if character == "\"" {
                    state = .double
                } else if character == "\\" {
                    state = .valueEscape
                } else if !whitespace {
                    state = .value
                    value.append(character)
                }
            case .value:
                if newline {
                    push()
                    state = .preKey
                } else if character == "\\" {
                    state = .valueEscape
                    trailingWhitespace = nil
                } else {
                    if !whitespace {
                        trailingWhitespace = nil
                    } else if trailingWhitespace == nil {
                        trailingWhitespace = value.endIndex
                    }
                    value.append(character)
                }
            case .valueEscape:
                state = .value
                if !newline { value.append(character) }
            case .single:
                if character == "'" { state = .preValue } else { value.append(character) }
            case .double:
                if character == "\"" {
                    state = .preValue
                } else if character == "\\" {
                    state = .doubleEscape
                } else {
                    value.append(character)
                }
            case .doubleEscape:
                state = .double
                if "\"\\`$".contains(character) {
                    value.append(character)
                } else if !newline {
                    value += "\\" + String(character)
                }
            case .comment:
                if character == "\\" {
                    state = .commentEscape
                } else if newline {
                    state = .preKey
                }
            case .commentEscape:
                // systemd before v254 continued the comment on the next line; a value must never end in
                // an unescaped backslash here.
                if newline { throw Unparsable(description: "\(name): a comment line ends in a backslash") }
                state = .comment
            }
        }
        return result
    }

    /// A unit file's settings as systemd reads them: Key=Value lines (trimmed), sections and comments
    /// skipped, no continuation lines allowed, `%%` read as `%` (any other specifier is an error).
    static func parseUnit(_ text: String, _ name: String) throws -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") || trimmed.hasPrefix("[") {
                continue
            }
            if trimmed.hasSuffix("\\") { throw Unparsable(description: "\(name): a continued line: \(line)") }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw Unparsable(description: "\(name): a line without '=': \(line)")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = ""
            var percent = false
            for character in trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces) {
                if percent {
                    guard character == "%" else {
                        throw Unparsable(description: "\(name): the specifier %\(character) in \(key)")
                    }
                    value.append("%")
                    percent = false
                } else if character == "%" {
                    percent = true
                } else {
                    value.append(character)
                }
            }
            result.append((key, value))
        }
        return result
    }
}
