import Foundation
import InstallerRender
import Testing

/// Each template's context (manifest.yaml `context:`) decides how values are escaped; a variable that
/// stands where its context cannot make it safe is refused with the file and line.
@Suite("Template contexts")
struct ContextTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var context: String
        var template: String
        var line: Int
        var fragment: String

        var testDescription: String { "\(context): \(template.replacingOccurrences(of: "\n", with: "⏎"))" }
    }

    static func manifest(context: String, path: String = "/etc/test.conf") -> String {
        """
        release: {name: test, version: "1.0"}
        files:
          - {path: \(path), template: test.conf, mode: "0644", roles: [all], context: \(context)}
        units: []
        packages: []

        """
    }

    static let values: [String: TemplateValue] = [
        "name": .string("it's \"x\" $(y) % \\"), "flag": .bool(true), "list_json": .string("[\"a\"]"),
        "number": .string("3"),
    ]

    static let refused: [Row] = [
        Row(context: "shell", template: "#!/bin/sh\nX={{name}}\n", line: 2, fragment: "is not quoted"),
        Row(context: "shell", template: "X=\"{{name}}\"\n", line: 1, fragment: "inside a double-quoted string"),
        Row(context: "shell", template: "\n\n# about {{name}}\n", line: 3, fragment: "in a comment"),
        Row(context: "shell", template: "cat << 'EOF'\n{{name}}\nEOF\n", line: 2, fragment: "inside a heredoc"),
        Row(context: "shell", template: "cat <<-EOF\n\t{{name}}\n\tEOF\n", line: 2, fragment: "inside a heredoc"),
        Row(context: "shell", template: "X=$'{{name}}'\n", line: 1, fragment: "inside a $'...' string"),
        Row(context: "shell", template: "X='a\n{{name}}'\n", line: 2, fragment: "starts on an earlier line"),
        Row(context: "shell", template: "X='{{name}}\n'\n", line: 1, fragment: "must close on the same line"),
        Row(context: "shell", template: "X=\"$(echo '{{name}}\")\"\n", line: 1, fragment: "never closed"),
        Row(context: "shell", template: "X=\"$(f \"a\")\" {{name}}\n", line: 1, fragment: "is not quoted"),
        Row(context: "shell", template: "X='{{{name}}}'\n", line: 1, fragment: "unescaped into a shell file"),
        Row(context: "env", template: "# c\n{{name}}=1\n", line: 2, fragment: "after KEY="),
        Row(context: "json", template: "{\"a\": \"{{{list_json}}}\"}\n", line: 1, fragment: "inside a JSON string"),
        Row(context: "json", template: "{\"a\": {{{name}}}}\n", line: 1, fragment: "unescaped into a json file"),
        Row(context: "text", template: "a\n{{{name}}}\n", line: 2, fragment: "unescaped into a text file"),
        Row(context: "script", template: "#!/bin/sh\n{{name}}", line: 1, fragment: "exactly one variable"),
    ]

    @Test("A variable where its context cannot make it safe is refused with its line", arguments: refused)
    func refusedPlacement(_ row: Row) throws {
        let release = try fixtureRelease(
            manifest: Self.manifest(context: row.context),
            templates: ["test.conf": row.template]
        )
        let errors = renderErrors { () throws(RenderErrors) in _ = try TemplateRenderer(directory: release.path) }
        let error = try #require(errors.first, "no error")
        #expect(error.file == "templates/test.conf")
        #expect(error.line == row.line, "\(error)")
        #expect(error.message.contains(row.fragment), "\(error)")
    }

    @Test("Units take values only in Description=, not at the end of a line")
    func unitPlacement() throws {
        let manifest = """
            release: {name: test, version: "1.0"}
            files: []
            units:
              - {name: test.service, template: test.service, roles: [all]}
            packages: []

            """
        for (template, line, fragment) in [
            ("[Unit]\nDescription=x {{name}}\n", 2, "end of a line"),
            ("[Service]\nExecStart=/bin/echo {{name}} x\n", 2, "only appear in Description="),
        ] {
            let release = try fixtureRelease(manifest: manifest, templates: ["test.service": template])
            let errors = renderErrors { () throws(RenderErrors) in _ = try TemplateRenderer(directory: release.path) }
            #expect(errors.map(\.line) == [line], "\(errors)")
            #expect(errors.first?.message.contains(fragment) == true, "\(errors)")
        }
    }

    static let rendered: [(context: String, template: String, output: String)] = [
        ("shell", "X='{{name}}' # it's\n", "X='it'\\''s \"x\" $(y) % \\' # it's\n"),
        (
            "shell", "cat << 'EOF'\nit's $(x) \"\nEOF\nY=\"$(f 'a' \"b\")\" Z='{{name}}'\n",
            "cat << 'EOF'\nit's $(x) \"\nEOF\nY=\"$(f 'a' \"b\")\" Z='it'\\''s \"x\" $(y) % \\'\n"
        ),
        (
            "json",
            "{\"a\": \"{{name}}\", \"b\": {{name}}, \"n\": {{number}}, \"f\": {{flag}}, \"l\": {{{list_json}}}}",
            "{\"a\": \"it's \\\"x\\\" $(y) % \\\\\", \"b\": \"it's \\\"x\\\" $(y) % \\\\\", \"n\": 3, \"f\": true, \"l\": [\"a\"]}"
        ),
        ("env", "# {{name}}\nA={{name}}\n", "# it\\'s \\\"x\\\" $(y) % \\\\\nA=it\\'s \\\"x\\\" $(y) % \\\\\n"),
        ("text", "a {{name}} b\n", "a it's \"x\" $(y) % \\ b\n"),
    ]

    @Test("Values are escaped for the context", arguments: 0..<rendered.count)
    func escaping(_ index: Int) throws {
        let row = Self.rendered[index]
        let release = try fixtureRelease(
            manifest: Self.manifest(context: row.context),
            templates: ["test.conf": row.template]
        )
        let renderings = try TemplateRenderer(directory: release.path).render(values: Self.values)
        let file = try #require(renderings[.master]?.files.first)
        #expect(String(decoding: file.contents, as: UTF8.self) == row.output)
    }

    @Test("A newline is refused in line-oriented files, with the line and the value's name")
    func newlineRefused() throws {
        for context in ["env", "text", "nginx"] {
            let release = try fixtureRelease(
                manifest: Self.manifest(context: context),
                templates: ["test.conf": "a\nB={{name}}\n"]
            )
            let errors = renderErrors { () throws(RenderErrors) in
                _ = try TemplateRenderer(directory: release.path).render(values: ["name": .string("x\nC=1")])
            }
            #expect(errors.map(\.line) == [2], "\(context): \(errors)")
            #expect(errors.first?.message.contains("'name' contains a newline") == true, "\(errors)")
        }
    }

    @Test("nginx files refuse characters nginx reads as syntax")
    func nginxRefused() throws {
        let release = try fixtureRelease(
            manifest: Self.manifest(context: "nginx"),
            templates: ["test.conf": "server_name {{name}};\n"]
        )
        let errors = renderErrors { () throws(RenderErrors) in
            _ = try TemplateRenderer(directory: release.path).render(values: ["name": .string("a; include /x")])
        }
        #expect(errors.first?.description.hasPrefix("templates/test.conf:1: error: The value of 'name'") == true)
    }

    @Test("Without context:, executable files and .sh are shell, .json is json, others text")
    func defaultContext() throws {
        let manifest = """
            release: {name: test, version: "1.0"}
            files:
              - {path: /opt/bin/tool, template: test.conf, mode: "0755", roles: [all]}
            units: []
            packages: []

            """
        let release = try fixtureRelease(manifest: manifest, templates: ["test.conf": "X={{name}}\n"])
        let errors = renderErrors { () throws(RenderErrors) in _ = try TemplateRenderer(directory: release.path) }
        #expect(errors.first?.message.contains("is not quoted") == true, "\(errors)")
    }

    @Test("An unknown context is refused with its manifest line")
    func unknownContext() throws {
        let release = try fixtureRelease(manifest: Self.manifest(context: "yaml"), templates: ["test.conf": "x\n"])
        let errors = renderErrors { () throws(RenderErrors) in _ = try TemplateRenderer(directory: release.path) }
        #expect(errors.first?.line == 3, "\(errors)")
        #expect(errors.first?.message.contains("Unknown context 'yaml'") == true, "\(errors)")
    }
}
