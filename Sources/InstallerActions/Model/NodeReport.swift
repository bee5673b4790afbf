import InstallerConfig

/// The one-line JSON object `dcos_install.sh --json` prints on stdout:
/// `{"host", "role", "action", "result", "config_id"?, "message"?, "checks": [{"name", "severity", "status", "detail"}]}`.
public struct NodeReport: Sendable, Hashable {
    public var action: String
    public var result: String
    public var configID: String?
    public var message: String
    public var checks: [NodeCheck]

    /// The last line of `stdout` that is a JSON object (human log lines go to stderr, but a stray line
    /// on stdout must not hide the report); nil when there is none or it lacks `action` and `result`.
    public static func parse(_ stdout: String) -> NodeReport? {
        for line in stdout.split(whereSeparator: \.isNewline).reversed() {
            let trimmed = line.trimmed
            guard trimmed.hasPrefix("{"), let value = JSONValue.parse(trimmed), let object = value.objectValue else {
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
