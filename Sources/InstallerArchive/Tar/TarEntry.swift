/// One member to put in a tar archive: a relative path, what it is, and its permission bits.
///
/// Paths are validated when the entry is made, so a `TarEntry` always holds a path that is safe to
/// extract: relative, `/`-separated, with no empty, `.` or `..` component and no NUL byte.
public struct TarEntry: Sendable, Hashable {
    /// What a member is.
    public enum Kind: Sendable, Hashable {
        /// A regular file with these contents.
        case file([UInt8])
        /// A directory.
        case directory
        /// A symbolic link to `target`, stored verbatim (it may be relative or absolute).
        case symlink(target: String)
    }

    /// The default mode of regular files, `0o644`.
    public static let defaultFileMode: UInt32 = 0o644
    /// The default mode of directories, including those added automatically as parents, `0o755`.
    public static let defaultDirectoryMode: UInt32 = 0o755
    /// The mode of symbolic links, `0o777`.
    public static let defaultSymlinkMode: UInt32 = 0o777

    /// The path inside the archive, relative and `/`-separated, without a trailing `/`.
    public let path: String
    /// What the member is.
    public let kind: Kind
    /// The permission bits (at most `0o7777`), written to the archive as given.
    public let mode: UInt32

    /// Makes an entry after validating its path, mode and link target.
    ///
    /// - Parameters:
    ///   - path: A relative `/`-separated path such as `etc/mesos-master`.
    ///   - kind: What the member is.
    ///   - mode: Permission bits; `nil` picks the default for the kind (`0o644` files, `0o755`
    ///     directories, `0o777` symbolic links).
    /// - Throws: ``ArchiveError`` with code `invalidPath`, `invalidMode` or `invalidLinkTarget`.
    public init(path: String, kind: Kind, mode: UInt32? = nil) throws(ArchiveError) {
        try Self.validate(path: path)
        if case .symlink(let target) = kind {
            try Self.validate(linkTarget: target, path: path)
        }
        let mode = mode ?? Self.defaultMode(of: kind)
        guard mode & ~0o7777 == 0 else {
            throw ArchiveError(
                .invalidMode,
                path: path,
                "Cannot add '\(path)' to the archive: mode 0o\(String(mode, radix: 8)) has bits outside the "
                    + "permission bits 0o7777; pass only permission bits such as 0o644 or 0o755."
            )
        }
        self.path = path
        self.kind = kind
        self.mode = mode
    }

    /// A regular file; the default mode is `0o644`.
    public static func file(_ path: String, contents: [UInt8], mode: UInt32 = defaultFileMode) throws(ArchiveError)
        -> TarEntry
    {
        try TarEntry(path: path, kind: .file(contents), mode: mode)
    }

    /// A directory; the default mode is `0o755`.
    public static func directory(_ path: String, mode: UInt32 = defaultDirectoryMode) throws(ArchiveError) -> TarEntry {
        try TarEntry(path: path, kind: .directory, mode: mode)
    }

    /// A symbolic link with mode `0o777`.
    public static func symlink(_ path: String, target: String) throws(ArchiveError) -> TarEntry {
        try TarEntry(path: path, kind: .symlink(target: target), mode: defaultSymlinkMode)
    }

    static func defaultMode(of kind: Kind) -> UInt32 {
        switch kind {
        case .file: defaultFileMode
        case .directory: defaultDirectoryMode
        case .symlink: defaultSymlinkMode
        }
    }

    // MARK: - Validation

    private static func validate(path: String) throws(ArchiveError) {
        func invalid(_ reason: String) -> ArchiveError {
            ArchiveError(
                .invalidPath,
                path: path,
                "Cannot add '\(path)' to the archive: \(reason); use a relative path such as 'etc/config.yaml' "
                    + "with no empty, '.' or '..' components."
            )
        }
        let bytes = path.utf8
        guard !bytes.isEmpty else { throw invalid("the path is empty") }
        guard !bytes.contains(0) else { throw invalid("the path contains a NUL byte") }
        guard bytes.first != UInt8(ascii: "/") else { throw invalid("the path is absolute") }
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty {
                throw invalid("the path has an empty component (a doubled or trailing '/')")
            }
            if component.elementsEqual(".".utf8) {
                throw invalid("the path has a '.' component")
            }
            if component.elementsEqual("..".utf8) {
                throw invalid("the path has a '..' component, which could escape the extraction directory")
            }
        }
    }

    private static func validate(linkTarget target: String, path: String) throws(ArchiveError) {
        let reason: String
        if target.utf8.isEmpty {
            reason = "the link target is empty"
        } else if target.utf8.contains(0) {
            reason = "the link target contains a NUL byte"
        } else {
            return
        }
        throw ArchiveError(
            .invalidLinkTarget,
            path: path,
            "Cannot add symbolic link '\(path)' to the archive: \(reason); give a non-empty target without NUL bytes."
        )
    }
}
