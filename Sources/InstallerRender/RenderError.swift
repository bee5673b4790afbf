/// A problem with the release in templates/: names the file and line, and what to change.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): error: \(message)"
    }
}

/// Several release problems, all reported together.
public struct RenderErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [RenderError]

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
