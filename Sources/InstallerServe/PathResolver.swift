#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns a request target into a file opened inside the serve root, never outside it.
///
/// The target is split on `/` before percent-decoding, so an encoded slash cannot make a new segment, and it is
/// decoded once only. A literal `.` segment is dropped. Segments that are empty (`//`), `..` or an encoded
/// `.`, or that hold a slash, backslash, NUL or other
/// control byte after decoding, are rejected. The remaining segments are opened one at a time with `openat` and
/// `O_NOFOLLOW` from a descriptor of the root, so each request sees one tree even while genconf swaps `serve/`.
/// A symbolic link is followed only while it stays beneath the root: an absolute link, or a relative one whose
/// `..` climbs above the root, is refused.
struct PathResolver: Sendable {
    /// Why a request target was refused before touching the file system.
    enum Rejection: Error, Equatable {
        case notOriginForm
        case badEncoding
        case forbiddenSegment
    }

    /// The outcome of opening a request's file.
    enum Outcome {
        /// The file, opened read-only, with its root directory still open for the manifest lookup.
        case opened(OpenedFile)
        /// No regular file there, or a link out of the root: 404.
        case notFound(reason: String)
        /// `serve/` is missing or was replaced while resolving: try again shortly (genconf is swapping it).
        case rootUnavailable
    }

    let rootPath: String

    /// The decoded path segments of an origin-form (`/a/b`) or absolute-form (`http://host/a/b`) target.
    static func segments(ofTarget target: String) -> Result<[String], Rejection> {
        var path = Substring(target)
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            path = path[..<end]
        }
        if !path.hasPrefix("/") {
            // Absolute form: scheme://authority/path. Keep only the path.
            let lower = path.lowercased()
            let schemeLength = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
            guard schemeLength > 0 else { return .failure(.notOriginForm) }
            let afterScheme = path.dropFirst(schemeLength)
            guard let slash = afterScheme.firstIndex(of: "/") else { return .success([]) }
            path = afterScheme[slash...]
        }
        var result: [String] = []
        for raw in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            // A literal `.` names the directory it is in (RFC 3986 §5.2.4): dropped, as nginx does. apt asks
            // for `prereqs/apt/./Packages` from a flat repository. An encoded one (`%2e`) is still refused.
            if raw.elementsEqual(".".utf8) { continue }
            guard let decoded = Self.percentDecoded(raw) else { return .failure(.badEncoding) }
            if decoded.isEmpty {
                // A trailing slash names a directory (no listings: 404 later); `//` inside the path is refused.
                if raw.endIndex == path.utf8.endIndex { result.append("") } else { return .failure(.forbiddenSegment) }
                continue
            }
            if decoded == [UInt8(ascii: ".")] || decoded == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                return .failure(.forbiddenSegment)
            }
            let forbidden = decoded.contains { byte in
                byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\")
            }
            if forbidden { return .failure(.forbiddenSegment) }
            guard let name = String(validating: decoded, as: UTF8.self) else { return .failure(.badEncoding) }
            result.append(name)
        }
        return .success(result)
    }

    private static func percentDecoded(_ raw: Substring.UTF8View.SubSequence) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index != raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                let first = raw.index(after: index)
                guard first != raw.endIndex else { return nil }
                let second = raw.index(after: first)
                guard second != raw.endIndex, let high = hexValue(raw[first]), let low = hexValue(raw[second])
                else { return nil }
                out.append(high << 4 | low)
                index = raw.index(after: second)
            } else {
                out.append(byte)
                index = raw.index(after: index)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Opens the file named by `segments` beneath the `serve/` tree `root`. Runs a few non-blocking metadata system
    /// calls (`openat`, `fstat`), as nginx does on its event loop; the body is read by `sendfile`.
    func open(segments: [String], root: RootDirectory) -> Outcome {
        let rootFD = root.descriptor
        var directories: [CInt] = [rootFD]
        defer {
            for fd in directories.dropFirst() { close(fd) }
        }
        var pending = Array(segments.reversed())
        var linkHops = 0
        while let name = pending.popLast() {
            let current = directories[directories.count - 1]
            if name.isEmpty || name == "." {
                if name.isEmpty && pending.isEmpty { return .notFound(reason: "directory") }
                continue
            }
            if name == ".." {
                // Only reachable through a symbolic link's target.
                guard directories.count > 1 else { return .notFound(reason: "symbolic link leaves the serve root") }
                close(directories.removeLast())
                continue
            }
            let isLast = pending.isEmpty
            let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (isLast ? 0 : O_DIRECTORY)
            let fd = openat(current, name, flags)
            if fd >= 0 {
                if isLast {
                    guard let status = FileStatus(descriptor: fd), status.isRegularFile else {
                        close(fd)
                        return .notFound(reason: "not a regular file")
                    }
                    return .opened(OpenedFile(descriptor: fd, root: root, status: status))
                }
                directories.append(fd)
                continue
            }
            let failure = errno
            if failure == ELOOP || failure == ENOTDIR || failure == EMLINK {
                // O_NOFOLLOW met a symbolic link (ELOOP), or a file used as a directory (ENOTDIR).
                guard let target = Self.readLink(at: current, name: name) else {
                    return .notFound(reason: "not a directory")
                }
                linkHops += 1
                guard linkHops <= 16 else { return .notFound(reason: "too many symbolic links") }
                guard !target.hasPrefix("/") else { return .notFound(reason: "absolute symbolic link") }
                pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
                continue
            }
            if failure == ENOENT && !self.isCurrent(root) {
                return .rootUnavailable
            }
            return .notFound(reason: "no such file")
        }
        return .notFound(reason: "directory")
    }

    /// Whether the root exists now and is a directory.
    var rootExists: Bool {
        FileStatus(path: self.rootPath)?.isDirectory ?? false
    }

    /// Whether `rootFD` is still the directory at `rootPath` (genconf may have swapped it while we resolved).
    private func isCurrent(_ root: RootDirectory) -> Bool {
        guard let named = FileStatus(path: self.rootPath) else { return false }
        return root.isSameTree(as: named)
    }

    private static func readLink(at directory: CInt, name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(directory, name, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Closes a descriptor this module opened.
func closeDescriptor(_ descriptor: CInt) {
    _ = close(descriptor)
}

/// The socket errors the server explains to the user.
enum SystemErrorCode {
    case addressInUse
    case permissionDenied
    case addressNotAvailable
    case other

    init(_ code: CInt) {
        switch code {
        case EADDRINUSE: self = .addressInUse
        case EACCES, EPERM: self = .permissionDenied
        case EADDRNOTAVAIL: self = .addressNotAvailable
        default: self = .other
        }
    }
}

/// A regular file opened for one response, and the tree it was found in. The owner closes `descriptor`.
struct OpenedFile {
    let descriptor: CInt
    let root: RootDirectory
    let status: FileStatus
}
