import Foundation
import Mustache

/// One file of a role bundle: where it goes on the node, its mode and its bytes.
public struct RenderedFile: Sendable, Hashable {
    public var path: String
    public var mode: UInt16
    public var contents: [UInt8]

    public init(path: String, mode: UInt16, contents: [UInt8]) {
        self.path = path
        self.mode = mode
        self.contents = contents
    }
}

/// Everything one role receives.
public struct RoleRendering: Sendable {
    public var role: Role
    /// Sorted by path.
    public var files: [RenderedFile]
    /// Unit names in manifest order, with whether to start them at install time.
    public var units: [(name: String, start: Bool)]
    public var packages: [ReleaseManifest.Package]
}

/// Renders the release for each role. Strict: every name a template uses must be a value we provide.
public struct TemplateRenderer: Sendable {
    public let manifest: ReleaseManifest
    /// Template texts by relative path.
    let templates: [String: MustacheTemplate]
    let sources: [String: String]
    public let directory: String

    /// Loads the manifest and compiles every template it names; all problems are reported together.
    public init(directory: String) throws(RenderErrors) {
        let manifest = try ReleaseManifest.load(directory: directory)
        var templates: [String: MustacheTemplate] = [:]
        var sources: [String: String] = [:]
        var errors: [RenderError] = []
        let names = Set(manifest.files.map(\.template) + manifest.units.map(\.template)).sorted()
        for name in names {
            let display = "templates/\(name)"
            if name.hasPrefix("/") || name.split(separator: "/").contains("..") {
                errors.append(RenderError(file: "templates/manifest.yaml", "The template path '\(name)' must be relative to templates/ without '..'."))
                continue
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                errors.append(RenderError(file: display, "The template named in templates/manifest.yaml does not exist."))
                continue
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                errors.append(RenderError(file: display, "The template is not UTF-8 text."))
                continue
            }
            do {
                // Configuration files are plain text: no HTML escaping.
                templates[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
                sources[name] = text
            } catch {
                errors.append(RenderError(file: display, "Invalid Mustache template: \(error)."))
            }
        }
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        self.manifest = manifest
        self.templates = templates
        self.sources = sources
        self.directory = directory
    }

    /// The digest input for the release: manifest text and every template text, in a stable order.
    public var releaseText: String {
        var out = manifest.text
        for name in sources.keys.sorted() { out += "\u{0}" + name + "\u{0}" + sources[name]! }
        return out
    }

    /// Loads, checks and renders one template that is not part of the node files (the node installer).
    public func renderTemplate(at relativePath: String, values: [String: TemplateValue]) throws(RenderErrors) -> String {
        let display = "templates/\(relativePath)"
        guard let data = FileManager.default.contents(atPath: directory + "/" + relativePath),
            let text = String(validating: data, as: UTF8.self)
        else {
            throw RenderErrors(errors: [RenderError(file: display, "The template is missing or not UTF-8 text.")])
        }
        let problems = TemplateChecker(file: display, root: values).check(text)
        guard problems.isEmpty else { throw RenderErrors(errors: problems) }
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
        } catch {
            throw RenderErrors(errors: [RenderError(file: display, "Invalid Mustache template: \(error).")])
        }
        return template.render(values.mapValues(\.mustacheValue))
    }

    /// Checks every template against `values` (all branches), then renders each role.
    public func render(values: [String: TemplateValue]) throws(RenderErrors) -> [Role: RoleRendering] {
        var errors: [RenderError] = []
        for name in sources.keys.sorted() {
            errors += TemplateChecker(file: "templates/\(name)", root: values).check(sources[name]!)
        }
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        let context = values.mapValues(\.mustacheValue)
        var rendered: [String: [UInt8]] = [:]
        for (name, template) in templates {
            rendered[name] = Array(template.render(context).utf8)
        }
        var result: [Role: RoleRendering] = [:]
        for role in Role.allCases {
            var files = manifest.files.filter { $0.roles.contains(role) }.map {
                RenderedFile(path: $0.path, mode: $0.mode, contents: rendered[$0.template]!)
            }
            let units = manifest.units.filter { $0.roles.contains(role) }
            files += units.map { RenderedFile(path: "/etc/systemd/system/\($0.name)", mode: 0o644, contents: rendered[$0.template]!) }
            files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            result[role] = RoleRendering(
                role: role,
                files: files,
                units: units.map { ($0.name, $0.start) },
                packages: manifest.packages.filter { $0.roles.contains(role) }
            )
        }
        return result
    }
}
