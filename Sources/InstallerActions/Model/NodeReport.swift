import InstallerConfig

/// The one-line JSON object `dcos_install.sh --json` prints on stdout:
/// `{"host", "role", "action", "result", "config_id"?, "message"?, "checks": [{"name", "severity", "status", "detail"}]}`.
public struct NodeReport: Sendable, Hashable {
    public var action: String
    public var result: String
    public var configID: String?
    public var message: String
    public var checks: [NodeCheck]

    /// The most of a node's stdout read for its report (what the driver captures of it is bounded too).
    public static let maximumStdoutBytes = 1 << 20
    /// What a report line may hold. It comes from a remote host, so it is untrusted: dcos_install.sh writes
    /// one object with a list of flat check objects.
    public static let parseLimits = JSONValue.ParseLimits(
        maximumBytes: 256 << 10,
        maximumDepth: 8,
        maximumStringBytes: 64 << 10,
        maximumItems: 1_000
    )

    /// The last line of `stdout` that is a JSON object (human log lines go to stderr, but a stray line
    /// on stdout must not hide the report); nil when there is none or it lacks `action` and `result`. Only
    /// the last `maximumStdoutBytes` are looked at, and a line beyond `parseLimits` is not a report.
    public static func parse(_ stdout: String) -> NodeReport? {
        let tail =
            stdout.utf8.count > maximumStdoutBytes
            ? String(decoding: stdout.utf8.suffix(maximumStdoutBytes), as: UTF8.self) : stdout
        for line in tail.split(whereSeparator: \.isNewline).reversed() {
            let trimmed = line.trimmed
            guard trimmed.hasPrefix("{"), let value = JSONValue.parse(trimmed, limits: parseLimits),
                let object = value.objectValue
            else {
                continue
            }
            guard let action = object["action"]?.stringValue, let result = object["result"]?.stringValue else {
                return nil
            }
            let checks: [NodeCheck] = (object["checks"]?.arrayValue ?? []).compactMap { entry in
                guard let name = entry["name"]?.stringValue else { return nil }
                return NodeCheck(
                    name: name,
                    severity: NodeCheck.Severity(rawValue: entry["severity"]?.stringValue ?? "") ?? .error,
                    status: NodeCheck.Status(rawValue: entry["status"]?.stringValue ?? "") ?? .fail,
                    detail: entry["detail"]?.stringValue ?? ""
                )
            }
            return NodeReport(
                action: action,
                result: result,
                configID: object["config_id"]?.stringValue,
                message: object["message"]?.stringValue ?? "",
                checks: checks
            )
        }
        return nil
    }

    /// `name (detail); name (detail)` of the failed error checks, for messages.
    public var failedErrorSummary: String {
        checks.filter(\.isFailedError).map { $0.detail.isEmpty ? $0.name : "\($0.name) (\($0.detail))" }
            .joined(separator: "; ")
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" || first == "\n" {
            slice = slice.dropFirst()
        }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" || last == "\n" {
            slice = slice.dropLast()
        }
        return String(slice)
    }
}
