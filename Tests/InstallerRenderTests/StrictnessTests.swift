import Foundation
import InstallerRender
import Testing

/// The renderer and checker refuse a broken release with the file, the line and what to change.
@Suite("Strict templates and manifest")
struct StrictnessTests {
    static let manifest = """
        release: {name: test, version: "1.0"}
        files:
          - {path: /etc/test.conf, template: test.conf, mode: "0644", roles: [all]}
        units: []
        packages: []

        """

    static let values: [String: TemplateValue] = [
        "name": .string("cluster"),
        "flag": .bool(false),
        "servers": .list([
            .object(["id": .string("1"), "ip": .string("10.0.0.1")]),
            .object(["id": .string("2"), "ip": .string("10.0.0.2")]),
        ]),
        "words": .list([.string("a"), .string("b")]),
        "empty": .list([]),
    ]

    func errors(template: String, values: [String: TemplateValue] = Self.values) throws -> [RenderError] {
        let release = try fixtureRelease(manifest: Self.manifest, templates: ["test.conf": template])
        return renderErrors { () throws(RenderErrors) in
            _ = try TemplateRenderer(directory: release.path).render(values: values)
        }
    }

    func manifestErrors(_ manifest: String, templates: [String: String] = ["test.conf": "x\n"]) throws -> [RenderError]
    {
        let release = try fixtureRelease(manifest: manifest, templates: templates)
        return renderErrors { () throws(RenderErrors) in
            _ = try TemplateRenderer(directory: release.path)
        }
    }

    @Test("A good template renders for every role, without HTML escaping")
    func rendersPlainText() throws {
        let release = try fixtureRelease(
            manifest: Self.manifest,
            templates: [
                "test.conf":
                    "name={{name}} <&>\n{{#servers}}server.{{id}}={{ip}}\n{{/servers}}{{#words}}{{.}}{{^last()}},{{/last()}}{{/words}}\n{{#empty}}{{anything}}{{/empty}}"
            ]
        )
        let renderings = try TemplateRenderer(directory: release.path).render(
            values: Self.values.merging(["name": .string("a&b")]) { _, new in new }
        )
        for role in Role.allCases {
            let file = try #require(renderings[role]?.files.first)
            #expect(file.path == "/etc/test.conf")
            #expect(file.mode == 0o644)
            #expect(
                String(decoding: file.contents, as: UTF8.self)
                    == "name=a&b <&>\nserver.1=10.0.0.1\nserver.2=10.0.0.2\na,b\n"
            )
        }
    }

    @Test("An undefined name in a branch not taken fails with file and line")
    func undefinedNameInRareBranch() throws {
        let errors = try errors(template: "first\nsecond\n{{#flag}}\n  value={{no_such_key}}\n{{/flag}}\n")
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.file == "templates/test.conf")
        #expect(error.line == 4)
        #expect(error.message.contains("'no_such_key'"))
        #expect(error.description.hasPrefix("templates/test.conf:4: error: "))
    }

    @Test("An undefined name inside a list item fails")
    func undefinedItemName() throws {
        let errors = try errors(template: "{{#servers}}\n{{id}} {{port}}\n{{/servers}}\n")
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.contains("'port'") == true)
    }

    @Test("A section over text fails")
    func sectionOverText() throws {
        let errors = try errors(template: "a\n{{#name}}x{{/name}}\n")
        #expect(errors.map(\.line) == [2])
        #expect(errors.first?.message.contains("over text") == true)
    }

    @Test("A list used as text fails")
    func listAsText() throws {
        let errors = try errors(template: "{{words}}\n")
        #expect(errors.map(\.line) == [1])
        #expect(errors.first?.message.contains("words_json") == true)
    }

    @Test("An unclosed section fails with the line it was opened on")
    func unclosedSection() throws {
        let errors = try errors(template: "a\nb\n{{#flag}}\nc\n")
        let error = try #require(errors.first)
        #expect(error.file == "templates/test.conf")
        #expect(error.line == 3)
        #expect(error.message.contains("never closed"))
    }

    @Test("Sections closed out of order fail")
    func misnestedSections() throws {
        let errors = try errors(template: "{{#flag}}\n{{#servers}}\n{{/flag}}\n{{/servers}}\n")
        #expect(errors.first?.line == 3)
        #expect(errors.first?.message.contains("close sections in order") == true)
    }

    @Test("Partials are not supported")
    func partialRejected() throws {
        let errors = try errors(template: "{{> other}}\n")
        #expect(errors.first?.line == 1)
        #expect(errors.first?.message.contains("not supported") == true)
    }

    @Test("A manifest key written twice fails at the second one, naming the first")
    func repeatedManifestKey() throws {
        let errors = try manifestErrors(
            Self.manifest.replacingOccurrences(of: "units: []", with: "units: []\nunits: []")
        )
        #expect(errors.map(\.line) == [5])
        #expect(errors.first?.message == "The key 'units' is written more than once in this mapping (first at line 4).")
    }

    @Test("Invalid manifest YAML is libyaml's error with the line and a caret")
    func invalidManifestYAML() throws {
        let errors = try manifestErrors(Self.manifest + "packages: [\n")
        #expect(
            errors.map(\.message) == [
                "Invalid YAML: 7:1: error: parser: while parsing a flow node in line 7, column 1\n"
                    + "did not find expected node content:\n\n^"
            ]
        )
        #expect(errors.first?.file == "templates/manifest.yaml")
    }

    @Test("An unknown manifest key fails with its line")
    func unknownManifestKey() throws {
        let errors = try manifestErrors(
            """
            release: {name: test, version: "1.0"}
            files:
              - path: /etc/test.conf
                template: test.conf
                mode: "0644"
                owner: root
                roles: [all]
            units: []
            packages: []

            """
        )
        #expect(errors.count == 1)
        #expect(errors.first?.file == "templates/manifest.yaml")
        #expect(errors.first?.line == 6)
        #expect(errors.first?.message.contains("Unknown key 'owner'") == true)
    }

    @Test(
        "Bad role specs fail with their line and say what is allowed",
        arguments: [
            ("  master:\n    ports:\n      - {port: 70000, service: web}\n", 9, "must be a number from 1 to 65535"),
            ("  master:\n    commands: [\"rm -rf\"]\n", 8, "must be a command name or absolute path"),
            ("  master:\n    state: [var/lib/x]\n", 8, "must be an absolute path"),
            ("  all:\n    stopped_units: [\"nginx.service; reboot\"]\n", 8, "must be a systemd unit name"),
            ("  master:\n    prerequisites: {yum: [zookeeper]}\n", 8, "Unknown key 'yum'"),
            ("  all:\n    minimum: {cpus: 1}\n", 8, "Unknown key 'minimum'"),
            ("  master:\n    minimum: {cpus: two}\n", 8, "must be a whole number"),
            ("  agent:\n    commands: [curl]\n", 7, "Unknown key 'agent'"),
            (
                "  all:\n    ports: [{port: 80, service: web}]\n  master:\n    ports: [{port: 80, service: ar}]\n", 10,
                "the port '80' is listed twice"
            ),
        ]
    )
    func badRoleSpec(section: String, line: Int, message: String) throws {
        let errors = try manifestErrors(Self.manifest + "roles:\n" + section)
        #expect(errors.map(\.line) == [line], "\(errors)")
        #expect(errors.first?.message.contains(message) == true, "\(errors)")
    }

    @Test("Role specs merge `all` in front of each role and feed the node installer")
    func roleSpecsMerge() throws {
        let release = try fixtureRelease(
            manifest: Self.manifest + """
                roles:
                  all:
                    commands: [curl]
                    prerequisites: {apt: [curl]}
                    stopped_units: [nginx.service]
                  slave:
                    commands: [/usr/bin/java]
                    prerequisites: {apt: [default-jre-headless], dnf: [java-17-openjdk-headless]}
                    ports: [{port: 5051, service: mesos-agent}]
                    minimum: {cpus: 1, memory_mb: 512, disk_mb: 2048}
                    stopped_units: [zookeeper@1.service]

                """,
            templates: ["test.conf": "x\n"]
        )
        let manifest = try ReleaseManifest.load(directory: release.path)
        let slave = try #require(manifest.roles[.slave])
        #expect(slave.commands == ["curl", "/usr/bin/java"])
        #expect(slave.prerequisites == ["apt": ["curl", "default-jre-headless"], "dnf": ["java-17-openjdk-headless"]])
        #expect(slave.ports == [.init(port: 5051, service: "mesos-agent")])
        #expect(slave.minimum == .init(cpus: 1, memoryMB: 512, diskMB: 2048))
        #expect(slave.stoppedUnits == ["nginx.service", "zookeeper@1.service"])
        #expect(manifest.roles[.master]?.stoppedUnits == ["nginx.service"])
        #expect(manifest.roles[.master]?.commands == ["curl"])
        #expect(manifest.roles[.master]?.ports == [])
    }

    @Test("A bad mode fails with its line")
    func badMode() throws {
        let errors = try manifestErrors(Self.manifest.replacingOccurrences(of: "\"0644\"", with: "\"0999\""))
        #expect(errors.map(\.line) == [3])
        #expect(errors.first?.message.contains("'0999'") == true)
    }

    @Test("A bad role fails with its line")
    func badRole() throws {
        let errors = try manifestErrors(Self.manifest.replacingOccurrences(of: "[all]", with: "[master, agent_public]"))
        #expect(errors.map(\.line) == [3])
        #expect(errors.first?.message.contains("Unknown role 'agent_public'") == true)
    }

    @Test("A missing template fails naming the manifest line")
    func missingTemplate() throws {
        let errors = try manifestErrors(Self.manifest, templates: [:])
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.file == "templates/manifest.yaml")
        #expect(error.line == 3)
        #expect(error.message.contains("test.conf"))
        #expect(error.message.contains("does not exist"))
    }

    @Test("A destination listed twice fails with both lines")
    func duplicateDestination() throws {
        let errors = try manifestErrors(
            """
            release: {name: test, version: "1.0"}
            files:
              - {path: /etc/test.conf, template: test.conf, mode: "0644", roles: [master]}
              - {path: /etc/test.conf, template: test.conf, mode: "0600", roles: [slave]}
            units: []
            packages: []

            """
        )
        #expect(errors.map(\.line) == [4])
        #expect(errors.first?.message.contains("listed twice (first at line 3)") == true)
    }

    @Test("A unit name without a unit suffix fails")
    func badUnitName() throws {
        let errors = try manifestErrors(
            Self.manifest.replacingOccurrences(
                of: "units: []",
                with: "units:\n  - {name: dcos-thing, template: test.conf, roles: [all]}"
            )
        )
        #expect(errors.map(\.line) == [5])
        #expect(errors.first?.message.contains("must end in .service") == true)
    }
}
