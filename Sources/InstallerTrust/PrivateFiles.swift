import InstallerSystem

/// Files that hold secrets on the bootstrap node (keys, secrets archives) must be readable by their owner only.
public enum PrivateFiles {
    /// Refuses `path` when group or others have any access to it (or it is a symbolic link), with the fix.
    /// A missing path is not an error here; callers that need the file check that themselves.
    public static func check(_ path: String) throws(TrustError) {
        guard let status = FileReader.permissions(path) else { return }
        if status.isLink {
            throw TrustError(
                "\(path) is a symbolic link; secret files must be regular files in place. Replace the link with the file (mode 0600)."
            )
        }
        guard status.mode & 0o077 != 0 else { return }
        let fix = status.isDirectory ? "chmod 700" : "chmod 600"
        throw TrustError(
            "\(path) is \(status.isDirectory ? "a directory " : "")readable by other users (mode \(octal(status.mode))), and it holds secrets: run `\(fix) \(path)`, then start again."
        )
    }

    /// `check` on a directory and on every entry directly in it.
    public static func checkTree(_ directory: String) throws(TrustError) {
        try check(directory)
        for name in entries(of: directory) { try check(directory + "/" + name) }
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The names in a directory (no `.` and `..`), sorted; empty when it cannot be read.
    public static func entries(of directory: String) -> [String] {
        #if canImport(Glibc)
            guard let handle = opendir(directory) else { return [] }
            defer { closedir(handle) }
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            return names.sorted()
        #else
            return []
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#endif
