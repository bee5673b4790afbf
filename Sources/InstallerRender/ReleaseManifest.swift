import FoundationEssentials
import InstallerConfig

/// `templates/manifest.yaml`: what the release puts on each node.
public struct ReleaseManifest: Sendable {
    public struct Release: Sendable, Hashable {
        public var name: String
        public var version: String

        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    /// A file a node receives.
    public struct File: Sendable {
        /// Absolute destination path on the node.
        public var path: String
        /// Template path, relative to templates/.
        public var template: String
        /// Permission bits (e.g. 0o644).
        public var mode: UInt16
        public var roles: Set<Role>
        /// The file's syntax, which decides how values are escaped in it.
        public var context: TemplateContext
        /// Line of the entry in manifest.yaml, for errors.
        public var line: Int? = nil
    }

    /// A systemd unit a node receives, installed under /etc/systemd/system and enabled.
    public struct Unit: Sendable {
        public var name: String
        public var template: String
        public var roles: Set<Role>
        /// Start the unit at install time (otherwise only enable it).
        public var start: Bool
        /// Line of the entry in manifest.yaml, for errors.
        public var line: Int? = nil
    }

    /// An optional software package (a tarball the operator drops in genconf/packages/).
    public struct Package: Sendable {
        public var name: String
        public var roles: Set<Role>
        public var required: Bool
    }

    public var release: Release
    public var files: [File]
    public var units: [Unit]
    public var packages: [Package]
    /// What each role needs and promises (`roles:`); every role is present, possibly empty.
    public var roles: [Role: RoleSpec]
    /// The manifest's own text, part of the configuration id.
    public var text: String

    /// Loads and checks `manifest.yaml` in `directory`: every problem at once, with its line.
    public static func load(directory: String) throws(RenderErrors) -> ReleaseManifest {
        let path = directory + "/manifest.yaml"
        let display = "templates/manifest.yaml"
        guard let data = FileManager.default.contents(atPath: path), let text = String(validating: data, as: UTF8.self)
        else {
            throw RenderErrors(errors: [
                RenderError(
                    file: path,
                    "The release manifest is missing or unreadable. The templates directory must contain manifest.yaml (use --templates-dir to point at the release)."
                )
            ])
        }
        let node: YAMLNode?
        do {
            // Every scalar stays the text written (the parser below reads numbers and booleans itself).
            node = try YAMLComposer.compose(text)
        } catch {
            throw RenderErrors(errors: [RenderError(file: display, "Invalid YAML: \(error.report(in: text))")])
        }
        var parser = ManifestParser(file: display)
        guard let manifest = parser.parse(node, text: text), parser.errors.isEmpty else {
            throw RenderErrors(errors: parser.errors)
        }
        return manifest
    }
}

struct ManifestParser {
    let file: String
    var errors: [RenderError] = []

    mutating func fail(_ node: YAMLNode?, _ message: String) {
        errors.append(RenderError(file: file, line: node?.mark.line, message))
    }

    mutating func parse(_ node: YAMLNode?, text: String) -> ReleaseManifest? {
        guard let root = node?.mapping else {
            fail(node, "The manifest must be a mapping with release, files, units, roles and packages.")
            return nil
        }
        checkKeys(root, allowed: ["release", "files", "units", "roles", "packages"])
        let releaseNode = root["release"]?.mapping
        if releaseNode == nil {
            fail(root["release"] ?? node, "The manifest needs a `release:` mapping with name and version.")
        }
        let release = ReleaseManifest.Release(
            name: string(releaseNode?["name"], "release.name") ?? "",
            version: string(releaseNode?["version"], "release.version") ?? ""
        )
        var files: [ReleaseManifest.File] = []
        var destinations: [String: Int] = [:]
        for item in root["files"]?.sequence ?? [] {
            guard let entry = item.mapping else {
                fail(item, "Each entry of files must be a mapping with path, template, mode and roles.")
                continue
            }
            checkKeys(entry, allowed: ["path", "template", "mode", "roles", "context"])
            guard let path = string(entry["path"], "path"), let template = string(entry["template"], "template") else {
                continue
            }
            if !path.hasPrefix("/") || path.hasSuffix("/") || path.split(separator: "/").contains("..") {
                fail(entry["path"], "The destination '\(path)' must be an absolute file path without '..'.")
            }
            if let line = destinations[path] {
                fail(entry["path"], "The destination '\(path)' is listed twice (first at line \(line)).")
            }
            destinations[path] = entry["path"]?.mark.line ?? 0
            let modeText = entry["mode"]?.scalar?.string ?? "0644"
            guard let mode = UInt16(modeText, radix: 8), mode <= 0o7777 else {
                fail(entry["mode"], "The mode '\(modeText)' must be octal permission bits like \"0644\" or \"0755\".")
                continue
            }
            var context = TemplateContext.defaultContext(path: path, mode: mode)
            if let node = entry["context"] {
                let name = node.scalar?.string ?? ""
                guard let named = TemplateContext(rawValue: name), named != .unit else {
                    let choices = TemplateContext.allCases.filter { $0 != .unit }.map(\.rawValue)
                    fail(node, "Unknown context '\(name)'. Use one of \(choices.joined(separator: ", ")).")
                    continue
                }
                context = named
            }
            files.append(
                .init(
                    path: path,
                    template: template,
                    mode: mode,
                    roles: roles(entry["roles"]),
                    context: context,
                    line: entry["template"]?.mark.line
                )
            )
        }
        var units: [ReleaseManifest.Unit] = []
        for item in root["units"]?.sequence ?? [] {
            guard let entry = item.mapping else {
                fail(item, "Each entry of units must be a mapping with name, template and roles.")
                continue
            }
            checkKeys(entry, allowed: ["name", "template", "roles", "start"])
            guard let name = string(entry["name"], "name"), let template = string(entry["template"], "template") else {
                continue
            }
            if !(name.hasSuffix(".service") || name.hasSuffix(".timer") || name.hasSuffix(".target"))
                || name.contains("/")
            {
                fail(
                    entry["name"],
                    "The unit name '\(name)' must end in .service, .timer or .target and contain no '/'."
                )
            }
            let start = entry["start"]?.scalar?.string ?? "true"
            units.append(
                .init(
                    name: name,
                    template: template,
                    roles: roles(entry["roles"]),
                    start: start == "true",
                    line: entry["template"]?.mark.line
                )
            )
        }
        var packages: [ReleaseManifest.Package] = []
        for item in root["packages"]?.sequence ?? [] {
            guard let entry = item.mapping else {
                fail(item, "Each entry of packages must be a mapping with name, roles and required.")
                continue
            }
            checkKeys(entry, allowed: ["name", "roles", "required"])
            guard let name = string(entry["name"], "name") else { continue }
            if name.isEmpty || name.contains("/") || name.contains("--") {
                fail(entry["name"], "The package name '\(name)' must be a plain name without '/' or '--'.")
            }
            let required = entry["required"]?.scalar?.string ?? "false"
            packages.append(.init(name: name, roles: roles(entry["roles"]), required: required == "true"))
        }
        let roles = roleSpecs(root["roles"])
        return ReleaseManifest(
            release: release,
            files: files,
            units: units,
            packages: packages,
            roles: roles,
            text: text
        )
    }

    /// Every key is one of `allowed`, written once.
    mutating func checkKeys(_ mapping: [YAMLNode.Pair], allowed: [String]) {
        var firstLines: [String: Int] = [:]
        for key in mapping.map(\.key) {
            guard let name = key.string, allowed.contains(name) else {
                fail(key, "Unknown key '\(key.string ?? "?")'. Allowed here: \(allowed.joined(separator: ", ")).")
                continue
            }
            if let first = firstLines[name] {
                fail(key, "The key '\(name)' is written more than once in this mapping (first at line \(first)).")
            } else {
                firstLines[name] = key.mark.line
            }
        }
    }

    mutating func string(_ node: YAMLNode?, _ what: String) -> String? {
        guard let text = node?.scalar?.string, !text.isEmpty else {
            fail(node, "`\(what)` is required and must be text.")
            return nil
        }
        return text
    }

    mutating func roles(_ node: YAMLNode?) -> Set<Role> {
        guard let items = node?.sequence else {
            fail(node, "`roles` must be a list of all, master, slave, slave_public.")
            return []
        }
        var roles: Set<Role> = []
        for item in items {
            let name = item.string ?? ""
            if name == "all" {
                roles.formUnion(Role.allCases)
            } else if let role = Role(rawValue: name) {
                roles.insert(role)
            } else {
                fail(item, "Unknown role '\(name)'. Use all, master, slave or slave_public.")
            }
        }
        return roles
    }
}
