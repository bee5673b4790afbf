import FoundationEssentials

/// One file of a role bundle: where it goes on the node, its mode and its bytes.
public struct RenderedFile: Sendable, Hashable {
    public var path: String
    public var mode: UInt16
    public var contents: [UInt8]
    /// Rendered from a secret value: it travels in the role's secrets archive, never in a public file.
    public var isSecret: Bool

    public init(path: String, mode: UInt16, contents: [UInt8], isSecret: Bool = false) {
        self.path = path
        self.mode = mode
        self.contents = contents
        self.isSecret = isSecret
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
    let templates: [String: Template]
    public let directory: String

    /// Loads the manifest and compiles every template it names; all problems are reported together.
    public init(directory: String) throws(RenderErrors) {
        let manifest = try ReleaseManifest.load(directory: directory)
        var templates: [String: Template] = [:]
        var sources: [String: String] = [:]
        var errors: [RenderError] = []
        let names = Set(manifest.files.map(\.template) + manifest.units.map(\.template)).sorted()
        var contexts: [String: TemplateContext] = [:]
        for unit in manifest.units { contexts[unit.template] = .unit }
        for file in manifest.files {
            if let other = contexts[file.template], other != file.context {
                errors.append(
                    RenderError(
                        file: "templates/manifest.yaml",
                        line: file.line,
                        "The template '\(file.template)' is used as \(other.rawValue) and as \(file.context.rawValue); a template has one context. Give the files the same context or separate templates."
                    )
                )
            }
            contexts[file.template] = file.context
        }
        for name in names {
            let display = "templates/\(name)"
            if name.hasPrefix("/") || name.split(separator: "/").contains("..") {
                errors.append(
                    RenderError(
                        file: "templates/manifest.yaml",
                        "The template path '\(name)' must be relative to templates/ without '..'."
                    )
                )
                continue
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                let line =
                    (manifest.files.map { ($0.template, $0.line) } + manifest.units.map { ($0.template, $0.line) })
                    .first { $0.0 == name }?.1
                errors.append(
                    RenderError(
                        file: "templates/manifest.yaml",
                        line: line,
                        "The template '\(name)' does not exist (\(display))."
                    )
                )
                continue
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                errors.append(RenderError(file: display, "The template is not UTF-8 text."))
                continue
            }
            do {
                templates[name] = try Template(file: display, text: text, context: contexts[name] ?? .text)
                sources[name] = text
            } catch {
                errors += error.errors
            }
        }
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        self.manifest = manifest
        self.templates = templates
        self.releaseText = sources.keys.sorted().reduce(manifest.text) { $0 + "\u{0}" + $1 + "\u{0}" + sources[$1]! }
        self.directory = directory
    }

    /// The digest input for the release: manifest text and every template text, in a stable order.
    public let releaseText: String

    /// Loads, checks and renders one template that is not part of the node files (the node installer, a
    /// shell script unless `context` says otherwise).
    public func renderTemplate(
        at relativePath: String,
        values: [String: TemplateValue],
        context: TemplateContext = .shell
    ) throws(RenderErrors) -> String {
        let display = "templates/\(relativePath)"
        guard let data = FileManager.default.contents(atPath: directory + "/" + relativePath),
            let text = String(validating: data, as: UTF8.self)
        else {
            throw RenderErrors(errors: [RenderError(file: display, "The template is missing or not UTF-8 text.")])
        }
        let template = try Template(file: display, text: text, context: context)
        let problems = TemplateChecker(root: values).check(template)
        guard problems.isEmpty else { throw RenderErrors(errors: problems) }
        return try template.render(values)
    }

    /// Checks every template against `values` (all branches), then renders each role. A file whose template uses
    /// any of `secretNames` is marked secret; a secret file must have mode 0600 (checked here, with the manifest line).
    public func render(
        values: [String: TemplateValue],
        secretNames: Set<String> = []
    ) throws(RenderErrors) -> [Role: RoleRendering] {
        var errors: [RenderError] = []
        let checker = TemplateChecker(root: values)
        for name in templates.keys.sorted() {
            errors += checker.check(templates[name]!)
        }
        let secretTemplates = Set(templates.filter { !$0.value.names.isDisjoint(with: secretNames) }.keys)
        for unit in manifest.units where secretTemplates.contains(unit.template) {
            errors.append(
                RenderError(
                    file: "templates/manifest.yaml",
                    line: unit.line,
                    "The unit \(unit.name) is rendered from a secret value; units are world-readable. Move the secret into a 0600 file the unit reads."
                )
            )
        }
        for file in manifest.files where secretTemplates.contains(file.template) && file.mode & 0o077 != 0 {
            errors.append(
                RenderError(
                    file: "templates/manifest.yaml",
                    line: file.line,
                    "\(file.path) is rendered from a secret value, so its mode must be 0600 (it is \(String(file.mode, radix: 8)))."
                )
            )
        }
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        var rendered: [String: [UInt8]] = [:]
        for name in templates.keys.sorted() {
            do {
                rendered[name] = Array(try templates[name]!.render(values).utf8)
            } catch {
                errors += error.errors
            }
        }
        guard errors.isEmpty else { throw RenderErrors(errors: errors) }
        var result: [Role: RoleRendering] = [:]
        for role in Role.allCases {
            var files = manifest.files.filter { $0.roles.contains(role) }.map {
                RenderedFile(
                    path: $0.path,
                    mode: $0.mode,
                    contents: rendered[$0.template]!,
                    isSecret: secretTemplates.contains($0.template)
                )
            }
            let units = manifest.units.filter { $0.roles.contains(role) }
            files += units.map {
                RenderedFile(path: "/etc/systemd/system/\($0.name)", mode: 0o644, contents: rendered[$0.template]!)
            }
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
