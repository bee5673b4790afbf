/// The `Content-Type` of a served file, from its name.
enum ContentType {
    static func forFileName(_ name: String) -> String {
        let lower = name.lowercased()
        for (suffix, type) in Self.table where lower.hasSuffix(suffix) {
            return type
        }
        return "application/octet-stream"
    }

    /// Longest suffixes first, so `.tar.gz` wins over `.gz`.
    private static let table: [(String, String)] = [
        (".tar.gz", "application/gzip"),
        (".tar.xz", "application/x-xz"),
        (".tgz", "application/gzip"),
        (".gz", "application/gzip"),
        (".xz", "application/x-xz"),
        (".tar", "application/x-tar"),
        (".sh", "text/x-shellscript"),
        (".json", "application/json"),
        (".deb", "application/vnd.debian.binary-package"),
        (".rpm", "application/x-rpm"),
        (".txt", "text/plain; charset=utf-8"),
        (".yaml", "application/yaml"),
        (".yml", "application/yaml"),
        (".html", "text/html; charset=utf-8"),
        (".asc", "text/plain; charset=utf-8"),
        (".sha256", "text/plain; charset=utf-8"),
    ]
}
